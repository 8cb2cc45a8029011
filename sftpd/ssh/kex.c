/* kex: algorithm negotiation and key exchange (RFC 4253 s7-9, RFC 8731
 * curve25519-sha256), rekeying in either direction, OpenSSH's strict key
 * exchange (the Terrapin fix) and RFC 8308 ext-info. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log/log.h"
#include "algorithms.h"
#include "ssh.h"

#define KEX_NAMELIST_MAX 4096
#define SSH_VERSION_LINE "SSH-2.0-sluice_0.1"

#define KEX_NAME(name) name,
static const char *const kex_supported[] = {SSH_KEX_LIST(KEX_NAME)};

/* Appends host key algorithm names for every loaded key. */
static void host_key_algs(const struct session *s, char *out, size_t cap)
{
	out[0] = 0;
	for (unsigned i = 0; i < s->n_host_keys; i++) {
		enum key_type t = s->host_pub[i].type;
		const char *names = t == KEY_RSA ? "rsa-sha2-512,rsa-sha2-256" : key_type_name(t);
		if (out[0]) strncat(out, ",", cap - strlen(out) - 1);
		strncat(out, names, cap - strlen(out) - 1);
	}
}

int kex_send_init(struct session *s)
{
	struct kex *k = &s->kex;
	struct wire_out w;
	char kexlist[512], hk[256];
	unsigned char cookie[16];
	const char *ciphers = s->cf[CF_CIPHERS].str, *macs = s->cf[CF_MACS].str;
	size_t start;

	if (k->sent_kexinit) return 1;
	snprintf(kexlist, sizeof kexlist, "%s%s", s->cf[CF_KEX].str,
		 k->done_once ? "" : ",ext-info-s,kex-strict-s-v00@openssh.com");
	host_key_algs(s, hk, sizeof hk);
	algo_random(cookie, sizeof cookie);
	if (!packet_begin(s, &w, SSH_MSG_KEXINIT, 4096)) return 0;
	start = w.len - 1;
	wire_put_bytes(&w, cookie, sizeof cookie);
	wire_put_cstring(&w, kexlist);
	wire_put_cstring(&w, hk);
	wire_put_cstring(&w, ciphers);
	wire_put_cstring(&w, ciphers);
	wire_put_cstring(&w, macs);
	wire_put_cstring(&w, macs);
	wire_put_cstring(&w, s->cf[CF_COMPRESSION].str);
	wire_put_cstring(&w, s->cf[CF_COMPRESSION].str);
	wire_put_cstring(&w, "");
	wire_put_cstring(&w, "");
	wire_put_bool(&w, 0);
	wire_put_u32(&w, 0);
	if (w.bad) return (errno = EMSGSIZE, 0);
	free(k->i_s);
	k->i_s_len = w.len - start;
	k->i_s = malloc(k->i_s_len);
	if (!k->i_s) return (errno = ENOMEM, 0);
	memcpy(k->i_s, w.p + start, k->i_s_len);
	if (!packet_end(s, &w)) return 0;
	k->sent_kexinit = 1;
	k->in_progress = 1;
	k->started = time(0);
	return 1;
}

/* 1 if word (len bytes) is an item of the comma-separated list. */
static int list_has(const char *list, const char *word, size_t len)
{
	const char *p = list;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == len && !memcmp(p, word, len)) return 1;
		if (!e) break;
		p = e + 1;
	}
	return 0;
}

/* RFC 4253 s7.1: the first client algorithm that the server also has. */
static int negotiate(const char *client, const char *server, char *out, size_t cap)
{
	const char *p = client;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n && n < cap && list_has(server, p, n)) {
			memcpy(out, p, n);
			out[n] = 0;
			return 1;
		}
		if (!e) break;
		p = e + 1;
	}
	return 0;
}

static const char *first_item(const char *list, char *out, size_t cap)
{
	size_t n = strcspn(list, ",");
	if (n >= cap) n = cap - 1;
	memcpy(out, list, n);
	out[n] = 0;
	return out;
}

