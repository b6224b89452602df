#!/bin/sh
# Integration: a correlate pipeline's `combine` columns through the real binary.  The
# log-rank sum and rank sum in scores.csv are recomputed here from the member columns with
# awk's own average ranks; a LIBRA selection file supplies members; the combination's rho
# equals bench/spearman.sh's on scores.csv; bad entries are refused before any scoring.
set -eu
. "$(dirname "$0")/lib.sh"
D="$SRCDIR/share/data"

cat > "$T/c.cfg" <<CFG
experiment = "correlate";
seed = 0;
space = { name = "nb201"; dataset = "cifar10"; };
proxies = ( "params", "flops", "synflow", "nwot", "jacov" );
data = { spec = "cifar10:$D/cifar10_test2000.bin"; batch = 8; };
benchmarks = ( { table = "$D/nb201_accuracy.csv"; key = "arch_str"; metric = "cifar10_test_acc"; name = "test"; } );
sample = { count = 15; seed = 4; };
output = { dir = "unused"; bootstrap = 50; plots = false; };
combine = ( { name = "lr"; of = ["synflow", "jacov"]; rule = "logrank"; },
            { name = "rs"; of = ["flops", "synflow", "nwot"]; rule = "ranksum"; },
            { name = "lib"; selection = "$D/libra_selection_nb201_cifar100.json"; },
            { name = "again"; of = ["lr", "params"]; rule = "zsum"; } );
CFG
"$ZCNAS" run "$T/c.cfg" -o "$T/o" > "$T/out" 2> "$T/err" || { cat "$T/err"; fail "combine run"; }
S="$T/o/scores.csv"
head -n 1 "$S" | grep -q '^n,arch,params,flops,synflow,nwot,jacov,lr,rs,lib,again,test,status$' || fail "scores.csv header"
grep -q "lib = logrank(nwot, jacov, synflow)" "$T/o/report.md" || fail "report records the selection's members"
for c in lr rs lib again; do grep -q "^$c  *test " "$T/out" || fail "no $c row in the table"; done

# column number of a score in scores.csv
col() { head -n 1 "$S" | tr , '\n' | grep -nx "$1" | cut -d: -f1; }
num='^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$'
# The rule over the columns $2... computed here: rows with "nan" in a member get "nan", the
# others their members' average ranks (ascending; -inf lowest, inf highest) among those
# rows, combined by $1 (logrank: sum of log(rank / N); ranksum: sum of ranks).
here() {
  rule=$1; shift
  cols=$(for c in "$@"; do printf '%s,' "$(col "$c")"; done)
  tail -n +2 "$S" | awk -F, -v cols="$cols" -v re="$num" 'BEGIN { m = split(cols, c, ",") - 1 }
    { ok = 1
      for (j = 1; j <= m; j++) {
        x = $c[j]; v[NR, j] = x == "-inf" ? -1e308 : x == "inf" ? 1e308 : x
        if (x !~ re && x != "-inf" && x != "inf") ok = 0 }
      valid[NR] = ok; if (ok) n++ }
    END { for (j = 1; j <= m; j++)
            for (i = 1; i <= NR; i++) if (valid[i]) {
              less = 0; tie = 0
              for (k = 1; k <= NR; k++) if (valid[k]) { if (v[k, j] + 0 < v[i, j] + 0) less++; else if (v[k, j] + 0 == v[i, j] + 0) tie++ }
              r[i, j] = less + (tie + 1) / 2 }
          for (i = 1; i <= NR; i++) {
            if (!valid[i]) { print "nan"; continue }
            s = 0; for (j = 1; j <= m; j++) s += "'"$rule"'" == "logrank" ? log(r[i, j] / n) : r[i, j]
            printf "%.9g\n", s } }'
}
ours() { tail -n +2 "$S" | cut -d, -f"$(col "$1")" | awk '$1 == "nan" { print; next } { printf "%.9g\n", $1 }'; }
here logrank synflow jacov > "$T/lr_here"
here ranksum flops synflow nwot > "$T/rs_here"
ours lr > "$T/lr_ours"
ours rs > "$T/rs_ours"
grep -q nan "$T/lr_here" || fail "the sample has no failed jacov: the missing-value rule goes untested"
cut -d, -f"$(col nwot)" "$S" | grep -q -- -inf || fail "the sample has no -inf nwot: ranking infinities goes untested"
cmp -s "$T/lr_here" "$T/lr_ours" || { paste "$T/lr_here" "$T/lr_ours"; fail "log-rank sum differs from awk's"; }
cmp -s "$T/rs_here" "$T/rs_ours" || { paste "$T/rs_here" "$T/rs_ours"; fail "rank sum differs from awk's"; }

# the combination's rho in correlations.csv is the rho of its column
rho=$(tail -n +2 "$S" | cut -d, -f"$(col lr),$(col test)" | sh "$SRCDIR/bench/spearman.sh")
ours=$(awk -F, '$1 == "lr" { printf "%.6f\n", $5 }' "$T/o/correlations.csv")
[ "$rho" = "$ours" ] || fail "lr: rho $ours, spearman.sh $rho"

# refused before any scoring, naming the file, line and field
bad() {   # $1: combine entry, $2: expected message
  sed "s|^combine = .*|combine = ( $1 );|; /^            {/d" "$T/c.cfg" > "$T/bad.cfg"
  if "$ZCNAS" run "$T/bad.cfg" -o "$T/b" > /dev/null 2> "$T/berr"; then fail "accepted: $1"; fi
  grep -qF "$2" "$T/berr" || { cat "$T/berr"; fail "message for: $1"; }
  ! grep -q "proxy scores computed" "$T/berr" || fail "scored before refusing: $1"
}
bad '{ name = "x"; of = ["synflow", "zico"]; }' 'bad.cfg:9: combine "x": no score named '"'"'zico'"'"' (this run has: params, flops, synflow, nwot, jacov)'
bad '{ name = "x"; of = ["synflow"]; rule = "max"; }' 'combine "x": rule "max" is none of logrank, ranksum, zsum, product'
bad '{ name = "x"; of = ["synflow"]; missing = "min"; }' 'combine "x": missing "min" is neither drop nor worst'
bad '{ name = "synflow"; of = ["flops"]; }' 'combine "synflow": a score of that name exists already'
bad '{ name = "x"; of = ["flops"]; selection = "s.json"; }' "give its members either as 'of' or as 'selection'"
bad '{ name = "x"; of = ["flops"]; wat = 1; }' "combine: unknown field 'wat'"
bad '{ name = "x"; selection = "nowhere.json"; }' 'combine "x": selection: '
echo "combine.sh: all checks passed"
