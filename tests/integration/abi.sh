#!/bin/sh
# Integration: the installed surface is what core/libzcnas.map and docs/plugin-api.md say.
# libzcnas exports only versioned symbols (ZCNAS_1: the plugin API; ZCNAS_PRIVATE_1: what
# the program and tests also use), the plugins of the tree call only ZCNAS_1 and export
# only their entry, and docs/plugin-api.md lists exactly the ZCNAS_1 functions.
set -eu
. "$(dirname "$0")/lib.sh"
command -v objdump > /dev/null || { echo "abi.sh: no objdump, skipped"; exit 77; }

lib="$top_builddir/.libs/libzcnas.so"
[ -f "$lib" ] || fail "no $lib"
# defined dynamic symbols: "VERSION NAME"
objdump -T "$lib" | awk '$0 !~ /\*UND\*/ && NF >= 7 && $(NF-1) !~ /^\(?GLIBC/ { print $(NF-1), $NF }' \
  | grep -v '^ZCNAS_[A-Z_0-9]* ZCNAS_' > "$T/exports"
leaked=$(grep -v '^ZCNAS_1 \|^ZCNAS_PRIVATE_1 ' "$T/exports" || true)
[ -z "$leaked" ] || fail "libzcnas exports unversioned symbols: $leaked"
awk '$1 == "ZCNAS_1" { print $2 }' "$T/exports" | sort > "$T/public"
[ -s "$T/public" ] || fail "no ZCNAS_1 symbols exported"

# the documented list and the export list agree
sed -n '/^## Functions and types by header/,$p' "$SRCDIR/docs/plugin-api.md" \
  | grep '^- `' | grep -o 'zc_[a-z0-9_]*(' | tr -d '(' | sort -u > "$T/documented"
diff "$T/documented" "$T/public" > "$T/diff" || fail "docs/plugin-api.md and ZCNAS_1 differ (< doc, > map): $(cat "$T/diff")"

n=0
for so in "$top_builddir"/plugins/*/.libs/*.so; do
  private=$(objdump -T "$so" | awk '/\*UND\*/ && /ZCNAS_PRIVATE/ { print $NF }')
  [ -z "$private" ] || fail "$so calls private libzcnas functions: $private"
  own=$(objdump -T "$so" | awk '$0 !~ /\*UND\*/ && / DF / { print $NF }')
  [ "$own" = zc_plugin_describe ] || fail "$so exports '$own', not only zc_plugin_describe"
  n=$((n + 1))
done
[ "$n" -ge 20 ] || fail "only $n plugins found"
echo "abi.sh: all checks passed ($(wc -l < "$T/public") public functions, $n plugins)"