static int host_key_for(struct session *s, const char *alg)
{
	for (unsigned i = 0; i < s->n_host_keys; i++)
		if (key_sigalg_fits(s->host_pub[i].type, alg)) return (int)i;
	return -1;
}

static const char *static_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(kex_supported); i++)
		if (!strcmp(name, kex_supported[i])) return kex_supported[i];
	return 0;
}

struct kexinit_lists {
	char l[10][KEX_NAMELIST_MAX];
	int follows;
};

static int parse_kexinit(const unsigned char *p, size_t len, struct kexinit_lists *kl)
{
	struct wire_in in;
	const unsigned char *cookie;
	uint32_t reserved;

	wire_in_init(&in, p, len);
	wire_get_bytes(&in, &cookie, 1 + 16);
	for (int i = 0; i < 10; i++)
		wire_get_cstring(&in, kl->l[i], sizeof kl->l[i]);
	wire_get_bool(&in, &kl->follows);
	wire_get_u32(&in, &reserved);
	return wire_done(&in);
}

static int kex_fail(struct session *s, const char *what)
{
	log_warn("key exchange failed: no common %s", what);
	ssh_disconnect(s, SSH_DISCONNECT_KEY_EXCHANGE_FAILED, "no matching algorithm");
	return (errno = EPROTO, 0);
}

static int handle_kexinit(struct session *s, const unsigned char *p, size_t len)
{
	struct kex *k = &s->kex;
	struct kexinit_lists *kl;
	char name[128], hkname[128], hk[256], guess[128];
	int ok = 0;

	if (k->got_kexinit) return (errno = EPROTO, 0);
	kl = malloc(sizeof *kl);
	if (!kl) return (errno = ENOMEM, 0);
	if (!parse_kexinit(p, len, kl)) {
		log_warn("malformed KEXINIT");
		errno = EPROTO;
		goto out;
	}
	if (!k->done_once) {
		k->strict = list_has(kl->l[0], "kex-strict-c-v00@openssh.com", 28);
		k->ext_info_c = list_has(kl->l[0], "ext-info-c", 10);
		if (k->strict && s->t.seq_in != 1) {
			log_warn("strict key exchange: KEXINIT was not the first packet");
			errno = EPROTO;
			goto out;
		}
	}
	if (!kex_send_init(s)) goto out;
	free(k->i_c);
	k->i_c = malloc(len);
	if (!k->i_c) goto out;
	memcpy(k->i_c, p, len);
	k->i_c_len = len;
	k->got_kexinit = 1;

	if (!negotiate(kl->l[0], s->cf[CF_KEX].str, name, sizeof name)) {
		ok = kex_fail(s, "key exchange");
		goto out;
	}
	k->kex_alg = static_name(name);
	host_key_algs(s, hk, sizeof hk);
	if (!negotiate(kl->l[1], hk, hkname, sizeof hkname)) {
		ok = kex_fail(s, "host key algorithm");
		goto out;
	}
	k->host_key = host_key_for(s, hkname);
	k->host_sigalg = key_sigalg_fits(KEY_RSA, hkname)
			     ? (!strcmp(hkname, "rsa-sha2-512") ? "rsa-sha2-512" : "rsa-sha2-256")
			     : key_type_name(s->host_pub[k->host_key].type);
	if (!negotiate(kl->l[2], s->cf[CF_CIPHERS].str, name, sizeof name) ||
	    !(k->c2s = cipher_find(name, strlen(name)))) {
		ok = kex_fail(s, "cipher");
		goto out;
	}
	if (!negotiate(kl->l[3], s->cf[CF_CIPHERS].str, name, sizeof name) ||
	    !(k->s2c = cipher_find(name, strlen(name)))) {
		ok = kex_fail(s, "cipher");
		goto out;
	}
	k->mac_c2s = k->mac_s2c = 0;
	if (k->c2s->kind == CIPHER_CTR &&
	    (!negotiate(kl->l[4], s->cf[CF_MACS].str, name, sizeof name) ||
	     !(k->mac_c2s = mac_find(name, strlen(name))))) {
		ok = kex_fail(s, "MAC");
		goto out;
	}
	if (k->s2c->kind == CIPHER_CTR &&
	    (!negotiate(kl->l[5], s->cf[CF_MACS].str, name, sizeof name) ||
	     !(k->mac_s2c = mac_find(name, strlen(name))))) {
		ok = kex_fail(s, "MAC");
		goto out;
	}
	if (!negotiate(kl->l[6], s->cf[CF_COMPRESSION].str, name, sizeof name)) {
		ok = kex_fail(s, "compression");
		goto out;
	}
	k->comp_c2s = compress_kind(name);
	if (!negotiate(kl->l[7], s->cf[CF_COMPRESSION].str, name, sizeof name)) {
		ok = kex_fail(s, "compression");
		goto out;
	}
	k->comp_s2c = compress_kind(name);
	/* A wrong guessed first packet is skipped (RFC 4253 s7). */
	k->ignore_guess =
	    kl->follows && (strcmp(first_item(kl->l[0], guess, sizeof guess), k->kex_alg) ||
			    strcmp(first_item(kl->l[1], guess, sizeof guess), hkname));
	log_debug("kex %s hostkey %s cipher %s/%s", k->kex_alg, k->host_sigalg, k->c2s->name,
		  k->s2c->name);
	ok = 1;
out:
	free(kl);
	return ok;
}

