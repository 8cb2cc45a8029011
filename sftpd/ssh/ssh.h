/* ssh: the state of one SSH connection and the interfaces between the
 * transport (packet.c, cipher.c, kex.c, handover.c), user authentication
 * (userauth.c), the connection protocol (channel.c) and the authority
 * (../authority.c: the requests to the privileged monitor).  Before
 * authentication the network child holds this state; after it, the session
 * process imports the transport part (handover.c). */
#ifndef SFTPD_SSH_H
#define SFTPD_SSH_H

#include <stdint.h>
#include <stddef.h>
#include <time.h>
#include "algo/algo.h"
#include "conf/conf.h"
#include "key/key.h"
#include "account/account.h"
#include "fs/fs.h"
#include "wire/wire.h"
#include <zlib.h>
#include "buf.h"
#include "../authmethods.h"
#include "../client_match.h"
#include "../config.h"
#include "../sftp/sftp.h"

#define SSH_EXTENDED_DATA_STDERR 1 /* RFC 4254 s5.2 */

/* packet_length ceiling; RFC 4253 s6.1 lets the server choose it */
#define SSH_MAX_PACKET (256u * 1024)
#define SSH_MAX_PAYLOAD (SSH_MAX_PACKET - 64)
#define SSH_MAX_VERSION_LINE 255
#define SSH_MAX_PRE_BANNER_LINES 32 /* lines a client may send before its version */
#define SSH_RX_MAX (SSH_MAX_PACKET + 1024)
#define SSH_TX_HIGH_WATER (1024u * 1024)
/* Twice the high water mark: when the tail is full the consumed prefix is
 * at least as large as what remains, so reclaiming it is a cheap move. */
#define SSH_TX_MAX (2 * SSH_TX_HIGH_WATER + 4 * SSH_MAX_PACKET)
#define SSH_DEFERRED_MAX (4u * 1024 * 1024)
#define SSH_MAX_HOST_KEYS 4
#define SSH_MAX_CHANNELS 100
#define SSH_CHANNEL_WINDOW (4u * 1024 * 1024)
#define SSH_CHANNEL_MAX_PACKET (128u * 1024)
#define SSH_MAX_NAMELIST 2048
#define SSH_KEX_REKEY_PACKETS (1u << 30)

enum ssh_msg {
	SSH_MSG_DISCONNECT = 1,
	SSH_MSG_IGNORE = 2,
	SSH_MSG_UNIMPLEMENTED = 3,
	SSH_MSG_DEBUG = 4,
	SSH_MSG_SERVICE_REQUEST = 5,
	SSH_MSG_SERVICE_ACCEPT = 6,
	SSH_MSG_EXT_INFO = 7,
	SSH_MSG_KEXINIT = 20,
	SSH_MSG_NEWKEYS = 21,
	/* 30..49: the key exchange method's own (RFC 4250 s4.1.2) */
	SSH_MSG_KEX_FIRST = 30,
	SSH_MSG_KEX_ECDH_INIT = 30,  /* also KEXDH_INIT, KEX_DH_GEX_REQUEST_OLD */
	SSH_MSG_KEX_ECDH_REPLY = 31, /* also KEXDH_REPLY, KEX_DH_GEX_GROUP */
	SSH_MSG_KEX_DH_GEX_INIT = 32,
	SSH_MSG_KEX_DH_GEX_REPLY = 33,
	SSH_MSG_KEX_DH_GEX_REQUEST = 34,
	SSH_MSG_KEX_LAST = 49,
	SSH_MSG_USERAUTH_REQUEST = 50,
	SSH_MSG_USERAUTH_FAILURE = 51,
	SSH_MSG_USERAUTH_SUCCESS = 52,
	SSH_MSG_USERAUTH_BANNER = 53,
	SSH_MSG_USERAUTH_PK_OK = 60,
	SSH_MSG_USERAUTH_INFO_REQUEST = 60, /* the same number, for keyboard-interactive */
	SSH_MSG_USERAUTH_INFO_RESPONSE = 61,
	SSH_MSG_GLOBAL_REQUEST = 80,
	SSH_MSG_REQUEST_SUCCESS = 81,
	SSH_MSG_REQUEST_FAILURE = 82,
	SSH_MSG_CHANNEL_OPEN = 90,
	SSH_MSG_CHANNEL_OPEN_CONFIRMATION = 91,
	SSH_MSG_CHANNEL_OPEN_FAILURE = 92,
	SSH_MSG_CHANNEL_WINDOW_ADJUST = 93,
	SSH_MSG_CHANNEL_DATA = 94,
	SSH_MSG_CHANNEL_EXTENDED_DATA = 95,
	SSH_MSG_CHANNEL_EOF = 96,
	SSH_MSG_CHANNEL_CLOSE = 97,
	SSH_MSG_CHANNEL_REQUEST = 98,
	SSH_MSG_CHANNEL_SUCCESS = 99,
	SSH_MSG_CHANNEL_FAILURE = 100,
};

