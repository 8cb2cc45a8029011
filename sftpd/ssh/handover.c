/* handover: the transport state that moves from the network child to the
 * session process after authentication: negotiated ciphers, their keys and
 * positions (CTR counter, GCM nonce), sequence numbers, rekey counters and
 * what the next key exchange needs (client version, session id, strictness).
 * It moves only between key exchanges.  The importer runs after the session
 * process has dropped its privileges and treats every field as hostile. */
#include <errno.h>
#include <string.h>
#include "algorithms.h"
#include "ssh.h"

#define HANDOVER_VERSION 1

static void put_cipher(struct wire_out *w, const struct cipher_state *c)
{
	unsigned char iv[16];
	size_t ivlen = c->ivlen;

	memcpy(iv, c->iv, sizeof iv);
	if (c->kind == CIPHER_CTR) cipher_ctr_position(c, iv);
	wire_put_cstring(w, c->spec->name);
	wire_put_cstring(w, c->mac ? c->mac->name : "");
	wire_put_string(w, c->key, c->keylen);
	wire_put_string(w, iv, ivlen);
	wire_put_string(w, c->mackey, c->mac ? c->mac->keylen : 0);
	algo_wipe(iv, sizeof iv);
}

int transport_export(const struct session *s, struct wire_out *w)
{
	const struct transport *t = &s->t;
	const struct kex *k = &s->kex;

	if (k->in_progress || k->sent_kexinit || k->got_kexinit || !k->done_once || t->rx_need ||
	    t->in.kind == CIPHER_NONE || t->out.kind == CIPHER_NONE)
		return (errno = EBUSY, 0);
	wire_put_u32(w, HANDOVER_VERSION);
	wire_put_cstring(w, k->v_c);
	wire_put_u32(w, k->number);
	wire_put_bool(w, k->strict);
	wire_put_bool(w, k->ext_info_c);
	wire_put_string(w, k->session_id, k->session_id_len);
	wire_put_u64(w, (uint64_t)k->started);
	wire_put_u32(w, t->seq_in);
	wire_put_u32(w, t->seq_out);
	wire_put_u64(w, t->bytes_in);
	wire_put_u64(w, t->bytes_out);
	wire_put_u64(w, t->packets_in);
	wire_put_u64(w, t->packets_out);
	wire_put_u8(w, (uint8_t)t->comp_in.kind);
	wire_put_u8(w, (uint8_t)t->comp_out.kind);
	put_cipher(w, &t->in);
	put_cipher(w, &t->out);
	return w->bad ? (errno = EMSGSIZE, 0) : 1;
}

/* Reads one direction and sets it up; the names must be ones the
 * configuration allows. */
static int get_cipher(struct wire_in *in, const struct session *s, struct cipher_state *c,
		      int encrypt)
{
	char cname[64], mname[64];
	const unsigned char *key, *iv, *mackey;
	uint32_t keylen, ivlen, mackeylen;
	const struct cipher_spec *cs;
	const struct mac_spec *ms = 0;

	wire_get_cstring(in, cname, sizeof cname);
	wire_get_cstring(in, mname, sizeof mname);
	wire_get_string(in, &key, &keylen);
	wire_get_string(in, &iv, &ivlen);
	wire_get_string(in, &mackey, &mackeylen);
	if (in->bad) return (errno = EPROTO, 0);
	cs = cipher_find(cname, strlen(cname));
	if (!cs || !conf_list_has(s->cf[CF_CIPHERS].str, cname)) return (errno = EPROTO, 0);
	if (cs->kind == CIPHER_CTR) {
		ms = mac_find(mname, strlen(mname));
		if (!ms || !conf_list_has(s->cf[CF_MACS].str, mname) || mackeylen != ms->keylen)
			return (errno = EPROTO, 0);
	} else if (mname[0] || mackeylen) {
		return (errno = EPROTO, 0);
	}
	if (keylen != cs->keylen || ivlen != cs->ivlen) return (errno = EPROTO, 0);
	return cipher_setup(c, cs, ms, key, iv, mackey, encrypt);
}

static int version_line_ok(const char *v)
{
	/* as packet_read_version: something after the prefix */
	if (!(strlen(v) > 8 && !strncmp(v, "SSH-2.0-", 8)) &&
	    !(strlen(v) > 9 && !strncmp(v, "SSH-1.99-", 9)))
		return 0;
	for (; *v; v++)
		if (*v < 0x20 || *v > 0x7e) return 0;
	return 1;
}

int transport_import(struct session *s, const unsigned char *p, size_t len)
{
	struct transport *t = &s->t;
	struct kex *k = &s->kex;
	struct wire_in in;
	uint32_t version, sidlen;
	const unsigned char *sid;
	uint64_t started;
	uint8_t cin, cout;

	wire_in_init(&in, p, len);
	wire_get_u32(&in, &version);
	wire_get_cstring(&in, k->v_c, sizeof k->v_c);
	wire_get_u32(&in, &k->number);
	wire_get_bool(&in, &k->strict);
	wire_get_bool(&in, &k->ext_info_c);
	wire_get_string(&in, &sid, &sidlen);
	wire_get_u64(&in, &started);
	wire_get_u32(&in, &t->seq_in);
	wire_get_u32(&in, &t->seq_out);
	wire_get_u64(&in, &t->bytes_in);
	wire_get_u64(&in, &t->bytes_out);
	wire_get_u64(&in, &t->packets_in);
	wire_get_u64(&in, &t->packets_out);
	wire_get_u8(&in, &cin);
	wire_get_u8(&in, &cout);
	if (in.bad || version != HANDOVER_VERSION || !version_line_ok(k->v_c) || !k->number ||
	    (sidlen != 32 && sidlen != 48 && sidlen != 64) || started > (uint64_t)time(0) ||
	    cin > COMP_ZLIB_DELAYED || cout > COMP_ZLIB_DELAYED)
		return (errno = EPROTO, 0);
	memcpy(k->session_id, sid, sidlen);
	k->session_id_len = sidlen;
	k->started = (time_t)started;
	k->done_once = 1;
	t->got_version = 1;
	if ((cin == COMP_ZLIB_DELAYED || cout == COMP_ZLIB_DELAYED) &&
	    !conf_list_has(s->cf[CF_COMPRESSION].str, "zlib@openssh.com"))
		return (errno = EPROTO, 0);
	t->comp_in.kind = (enum comp_kind)cin;
	t->comp_out.kind = (enum comp_kind)cout;
	if (!get_cipher(&in, s, &t->in, 0) || !get_cipher(&in, s, &t->out, 1)) return 0;
	if (!wire_done(&in)) return (errno = EPROTO, 0);
	/* USERAUTH_SUCCESS was the network child's last packet. */
	return compress_after_auth(&t->comp_out, 1) && compress_after_auth(&t->comp_in, 0);
}
