/* sftpd_sftp: the SFTP server driven with hand-built packets over a
 * temporary root (not chrooted): the normal requests, the extensions,
 * malformed input, policy (read-only, handle limit) and confinement. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "fs/fs.h"
#include "account/account.h"
#include "log/log.h"
#include "wire/wire.h"
#include "../../sftpd/sftp/sftp_internal.h"

static char rootdir[] = "/tmp/sftpd_sftp.XXXXXX";
static struct fs_root root = FS_ROOT_ZERO;
static struct sftp_server *srv;

static unsigned char pbuf[SFTP_MAX_PACKET + 64];
static struct wire_out pb;
static unsigned char rbuf[SFTP_OUT_CEILING];
static size_t rlen;
static uint8_t rtype;
static uint32_t rid;
static struct wire_in rin;
static int run_rc;

static void pkt(uint8_t type)
{
	wire_out_init(&pb, pbuf, sizeof pbuf);
	wire_put_u32(&pb, 0);
	wire_put_u8(&pb, type);
}

static void req(uint8_t type, uint32_t id)
{
	pkt(type);
	wire_put_u32(&pb, id);
}

static void ext(uint32_t id, const char *name)
{
	req(SSH_FXP_EXTENDED, id);
	wire_put_cstring(&pb, name);
}

/* Takes the first queued reply into rbuf; 0 if none. */
static int take_reply(void)
{
	const unsigned char *p;
	size_t n;
	uint32_t len;

	rtype = 0;
	rid = 0;
	sftp_server_output(srv, &p, &n);
	if (n < 4) return 0;
	len = wire_load_u32(p);
	if (n < 4 + (size_t)len || len > sizeof rbuf) return 0;
	memcpy(rbuf, p + 4, len);
	rlen = len;
	sftp_server_consume(srv, 4 + (size_t)len);
	wire_in_init(&rin, rbuf, rlen);
	wire_get_u8(&rin, &rtype);
	if (rtype != SSH_FXP_VERSION) wire_get_u32(&rin, &rid);
	return 1;
}

/* Feeds raw bytes, runs, and takes one reply. */
static int feed(const unsigned char *p, size_t n)
{
	run_rc = 1;
	while (n) {
		size_t room = sftp_server_input_room(srv);
		size_t k = n < room ? n : room;
		if (k == 0) return 0;
		sftp_server_input(srv, p, k);
		p += k;
		n -= k;
		run_rc = sftp_server_run(srv);
		if (!run_rc) return 0;
	}
	return take_reply();
}

static int xfer(void)
{
	wire_patch_u32(&pb, 0, (uint32_t)(pb.len - 4));
	return feed(pbuf, pb.len);
}

/* Status code of the current reply, or -1 if it is not a STATUS. */
static int status(void)
{
	struct wire_in c = rin;
	uint32_t st;

	if (rtype != SSH_FXP_STATUS || !wire_get_u32(&c, &st)) return -1;
	return (int)st;
}

static const char *status_msg(void)
{
	static char m[256];
	struct wire_in c = rin;
	uint32_t st;

	m[0] = 0;
	if (rtype == SSH_FXP_STATUS && wire_get_u32(&c, &st)) wire_get_cstring(&c, m, sizeof m);
	return m;
}

static struct sftp_server *new_server(int read_only, unsigned max_handles)
{
	struct sftp_options o = {.umask = 022,
				 .read_only = read_only,
				 .max_handles = max_handles,
				 .user = "alice",
				 .home = "/"};
	struct sftp_server *s = sftp_server_new(&root, &o);

	srv = s;
	pkt(SSH_FXP_INIT);
	wire_put_u32(&pb, 3);
	xfer();
	return s;
}

/* OPEN; returns 1 and the handle in h on success. */
static int do_open(uint32_t id, const char *path, uint32_t pflags, int perm,
		   unsigned char h[SFTP_HANDLE_LEN])
{
	const unsigned char *p;
	uint32_t n;

	req(SSH_FXP_OPEN, id);
	wire_put_cstring(&pb, path);
	wire_put_u32(&pb, pflags);
	if (perm >= 0) {
		wire_put_u32(&pb, SSH_FILEXFER_ATTR_PERMISSIONS);
		wire_put_u32(&pb, (uint32_t)perm);
	} else {
		wire_put_u32(&pb, 0);
	}
	if (!xfer() || rtype != SSH_FXP_HANDLE) return 0;
	if (!wire_get_string(&rin, &p, &n) || n != SFTP_HANDLE_LEN) return 0;
	memcpy(h, p, n);
	return 1;
}

static int do_handle_req(uint8_t type, uint32_t id, const unsigned char h[SFTP_HANDLE_LEN])
{
	req(type, id);
	wire_put_string(&pb, h, SFTP_HANDLE_LEN);
	return xfer();
}

static int do_path_req(uint8_t type, uint32_t id, const char *path)
{
	req(type, id);
	wire_put_cstring(&pb, path);
	return xfer();
}

static int do_two_paths(uint8_t type, uint32_t id, const char *a, const char *b)
{
	req(type, id);
	wire_put_cstring(&pb, a);
	wire_put_cstring(&pb, b);
	return xfer();
}

/* First name of a NAME reply. */
static const char *name_reply(void)
{
	static char name[SLUICE_MAX_PATH];
	struct wire_in c = rin;
	uint32_t count;

	name[0] = 0;
	if (rtype != SSH_FXP_NAME || !wire_get_u32(&c, &count) || count < 1) return "(not a name)";
	wire_get_cstring(&c, name, sizeof name);
	return name;
}

static void put_file(const char *rel, const char *data)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", rootdir, rel);
	f = fopen(p, "w");
	if (f) {
		fputs(data, f);
		fclose(f);
	}
}

static int exists(const char *rel)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s", rootdir, rel);
	return lstat(p, &st) == 0;
}

static void test_init(void)
{
	struct sftp_options o = {.umask = 022};
	uint32_t v;
	char name[128], data[16];
	const unsigned char *vdata;
	uint32_t vlen;
	int vendor_ok = 0;
	int found = 0;
	size_t i;

	srv = sftp_server_new(&root, &o);
	ok(srv != 0, "server created");
	/* a request before INIT is refused, the session goes on */
	do_path_req(SSH_FXP_STAT, 1, "/");
	is_int(status(), SSH_FX_FAILURE, "request before INIT refused");
	is_int(rid, 1, "refusal carries the request id");
	pkt(SSH_FXP_INIT);
	wire_put_u32(&pb, 3);
	ok(xfer(), "INIT answered");
	is_int(rtype, SSH_FXP_VERSION, "VERSION reply");
	ok(wire_get_u32(&rin, &v) && v == 3, "version 3");
	while (wire_left(&rin) && wire_get_cstring(&rin, name, sizeof name) &&
	       wire_get_string(&rin, &vdata, &vlen)) {
		for (i = 0; i < sftp_ext_count; i++)
			if (!strcmp(name, sftp_ext_table[i].name)) found++;
		if (!strcmp(name, "vendor-id")) {
			struct wire_in vi;
			uint64_t build;
			wire_in_init(&vi, vdata, vlen);
			vendor_ok =
			    wire_get_cstring(&vi, data, sizeof data) && !strcmp(data, "sluice") &&
			    wire_get_cstring(&vi, data, sizeof data) && !strcmp(data, "sftpd") &&
			    wire_get_cstring(&vi, data, sizeof data) &&
			    !strcmp(data, SLUICE_VERSION) && wire_get_u64(&vi, &build) &&
			    wire_done(&vi);
		}
	}
	is_int(found, 16, "all 15 extensions advertised, and vendor-id");
	ok(vendor_ok, "vendor-id: sluice, sftpd, %s, a build number", SLUICE_VERSION);
	ok(wire_done(&rin), "VERSION fully parsed");
	pkt(SSH_FXP_INIT);
	wire_put_u32(&pb, 3);
	xfer();
	ok(!run_rc, "second INIT is fatal");
	sftp_server_free(srv);
}

static void test_roundtrip(void)
{
	unsigned char h[SFTP_HANDLE_LEN], h2[SFTP_HANDLE_LEN];
	static unsigned char big[300 * 1024];
	const unsigned char *p;
	uint32_t n, flags, perm;
	uint64_t size;
	size_t i;

	new_server(0, 0);
	ok(do_open(2, "file.txt", SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_TRUNC, 0666, h),
	   "open for write");
	req(SSH_FXP_WRITE, 3);
	wire_put_string(&pb, h, sizeof h);
	wire_put_u64(&pb, 0);
	wire_put_string(&pb, "hello world", 11);
	xfer();
	is_int(status(), SSH_FX_OK, "write");
	is_int(rid, 3, "write reply id");
	do_handle_req(SSH_FXP_FSTAT, 4, h);
	ok(rtype == SSH_FXP_ATTRS && wire_get_u32(&rin, &flags) && wire_get_u64(&rin, &size) &&
	       size == 11,
	   "fstat size 11");
	do_handle_req(SSH_FXP_CLOSE, 5, h);
	is_int(status(), SSH_FX_OK, "close");
	do_handle_req(SSH_FXP_CLOSE, 6, h);
	is_int(status(), SSH_FX_FAILURE, "stale handle refused");

	do_path_req(SSH_FXP_STAT, 7, "file.txt");
	ok(rtype == SSH_FXP_ATTRS, "stat");
	wire_get_u32(&rin, &flags);
	wire_get_u64(&rin, &size);
	wire_get_u32(&rin, &n);
	wire_get_u32(&rin, &n);
	wire_get_u32(&rin, &perm);
	is_int(perm & 0777, 0644, "umask 022 applied on create");

	ok(do_open(8, "/file.txt", SSH_FXF_READ, -1, h), "open for read");
	req(SSH_FXP_READ, 9);
	wire_put_string(&pb, h, sizeof h);
	wire_put_u64(&pb, 6);
	wire_put_u32(&pb, 1000);
	xfer();
	ok(rtype == SSH_FXP_DATA && wire_get_string(&rin, &p, &n) && n == 5 &&
	       !memcmp(p, "world", 5),
	   "read from offset 6");
	req(SSH_FXP_READ, 10);
	wire_put_string(&pb, h, sizeof h);
	wire_put_u64(&pb, 11);
	wire_put_u32(&pb, 10);
	xfer();
	is_int(status(), SSH_FX_EOF, "read at EOF gives EOF");
	do_handle_req(SSH_FXP_WRITE, 11, h);
	is_int(status(), SSH_FX_BAD_MESSAGE, "truncated write is a bad message");
	req(SSH_FXP_WRITE, 12);
	wire_put_string(&pb, h, sizeof h);
	wire_put_u64(&pb, 0);
	wire_put_string(&pb, "x", 1);
	xfer();
	ok(status() != SSH_FX_OK, "write on a read-only handle fails");
	do_handle_req(SSH_FXP_CLOSE, 13, h);

	/* a large file: READ is capped at SFTP_MAX_READ */
	for (i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 7 + (i >> 9));
	ok(do_open(14, "big", SSH_FXF_WRITE | SSH_FXF_CREAT, -1, h), "open big");
	for (i = 0; i < sizeof big; i += 100000) {
		size_t k = sizeof big - i < 100000 ? sizeof big - i : 100000;
		req(SSH_FXP_WRITE, 15);
		wire_put_string(&pb, h, sizeof h);
		wire_put_u64(&pb, i);
		wire_put_string(&pb, big + i, k);
		xfer();
		if (status() != SSH_FX_OK) break;
	}
	is_int(status(), SSH_FX_OK, "big writes");
	do_handle_req(SSH_FXP_CLOSE, 16, h);
	ok(do_open(17, "big", SSH_FXF_READ, -1, h2), "open big for read");
	req(SSH_FXP_READ, 18);
	wire_put_string(&pb, h2, sizeof h2);
	wire_put_u64(&pb, 0);
	wire_put_u32(&pb, 1u << 20);
	xfer();
	ok(rtype == SSH_FXP_DATA && wire_get_string(&rin, &p, &n) && n == SFTP_MAX_READ &&
	       !memcmp(p, big, n),
	   "read capped at SFTP_MAX_READ, content right");
	req(SSH_FXP_READ, 19);
	wire_put_string(&pb, h2, sizeof h2);
	wire_put_u64(&pb, SFTP_MAX_READ);
	wire_put_u32(&pb, 1u << 20);
	xfer();
	ok(rtype == SSH_FXP_DATA && wire_get_string(&rin, &p, &n) &&
	       n == sizeof big - SFTP_MAX_READ && !memcmp(p, big + SFTP_MAX_READ, n),
	   "read the tail");
	do_handle_req(SSH_FXP_CLOSE, 20, h2);
	sftp_server_free(srv);
}

static void test_pipeline(void)
{
	unsigned char two[256];
	size_t n = 0, i;
	int got = 0;

	new_server(0, 0);
	/* two requests in one chunk, then one fed byte by byte */
	req(SSH_FXP_STAT, 30);
	wire_put_cstring(&pb, "/");
	wire_patch_u32(&pb, 0, (uint32_t)(pb.len - 4));
	memcpy(two, pbuf, pb.len);
	n = pb.len;
	req(SSH_FXP_LSTAT, 31);
	wire_put_cstring(&pb, "file.txt");
	wire_patch_u32(&pb, 0, (uint32_t)(pb.len - 4));
	memcpy(two + n, pbuf, pb.len);
	n += pb.len;
	sftp_server_input(srv, two, n);
	ok(sftp_server_pending(srv), "pending before run");
	ok(sftp_server_run(srv), "run");
	ok(!sftp_server_pending(srv), "nothing pending after run");
	if (take_reply() && rtype == SSH_FXP_ATTRS && rid == 30) got++;
	if (take_reply() && rtype == SSH_FXP_ATTRS && rid == 31) got++;
	is_int(got, 2, "both pipelined requests answered in order");
	{
		size_t room;
		unsigned char *space = sftp_server_input_space(srv, &room);
		ok(room == SFTP_MAX_PACKET + 4 && space != 0, "zero-copy input space");
		memcpy(space, two, n);
		sftp_server_input_commit(srv, n);
		ok(sftp_server_run(srv), "run after commit");
		got = 0;
		if (take_reply() && rid == 30) got++;
		if (take_reply() && rid == 31) got++;
		is_int(got, 2, "committed requests answered");
	}
	for (i = 0; i < n; i++) {
		sftp_server_input(srv, two + i, 1);
		if (!sftp_server_run(srv)) break;
	}
	got = 0;
	if (take_reply() && rid == 30) got++;
	if (take_reply() && rid == 31) got++;
	is_int(got, 2, "requests fed byte by byte");
	sftp_server_free(srv);
}

/* Output above the high water mark stops the server; partial draining
 * (which exercises compaction and growth) lets it go on, replies in order. */
