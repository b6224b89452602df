#!/bin/sh
# Integration: the search and compare experiments through the real binary — live and
# table-backed fitness rank alike, the oracle keeps to its budget, a killed comparison
# resumes to the same results, and bad settings get one message naming them.
set -eu
. "$(dirname "$0")/lib.sh"
export ZCNAS_GNUPLOT=""
ACC="$SRCDIR/share/data/nb201_accuracy.csv"
# a CSV file without its column $2 (1-based)
drop() { cut -d, -f"$2" --complement "$1"; }

# 1. live and table-backed fitness: the same evolution on synflow and params computed,
#    then read back from the first run's scores.csv, asks the same candidates in the same
#    order and ranks them identically
cat > "$T/live.cfg" <<CFG
experiment = "search";
seed = 3;
space = { name = "nb201"; dataset = "cifar10"; };
proxies = ( "synflow", "params" );
searcher = { name = "evolution"; population = 10; sample = 3; };
budget = 40;
CFG
{ cat "$T/live.cfg"; echo "scores = { table = \"$T/live/scores.csv\"; key = \"arch\"; };"; } > "$T/table.cfg"
"$ZCNAS" run "$T/live.cfg" -o "$T/live" -q > "$T/live.txt"
"$ZCNAS" run "$T/table.cfg" -o "$T/table" --no-cache -q > "$T/table.txt"
[ "$(wc -l < "$T/live/scores.csv")" -eq 41 ] || fail "live: 40 candidates expected"
cmp -s "$T/live/ranking.csv" "$T/table/ranking.csv" || fail "table-backed ranking differs from the live one"
cmp -s "$T/live/scores.csv" "$T/table/scores.csv" || fail "table-backed candidates differ from the live ones"
[ "$(drop "$T/live/trajectory.csv" 4)" = "$(drop "$T/table/trajectory.csv" 4)" ] || fail "trajectories differ"
awk -F, 'NR > 1 && $4 + 0 <= 0 { exit 1 }' "$T/live/trajectory.csv" || fail "live evaluations charged no seconds"
awk -F, 'NR > 1 && $4 + 0 != 0 { exit 1 }' "$T/table/trajectory.csv" || fail "table lookups charged seconds"
# the table on stdout starts with the searcher's first-ranked candidate
[ "$(sed -n 2p "$T/live/ranking.csv" | cut -d, -f2)" = "$(sed -n 3p "$T/live.txt" | awk '{print $2}')" ] \
  || fail "stdout table does not start with the first-ranked candidate"

# 2. the oracle answers validation accuracy from the benchmark, at most oracle_budget times
cat > "$T/oracle.cfg" <<CFG
experiment = "search";
seed = 1;
space = { name = "nb201"; dataset = "cifar10"; };
benchmark = { table = "$ACC"; key = "arch_str"; metric = "cifar10_val_acc"; test = "cifar10_test_acc"; };
searcher = { name = "evolution"; fitness = "oracle"; population = 10; sample = 3; };
budget = 30;
oracle_budget = 20;
CFG
"$ZCNAS" run "$T/oracle.cfg" -o "$T/or" -q > /dev/null
# (an oracle searcher stops when its queries are spent: 20 candidates, every one answered)
[ "$(grep -c ',ok$' "$T/or/scores.csv")" -eq 20 ] || fail "oracle: 20 answered queries expected"
[ "$(wc -l < "$T/or/scores.csv")" -eq 21 ] || fail "oracle: the search should end with its queries"
# every answer is the table's validation accuracy of that cell
tail -n +2 "$T/or/scores.csv" | grep ',ok$' | cut -d, -f2,3 > "$T/answers.txt"
while IFS=, read -r arch val; do
  want=$(grep -F ",$arch," "$ACC" | cut -d, -f3)
  awk -v a="$val" -v b="$want" 'BEGIN { exit !(a + 0 == b + 0) }' || fail "oracle answered $val for $arch, table has $want"
done < "$T/answers.txt"
# the first-ranked candidate has the best answered validation accuracy
best=$(cut -d, -f2 "$T/answers.txt" | sort -g | tail -n 1)
awk -v a="$(sed -n 2p "$T/or/ranking.csv" | cut -d, -f6)" -v b="$best" 'BEGIN { exit !(a + 0 == b + 0) }' \
  || fail "oracle ranking does not start with the best answer"

# 3. a comparison killed during its live run resumes to the same results.csv
cat > "$T/cmp.cfg" <<CFG
experiment = "compare";
seed = 0;
seeds = [ 4, 9 ];
space = { name = "nb201"; dataset = "cifar10"; };
benchmark = { table = "$ACC"; key = "arch_str"; metric = "cifar10_val_acc"; test = "cifar10_test_acc"; };
budget = 20;
runs = (
  { label = "oracle"; oracle_budget = 20; searcher = { name = "evolution"; fitness = "oracle"; population = 8; sample = 3; }; },
  { label = "random-synflow"; proxies = ( "synflow" ); searcher = { name = "random"; }; }
);
CFG
"$ZCNAS" run "$T/cmp.cfg" --cache "$T/ref.sqlite" -o "$T/ref" -q > "$T/ref.txt"
[ "$(wc -l < "$T/ref/results.csv")" -eq 5 ] || fail "compare: 2 searchers x 2 seeds expected"
head -n 1 "$T/ref/results.csv" | grep -q '^searcher,seed,best_arch,best_acc,best_cifar10_val_acc,best_fitness,evaluations,oracle_queries,seconds$' \
  || fail "results.csv header"
