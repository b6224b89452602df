#!/bin/sh
# Integration: `zcnas run` on correlate pipelines (outputs, plots, cache location and
# reuse, errors) and `zcnas cache`.
set -eu
. "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME="$T/xdg"   # never the user's cache
D="$SRCDIR/share/data"   # the shipped NB201 tables

cat > "$T/c.cfg" <<CFG
experiment = "correlate";
seed = 1;
space = { name = "nb201"; dataset = "cifar10"; };
proxies = ( "params", "flops" );
benchmarks = ( { table = "$D/nb201_nbsz_zc_proxies_cifar10.csv"; key = "arch_str"; metric = "cifar10_val_acc"; },
               { table = "$D/nb201_accuracy.csv"; key = "index"; metric = "cifar100_val_acc"; name = "c100"; } );
sample = { count = 50; seed = 7; };
output = { dir = "unused"; bootstrap = 200; };
CFG

# default cache: XDG_CACHE_HOME/zcnas/scores.sqlite
"$ZCNAS" run "$T/c.cfg" -o "$T/o1" > "$T/out" 2> "$T/err"
[ -f "$XDG_CACHE_HOME/zcnas/scores.sqlite" ] || fail "default cache not under XDG_CACHE_HOME"
grep -q "^correlate: 50 architectures of nb201, proxies params, flops$" "$T/out" || fail "stdout title"
grep -q "^params  *cifar10_val_acc  *50  *0\.[0-9]* \[" "$T/out" || fail "stdout table row"
grep -q "^flops  *c100  *50 " "$T/out" || fail "stdout table: second benchmark"
grep -q "zcnas: 100 proxy scores computed, 0 from the cache" "$T/err" || fail "first run count"
for f in scores.csv correlations.csv correlations.json report.md; do [ -s "$T/o1/$f" ] || fail "no $f"; done
[ "$(head -n 1 "$T/o1/scores.csv")" = "n,arch,params,flops,cifar10_val_acc,c100,status" ] || fail "scores.csv header"
[ "$(wc -l < "$T/o1/scores.csv")" -eq 51 ] || fail "scores.csv rows"
[ "$(wc -l < "$T/o1/correlations.csv")" -eq 5 ] || fail "correlations.csv: 2 proxies x 2 benchmarks"
grep -q '"spearman" : {' "$T/o1/correlations.json" || fail "json"
grep -q "^| params | cifar10_val_acc | 50 |" "$T/o1/report.md" || fail "report table"
grep -q "SHA-256 \`[0-9a-f]\{64\}\`" "$T/o1/report.md" || fail "report: table hash"
grep -q "software: zcnas [0-9.]*" "$T/o1/report.md" || fail "report: version"
if [ -n "$(sed -n 's/^GNUPLOT = //p' "$top_builddir/Makefile")" ]; then
  for p in scatter-params-cifar10_val_acc scatter-flops-c100 spearman-cifar10_val_acc spearman-c100 heatmap; do
    [ "$(od -An -c -N4 "$T/o1/$p.png" | tr -d ' ')" = "211PNG" ] || fail "$p.png is not a PNG"
  done
  grep -q "(heatmap.png)" "$T/o1/report.md" || fail "report: plots"
fi
# without gnuplot: one warning, no plots, the rest the same
ZCNAS_GNUPLOT="" "$ZCNAS" run "$T/c.cfg" -o "$T/o2" > "$T/out2" 2> "$T/err"
[ "$(grep -c "gnuplot not found" "$T/err")" -eq 1 ] || fail "no-gnuplot warning"
ls "$T/o2" | grep -q png && fail "plots without gnuplot"
grep -q "zcnas: 0 proxy scores computed, 100 from the cache" "$T/err" || fail "second run did not reuse the cache"
cmp -s "$T/o1/scores.csv" "$T/o2/scores.csv" || fail "cached run differs"
cmp -s "$T/o1/correlations.csv" "$T/o2/correlations.csv" || fail "cached correlations differ"
[ "$(grep -v "^results:" "$T/out")" = "$(grep -v "^results:" "$T/out2")" ] || fail "stdout differs"
# --quiet: nothing on stderr; --no-cache: computes, writes no cache
rm -rf "$XDG_CACHE_HOME"
"$ZCNAS" run "$T/c.cfg" -o "$T/o3" --no-cache -q > /dev/null 2> "$T/err"
[ ! -s "$T/err" ] || fail "--quiet printed on stderr"
[ ! -e "$XDG_CACHE_HOME/zcnas/scores.sqlite" ] || fail "--no-cache wrote a cache"
cmp -s "$T/o1/scores.csv" "$T/o3/scores.csv" || fail "--no-cache run differs"
# the pipeline's cache = "..." is relative to the pipeline file
mkdir "$T/p"
{ cat "$T/c.cfg"; echo 'cache = "mine.sqlite";'; } > "$T/p/c.cfg"
"$ZCNAS" run "$T/p/c.cfg" -o "$T/o4" -q > /dev/null
[ -f "$T/p/mine.sqlite" ] || fail "pipeline cache setting"