static void test_backpressure(void)
{
	unsigned char h[SFTP_HANDLE_LEN];
	static unsigned char all[16u << 20];
	size_t have = 0, pos = 0, stalls = 0, wraps = 0;
	const unsigned char *p;
	size_t n;
	uint32_t i, len, id, dlen, want_id = 200, good = 0;
	int rc = 1;

	new_server(0, 0);
	ok(do_open(199, "big", SSH_FXF_READ, -1, h), "open big");
	for (i = 0; i < 48; i++) {
		req(SSH_FXP_READ, 200 + i);
		wire_put_string(&pb, h, sizeof h);
		wire_put_u64(&pb, i * 1000);
		wire_put_u32(&pb, 200000);
		wire_patch_u32(&pb, 0, (uint32_t)(pb.len - 4));
		sftp_server_input(srv, pbuf, pb.len);
	}
	for (i = 0; i < 1000 && rc; i++) {
		rc = sftp_server_run(srv);
		if (sftp_server_pending(srv)) stalls++;
		if (srv->out_wrapped) wraps++;
		sftp_server_output(srv, &p, &n);
		if (n == 0 && !sftp_server_pending(srv)) break;
		if (n > 70001) n = 70001; /* odd sized partial drains */
		if (have + n > sizeof all) break;
		memcpy(all + have, p, n);
		have += n;
		sftp_server_consume(srv, n);
	}
	ok(rc, "server kept running");
	ok(stalls > 0, "high water mark stopped request processing (%zu)", stalls);
	ok(wraps > 0, "the output queue wrapped around (%zu)", wraps);
	while (pos + 4 <= have) {
		len = wire_load_u32(all + pos);
		if (pos + 4 + len > have || len < 13) break;
		id = wire_load_u32(all + pos + 5);
		dlen = wire_load_u32(all + pos + 9);
		if (all[pos + 4] == SSH_FXP_DATA && id == want_id && dlen == 200000 &&
		    len == 13 + dlen - 4) {
			good++;
			want_id++;
		}
		pos += 4 + len;
	}
	is_int(good, 48, "all 48 replies, in order, complete");
	is_int(pos, have, "nothing left over");
	sftp_server_free(srv);
}

/* A stream of WRITE requests fed in odd-sized chunks, so that the input
 * queue wraps and compacts mid-packet; the file must come out whole. */
static void test_input_stream(void)
{
	static unsigned char stream[40 * 60000], data[40 * 50000], back[40 * 50000];
	unsigned char h[SFTP_HANDLE_LEN];
	size_t len = 0, fed = 0, i, replies = 0, oks = 0;
	char path[600];
	FILE *f;

	new_server(0, 0);
	ok(do_open(300, "stream", SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_TRUNC, -1, h),
	   "open stream");
	for (i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 131 + (i >> 11));
	for (i = 0; i < 40; i++) {
		req(SSH_FXP_WRITE, 301 + (uint32_t)i);
		wire_put_string(&pb, h, sizeof h);
		wire_put_u64(&pb, i * 50000);
		wire_put_string(&pb, data + i * 50000, 50000);
		wire_patch_u32(&pb, 0, (uint32_t)(pb.len - 4));
		memcpy(stream + len, pbuf, pb.len);
		len += pb.len;
	}
	while (fed < len) {
		size_t k = len - fed < 77777 ? len - fed : 77777;
		size_t room = sftp_server_input_room(srv);
		if (k > room) k = room;
		if (!sftp_server_input(srv, stream + fed, k) || !sftp_server_run(srv)) break;
		fed += k;
		while (take_reply()) {
			replies++;
			if (status() == SSH_FX_OK) oks++;
		}
	}
	is_int(fed, len, "whole stream fed");
	is_int(oks, 40, "40 writes acknowledged (%zu replies)", replies);
	do_handle_req(SSH_FXP_CLOSE, 350, h);
	snprintf(path, sizeof path, "%s/stream", rootdir);
	f = fopen(path, "rb");
	i = f ? fread(back, 1, sizeof back, f) : 0;
	if (f) fclose(f);
	ok(i == sizeof data && !memcmp(back, data, sizeof data), "file content intact");
	sftp_server_free(srv);
}

static void test_malformed(void)
{
	unsigned char raw[64];

	new_server(0, 0);
	req(SSH_FXP_OPEN, 40);
	wire_put_u32(&pb, 100);
	wire_put_bytes(&pb, "abc", 3);
	xfer();
	is_int(status(), SSH_FX_BAD_MESSAGE, "truncated string");
	is_int(rid, 40, "bad message keeps the id");
	req(SSH_FXP_STAT, 41);
	wire_put_u32(&pb, 0xffffffffu);
	xfer();
	is_int(status(), SSH_FX_BAD_MESSAGE, "huge string length");
	req(SSH_FXP_STAT, 42);
	wire_put_cstring(&pb, "/");
	wire_put_u8(&pb, 0);
	xfer();
	ok(rtype == SSH_FXP_ATTRS && rid == 42, "a trailing byte is ignored");
	req(SSH_FXP_STAT, 43);
	wire_put_string(&pb, "file.txt\0x", 10);
	xfer();
	is_int(status(), SSH_FX_BAD_MESSAGE, "NUL in a path");
	req(SSH_FXP_OPEN, 44);
	wire_put_cstring(&pb, "file.txt");
	wire_put_u32(&pb, SSH_FXF_READ);
	wire_put_u32(&pb, SSH_FILEXFER_ATTR_EXTENDED);
	wire_put_u32(&pb, 0x7fffffff);
	xfer();
	is_int(status(), SSH_FX_BAD_MESSAGE, "huge extended attribute count");
	req(SSH_FXP_READ, 45);
	wire_put_string(&pb, "zzzzz", 5);
	wire_put_u64(&pb, 0);
	wire_put_u32(&pb, 10);
	xfer();
	is_int(status(), SSH_FX_FAILURE, "bad handle");
	req(99, 46);
	xfer();
	is_int(status(), SSH_FX_OP_UNSUPPORTED, "unknown type unsupported");
	ext(47, "nonexistent@example.com");
	xfer();
	is_int(status(), SSH_FX_OP_UNSUPPORTED, "unknown extension unsupported");
	pkt(SSH_FXP_STAT);
	wire_put_u8(&pb, 1);
	xfer();
	is_int(status(), SSH_FX_BAD_MESSAGE, "packet without an id");
	do_path_req(SSH_FXP_STAT, 48, "/");
	ok(rtype == SSH_FXP_ATTRS && rid == 48, "session continues after bad messages");
	wire_store_u32(raw, SFTP_MAX_PACKET + 1);
	raw[4] = SSH_FXP_STAT;
	sftp_server_input(srv, raw, 5);
	ok(!sftp_server_run(srv) && errno == EPROTO, "oversized framing is fatal");
	ok(!sftp_server_run(srv), "and stays fatal");
	sftp_server_free(srv);
	new_server(0, 0);
	memset(raw, 0, 8);
	sftp_server_input(srv, raw, 8);
	ok(!sftp_server_run(srv), "zero-length packet is fatal");
	sftp_server_free(srv);
	new_server(0, 0);
	{
		static unsigned char huge[SFTP_MAX_PACKET + 5];
		ok(!sftp_server_input(srv, huge, sizeof huge) && errno == EMSGSIZE,
		   "input over the room refused");
	}
	sftp_server_free(srv);
}

/* Bytes after a request's last field are ignored, as OpenSSH's sftp-server
 * ignores them (rclone 1.60 depends on it); a request cut anywhere inside
 * its fields is still a bad message. */
static const unsigned char trailer[] = "\0\x01trailing bytes\xff";

/* Sends the request built in pb: first each of its proper prefixes (every
 * one must be refused as a bad message with the id kept, and change
 * nothing), then the whole request followed by trailer. */
static int cuts_then_trailing(const char *what)
{
	static unsigned char whole[4096];
	size_t len = pb.len, cut, bad = 0;
	uint32_t id = wire_load_u32(pbuf + 5);

	if (len > sizeof whole) return 0;
	memcpy(whole, pbuf, len);
	for (cut = 9; cut < len; cut++) {
		wire_store_u32(whole, (uint32_t)(cut - 4));
		if (!feed(whole, cut) || status() != SSH_FX_BAD_MESSAGE || rid != id) bad++;
	}
	ok(bad == 0, "%s: each of its %zu truncations is a bad message", what, len - 9);
	memcpy(pbuf, whole, len);
	pb.len = len;
	pb.bad = 0;
	wire_put_bytes(&pb, trailer, sizeof trailer);
	return xfer() && rid == id;
}

static void expect_status(const char *what, int want)
{
	if (status() == want)
		ok(1, "%s with trailing bytes: status %d", what, want);
	else
		ok(0, "%s with trailing bytes: status %d (got type %u status %d \"%s\")", what,
		   want, (unsigned)rtype, status(), status_msg());
}

static void expect_type(const char *what, uint8_t want)
{
	if (rtype == want)
		ok(1, "%s with trailing bytes: reply type %u", what, (unsigned)want);
	else
		ok(0, "%s with trailing bytes: reply type %u (got %u status %d \"%s\")", what,
		   (unsigned)want, (unsigned)rtype, status(), status_msg());
}

/* A HANDLE reply's handle into h. */
static int got_handle(unsigned char h[SFTP_HANDLE_LEN])
{
	const unsigned char *p;
	uint32_t n;

	if (rtype != SSH_FXP_HANDLE || !wire_get_string(&rin, &p, &n) || n != SFTP_HANDLE_LEN)
		return 0;
	memcpy(h, p, n);
	return 1;
}

static void put_attr_perm(uint32_t perm)
{
	wire_put_u32(&pb, SSH_FILEXFER_ATTR_PERMISSIONS);
	wire_put_u32(&pb, perm);
}

static void test_trailing_handles(void)
{
	unsigned char hw[SFTP_HANDLE_LEN], hr[SFTP_HANDLE_LEN], hc[SFTP_HANDLE_LEN];
	const unsigned char *p;
	uint32_t n;
	char path[600], back[64];
	FILE *f;

	req(SSH_FXP_OPEN, 500);
	wire_put_cstring(&pb, "t/new");
	wire_put_u32(&pb, SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_TRUNC);
	put_attr_perm(0644);
	cuts_then_trailing("open");
	ok(got_handle(hw), "open with trailing bytes: a handle");
	ok(exists("t/new"), "open created the file (and the cut ones did not stop it)");

	req(SSH_FXP_WRITE, 501);
	wire_put_string(&pb, hw, sizeof hw);
	wire_put_u64(&pb, 0);
	wire_put_string(&pb, "hello", 5);
	cuts_then_trailing("write");
	expect_status("write", SSH_FX_OK);

	req(SSH_FXP_FSTAT, 502);
	wire_put_string(&pb, hw, sizeof hw);
	cuts_then_trailing("fstat");
	expect_type("fstat", SSH_FXP_ATTRS);

	req(SSH_FXP_FSETSTAT, 503);
	wire_put_string(&pb, hw, sizeof hw);
	wire_put_u32(&pb, SSH_FILEXFER_ATTR_ACMODTIME);
	wire_put_u32(&pb, 1100000000);
	wire_put_u32(&pb, 1100000000);
	cuts_then_trailing("fsetstat");
	expect_status("fsetstat", SSH_FX_OK);

	ext(504, "fsync@openssh.com");
	wire_put_string(&pb, hw, sizeof hw);
	cuts_then_trailing("fsync@openssh.com");
	expect_status("fsync@openssh.com", SSH_FX_OK);

	ext(505, "fstatvfs@openssh.com");
	wire_put_string(&pb, hw, sizeof hw);
	cuts_then_trailing("fstatvfs@openssh.com");
	expect_type("fstatvfs@openssh.com", SSH_FXP_EXTENDED_REPLY);

	req(SSH_FXP_CLOSE, 506);
	wire_put_string(&pb, hw, sizeof hw);
	cuts_then_trailing("close");
	expect_status("close", SSH_FX_OK);
	snprintf(path, sizeof path, "%s/t/new", rootdir);
	f = fopen(path, "rb");
	n = f ? (uint32_t)fread(back, 1, sizeof back, f) : 0;
	if (f) fclose(f);
	ok(n == 5 && !memcmp(back, "hello", 5), "the file holds the data and no trailing byte");

	req(SSH_FXP_OPEN, 507);
	wire_put_cstring(&pb, "t/new");
	wire_put_u32(&pb, SSH_FXF_READ);
	wire_put_u32(&pb, 0);
	cuts_then_trailing("open for read");
	ok(got_handle(hr), "open for read with trailing bytes: a handle");

	req(SSH_FXP_READ, 508);
	wire_put_string(&pb, hr, sizeof hr);
	wire_put_u64(&pb, 1);
	wire_put_u32(&pb, 100);
	cuts_then_trailing("read");
	ok(rtype == SSH_FXP_DATA && wire_get_string(&rin, &p, &n) && n == 4 &&
	       !memcmp(p, "ello", 4),
	   "read with trailing bytes: the data");

	ok(do_open(509, "t/copy", SSH_FXF_WRITE | SSH_FXF_CREAT, -1, hc), "open the copy");
	ext(510, "copy-data");
	wire_put_string(&pb, hr, sizeof hr);
	wire_put_u64(&pb, 0);
	wire_put_u64(&pb, 0);
	wire_put_string(&pb, hc, sizeof hc);
	wire_put_u64(&pb, 0);
	cuts_then_trailing("copy-data");
	expect_status("copy-data", SSH_FX_OK);
	do_handle_req(SSH_FXP_CLOSE, 511, hc);
	do_handle_req(SSH_FXP_CLOSE, 512, hr);
	snprintf(path, sizeof path, "%s/t/copy", rootdir);
	f = fopen(path, "rb");
	n = f ? (uint32_t)fread(back, 1, sizeof back, f) : 0;
	if (f) fclose(f);
	ok(n == 5 && !memcmp(back, "hello", 5), "copy-data copied the whole file");

	req(SSH_FXP_OPENDIR, 513);
	wire_put_cstring(&pb, "t");
	cuts_then_trailing("opendir");
	ok(got_handle(hr), "opendir with trailing bytes: a handle");
	req(SSH_FXP_READDIR, 514);
	wire_put_string(&pb, hr, sizeof hr);
	cuts_then_trailing("readdir");
	expect_type("readdir", SSH_FXP_NAME);
	do_handle_req(SSH_FXP_CLOSE, 515, hr);
}