/* K1 = HASH(K || H || X || session_id), Kn+1 = HASH(K || H || K1..Kn). */
static void derive(const unsigned char *kmp, size_t kmplen, const unsigned char *h, size_t hlen,
		   char x, const unsigned char *sid, size_t sidlen, unsigned char *out, size_t need)
{
	unsigned char buf[2 * 64 + 512], acc[4 * 64];
	size_t have = 0;
	while (have < need) {
		size_t n = 0;
		memcpy(buf + n, kmp, kmplen), n += kmplen;
		memcpy(buf + n, h, hlen), n += hlen;
		if (!have) {
			buf[n++] = (unsigned char)x;
			memcpy(buf + n, sid, sidlen), n += sidlen;
		} else {
			memcpy(buf + n, acc, have), n += have;
		}
		algo_hash(ALGO_SHA256, buf, n, acc + have);
		have += 32;
	}
	memcpy(out, acc, need);
	algo_wipe(buf, sizeof buf);
	algo_wipe(acc, sizeof acc);
}

static int setup_keys(struct session *s, const unsigned char *kmp, size_t kmplen,
		      const unsigned char *h)
{
	struct kex *k = &s->kex;
	unsigned char iv_c[64], iv_s[64], key_c[64], key_s[64], mac_c[64], mac_s[64];
	int ok;

	derive(kmp, kmplen, h, 32, 'A', k->session_id, k->session_id_len, iv_c, 64);
	derive(kmp, kmplen, h, 32, 'B', k->session_id, k->session_id_len, iv_s, 64);
	derive(kmp, kmplen, h, 32, 'C', k->session_id, k->session_id_len, key_c, 64);
	derive(kmp, kmplen, h, 32, 'D', k->session_id, k->session_id_len, key_s, 64);
	derive(kmp, kmplen, h, 32, 'E', k->session_id, k->session_id_len, mac_c, 64);
	derive(kmp, kmplen, h, 32, 'F', k->session_id, k->session_id_len, mac_s, 64);
	ok = cipher_setup(&k->next_in, k->c2s, k->mac_c2s, key_c, iv_c, mac_c, 0) &&
	     cipher_setup(&k->next_out, k->s2c, k->mac_s2c, key_s, iv_s, mac_s, 1);
	algo_wipe(iv_c, 64), algo_wipe(iv_s, 64), algo_wipe(key_c, 64);
	algo_wipe(key_s, 64), algo_wipe(mac_c, 64), algo_wipe(mac_s, 64);
	return ok;
}

