#!/bin/sh
# Integration: a researcher's own proxy and searcher, built out of tree against a staged
# `make install` with the installed headers and zcnas.pc, are picked up through
# ZCNAS_PLUGIN_PATH; the installed zcnas uses the proxy and lists both.
set -eu
. "$(dirname "$0")/lib.sh"

dest="$T/stage"
${MAKE:-make} -C "$top_builddir" install DESTDIR="$dest" > "$T/install.log" 2>&1 || { cat "$T/install.log"; fail "make install"; }
prefix=$(sed -n 's/^prefix=//p' "$top_builddir/zcnas.pc")
libdir=$(sed -n 's/^libdir=//p' "$top_builddir/zcnas.pc" | sed "s|\${exec_prefix}|$prefix|; s|\${prefix}|$prefix|")
pc_dir="$dest$libdir/pkgconfig"
[ -f "$pc_dir/zcnas.pc" ] || fail "zcnas.pc not installed"
[ -f "$dest$prefix/include/zcnas/plugin.h" ] || fail "headers not installed"
example="$dest$prefix/share/zcnas/examples/proxy/param_density.c"
[ -f "$example" ] || fail "example proxy not installed"
searcher="$dest$prefix/share/zcnas/examples/searcher/hill_climb.c"
[ -f "$searcher" ] || fail "example searcher not installed"

mkdir "$T/mine"
# the staged zcnas.pc with its prefix moved into the stage (a sysroot would move glib's too)
mkdir "$T/pc"
sed "s|^prefix=.*|prefix=$dest$prefix|" "$pc_dir/zcnas.pc" > "$T/pc/zcnas.pc"
flags=$(PKG_CONFIG_PATH="$T/pc" pkg-config --cflags --libs zcnas)
# shellcheck disable=SC2086
${CC:-cc} -shared -fPIC "$example" $flags -o "$T/mine/param_density.so" || fail "out-of-tree build"
# it binds to the plugin API only (docs/plugin-api.md), never to ZCNAS_PRIVATE_1
if command -v objdump > /dev/null; then
  objdump -T "$T/mine/param_density.so" | grep -q ' (ZCNAS_1) *zc_options_float$' || fail "example not bound to ZCNAS_1"
  ! objdump -T "$T/mine/param_density.so" | grep -q ZCNAS_PRIVATE || fail "example uses private libzcnas symbols"
fi
# the searcher: the same one line, warnings as errors
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -Wall -Wextra -Werror -shared -fPIC "$searcher" $flags -o "$T/mine/hill_climb.so" \
  || fail "out-of-tree build of the searcher"
if command -v objdump > /dev/null; then
  objdump -T "$T/mine/hill_climb.so" | grep -q ' (ZCNAS_1) *zc_space_mutate$' || fail "example searcher not bound to ZCNAS_1"
  ! objdump -T "$T/mine/hill_climb.so" | grep -q ZCNAS_PRIVATE || fail "example searcher uses private libzcnas symbols"
fi

export LD_LIBRARY_PATH="$dest$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export ZCNAS_PLUGIN_PATH="$T/mine:$dest$libdir/zcnas/plugins"
zc="$dest$prefix/bin/zcnas"
"$zc" plugins --kind proxy > "$T/proxies.txt" 2> "$T/err"
grep -q "^proxy    param_density 1.0 " "$T/proxies.txt" || fail "example proxy not listed"
"$zc" plugins --kind searcher > "$T/searchers.txt" 2> "$T/err"
grep -q "^searcher hill_climb  *1.0 " "$T/searchers.txt" || fail "example searcher not listed: $(cat "$T/searchers.txt")"
# index 1: 0.802426 M params over 116.691584 MFLOPs
arch=$("$zc" arch --space nb201 --index 1 | tail -n 1 | cut -d, -f2)
"$zc" score --space nb201 --arch "$arch" --proxy param_density,params > "$T/s.csv"
awk -F, 'NR == 2 { r = $3 / 116.691584; if ($2 < r * 0.999999 || $2 > r * 1.000001) exit 1 }' "$T/s.csv" \
  || fail "param_density value: $(cat "$T/s.csv")"
echo "install.sh: all checks passed"
