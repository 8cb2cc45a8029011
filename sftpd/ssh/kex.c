/* kex: algorithm negotiation and the key exchange driver (RFC 4253 s7-9):
 * the method's family (kex_*.c, chosen from the table in algorithms.h)
 * computes its values; here the exchange hash is built, signed by the
 * monitor, answered, and the keys derived.  Rekeying in either direction,
 * OpenSSH's strict key exchange (the Terrapin fix) and RFC 8308 ext-info. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log/log.h"
#include "algorithms.h"
#include "kex.h"

#define KEX_NAMELIST_MAX 4096
#define SSH_VERSION_LINE "SSH-2.0-sluice_" SLUICE_VERSION

#define KEX_ROW(name, family, hash, param, dflt) {name, family, hash, param},
static const struct kex_method kex_methods[] = {SSH_KEX_LIST(KEX_ROW)};

static const struct kex_family *family_of(const struct kex_method *m)
{
	switch (m->family) {
	case KEX_X25519:
		return &kex_family_x25519;
	case KEX_ECDH:
		return &kex_family_ecdh;
	case KEX_DH:
		return &kex_family_dh;
	case KEX_DHGEX:
		return &kex_family_dhgex;
	case KEX_HYBRID:
		return &kex_family_hybrid;
	}
	return 0;
}

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

/* One of our name-lists as offered to this client: the configured one
 * without what SFTPD_CLIENT_MATCH disables for it (KEXINIT and the
 * negotiation use the same). */
static const char *offered(const struct session *s, const char *list, char *buf, size_t cap)
{
	if (!s->tuning.disable[0]) return list;
	client_match_filter(list, s->tuning.disable, buf, cap);
	return buf;
}