static void test_trailing_paths(void)
{
	struct stat st;
	char path[600];

	req(SSH_FXP_STAT, 520);
	wire_put_cstring(&pb, "t/new");
	cuts_then_trailing("stat");
	expect_type("stat", SSH_FXP_ATTRS);

	req(SSH_FXP_LSTAT, 521);
	wire_put_cstring(&pb, "t/new");
	cuts_then_trailing("lstat");
	expect_type("lstat", SSH_FXP_ATTRS);

	req(SSH_FXP_SETSTAT, 522);
	wire_put_cstring(&pb, "t/new");
	put_attr_perm(0600);
	cuts_then_trailing("setstat");
	expect_status("setstat", SSH_FX_OK);
	snprintf(path, sizeof path, "%s/t/new", rootdir);
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "setstat applied the mode");

	ext(523, "lsetstat@openssh.com");
	wire_put_cstring(&pb, "t/new");
	put_attr_perm(0640);
	cuts_then_trailing("lsetstat@openssh.com");
	expect_status("lsetstat@openssh.com", SSH_FX_OK);

	req(SSH_FXP_MKDIR, 524);
	wire_put_cstring(&pb, "t/d");
	put_attr_perm(0755);
	cuts_then_trailing("mkdir");
	expect_status("mkdir", SSH_FX_OK);
	ok(exists("t/d"), "mkdir made the directory");

	req(SSH_FXP_RMDIR, 525);
	wire_put_cstring(&pb, "t/d");
	cuts_then_trailing("rmdir");
	expect_status("rmdir", SSH_FX_OK);
	ok(!exists("t/d"), "rmdir removed it");

	req(SSH_FXP_REALPATH, 526);
	wire_put_cstring(&pb, "t/../t");
	cuts_then_trailing("realpath");
	is_str(name_reply(), "/t", "realpath with trailing bytes: the name");

	req(SSH_FXP_RENAME, 527);
	wire_put_cstring(&pb, "t/new");
	wire_put_cstring(&pb, "t/ren");
	cuts_then_trailing("rename");
	expect_status("rename", SSH_FX_OK);
	ok(exists("t/ren") && !exists("t/new"), "rename moved the file");

	ext(528, "posix-rename@openssh.com");
	wire_put_cstring(&pb, "t/ren");
	wire_put_cstring(&pb, "t/ren2");
	cuts_then_trailing("posix-rename@openssh.com");
	expect_status("posix-rename@openssh.com", SSH_FX_OK);

	req(SSH_FXP_SYMLINK, 529);
	wire_put_cstring(&pb, "ren2");
	wire_put_cstring(&pb, "t/link");
	cuts_then_trailing("symlink");
	expect_status("symlink", SSH_FX_OK);

	req(SSH_FXP_READLINK, 530);
	wire_put_cstring(&pb, "t/link");
	cuts_then_trailing("readlink");
	is_str(name_reply(), "ren2", "readlink with trailing bytes: the target");

	ext(531, "hardlink@openssh.com");
	wire_put_cstring(&pb, "t/ren2");
	wire_put_cstring(&pb, "t/hard");
	cuts_then_trailing("hardlink@openssh.com");
	expect_status("hardlink@openssh.com", SSH_FX_OK);

	req(SSH_FXP_REMOVE, 532);
	wire_put_cstring(&pb, "t/hard");
	cuts_then_trailing("remove");
	expect_status("remove", SSH_FX_OK);
	ok(!exists("t/hard"), "remove removed it");
}

static void test_trailing_queries(void)
{
	static const unsigned char ids[4] = {0, 0, 0, 0};

	ext(540, "statvfs@openssh.com");
	wire_put_cstring(&pb, "t");
	cuts_then_trailing("statvfs@openssh.com");
	expect_type("statvfs@openssh.com", SSH_FXP_EXTENDED_REPLY);

	ext(541, "limits@openssh.com");
	cuts_then_trailing("limits@openssh.com");
	expect_type("limits@openssh.com", SSH_FXP_EXTENDED_REPLY);

	ext(542, "expand-path@openssh.com");
	wire_put_cstring(&pb, "~/t");
	cuts_then_trailing("expand-path@openssh.com");
	is_str(name_reply(), "/t", "expand-path with trailing bytes: the path");

	ext(543, "home-directory");
	wire_put_cstring(&pb, "alice");
	cuts_then_trailing("home-directory");
	is_str(name_reply(), "/", "home-directory with trailing bytes: the home");

	ext(544, "users-groups-by-id@openssh.com");
	wire_put_string(&pb, ids, sizeof ids);
	wire_put_string(&pb, ids, sizeof ids);
	cuts_then_trailing("users-groups-by-id@openssh.com");
	expect_type("users-groups-by-id@openssh.com", SSH_FXP_EXTENDED_REPLY);

	/* its arguments are unknown: cut or not, it is unsupported */
	ext(545, "nonexistent@example.com");
	wire_put_cstring(&pb, "argument");
	wire_put_bytes(&pb, trailer, sizeof trailer);
	xfer();
	expect_status("an unknown extension", SSH_FX_OP_UNSUPPORTED);
}

/* INIT as SFTP v4-v6 clients send it: a higher version, extension pairs
 * (draft-ietf-secsh-filexfer-13 section 4), then bytes that are no pair. */
static void test_trailing_init(void)
{
	uint32_t v;

	srv = sftp_server_new(&root, 0);
	pkt(SSH_FXP_INIT);
	wire_put_u32(&pb, 6);
	wire_put_cstring(&pb, "version-select");
	wire_put_cstring(&pb, "");
	wire_put_cstring(&pb, "vendor-id");
	wire_put_string(&pb, "\0\0\0\4test", 8);
	wire_put_bytes(&pb, "\0\0", 2);
	ok(xfer() && rtype == SSH_FXP_VERSION && wire_get_u32(&rin, &v) && v == 6,
	   "INIT v6 with extension pairs and stray bytes: VERSION 6");
	do_path_req(SSH_FXP_STAT, 550, "/");
	ok(rtype == SSH_FXP_ATTRS && rid == 550, "and the session goes on");
	sftp_server_free(srv);
}

/* Flag bits SFTP v3 does not define are ignored, as OpenSSH ignores them:
 * in pflags, and in attributes (they announce no field in v3). */
static void test_unknown_flags(void)
{
	unsigned char h[SFTP_HANDLE_LEN];
	struct stat st;
	char path[600];

	ok(do_open(570, "t/flags", SSH_FXF_WRITE | SSH_FXF_CREAT | 0xffffffc0u, 0640, h),
	   "OPEN with undefined pflags bits: a handle");
	do_handle_req(SSH_FXP_CLOSE, 571, h);
	req(SSH_FXP_SETSTAT, 572);
	wire_put_cstring(&pb, "t/flags");
	wire_put_u32(&pb, SSH_FILEXFER_ATTR_PERMISSIONS | 0x7ffffff0u);
	wire_put_u32(&pb, 0604);
	xfer();
	is_int(status(), SSH_FX_OK, "SETSTAT with undefined attribute flag bits: OK");
	snprintf(path, sizeof path, "%s/t/flags", rootdir);
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0604, "and the mode is applied");
	req(SSH_FXP_SETSTAT, 573);
	wire_put_cstring(&pb, "t/flags");
	wire_put_u32(&pb, SSH_FILEXFER_ATTR_EXTENDED);
	wire_put_u32(&pb, 2);
	wire_put_cstring(&pb, "acl@example.com");
	wire_put_cstring(&pb, "data");
	wire_put_cstring(&pb, "mime@example.com");
	wire_put_cstring(&pb, "text/plain");
	xfer();
	is_int(status(), SSH_FX_OK, "SETSTAT with two extended attributes: OK (ignored)");
}

static void test_trailing(void)
{
	char d[600];

	snprintf(d, sizeof d, "%s/t", rootdir);
	mkdir(d, 0755);
	new_server(0, 0);
	test_trailing_handles();
	test_trailing_paths();
	test_trailing_queries();
	test_unknown_flags();
	do_path_req(SSH_FXP_STAT, 560, "/");
	ok(rtype == SSH_FXP_ATTRS && rid == 560 && run_rc, "the session is still well");
	sftp_server_free(srv);
	test_trailing_init();
}

static void test_read_only(void)
{
	unsigned char h[SFTP_HANDLE_LEN];

	new_server(1, 0);
	ok(!do_open(50, "ro.txt", SSH_FXF_WRITE | SSH_FXF_CREAT, -1, h),
	   "read-only: open for write");
	is_int(status(), SSH_FX_PERMISSION_DENIED, "read-only: permission denied");
	ok(!exists("ro.txt"), "read-only: nothing created");
	ok(!do_open(51, "file.txt", SSH_FXF_READ | SSH_FXF_TRUNC, -1, h),
	   "read-only: TRUNC counts as a write");
	ok(do_open(52, "file.txt", SSH_FXF_READ, -1, h), "read-only: open for read allowed");
	do_handle_req(SSH_FXP_CLOSE, 53, h);
	do_path_req(SSH_FXP_MKDIR, 54, "rodir");
	is_int(status(), SSH_FX_PERMISSION_DENIED, "read-only: mkdir denied");
	do_path_req(SSH_FXP_REMOVE, 55, "file.txt");
	is_int(status(), SSH_FX_PERMISSION_DENIED, "read-only: remove denied");
	ok(exists("file.txt"), "read-only: file still there");
	ext(56, "posix-rename@openssh.com");
	wire_put_cstring(&pb, "file.txt");
	wire_put_cstring(&pb, "x");
	xfer();
	is_int(status(), SSH_FX_PERMISSION_DENIED, "read-only: posix-rename denied");
	do_two_paths(SSH_FXP_SYMLINK, 57, "file.txt", "rolink");
	is_int(status(), SSH_FX_PERMISSION_DENIED, "read-only: symlink denied");
	ext(58, "statvfs@openssh.com");
	wire_put_cstring(&pb, "/");
	xfer();
	is_int(rtype, SSH_FXP_EXTENDED_REPLY, "read-only: statvfs allowed");
	sftp_server_free(srv);
}

/* The account's policy (sftp_policy.c): a drop box and denied
 * operations, status codes and the disk checked. */
static void test_account_policy(void)
{
	unsigned char h[SFTP_HANDLE_LEN];
	struct sftp_options o = {.umask = 022, .user = "alice", .home = "/", .write_only = 1};
	struct stat st;
	char p[512];

	put_file("pol.txt", "existing");
	srv = sftp_server_new(&root, &o);
	pkt(SSH_FXP_INIT);
	wire_put_u32(&pb, 3);
	xfer();
	ok(!do_open(70, "pol.txt", SSH_FXF_READ, -1, h) && status() == SSH_FX_PERMISSION_DENIED,
	   "wo: open for reading: permission denied");
	ok(!do_open(71, "pol.txt", SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_TRUNC, -1, h) &&
	       status() == SSH_FX_PERMISSION_DENIED,
	   "wo: open of an existing file for writing: permission denied (O_EXCL)");
	ok(!do_open(72, "pol.txt", SSH_FXF_WRITE | SSH_FXF_APPEND | SSH_FXF_CREAT, -1, h) &&
	       status() == SSH_FX_PERMISSION_DENIED,
	   "wo: append: permission denied");
	ok(!do_open(73, "pol.txt", SSH_FXF_WRITE, -1, h) && status() == SSH_FX_PERMISSION_DENIED,
	   "wo: write without CREAT: permission denied");
	snprintf(p, sizeof p, "%s/pol.txt", rootdir);
	ok(stat(p, &st) == 0 && st.st_size == 8, "wo: the existing file is untouched");
	ok(do_open(74, "polnew.txt", SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_TRUNC, -1, h),
	   "wo: a new file opens");
	do_handle_req(SSH_FXP_CLOSE, 75, h);
	do_path_req(SSH_FXP_OPENDIR, 76, ".");
	is_int(status(), SSH_FX_PERMISSION_DENIED, "wo: opendir denied");
	do_path_req(SSH_FXP_REMOVE, 77, "polnew.txt");
	is_int(status(), SSH_FX_PERMISSION_DENIED, "wo: remove denied");
	do_two_paths(SSH_FXP_RENAME, 78, "polnew.txt", "x");
	is_int(status(), SSH_FX_PERMISSION_DENIED, "wo: rename denied");
	do_path_req(SSH_FXP_READLINK, 79, "polnew.txt");
	is_int(status(), SSH_FX_PERMISSION_DENIED, "wo: readlink denied");
	req(SSH_FXP_MKDIR, 80);
	wire_put_cstring(&pb, "poldir");
	wire_put_u32(&pb, 0);
	xfer();
	ok(rtype == SSH_FXP_STATUS && status() == SSH_FX_OK && exists("poldir"),
	   "wo: mkdir allowed");
	do_path_req(SSH_FXP_STAT, 81, "pol.txt");
	is_int(rtype, SSH_FXP_ATTRS, "wo: stat answers");
	ok(exists("polnew.txt"), "wo: nothing removed or renamed");
	sftp_server_free(srv);

	o.write_only = 0;
	o.deny = ACCOUNT_DENY_MKDIR | ACCOUNT_DENY_RMDIR | ACCOUNT_DENY_SETSTAT;
	srv = sftp_server_new(&root, &o);
	pkt(SSH_FXP_INIT);
	wire_put_u32(&pb, 3);
	xfer();
	req(SSH_FXP_MKDIR, 82);
	wire_put_cstring(&pb, "poldir2");
	wire_put_u32(&pb, 0);
	xfer();
	ok(status() == SSH_FX_PERMISSION_DENIED && !exists("poldir2"), "deny=mkdir");
	do_path_req(SSH_FXP_RMDIR, 83, "poldir");
	ok(status() == SSH_FX_PERMISSION_DENIED && exists("poldir"), "deny=rmdir");
	req(SSH_FXP_SETSTAT, 84);
	wire_put_cstring(&pb, "pol.txt");
	put_attr_perm(0600);
	xfer();
	is_int(status(), SSH_FX_PERMISSION_DENIED, "deny=setstat: setstat");
	do_path_req(SSH_FXP_REMOVE, 85, "polnew.txt");
	ok(status() == SSH_FX_OK && !exists("polnew.txt"), "deny= without remove: remove works");
	ok(do_open(86, "pol.txt", SSH_FXF_READ, -1, h), "deny=: reads work");
	do_handle_req(SSH_FXP_CLOSE, 87, h);
	sftp_server_free(srv);

	o.deny = 0;
	o.force_mode = 1;
	o.mode = 0604;
	srv = sftp_server_new(&root, &o);
	pkt(SSH_FXP_INIT);
	wire_put_u32(&pb, 3);
	xfer();
	ok(do_open(88, "polmode.txt", SSH_FXF_WRITE | SSH_FXF_CREAT, 0777, h), "mode=: a new file");
	do_handle_req(SSH_FXP_CLOSE, 89, h);
	snprintf(p, sizeof p, "%s/polmode.txt", rootdir);
	ok(stat(p, &st) == 0 && (st.st_mode & 07777) == 0604,
	   "mode=0604: created 0604, not 0777 less the umask");
	req(SSH_FXP_SETSTAT, 90);
	wire_put_cstring(&pb, "polmode.txt");
	put_attr_perm(0666);
	xfer();
	ok(status() == SSH_FX_OK && stat(p, &st) == 0 && (st.st_mode & 07777) == 0604,
	   "mode=: a later setstat's permissions are ignored");
	sftp_server_free(srv);
}

