/* Unit tests for lib/wire: round trips, every short input, mpint rules,
 * sticky failure on both cursors. */
#include <errno.h>
#include <string.h>

#include "../tap.h"
#include "wire/wire.h"

static void test_roundtrip(void)
{
	unsigned char buf[256];
	struct wire_out out = WIRE_OUT_ZERO;
	struct wire_in in = WIRE_IN_ZERO;
	uint8_t u8;
	int b;
	uint32_t u32, n;
	uint64_t u64;
	const unsigned char *p;
	char cs[16];
	static const unsigned char mag[] = {0x00, 0x00, 0x81, 0x02};

	wire_out_init(&out, buf, sizeof buf);
	ok(wire_put_u8(&out, 0xab), "put u8");
	ok(wire_put_bool(&out, 7), "put bool");
	ok(wire_put_u32(&out, 0xdeadbeef), "put u32");
	ok(wire_put_u64(&out, 0x0102030405060708ULL), "put u64");
	ok(wire_put_string(&out, "abc", 3), "put string");
	ok(wire_put_cstring(&out, "hello"), "put cstring");
	ok(wire_put_mpint(&out, mag, sizeof mag), "put mpint");
	ok(wire_put_bytes(&out, "xy", 2), "put bytes");
	is_int(out.len, 1 + 1 + 4 + 8 + 7 + 9 + 7 + 2, "output length");

	wire_in_init(&in, buf, out.len);
	ok(wire_get_u8(&in, &u8) && u8 == 0xab, "get u8");
	ok(wire_get_bool(&in, &b) && b == 1, "get bool");
	ok(wire_get_u32(&in, &u32) && u32 == 0xdeadbeef, "get u32");
	ok(wire_get_u64(&in, &u64) && u64 == 0x0102030405060708ULL, "get u64");
	ok(wire_get_string(&in, &p, &n) && n == 3 && !memcmp(p, "abc", 3), "get string");
	ok(wire_get_cstring(&in, cs, sizeof cs), "get cstring");
	is_str(cs, "hello", "cstring value");
	ok(wire_get_mpint(&in, &p, &n) && n == 2 && p[0] == 0x81 && p[1] == 2,
	   "get mpint strips 00");
	ok(wire_get_bytes(&in, &p, 2) && !memcmp(p, "xy", 2), "get bytes");
	ok(wire_done(&in), "done");
	is_int(wire_left(&in), 0, "nothing left");
}