int kex_send_init(struct session *s)
{
	struct kex *k = &s->kex;
	struct wire_out w;
	char kexlist[1100], kexbuf[1024], hkall[256], hk[256], cbuf[512], mbuf[512], zbuf[128];
	unsigned char cookie[16];
	const char *ciphers = offered(s, s->cf[CF_CIPHERS].str, cbuf, sizeof cbuf);
	const char *macs = offered(s, s->cf[CF_MACS].str, mbuf, sizeof mbuf);
	const char *comp = offered(s, s->cf[CF_COMPRESSION].str, zbuf, sizeof zbuf), *hks;
	size_t start;

	if (k->sent_kexinit) return 1;
	snprintf(kexlist, sizeof kexlist, "%s%s",
		 offered(s, s->cf[CF_KEX].str, kexbuf, sizeof kexbuf),
		 k->done_once ? "" : ",ext-info-s,kex-strict-s-v00@openssh.com");
	host_key_algs(s, hkall, sizeof hkall);
	hks = offered(s, hkall, hk, sizeof hk);
	algo_random(cookie, sizeof cookie);
	if (!packet_begin(s, &w, SSH_MSG_KEXINIT, 4096)) return 0;
	start = w.len - 1;
	wire_put_bytes(&w, cookie, sizeof cookie);
	wire_put_cstring(&w, kexlist);
	wire_put_cstring(&w, hks);
	wire_put_cstring(&w, ciphers);
	wire_put_cstring(&w, ciphers);
	wire_put_cstring(&w, macs);
	wire_put_cstring(&w, macs);
	wire_put_cstring(&w, comp);
	wire_put_cstring(&w, comp);
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

static const struct kex_method *method_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(kex_methods); i++)
		if (!strcmp(name, kex_methods[i].name)) return &kex_methods[i];
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
	char name[128], hkname[128], hk[256], guess[128], list[1024];
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

	if (!negotiate(kl->l[0], offered(s, s->cf[CF_KEX].str, list, sizeof list), name,
		       sizeof name) ||
	    !(k->method = method_find(name))) {
		ok = kex_fail(s, "key exchange");
		goto out;
	}
	host_key_algs(s, hk, sizeof hk);
	if (!negotiate(kl->l[1], offered(s, hk, list, sizeof list), hkname, sizeof hkname)) {
		ok = kex_fail(s, "host key algorithm");
		goto out;
	}
	k->host_key = host_key_for(s, hkname);
	k->host_sigalg = key_sigalg_fits(KEY_RSA, hkname)
			     ? (!strcmp(hkname, "rsa-sha2-512") ? "rsa-sha2-512" : "rsa-sha2-256")
			     : key_type_name(s->host_pub[k->host_key].type);
	if (!negotiate(kl->l[2], offered(s, s->cf[CF_CIPHERS].str, list, sizeof list), name,
		       sizeof name) ||
	    !(k->c2s = cipher_find(name, strlen(name)))) {
		ok = kex_fail(s, "cipher");
		goto out;
	}
	if (!negotiate(kl->l[3], offered(s, s->cf[CF_CIPHERS].str, list, sizeof list), name,
		       sizeof name) ||
	    !(k->s2c = cipher_find(name, strlen(name)))) {
		ok = kex_fail(s, "cipher");
		goto out;
	}
	k->mac_c2s = k->mac_s2c = 0;
	if (k->c2s->kind == CIPHER_CTR &&
	    (!negotiate(kl->l[4], offered(s, s->cf[CF_MACS].str, list, sizeof list), name,
			sizeof name) ||
	     !(k->mac_c2s = mac_find(name, strlen(name))))) {
		ok = kex_fail(s, "MAC");
		goto out;
	}
	if (k->s2c->kind == CIPHER_CTR &&
	    (!negotiate(kl->l[5], offered(s, s->cf[CF_MACS].str, list, sizeof list), name,
			sizeof name) ||
	     !(k->mac_s2c = mac_find(name, strlen(name))))) {
		ok = kex_fail(s, "MAC");
		goto out;
	}
	if (!negotiate(kl->l[6], offered(s, s->cf[CF_COMPRESSION].str, list, sizeof list), name,
		       sizeof name)) {
		ok = kex_fail(s, "compression");
		goto out;
	}
	k->comp_c2s = compress_kind(name);
	if (!negotiate(kl->l[7], offered(s, s->cf[CF_COMPRESSION].str, list, sizeof list), name,
		       sizeof name)) {
		ok = kex_fail(s, "compression");
		goto out;
	}
	k->comp_s2c = compress_kind(name);
	/* A wrong guessed first packet is skipped (RFC 4253 s7). */
	k->ignore_guess =
	    kl->follows && (strcmp(first_item(kl->l[0], guess, sizeof guess), k->method->name) ||
			    strcmp(first_item(kl->l[1], guess, sizeof guess), hkname));
	log_debug("kex %s hostkey %s cipher %s/%s", k->method->name, k->host_sigalg, k->c2s->name,
		  k->s2c->name);
	ok = 1;
out:
	free(kl);
	return ok;
}

/* K1 = HASH(K || H || X || session_id), Kn+1 = HASH(K || H || K1..Kn). */
int kex_derive(enum algo_hash h, const unsigned char *k, size_t klen, const unsigned char *hh,
	       size_t hlen, char letter, const unsigned char *sid, size_t sidlen,
	       unsigned char *out, size_t need)
{
	unsigned char buf[KEX_SECRET_MAX + 2 * ALGO_HASH_MAX + KEX_DERIVE_MAX + ALGO_HASH_MAX];
	unsigned char acc[KEX_DERIVE_MAX + ALGO_HASH_MAX];
	size_t have = 0, step = algo_hash_len(h);

	if (!step || klen > KEX_SECRET_MAX || hlen > ALGO_HASH_MAX || sidlen > ALGO_HASH_MAX ||
	    need > KEX_DERIVE_MAX)
		return (errno = EINVAL, 0);
	while (have < need) {
		size_t n = 0;
		memcpy(buf + n, k, klen), n += klen;
		memcpy(buf + n, hh, hlen), n += hlen;
		if (!have) {
			buf[n++] = (unsigned char)letter;
			memcpy(buf + n, sid, sidlen), n += sidlen;
		} else {
			memcpy(buf + n, acc, have), n += have;
		}
		algo_hash(h, buf, n, acc + have);
		have += step;
	}
	memcpy(out, acc, need);
	algo_wipe(buf, sizeof buf);
	algo_wipe(acc, sizeof acc);
	return 1;
}