static void test_handle_limit(void)
{
	unsigned char h1[SFTP_HANDLE_LEN], h2[SFTP_HANDLE_LEN], h3[SFTP_HANDLE_LEN];

	new_server(0, 2);
	ok(do_open(60, "file.txt", SSH_FXF_READ, -1, h1), "handle 1");
	req(SSH_FXP_OPENDIR, 61);
	wire_put_cstring(&pb, "/");
	xfer();
	ok(rtype == SSH_FXP_HANDLE &&
	       wire_get_string(&rin, &(const unsigned char *){0}, &(uint32_t){0}),
	   "handle 2 (dir)");
	ok(!do_open(62, "file.txt", SSH_FXF_READ, -1, h3), "third handle refused");
	is_int(status(), SSH_FX_FAILURE, "FAILURE");
	is_str(status_msg(), "too many open handles", "with the message");
	do_handle_req(SSH_FXP_CLOSE, 63, h1);
	ok(do_open(64, "file.txt", SSH_FXF_READ, -1, h2), "handle freed and reused");
	ok(memcmp(h1, h2, SFTP_HANDLE_LEN) != 0, "reused slot gets a new handle value");
	do_handle_req(SSH_FXP_CLOSE, 65, h1);
	is_int(status(), SSH_FX_FAILURE, "old handle of a reused slot refused");
	ext(66, "limits@openssh.com");
	xfer();
	{
		uint64_t a, b, c, d;
		ok(rtype == SSH_FXP_EXTENDED_REPLY && wire_get_u64(&rin, &a) &&
		       wire_get_u64(&rin, &b) && wire_get_u64(&rin, &c) && wire_get_u64(&rin, &d) &&
		       a == SFTP_MAX_PACKET && b == SFTP_MAX_READ && c == SFTP_MAX_WRITE && d == 2,
		   "limits@openssh.com");
	}
	sftp_server_free(srv);
}

