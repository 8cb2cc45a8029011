/* wire: bounds-checked reading and writing of SSH wire values (RFC 4251 s5).
 * Every value from the network goes through a wire_in cursor; a failed get
 * leaves the cursor marked bad and every later get fails too, so a parser can
 * run to the end and check once.  wire_out writes into caller-owned memory
 * with a hard capacity; overflow is sticky in the same way. */
#ifndef SLUICE_WIRE_H
#define SLUICE_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct wire_in {
	const unsigned char *p;
	size_t len;
	size_t pos;
	int bad;
};
#define WIRE_IN_ZERO                                                                               \
	{                                                                                          \
		0, 0, 0, 0                                                                         \
	}

struct wire_out {
	unsigned char *p;
	size_t cap;
	size_t len;
	int bad;
};
#define WIRE_OUT_ZERO                                                                              \
	{                                                                                          \
		0, 0, 0, 0                                                                         \
	}

void wire_in_init(struct wire_in *in, const void *p, size_t len);
/* Each get returns 1 on success, 0 with errno EPROTO on short/invalid input. */
int wire_get_u8(struct wire_in *in, uint8_t *v);
int wire_get_bool(struct wire_in *in, int *v);
int wire_get_u32(struct wire_in *in, uint32_t *v);
int wire_get_u64(struct wire_in *in, uint64_t *v);
int wire_get_bytes(struct wire_in *in, const unsigned char **p, size_t n);
/* string: uint32 length + bytes; pointer into the input, not NUL-terminated. */
int wire_get_string(struct wire_in *in, const unsigned char **p, uint32_t *len);
/* Copies a string into buf as a C string; refuses embedded NUL and strings
 * that do not fit in bufsize-1 bytes (EMSGSIZE). */
int wire_get_cstring(struct wire_in *in, char *buf, size_t bufsize);
/* mpint: returns the magnitude bytes without leading zero; refuses negatives
 * and non-minimal encodings. */
int wire_get_mpint(struct wire_in *in, const unsigned char **p, uint32_t *len);
/* 1 if the whole input was consumed and nothing failed. */
int wire_done(const struct wire_in *in);
/* 1 if nothing failed; unread bytes may remain (for messages whose
 * reference implementation ignores what follows the last field). */
int wire_ok(const struct wire_in *in);
size_t wire_left(const struct wire_in *in);

void wire_out_init(struct wire_out *out, void *p, size_t cap);
int wire_put_u8(struct wire_out *out, uint8_t v);
int wire_put_bool(struct wire_out *out, int v);
int wire_put_u32(struct wire_out *out, uint32_t v);
int wire_put_u64(struct wire_out *out, uint64_t v);
int wire_put_bytes(struct wire_out *out, const void *p, size_t n);
int wire_put_string(struct wire_out *out, const void *p, size_t n);
int wire_put_cstring(struct wire_out *out, const char *s);
/* mpint from an unsigned big-endian magnitude (leading zeros stripped, a 0x00
 * prefix added when the top bit is set). */
int wire_put_mpint(struct wire_out *out, const unsigned char *p, size_t n);
/* Reserve n bytes and return a pointer to them (NULL on overflow). */
unsigned char *wire_put_reserve(struct wire_out *out, size_t n);
/* Overwrite a uint32 at an earlier offset (for lengths known afterwards). */
void wire_patch_u32(struct wire_out *out, size_t at, uint32_t v);

static inline uint32_t wire_load_u32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void wire_store_u32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

#endif
