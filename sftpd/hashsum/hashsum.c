/* hashsum: md5sum, sha1sum and sha256sum computed in the session (see
 * hashsum.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "base/base.h"
#include "log/log.h"
#include "../scp/scp.h"
#include "hashsum.h"

/* One output line: a SHA-256 in hex, two separators, a name of which
 * every byte may be escaped, the newline. */
#define HASHSUM_LINE_MAX (2 + 2 * 32 + 2 + 2 * SLUICE_MAX_PATH + 1)

#define HASHSUM_ERR_MAX 4096 /* error text kept for the client; the log has all */

static const struct {
	const char *name;
	const EVP_MD *(*md)(void);
} tools[] = {{"md5sum", EVP_md5}, {"sha1sum", EVP_sha1}, {"sha256sum", EVP_sha256}};

struct hashsum {
	const struct fs_root *root;
	const char *tool;
	const EVP_MD *md;
	EVP_MD_CTX *ctx;
	struct scp_cmd cmd;
	unsigned next;	  /* the next word to hash */
	int fd;		  /* the file being hashed, or -1 */
	const char *name; /* its name as given */
	int from_input;	  /* hashing the channel's input ("-" or no name) */
	int input_done;
	int done;
	uint32_t status;
	unsigned char buf[64 * 1024];
	char out[HASHSUM_LINE_MAX];
	size_t out_len, out_at;
	char err[HASHSUM_ERR_MAX]; /* for the client's stderr */
	size_t err_len, err_at;
};

static int tool_index(const char *word, size_t len)
{
	for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
		if (strlen(tools[i].name) == len && !memcmp(tools[i].name, word, len))
			return (int)i;
	return -1;
}

int hashsum_cmd_is_hashsum(const char *cmd, size_t len)
{
	size_t i = 0, j;
	while (i < len && (cmd[i] == ' ' || cmd[i] == '\t'))
		i++;
	for (j = i; j < len && cmd[j] != ' ' && cmd[j] != '\t'; j++)
		;
	return tool_index(cmd + i, j - i) >= 0;
}

/* Checks the words after the tool's name: names and one leading "--";
 * "-" (the input) only alone.  Returns the first name's index, or 0 with
 * *why set. */
static unsigned check_words(struct hashsum *h, const char **why)
{
	unsigned first = 1, i;

	if (h->cmd.npaths > 1 && !strcmp(scp_cmd_path(&h->cmd, 1), "--")) first = 2;
	for (i = first; i < h->cmd.npaths; i++) {
		const char *w = scp_cmd_path(&h->cmd, i);
		if (scp_cmd_pattern(&h->cmd, i)) *why = "wildcards are not supported";
		if (first == 1 && w[0] == '-' && w[1]) *why = "options are not supported";
		if (!strcmp(w, "-") && h->cmd.npaths - first > 1)
			*why = "\"-\" together with names is not supported";
		if (*why) return 0;
	}
	return first;
}

/* "TOOL: NAME: WHY" for the client's stderr, control characters shown as
 * '?'; dropped when the buffer is full (the log keeps every line). */
static void tell_client(struct hashsum *h, const char *name, const char *why)
{
	char line[SLUICE_MAX_PATH + 200];
	int n = snprintf(line, sizeof line, "%s: %s%s%s\n", h->tool ? h->tool : "sftpd",
			 name ? name : "", name ? ": " : "", why);

	if (n < 0 || (size_t)n >= sizeof line || h->err_len + (size_t)n > sizeof h->err) return;
	for (int i = 0; i < n - 1; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f) line[i] = '?';
	memcpy(h->err + h->err_len, line, (size_t)n);
	h->err_len += (size_t)n;
}

struct hashsum *hashsum_new(const struct fs_root *root, const char *cmd, size_t len,
			    const char **why)
{
	struct hashsum *h = calloc(1, sizeof *h);
	int t;

	if (!h) return 0;
	h->root = root;
	h->fd = -1;
	*why = 0;
	if (!scp_cmd_split(cmd, len, &h->cmd)) {
		*why = h->cmd.error;
	} else if (!h->cmd.npaths || (t = tool_index(scp_cmd_path(&h->cmd, 0),
						     strlen(scp_cmd_path(&h->cmd, 0)))) < 0) {
		*why = "not a hash command";
	} else if ((h->next = check_words(h, why)) != 0) {
		h->tool = tools[t].name;
		h->md = tools[t].md();
		h->ctx = EVP_MD_CTX_new();
		if (!h->ctx) {
			free(h);
			errno = ENOMEM;
			return 0;
		}
		if (h->next == h->cmd.npaths ||
		    (h->next + 1 == h->cmd.npaths && !strcmp(scp_cmd_path(&h->cmd, h->next), "-")))
			h->from_input = 1;
		if (h->from_input && !EVP_DigestInit_ex(h->ctx, h->md, 0)) *why = "digest failed";
	}
	if (*why) {
		h->done = 1;
		h->status = 1;
		tell_client(h, "refused", *why);
	}
	return h;
}