static int send_ext_info(struct session *s)
{
	struct wire_out w;
	if (!packet_begin(s, &w, SSH_MSG_EXT_INFO, 256)) return 0;
	wire_put_u32(&w, 1);
	wire_put_cstring(&w, "server-sig-algs");
	wire_put_cstring(&w,
			 "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
			 "rsa-sha2-512,rsa-sha2-256");
	return packet_end(s, &w);
}

static int send_newkeys(struct session *s)
{
	struct kex *k = &s->kex;
	unsigned char nk = SSH_MSG_NEWKEYS;
	if (!packet_send(s, &nk, 1)) return 0;
	cipher_free(&s->t.out);
	s->t.out = k->next_out;
	memset(&k->next_out, 0, sizeof k->next_out);
	if (k->strict) s->t.seq_out = 0;
	k->sent_kexinit = 0; /* sending is open again */
	s->t.comp_out.kind = k->comp_s2c;
	if (!compress_activate(&s->t.comp_out, 1, s->authed)) return 0;
	if (!k->done_once && k->ext_info_c && !send_ext_info(s)) return 0;
	packet_flush_deferred(s);
	return 1;
}

static int handle_ecdh_init(struct session *s, const unsigned char *p, size_t len)
{
	struct kex *k = &s->kex;
	struct wire_in in;
	const unsigned char *qc;
	uint32_t qclen;
	unsigned char pk[32], sk[32], shared[32], kmp[40], h[32], sig[KEY_SIG_MAX];
	struct wire_out hb, kw;
	unsigned char *hbuf;
	size_t hcap, siglen;
	const struct key_public *hostpub;
	int ok = 0;

	wire_in_init(&in, p, len);
	wire_get_string(&in, &qc, &qclen);
	/* One ECDH_INIT per exchange: a second would redo it and leak next_in. */
	if (!wire_done(&in) || qclen != 32 || !k->got_kexinit || k->awaiting_newkeys)
		return (errno = EPROTO, 0);
	algo_x25519_keypair(pk, sk);
	if (!algo_x25519_shared(shared, sk, qc)) {
		algo_wipe(sk, 32);
		log_warn("client sent a low-order curve25519 point");
		return (errno = EPROTO, 0);
	}
	algo_wipe(sk, 32);
	wire_out_init(&kw, kmp, sizeof kmp);
	wire_put_mpint(&kw, shared, 32);
	algo_wipe(shared, 32);

	hostpub = &s->host_pub[k->host_key];
	hcap = 4096 + k->i_c_len + k->i_s_len + hostpub->bloblen;
	hbuf = malloc(hcap);
	if (!hbuf) return (errno = ENOMEM, 0);
	wire_out_init(&hb, hbuf, hcap);
	wire_put_cstring(&hb, k->v_c);
	wire_put_cstring(&hb, SSH_VERSION_LINE);
	wire_put_string(&hb, k->i_c, k->i_c_len);
	wire_put_string(&hb, k->i_s, k->i_s_len);
	wire_put_string(&hb, hostpub->blob, hostpub->bloblen);
	wire_put_string(&hb, qc, 32);
	wire_put_string(&hb, pk, 32);
	wire_put_bytes(&hb, kmp, kw.len);
	if (hb.bad || kw.bad) goto out;
	algo_hash(ALGO_SHA256, hbuf, hb.len, h);
	if (!k->session_id_len) {
		memcpy(k->session_id, h, 32);
		k->session_id_len = 32;
	}
	k->number++;
	if (!authority_sign(s->mon, k->number, (unsigned)k->host_key, k->host_sigalg, h, 32, sig,
			    &siglen)) {
		log_error("unable to sign the exchange hash: %s", strerror(errno));
		goto out;
	}
	{
		struct wire_out w;
		if (!packet_begin(s, &w, SSH_MSG_KEX_ECDH_REPLY, 64 + hostpub->bloblen + siglen))
			goto out;
		wire_put_string(&w, hostpub->blob, hostpub->bloblen);
		wire_put_string(&w, pk, 32);
		wire_put_string(&w, sig, siglen);
		if (!packet_end(s, &w)) goto out;
	}
	if (!setup_keys(s, kmp, kw.len, h)) goto out;
	if (!send_newkeys(s)) goto out;
	k->awaiting_newkeys = 1;
	ok = 1;
out:
	algo_wipe(kmp, sizeof kmp);
	algo_wipe(hbuf, hcap);
	free(hbuf);
	return ok;
}

