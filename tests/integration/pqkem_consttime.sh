#!/bin/sh
# pqkem_consttime.sh: no branch and no memory index depends on a secret in
# ML-KEM-768 encapsulation/decapsulation and sntrup761 enc/dec (implicit
# rejection included): tests/helpers/pqkem_ctgrind marks the secrets
# undefined and valgrind's memcheck must report nothing.  As built here
# (gcc -O2); a compiler that turns a mask into a branch would be caught.
. "$(dirname "$0")/lib.sh"

H="$T_TOP/tests/helpers/pqkem_ctgrind"
[ -x "$H" ] || t_skip_all "tests/helpers/pqkem_ctgrind not built"
t_have valgrind || t_skip_all "valgrind is not installed (see INSTALL)"
why=$("$H" probe 2>&1) || t_skip_all "$why"
t_tmpdir
for mode in mlkem-encaps mlkem-decaps sntrup-enc sntrup-dec; do
	valgrind -q --error-exitcode=99 "$H" "$mode" >"$T_TMP/$mode.out" 2>&1
	rc=$?
	t_is "$rc" 0 "$mode: memcheck sees no secret-dependent branch or index"
	[ "$rc" = 0 ] || t_diag_file "$T_TMP/$mode.out" 30
done
t_done
