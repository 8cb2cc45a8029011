#!/bin/sh
# docs.sh: the manuals and README list exactly the variables the programs
# accept, with their defaults (the configuration tables are the source).
cd "$(dirname "$0")/../.." || exit 1
n=0
t() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
sftpd/sftpd -M > "$tmp/sftpd.mdoc"
t "sftpd -M prints variables" '[ -s "$tmp/sftpd.mdoc" ]'
envlist() { awk -v pre="^\\.It Ev $1" '$0 ~ pre {p=1} /^\.El/ {p=0} /^\.\\"/ {next} p' "$2"; }
t "sftpd.8 ENVIRONMENT equals sftpd -M output" 'envlist SFTPD_ sftpd/sftpd.8 | cmp -s - "$tmp/sftpd.mdoc"'
for v in $(grep -o '^\.It Ev SFTPD_[A-Z0-9_]*' "$tmp/sftpd.mdoc" | cut -d' ' -f3); do
	t "README documents $v" "grep -qF '$v' README.md"
done
if [ -x ftpsd/ftpsd ] && ftpsd/ftpsd -M > "$tmp/ftpsd.mdoc" 2>/dev/null; then
	t "ftpsd.8 ENVIRONMENT equals ftpsd -M output" 'envlist FTPSD_ ftpsd/ftpsd.8 | cmp -s - "$tmp/ftpsd.mdoc"'
	for v in $(grep -o '^\.It Ev FTPSD_[A-Z0-9_]*' "$tmp/ftpsd.mdoc" | cut -d' ' -f3); do
		t "README documents $v" "grep -qF '$v' README.md"
	done
fi
# The per-account policy keys: one table (service/policy-keys.tsv) rendered
# into README.md and both manuals, naming every key the parser knows.
t "the policy table of README.md, sftpd.8 and ftpsd.8 is current" 'sh service/policy-table.sh -c README.md sftpd/sftpd.8 ftpsd/ftpsd.8'
code_keys=$(grep -o '{"[a-z]*", ACCOUNT_POL_' lib/account/account_policy.c | cut -d'"' -f2 | sort | tr '\n' ' ')
table_keys=$(grep -v '^#' service/policy-keys.tsv | cut -f1 | sort | tr '\n' ' ')
t "the policy table lists exactly the parser's keys ($code_keys)" '[ "$code_keys" = "$table_keys" ] && [ -n "$code_keys" ]'
echo "1..$n"