static void test_short(void)
{
	static const unsigned char full[] = {0, 0, 0, 4, 'a', 'b', 'c', 'd',
					     1, 2, 3, 4, 5,   6,   7,	8};
	struct wire_in in;
	uint8_t u8;
	int b;
	uint32_t u32, n;
	uint64_t u64;
	const unsigned char *p;
	char cs[8];
	size_t i;

	wire_in_init(&in, full, 0);
	errno = 0;
	ok(!wire_get_u8(&in, &u8) && errno == EPROTO && in.bad, "u8 empty");
	wire_in_init(&in, full, 0);
	ok(!wire_get_bool(&in, &b) && errno == EPROTO, "bool empty");
	for (i = 0; i < 4; i++) {
		wire_in_init(&in, full, i);
		errno = 0;
		ok(!wire_get_u32(&in, &u32) && errno == EPROTO, "u32 short %zu", i);
	}
	for (i = 0; i < 8; i++) {
		wire_in_init(&in, full + 8, i);
		errno = 0;
		ok(!wire_get_u64(&in, &u64) && errno == EPROTO, "u64 short %zu", i);
	}
	for (i = 0; i < 8; i++) {
		wire_in_init(&in, full, i);
		errno = 0;
		ok(!wire_get_string(&in, &p, &n) && errno == EPROTO, "string short %zu", i);
		wire_in_init(&in, full, i);
		ok(!wire_get_cstring(&in, cs, sizeof cs) && errno == EPROTO, "cstring short %zu",
		   i);
		wire_in_init(&in, full, i);
		ok(!wire_get_mpint(&in, &p, &n) && errno == EPROTO, "mpint short %zu", i);
	}
	wire_in_init(&in, full, 3);
	ok(!wire_get_bytes(&in, &p, 4) && errno == EPROTO, "bytes short");
	wire_in_init(&in, full, 3);
	ok(!wire_get_bytes(&in, &p, (size_t)-1) && errno == EPROTO, "bytes huge n");
	wire_in_init(&in, full, sizeof full);
	ok(wire_get_string(&in, &p, &n), "string ok");
	ok(!wire_done(&in) && wire_left(&in) == 8, "not done, 8 left");
	ok(wire_ok(&in), "but ok: bytes may remain");
	ok(!wire_get_u64(&in, &u64) || 1, "consume");
	ok(wire_done(&in) && wire_ok(&in), "done after u64");

	/* length field larger than the rest */
	{
		static const unsigned char big[] = {0xff, 0xff, 0xff, 0xff, 'a'};
		wire_in_init(&in, big, sizeof big);
		ok(!wire_get_string(&in, &p, &n) && errno == EPROTO, "string length 2^32-1");
	}
	/* sticky */
	wire_in_init(&in, full, sizeof full);
	ok(!wire_get_bytes(&in, &p, 100), "fail once");
	ok(!wire_get_u8(&in, &u8) && errno == EPROTO, "then u8 fails on valid data");
	ok(!wire_done(&in) && wire_left(&in) == 0, "bad cursor not done");
	ok(!wire_ok(&in), "nor ok");
	wire_in_init(&in, 0, 5);
	ok(!wire_get_u8(&in, &u8), "NULL input has no bytes");
}

