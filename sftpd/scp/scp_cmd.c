/* scp_cmd: the exec command of an scp client, split into words as a POSIX
 * shell would for the subset that clients send (blanks, single and double
 * quotes, backslashes, a leading ~, wildcards), then read as scp's own
 * options.  Whatever else a shell would act on (;, |, &, $, `, redirection,
 * braces, a comment, ~user) is refused with a message naming it: nothing
 * is executed and nothing is expanded but what is written here. */
#include <string.h>
#include <stdio.h>
#include "scp.h"

/* The words being built: literal forms from store[0], pattern forms from
 * store[PATTERN_BASE]; each form of a word is at most twice its input. */
#define PATTERN_BASE (SCP_MAX_COMMAND + SCP_MAX_WORDS + 1)

struct lexer {
	const char *p, *end;
	struct scp_cmd *out;
	unsigned nwords;
	unsigned word[SCP_MAX_WORDS];
	int pat[SCP_MAX_WORDS];
	size_t lit_at, pat_at;	   /* where the next byte of each form goes */
	size_t lit_word, pat_word; /* where the current word started */
	int in_word, glob;
};

static int refuse(struct lexer *lx, const char *what, char c)
{
	if (c)
		snprintf(lx->out->error, sizeof lx->out->error, "%s '%c'", what, c);
	else
		snprintf(lx->out->error, sizeof lx->out->error, "%s", what);
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f;
}

/* In quotes a newline would be part of a name, which no control line can
 * carry: refused with the other control characters (a tab is allowed). */
static int is_quoted_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* A character that the shell took literally (quoted, escaped or plain). */
static void put_literal(struct lexer *lx, char c)
{
	char *st = lx->out->store;
	st[lx->lit_at++] = c;
	if (strchr("*?[]\\", c)) st[lx->pat_at++] = '\\';
	st[lx->pat_at++] = c;
	lx->in_word = 1;
}

/* An unquoted *, ? or [: kept as is in both forms, the word is a pattern. */
static void put_wildcard(struct lexer *lx, char c)
{
	lx->out->store[lx->lit_at++] = c;
	lx->out->store[lx->pat_at++] = c;
	lx->in_word = lx->glob = 1;
}

static int end_word(struct lexer *lx)
{
	char *st = lx->out->store;
	if (!lx->in_word) return 1;
	if (lx->nwords == SCP_MAX_WORDS) return refuse(lx, "too many words in the command", 0);
	st[lx->lit_at++] = 0;
	st[lx->pat_at++] = 0;
	lx->word[lx->nwords] = (unsigned)lx->lit_word;
	lx->pat[lx->nwords] = lx->glob ? (int)lx->pat_word : -1;
	if (!lx->glob) lx->pat_at = lx->pat_word; /* not needed: reuse the room */
	lx->nwords++;
	lx->lit_word = lx->lit_at;
	lx->pat_word = lx->pat_at;
	lx->in_word = lx->glob = 0;
	return 1;
}

/* '...': everything literal up to the closing quote. */
static int single_quoted(struct lexer *lx)
{
	lx->in_word = 1;
	for (lx->p++; lx->p < lx->end && *lx->p != '\''; lx->p++) {
		if (is_quoted_control((unsigned char)*lx->p))
			return refuse(lx, "a control character in the command", 0);
		put_literal(lx, *lx->p);
	}
	if (lx->p == lx->end) return refuse(lx, "unterminated single quote", 0);
	lx->p++;
	return 1;
}

/* "...": a backslash escapes only $ ` " \ and newline; $ and ` would
 * expand and are refused. */
static int double_quoted(struct lexer *lx)
{
	lx->in_word = 1;
	for (lx->p++; lx->p < lx->end && *lx->p != '"'; lx->p++) {
		char c = *lx->p;
		if (is_quoted_control((unsigned char)c))
			return refuse(lx, "a control character in the command", 0);
		if (c == '$' || c == '`') return refuse(lx, "unsupported expansion", c);
		if (c == '\\' && lx->p + 1 < lx->end && strchr("$`\"\\\n", lx->p[1])) {
			if (lx->p[1] != '\n') put_literal(lx, lx->p[1]);
			lx->p++;
			continue;
		}
		put_literal(lx, c);
	}
	if (lx->p == lx->end) return refuse(lx, "unterminated double quote", 0);
	lx->p++;
	return 1;
}

/* A ~ starting a word: ~ and ~/... are the start directory, like $HOME;
 * ~user is refused. */
static int tilde(struct lexer *lx)
{
	const char *n = lx->p + 1;
	if (n < lx->end && !is_blank(*n) && *n != '/')
		return refuse(lx, "~user is not supported", 0);
	put_literal(lx, '.');
	lx->p++;
	return 1;
}

static int unquoted(struct lexer *lx)
{
	char c = *lx->p;
	if (strchr(";&|<>()$`", c)) return refuse(lx, "unsupported shell syntax", c);
	if (c == '{' || c == '}') return refuse(lx, "brace expansion is not supported:", c);
	if (c == '\n') return refuse(lx, "a newline (a second command) is not supported", 0);
	if (c == '#' && !lx->in_word) return refuse(lx, "a comment is not supported", 0);
	if (c == '~' && !lx->in_word) return tilde(lx);
	if (c == '*' || c == '?' || c == '[')
		put_wildcard(lx, c);
	else
		put_literal(lx, c);
	lx->p++;
	return 1;
}