enum ssh_disconnect_reason {
	SSH_DISCONNECT_PROTOCOL_ERROR = 2,
	SSH_DISCONNECT_KEY_EXCHANGE_FAILED = 3,
	SSH_DISCONNECT_MAC_ERROR = 5,
	SSH_DISCONNECT_SERVICE_NOT_AVAILABLE = 7,
	SSH_DISCONNECT_BY_APPLICATION = 11,
	SSH_DISCONNECT_TOO_MANY_CONNECTIONS = 12,
	SSH_DISCONNECT_AUTH_CANCELLED_BY_USER = 13,
	SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE = 14,
};

enum cipher_kind { CIPHER_NONE, CIPHER_CHACHAPOLY, CIPHER_GCM, CIPHER_CTR };

/* One direction's negotiated cipher and MAC, with its keys. */
struct cipher_state {
	enum cipher_kind kind;
	size_t keylen, ivlen, block, taglen; /* taglen: AEAD tag or MAC length */
	int etm, mac_sha512, has_mac;
	const struct cipher_spec *spec;
	const struct mac_spec *mac;
	unsigned char key[64];
	unsigned char iv[16]; /* CTR: the initial counter; GCM: the next nonce */
	unsigned char mackey[64];
	uint64_t ctr_blocks; /* CTR: blocks processed since set-up */
	struct algo_gcm gcm;
	struct algo_ctr ctr;
	struct algo_hmac hmac;
	uint64_t chacha_bytes; /* chacha20-poly1305: bytes sealed or opened */
	int chacha_evp_tried, chacha_evp_on;
	struct algo_chacha_evp chacha_evp;
};

/* What a cipher or MAC name means; see cipher.c. */
struct cipher_spec {
	const char *name;
	enum cipher_kind kind;
	size_t keylen, ivlen, block, taglen;
};
struct mac_spec {
	const char *name;
	int sha512, etm;
	size_t keylen, len;
};

/* Only zlib@openssh.com: it starts after authentication, so no zlib stream
 * ever has to move from the network child to the session process. */
enum comp_kind { COMP_NONE, COMP_ZLIB_DELAYED };

/* One direction's compression: the kind negotiated and, once started, the
 * zlib stream, restarted at every NEWKEYS as OpenSSH does. */
struct compress {
	enum comp_kind kind;
	int started;
	z_stream z;
	unsigned char *scratch; /* the (un)compressed payload of the last packet */
};

struct transport {
	struct buf rx, tx, deferred;
	struct cipher_state in, out;
	struct compress comp_in, comp_out;
	uint32_t seq_in, seq_out;
	uint32_t rx_need;    /* length of the packet being received, 0 if unknown */
	size_t rx_head_done; /* CTR: first block already decrypted in place */
	uint64_t bytes_in, bytes_out, packets_in, packets_out; /* since the last key exchange */
	size_t rx_total; /* bytes of the packet handed out by packet_next */
	int flushing;	 /* the deferred queue is draining into tx */
	int got_version;
};

