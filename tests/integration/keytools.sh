#!/bin/sh
# keytools.sh: sluice-keytool against ssh-keygen: host keys of every type
# read back by ssh-keygen -y, fingerprints equal to ssh-keygen -l, RFC 4716
# conversion both ways, and users-file editing with useradd/passwd/userdel.
. "$(dirname "$0")/lib.sh"

KT="$T_TOP/keytools/sluice-keytool"
[ -x "$KT" ] || t_skip_all "keytools/sluice-keytool not built"
t_have ssh-keygen || t_skip_all "ssh-keygen not installed"
t_tmpdir
cd "$T_TMP" || t_bail "cd $T_TMP"

# key material only: the first two fields of an OpenSSH public key line
keypart() { awk '{ print $1, $2; exit }' "$@"; }

for spec in ed25519: rsa:2048 rsa:3072 ecdsa:256 ecdsa:384 ecdsa:521; do
	t=${spec%%:*}
	b=${spec#*:}
	f="host_${t}${b}"
	t_run "hostkey -t $t ${b:+-b $b}" "$KT" hostkey -t "$t" ${b:+-b "$b"} -C "host $t" -f "$f"
	t_is "$(stat -c %a "$f" 2>/dev/null)" 600 "$f: private key mode 0600"
	t_is "$(ssh-keygen -y -f "$f" 2>&1 | keypart)" "$(keypart "$f.pub")" "$f: ssh-keygen -y reads it, public parts match"
	t_is "$("$KT" fingerprint "$f.pub" 2>&1)" "$(ssh-keygen -l -f "$f.pub" 2>&1)" "$f: fingerprint equals ssh-keygen -l"
	t_is "$("$KT" fingerprint "$f" 2>&1 | cut -d' ' -f1,2)" "$(ssh-keygen -l -f "$f.pub" | cut -d' ' -f1,2)" \
		"$f: fingerprint of the private key file"
	ssh-keygen -e -f "$f.pub" >"$f.ssh2" 2>/dev/null
	t_is "$("$KT" convert -i "$f.ssh2" 2>&1 | keypart)" "$(keypart "$f.pub")" "$f: convert -i of ssh-keygen -e output"
	"$KT" convert -e "$f.pub" >"$f.rfc" 2>/dev/null
	t_is "$(ssh-keygen -i -f "$f.rfc" 2>&1 | keypart)" "$(keypart "$f.pub")" "$f: ssh-keygen -i of convert -e output"
	t_is "$("$KT" fingerprint "$f.rfc" 2>&1)" "$(ssh-keygen -l -f "$f.pub")" "$f: fingerprint of the RFC 4716 file"
done

t_fails "hostkey refuses to overwrite" "$KT" hostkey -f host_ed25519
t_run "hostkey -F overwrites" "$KT" hostkey -F -f host_ed25519
"$KT" hostkey -t dsa -f dsa >/dev/null 2>&1
t_is "$?" 100 "hostkey -t dsa: usage error (100)"
"$KT" hostkey -t rsa -b 1024 -f small >/dev/null 2>&1
t_is "$?" 100 "hostkey -t rsa -b 1024: refused (100)"
"$KT" nonsense >/dev/null 2>&1
t_is "$?" 100 "unknown subcommand: 100"
ssh-keygen -q -t ed25519 -N 'secret' -f enc
t_fails "fingerprint of an encrypted key fails cleanly" "$KT" fingerprint enc
t_is "$(grep -c 'unable to read key from enc: .*encrypted' "$T_TMP/last.out")" 1 "the error names the file and the reason"

U=users
t_run "useradd -s" sh -c "echo 'first pass' | '$KT' useradd -s -f $U -u 1234 -g 2345 -d /srv/alice alice"
t_is "$(stat -c %a $U)" 600 "users file mode 0600"
t_is "$(cut -d: -f1,3-5 $U)" "alice:1234:2345:/srv/alice" "users line fields"
h1=$(cut -d: -f2 $U)
case "$h1" in '$argon2id$'*) t_ok "argon2id hash stored" ;; *) t_notok "argon2id hash stored: $h1" ;; esac
t_fails "useradd of an existing user refused" sh -c "echo x | '$KT' useradd -s -f $U alice"
t_fails "useradd of an invalid name refused" sh -c "echo x | '$KT' useradd -s -f $U 'bad:name'"
t_run "useradd a second user" sh -c "echo 'bob pass' | '$KT' useradd -s -f $U -d /srv/bob bob"
t_run "passwd -s" sh -c "echo 'second pass' | '$KT' passwd -s -f $U alice"
h2=$(grep '^alice:' $U | cut -d: -f2)
[ -n "$h2" ] && [ "$h1" != "$h2" ] && t_ok "passwd changed the hash" || t_notok "passwd changed the hash"
t_fails "passwd of a missing user refused" sh -c "echo x | '$KT' passwd -s -f $U carol"
t_fails "empty password refused" sh -c "echo | '$KT' passwd -s -f $U alice"
t_run "userdel" "$KT" userdel -f $U alice
t_is "$(cut -d: -f1 $U | tr '\n' ' ')" "bob " "only bob is left"
t_fails "userdel of a missing user refused" "$KT" userdel -f $U alice
h=$(echo 'pw' | "$KT" hash -s)
case "$h" in '$argon2id$'*) t_ok "hash -s prints an argon2id hash" ;; *) t_notok "hash -s: $h" ;; esac
"$KT" useradd >/dev/null 2>&1
t_is "$?" 100 "useradd without arguments: usage (100)"

t_done