void hashsum_free(struct hashsum *h)
{
	if (!h) return;
	if (h->fd >= 0) close(h->fd);
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

/* "HEX  NAME\n"; a name holding a backslash or a newline is written
 * escaped, the line starting with a backslash, as coreutils does. */
static void put_line(struct hashsum *h, const unsigned char *md, unsigned mdlen, const char *name)
{
	static const char hex[] = "0123456789abcdef";
	int escape = strpbrk(name, "\\\n") != 0;
	size_t n = 0;

	if (escape) h->out[n++] = '\\';
	for (unsigned i = 0; i < mdlen; i++) {
		h->out[n++] = hex[md[i] >> 4];
		h->out[n++] = hex[md[i] & 15];
	}
	h->out[n++] = ' ';
	h->out[n++] = ' ';
	for (; *name && n + 3 < sizeof h->out; name++) {
		if (escape && (*name == '\\' || *name == '\n')) {
			h->out[n++] = '\\';
			h->out[n++] = *name == '\n' ? 'n' : '\\';
		} else {
			h->out[n++] = *name;
		}
	}
	h->out[n++] = '\n';
	h->out_len = n;
	h->out_at = 0;
}

static void finish_digest(struct hashsum *h, const char *name)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (!EVP_DigestFinal_ex(h->ctx, md, &mdlen)) {
		log_error("%s: %s: digest failed", h->tool, name);
		h->status = 1;
		return;
	}
	put_line(h, md, mdlen, name);
}

static void file_failed(struct hashsum *h, const char *name, const char *why)
{
	log_info("%s: %s: %s", h->tool, name, why);
	tell_client(h, name, why);
	h->status = 1;
	if (h->fd >= 0) close(h->fd);
	h->fd = -1;
}

/* Opens the next name: a regular file, read without blocking. */
static void open_next(struct hashsum *h)
{
	struct stat st;
	const char *name = scp_cmd_path(&h->cmd, h->next++);

	h->name = name;
	h->fd = fs_open(h->root, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
	if (h->fd < 0) return file_failed(h, name, strerror(errno));
	if (fstat(h->fd, &st) < 0) return file_failed(h, name, strerror(errno));
	if (S_ISDIR(st.st_mode)) return file_failed(h, name, "Is a directory");
	if (!S_ISREG(st.st_mode)) return file_failed(h, name, "not a regular file");
	if (!EVP_DigestInit_ex(h->ctx, h->md, 0)) file_failed(h, name, "digest failed");
}

/* One slice of the open file; its line when it ends. */
static void read_slice(struct hashsum *h)
{
	size_t done = 0;

	while (done < HASHSUM_SLICE) {
		ssize_t n = read(h->fd, h->buf, sizeof h->buf);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) return file_failed(h, h->name, strerror(errno));
		if (n == 0) {
			close(h->fd);
			h->fd = -1;
			finish_digest(h, h->name);
			return;
		}
		EVP_DigestUpdate(h->ctx, h->buf, (size_t)n);
		done += (size_t)n;
	}
}

size_t hashsum_input(struct hashsum *h, const unsigned char *p, size_t n)
{
	if (h->from_input && !h->input_done) EVP_DigestUpdate(h->ctx, p, n);
	return n; /* input nobody reads is taken and dropped */
}

enum hashsum_run_result hashsum_run(struct hashsum *h, int eof)
{
	if (h->done || h->out_at < h->out_len) return HASHSUM_IDLE;
	if (h->from_input) {
		if (!eof) return HASHSUM_IDLE;
		h->input_done = 1;
		finish_digest(h, "-");
		h->done = 1;
		return HASHSUM_MORE;
	}
	if (h->fd >= 0) {
		read_slice(h);
		return HASHSUM_MORE;
	}
	if (h->next < h->cmd.npaths) {
		open_next(h);
		return HASHSUM_MORE;
	}
	h->done = 1;
	return HASHSUM_IDLE;
}

size_t hashsum_pending(const struct hashsum *h)
{
	return h->out_len - h->out_at;
}

size_t hashsum_output(struct hashsum *h, unsigned char *dst, size_t cap)
{
	size_t n = h->out_len - h->out_at;
	if (n > cap) n = cap;
	memcpy(dst, h->out + h->out_at, n);
	h->out_at += n;
	return n;
}

size_t hashsum_err_pending(const struct hashsum *h)
{
	return h->err_len - h->err_at;
}

size_t hashsum_err_output(struct hashsum *h, unsigned char *dst, size_t cap)
{
	size_t n = h->err_len - h->err_at;
	if (n > cap) n = cap;
	memcpy(dst, h->err + h->err_at, n);
	h->err_at += n;
	return n;
}

int hashsum_finished(const struct hashsum *h, uint32_t *status)
{
	if (!h->done || h->out_at < h->out_len) return 0;
	*status = h->status;
	return 1;
}
