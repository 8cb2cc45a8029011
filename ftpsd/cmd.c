/* cmd: the command table and the dispatcher.  Each command is a row (name,
 * handler, flags); login, TLS, write and the account's policy are checked
 * here, once, so
 * handlers never re-check them. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "cmd.h"
#include "log/log.h"

enum cmd_flags {
	CMD_LOGIN = 1u << 0,	/* needs a logged-in user */
	CMD_WRITES = 1u << 1,	/* changes the filesystem */
	CMD_ARG = 1u << 2,	/* needs an argument */
	CMD_CLEAR_OK = 1u << 3, /* allowed on a clear control channel under any policy */
	CMD_AUTHCMD = 1u << 4,	/* USER / PASS: covered by the "auth" policy */
	/* what the command does, for the account's policy (cmd_account_refuses) */
	CMD_P_READ = 1u << 8,	  /* file contents (RETR) */
	CMD_P_LIST = 1u << 9,	  /* listings (LIST, NLST, MLSD, MLST) */
	CMD_P_STORE = 1u << 10,	  /* a new file, or over an existing one (STOR) */
	CMD_P_NEW = 1u << 11,	  /* a new file always (STOU) */
	CMD_P_APPEND = 1u << 12,  /* APPE */
	CMD_P_REMOVE = 1u << 13,  /* DELE */
	CMD_P_RENAME = 1u << 14,  /* RNFR, RNTO */
	CMD_P_MKDIR = 1u << 15,	  /* MKD */
	CMD_P_RMDIR = 1u << 16,	  /* RMD */
	CMD_P_SETSTAT = 1u << 17, /* MFMT; SITE CHMOD (decided by its argument) */
};

struct ftp_command {
	const char *name;
	void (*fn)(struct ftp_session *s, const char *arg);
	unsigned flags;
	const char *help;
};

#define L CMD_LOGIN
#define W (CMD_LOGIN | CMD_WRITES)
#define A CMD_ARG
#define C CMD_CLEAR_OK

static const struct ftp_command commands[] = {
    {"ABOR", ftp_cmd_abor, C, ""},
    {"ALLO", ftp_cmd_allo, L, "<size>"},
    {"APPE", ftp_cmd_appe, W | A | CMD_P_APPEND, "<file>"},
    {"AUTH", ftp_cmd_auth, A | C, "TLS"},
    {"CCC", ftp_cmd_ccc, L, ""},
    {"CDUP", ftp_cmd_cdup, L, ""},
    {"CWD", ftp_cmd_cwd, L | A, "<dir>"},
    {"DELE", ftp_cmd_dele, W | A | CMD_P_REMOVE, "<file>"},
    {"EPRT", ftp_cmd_eprt, L | A, "|af|addr|port|"},
    {"EPSV", ftp_cmd_epsv, L, "[ALL]"},
    {"FEAT", ftp_cmd_feat, C, ""},
    {"HELP", ftp_cmd_help, C, "[command]"},
    {"HOST", ftp_cmd_host, A | C, "<name>"},
    {"LIST", ftp_cmd_list, L | CMD_P_LIST, "[path]"},
    {"MDTM", ftp_cmd_mdtm, L | A, "<file>"},
    {"MFMT", ftp_cmd_mfmt, W | A | CMD_P_SETSTAT, "<time> <file>"},
    {"MKD", ftp_cmd_mkd, W | A | CMD_P_MKDIR, "<dir>"},
    {"MLSD", ftp_cmd_mlsd, L | CMD_P_LIST, "[dir]"},
    {"MLST", ftp_cmd_mlst, L | CMD_P_LIST, "[path]"},
    {"MODE", ftp_cmd_mode, L | A, "S|Z"},
    {"NLST", ftp_cmd_nlst, L | CMD_P_LIST, "[path]"},
    {"NOOP", ftp_cmd_noop, C, ""},
    {"OPTS", ftp_cmd_opts, A, "UTF8 ON | MLST facts"},
    {"PASS", ftp_cmd_pass, CMD_AUTHCMD, "<password>"},
    {"PASV", ftp_cmd_pasv, L, ""},
    {"PBSZ", ftp_cmd_pbsz, A, "0"},
    {"PORT", ftp_cmd_port, L | A, "h1,h2,h3,h4,p1,p2"},
    {"PROT", ftp_cmd_prot, A, "C|P"},
    {"PWD", ftp_cmd_pwd, L, ""},
    {"QUIT", ftp_cmd_quit, C, ""},
    {"REIN", ftp_cmd_rein, 0, ""},
    {"REST", ftp_cmd_rest, L | A, "<offset>"},
    {"RETR", ftp_cmd_retr, L | A | CMD_P_READ, "<file>"},
    {"RMD", ftp_cmd_rmd, W | A | CMD_P_RMDIR, "<dir>"},
    {"RNFR", ftp_cmd_rnfr, W | A | CMD_P_RENAME, "<path>"},
    {"RNTO", ftp_cmd_rnto, W | A | CMD_P_RENAME, "<path>"},
    {"SITE", ftp_cmd_site, L | A, "CHMOD|HELP"},
    {"SIZE", ftp_cmd_size, L | A, "<file>"},
    {"STAT", ftp_cmd_stat, C, "[path]"},
    {"STOR", ftp_cmd_stor, W | A | CMD_P_STORE, "<file>"},
    {"STOU", ftp_cmd_stou, W | CMD_P_NEW, ""},
    {"STRU", ftp_cmd_stru, L | A, "F"},
    {"SYST", ftp_cmd_syst, 0, ""},
    {"TYPE", ftp_cmd_type, L | A, "A|I"},
    {"USER", ftp_cmd_user, A | CMD_AUTHCMD, "<name>"},
    {"XCUP", ftp_cmd_cdup, L, ""},
    {"XCWD", ftp_cmd_cwd, L | A, "<dir>"},
    {"XMKD", ftp_cmd_mkd, W | A | CMD_P_MKDIR, "<dir>"},
    {"XPWD", ftp_cmd_pwd, L, ""},
    {"XRMD", ftp_cmd_rmd, W | A | CMD_P_RMDIR, "<dir>"},
};

