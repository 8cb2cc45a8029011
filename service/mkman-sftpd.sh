#!/bin/sh
# mkman-sftpd.sh: refreshes the variable list of sftpd.8 (the .Bl list of
# the ENVIRONMENT section) from the configuration table (sftpd -M).
# Usage: sh service/mkman-sftpd.sh [path/to/sftpd]
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/sftpd/sftpd}
tmp=$(mktemp)
"$bin" -M >"$tmp.vars"
awk -v vars="$tmp.vars" '
	/^\.Sh / { env = ($0 == ".Sh ENVIRONMENT") }
	env && /^\.It Ev SFTPD_/ && !done { while ((getline l < vars) > 0) print l; done = 1; skip = 1 }
	env && skip && /^\.El/ { skip = 0 }
	!skip { print }
' "$top/sftpd/sftpd.8" >"$tmp"
mv "$tmp" "$top/sftpd/sftpd.8"
rm -f "$tmp.vars"