static void test_paths(void)
{
	char target[SLUICE_MAX_PATH];
	char link_at[600];
	struct stat st;

	new_server(0, 0);
	do_path_req(SSH_FXP_REALPATH, 70, "");
	is_str(name_reply(), "/", "realpath of empty path");
	do_path_req(SSH_FXP_REALPATH, 71, ".");
	is_str(name_reply(), "/", "realpath of .");
	do_path_req(SSH_FXP_REALPATH, 72, "missing");
	is_str(name_reply(), "/missing", "realpath of missing last component");
	do_path_req(SSH_FXP_MKDIR, 73, "d");
	is_int(status(), SSH_FX_BAD_MESSAGE, "mkdir without attributes is malformed");
	req(SSH_FXP_MKDIR, 73);
	wire_put_cstring(&pb, "d");
	wire_put_u32(&pb, SSH_FILEXFER_ATTR_PERMISSIONS);
	wire_put_u32(&pb, 0777);
	xfer();
	is_int(status(), SSH_FX_OK, "mkdir");
	{
		struct stat dst;
		char dp[600];
		snprintf(dp, sizeof dp, "%s/d", rootdir);
		ok(stat(dp, &dst) == 0 && (dst.st_mode & 0777) == 0755,
		   "mkdir mode 0777 with umask 022 -> 0755");
	}
	do_path_req(SSH_FXP_REALPATH, 74, "d/../d/new");
	is_str(name_reply(), "/d/new", "realpath canonicalises");
	do_path_req(SSH_FXP_REALPATH, 75, "../../..");
	is_str(name_reply(), "/", "realpath cannot leave the root");
	do_path_req(SSH_FXP_RMDIR, 76, "d");
	is_int(status(), SSH_FX_OK, "rmdir");
	do_path_req(SSH_FXP_RMDIR, 77, "d");
	is_int(status(), SSH_FX_NO_SUCH_FILE, "rmdir missing: no such file");

	/* OpenSSH order: target first, then the link path */
	do_two_paths(SSH_FXP_SYMLINK, 78, "file.txt", "link");
	is_int(status(), SSH_FX_OK, "symlink");
	snprintf(link_at, sizeof link_at, "%s/link", rootdir);
	ok(readlink(link_at, target, sizeof target) == 8 && !memcmp(target, "file.txt", 8),
	   "symlink argument order is OpenSSH's");
	do_path_req(SSH_FXP_READLINK, 79, "link");
	is_str(name_reply(), "file.txt", "readlink verbatim");

	put_file("a", "A");
	put_file("b", "B");
	do_two_paths(SSH_FXP_RENAME, 80, "a", "b");
	is_int(status(), SSH_FX_FAILURE, "rename refuses to overwrite");
	ok(exists("a"), "source still there");
	ext(81, "posix-rename@openssh.com");
	wire_put_cstring(&pb, "a");
	wire_put_cstring(&pb, "b");
	xfer();
	is_int(status(), SSH_FX_OK, "posix-rename overwrites");
	ok(!exists("a"), "source gone");
	do_two_paths(SSH_FXP_RENAME, 82, "b", "c");
	is_int(status(), SSH_FX_OK, "rename to a new name");
	ext(83, "hardlink@openssh.com");
	wire_put_cstring(&pb, "c");
	wire_put_cstring(&pb, "c2");
	xfer();
	is_int(status(), SSH_FX_OK, "hardlink");
	do_path_req(SSH_FXP_REMOVE, 84, "c");
	is_int(status(), SSH_FX_OK, "remove");
	do_path_req(SSH_FXP_REMOVE, 85, "c");
	is_int(status(), SSH_FX_NO_SUCH_FILE, "remove missing");

	req(SSH_FXP_SETSTAT, 86);
	wire_put_cstring(&pb, "c2");
	wire_put_u32(&pb, SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_ACMODTIME);
	wire_put_u32(&pb, 0600);
	wire_put_u32(&pb, 1000000000);
	wire_put_u32(&pb, 1200000000);
	xfer();
	is_int(status(), SSH_FX_OK, "setstat");
	snprintf(link_at, sizeof link_at, "%s/c2", rootdir);
	ok(stat(link_at, &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_mtime == 1200000000,
	   "setstat applied mode and mtime");

	/* confinement */
	snprintf(link_at, sizeof link_at, "%s/escape", rootdir);
	ok(symlink("/etc", link_at) == 0, "absolute symlink to /etc made");
	do_path_req(SSH_FXP_STAT, 87, "escape/passwd");
	is_int(status(), SSH_FX_NO_SUCH_FILE, "absolute symlink stays inside the root");
	do_path_req(SSH_FXP_STAT, 88, "../../../../etc/passwd");
	is_int(status(), SSH_FX_NO_SUCH_FILE, "dot-dot stays inside the root");
	do_path_req(SSH_FXP_STAT, 89, "/../../etc/passwd");
	is_int(status(), SSH_FX_NO_SUCH_FILE, "absolute dot-dot stays inside the root");
	sftp_server_free(srv);
}

static void test_readdir(void)
{
	const unsigned char *p;
	uint32_t n, count, i, total = 0;
	char name[256], longname[512];
	struct sftp_attr a;
	int saw_file = 0, saw_dotdot = 0, good_long = 0, rounds = 0;

	new_server(0, 0);
	req(SSH_FXP_OPENDIR, 90);
	wire_put_cstring(&pb, "/");
	xfer();
	ok(rtype == SSH_FXP_HANDLE && wire_get_string(&rin, &p, &n) && n == SFTP_HANDLE_LEN,
	   "opendir");
	{
		unsigned char h[SFTP_HANDLE_LEN];
		memcpy(h, p, SFTP_HANDLE_LEN);
		for (;;) {
			do_handle_req(SSH_FXP_READDIR, 91, h);
			if (rtype != SSH_FXP_NAME || ++rounds > 50) break;
			wire_get_u32(&rin, &count);
			for (i = 0; i < count; i++) {
				wire_get_cstring(&rin, name, sizeof name);
				wire_get_cstring(&rin, longname, sizeof longname);
				sftp_attr_get(&rin, &a);
				total++;
				if (!strcmp(name, "file.txt")) {
					saw_file = 1;
					good_long = !strncmp(longname, "-rw-r--r--    1 ", 16) &&
						    strstr(longname, " 11 ") &&
						    strstr(longname, " file.txt");
					if (!good_long) printf("# longname '%s'\n", longname);
				}
				if (!strcmp(name, "..")) saw_dotdot = 1;
			}
			if (!wire_done(&rin)) break;
		}
		is_int(status(), SSH_FX_EOF, "readdir ends with EOF");
		ok(saw_file && saw_dotdot, "readdir lists file.txt and ..");
		ok(good_long, "ls -l style longname");
		ok(total >= 5, "several entries (%u)", (unsigned)total);
		do_handle_req(SSH_FXP_CLOSE, 92, h);
		is_int(status(), SSH_FX_OK, "closedir");
	}
	sftp_server_free(srv);
}

/* A directory larger than one READDIR batch. */
static void test_readdir_batches(void)
{
	unsigned char h[SFTP_HANDLE_LEN];
	const unsigned char *p;
	uint32_t n, count, total = 0, batches = 0, maxbatch = 0;
	char rel[64];
	int i;

	snprintf(rel, sizeof rel, "%s", "many");
	{
		char d[600];
		snprintf(d, sizeof d, "%s/%s", rootdir, rel);
		mkdir(d, 0755);
	}
	for (i = 0; i < 250; i++) {
		snprintf(rel, sizeof rel, "many/file-%03d", i);
		put_file(rel, "x");
	}
	new_server(0, 0);
	req(SSH_FXP_OPENDIR, 400);
	wire_put_cstring(&pb, "many");
	xfer();
	ok(rtype == SSH_FXP_HANDLE && wire_get_string(&rin, &p, &n) && n == SFTP_HANDLE_LEN,
	   "opendir many");
	memcpy(h, p, SFTP_HANDLE_LEN);
	for (i = 0; i < 20; i++) {
		do_handle_req(SSH_FXP_READDIR, 401, h);
		if (rtype != SSH_FXP_NAME || !wire_get_u32(&rin, &count)) break;
		batches++;
		total += count;
		if (count > maxbatch) maxbatch = count;
	}
	is_int(status(), SSH_FX_EOF, "many: ends with EOF");
	is_int(total, 252, "many: every entry once (250 files, . and ..)");
	ok(batches >= 3 && maxbatch <= SFTP_READDIR_MAX_NAMES, "many: %u batches of at most %u",
	   (unsigned)batches, (unsigned)maxbatch);
	do_handle_req(SSH_FXP_CLOSE, 402, h);
	sftp_server_free(srv);
}

static void copy_data_req(uint32_t id, const unsigned char *from, uint64_t roff, uint64_t len,
			  const unsigned char *to, uint64_t woff)
{
	ext(id, "copy-data");
	wire_put_string(&pb, from, SFTP_HANDLE_LEN);
	wire_put_u64(&pb, roff);
	wire_put_u64(&pb, len);
	wire_put_string(&pb, to, SFTP_HANDLE_LEN);
	wire_put_u64(&pb, woff);
	xfer();
}

/* Two handles on one file: a copy is limited to the source's size when it
 * starts, so it cannot chase its own tail until the disk is full. */
static void test_copy_same_file(void)
{
	unsigned char r[SFTP_HANDLE_LEN], w[SFTP_HANDLE_LEN];
	char pth[512];
	struct stat st;

	put_file("twice.txt", "0123456789");
	new_server(0, 0);
	ok(do_open(600, "twice.txt", SSH_FXF_READ, -1, r), "open twice.txt to read");
	ok(do_open(601, "twice.txt", SSH_FXF_READ | SSH_FXF_WRITE, -1, w),
	   "open twice.txt again to write");
	copy_data_req(602, r, 0, (uint64_t)1 << 40, w, 10);
	is_int(status(), SSH_FX_OK, "copy-data to its own end through a second handle");
	snprintf(pth, sizeof pth, "%s/twice.txt", rootdir);
	ok(stat(pth, &st) == 0 && st.st_size == 20, "it copied the 10 bytes there were, once");
	copy_data_req(603, r, 0, 0, w, 5);
	is_int(status(), SSH_FX_FAILURE, "an overlapping copy through two handles is refused");
	ok(stat(pth, &st) == 0 && st.st_size == 20, "and wrote nothing");
	do_handle_req(SSH_FXP_CLOSE, 604, r);
	do_handle_req(SSH_FXP_CLOSE, 605, w);
	sftp_server_free(srv);
}

static void test_extensions(void)
{
	unsigned char h[SFTP_HANDLE_LEN], h2[SFTP_HANDLE_LEN];
	unsigned char ids[8];
	const unsigned char *p;
	uint32_t n;
	uint64_t v;
	char buf[64];

	new_server(0, 0);
	ext(100, "expand-path@openssh.com");
	wire_put_cstring(&pb, "~");
	xfer();
	is_str(name_reply(), "/", "expand-path ~");
	ext(101, "expand-path@openssh.com");
	wire_put_cstring(&pb, "~/file.txt");
	xfer();
	is_str(name_reply(), "/file.txt", "expand-path ~/file.txt");
	ext(102, "expand-path@openssh.com");
	wire_put_cstring(&pb, "~bob/x");
	xfer();
	ok(status() > 0, "expand-path of another user refused");
	ext(103, "home-directory");
	wire_put_cstring(&pb, "alice");
	xfer();
	is_str(name_reply(), "/", "home-directory");
	ext(104, "statvfs@openssh.com");
	wire_put_cstring(&pb, "/");
	xfer();
	ok(rtype == SSH_FXP_EXTENDED_REPLY && wire_get_u64(&rin, &v) && v > 0 &&
	       wire_left(&rin) == 80,
	   "statvfs: 11 uint64");
	ok(do_open(105, "file.txt", SSH_FXF_READ, -1, h), "open source");
	ok(do_open(106, "copy.txt", SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_TRUNC, -1, h2),
	   "open destination");
	ext(107, "fstatvfs@openssh.com");
	wire_put_string(&pb, h, sizeof h);
	xfer();
	is_int(rtype, SSH_FXP_EXTENDED_REPLY, "fstatvfs");
	ext(108, "copy-data");
	wire_put_string(&pb, h, sizeof h);
	wire_put_u64(&pb, 6);
	wire_put_u64(&pb, 0);
	wire_put_string(&pb, h2, sizeof h2);
	wire_put_u64(&pb, 0);
	xfer();
	is_int(status(), SSH_FX_OK, "copy-data to EOF");
	ext(109, "copy-data");
	wire_put_string(&pb, h2, sizeof h2);
	wire_put_u64(&pb, 0);
	wire_put_u64(&pb, 0);
	wire_put_string(&pb, h, sizeof h);
	wire_put_u64(&pb, 0);
	xfer();
	is_int(status(), SSH_FX_FAILURE, "copy-data into a read handle refused");
	ext(110, "fsync@openssh.com");
	wire_put_string(&pb, h2, sizeof h2);
	xfer();
	is_int(status(), SSH_FX_OK, "fsync");
	do_handle_req(SSH_FXP_CLOSE, 111, h);
	do_handle_req(SSH_FXP_CLOSE, 112, h2);
	{
		char pth[512];
		FILE *f;
		snprintf(pth, sizeof pth, "%s/copy.txt", rootdir);
		f = fopen(pth, "r");
		buf[0] = 0;
		if (f) {
			if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
			fclose(f);
		}
		is_str(buf, "world", "copy-data copied the right bytes");
	}
	wire_store_u32(ids, (uint32_t)getuid());
	wire_store_u32(ids + 4, (uint32_t)getgid());
	ext(113, "users-groups-by-id@openssh.com");
	wire_put_string(&pb, ids, 4);
	wire_put_string(&pb, ids + 4, 4);
	xfer();
	ok(rtype == SSH_FXP_EXTENDED_REPLY && wire_get_string(&rin, &p, &n) &&
	       wire_get_string(&rin, &p, &n) && wire_done(&rin),
	   "users-groups-by-id");
	ext(114, "users-groups-by-id@openssh.com");
	wire_put_string(&pb, ids, 3);
	wire_put_string(&pb, ids, 0);
	xfer();
	is_int(status(), SSH_FX_BAD_MESSAGE, "users-groups-by-id with a partial id");
	ext(115, "lsetstat@openssh.com");
	wire_put_cstring(&pb, "link");
	wire_put_u32(&pb, SSH_FILEXFER_ATTR_ACMODTIME);
	wire_put_u32(&pb, 1000);
	wire_put_u32(&pb, 2000);
	xfer();
	is_int(status(), SSH_FX_OK, "lsetstat times on a symlink");
	sftp_server_free(srv);
}

/* A v4 SETSTAT of "t/v4" with the given attribute bytes already in pb. */
static int v4_setstat_begin(uint32_t id, uint32_t flags)
{
	req(SSH_FXP_SETSTAT, id);
	wire_put_cstring(&pb, "t/v4");
	wire_put_u32(&pb, flags);
	return wire_put_u8(&pb, SSH_FILEXFER_TYPE_REGULAR);
}

/* SFTP v4 (draft-ietf-secsh-filexfer-04): negotiation, attributes both
 * ways, names without longname, malformed attributes. */
static void test_v4(void)
{
	struct sftp_options o = {.umask = 022, .user = "alice", .home = "/"};
	char path[600], owner[64], group[64], name[64];
	struct stat st;
	uint32_t v, flags, perm, n, ns;
	uint64_t size, at, mt;
	uint8_t type;
	int found;

	srv = sftp_server_new(&root, &o);
	pkt(SSH_FXP_INIT);
	wire_put_u32(&pb, 4);
	ok(xfer() && rtype == SSH_FXP_VERSION && wire_get_u32(&rin, &v) && v == 4,
	   "v4: INIT 4 gets VERSION 4");
	put_file("t/v4", "0123456789");
	snprintf(path, sizeof path, "%s/t/v4", rootdir);
	chmod(path, 0640);
	stat(path, &st);
	do_path_req(SSH_FXP_STAT, 600, "t/v4");
	ok(rtype == SSH_FXP_ATTRS && wire_get_u32(&rin, &flags) && wire_get_u8(&rin, &type),
	   "v4: STAT gives ATTRS with a type byte");
	is_int(type, SSH_FILEXFER_TYPE_REGULAR, "v4: type regular");
	is_int(flags,
	       SSH_FILEXFER4_ATTR_SIZE | SSH_FILEXFER4_ATTR_OWNERGROUP |
		   SSH_FILEXFER4_ATTR_PERMISSIONS | SSH_FILEXFER4_ATTR_ACCESSTIME |
		   SSH_FILEXFER4_ATTR_MODIFYTIME | SSH_FILEXFER4_ATTR_SUBSECOND_TIMES,
	       "v4: size, owner/group, permissions, times with nanoseconds");
	ok(wire_get_u64(&rin, &size) && size == 10, "v4: size 10");
	ok(wire_get_cstring(&rin, owner, sizeof owner) && *owner &&
	       wire_get_cstring(&rin, group, sizeof group) && *group,
	   "v4: owner \"%s\" and group \"%s\"", owner, group);
	ok(wire_get_u32(&rin, &perm) && (perm & 07777) == 0640 && S_ISREG(perm), "v4: mode");
	ok(wire_get_u64(&rin, &at) && wire_get_u32(&rin, &ns) && wire_get_u64(&rin, &mt) &&
	       wire_get_u32(&rin, &ns),
	   "v4: atime and mtime with nanoseconds");
	ok(mt == (uint64_t)st.st_mtime && ns == (uint32_t)st.st_mtim.tv_nsec,
	   "v4: mtime equals the file's");
	ok(wire_done(&rin), "v4: ATTRS fully parsed");

	v4_setstat_begin(601, SSH_FILEXFER4_ATTR_PERMISSIONS | SSH_FILEXFER4_ATTR_ACCESSTIME |
				  SSH_FILEXFER4_ATTR_MODIFYTIME |
				  SSH_FILEXFER4_ATTR_SUBSECOND_TIMES);
	wire_put_u32(&pb, 0604);
	wire_put_u64(&pb, 1000);
	wire_put_u32(&pb, 0);
	wire_put_u64(&pb, 2000);
	wire_put_u32(&pb, 0);
	xfer();
	is_int(status(), SSH_FX_OK, "v4: SETSTAT mode and times");
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0604 && st.st_mtime == 2000 &&
	       st.st_atime == 1000,
	   "v4: mode 0604, atime 1000, mtime 2000 on disk");

	v4_setstat_begin(602, SSH_FILEXFER4_ATTR_OWNERGROUP | SSH_FILEXFER4_ATTR_PERMISSIONS);
	wire_put_cstring(&pb, "nobody-by-name");
	wire_put_cstring(&pb, "nogroup");
	wire_put_u32(&pb, 0600);
	xfer();
	is_int(status(), SSH_FX_OP_UNSUPPORTED, "v4: owner by name: OP_UNSUPPORTED");
	v4_setstat_begin(603, SSH_FILEXFER4_ATTR_MODIFYTIME | SSH_FILEXFER4_ATTR_PERMISSIONS);
	wire_put_u32(&pb, 0600);
	wire_put_u64(&pb, 3000);
	xfer();
	is_int(status(), SSH_FX_OP_UNSUPPORTED, "v4: mtime alone: OP_UNSUPPORTED");
	v4_setstat_begin(604, SSH_FILEXFER4_ATTR_ACL);
	wire_put_cstring(&pb, "acl");
	xfer();
	is_int(status(), SSH_FX_OP_UNSUPPORTED, "v4: an ACL: OP_UNSUPPORTED");
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0604 && st.st_mtime == 2000,
	   "v4: nothing of the refused changes applied");

	/* malformed: the type byte missing, a string cut short, a time cut */
	req(SSH_FXP_SETSTAT, 605);
	wire_put_cstring(&pb, "t/v4");
	wire_put_u32(&pb, 0);
	xfer();
	is_int(status(), SSH_FX_BAD_MESSAGE, "v4: attributes without the type byte: BAD_MESSAGE");
	v4_setstat_begin(606, SSH_FILEXFER4_ATTR_OWNERGROUP);
	wire_put_u32(&pb, 100);
	wire_put_bytes(&pb, "ab", 2);
	xfer();
	is_int(status(), SSH_FX_BAD_MESSAGE, "v4: owner string past the end: BAD_MESSAGE");
	v4_setstat_begin(607, SSH_FILEXFER4_ATTR_ACCESSTIME | SSH_FILEXFER4_ATTR_SUBSECOND_TIMES);
	wire_put_u64(&pb, 5);
	xfer();
	is_int(status(), SSH_FX_BAD_MESSAGE, "v4: nanoseconds missing: BAD_MESSAGE");
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0604, "v4: file unchanged");

	/* names: filename + attributes, no longname */
	do_path_req(SSH_FXP_REALPATH, 608, "t/v4");
	ok(rtype == SSH_FXP_NAME && wire_get_u32(&rin, &n) && n == 1 &&
	       wire_get_cstring(&rin, name, sizeof name) && wire_get_u32(&rin, &flags) &&
	       wire_get_u8(&rin, &type) && wire_done(&rin),
	   "v4: REALPATH name without longname, empty v4 attributes");
	do_path_req(SSH_FXP_OPENDIR, 609, "t");
	ok(rtype == SSH_FXP_HANDLE, "v4: OPENDIR");
	{
		const unsigned char *hp;
		uint32_t hl;
		unsigned char h[SFTP_HANDLE_LEN];

		wire_get_string(&rin, &hp, &hl);
		memcpy(h, hp, SFTP_HANDLE_LEN);
		found = 0;
		do_handle_req(SSH_FXP_READDIR, 610, h);
		if (rtype == SSH_FXP_NAME && wire_get_u32(&rin, &n))
			for (v = 0; v < n; v++) {
				if (!wire_get_cstring(&rin, name, sizeof name) ||
				    !wire_get_u32(&rin, &flags) || !wire_get_u8(&rin, &type))
					break;
				if (flags & SSH_FILEXFER4_ATTR_SIZE) wire_get_u64(&rin, &size);
				if (flags & SSH_FILEXFER4_ATTR_OWNERGROUP) {
					wire_get_cstring(&rin, owner, sizeof owner);
					wire_get_cstring(&rin, group, sizeof group);
				}
				if (flags & SSH_FILEXFER4_ATTR_PERMISSIONS)
					wire_get_u32(&rin, &perm);
				wire_get_u64(&rin, &at);
				wire_get_u32(&rin, &ns);
				wire_get_u64(&rin, &mt);
				wire_get_u32(&rin, &ns);
				if (!strcmp(name, "v4") && size == 10 && mt == 2000) found = 1;
			}
		ok(found && wire_done(&rin), "v4: READDIR entries parse as v4 names, v4 listed");
		do_handle_req(SSH_FXP_CLOSE, 611, h);
	}
	/* version-select: the first request after INIT 3 switches to 4 */
	sftp_server_free(srv);
	new_server(0, 0);
	ext(616, "version-select");
	wire_put_cstring(&pb, "4");
	xfer();
	is_int(status(), SSH_FX_OK, "version-select 4 as the first request: OK");
	do_path_req(SSH_FXP_STAT, 617, "t/v4");
	ok(rtype == SSH_FXP_ATTRS && wire_get_u32(&rin, &flags) && wire_get_u8(&rin, &type) &&
	       type == SSH_FILEXFER_TYPE_REGULAR,
	   "and STAT answers with v4 attributes");
	ext(618, "version-select");
	wire_put_cstring(&pb, "3");
	ok(!xfer() && !run_rc, "version-select as a second request: the session ends");
	sftp_server_free(srv);
	new_server(0, 0);
	ext(619, "version-select");
	wire_put_cstring(&pb, "7");
	xfer();
	is_int(status(), SSH_FX_OP_UNSUPPORTED, "version-select 7: OP_UNSUPPORTED");
	sftp_server_free(srv);
	srv = sftp_server_new(&root, &o);
	pkt(SSH_FXP_INIT);
	wire_put_u32(&pb, 4);
	xfer();

	/* v4 status codes where v3 has none */
	req(SSH_FXP_OPEN, 612);
	wire_put_cstring(&pb, "t/v4");
	wire_put_u32(&pb, SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_EXCL);
	wire_put_u32(&pb, 0);
	wire_put_u8(&pb, SSH_FILEXFER_TYPE_REGULAR);
	xfer();
	is_int(status(), SSH_FX_FILE_ALREADY_EXISTS, "v4: OPEN EXCL of an existing file");
	do_path_req(SSH_FXP_STAT, 613, "t/v4/below");
	is_int(status(), SSH_FX_NO_SUCH_PATH, "v4: a path through a file: NO_SUCH_PATH");
	sftp_server_free(srv);
	new_server(0, 0);
	do_open(614, "t/v4", SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_EXCL, -1,
		(unsigned char[4]){0});
	is_int(status(), SSH_FX_FAILURE, "v3: the same OPEN EXCL: FAILURE");
	do_path_req(SSH_FXP_STAT, 615, "t/v4/below");
	is_int(status(), SSH_FX_NO_SUCH_FILE, "v3: the same STAT: NO_SUCH_FILE");
	sftp_server_free(srv);
}

/* A server over root for the given version (INIT asks for it). */
static struct sftp_server *new_server_v(unsigned version, const struct sftp_options *o)
{
	uint32_t v = 0;

	srv = sftp_server_new(&root, o);
	pkt(SSH_FXP_INIT);
	wire_put_u32(&pb, version);
	xfer();
	if (rtype == SSH_FXP_VERSION) wire_get_u32(&rin, &v);
	if (v != version) printf("# INIT %u got VERSION %u\n", version, (unsigned)v);
	return srv;
}

/* A v5/v6 OPEN: desired-access, flags, empty v5 attributes. */
static int do_open5(uint32_t id, const char *path, uint32_t access, uint32_t flags,
		    unsigned char h[SFTP_HANDLE_LEN])
{
	const unsigned char *p;
	uint32_t n;

	req(SSH_FXP_OPEN, id);
	wire_put_cstring(&pb, path);
	wire_put_u32(&pb, access);
	wire_put_u32(&pb, flags);
	wire_put_u32(&pb, 0);
	wire_put_u8(&pb, SSH_FILEXFER_TYPE_REGULAR);
	if (!xfer() || rtype != SSH_FXP_HANDLE) return 0;
	if (!wire_get_string(&rin, &p, &n) || n != SFTP_HANDLE_LEN) return 0;
	memcpy(h, p, n);
	return 1;
}

static int write_at(uint32_t id, const unsigned char h[SFTP_HANDLE_LEN], uint64_t off,
		    const char *data)
{
	req(SSH_FXP_WRITE, id);
	wire_put_string(&pb, h, SFTP_HANDLE_LEN);
	wire_put_u64(&pb, off);
	wire_put_cstring(&pb, data);
	xfer();
	return status();
}

