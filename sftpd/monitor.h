/* monitor: the protocol between sftpd's privileged monitor and the
 * unprivileged processes that talk to the client: the network child before
 * authentication, the session process after it.  One message per
 * SOCK_SEQPACKET record: a type byte, then fields in SSH wire encoding.
 * The monitor trusts nothing it receives: every request is a row of a table
 * with the states it is allowed in and a size ceiling. */
#ifndef SFTPD_MONITOR_H
#define SFTPD_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "account/account.h"
#include "algo/algo.h"
#include "authmethods.h"
#include "conf/conf.h"
#include "key/key.h"
#include "peer/peer.h"
#include "priv/priv.h"

enum mon_type {
	/* monitor -> network child, once: u32 n, n x string host key blob,
	 * string banner */
	MON_INIT = 1,
	/* child -> monitor, in any state: u8 syslog priority (LOG_CRIT to
	 * LOG_DEBUG), string line as the child formatted it */
	MON_LOG,
	/* child -> monitor from its SIGSYS handler: u32 system call number */
	MON_VIOLATION,
	/* u32 key exchange number (1, 2, ...), u32 host key index,
	 * string sigalg, string exchange hash -> MON_SIGNATURE */
	MON_SIGN,
	/* string user, string password -> MON_ANSWER */
	MON_PASSWORD,
	/* string user, string sigalg, string public key blob -> MON_ANSWER */
	MON_KEY_QUERY,
	/* string user, string sigalg, string public key blob, string signature
	 * -> MON_ANSWER; the monitor builds the signed data itself */
	MON_KEY_VERIFY,
	/* string transport state, u32 bytes of client input that follow in
	 * MON_HANDOVER_DATA records; the child exits after the last one */
	MON_HANDOVER,
	MON_HANDOVER_DATA,
	/* replies: u8 verdict (enum mon_verdict), u8 last (no attempt is left) */
	MON_ANSWER,
	/* string signature blob */
	MON_SIGNATURE,
	/* string user, string response to the keyboard-interactive password
	 * prompt -> MON_ANSWER */
	MON_KBDINT,
	/* session -> signer: u32 host key index, string sigalg -> MON_SIGNATURE,
	 * the key's answer to hostkeys-prove-00@openssh.com over data the
	 * signer builds itself (the request's name, the session identifier,
	 * the key's blob); each key once per connection */
	MON_PROVE,
	/* network child -> monitor, its first request when SFTPD_PROXY_PROTOCOL
	 * is on: u8 4 or 6, string address (4 or 16 bytes), u32 port: the
	 * client that the PROXY header named (u8 0, empty string: a LOCAL or
	 * UNKNOWN header, the proxy itself) */
	MON_PROXY,
	/* keyboard-interactive through PAM (SFTPD_PAM_SERVICE), network child
	 * -> monitor: string user -> MON_KBD_QUERY or MON_ANSWER */
	MON_KBD_START,
	/* monitor -> network child: string instruction, u32 n (at most
	 * MON_KBD_MAX_PROMPTS), n x (string prompt, bool echo): put to the
	 * client as an INFO_REQUEST */
	MON_KBD_QUERY,
	/* network child -> monitor, only while a query is open: bool gave up
	 * (the client answered wrongly or sent another request), u32 n, n x
	 * string answer -> MON_KBD_QUERY or MON_ANSWER */
	MON_KBD_ANSWERS,
};
#define MON_KBD_MAX_PROMPTS 16
#define MON_KBD_PROMPT_MAX 256 /* bytes of one prompt; longer ones are cut */
#define MON_KBD_REPLY_MAX (16 + 1024 + MON_KBD_MAX_PROMPTS * (8 + MON_KBD_PROMPT_MAX))

/* MON_ANSWER's verdict.  To MON_KEY_QUERY, MON_ACCEPTED means the key
 * would do; to the others, that authentication is complete, and
 * MON_PARTIAL that the method succeeded but SFTPD_AUTH_METHODS asks for
 * more (a chain such as publickey,password). */
