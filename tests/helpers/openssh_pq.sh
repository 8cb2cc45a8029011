#!/bin/sh
# openssh_pq.sh: an OpenSSH client that speaks mlkem768x25519-sha256
# (OpenSSH >= 9.9), built from a newer Debian release's openssh source
# package, for tests/integration/sftpd_kex.sh.  Debian 12's own 9.2 does
# not know the method.
#   sh tests/helpers/openssh_pq.sh [build]
# Prints the directory that holds ssh and sftp, or exits 1 with the reason
# on stderr.  Without "build" it only looks in the cache; with it, it
# fetches and builds what is missing (a few minutes on 2 cores).
#
# Cache: $SLUICE_TEST_CACHE, else /var/cache/sluice-test as root, else
# ${XDG_CACHE_HOME:-~/.cache}/sluice-test; one directory per Debian
# version (openssh-VERSION/bin).  The sources come through apt-get with a
# private source list and state (deb-src of $OPENSSH_PQ_SUITE, default
# trixie, from $OPENSSH_PQ_MIRROR, default deb.debian.org) under the
# cache, so the system's apt configuration is untouched.
# OPENSSH_PQ_KEEP=1 keeps the build directory (for a failed build's logs).
# Only ssh and sftp are built, against the system's OpenSSL (OpenSSH's
# ML-KEM code is its own and needs nothing newer).
set -u

suite=${OPENSSH_PQ_SUITE:-trixie}
mirror=${OPENSSH_PQ_MIRROR:-http://deb.debian.org/debian}
if [ -n "${SLUICE_TEST_CACHE:-}" ]; then
	cache=$SLUICE_TEST_CACHE
elif [ "$(id -u)" = 0 ]; then
	cache=/var/cache/sluice-test
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/sluice-test
fi

fail() {
	echo "openssh_pq: $*" >&2
	exit 1
}

# A cached build that works and knows the method.
usable() { # DIR
	[ -x "$1/ssh" ] && [ -x "$1/sftp" ] &&
		"$1/ssh" -Q kex 2>/dev/null | grep -qx mlkem768x25519-sha256
}

cached() {
	for d in "$cache"/openssh-*/bin; do
		if usable "$d"; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

cached && exit 0
[ "${1:-}" = build ] || fail "no OpenSSH >= 9.9 client in $cache (build it: sh tests/helpers/openssh_pq.sh build)"

for c in apt-get dpkg-source cc make; do
	command -v "$c" >/dev/null 2>&1 || fail "$c is missing (Debian: apt, dpkg-dev, gcc, make)"
done
[ -e /usr/include/openssl/evp.h ] || fail "libssl-dev is missing"
[ -e /usr/include/zlib.h ] || fail "zlib1g-dev is missing"
mkdir -p "$cache" || fail "cannot create $cache"
# One build at a time per cache (parallel test runs wait for it).
if command -v flock >/dev/null 2>&1; then
	exec 9>"$cache/openssh_pq.lock" || fail "cannot open $cache/openssh_pq.lock"
	flock -w 1800 9 || fail "another build holds $cache/openssh_pq.lock"
	cached && exit 0
fi
apt="$cache/apt-$suite"
mkdir -p "$apt/lists/partial" "$apt/archives/partial" || fail "cannot create $apt"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
echo "deb-src [signed-by=$keyring] $mirror $suite main" >"$apt/sources.list"
set -- -o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/none" \
	-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt" -o "Dir::Cache::archives=$apt/archives" -q
# As root apt drops to its _apt user, who cannot write the private lists.
[ "$(id -u)" = 0 ] && set -- "$@" -o APT::Sandbox::User=root
# apt-get update may exit 0 when it could fetch nothing: the lists tell.
if ! apt-get "$@" update >"$apt/update.log" 2>&1 || ! ls "$apt/lists/"*Sources* >/dev/null 2>&1; then
	fail "cannot fetch Debian $suite's source lists from $mirror: $(grep -E '^(E|W|Err):' "$apt/update.log" | head -n 2 | tr '\n' ' ')"
fi
work=$(mktemp -d "$cache/build.XXXXXX") || fail "mktemp failed"
[ -n "${OPENSSH_PQ_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get "$@" source openssh) >"$work/source.log" 2>&1 ||
	fail "apt-get source openssh ($suite) failed: $(tail -n 2 "$work/source.log" | tr '\n' ' ')"
src=$(find "$work" -maxdepth 1 -type d -name 'openssh-*' | head -n 1)
[ -n "$src" ] || fail "no openssh source directory after apt-get source"
ver=$(sed -n '1s/^openssh (\([^)]*\)).*/\1/p' "$src/debian/changelog" | tr ':~' '__')
[ -n "$ver" ] || fail "cannot read the version from debian/changelog"
# Debian's patches touch configure.ac; the release's own configure script
# is enough for the client (autoconf is not needed), so it is made newer.
(
	cd "$src" && touch configure &&
		./configure --without-pam --without-selinux --without-kerberos5 --without-libedit \
			--without-security-key-builtin --with-privsep-path=/run/sshd >../configure.log 2>&1 &&
		make -j2 ssh sftp >../make.log 2>&1
) || fail "building openssh $ver failed (OPENSSH_PQ_KEEP=1 keeps $work): $(tail -n 3 "$work/configure.log" "$work/make.log" 2>/dev/null | tr '\n' ' ')"
usable "$src" || fail "the built ssh ($src/ssh) does not offer mlkem768x25519-sha256"
out="$cache/openssh-$ver"
rm -rf "$out"
mkdir -p "$work/out/bin" && cp "$src/ssh" "$src/sftp" "$work/out/bin/" && mv "$work/out" "$out" ||
	fail "cannot install into $out"
[ -n "${OPENSSH_PQ_KEEP:-}" ] && echo "openssh_pq: sources kept in $work" >&2
echo "$out/bin"
