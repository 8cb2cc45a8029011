#!/bin/sh
# .ci/unpack.sh: unpacks the programs (usr/bin, usr/sbin) of each package of
# .ci/unpacked-packages into .ci/unpacked/NAME (no maintainer script, nothing
# outside this clone), for packages that Debian cannot install beside one of
# .ci/packages (xinetd conflicts with openbsd-inetd: both provide
# inet-superserver).  Tests look there when the program is not on PATH.
# Run by .ci/run and service/demo.sh; needs apt-get (any user can run it).
set -eu

cd "$(dirname "$0")"
command -v apt-get >/dev/null 2>&1 || {
	echo ".ci/unpack.sh: no apt-get: not unpacking $(grep -v '^#' unpacked-packages | tr '\n' ' ')" >&2
	exit 0
}
for p in $(grep -v '^#' unpacked-packages); do
	[ -d "unpacked/$p/usr" ] && continue
	d=$(mktemp -d "${TMPDIR:-/tmp}/sluice-unpack.XXXXXX")
	chmod 777 "$d" # apt downloads as its own user (_apt) where it can write
	# an old or missing package list: refresh it once, as apt-get install would need
	if ! (cd "$d" && apt-get download -qq "$p" >/dev/null 2>&1); then
		[ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1
		(cd "$d" && apt-get download -qq "$p" >/dev/null) || {
			rm -rf "$d"
			echo ".ci/unpack.sh: cannot download $p" >&2
			exit 1
		}
	fi
	rm -rf "unpacked/$p.new"
	mkdir -p "unpacked/$p.new"
	# the programs only: a directory like etc/xinetd.d would look like a
	# dependency file to the Makefile's include of every *.d
	dpkg-deb --fsys-tarfile "$d"/"$p"_*.deb | tar -x -C "unpacked/$p.new" --wildcards './usr/*bin/*'
	mv "unpacked/$p.new" "unpacked/$p"
	rm -rf "$d"
	echo ".ci/unpack.sh: $p unpacked in .ci/unpacked/$p"
done