static const struct ftp_command *cmd_find(const char *verb)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (!strcmp(commands[i].name, verb)) return &commands[i];
	return NULL;
}

static unsigned cmd_deny_bit(unsigned flags)
{
	return flags & CMD_P_REMOVE    ? ACCOUNT_DENY_REMOVE
	       : flags & CMD_P_RENAME  ? ACCOUNT_DENY_RENAME
	       : flags & CMD_P_MKDIR   ? ACCOUNT_DENY_MKDIR
	       : flags & CMD_P_RMDIR   ? ACCOUNT_DENY_RMDIR
	       : flags & CMD_P_SETSTAT ? ACCOUNT_DENY_SETSTAT
				       : 0;
}

/* The account's policy (ro, wo, deny=, mode=) for a decoded command: NULL
 * when allowed, else why not.  A drop box's STOR opens with O_EXCL
 * (store() in cmd_fs.c), so "new files only" is the kernel's answer. */
static const char *cmd_account_refuses(const struct ftp_session *s, const struct ftp_command *c,
				       const char *arg)
{
	const struct account_policy *p = &s->pol;
	unsigned flags = c->flags;

	if (c->fn == ftp_cmd_site && !strncasecmp(arg, "CHMOD ", 6))
		flags |= CMD_WRITES | CMD_P_SETSTAT;
	if (c->fn == ftp_cmd_stat && *arg) flags |= CMD_P_LIST; /* STAT path lists it */
	if ((p->keys & ACCOUNT_POL_RO) && (flags & CMD_WRITES)) return "read-only";
	if (p->deny & cmd_deny_bit(flags)) return "denied by the account's policy";
	if ((p->keys & ACCOUNT_POL_MODE) && c->fn == ftp_cmd_site && (flags & CMD_P_SETSTAT))
		return "modes are set by the account's policy";
	if (!(p->keys & ACCOUNT_POL_WO)) return 0;
	if (flags & (CMD_P_READ | CMD_P_LIST)) return "drop box: no downloads or listings";
	if (flags & (CMD_P_APPEND | CMD_P_REMOVE | CMD_P_RENAME | CMD_P_RMDIR | CMD_P_SETSTAT))
		return "drop box: existing files are not changed";
	return 0;
}