/* A finite-field DH group: p a safe prime, g small (kex_dh.c). */
struct kex_dh_group {
	void *p; /* BIGNUM */
	uint32_t g;
	unsigned bits;
};

/* The moduli file, opened by the monitor at start: the chrooted processes
 * that run key exchanges inherit the descriptor and read it with pread
 * (a mapping would fault if the file were truncated in place).  Tests
 * give the text itself instead (moduli.c). */
struct moduli {
	int fd; /* > 0; 0 (never the moduli: it is the client) when none */
	const char *text;
	size_t len;
};
#define MODULI_ZERO                                                                                \
	{                                                                                          \
		0, 0, 0                                                                            \
	}

struct kex {
	int in_progress, sent_kexinit, got_kexinit, done_once, strict, ext_info_c;
	int ignore_guess;
	int awaiting_newkeys;
	uint32_t number; /* of the running or last key exchange: 1, 2, ... */
	unsigned char *i_c, *i_s;
	size_t i_c_len, i_s_len;
	char v_c[SSH_MAX_VERSION_LINE + 1];
	const struct kex_method *method;
	/* GEX: the client's request and the group sent in answer */
	uint32_t gex_min, gex_n, gex_max;
	struct kex_dh_group gex_group;
	int gex_group_sent;
	int host_key; /* index into session.host_pub */
	const char *host_sigalg;
	const struct cipher_spec *c2s, *s2c;
	const struct mac_spec *mac_c2s, *mac_s2c;
	enum comp_kind comp_c2s, comp_s2c;
	unsigned char session_id[ALGO_HASH_MAX];
	size_t session_id_len;
	struct cipher_state next_in, next_out;
	time_t started;
};

enum channel_state { CHANNEL_FREE = 0, CHANNEL_OPEN, CHANNEL_CLOSING };

/* What runs on a session channel, the sftp subsystem or an scp transfer
 * (channel_app.c fits each to this): channel.c offers it the client's
 * bytes and has it write what it sends straight into the packets, within
 * the windows. */
struct channel_app {
	const char *name;
	/* Takes up to n bytes; returns how many. */
	size_t (*input)(void *ctx, const unsigned char *p, size_t n);
	/* Works on what it has; eof: the client's EOF came and input took
	 * every byte.  0: a fatal error (logged), the channel ends; 1: done
	 * for now; 2: more work that needs no input (a slice of a file): the
	 * event loop serves the connection and comes back at once. */
	int (*run)(void *ctx, int eof);
	/* Bytes it could send now. */
	size_t (*pending)(const void *ctx);
	/* Writes up to cap bytes at dst; returns how many. */
	size_t (*output)(void *ctx, unsigned char *dst, size_t cap);
	/* 1 + *status once it is over (its output all taken); eof: the
	 * client's EOF came and input took every byte. */
	int (*finished)(void *ctx, int eof, uint32_t *status);
	void (*free)(void *ctx);
	/* Optional (NULL: none): error text for the client's stderr. */
	size_t (*err_pending)(const void *ctx);
	size_t (*err_output)(void *ctx, unsigned char *dst, size_t cap);
	/* Optional: the connection has been quiet a while; hand back the
	 * pages of empty buffers. */
	void (*idle)(void *ctx);
	/* Optional, in place of output for the data (not the error text):
	 * where the bytes it would write lie, *n of them in one piece, and
	 * taking n of them; the packet is then encrypted from there. */
	const unsigned char *(*view)(const void *ctx, size_t *n);
	void (*consume)(void *ctx, size_t n);
};

