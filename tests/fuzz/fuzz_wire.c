/* fuzz_wire: the first bytes choose a sequence of wire gets, the rest is the
 * input they run over; checks that results stay inside the input and that a
 * failed cursor stays failed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_inside(const struct wire_in *in, const unsigned char *p, size_t n)
{
	if (p < in->p || n > in->len || (size_t)(p - in->p) > in->len - n) abort();
}

static int fuzz_step(struct wire_in *in, unsigned op)
{
	uint8_t u8;
	int b;
	uint32_t u32;
	uint64_t u64;
	const unsigned char *p;
	char buf[32];

	switch (op % 8) {
	case 0:
		return wire_get_u8(in, &u8);
	case 1:
		return wire_get_bool(in, &b) && (b == 0 || b == 1 ? 1 : (abort(), 0));
	case 2:
		return wire_get_u32(in, &u32);
	case 3:
		return wire_get_u64(in, &u64);
	case 4:
		if (!wire_get_bytes(in, &p, op / 8)) return 0;
		check_inside(in, p, op / 8);
		return 1;
	case 5:
		if (!wire_get_string(in, &p, &u32)) return 0;
		check_inside(in, p, u32);
		return 1;
	case 6:
		if (!wire_get_cstring(in, buf, 1 + op / 8)) return 0;
		if (strlen(buf) > op / 8) abort();
		return 1;
	default:
		if (!wire_get_mpint(in, &p, &u32)) return 0;
		check_inside(in, p, u32);
		if (u32 && (p[0] == 0 || (p[0] & 0x80) == 0x80) && p[-1] != 0) abort();
		return 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_in in;
	size_t nops, i;
	int failed = 0;

	if (size < 1) return 0;
	nops = data[0] % 16;
	if (size < 1 + nops) return 0;
	wire_in_init(&in, data + 1 + nops, size - 1 - nops);
	for (i = 0; i < nops; i++) {
		int r = fuzz_step(&in, data[1 + i]);
		if (failed && r) abort();
		if (!r) failed = 1;
		if (r != !in.bad) abort();
	}
	if (wire_done(&in) && (failed || in.pos != in.len)) abort();
	return 0;
}