static void test_cstring(void)
{
	static const unsigned char nul[] = {0, 0, 0, 3, 'a', 0, 'b'};
	static const unsigned char five[] = {0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e'};
	struct wire_in in;
	char buf[6];

	wire_in_init(&in, nul, sizeof nul);
	errno = 0;
	ok(!wire_get_cstring(&in, buf, sizeof buf) && errno == EPROTO && in.bad,
	   "embedded NUL refused");
	wire_in_init(&in, five, sizeof five);
	errno = 0;
	ok(!wire_get_cstring(&in, buf, 5) && errno == EMSGSIZE && in.bad, "too long: EMSGSIZE");
	wire_in_init(&in, five, sizeof five);
	ok(!wire_get_cstring(&in, buf, 0) && errno == EMSGSIZE, "bufsize 0");
	wire_in_init(&in, five, sizeof five);
	ok(wire_get_cstring(&in, buf, 6), "exact fit");
	is_str(buf, "abcde", "exact fit value");
}

static int mp_get(const unsigned char *enc, size_t len, const unsigned char **p, uint32_t *n)
{
	struct wire_in in;

	wire_in_init(&in, enc, len);
	return wire_get_mpint(&in, p, n) && wire_done(&in);
}

static void test_mpint(void)
{
	unsigned char buf[32];
	struct wire_out out;
	const unsigned char *p;
	uint32_t n;
	static const unsigned char zero_mag[] = {0, 0, 0};
	static const unsigned char x80[] = {0x80};
	static const unsigned char x7f[] = {0x00, 0x7f};
	static const unsigned char e0[] = {0, 0, 0, 0};
	static const unsigned char e80[] = {0, 0, 0, 2, 0, 0x80};
	static const unsigned char eneg[] = {0, 0, 0, 1, 0x80};
	static const unsigned char enm1[] = {0, 0, 0, 2, 0, 0x7f};
	static const unsigned char enm2[] = {0, 0, 0, 1, 0};
	static const unsigned char enm3[] = {0, 0, 0, 3, 0, 0, 0x80};
	static const unsigned char e7f[] = {0, 0, 0, 1, 0x7f};

	wire_out_init(&out, buf, sizeof buf);
	ok(wire_put_mpint(&out, zero_mag, sizeof zero_mag) && out.len == 4 && !memcmp(buf, e0, 4),
	   "zero encodes as empty string");
	wire_out_init(&out, buf, sizeof buf);
	ok(wire_put_mpint(&out, zero_mag, 0) && out.len == 4, "empty magnitude is zero");
	wire_out_init(&out, buf, sizeof buf);
	ok(wire_put_mpint(&out, x80, 1) && out.len == 6 && !memcmp(buf, e80, 6),
	   "0x80 gets 00 prefix");
	wire_out_init(&out, buf, sizeof buf);
	ok(wire_put_mpint(&out, x7f, 2) && out.len == 5 && !memcmp(buf, e7f, 5),
	   "00 7f stripped to 7f");

	ok(mp_get(e0, sizeof e0, &p, &n) && n == 0, "get zero");
	ok(mp_get(e80, sizeof e80, &p, &n) && n == 1 && p[0] == 0x80, "get 0x80");
	ok(mp_get(e7f, sizeof e7f, &p, &n) && n == 1 && p[0] == 0x7f, "get 0x7f");
	errno = 0;
	ok(!mp_get(eneg, sizeof eneg, &p, &n) && errno == EPROTO, "negative refused");
	errno = 0;
	ok(!mp_get(enm1, sizeof enm1, &p, &n) && errno == EPROTO, "00 7f non-minimal refused");
	errno = 0;
	ok(!mp_get(enm2, sizeof enm2, &p, &n) && errno == EPROTO, "single 00 refused");
	errno = 0;
	ok(!mp_get(enm3, sizeof enm3, &p, &n) && errno == EPROTO, "00 00 80 refused");

	wire_out_init(&out, buf, 5);
	errno = 0;
	ok(!wire_put_mpint(&out, x80, 1) && errno == EMSGSIZE && out.len == 0, "mpint overflow");
}

static void test_put_overflow(void)
{
	unsigned char buf[8];
	struct wire_out out;

	memset(buf, 0x55, sizeof buf);
	wire_out_init(&out, buf, 6);
	ok(wire_put_u32(&out, 1), "u32 fits");
	errno = 0;
	ok(!wire_put_u32(&out, 2) && errno == EMSGSIZE && out.bad, "second u32 overflows");
	is_int(out.len, 4, "length unchanged");
	ok(buf[4] == 0x55 && buf[6] == 0x55, "nothing written past");
	ok(!wire_put_u8(&out, 1), "sticky: u8 fails though it fits");
	ok(wire_put_reserve(&out, 0) == 0, "reserve fails when bad");

	wire_out_init(&out, buf, 6);
	ok(!wire_put_string(&out, "abc", 3) && errno == EMSGSIZE, "string overflow");
	wire_out_init(&out, buf, 6);
	ok(!wire_put_u64(&out, 1) && errno == EMSGSIZE, "u64 overflow");
	wire_out_init(&out, buf, 6);
	ok(!wire_put_bytes(&out, "1234567", 7), "bytes overflow");
	wire_out_init(&out, buf, 6);
	ok(!wire_put_reserve(&out, (size_t)-1), "reserve huge");
	wire_out_init(&out, buf, 8);
	ok(wire_put_u32(&out, 0) && wire_put_u32(&out, 9), "two u32");
	wire_patch_u32(&out, 0, 0x01020304);
	ok(!out.bad && buf[0] == 1 && buf[3] == 4, "patch");
	wire_patch_u32(&out, 5, 1);
	ok(out.bad, "patch out of range marks bad");
	wire_out_init(&out, 0, 100);
	ok(!wire_put_u8(&out, 1), "NULL buffer has no capacity");
}

int main(void)
{
	test_roundtrip();
	test_short();
	test_cstring();
	test_mpint();
	test_put_overflow();
	return tap_done();
}