/* 1 when policy lets the command through; otherwise replies. */
static int cmd_policy_ok(struct ftp_session *s, const struct ftp_command *c, const char *arg)
{
	const char *why;

	/* With per-user exemptions the requirement is checked after the
	 * password (ftp_privsep_become_session), as mod_tls AllowPerUser. */
	int deferred =
	    !s->logged_in && (c->flags & CMD_AUTHCMD) && s->cf[FC_TLS_ALLOW_PER_USER].num;
	if (!s->ctrl_protected && !(c->flags & CMD_CLEAR_OK) && !deferred) {
		if (s->policy & FTP_TLS_REQ_CTRL) {
			ftp_reply(s, c->flags & CMD_AUTHCMD ? 530 : 534,
				  "TLS required on the control channel: use AUTH TLS first");
			return 0;
		}
		if ((s->policy & FTP_TLS_REQ_AUTH) && (c->flags & CMD_AUTHCMD)) {
			ftp_reply(s, 530, "TLS required for login: use AUTH TLS first");
			return 0;
		}
	}
	if ((c->flags & CMD_LOGIN) && !s->logged_in) {
		ftp_reply(s, 530, "Please log in with USER and PASS");
		return 0;
	}
	if ((c->flags & CMD_WRITES) && (s->cf[FC_READ_ONLY].num || s->anonymous)) {
		ftp_reply(s, 550, "Permission denied: read-only");
		return 0;
	}
	if (s->logged_in && (why = cmd_account_refuses(s, c, arg))) {
		log_warn("refused %s: %s", c->name, why);
		ftp_reply(s, 550, "Permission denied: %s", why);
		return 0;
	}
	return 1;
}

void ftp_dispatch(struct ftp_session *s, const char *line, size_t len)
{
	struct ftp_cmdline cl;
	if (!ftp_parse_cmdline(line, len, &cl)) {
		ftp_reply(s, 500, "Syntax error, command unrecognized");
		return;
	}
	const struct ftp_command *c = cmd_find(cl.verb);
	if (!c) {
		ftp_reply(s, 502, "Command %s not implemented", cl.verb);
		return;
	}
	if (strcmp(cl.verb, "PASS")) log_debug("command %s %s", cl.verb, cl.arg);
	if ((c->flags & CMD_ARG) && !*cl.arg) {
		ftp_reply(s, 501, "%s needs an argument: %s %s", c->name, c->name, c->help);
		return;
	}
	if (!cmd_policy_ok(s, c, cl.arg)) return;
	if (s->have_rnfr && c->fn != ftp_cmd_rnto) s->have_rnfr = 0;
	/* a REST offset waits for RETR or STOR even across PASV, TYPE, SIZE...:
	 * clients put those in between; the transfer commands consume it */
	c->fn(s, cl.arg);
}

void ftp_cmd_help(struct ftp_session *s, const char *arg)
{
	if (*arg) {
		char verb[FTP_MAX_VERB + 1];
		size_t n = strlen(arg);
		if (n > FTP_MAX_VERB) n = FTP_MAX_VERB;
		for (size_t i = 0; i < n; i++)
			verb[i] = (char)(arg[i] & ~0x20);
		verb[n] = 0;
		const struct ftp_command *c = cmd_find(verb);
		if (!c) {
			ftp_reply(s, 502, "Unknown command");
			return;
		}
		ftp_reply(s, 214, "Syntax: %s %s", c->name, c->help);
		return;
	}
	ftp_reply_begin(s, 214, "The following commands are recognized:");
	char row[128];
	size_t n = 0;
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		memcpy(row + n, commands[i].name, strlen(commands[i].name));
		n += strlen(commands[i].name);
		row[n++] = ' ';
		if (n > 60 || i + 1 == ARRAY_LEN(commands)) {
			row[n] = 0;
			ftp_reply_line(s, "%s", row);
			n = 0;
		}
	}
	ftp_reply_end(s, 214, "Help OK");
}

void ftp_cmd_feat(struct ftp_session *s, const char *arg)
{
	ftp_reply_begin(s, 211, "Features:");
	ftp_reply_line(s, "AUTH TLS");
	ftp_reply_line(s, "PBSZ");
	ftp_reply_line(s, "PROT");
	if (s->cf[FC_ALLOW_CCC].num) ftp_reply_line(s, "CCC");
	ftp_reply_line(s, "EPRT");
	ftp_reply_line(s, "EPSV");
	ftp_reply_line(s, "HOST");
	ftp_reply_line(s, "MDTM");
	ftp_reply_line(s, "MFMT");
	ftp_reply_line(s, "SIZE");
	ftp_reply_line(s, "REST STREAM");
	char facts[160];
	size_t n = 0;
	for (unsigned i = 0; i < 8; i++) {
		n += (size_t)snprintf(facts + n, sizeof facts - n, "%s%s;", ftp_fact_names[i],
				      (s->mlst_facts & (1u << i)) ? "*" : "");
	}
	ftp_reply_line(s, "MLST %s", facts);
	if (s->cf[FC_MODE_Z].num) ftp_reply_line(s, "MODE Z");
	ftp_reply_line(s, "TVFS");
	ftp_reply_line(s, "UTF8");
	ftp_reply_end(s, 211, "End");
}