static int setup_keys(struct session *s, const struct wire_out *secret, const unsigned char *h,
		      size_t hlen)
{
	struct kex *k = &s->kex;
	enum { N = KEX_DERIVE_MAX };
	unsigned char key[6][N]; /* A..F: IV, key and MAC key, client to server first */
	int ok = 1;

	for (int i = 0; i < 6; i++)
		ok &= kex_derive(k->method->hash, secret->p, secret->len, h, hlen, (char)('A' + i),
				 k->session_id, k->session_id_len, key[i], N);
	ok = ok && cipher_setup(&k->next_in, k->c2s, k->mac_c2s, key[2], key[0], key[4], 0) &&
	     cipher_setup(&k->next_out, k->s2c, k->mac_s2c, key[3], key[1], key[5], 1);
	algo_wipe(key, sizeof key);
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

int kex_exchange_hash(enum algo_hash hash, const struct kex_hash_input *in,
		      const struct kex_result *r, unsigned char *h)
{
	size_t cap = 64 + strlen(in->v_c) + strlen(in->v_s) + in->i_c_len + in->i_s_len +
		     in->k_s_len + r->hash.len + r->secret.len;
	unsigned char *buf = malloc(cap);
	struct wire_out w;
	int ok;

	if (!buf) return (errno = ENOMEM, 0);
	wire_out_init(&w, buf, cap);
	wire_put_cstring(&w, in->v_c);
	wire_put_cstring(&w, in->v_s);
	wire_put_string(&w, in->i_c, in->i_c_len);
	wire_put_string(&w, in->i_s, in->i_s_len);
	wire_put_string(&w, in->k_s, in->k_s_len);
	wire_put_bytes(&w, r->hash.p, r->hash.len);
	wire_put_bytes(&w, r->secret.p, r->secret.len);
	ok = !w.bad;
	if (ok) algo_hash(hash, buf, w.len, h);
	algo_wipe(buf, w.len);
	free(buf);
	return ok ? 1 : (errno = EMSGSIZE, 0);
}

static int exchange_hash(const struct session *s, const struct kex_result *r, unsigned char *h)
{
	const struct kex *k = &s->kex;
	const struct key_public *hostpub = &s->host_pub[k->host_key];
	struct kex_hash_input in = {.v_c = k->v_c,
				    .v_s = SSH_VERSION_LINE,
				    .i_c = k->i_c,
				    .i_c_len = k->i_c_len,
				    .i_s = k->i_s,
				    .i_s_len = k->i_s_len,
				    .k_s = hostpub->blob,
				    .k_s_len = hostpub->bloblen};
	return kex_exchange_hash(k->method->hash, &in, r, h);
}

/* The client's init message: the family computes, the monitor signs H,
 * the reply and NEWKEYS go out, and the next keys are ready. */
static int handle_exchange(struct session *s, const struct kex_family *f, struct wire_in *in)
{
	struct kex *k = &s->kex;
	const struct key_public *hostpub = &s->host_pub[k->host_key];
	enum { MEM = KEX_HASH_PART_MAX + KEX_REPLY_MAX + KEX_SECRET_MAX };
	unsigned char *mem = malloc(MEM), h[ALGO_HASH_MAX], sig[KEY_SIG_MAX];
	size_t hlen = algo_hash_len(k->method->hash), siglen;
	struct kex_result r;
	struct wire_out w;
	int ok = 0;

	if (!mem) return (errno = ENOMEM, 0);
	wire_out_init(&r.hash, mem, KEX_HASH_PART_MAX);
	wire_out_init(&r.reply, mem + KEX_HASH_PART_MAX, KEX_REPLY_MAX);
	wire_out_init(&r.secret, mem + KEX_HASH_PART_MAX + KEX_REPLY_MAX, KEX_SECRET_MAX);
	if (!f->exchange(k, in, &r)) goto out;
	if (r.hash.bad || r.reply.bad || r.secret.bad) {
		errno = EMSGSIZE;
		goto out;
	}
	if (!exchange_hash(s, &r, h)) goto out;
	if (!k->session_id_len) {
		memcpy(k->session_id, h, hlen);
		k->session_id_len = hlen;
	}
	k->number++;
	if (!authority_sign(s->mon, k->number, (unsigned)k->host_key, k->host_sigalg, h, hlen, sig,
			    &siglen)) {
		log_error("unable to sign the exchange hash: %s", strerror(errno));
		goto out;
	}
	if (!packet_begin(s, &w, f->reply_msg, 64 + hostpub->bloblen + r.reply.len + siglen))
		goto out;
	wire_put_string(&w, hostpub->blob, hostpub->bloblen);
	wire_put_bytes(&w, r.reply.p, r.reply.len);
	wire_put_string(&w, sig, siglen);
	if (!packet_end(s, &w)) goto out;
	if (!setup_keys(s, &r.secret, h, hlen) || !send_newkeys(s)) goto out;
	k->awaiting_newkeys = 1;
	ok = 1;
out:
	algo_wipe(mem, MEM);
	algo_wipe(h, sizeof h);
	free(mem);
	return ok;
}

/* GEX: the client's request, answered with a group (kex_dhgex.c). */
static int handle_request(struct session *s, const struct kex_family *f, struct wire_in *in)
{
	struct wire_out w;
	if (!packet_begin(s, &w, f->group_msg, 2 * KEX_MPINT_MAX + 16)) return 0;
	if (!f->request(&s->kex, &s->moduli, in, &w) || !packet_end(s, &w)) return 0;
	s->kex.gex_group_sent = 1;
	return 1;
}

static int send_unimplemented(struct session *s)
{
	struct wire_out w;
	if (!packet_begin(s, &w, SSH_MSG_UNIMPLEMENTED, 8)) return 0;
	wire_put_u32(&w, s->t.seq_in - 1);
	return packet_end(s, &w);
}

/* A message of the method's range (30..49): the one the family expects
 * next, or a protocol error.  OpenSSH's server answers an unexpected one
 * (such as GEX_REQUEST_OLD, which it no longer serves) with UNIMPLEMENTED,
 * or disconnects during a strict initial exchange; so does sftpd for the
 * old request, and disconnects for the rest. */
static int handle_method_msg(struct session *s, uint8_t type, const unsigned char *p, size_t len)
{
	struct kex *k = &s->kex;
	const struct kex_family *f;
	struct wire_in in;
	int want_request;

	if (!k->got_kexinit || k->awaiting_newkeys || !k->method) return (errno = EPROTO, 0);
	f = family_of(k->method);
	want_request = f->request_msg && !k->gex_group_sent;
	wire_in_init(&in, p + 1, len - 1);
	if (want_request && type == f->request_msg) return handle_request(s, f, &in);
	if (!want_request && type == f->init_msg) return handle_exchange(s, f, &in);
	if (want_request && type == SSH_MSG_KEX_ECDH_INIT) {
		log_warn("client sent KEX_DH_GEX_REQUEST_OLD, which is not supported");
		if (k->strict && !k->done_once) return (errno = EPROTO, 0);
		return send_unimplemented(s);
	}
	log_warn("unexpected key exchange message %u for %s", type, k->method->name);
	return (errno = EPROTO, 0);
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
	kex_dh_group_free(&k->gex_group);
	k->gex_group_sent = 0;
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
	int kexmsg = type == SSH_MSG_KEXINIT || type == SSH_MSG_NEWKEYS ||
		     (type >= SSH_MSG_KEX_FIRST && type <= SSH_MSG_KEX_LAST);
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
	int method_msg = type >= SSH_MSG_KEX_FIRST && type <= SSH_MSG_KEX_LAST;
	if (s->kex.ignore_guess && method_msg) {
		s->kex.ignore_guess = 0;
		return 1;
	}
	if (method_msg) return handle_method_msg(s, type, p, len);
	switch (type) {
	case SSH_MSG_KEXINIT:
		return handle_kexinit(s, p, len);
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

void kex_free(struct kex *k)
{
	kex_dh_group_free(&k->gex_group);
	free(k->i_c), k->i_c = 0;
	free(k->i_s), k->i_s = 0;
}
