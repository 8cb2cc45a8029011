#!/bin/sh
# sntrup761_openssh.sh: regenerates tests/vectors/sntrup761_openssh.txt
# from OpenSSH's own sntrup761.c, by hand (not part of make check):
#   sh tests/crosscheck/sntrup761_openssh.sh [openssh-source-dir]
# Without a directory it fetches Debian's openssh source package, which
# needs a deb-src line for the release (e.g. a file in
# /etc/apt/sources.list.d/ with "Types: deb-src", the same URIs, Suites
# and Components as the deb entries).  The vectors were generated from
# openssh 9.2p1-2+deb12u10 (Debian 12).
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$1
if [ -z "$src" ]; then
	(cd "$work" && apt-get source --download-only openssh >/dev/null)
	tar -C "$work" -xzf "$work"/openssh_*.orig.tar.gz --wildcards '*/sntrup761.c'
	src=$(echo "$work"/openssh-*)
fi
# Its own includes.h and crypto_api.h are replaced by empty files: the
# helper defines what they would.
cp "$src/sntrup761.c" "$work/sntrup761.c"
: >"$work/includes.h"
: >"$work/crypto_api.h"
cc -O2 -I"$work" -DOPENSSH_SNTRUP761_C="\"$work/sntrup761.c\"" \
	-o "$work/gen" "$top/tests/crosscheck/sntrup761_openssh.c" \
	$(pkg-config --cflags --libs libsodium)
"$work/gen" 8 >"$top/tests/vectors/sntrup761_openssh.txt"
"$work/gen" 1 full >"$top/tests/vectors/sntrup761_openssh_full.txt"
echo "wrote tests/vectors/sntrup761_openssh.txt and sntrup761_openssh_full.txt"
