#!/bin/sh
# fuzz_smoke.sh: every libFuzzer target builds, replays its seeds and then
# fuzzes for FUZZ_SMOKE_SECONDS (default 5) without a crash, leak or
# sanitizer report.  Longer runs: `make fuzz FUZZ_SECONDS=600`.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
secs=${FUZZ_SMOKE_SECONDS:-5}
targets=$(ls tests/fuzz/fuzz_*.c | sed 's/\.c$//')
if ! command -v clang >/dev/null 2>&1; then
	echo "1..0 # SKIP clang is not installed (see INSTALL)"
	exit 0
fi
n=0
echo "1..$(($(echo "$targets" | wc -l) * 2))"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in $targets; do
	name=${t##*/}
	n=$((n + 1))
	if make -s "$t" >"$work/build.log" 2>&1; then
		echo "ok $n - $name builds"
	else
		echo "not ok $n - $name builds"
		sed 's/^/# /' "$work/build.log" | tail -n 20
		n=$((n + 1))
		echo "not ok $n - $name runs # not built"
		continue
	fi
	n=$((n + 1))
	mkdir -p "$work/$name"
	seeds=tests/fuzz/seeds/$name
	[ -d "$seeds" ] || seeds=
	if "$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=20 "$work/$name" $seeds >"$work/$name.log" 2>&1; then
		echo "ok $n - $name replays its seeds and fuzzes ${secs}s cleanly ($(grep -o 'Done [0-9]* runs' "$work/$name.log"))"
	else
		echo "not ok $n - $name runs cleanly"
		grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==' "$work/$name.log" | head -n 20 | sed 's/^/# /'
	fi
done