/* The contents of a file under the root ("" when missing). */
static const char *file_text(const char *rel)
{
	static char buf[256];
	char p[512];
	FILE *f;
	size_t n = 0;

	snprintf(p, sizeof p, "%s/%s", rootdir, rel);
	f = fopen(p, "r");
	if (f) {
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	return buf;
}

/* v5/v6 OPEN decoded: dispositions, append, refused and malformed flags. */
static void test_v5_open(void)
{
	struct sftp_options o = {.umask = 022, .user = "alice", .home = "/"};
	unsigned char h[SFTP_HANDLE_LEN];
	char path[600];

	new_server_v(5, &o);
	ok(do_open5(700, "t/v5a", ACE4_WRITE_DATA | ACE4_WRITE_ATTRIBUTES, SSH_FXF_CREATE_TRUNCATE,
		    h),
	   "v5: CREATE_TRUNCATE with WRITE_DATA: a handle");
	is_int(write_at(701, h, 0, "hello"), SSH_FX_OK, "v5: WRITE");
	do_handle_req(SSH_FXP_CLOSE, 702, h);
	is_str(file_text("t/v5a"), "hello", "v5: the file on disk");
	ok(!do_open5(703, "t/v5a", ACE4_WRITE_DATA, SSH_FXF_CREATE_NEW, h) &&
	       status() == SSH_FX_FILE_ALREADY_EXISTS,
	   "v5: CREATE_NEW of an existing file: FILE_ALREADY_EXISTS");
	ok(!do_open5(704, "t/v5-none", ACE4_WRITE_DATA, SSH_FXF_TRUNCATE_EXISTING, h) &&
	       status() == SSH_FX_NO_SUCH_FILE && !exists("t/v5-none"),
	   "v5: TRUNCATE_EXISTING of a missing file: NO_SUCH_FILE, nothing made");
	ok(!do_open5(705, "t/v5-none", ACE4_READ_DATA, SSH_FXF_OPEN_EXISTING, h) &&
	       status() == SSH_FX_NO_SUCH_FILE,
	   "v5: OPEN_EXISTING of a missing file: NO_SUCH_FILE");
	ok(do_open5(706, "t/v5a", ACE4_WRITE_DATA, SSH_FXF_OPEN_EXISTING | SSH_FXF_APPEND_DATA, h),
	   "v5: APPEND_DATA: a handle");
	write_at(707, h, 0, "-app");
	do_handle_req(SSH_FXP_CLOSE, 708, h);
	is_str(file_text("t/v5a"), "hello-app",
	       "v5: APPEND_DATA writes at the end, offset 0 or not");
	ok(do_open5(709, "t/v5a", ACE4_APPEND_DATA, SSH_FXF_OPEN_EXISTING, h),
	   "v5: ACE4_APPEND_DATA alone: a handle");
	write_at(710, h, 0, "!");
	do_handle_req(SSH_FXP_CLOSE, 711, h);
	is_str(file_text("t/v5a"), "hello-app!", "v5: append access alone is append-only");
	ok(do_open5(712, "t/v5a", ACE4_READ_DATA | ACE4_WRITE_DATA,
		    SSH_FXF_OPEN_EXISTING | SSH_FXF_TEXT_MODE, h),
	   "v5: TEXT_MODE is served (newline is \\n)");
	write_at(713, h, 0, "H");
	do_handle_req(SSH_FXP_CLOSE, 714, h);
	is_str(file_text("t/v5a"), "Hello-app!", "v5: OPEN_EXISTING writes in place");
	ok(do_open5(715, "t/v5b", ACE4_WRITE_DATA, SSH_FXF_OPEN_OR_CREATE, h) && exists("t/v5b"),
	   "v5: OPEN_OR_CREATE makes the file");
	do_handle_req(SSH_FXP_CLOSE, 716, h);
	ok(!do_open5(717, "t/v5a", ACE4_READ_DATA, 5, h) && status() == SSH_FX_BAD_MESSAGE,
	   "v5: disposition 5: BAD_MESSAGE (INVALID_PARAMETER mapped down)");
	ok(!do_open5(718, "t/v5a", ACE4_READ_DATA, SSH_FXF_OPEN_EXISTING | SSH_FXF_BLOCK_READ, h) &&
	       status() == SSH_FX_OP_UNSUPPORTED,
	   "v5: BLOCK_READ: OP_UNSUPPORTED");
	ok(!do_open5(719, "t/v5a", ACE4_READ_DATA, SSH_FXF_OPEN_EXISTING | SSH_FXF_NOFOLLOW, h) &&
	       status() == SSH_FX_OP_UNSUPPORTED,
	   "v5: NOFOLLOW is a v6 flag: OP_UNSUPPORTED");
	ok(!do_open5(720, "t/v5a", ACE4_WRITE_DATA, SSH_FXF_OPEN_EXISTING | 0x10000u, h) &&
	       status() == SSH_FX_OP_UNSUPPORTED,
	   "v5: an undefined flag: OP_UNSUPPORTED");
	req(SSH_FXP_OPEN, 721);
	wire_put_cstring(&pb, "t/v5a");
	wire_put_u32(&pb, ACE4_WRITE_DATA);
	xfer();
	is_int(status(), SSH_FX_BAD_MESSAGE, "v5: flags missing: BAD_MESSAGE");
	req(SSH_FXP_OPEN, 722);
	wire_put_cstring(&pb, "t/v5a");
	wire_put_u32(&pb, ACE4_WRITE_DATA);
	wire_put_u32(&pb, SSH_FXF_CREATE_TRUNCATE);
	xfer();
	ok(status() == SSH_FX_BAD_MESSAGE && !strcmp(file_text("t/v5a"), "Hello-app!"),
	   "v5: attributes missing: BAD_MESSAGE, nothing truncated");
	sftp_server_free(srv);

	new_server_v(6, &o);
	snprintf(path, sizeof path, "%s/t/v5link", rootdir);
	unlink(path);
	if (symlink("v5a", path) != 0) printf("# symlink: %s\n", strerror(errno));
	ok(!do_open5(730, "t/v5link", ACE4_READ_DATA, SSH_FXF_OPEN_EXISTING | SSH_FXF_NOFOLLOW,
		     h) &&
	       status() == SSH_FX_LINK_LOOP,
	   "v6: NOFOLLOW on a symbolic link: LINK_LOOP");
	ok(do_open5(731, "t/v5link", ACE4_READ_DATA, SSH_FXF_OPEN_EXISTING, h),
	   "v6: without NOFOLLOW the link is followed");
	do_handle_req(SSH_FXP_CLOSE, 732, h);
	ok(!do_open5(733, "t/v5a", ACE4_READ_DATA, 7, h) && status() == SSH_FX_INVALID_PARAMETER,
	   "v6: disposition 7: INVALID_PARAMETER");
	ok(!do_open5(734, "t/v5a", ACE4_READ_DATA, SSH_FXF_OPEN_EXISTING | SSH_FXF_DELETE_ON_CLOSE,
		     h) &&
	       status() == SSH_FX_OP_UNSUPPORTED && exists("t/v5a"),
	   "v6: DELETE_ON_CLOSE: OP_UNSUPPORTED, the file stays");
	ok(!do_open5(735, "t/v5a", ACE4_READ_DATA, SSH_FXF_OPEN_EXISTING | SSH_FXF_BLOCK_ADVISORY,
		     h) &&
	       status() == SSH_FX_OP_UNSUPPORTED,
	   "v6: BLOCK_ADVISORY: OP_UNSUPPORTED");
	sftp_server_free(srv);
}

/* Attempts to get round read-only or a drop box through v5 OPEN: every
 * one refused, the disk unchanged. */
static void test_v5_open_policy(void)
{
	struct sftp_options o = {.umask = 022, .user = "alice", .home = "/", .read_only = 1};
	static const struct {
		uint32_t access, flags;
		const char *what;
	} ro_bad[] = {
	    {ACE4_WRITE_DATA, SSH_FXF_OPEN_EXISTING, "WRITE_DATA via OPEN_EXISTING"},
	    {ACE4_READ_DATA, SSH_FXF_OPEN_EXISTING | SSH_FXF_APPEND_DATA,
	     "APPEND_DATA flag without write access"},
	    {ACE4_READ_DATA, SSH_FXF_OPEN_EXISTING | SSH_FXF_APPEND_DATA_ATOMIC,
	     "APPEND_DATA_ATOMIC flag without write access"},
	    {ACE4_APPEND_DATA, SSH_FXF_OPEN_EXISTING, "ACE4_APPEND_DATA alone"},
	    {ACE4_READ_DATA, SSH_FXF_CREATE_TRUNCATE, "READ_DATA with CREATE_TRUNCATE"},
	    {ACE4_READ_DATA, SSH_FXF_TRUNCATE_EXISTING, "READ_DATA with TRUNCATE_EXISTING"},
	    {0, SSH_FXF_CREATE_NEW, "no access with CREATE_NEW"},
	    {ACE4_READ_DATA, SSH_FXF_OPEN_OR_CREATE, "READ_DATA with OPEN_OR_CREATE"},
	    {ACE4_READ_DATA | ACE4_WRITE_ATTRIBUTES, SSH_FXF_OPEN_EXISTING,
	     "READ_DATA with WRITE_ATTRIBUTES"},
	    {ACE4_READ_DATA | ACE4_DELETE, SSH_FXF_OPEN_EXISTING, "READ_DATA with DELETE"},
	    {ACE4_READ_DATA | ACE4_WRITE_OWNER | ACE4_WRITE_ACL, SSH_FXF_OPEN_EXISTING,
	     "READ_DATA with WRITE_OWNER and WRITE_ACL"},
	};
	unsigned char h[SFTP_HANDLE_LEN];
	unsigned i;

	put_file("t/v5ro", "keep me");
	new_server_v(5, &o);
	for (i = 0; i < ARRAY_LEN(ro_bad); i++) {
		int got = do_open5(740 + i, i == 6 ? "t/v5ro-new" : "t/v5ro", ro_bad[i].access,
				   ro_bad[i].flags, h);
		ok(!got && status() == SSH_FX_PERMISSION_DENIED, "v5 read-only: %s refused",
		   ro_bad[i].what);
	}
	ok(!strcmp(file_text("t/v5ro"), "keep me") && !exists("t/v5ro-new"),
	   "v5 read-only: the file is unchanged, nothing created");
	ok(do_open5(760, "t/v5ro", ACE4_READ_DATA | ACE4_READ_ATTRIBUTES, SSH_FXF_OPEN_EXISTING, h),
	   "v5 read-only: READ_DATA with OPEN_EXISTING opens");
	req(SSH_FXP_READ, 761);
	wire_put_string(&pb, h, SFTP_HANDLE_LEN);
	wire_put_u64(&pb, 0);
	wire_put_u32(&pb, 100);
	xfer();
	is_int(rtype, SSH_FXP_DATA, "v5 read-only: and reads");
	is_int(write_at(762, h, 0, "X"), SSH_FX_PERMISSION_DENIED,
	       "v5 read-only: a WRITE on it is refused");
	do_handle_req(SSH_FXP_CLOSE, 763, h);
	sftp_server_free(srv);

	o.read_only = 0;
	o.write_only = 1;
	new_server_v(6, &o);
	ok(!do_open5(770, "t/v5ro", ACE4_READ_DATA, SSH_FXF_OPEN_EXISTING, h) &&
	       status() == SSH_FX_PERMISSION_DENIED,
	   "v6 drop box: READ_DATA refused");
	ok(!do_open5(771, "t/v5ro", ACE4_WRITE_DATA, SSH_FXF_OPEN_EXISTING, h) &&
	       status() == SSH_FX_PERMISSION_DENIED,
	   "v6 drop box: WRITE_DATA via OPEN_EXISTING refused");
	ok(!do_open5(772, "t/v5ro", ACE4_WRITE_DATA, SSH_FXF_OPEN_OR_CREATE | SSH_FXF_APPEND_DATA,
		     h) &&
	       status() == SSH_FX_PERMISSION_DENIED,
	   "v6 drop box: APPEND_DATA refused");
	ok(!do_open5(773, "t/v5ro", ACE4_APPEND_DATA, SSH_FXF_OPEN_OR_CREATE, h) &&
	       status() == SSH_FX_PERMISSION_DENIED,
	   "v6 drop box: ACE4_APPEND_DATA refused");
	ok(!do_open5(774, "t/v5ro", ACE4_WRITE_DATA, SSH_FXF_CREATE_TRUNCATE, h) &&
	       status() == SSH_FX_PERMISSION_DENIED,
	   "v6 drop box: CREATE_TRUNCATE of an existing file refused (O_EXCL)");
	ok(!do_open5(775, "t/v5ro", ACE4_READ_DATA | ACE4_WRITE_DATA, SSH_FXF_CREATE_NEW, h) &&
	       status() == SSH_FX_PERMISSION_DENIED,
	   "v6 drop box: READ_DATA with CREATE_NEW refused");
	is_str(file_text("t/v5ro"), "keep me", "v6 drop box: the existing file is unchanged");
	ok(do_open5(776, "t/v5wo-new", ACE4_WRITE_DATA | ACE4_WRITE_ATTRIBUTES,
		    SSH_FXF_CREATE_TRUNCATE, h),
	   "v6 drop box: a new file opens");
	write_at(777, h, 0, "new");
	do_handle_req(SSH_FXP_CLOSE, 778, h);
	is_str(file_text("t/v5wo-new"), "new", "v6 drop box: and is written");
	sftp_server_free(srv);
}

static int rename5(uint32_t id, const char *from, const char *to, uint32_t flags)
{
	req(SSH_FXP_RENAME, id);
	wire_put_cstring(&pb, from);
	wire_put_cstring(&pb, to);
	wire_put_u32(&pb, flags);
	xfer();
	return status();
}

/* v5 RENAME flags: no flag refuses an existing target, OVERWRITE and
 * NATIVE replace it; undefined flags and a missing flags word refused. */
static void test_v5_rename(void)
{
	struct sftp_options o = {.umask = 022, .user = "alice", .home = "/"};

	put_file("t/r5a", "a");
	put_file("t/r5b", "b");
	new_server_v(5, &o);
	is_int(rename5(780, "t/r5a", "t/r5b", 0), SSH_FX_FILE_ALREADY_EXISTS,
	       "v5 rename onto an existing file without flags: FILE_ALREADY_EXISTS");
	is_int(rename5(781, "t/r5a", "t/r5b", SSH_FXF_RENAME_ATOMIC), SSH_FX_FILE_ALREADY_EXISTS,
	       "v5 rename ATOMIC alone: FILE_ALREADY_EXISTS");
	ok(!strcmp(file_text("t/r5a"), "a") && !strcmp(file_text("t/r5b"), "b"),
	   "v5 rename: both files unchanged");
	is_int(rename5(782, "t/r5a", "t/r5b", 8), SSH_FX_OP_UNSUPPORTED,
	       "v5 rename with an undefined flag: OP_UNSUPPORTED");
	do_two_paths(SSH_FXP_RENAME, 783, "t/r5a", "t/r5c");
	ok(status() == SSH_FX_BAD_MESSAGE && exists("t/r5a") && !exists("t/r5c"),
	   "v5 rename without the flags word: BAD_MESSAGE, nothing moved");
	is_int(rename5(784, "t/r5a", "t/r5b", SSH_FXF_RENAME_OVERWRITE | SSH_FXF_RENAME_ATOMIC),
	       SSH_FX_OK, "v5 rename OVERWRITE|ATOMIC: OK");
	ok(!exists("t/r5a") && !strcmp(file_text("t/r5b"), "a"), "v5 rename: the target replaced");
	put_file("t/r5a", "a2");
	is_int(rename5(785, "t/r5a", "t/r5b", SSH_FXF_RENAME_NATIVE), SSH_FX_OK,
	       "v5 rename NATIVE: OK (POSIX semantics)");
	ok(!exists("t/r5a") && !strcmp(file_text("t/r5b"), "a2"), "v5 rename NATIVE replaced it");
	is_int(rename5(786, "t/r5b", "t/r5d", 0), SSH_FX_OK, "v5 rename to a new name: OK");
	ok(!exists("t/r5b") && !strcmp(file_text("t/r5d"), "a2"), "v5 rename: moved");
	sftp_server_free(srv);
	o.deny = ACCOUNT_DENY_RENAME;
	put_file("t/r5a", "a");
	new_server_v(5, &o);
	ok(rename5(787, "t/r5a", "t/r5d", SSH_FXF_RENAME_OVERWRITE) == SSH_FX_PERMISSION_DENIED &&
	       !strcmp(file_text("t/r5d"), "a2"),
	   "deny=rename: v5 OVERWRITE refused, target unchanged");
	sftp_server_free(srv);
}

struct attrs6 {
	uint32_t flags, perm, nlink, ns;
	uint8_t type;
	uint64_t size, alloc, ctime, mtime;
};

/* Parses v4-v6 attributes as a client of that version would. */
static int parse_attrs6(struct wire_in *c, unsigned version, struct attrs6 *a)
{
	char o[64];
	uint64_t t;
	uint32_t ns;

	memset(a, 0, sizeof *a);
	if (!wire_get_u32(c, &a->flags) || !wire_get_u8(c, &a->type)) return 0;
	if (a->flags & SSH_FILEXFER4_ATTR_SIZE) wire_get_u64(c, &a->size);
	if (version >= 6 && (a->flags & SSH_FILEXFER6_ATTR_ALLOCATION_SIZE))
		wire_get_u64(c, &a->alloc);
	if (a->flags & SSH_FILEXFER4_ATTR_OWNERGROUP) {
		wire_get_cstring(c, o, sizeof o);
		wire_get_cstring(c, o, sizeof o);
	}
	if (a->flags & SSH_FILEXFER4_ATTR_PERMISSIONS) wire_get_u32(c, &a->perm);
	if (a->flags & SSH_FILEXFER4_ATTR_ACCESSTIME) {
		wire_get_u64(c, &t);
		wire_get_u32(c, &ns);
	}
	if (a->flags & SSH_FILEXFER4_ATTR_MODIFYTIME) {
		wire_get_u64(c, &a->mtime);
		wire_get_u32(c, &ns);
	}
	if (version >= 6 && (a->flags & SSH_FILEXFER6_ATTR_CTIME)) {
		wire_get_u64(c, &a->ctime);
		wire_get_u32(c, &a->ns);
	}
	if (version >= 6 && (a->flags & SSH_FILEXFER6_ATTR_LINK_COUNT)) wire_get_u32(c, &a->nlink);
	return wire_ok(c);
}

/* A v5/v6 SETSTAT of "t/v6" with flags and type; fields follow in pb. */
static void setstat6_begin(uint32_t id, uint32_t flags)
{
	req(SSH_FXP_SETSTAT, id);
	wire_put_cstring(&pb, "t/v6");
	wire_put_u32(&pb, flags);
	wire_put_u8(&pb, SSH_FILEXFER_TYPE_REGULAR);
}

static mode_t disk_mode(const char *rel)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s", rootdir, rel);
	return stat(p, &st) == 0 ? st.st_mode & 07777 : 0;
}