for f in runs/oracle/seed-4/trajectory.csv runs/random-synflow/seed-9/ranking.csv curves.csv report.md; do
  [ -s "$T/ref/$f" ] || fail "compare did not write $f"
done
set +e
ZCNAS_DEBUG_KILL_AFTER=5 "$ZCNAS" run "$T/cmp.cfg" --cache "$T/k.sqlite" -o "$T/k" -q > /dev/null 2>&1
st=$?
set -e
[ "$st" -eq 137 ] || fail "the kill hook: exit status $st, expected 137"
[ ! -f "$T/k/results.csv" ] || fail "a killed comparison wrote results.csv"
"$ZCNAS" run "$T/cmp.cfg" --cache "$T/k.sqlite" -o "$T/k" -q > /dev/null
# seconds are the measured time of the first computation: the same on a rerun, not across caches
[ "$(drop "$T/ref/results.csv" 9)" = "$(drop "$T/k/results.csv" 9)" ] || fail "resumed results differ"
"$ZCNAS" run "$T/cmp.cfg" --cache "$T/k.sqlite" -o "$T/k2" -q > /dev/null
for f in results.csv curves.csv runs/random-synflow/seed-4/trajectory.csv; do
  cmp -s "$T/k/$f" "$T/k2/$f" || fail "rerun from the cache: $f differs"
done

# 4. LIBRA names its selection's proxies (nwot, jacov, synflow); the pipeline's own entry
#    for one of them (jacov, with an option) is kept, the others are added once
cat > "$T/libra.cfg" <<CFG
experiment = "search";
seed = 0;
space = { name = "nb201"; dataset = "cifar10"; };
data = { spec = "cifar10:$SRCDIR/share/data/cifar10_test2000.bin"; batch = 10; };
proxies = ( { name = "jacov"; } );
searcher = { name = "libra"; selection = "$SRCDIR/share/data/libra_selection_nb201_cifar100.json"; mode = "random"; };
budget = 6;
CFG
"$ZCNAS" run "$T/libra.cfg" -o "$T/libra" -q > /dev/null
[ "$(head -n 1 "$T/libra/scores.csv")" = "n,arch,jacov,nwot,synflow,status" ] || fail "libra's proxies: $(head -n 1 "$T/libra/scores.csv")"
[ "$(grep -c ',ok$' "$T/libra/scores.csv")" -eq 6 ] || fail "libra: 6 scored candidates expected"

# 5. the core keeps the oracle to its budget whatever the searcher asks: a searcher that
#    wants every score of 30 candidates gets 12 answers, then over_budget (its proxy still
#    scored); a searcher that waits with nothing pending, or wants scores beyond the
#    layout, stops the run with a message
PP="--plugin-path ${top_builddir}/tests/plugins/.libs"
sed -e 's/name = "evolution"; fitness = "oracle"; population = 10; sample = 3;/name = "tp_searcher";/' \
    -e 's/^oracle_budget = 20;/oracle_budget = 12;\nproxies = ( "params" );/' "$T/oracle.cfg" > "$T/greedy.cfg"
"$ZCNAS" run "$T/greedy.cfg" $PP -o "$T/greedy" -q > /dev/null
[ "$(head -n 1 "$T/greedy/scores.csv")" = "n,arch,params,cifar10_val_acc,status" ] || fail "greedy: header"
[ "$(grep -c ',ok$' "$T/greedy/scores.csv")" -eq 12 ] || fail "greedy: 12 answered queries expected"
[ "$(grep -c ',over_budget$' "$T/greedy/scores.csv")" -eq 18 ] || fail "greedy: 18 refused queries expected"
awk -F, 'NR > 1 && $3 == "" { exit 1 }' "$T/greedy/scores.csv" || fail "greedy: a proxy was not scored"
awk -F, 'NR > 13 && $4 != "nan" { exit 1 }' "$T/greedy/scores.csv" || fail "greedy: an answer past the budget"
expect_status 1 "$ZCNAS" run "$T/greedy.cfg" $PP -o "$T/g2" --set 'searcher.mode="wait"'
grep -q "searcher 'tp_searcher' waits with no evaluation pending" "$T/err" || fail "wait message"
expect_status 1 "$ZCNAS" run "$T/greedy.cfg" $PP -o "$T/g3" --set 'searcher.mode="bits"'
grep -q "searcher 'tp_searcher' wants score bits beyond the layout's 2 scores" "$T/err" || fail "bits message"

# 6. bad settings: one message naming the setting, exit status 2
printf 'experiment = "compare";\nspace = { name = "nb201"; };\nbenchmark = { table = "%s"; metric = "cifar10_val_acc"; };\n' "$ACC" > "$T/b1.cfg"
expect_status 2 "$ZCNAS" run "$T/b1.cfg"
grep -q "b1.cfg: experiment \"compare\" needs 'runs'" "$T/err" || fail "missing runs message"
{ cat "$T/b1.cfg"; echo 'runs = ( { label = "x"; } );'; } > "$T/b2.cfg"
expect_status 2 "$ZCNAS" run "$T/b2.cfg"
grep -q "b2.cfg:4: each run needs its 'searcher'" "$T/err" || fail "run without searcher message"
sed 's/"synflow", "params"/"synflow", "jacov"/' "$T/table.cfg" > "$T/b3.cfg"
expect_status 2 "$ZCNAS" run "$T/b3.cfg" --no-cache
grep -q "scores: .*jacov" "$T/err" || fail "missing score column not named"
echo "search.sh: all checks passed"
