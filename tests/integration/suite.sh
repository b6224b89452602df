#!/bin/sh
# Integration: `zcnas run` on a suite pipeline (experiment = "suite"): one correlate run per
# task, the proxy x task table, the reference scores' rho beside ours, `where` on a table of
# several tasks, resuming from the cache, and the errors found before any scoring.
set -eu
. "$(dirname "$0")/lib.sh"
D="$SRCDIR/share/data"

cat > "$T/s.cfg" <<CFG
experiment = "suite";
seed = 0;
proxies = ( "params", "flops", "synflow" );
data = { spec = "cifar10:$D/cifar10_test2000.bin"; batch = 16; };
sample = { count = 12; seed = 3; };
output = { dir = "unused"; bootstrap = 100; plots = false; };
tasks = (
  { label = "nb201-c10"; space = { name = "nb201"; };
    benchmark = { table = "$D/nb201_nbsz_zc_proxies_cifar10.csv"; key = "arch_str"; metric = "cifar10_val_acc"; };
    reference = { table = "$D/nb201_nbsz_zc_proxies_cifar10.csv"; }; },
  { label = "tnb-scene"; space = { name = "tnb101"; task = "class_scene"; resolution = 32; };
    proxies = ( "params", "synflow" ); sample = { count = 6; seed = 1; };
    benchmark = { table = "$D/tnb101_micro_nbsz_sample.csv"; key = "arch_str"; metric = "val_acc"; where = "task=class_scene"; };
    reference = { table = "$D/tnb101_micro_nbsz_sample.csv"; }; }
);
CFG

"$ZCNAS" run "$T/s.cfg" -o "$T/o" > "$T/out" 2> "$T/err" || fail "suite run"
grep -q "^suite: 2 tasks, Spearman rho" "$T/out" || fail "stdout title"
# every task's first architecture was scored by the check before the runs: 12 x 3 scores, then
# 6 x 2 (the task's own proxies and sample)
grep -q "zcnas: 33 proxy scores computed, 3 from the cache" "$T/err" || fail "task 1: 12 x 3 scores"
grep -q "zcnas: 10 proxy scores computed, 2 from the cache" "$T/err" || fail "task 2: 6 x 2 scores"
for f in suite.csv report.md nb201-c10/scores.csv nb201-c10/reference.csv tnb-scene/correlations.csv; do
  [ -s "$T/o/$f" ] || fail "no $f"
done
head -n 1 "$T/o/suite.csv" | grep -q "^task,benchmark,proxy,n,spearman,spearman_lo,spearman_hi,.*,reference_spearman,reference_n$" ||
  fail "suite.csv header"
[ "$(wc -l < "$T/o/suite.csv")" -eq 6 ] || fail "suite.csv: 3 + 2 rows"
# the tnb101 task read only its task's rows: 6 distinct architectures of class_scene
[ "$(cut -d, -f2 "$T/o/tnb-scene/scores.csv" | sort -u | wc -l)" -eq 7 ] || fail "where: 6 architectures + header"

# ours against an independent Spearman of the task's scores.csv (bench/spearman.sh)
col() { awk -F, -v t="$1" -v p="$2" -v c="$3" '$1 == t && $3 == p { print $c }' "$T/o/suite.csv"; }
for p in params synflow; do
  i=$(head -n 1 "$T/o/nb201-c10/scores.csv" | tr ',' '\n' | grep -n "^$p\$" | cut -d: -f1)
  g=$(head -n 1 "$T/o/nb201-c10/scores.csv" | tr ',' '\n' | grep -n "^cifar10_val_acc\$" | cut -d: -f1)
  want=$(awk -F, -v i="$i" -v g="$g" 'NR > 1 { print $i "," $g }' "$T/o/nb201-c10/scores.csv" | sh "$SRCDIR/bench/spearman.sh")
  got=$(printf '%.6f' "$(col nb201-c10 "$p" 5)")   # suite.csv writes 10 digits, spearman.sh 6 decimals
  [ "$got" = "$want" ] || fail "nb201-c10 $p: rho $got, independent $want"
done
# params equal NBSZ's column on every row, so the reference's rho is ours exactly; its n
# is the 12 architectures
for t in nb201-c10 tnb-scene; do
  n=$(head -n 1 "$T/o/suite.csv" | tr ',' '\n' | grep -n "^reference_spearman\$" | cut -d: -f1)
  [ "$(col "$t" params 5)" = "$(col "$t" params "$n")" ] || fail "$t params: ours $(col "$t" params 5), reference $(col "$t" params "$n")"
done
[ "$(col nb201-c10 params "$(( $(head -n 1 "$T/o/suite.csv" | tr ',' '\n' | wc -l) ))")" = 12 ] || fail "reference_n"
grep -q "| params | " "$T/o/report.md" || fail "report.md table"

# a rerun reads every score from the cache and writes the same suite.csv
cp "$T/o/suite.csv" "$T/suite1.csv"
"$ZCNAS" run "$T/s.cfg" -o "$T/o" > "$T/out" 2> "$T/err" || fail "rerun"
grep -q "zcnas: 0 proxy scores computed, 36 from the cache" "$T/err" || fail "rerun: all from the cache"
cmp -s "$T/o/suite.csv" "$T/suite1.csv" || fail "rerun: suite.csv differs"

# errors are found before the long runs: the second task's data shape is wrong for its
# space, so nothing of the first task beyond its first architecture is scored
sed -e 's/space = { name = "tnb101"; task = "class_scene"; resolution = 32; };/space = { name = "tnb101"; task = "class_scene"; resolution = 64; };/' \
  -e 's/proxies = ( "params", "synflow" );/proxies = ( "params", "nwot" );/' "$T/s.cfg" > "$T/bad.cfg"
rm -rf "$XDG_CACHE_HOME"
expect_status 2 "$ZCNAS" run "$T/bad.cfg" -o "$T/bad"
grep -q "task 'tnb-scene': .*64" "$T/err" || fail "shape error names the task"
[ ! -e "$T/bad/suite.csv" ] || fail "suite.csv written after an error"
[ ! -e "$T/bad/nb201-c10/scores.csv" ] || fail "first task ran before the second was checked"

# configuration errors name the line
sed 's/label = "tnb-scene";/label = "nb201-c10";/' "$T/s.cfg" > "$T/dup.cfg"
expect_status 2 "$ZCNAS" run "$T/dup.cfg" -o "$T/dup"
grep -q "dup.cfg:[0-9]*: two tasks labelled 'nb201-c10'" "$T/err" || fail "duplicate label message"
sed 's/sample = { count = 6; seed = 1; };/sample = { count = 6; seed = 1; }; searcher = { name = "random"; };/' "$T/s.cfg" > "$T/key.cfg"
expect_status 2 "$ZCNAS" run "$T/key.cfg" -o "$T/key"
grep -q "key.cfg:[0-9]*: a task has no setting 'searcher'" "$T/err" || fail "unknown task key message"
sed 's/where = "task=class_scene"/where = "class_scene"/' "$T/s.cfg" > "$T/where.cfg"
expect_status 2 "$ZCNAS" run "$T/where.cfg" -o "$T/where"
grep -q "where.cfg:[0-9]*: where = \"class_scene\": expected COLUMN=VALUE" "$T/err" || fail "where message"
echo "suite: ok"
