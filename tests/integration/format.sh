#!/bin/sh
# format.sh: the C sources follow the committed .clang-format.
cd "$(dirname "$0")/../.." || exit 1
if ! command -v clang-format >/dev/null 2>&1; then
	echo "1..0 # SKIP clang-format is not installed"
	exit 0
fi
echo "1..1"
if out=$(make -s format-check 2>&1); then
	echo "ok 1 - sources are formatted as .clang-format says"
else
	echo "not ok 1 - sources are formatted as .clang-format says (run clang-format -i)"
	printf '%s\n' "$out" | grep -m 20 -E 'warning|error' | sed 's/^/# /'
fi