# zcnas cache
"$ZCNAS" cache stats --cache "$T/p/mine.sqlite" > "$T/stats"
grep -q "^records: 100$" "$T/stats" || fail "cache stats records"
grep -q "^nb201  *params  *50 " "$T/stats" || fail "cache stats groups"
"$ZCNAS" cache export --cache "$T/p/mine.sqlite" --proxy flops > "$T/export.csv"
[ "$(wc -l < "$T/export.csv")" -eq 51 ] || fail "cache export rows"
head -n 1 "$T/export.csv" | grep -q "^space,genotype,proxy,proxy_version,options_hash,data_hash,batch,seed,dtype,backend," \
  || fail "cache export header"
"$ZCNAS" cache vacuum --cache "$T/p/mine.sqlite" | grep -q "^vacuumed " || fail "vacuum"
expect_status 2 "$ZCNAS" cache
expect_status 2 "$ZCNAS" cache frobnicate
expect_status 2 "$ZCNAS" run "$T/c.cfg" --cache x --no-cache
# a corrupt or foreign cache: a clear error naming the file
echo "definitely not SQLite" > "$T/bad.sqlite"
expect_status 1 "$ZCNAS" run "$T/c.cfg" -o "$T/o5" --cache "$T/bad.sqlite"
grep -q "bad.sqlite" "$T/err" || fail "corrupt cache message"
expect_status 1 "$ZCNAS" cache stats --cache "$T/bad.sqlite"
grep -q "bad.sqlite" "$T/err" || fail "cache stats on a corrupt file"
expect_status 1 "$ZCNAS" cache stats --cache "$T/none.sqlite"

# bad benchmark tables: FILE:LINE of each bad row
{ head -n 3 "$D/nb201_nbsz_zc_proxies_cifar10.csv"; sed -n 2p "$D/nb201_nbsz_zc_proxies_cifar10.csv";
  echo "5,|nor_conv_3x3~0|+|nor_conv_9x9~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|,0,90"; } > "$T/bad.csv"
sed "s|$D/nb201_nbsz_zc_proxies_cifar10.csv|bad.csv|" "$T/c.cfg" > "$T/bad.cfg"
expect_status 2 "$ZCNAS" run "$T/bad.cfg" -o "$T/o6" --no-cache
grep -q "bad.csv:4: " "$T/err" || fail "duplicate row not named"
grep -q "bad.csv:5: " "$T/err" || fail "bad genotype row not named"
grep -q "bad.cfg:5: benchmark 'cifar10_val_acc'" "$T/err" || fail "benchmark origin not named"

# the search pipeline goes through the cache too
"$ZCNAS" run "$SRCDIR/share/pipelines/search-random.cfg" -o "$T/s1" --set budget=20 -q > "$T/s1.txt"
"$ZCNAS" run "$SRCDIR/share/pipelines/search-random.cfg" -o "$T/s2" --set budget=20 > "$T/s2.txt" 2> "$T/err"
cmp -s "$T/s1/scores.csv" "$T/s2/scores.csv" || fail "cached search differs"
[ "$(grep -v "^all candidates:" "$T/s1.txt")" = "$(grep -v "^all candidates:" "$T/s2.txt")" ] || fail "cached search table differs"
echo "run.sh: all checks passed"