/* v5/v6 attributes: what each version adds, both ways. */
static void test_v56_attrs(void)
{
	struct sftp_options o = {.umask = 022, .user = "alice", .home = "/"};
	struct attrs6 a;
	struct stat st;
	char path[600];

	put_file("t/v6", "0123456789");
	snprintf(path, sizeof path, "%s/t/v6", rootdir);
	chmod(path, 0640);
	snprintf(path, sizeof path, "%s/t/v6-fifo", rootdir);
	unlink(path);
	mkfifo(path, 0600);
	snprintf(path, sizeof path, "%s/t/v6", rootdir);
	stat(path, &st);
	new_server_v(6, &o);
	do_path_req(SSH_FXP_STAT, 800, "t/v6");
	ok(rtype == SSH_FXP_ATTRS && parse_attrs6(&rin, 6, &a) && wire_done(&rin),
	   "v6: STAT attributes parse as v6, fully");
	ok((a.flags & (SSH_FILEXFER6_ATTR_ALLOCATION_SIZE | SSH_FILEXFER6_ATTR_LINK_COUNT |
		       SSH_FILEXFER6_ATTR_CTIME)) ==
	       (SSH_FILEXFER6_ATTR_ALLOCATION_SIZE | SSH_FILEXFER6_ATTR_LINK_COUNT |
		SSH_FILEXFER6_ATTR_CTIME),
	   "v6: allocation size, link count and ctime sent");
	ok(a.size == 10 && a.alloc == (uint64_t)st.st_blocks * 512 && a.nlink == st.st_nlink &&
	       a.ctime == (uint64_t)st.st_ctime && a.ns == (uint32_t)st.st_ctim.tv_nsec &&
	       (a.perm & 07777) == 0640,
	   "v6: size, allocation size, link count, ctime, mode equal the file's");
	do_path_req(SSH_FXP_LSTAT, 801, "t/v6-fifo");
	ok(parse_attrs6(&rin, 6, &a) && a.type == SSH_FILEXFER_TYPE_FIFO,
	   "v6: a FIFO is type FIFO");
	setstat6_begin(802, SSH_FILEXFER4_ATTR_PERMISSIONS | SSH_FILEXFER6_ATTR_ALLOCATION_SIZE |
				SSH_FILEXFER5_ATTR_BITS | SSH_FILEXFER6_ATTR_TEXT_HINT |
				SSH_FILEXFER6_ATTR_MIME_TYPE | SSH_FILEXFER6_ATTR_LINK_COUNT |
				SSH_FILEXFER6_ATTR_UNTRANSLATED_NAME);
	wire_put_u64(&pb, 4096);	     /* allocation size */
	wire_put_u32(&pb, 0604);	     /* permissions */
	wire_put_u32(&pb, 0x1);		     /* attrib-bits: READONLY ... */
	wire_put_u32(&pb, 0);		     /* ... but not valid */
	wire_put_u8(&pb, 1);		     /* text-hint */
	wire_put_cstring(&pb, "text/plain"); /* mime-type */
	wire_put_u32(&pb, 7);		     /* link-count */
	wire_put_cstring(&pb, "v6");	     /* untranslated-name */
	xfer();
	ok(status() == SSH_FX_OK && disk_mode("t/v6") == 0604,
	   "v6: SETSTAT with every informational field: OK, the mode applied");
	setstat6_begin(803, SSH_FILEXFER4_ATTR_PERMISSIONS | SSH_FILEXFER5_ATTR_BITS);
	wire_put_u32(&pb, 0600);
	wire_put_u32(&pb, 0x1);
	wire_put_u32(&pb, 0x1);
	xfer();
	ok(status() == SSH_FX_OP_UNSUPPORTED && disk_mode("t/v6") == 0604,
	   "v6: setting an attrib-bit: OP_UNSUPPORTED, nothing applied");
	setstat6_begin(804, SSH_FILEXFER4_ATTR_PERMISSIONS | SSH_FILEXFER6_ATTR_CTIME);
	wire_put_u32(&pb, 0600);
	wire_put_u64(&pb, 1234);
	xfer();
	ok(status() == SSH_FX_OP_UNSUPPORTED && disk_mode("t/v6") == 0604,
	   "v6: setting ctime: OP_UNSUPPORTED");
	setstat6_begin(805, SSH_FILEXFER4_ATTR_PERMISSIONS | SSH_FILEXFER6_ATTR_MIME_TYPE);
	wire_put_u32(&pb, 0600);
	wire_put_u32(&pb, 50);
	wire_put_bytes(&pb, "text", 4);
	xfer();
	ok(status() == SSH_FX_BAD_MESSAGE && disk_mode("t/v6") == 0604,
	   "v6: mime-type past the end: BAD_MESSAGE");
	setstat6_begin(806, SSH_FILEXFER4_ATTR_PERMISSIONS | SSH_FILEXFER6_ATTR_TEXT_HINT);
	wire_put_u32(&pb, 0600);
	xfer();
	is_int(status(), SSH_FX_BAD_MESSAGE, "v6: text-hint missing: BAD_MESSAGE");
	sftp_server_free(srv);

	new_server_v(5, &o);
	do_path_req(SSH_FXP_STAT, 810, "t/v6");
	ok(parse_attrs6(&rin, 5, &a) && wire_done(&rin) &&
	       !(a.flags & (SSH_FILEXFER6_ATTR_ALLOCATION_SIZE | SSH_FILEXFER6_ATTR_LINK_COUNT |
			    SSH_FILEXFER6_ATTR_CTIME)) &&
	       a.size == 10,
	   "v5: STAT attributes without the v6 fields");
	do_path_req(SSH_FXP_LSTAT, 811, "t/v6-fifo");
	ok(parse_attrs6(&rin, 5, &a) && a.type == SSH_FILEXFER_TYPE_FIFO,
	   "v5: a FIFO is type FIFO");
	setstat6_begin(812, SSH_FILEXFER4_ATTR_PERMISSIONS | SSH_FILEXFER5_ATTR_BITS);
	wire_put_u32(&pb, 0600);
	wire_put_u32(&pb, 0x1);
	xfer();
	ok(status() == SSH_FX_OP_UNSUPPORTED && disk_mode("t/v6") == 0604,
	   "v5: setting an attrib-bit: OP_UNSUPPORTED");
	setstat6_begin(813, SSH_FILEXFER4_ATTR_PERMISSIONS | SSH_FILEXFER5_ATTR_BITS |
				SSH_FILEXFER6_ATTR_CTIME | SSH_FILEXFER6_ATTR_ALLOCATION_SIZE);
	wire_put_u32(&pb, 0600);
	wire_put_u32(&pb, 0);
	xfer();
	ok(status() == SSH_FX_OK && disk_mode("t/v6") == 0600,
	   "v5: v6-only flag bits announce no field; attrib-bits 0 is fine");
	sftp_server_free(srv);
	new_server_v(4, &o);
	do_path_req(SSH_FXP_LSTAT, 814, "t/v6-fifo");
	ok(parse_attrs6(&rin, 4, &a) && a.type == SSH_FILEXFER_TYPE_SPECIAL,
	   "v4: a FIFO is still SPECIAL");
	sftp_server_free(srv);
}

static int realpath6(uint32_t id, const char *path, int control, const char *c1, const char *c2)
{
	req(SSH_FXP_REALPATH, id);
	wire_put_cstring(&pb, path);
	if (control >= 0) wire_put_u8(&pb, (uint8_t)control);
	if (c1) wire_put_cstring(&pb, c1);
	if (c2) wire_put_cstring(&pb, c2);
	return xfer();
}

/* The attribute flags of the first entry of a NAME reply (v4+). */
static uint32_t name_attr_flags(uint64_t *size)
{
	struct wire_in c = rin;
	struct attrs6 a;
	uint32_t n;
	char name[SLUICE_MAX_PATH];

	if (rtype != SSH_FXP_NAME || !wire_get_u32(&c, &n) ||
	    !wire_get_cstring(&c, name, sizeof name) || !parse_attrs6(&c, 6, &a))
		return 0xffffffffu;
	*size = a.size;
	return a.flags;
}

