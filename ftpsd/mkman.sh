#!/bin/sh
# mkman.sh: refreshes the variable list of ftpsd.8 from the configuration
# table (ftpsd -M), between the BEGIN/END VARIABLES markers.
# Usage: ftpsd/mkman.sh [path/to/ftpsd]
set -e
dir=$(dirname "$0")
bin=${1:-$dir/ftpsd}
tmp=$(mktemp)
"$bin" -M > "$tmp.vars"
awk -v vars="$tmp.vars" '
	/^\.\\" END VARIABLES/ { skip = 0 }
	!skip { print }
	/^\.\\" BEGIN VARIABLES/ { while ((getline l < vars) > 0) print l; skip = 1 }
' "$dir/ftpsd.8" > "$tmp"
mv "$tmp" "$dir/ftpsd.8"
rm -f "$tmp.vars"
