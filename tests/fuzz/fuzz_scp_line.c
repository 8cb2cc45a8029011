/* fuzz_scp_line: legacy SCP's parsers on arbitrary bytes.  The first byte
 * picks the target: the control-line parser (the rest split at newlines),
 * the exec-command parser, or the sink (upload) fed the rest as the
 * client's byte stream, in uneven pieces, over a temporary root made once
 * (emptied now and then).  Whatever a parser accepts is checked against
 * the promises its callers rely on. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log/log.h"
#include "../../sftpd/scp/scp_internal.h"

#define FUZZ_SCP_CLEAN_EVERY 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[] = "/tmp/fuzz_scp.XXXXXX";
static struct fs_root fuzz_root = FS_ROOT_ZERO;
static unsigned long fuzz_runs;
static struct scp_cmd fuzz_cmd;
static const struct scp_options fuzz_opt = {022, 0, "fuzz"};

static int fuzz_rm(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	if (ftw->level == 0) return 0; /* keep the root itself */
	chmod(path, 0700);
	remove(path);
	return 0;
}

static void fuzz_setup(void)
{
	if (fuzz_root.fd >= 0) return;
	log_init("fuzz_scp_line", "fuzz");
	umask(022);
	if (!mkdtemp(fuzz_dir) || !fs_root_open(&fuzz_root, fuzz_dir, 0)) abort();
}

static void check_line(const char *line, size_t len)
{
	struct scp_line ln;
	const char *why;

	if (!scp_line_parse(line, len, &ln, &why)) {
		if (!why || !*why) __builtin_trap();
		return;
	}
	if (len >= SCP_MAX_LINE) __builtin_trap();
	switch (ln.kind) {
	case SCP_LINE_FILE:
	case SCP_LINE_DIR:
		if (!*ln.name || strchr(ln.name, '/') || !strcmp(ln.name, ".") ||
		    !strcmp(ln.name, "..") || ln.size > INT64_MAX || ln.mode > 07777)
			__builtin_trap();
		if (ln.name < line || ln.name + strlen(ln.name) != line + len) __builtin_trap();
		break;
	case SCP_LINE_TIMES:
		if (ln.mtime_usec > 999999 || ln.atime_usec > 999999 || ln.mtime > INT64_MAX ||
		    ln.atime > INT64_MAX)
			__builtin_trap();
		break;
	default:
		break;
	}
}

static void fuzz_lines(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	size_t start = 0;

	if (!buf) abort();
	memcpy(buf, data, size);
	buf[size] = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i < size && buf[i] != '\n') continue;
		buf[i] = 0;
		check_line(buf + start, i - start);
		start = i + 1;
	}
	free(buf);
}

static void fuzz_command(const uint8_t *data, size_t size)
{
	int is = scp_cmd_is_scp((const char *)data, size);

	if (!scp_cmd_parse((const char *)data, size, &fuzz_cmd)) {
		if (!fuzz_cmd.error[0]) __builtin_trap();
		return;
	}
	if (size > SCP_MAX_COMMAND || memchr(data, 0, size) || !fuzz_cmd.npaths ||
	    fuzz_cmd.npaths > SCP_MAX_WORDS || (fuzz_cmd.sink && fuzz_cmd.npaths != 1))
		__builtin_trap();
	(void)is;
	for (unsigned i = 0; i < fuzz_cmd.npaths; i++) {
		const char *p = scp_cmd_path(&fuzz_cmd, i), *pat = scp_cmd_pattern(&fuzz_cmd, i);
		if (p < fuzz_cmd.store || p + strlen(p) >= fuzz_cmd.store + sizeof fuzz_cmd.store)
			__builtin_trap();
		if (pat && pat + strlen(pat) >= fuzz_cmd.store + sizeof fuzz_cmd.store)
			__builtin_trap();
	}
}

/* Everything the transfer sends is dropped; a control line never grows
 * past what a client can read. */
static void drain(struct scp *s)
{
	static unsigned char out[65536];
	size_t n;
	scp_run(s);
	while ((n = scp_output_pending(s)) > 0) {
		if (n > sizeof out) n = sizeof out;
		if (!scp_output(s, out, n)) break;
		scp_run(s);
	}
}

static void fuzz_transfer(const uint8_t *data, size_t size, const char *command)
{
	struct scp *s;
	size_t off = 0, step = size ? (size_t)data[0] % 61 + 1 : 1;
	uint32_t status;

	if (!scp_cmd_parse(command, strlen(command), &fuzz_cmd)) abort();
	s = scp_new(&fuzz_root, &fuzz_opt, &fuzz_cmd);
	if (!s) abort();
	drain(s);
	while (off < size) {
		size_t n = size - off < step ? size - off : step;
		size_t k = scp_input(s, data + off, n);
		if (k > n) __builtin_trap();
		drain(s);
		if (!k) break; /* it wants nothing more */
		off += k;
	}
	scp_finished(s, 1, &status);
	scp_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_setup();
	if (++fuzz_runs % FUZZ_SCP_CLEAN_EVERY == 0)
		nftw(fuzz_dir, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
	if (!size) return 0;
	switch (data[0] % 5) {
	case 0:
		fuzz_lines(data + 1, size - 1);
		break;
	case 1:
		fuzz_command(data + 1, size - 1);
		break;
	case 2:
		fuzz_transfer(data + 1, size - 1, "scp -r -p -t .");
		break;
	case 3:
		fuzz_transfer(data + 1, size - 1, "scp -t file");
		break;
	case 4:
		fuzz_transfer(data + 1, size - 1, "scp -r -p -f . *");
		break;
	}
	return 0;
}