static int lex_one(struct lexer *lx)
{
	char c = *lx->p;
	if (is_control((unsigned char)c))
		return refuse(lx, "a control character in the command", 0);
	if (is_blank(c)) {
		lx->p++;
		return end_word(lx);
	}
	if (c == '\'') return single_quoted(lx);
	if (c == '"') return double_quoted(lx);
	if (c != '\\') return unquoted(lx);
	if (lx->p + 1 == lx->end) return refuse(lx, "a backslash at the end of the command", 0);
	if (lx->p[1] != '\n') {
		if (is_control((unsigned char)lx->p[1]))
			return refuse(lx, "a control character in the command", 0);
		put_literal(lx, lx->p[1]);
	}
	lx->p += 2;
	return 1;
}

static int lex(struct lexer *lx, const char *cmd, size_t len)
{
	lx->p = cmd;
	lx->end = cmd + len;
	lx->pat_at = lx->pat_word = PATTERN_BASE;
	if (len > SCP_MAX_COMMAND) return refuse(lx, "command too long", 0);
	if (memchr(cmd, 0, len)) return refuse(lx, "a NUL byte in the command", 0);
	while (lx->p < lx->end)
		if (!lex_one(lx)) return 0;
	return end_word(lx);
}

static const char *word(const struct lexer *lx, unsigned i)
{
	return lx->out->store + lx->word[i];
}

/* Options as getopt(3) reads them: clustered letters, up to "--" or the
 * first word that is not an option. */
static int options(struct lexer *lx, unsigned *i)
{
	static const struct {
		char letter;
		unsigned flag;
	} table[] = {
	    {'r', SCP_RECURSIVE}, {'p', SCP_PRESERVE}, {'d', SCP_TARGET_DIR}, {'v', SCP_VERBOSE}};
	int to = 0, from = 0;

	for (; *i < lx->nwords; (*i)++) {
		const char *w = word(lx, *i);
		if (w[0] != '-' || !w[1]) break;
		if (!strcmp(w, "--")) {
			(*i)++;
			break;
		}
		for (w++; *w; w++) {
			size_t k;
			if (*w == 't' || *w == 'f') {
				*w == 't' ? (to = 1) : (from = 1);
				continue;
			}
			for (k = 0; k < sizeof table / sizeof table[0] && table[k].letter != *w;
			     k++)
				;
			if (k == sizeof table / sizeof table[0]) {
				snprintf(lx->out->error, sizeof lx->out->error,
					 "unsupported scp option -%c", *w);
				return 0;
			}
			lx->out->flags |= table[k].flag;
		}
	}
	if (to == from) return refuse(lx, "scp needs exactly one of -t and -f", 0);
	lx->out->sink = to;
	return 1;
}

int scp_cmd_is_scp(const char *cmd, size_t len)
{
	size_t i = 0;
	while (i < len && is_blank(cmd[i]))
		i++;
	return len - i >= 3 && !memcmp(cmd + i, "scp", 3) && (len - i == 3 || is_blank(cmd[i + 3]));
}

int scp_cmd_parse(const char *cmd, size_t len, struct scp_cmd *out)
{
	struct lexer lx;
	unsigned i = 1;

	memset(&lx, 0, sizeof lx);
	memset(out, 0, offsetof(struct scp_cmd, store));
	lx.out = out;
	if (!lex(&lx, cmd, len)) return 0;
	if (!lx.nwords || strcmp(word(&lx, 0), "scp")) return refuse(&lx, "not an scp command", 0);
	if (!options(&lx, &i)) return 0;
	if (i == lx.nwords) return refuse(&lx, "scp needs a path", 0);
	if (out->sink && lx.nwords - i != 1) return refuse(&lx, "scp -t takes one target path", 0);
	for (; i < lx.nwords; i++) {
		out->path[out->npaths] = lx.word[i];
		out->pattern[out->npaths++] = lx.pat[i];
	}
	return 1;
}

int scp_cmd_split(const char *cmd, size_t len, struct scp_cmd *out)
{
	struct lexer lx;

	memset(&lx, 0, sizeof lx);
	memset(out, 0, offsetof(struct scp_cmd, store));
	lx.out = out;
	if (!lex(&lx, cmd, len)) return 0;
	for (unsigned i = 0; i < lx.nwords; i++) {
		out->path[i] = lx.word[i];
		out->pattern[i] = lx.pat[i];
	}
	out->npaths = lx.nwords;
	return 1;
}

const char *scp_cmd_path(const struct scp_cmd *c, unsigned i)
{
	return i < c->npaths ? c->store + c->path[i] : 0;
}

const char *scp_cmd_pattern(const struct scp_cmd *c, unsigned i)
{
	return i < c->npaths && c->pattern[i] >= 0 ? c->store + c->pattern[i] : 0;
}