/* rate.c: SFTPD_RATE_LIMIT, bytes per second in one direction (0: none). */
struct rate_bucket {
	uint64_t rate, burst, tokens, last_ns;
};
void rate_init(struct rate_bucket *b, uint64_t bytes_per_second);
/* How many of want bytes may move now. */
size_t rate_allowed(struct rate_bucket *b, size_t want);
void rate_take(struct rate_bucket *b, size_t n);
/* Milliseconds until a useful amount may move (0: now or no limit). */
int rate_wait_ms(struct rate_bucket *b);

struct channel {
	enum channel_state state;
	uint32_t remote_id, remote_window, remote_max_packet;
	uint32_t local_window; /* what the client may still send */
	uint32_t window_size;  /* what it is topped up to */
	uint32_t consumed;     /* bytes taken since the last window adjust */
	int eof_in, eof_out, close_sent, close_received, exit_sent;
	struct buf in;		       /* channel data not yet taken by the app */
	const struct channel_app *app; /* NULL until a subsystem or exec request */
	void *ctx;
};

struct session {
	struct conf_value cf[CF_COUNT];
	struct transport t;
	struct kex kex;
	struct key_public host_pub[SSH_MAX_HOST_KEYS]; /* the private halves stay in the monitor */
	struct moduli moduli;
	unsigned n_host_keys;
	int mon;		 /* socket to the monitor (before authentication) or the signer */
	int until_auth;		 /* the network child: connection_serve returns at success */
	unsigned proxy_versions; /* a PROXY header comes first (PEER_PROXY_V1/V2 bits) */
	char peer[64];		 /* the socket's peer as text (the proxy, behind one) */
	/* authentication */
	int authed;
	char user[SLUICE_MAX_USERNAME + 1];
	int user_set;
	unsigned auth_failures;
	struct authmethods chains; /* a mirror of the monitor's, for the replies */
	int kbdint_pending;	   /* an INFO_REQUEST awaits its response */
	int kbd_relay;		   /* ... one of PAM's, with kbd_prompts prompts */
	uint32_t kbd_prompts;
	const char *banner;
	size_t banner_len;
	int banner_sent;
	time_t start;
	/* after authentication */
	struct fs_root root;
	struct sftp_options sftp_opt;
	struct client_tuning tuning;	     /* SFTPD_CLIENT_MATCH */
	int scp_refused;		     /* the account's policy says scp=no */
	unsigned long long max_upload_bytes; /* maxsize= below SFTPD_MAX_UPLOAD_BYTES, or 0 */
	char home_in_root[SLUICE_MAX_PATH];
	struct channel channels[SSH_MAX_CHANNELS];
	unsigned max_channels;
	int no_more_sessions;
	time_t last_activity;
	unsigned alive_interval, alive_max; /* SFTPD_CLIENT_ALIVE; interval 0: off */
	unsigned alive_unanswered;
	time_t alive_sent_at;
	int closing;	/* disconnect sent; flush and exit */
	int app_busy;	/* a channel app has more work: poll without waiting */
	int pages_busy; /* input or output since the last idle release */
	struct rate_bucket rate_up, rate_down; /* SFTPD_RATE_LIMIT */
	int throttle_ms; /* ms until a throttled channel may move again (-1: none) */
	int exit_code;
};

/* packet.c */
int packet_read_version(struct session *s);
/* 1: a whole packet decrypted, payload and len valid until packet_consume.
 * 0: need more bytes (errno EAGAIN) or fatal (errno other; logged). */
int packet_next(struct session *s, const unsigned char **payload, size_t *len);
void packet_consume(struct session *s);
/* Start a packet of the given type, room for maxlen payload bytes. */
int packet_begin(struct session *s, struct wire_out *w, uint8_t type, size_t maxlen);
int packet_end(struct session *s, struct wire_out *w);
/* packet_end for a payload whose last n bytes (reserved in w, not written)
 * are at src: they are encrypted from there without a copy when the
 * cipher allows it. */