void ftp_cmd_noop(struct ftp_session *s, const char *arg)
{
	ftp_reply(s, 200, "NOOP ok");
}

void ftp_cmd_syst(struct ftp_session *s, const char *arg)
{
	ftp_reply(s, 215, "UNIX Type: L8");
}

void ftp_cmd_quit(struct ftp_session *s, const char *arg)
{
	ftp_reply(s, 221, "Goodbye");
	s->quit = 1;
}

void ftp_cmd_host(struct ftp_session *s, const char *arg)
{
	if (s->logged_in || s->have_user) {
		ftp_reply(s, 503, "HOST must come before USER");
		return;
	}
	ftp_reply(s, 220, "Host accepted");
}

void ftp_cmd_mode(struct ftp_session *s, const char *arg)
{
	if (!strcasecmp(arg, "S")) {
		s->mode_z = 0;
		ftp_reply(s, 200, "Mode S");
	} else if (!strcasecmp(arg, "Z") && s->cf[FC_MODE_Z].num) {
		s->mode_z = 1;
		ftp_reply(s, 200, "Mode Z");
	} else {
		ftp_reply(s, 504, "Mode not supported");
	}
}

void ftp_cmd_stru(struct ftp_session *s, const char *arg)
{
	if (!strcasecmp(arg, "F"))
		ftp_reply(s, 200, "Structure F");
	else
		ftp_reply(s, 504, "Only STRU F is supported");
}

void ftp_cmd_type(struct ftp_session *s, const char *arg)
{
	char t;
	if (!ftp_parse_type(arg, &t)) {
		ftp_reply(s, errno == ENOTSUP ? 504 : 501, "TYPE A or I");
		return;
	}
	s->type = t;
	ftp_reply(s, 200, "Type set to %c", t);
}

void ftp_cmd_allo(struct ftp_session *s, const char *arg)
{
	ftp_reply(s, 202, "ALLO not needed");
}

void ftp_cmd_opts(struct ftp_session *s, const char *arg)
{
	if (!strcasecmp(arg, "UTF8 ON") || !strcasecmp(arg, "UTF8")) {
		ftp_reply(s, 200, "UTF8 is always on");
		return;
	}
	if (!strncasecmp(arg, "MLST", 4) && (arg[4] == ' ' || !arg[4])) {
		unsigned m;
		const char *facts = arg[4] ? arg + 5 : "";
		if (!ftp_parse_mlst_facts(facts, &m)) {
			ftp_reply(s, 501, "Malformed fact list");
			return;
		}
		s->mlst_facts = m;
		char out[160];
		size_t n = 0;
		out[0] = 0;
		for (unsigned i = 0; i < 8; i++)
			if (m & (1u << i))
				n += (size_t)snprintf(out + n, sizeof out - n, "%s;",
						      ftp_fact_names[i]);
		ftp_reply(s, 200, "MLST OPTS %s", out);
		return;
	}
	ftp_reply(s, 501, "Option not understood");
}

void ftp_cmd_stat(struct ftp_session *s, const char *arg)
{
	if (*arg && s->logged_in) {
		ftp_cmd_stat_path(s, arg);
		return;
	}
	ftp_reply_begin(s, 211, "sluice ftpsd status");
	ftp_reply_line(s, "Connected from %s", s->peer.text);
	ftp_reply_line(s, "Logged in: %s", s->logged_in ? s->user : "no");
	ftp_reply_line(s, "Control channel: %s", ftp_tls_version(s));
	ftp_reply_line(s, "Data protection: %s", s->prot_p ? "private" : "clear");
	ftp_reply_line(s, "TYPE: %s, MODE: %s, STRU: F", s->type == 'A' ? "ASCII" : "BINARY",
		       s->mode_z ? "Z" : "S");
	ftp_reply_end(s, 211, "End of status");
}