/* v6 REALPATH, LINK, BLOCK/UNBLOCK and status codes. */
static void test_v6_requests(void)
{
	struct sftp_options o = {.umask = 022, .user = "alice", .home = "/"};
	uint64_t size = 0;
	char path[600], buf[64];
	struct stat st1, st2;
	ssize_t n;

	put_file("t/v6", "0123456789");
	new_server_v(6, &o);
	realpath6(820, "t/./v6", -1, 0, 0);
	ok(!strcmp(name_reply(), "/t/v6") && name_attr_flags(&size) == 0,
	   "v6 REALPATH without control byte: the name, no attributes");
	realpath6(821, "t", SSH_FXP_REALPATH_STAT_ALWAYS, "v6", 0);
	ok(!strcmp(name_reply(), "/t/v6") && (name_attr_flags(&size) & SSH_FILEXFER4_ATTR_SIZE) &&
	       size == 10,
	   "v6 REALPATH STAT_ALWAYS with a compose-path: /t/v6 with its size");
	realpath6(822, "t", SSH_FXP_REALPATH_STAT_IF, "nothing", 0);
	ok(!strcmp(name_reply(), "/t/nothing") && name_attr_flags(&size) == 0,
	   "v6 REALPATH STAT_IF of a missing file: the name, no attributes");
	realpath6(823, "t", SSH_FXP_REALPATH_STAT_ALWAYS, "nothing", 0);
	is_int(status(), SSH_FX_NO_SUCH_FILE,
	       "v6 REALPATH STAT_ALWAYS of a missing file: NO_SUCH_FILE");
	realpath6(824, "t", SSH_FXP_REALPATH_NO_CHECK, "nothing", 0);
	is_str(name_reply(), "/t/nothing", "v6 REALPATH NO_CHECK of a missing file: the name");
	realpath6(825, "x/y", SSH_FXP_REALPATH_NO_CHECK, "/t", "v6");
	is_str(name_reply(), "/t/v6", "v6 REALPATH: an absolute compose-path replaces");
	realpath6(826, "/../../..", SSH_FXP_REALPATH_NO_CHECK, "..", "t");
	is_str(name_reply(), "/t", "v6 REALPATH: .. stays inside the root");
	realpath6(827, "t", 4, 0, 0);
	is_int(status(), SSH_FX_INVALID_PARAMETER, "v6 REALPATH control byte 4: INVALID_PARAMETER");
	realpath6(828, "t", SSH_FXP_REALPATH_NO_CHECK, 0, 0);
	wire_put_u32(&pb, 99);
	xfer();
	is_int(status(), SSH_FX_BAD_MESSAGE, "v6 REALPATH compose-path cut short: BAD_MESSAGE");

	do_path_req(SSH_FXP_STAT, 830, "t/v6/below");
	is_int(status(), SSH_FX_NOT_A_DIRECTORY, "v6: a path through a file: NOT_A_DIRECTORY");
	do_path_req(SSH_FXP_RMDIR, 831, "t");
	is_int(status(), SSH_FX_DIR_NOT_EMPTY, "v6: RMDIR of a full directory: DIR_NOT_EMPTY");
	ok(!do_open5(832, "t", ACE4_WRITE_DATA, SSH_FXF_OPEN_EXISTING, (unsigned char[4]){0}) &&
	       status() == SSH_FX_FILE_IS_A_DIRECTORY,
	   "v6: OPEN of a directory for writing: FILE_IS_A_DIRECTORY");

	req(SSH_FXP_LINK, 840);
	wire_put_cstring(&pb, "t/v6sym");
	wire_put_cstring(&pb, "v6");
	wire_put_u8(&pb, 1);
	xfer();
	snprintf(path, sizeof path, "%s/t/v6sym", rootdir);
	n = readlink(path, buf, sizeof buf - 1);
	ok(status() == SSH_FX_OK && n == 2 && !memcmp(buf, "v6", 2),
	   "v6 LINK symbolic: t/v6sym -> v6 on disk");
	req(SSH_FXP_LINK, 841);
	wire_put_cstring(&pb, "t/v6hard");
	wire_put_cstring(&pb, "t/v6");
	wire_put_u8(&pb, 0);
	xfer();
	snprintf(path, sizeof path, "%s/t/v6hard", rootdir);
	stat(path, &st1);
	snprintf(path, sizeof path, "%s/t/v6", rootdir);
	stat(path, &st2);
	ok(status() == SSH_FX_OK && st1.st_ino == st2.st_ino, "v6 LINK hard: the same inode");
	req(SSH_FXP_LINK, 842);
	wire_put_cstring(&pb, "t/v6hard");
	wire_put_cstring(&pb, "t/v6");
	wire_put_u8(&pb, 0);
	xfer();
	is_int(status(), SSH_FX_FILE_ALREADY_EXISTS, "v6 LINK onto an existing name");
	req(SSH_FXP_LINK, 843);
	wire_put_cstring(&pb, "t/v6x");
	wire_put_cstring(&pb, "t/v6");
	xfer();
	ok(status() == SSH_FX_BAD_MESSAGE && !exists("t/v6x"),
	   "v6 LINK without its flag: BAD_MESSAGE");
	req(SSH_FXP_BLOCK, 844);
	wire_put_string(&pb, "\0\0\0\0", 4);
	wire_put_u64(&pb, 0);
	wire_put_u64(&pb, 10);
	wire_put_u32(&pb, 0x40);
	xfer();
	is_int(status(), SSH_FX_OP_UNSUPPORTED, "v6 BLOCK: OP_UNSUPPORTED");
	req(SSH_FXP_UNBLOCK, 845);
	wire_put_string(&pb, "\0\0\0\0", 4);
	wire_put_u64(&pb, 0);
	wire_put_u64(&pb, 10);
	xfer();
	is_int(status(), SSH_FX_OP_UNSUPPORTED, "v6 UNBLOCK: OP_UNSUPPORTED");
	sftp_server_free(srv);

	o.deny = ACCOUNT_DENY_SYMLINK;
	new_server_v(6, &o);
	req(SSH_FXP_LINK, 850);
	wire_put_cstring(&pb, "t/v6sym2");
	wire_put_cstring(&pb, "v6");
	wire_put_u8(&pb, 1);
	xfer();
	ok(status() == SSH_FX_PERMISSION_DENIED && !exists("t/v6sym2"),
	   "deny=symlink: v6 symbolic LINK refused");
	req(SSH_FXP_LINK, 851);
	wire_put_cstring(&pb, "t/v6hard2");
	wire_put_cstring(&pb, "t/v6");
	wire_put_u8(&pb, 0);
	xfer();
	ok(status() == SSH_FX_OK && exists("t/v6hard2"), "deny=symlink: a hard LINK is allowed");
	sftp_server_free(srv);
	o.deny = ACCOUNT_DENY_LINK;
	new_server_v(6, &o);
	req(SSH_FXP_LINK, 852);
	wire_put_cstring(&pb, "t/v6hard3");
	wire_put_cstring(&pb, "t/v6");
	wire_put_u8(&pb, 0);
	xfer();
	ok(status() == SSH_FX_PERMISSION_DENIED && !exists("t/v6hard3"),
	   "deny=link: v6 hard LINK refused");
	req(SSH_FXP_LINK, 853);
	wire_put_cstring(&pb, "t/v6hard3");
	xfer();
	ok(status() == SSH_FX_PERMISSION_DENIED && !exists("t/v6hard3"),
	   "deny=link: a LINK that does not parse is refused too");
	sftp_server_free(srv);
	o.deny = 0;
	o.read_only = 1;
	new_server_v(6, &o);
	req(SSH_FXP_LINK, 854);
	wire_put_cstring(&pb, "t/v6sym3");
	wire_put_cstring(&pb, "v6");
	wire_put_u8(&pb, 1);
	xfer();
	ok(status() == SSH_FX_PERMISSION_DENIED && !exists("t/v6sym3"),
	   "read-only: v6 LINK refused");
	sftp_server_free(srv);
	o.read_only = 0;

	new_server_v(5, &o);
	req(SSH_FXP_LINK, 860);
	wire_put_cstring(&pb, "t/v6sym4");
	wire_put_cstring(&pb, "v6");
	wire_put_u8(&pb, 1);
	xfer();
	ok(status() == SSH_FX_OP_UNSUPPORTED && !exists("t/v6sym4"), "v5: LINK is OP_UNSUPPORTED");
	req(SSH_FXP_LINK, 866);
	wire_put_cstring(&pb, "t/v6sym4");
	xfer();
	is_int(status(), SSH_FX_OP_UNSUPPORTED, "v5: a malformed LINK is OP_UNSUPPORTED too");
	req(SSH_FXP_BLOCK, 867);
	xfer();
	is_int(status(), SSH_FX_OP_UNSUPPORTED, "v5: BLOCK is OP_UNSUPPORTED");
	do_path_req(SSH_FXP_STAT, 861, "t/v6/below");
	is_int(status(), SSH_FX_NO_SUCH_PATH, "v5: a path through a file: NO_SUCH_PATH");
	do_path_req(SSH_FXP_RMDIR, 862, "t");
	is_int(status(), SSH_FX_FAILURE, "v5: RMDIR of a full directory: FAILURE");
	realpath6(863, "t", 9, "junk", 0);
	is_str(name_reply(), "/t", "v5: REALPATH ignores bytes after the path");
	sftp_server_free(srv);
	o.read_only = 1;
	new_server_v(3, &o);
	req(SSH_FXP_LINK, 868);
	wire_put_cstring(&pb, "t/v6sym4");
	wire_put_cstring(&pb, "v6");
	wire_put_u8(&pb, 1);
	xfer();
	ok(status() == SSH_FX_OP_UNSUPPORTED && !exists("t/v6sym4"),
	   "read-only v3: LINK is OP_UNSUPPORTED as before v6 was served");
	sftp_server_free(srv);
	o.read_only = 0;
	new_server(0, 0);
	do_path_req(SSH_FXP_RMDIR, 864, "t");
	is_int(status(), SSH_FX_FAILURE, "v3: RMDIR of a full directory: FAILURE");
	ok(!do_open(865, "t", SSH_FXF_WRITE, -1, (unsigned char[4]){0}) &&
	       status() == SSH_FX_FAILURE,
	   "v3: OPEN of a directory for writing: FAILURE");
	sftp_server_free(srv);
}

/* The extension pairs of the VERSION reply in rin: 1 if name is there,
 * its data copied to data. */
static int version_ext(const char *name, unsigned char *data, uint32_t *dlen)
{
	struct wire_in c;
	char n[64];
	const unsigned char *d;
	uint32_t v, len;
	uint8_t type;

	wire_in_init(&c, rbuf, rlen);
	if (!wire_get_u8(&c, &type) || type != SSH_FXP_VERSION || !wire_get_u32(&c, &v)) return 0;
	while (wire_left(&c) && wire_get_cstring(&c, n, sizeof n) && wire_get_string(&c, &d, &len))
		if (!strcmp(n, name)) {
			if (len > *dlen) return 0;
			memcpy(data, d, len);
			*dlen = len;
			return 1;
		}
	return 0;
}

/* INIT and version-select up to 6, VERSION's extensions per version, and
 * the cap (sftp_options.max_version). */
static void test_negotiation(void)
{
	struct sftp_options o = {.umask = 022, .user = "alice", .home = "/"};
	unsigned char data[1024];
	uint32_t dlen, v, u;
	struct wire_in c;
	const unsigned char *dp;
	uint32_t dl;
	unsigned ask;
	static const unsigned want[] = {3, 3, 3, 4, 5, 6, 6};

	for (ask = 1; ask <= 7; ask++) {
		srv = sftp_server_new(&root, &o);
		pkt(SSH_FXP_INIT);
		wire_put_u32(&pb, ask);
		ok(xfer() && wire_get_u32(&rin, &v) && v == want[ask - 1], "INIT %u: VERSION %u",
		   ask, want[ask - 1]);
		dlen = sizeof data;
		if (ask == 3)
			ok(version_ext("versions", data, &dlen) && dlen == 7 &&
			       !memcmp(data, "3,4,5,6", 7),
			   "VERSION 3 offers versions 3,4,5,6");
		dlen = sizeof data;
		if (ask >= 5)
			ok(version_ext("newline", data, &dlen) && dlen == 1 && data[0] == '\n',
			   "VERSION %u: newline is \\n", v);
		dlen = sizeof data;
		if (ask == 4)
			ok(!version_ext("newline", data, &dlen) &&
			       !version_ext("supported2", data, &dlen),
			   "VERSION 4: no newline, no supported2");
		dlen = sizeof data;
		if (ask == 6) {
			ok(version_ext("supported2", data, &dlen), "VERSION 6: supported2");
			wire_in_init(&c, data, dlen);
			wire_get_u32(&c, &u); /* attribute mask */
			ok(u & SSH_FILEXFER6_ATTR_LINK_COUNT,
			   "supported2: link count among the attributes");
			wire_get_u32(&c, &u); /* attribute bits */
			wire_get_u32(&c, &u); /* open flags */
			ok((u & SSH_FXF_APPEND_DATA) && !(u & SSH_FXF_BLOCK_READ),
			   "supported2: APPEND_DATA served, BLOCK_READ not");
			wire_get_u32(&c, &u); /* access mask */
			wire_get_u32(&c, &u); /* max read */
			ok(u == SFTP_MAX_READ, "supported2: max-read-size");
			wire_get_u32(&c, &u); /* two uint16 block vectors */
			ok(u == 0x00010000u, "supported2: only \"no locks\" for OPEN, no BLOCK");
			wire_get_u32(&c, &u);
			ok(u == 0, "supported2: no attribute extensions");
			wire_get_u32(&c, &u);
			for (v = 0; v < u && wire_get_string(&c, &dp, &dl); v++)
				;
			ok(u >= 10 && wire_done(&c), "supported2: %u extension names, fully parsed",
			   (unsigned)u);
		}
		sftp_server_free(srv);
	}
	for (ask = 3; ask <= 6; ask++) {
		char vs[2] = {(char)('0' + ask), 0};
		new_server(0, 0);
		ext(870 + ask, "version-select");
		wire_put_cstring(&pb, vs);
		xfer();
		ok(status() == SSH_FX_OK && srv->version == ask, "version-select %u", ask);
		sftp_server_free(srv);
	}
	o.max_version = 4;
	srv = sftp_server_new(&root, &o);
	pkt(SSH_FXP_INIT);
	wire_put_u32(&pb, 6);
	ok(xfer() && wire_get_u32(&rin, &v) && v == 4, "capped at 4: INIT 6 gets VERSION 4");
	sftp_server_free(srv);
	srv = sftp_server_new(&root, &o);
	pkt(SSH_FXP_INIT);
	wire_put_u32(&pb, 3);
	xfer();
	dlen = sizeof data;
	ok(version_ext("versions", data, &dlen) && dlen == 3 && !memcmp(data, "3,4", 3),
	   "capped at 4: versions 3,4");
	ext(880, "version-select");
	wire_put_cstring(&pb, "5");
	xfer();
	ok(status() == SSH_FX_OP_UNSUPPORTED && srv->version == 3,
	   "capped at 4: version-select 5 refused");
	sftp_server_free(srv);
	o.max_version = 3;
	srv = sftp_server_new(&root, &o);
	pkt(SSH_FXP_INIT);
	wire_put_u32(&pb, 6);
	dlen = sizeof data;
	ok(xfer() && wire_get_u32(&rin, &v) && v == 3 && !version_ext("versions", data, &dlen),
	   "capped at 3: VERSION 3, no versions offered");
	sftp_server_free(srv);
}

int main(void)
{
	tap_logs_aside();
	log_init("sftpd_sftp", "test");
	umask(0);
	if (!mkdtemp(rootdir) || !fs_root_open(&root, rootdir, 0)) {
		printf("Bail out! cannot set up root %s: %s\n", rootdir, strerror(errno));
		return 1;
	}
	test_init();
	test_roundtrip();
	test_pipeline();
	test_backpressure();
	test_input_stream();
	test_malformed();
	test_trailing();
	test_read_only();
	test_account_policy();
	test_handle_limit();
	test_paths();
	test_readdir();
	test_readdir_batches();
	test_extensions();
	test_copy_same_file();
	test_v4();
	test_v5_open();
	test_v5_open_policy();
	test_v5_rename();
	test_v56_attrs();
	test_v6_requests();
	test_negotiation();
	/* last: turning NSS off is for good (as after chroot) */
	sftp_attr_names_allow(0);
	is_str(sftp_attr_user_name(54321), "", "no NSS lookups once names are off");
	sftp_attr_names_allow(1);
	is_str(sftp_attr_group_name(54321), "", "and they stay off");
	fs_root_close(&root);
	if (tap_rm_tree(rootdir) != 0) printf("# cleanup of %s failed\n", rootdir);
	return tap_done();
}