int packet_end_from(struct session *s, struct wire_out *w, const unsigned char *src, size_t n);
int packet_send(struct session *s, const unsigned char *payload, size_t len);
void packet_flush_deferred(struct session *s);
void ssh_disconnect(struct session *s, uint32_t reason, const char *msg);

/* cipher.c */
const struct cipher_spec *cipher_find(const char *name, size_t len);
const struct mac_spec *mac_find(const char *name, size_t len);
int cipher_setup(struct cipher_state *c, const struct cipher_spec *cs, const struct mac_spec *ms,
		 const unsigned char *key, const unsigned char *iv, const unsigned char *mackey,
		 int encrypt);
void cipher_free(struct cipher_state *c);
/* CTR: the counter block the next packet starts with. */
void cipher_ctr_position(const struct cipher_state *c, unsigned char iv[16]);
/* Seal pkt[0..len) in place (len includes the 4-byte length field) and
 * append the tag/MAC at pkt+len. */
int cipher_seal(struct cipher_state *c, uint32_t seq, unsigned char *pkt, size_t len);
/* The same, with pkt[at..at+srclen) (at >= 5) still in src: the AEADs
 * encrypt those bytes from src into the packet, the others copy first. */
int cipher_seal_from(struct cipher_state *c, uint32_t seq, unsigned char *pkt, size_t len,
		     size_t at, const unsigned char *src, size_t srclen);
/* Learn the packet length from the first bytes without changing them when
 * possible; CTR decrypts the first block in place. */
int cipher_peek_length(struct cipher_state *c, uint32_t seq, unsigned char *pkt, size_t avail,
		       uint32_t *pktlen, size_t *head_done);
/* Verify and decrypt pkt (4 + pktlen bytes, tag after).  0 on a bad MAC. */
int cipher_open(struct cipher_state *c, uint32_t seq, unsigned char *pkt, uint32_t pktlen,
		size_t head_done);

/* compress.c */
enum comp_kind compress_kind(const char *name);
int compress_activate(struct compress *c, int out, int after_auth);
int compress_after_auth(struct compress *c, int out);
/* Results point into a per-direction scratch buffer valid until the next call. */
int compress_payload(struct compress *c, const unsigned char *in, size_t n,
		     const unsigned char **out, size_t *outlen);
int uncompress_payload(struct compress *c, const unsigned char *in, size_t n,
		       const unsigned char **out, size_t *outlen);
void compress_end(struct compress *c, int out);
/* Ends the stream and releases its scratch buffer (the end of a session). */
void compress_free(struct compress *c, int out);

/* kex.c */
int kex_send_init(struct session *s);
int kex_handle(struct session *s, uint8_t type, const unsigned char *p, size_t len);
int kex_allows(const struct session *s, uint8_t type);
int kex_rekey_due(const struct session *s, time_t now);
/* Our version line with CRLF. */
const char *kex_version_line(void);
/* Ends an exchange in progress (the end of a session). */
void kex_free(struct kex *k);

/* moduli.c: opens path (SFTPD_MODULI); a missing file is an error only
 * when must_exist (the variable was set), otherwise mf stays empty. */
int moduli_load(struct moduli *mf, const char *path, int must_exist);

/* userauth.c */
int userauth_handle(struct session *s, uint8_t type, const unsigned char *p, size_t len);
/* The answers of an INFO_RESPONSE payload (after its type byte): 1 with
 * the count and the first answer when it is well formed, whatever the
 * count; 0 (errno EPROTO) when its strings overrun it or bytes follow. */
int userauth_parse_info_response(const unsigned char *p, size_t len, uint32_t *count,
				 const unsigned char **first, uint32_t *first_len);
/* The same, keeping the first max answers (pointers into p). */
int userauth_parse_info_answers(const unsigned char *p, size_t len, uint32_t max,
				const unsigned char **answer, uint32_t *answer_len,
				uint32_t *count);