static int handle_newkeys(struct session *s, size_t len)
{
	struct kex *k = &s->kex;
	if (!k->awaiting_newkeys || len != 1) return (errno = EPROTO, 0);
	cipher_free(&s->t.in);
	s->t.in = k->next_in;
	memset(&k->next_in, 0, sizeof k->next_in);
	if (k->strict) s->t.seq_in = 0;
	s->t.comp_in.kind = k->comp_c2s;
	if (!compress_activate(&s->t.comp_in, 0, s->authed)) return 0;
	k->awaiting_newkeys = 0;
	k->got_kexinit = 0;
	k->in_progress = 0;
	k->done_once = 1;
	free(k->i_c), k->i_c = 0;
	free(k->i_s), k->i_s = 0;
	s->t.bytes_in = s->t.bytes_out = 0;
	s->t.packets_in = s->t.packets_out = 0;
	k->started = time(0);
	log_debug("new keys in use");
	return 1;
}

int kex_allows(const struct session *s, uint8_t type)
{
	const struct kex *k = &s->kex;
	int kexmsg =
	    type == SSH_MSG_KEXINIT || type == SSH_MSG_NEWKEYS || type == SSH_MSG_KEX_ECDH_INIT;
	if (!k->done_once && k->strict) return kexmsg;
	if (!k->done_once && !kexmsg && type != SSH_MSG_IGNORE && type != SSH_MSG_DEBUG &&
	    type != SSH_MSG_UNIMPLEMENTED && type != SSH_MSG_DISCONNECT)
		return 0;
	/* After the client's KEXINIT it may send only transport messages. */
	if (k->got_kexinit && type >= 50) return 0;
	return 1;
}

int kex_handle(struct session *s, uint8_t type, const unsigned char *p, size_t len)
{
	if (s->kex.ignore_guess && type == SSH_MSG_KEX_ECDH_INIT) {
		s->kex.ignore_guess = 0;
		return 1;
	}
	switch (type) {
	case SSH_MSG_KEXINIT:
		return handle_kexinit(s, p, len);
	case SSH_MSG_KEX_ECDH_INIT:
		return handle_ecdh_init(s, p + 1, len - 1);
	case SSH_MSG_NEWKEYS:
		return handle_newkeys(s, len);
	}
	return (errno = EPROTO, 0);
}

int kex_rekey_due(const struct session *s, time_t now)
{
	const struct transport *t = &s->t;
	unsigned long long limit = s->cf[CF_REKEY_BYTES].num, secs = s->cf[CF_REKEY_TIME].num;
	/* Never before authentication: the monitor signs only a few exchanges
	 * then, and the network child has no reason to rekey.  Nor in the
	 * network child after it: it hands over only between key exchanges,
	 * and the session process starts the one that is due. */
	if (!s->authed || s->until_auth || !s->kex.done_once || s->kex.in_progress) return 0;
	if (t->bytes_in >= limit || t->bytes_out >= limit) return 1;
	if (t->packets_in >= SSH_KEX_REKEY_PACKETS || t->packets_out >= SSH_KEX_REKEY_PACKETS)
		return 1;
	return secs && (unsigned long long)(now - s->kex.started) >= secs;
}

const char *kex_version_line(void)
{
	return SSH_VERSION_LINE "\r\n";
}
