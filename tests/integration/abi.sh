#!/bin/sh
# Integration: the installed surface is what core/libzcnas.map and docs/plugin-api.md say.
# libzcnas exports only versioned symbols (ZCNAS_1: the plugin API; ZCNAS_PRIVATE_1: what
# the program and tests also use), the plugins of the tree call only ZCNAS_1 and export
# only their entry, docs/plugin-api.md lists exactly the ZCNAS_1 functions, and the
# installed headers declare nothing that is not exported.
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


# every function and variable an installed header declares is exported: a plugin author
# reading the headers finds nothing that fails to link.  File-scope declarations only:
# comments, preprocessor lines (macros), typedefs (function pointer types), struct
# members and static inline functions are skipped.
awk '
  { gsub(/G_(BEGIN|END)_DECLS|G_DEFINE_AUTO[A-Z_]*\([^)]*\)/, "")
    if (cont || $0 ~ /^[ \t]*#/) { cont = /\\$/; next }
    src = src $0 "\n" }
  function emit(s) {
    sub(/^[ \t\n]+/, "", s)
    if (s ~ /^(typedef|static|struct|enum|union|BODY)/) return
    if (s ~ /zc_[a-z0-9_]*[ \t\n]*\(/) sub(/[ \t\n]*\(.*/, "", s)       # a function
    else if (s ~ /^extern[ \t]/) sub(/[ \t\n]*\[.*/, "", s)            # a variable
    else return
    sub(/.*[^a-z0-9_]/, "", s)
    if (s ~ /^zc_/) print s
  }
  END {
    n = length(src); txt = ""
    for (i = 1; i <= n; i++) {                                      # drop comments
      c = substr(src, i, 2)
      if (c == "/*") { i += index(substr(src, i + 2), "*/") + 2; txt = txt " "; continue }
      if (c == "//") { while (i < n && substr(src, i + 1, 1) != "\n") i++; continue }
      txt = txt substr(src, i, 1)
    }
    n = length(txt); depth = 0; st = ""                            # statements at depth 0
    for (i = 1; i <= n; i++) {
      c = substr(txt, i, 1)
      if (c == "{") { if (depth++ == 0) { emit(st); opener = st } continue }
      if (c == "}") { if (--depth == 0) st = (opener ~ /\)[ \t\n]*$/) ? "" : "BODY"; continue }
      if (depth > 0) continue
      if (c == ";") { emit(st); st = ""; continue }
      st = st c
    }
  }' "$SRCDIR"/core/zcnas/*.h | sort -u > "$T/declared"
[ "$(wc -l < "$T/declared")" -ge 100 ] || fail "only $(wc -l < "$T/declared") declarations found in core/zcnas/*.h"
awk '{ print $2 }' "$T/exports" | sort -u > "$T/exported"
unexported=$(comm -23 "$T/declared" "$T/exported" | tr '\n' ' ')
[ -z "$unexported" ] || fail "installed headers declare what libzcnas does not export: $unexported"

n=0
for so in "$top_builddir"/plugins/*/.libs/*.so; do
  private=$(objdump -T "$so" | awk '/\*UND\*/ && /ZCNAS_PRIVATE/ { print $NF }')
  [ -z "$private" ] || fail "$so calls private libzcnas functions: $private"
  own=$(objdump -T "$so" | awk '$0 !~ /\*UND\*/ && / DF / { print $NF }')
  [ "$own" = zc_plugin_describe ] || fail "$so exports '$own', not only zc_plugin_describe"
  n=$((n + 1))
done
[ "$n" -ge 20 ] || fail "only $n plugins found"
echo "abi.sh: all checks passed ($(wc -l < "$T/public") public functions, $(wc -l < "$T/declared") declared in headers, $n plugins)"
