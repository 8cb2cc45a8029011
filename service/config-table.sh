#!/bin/sh
# config-table.sh: the configuration tables of README.md, made from the
# programs' own tables (`sftpd -M`, `ftpsd -M`), so the README stays true.
#   sh service/config-table.sh PROGRAM      prints PROGRAM's table (markdown)
#   sh service/config-table.sh -u README.md rewrites the tables in place,
#       between <!-- BEGIN PROGRAM config --> and <!-- END PROGRAM config -->
set -eu
cd "$(dirname "$0")/.."

table() { # PROGRAM: markdown from the mdoc items of `PROGRAM -M`
	env -i "$1/$1" -M | awk '
	function cell(s) { gsub(/\|/, "\\|", s); return s }
	function flush() {
		if (name != "") printf "| `%s` | %s | %s | %s |\n", name, cell(def), cell(acc), cell(doc)
		name = ""; doc = ""; def = ""; acc = ""
	}
	BEGIN { print "| variable | default | accepted | meaning |"; print "|---|---|---|---|" }
	/^\.It Ev / { flush(); name = $3; next }
	/^Default: / { def = substr($0, 10); sub(/\.$/, "", def); if (def != "unset") def = "`" def "`"; next }
	/^Accepted: / {
		acc = substr($0, 11); sub(/\.$/, "", acc)
		d = def; gsub(/`/, "", d)
		if (d != "" && acc == "a comma-separated list of distinct items from " d)
			acc = "distinct items of the default, in any order"
		next
	}
	/^\./ { next }
	{ doc = (doc == "" ? $0 : doc " " $0) }
	END { flush() }'
}

if [ "${1:-}" = -u ]; then
	f=$2
	for p in sftpd ftpsd; do
		grep -q "<!-- BEGIN $p config -->" "$f" || continue
		[ -x "$p/$p" ] || { echo "config-table: $p/$p not built, its table left alone" >&2; continue; }
		table "$p" >"$f.table"
		awk -v b="<!-- BEGIN $p config -->" -v e="<!-- END $p config -->" -v t="$f.table" '
			$0 == b { print; while ((getline l < t) > 0) print l; skip = 1; next }
			$0 == e { skip = 0 }
			!skip' "$f" >"$f.new"
		mv "$f.new" "$f"
		rm -f "$f.table"
	done
else
	table "${1:-sftpd}"
fi
