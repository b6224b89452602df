# Shared helpers for the integration scripts.  The build tree's zcnas finds the
# build tree's plugins by itself.
ZCNAS="${top_builddir:?}/zcnas"
SRCDIR="${top_srcdir:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/zcnas-it.XXXXXX")
trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME="$T/xdg"   # zcnas run and score cache by default: never the user's cache

fail() { echo "FAIL: $*" >&2; [ -f "$T/err" ] && sed 's/^/  stderr: /' "$T/err" >&2; exit 1; }

# expect_status N CMD...: run CMD (stderr to $T/err) and require exit status N
expect_status() {
  want=$1; shift
  set +e
  "$@" > "$T/out" 2> "$T/err"
  got=$?
  set -e
  [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want"
  [ "$(wc -l < "$T/err")" -ge 1 ] || fail "'$*' printed no message"
}
