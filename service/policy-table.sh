#!/bin/sh
# policy-table.sh: the table of per-account policy keys (users file, sixth
# field) in README.md, sftpd.8 and ftpsd.8, made from service/policy-keys.tsv
# so that the three say the same.
#   sh service/policy-table.sh -u FILE...   rewrites FILE's table in place,
#       between <!-- BEGIN policy --> and <!-- END policy --> (markdown) or
#       .\" BEGIN policy and .\" END policy (mdoc)
#   sh service/policy-table.sh -c FILE...   exits 1 when a table is stale
set -eu
cd "$(dirname "$0")/.."
src=service/policy-keys.tsv

markdown() {
	echo "| key | value | meaning |"
	echo "|---|---|---|"
	grep -v '^#' "$src" | awk -F '\t' '{
		v = $2 == "-" ? "(none)" : $2; gsub(/\|/, "\\|", v)
		printf "| `%s%s` | %s | %s |\n", $1, $2 == "-" ? "" : "=", v, $3 }'
}

mdoc() {
	echo ".Bl -tag -width Ds"
	grep -v '^#' "$src" | awk -F '\t' '{
		if ($2 == "-") printf ".It Li %s\n", $1
		else printf ".It Li %s= Ns Ar value\nValue: %s.\n", $1, $2
		m = $3; gsub(/\\/, "\\\\e", m); print toupper(substr(m, 1, 1)) substr(m, 2) "." }'
	echo ".El"
}

render() { # FILE: the file with its table rewritten, on stdout
	case $1 in
	*.md) b='<!-- BEGIN policy -->' e='<!-- END policy -->' gen=markdown ;;
	*) b='.\" BEGIN policy' e='.\" END policy' gen=mdoc ;;
	esac
	grep -qF "$b" "$1" || { echo "policy-table: no $b in $1" >&2; return 1; }
	$gen >"$1.policy.tmp"
	# through ENVIRON: awk -v would turn the \" of mdoc markers into "
	PT_B=$b PT_E=$e PT_T=$1.policy.tmp awk '
		$0 == ENVIRON["PT_B"] { print; while ((getline l < ENVIRON["PT_T"]) > 0) print l; skip = 1; next }
		$0 == ENVIRON["PT_E"] { skip = 0 }
		!skip' "$1"
	rm -f "$1.policy.tmp"
}

mode=${1:-}
[ $# -ge 2 ] && shift || { echo "usage: $0 -u|-c FILE..." >&2; exit 100; }
rc=0
for f in "$@"; do
	render "$f" >"$f.new" || { rm -f "$f.new"; exit 1; }
	if [ "$mode" = -u ]; then
		mv "$f.new" "$f"
	else
		cmp -s "$f" "$f.new" || { echo "policy-table: $f is stale (sh service/policy-table.sh -u $f)" >&2; rc=1; }
		rm -f "$f.new"
	fi
done
exit $rc