enum mon_verdict { MON_REFUSED = 0, MON_ACCEPTED = 1, MON_PARTIAL = 2 };

enum mon_state {
	MON_PREAUTH = 1 << 0,	  /* network child talking to the client */
	MON_AUTHED = 1 << 1,	  /* authentication succeeded; waiting for the hand-over */
	MON_RECEIVING = 1 << 2,	  /* hand-over records arriving */
	MON_HANDED_OVER = 1 << 3, /* the transport state is complete */
	MON_SIGNER = 1 << 4,	  /* after the fork: signs rekey hashes only */
};

#define MON_RECORD_MAX (64u * 1024)
#define MON_BANNER_MAX 8192
#define MON_STATE_MAX 4096	    /* transport state without client input */
#define MON_INPUT_MAX (512u * 1024) /* client input carried over */
#define MON_PREAUTH_MAX_KEX 4	    /* key exchanges before authentication */
#define MON_MAX_HOST_KEYS 4
#define MON_GRACE_MARGIN_SECS 5 /* the network child enforces the grace time first */

/* What the monitor knows and decides.  Secrets (host keys, the account's
 * hash) never leave it except as answers. */
struct monitor {
	int fd; /* the socket to the unprivileged process */
	const struct conf_value *cf;
	struct key_private *const *host_keys;
	unsigned n_host_keys;
	enum mon_state state;
	/* key exchanges */
	uint32_t kex_number;
	unsigned char session_id[ALGO_HASH_MAX];
	size_t session_id_len;
	unsigned proved;    /* host keys that answered hostkeys-prove (bit per index) */
	int proxy_pending;  /* SFTPD_PROXY_PROTOCOL: MON_PROXY must come first */
	struct peer client; /* the client: the socket's peer, or the PROXY header's */
	/* authentication */
	int user_set, user_known;
	char user[SLUICE_MAX_USERNAME + 1];
	struct account account;
	unsigned failures;
	char method[32];	   /* how the user got in (the method that completed a list) */
	struct authmethods chains; /* SFTPD_AUTH_METHODS and the progress through it */
	/* the account's auth= (its policy), when it has one: a login must
	 * complete a list of both */
	int has_account_chains;
	struct authmethods account_chains;
	/* SHA-256 of each key blob that succeeded: a chain takes a key once.
	 * Room for every step: each success moves at least one list on. */
	unsigned char used_keys[AUTHMETHODS_MAX_LISTS * AUTHMETHODS_MAX_STEPS][32];
	unsigned n_used_keys;
	/* the hand-over */
	unsigned char *handover;
	size_t handover_len;
	unsigned char *input;
	size_t input_len, input_got;
	/* the end of the login grace time; keyboard-interactive through PAM:
	 * the client gave up the conversation, or the relay failed */
	time_t deadline;
	int kbd_gave_up, kbd_broken;
	struct timespec attempt_start; /* failures are padded from here */
	/* set when a request is refused: why the monitor gives up */
	char why[160];
	long violation; /* system call number from MON_VIOLATION, -1 none */
};

/* Prepares m for a new connection in state MON_PREAUTH. */
void monitor_init(struct monitor *m, int fd, const struct conf_value *cf,
		  struct key_private *const *keys, unsigned nkeys);
/* Handles one record read from m->fd and writes any reply to m->fd.
 * 1: carry on.  0: the peer broke the protocol or the sandbox (m->why says
 * how; the caller kills it) or the reply could not be sent. */
int monitor_request(struct monitor *m, const unsigned char *rec, size_t len);
/* Forgets the account: its secret, the password hash, is wiped; name,
 * home and policy, no secrets, stay where they are (wiping the 11 KiB
 * struct made a private copy of its pages in each process after fork). */
void monitor_forget_account(struct monitor *m);
void monitor_free(struct monitor *m);

/* Records go through priv_record_recv / priv_record_send (lib/priv). */

#endif
