#!/bin/sh
# pqkem_noble.sh: ML-KEM-768 against an independent implementation,
# @noble/post-quantum under node, on fresh random inputs each run: noble
# makes key pairs, ciphertexts, shared secrets and implicit-rejection keys
# (tests/crosscheck/mlkem768_noble.mjs), tests/unit/pqkem.t --noble
# recomputes all of them with lib/algo/mlkem768.c and compares.  The module
# is looked for in $PQKEM_NOBLE_DIR, tests/crosscheck/node_modules
# (npm install --prefix tests/crosscheck @noble/post-quantum) and npm's
# global root.  Without node or the module this is a SKIP; the vectors
# committed in tests/vectors/mlkem768_noble.txt (made the same way) are
# checked by tests/unit/pqkem.t in every run regardless.
. "$(dirname "$0")/lib.sh"

PQKEM_T="$T_TOP/tests/unit/pqkem.t"
[ -x "$PQKEM_T" ] || t_skip_all "tests/unit/pqkem.t not built"
t_have node || t_skip_all "node is not installed"
mod=
for d in "${PQKEM_NOBLE_DIR:-}" "$T_TOP/tests/crosscheck/node_modules/@noble/post-quantum" \
	"$(npm root -g 2>/dev/null)/@noble/post-quantum"; do
	if [ -n "$d" ] && [ -f "$d/ml-kem.js" ]; then
		mod=$d
		break
	fi
done
[ -n "$mod" ] || t_skip_all "@noble/post-quantum is not installed (npm install --prefix tests/crosscheck @noble/post-quantum)"
t_tmpdir

if node "$T_TOP/tests/crosscheck/mlkem768_noble.mjs" "$mod" 200 >"$T_TMP/noble.txt" 2>"$T_TMP/node.err"; then
	t_ok "noble made 200 random ML-KEM-768 cases ($(sed -n 's/^# ML-KEM-768 from //p' "$T_TMP/noble.txt"))"
else
	t_notok "noble made the cases"
	t_diag_file "$T_TMP/node.err"
fi
t_is "$(grep -vc '^#' "$T_TMP/noble.txt")" 200 "200 lines of vectors"
"$PQKEM_T" --noble "$T_TMP/noble.txt" >"$T_TMP/check.tap" 2>&1
t_is "$?" 0 "lib/algo/mlkem768.c gives noble's ek, dk, ct, shared and rejection keys for all of them"
t_is "$(grep -c '^not ok' "$T_TMP/check.tap")" 0 "no case differs"
grep '^#' "$T_TMP/check.tap" | head -n 5
t_done