/* connection.c: serves until the connection ends (exits), or, with
 * until_auth set, returns once USERAUTH_SUCCESS has been written. */
void connection_serve(struct session *s);
/* SIGHUP ends the connection through connection_serve's loop (logged, open
 * files recorded as aborted) instead of killing the process. */
void connection_catch_hangup(void);

/* channel.c */
int channel_handle(struct session *s, uint8_t type, const unsigned char *p, size_t len);
int channel_pump(struct session *s);
int channel_any_open(const struct session *s);
/* Ends every channel (an SFTP server still running logs its open files
 * as aborted transfers), for a connection that ends without closing them. */
void channel_free_all(struct session *s);

/* hostkeys.c: host key rotation (hostkeys-00, hostkeys-prove-00 of
 * OpenSSH).  announce: after authentication, every host key to the client;
 * prove: the answer to a client's request (in: after want-reply). */
int hostkeys_announce(struct session *s);
int hostkeys_prove(struct session *s, struct wire_in *in, int want);

/* channel_app.c: starting what a channel runs; 1 started, 0 refused
 * (logged; the request gets a failure reply). */
int channel_start_sftp(struct session *s, struct channel *ch);
/* An exec request: scp (SFTPD_SCP), a hash command or nothing. */
int channel_start_exec(struct session *s, struct channel *ch, const char *cmd, size_t len);

/* ../authority.c: what needs the host keys or the account sources, asked
 * of the monitor over the socket mon.  Each returns 1 or 0 with errno
 * (EPROTO: the monitor said something unexpected; it is then gone). */
int authority_sign(int mon, uint32_t kex_number, unsigned key_index, const char *sigalg,
		   const unsigned char *hash, size_t len, unsigned char *sig, size_t *siglen);
/* The signer's proof of host key key_index for hostkeys-prove-00. */
int authority_prove(int mon, unsigned key_index, const char *sigalg, unsigned char *sig,
		    size_t *siglen);
/* *accepted: the monitor's verdict (enum mon_verdict); *last: no further
 * attempt is allowed. */
int authority_password(int mon, const char *user, const char *pw, size_t pwlen, int *accepted,
		       int *last);
int authority_kbdint(int mon, const char *user, const char *response, size_t len, int *accepted,
		     int *last);
/* keyboard-interactive through PAM: the monitor's reply (MON_KBD_QUERY or
 * a valid MON_ANSWER) in reply, to a start or to the client's answers (or
 * gave_up when it gave none). */
int authority_kbd_start(int mon, const char *user, unsigned char *reply, size_t cap, size_t *len);
int authority_kbd_answers(int mon, int gave_up, const unsigned char *const *answer,
			  const uint32_t *answer_len, uint32_t n, unsigned char *reply, size_t cap,
			  size_t *len);
int authority_key_query(int mon, const char *user, const char *sigalg, const unsigned char *blob,
			size_t bloblen, int *accepted, int *last);
int authority_key_verify(int mon, const char *user, const char *sigalg, const unsigned char *blob,
			 size_t bloblen, const unsigned char *sig, size_t siglen, int *accepted,
			 int *last);
/* Hands the transport state and unprocessed input to the monitor. */
int authority_handover(int mon, const unsigned char *state, size_t len, const unsigned char *input,
		       size_t inlen);

/* handover.c: the transport state that moves from the network child to the
 * session process after authentication (keys, counters, sequence numbers);
 * only between key exchanges.  Import validates everything. */
int transport_export(const struct session *s, struct wire_out *w);
int transport_import(struct session *s, const unsigned char *p, size_t len);

/* ../session.c: after authentication, in the session process: confine to
 * the account's root and drop to its ids.  Exits on failure. */
void session_confine(struct session *s, const struct account *a);
/* SFTPD_MAX_UPLOAD_BYTES as RLIMIT_FSIZE (nothing when 0). */
void session_limit_uploads(const struct session *s);

#endif
