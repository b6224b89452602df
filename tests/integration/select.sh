#!/bin/sh
# Integration: experiment "select" (LIBRA-NAS proxy selection) on the shipped NB201
# CIFAR-100 table.  Every proxy's Spearman rho is recomputed here in awk (average ranks
# of ties, rows with -1e8, -inf or nan left out) and must match selection.json; z1 must
# be the proxy of highest rho, z2 and z3 inside the window.  Then a table laid out as a
# correlate run's scores.csv, `zcnas select` (the same selection from flags), and a bad
# metric column (exit 2, the column named).
set -eu
. "$(dirname "$0")/lib.sh"

cfg="$SRCDIR/share/pipelines/nb201-select-cifar100.cfg"
csv="$SRCDIR/share/data/nb201_nbsz_zc_sample725_cifar100.csv"
[ -f "$csv" ] || fail "no $csv"
"$ZCNAS" run "$cfg" --out "$T/o" > "$T/out" 2> "$T/err" || fail "zcnas run $cfg failed"
json="$T/o/selection.json"
[ -s "$json" ] || fail "no selection.json"
grep -q '^selection: z1 = [a-z_]*, z2 = [a-z_]*, z3 = [a-z_]*' "$T/out" || fail "no selection line: $(cat "$T/out")"

# name rho in_window of each candidate, from the pretty-printed JSON
awk -F'"' '/"name" :/ { n = $4 } /"rho" :/ { split($0, a, ": "); r = a[2]; sub(/,$/, "", r) }
  /"in_window" :/ { w = ($0 ~ /true/); print n, r, w }' "$json" > "$T/cands"
[ "$(wc -l < "$T/cands")" -eq 12 ] || fail "expected 12 candidates, got: $(cat "$T/cands")"
selected=$(awk '/"selected" :/ { on = 1; next } on && /\]/ { on = 0 } on { gsub(/[", ]/, ""); print }' "$json")
set -- $selected
[ $# -eq 3 ] || fail "expected 3 selected proxies, got '$selected'"
z1=$1 z2=$2 z3=$3

# Spearman rho of column $1 with the accuracy (column 4), by awk and sort alone
col_index() { head -1 "$csv" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
ranks() {   # file of "row value" -> "row rank", ties averaged
  sort -k2,2g "$1" | awk '{ r[NR] = $1; v[NR] = $2 } END {
    i = 1; while (i <= NR) { j = i; while (j < NR && v[j + 1] == v[i]) j++
      for (k = i; k <= j; k++) print r[k], (i + j) / 2; i = j + 1 } }' | sort -k1,1
}
spearman() {
  c=$(col_index "$1")
  awk -F, -v c="$c" 'NR > 1 && $c ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ && $c + 0 > -1e8 &&
    $4 ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ { print NR, $c > "'"$T/x"'"; print NR, $4 > "'"$T/y"'" }' "$csv"
  ranks "$T/x" > "$T/rx"
  ranks "$T/y" > "$T/ry"
  join "$T/rx" "$T/ry" | awk '{ n++; a[n] = $2; b[n] = $3; sa += $2; sb += $3 } END {
    ma = sa / n; mb = sb / n
    for (i = 1; i <= n; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) ^ 2; sbb += (b[i] - mb) ^ 2 }
    printf "%.9f\n", sab / sqrt(saa * sbb) }'
}
best="" best_rho=-2
while read -r name rho inwin; do
  mine=$(spearman "$name")
  awk -v a="$mine" -v b="$rho" 'BEGIN { d = a - b; exit !(d < 1e-7 && d > -1e-7) }' ||
    fail "$name: rho $rho in selection.json, $mine recomputed"
  if awk -v a="$mine" -v b="$best_rho" 'BEGIN { exit !(a > b) }'; then best=$name best_rho=$mine; fi
done < "$T/cands"
[ "$z1" = "$best" ] || fail "z1 is $z1, the highest rho is $best ($best_rho)"
for z in "$z2" "$z3"; do
  grep -q "^$z .* 1\$" "$T/cands" || fail "$z is selected but not in the window"
done
[ "$z2" != "$z3" ] && [ "$z1" != "$z2" ] || fail "selection repeats a proxy: $selected"


# zcnas select: the same selection from flags
"$ZCNAS" select "$csv" --metric cifar100_val_acc --out "$T/o4" > "$T/out" 2> "$T/err" || fail "zcnas select failed"
grep -v '"path"' "$json" > "$T/a.json"
grep -v '"path"' "$T/o4/selection.json" > "$T/b.json"
cmp -s "$T/a.json" "$T/b.json" || fail "zcnas select and the pipeline differ: $(diff "$T/a.json" "$T/b.json")"
expect_status 2 "$ZCNAS" select "$csv"
grep -q -- "--metric" "$T/err" || fail "message: $(cat "$T/err")"

# a table laid out as a correlate run's scores.csv: key `arch`, a status column
{
  echo "n,arch,synflow,grad_norm,params,cifar100_val_acc,status"
  awk -F, 'NR > 1 && NR <= 41 { print NR - 1 "," $2 "," $16 "," $8 "," $13 "," $4 ",ok;ok;ok" }' "$csv"
} > "$T/scores.csv"
cat > "$T/scores.cfg" <<EOF
experiment = "select";
select = { table = "scores.csv"; key = "arch"; metric = "cifar100_val_acc"; };
output = { dir = "$T/o2"; };
EOF
"$ZCNAS" run "$T/scores.cfg" > "$T/out" 2> "$T/err" || fail "select on a scores.csv failed"
grep -q '"name" : "grad_norm"' "$T/o2/selection.json" || fail "scores.csv: grad_norm not a candidate"
grep -q '"status"' "$T/o2/selection.json" && fail "scores.csv: status taken for a proxy"

# a metric column the table lacks: exit 2, the column and the setting named
expect_status 2 "$ZCNAS" run "$cfg" --out "$T/o3" --set 'select.metric="cifar10_val_acc"'
grep -q "metric.*: no column 'cifar10_val_acc'" "$T/err" || fail "message: $(cat "$T/err")"
[ ! -e "$T/o3/selection.json" ] || fail "selection.json written on error"
# the shipped selections are what their pipelines choose today (everything but the path)
for pair in nb201-select-cifar100:libra_selection_nb201_cifar100 autoformer-tiny-select:libra_selection_autoformer_tiny \
            nb201-select-cifar100-pool:libra_selection_nb201_cifar100_pool; do
  "$ZCNAS" run "$SRCDIR/share/pipelines/${pair%%:*}.cfg" --out "$T/ship" -q > /dev/null || fail "${pair%%:*}.cfg failed"
  grep -v '"path"\|"zcnas_version"' "$T/ship/selection.json" > "$T/fresh.json"
  grep -v '"path"\|"zcnas_version"' "$SRCDIR/share/data/${pair#*:}.json" > "$T/shipped.json"
  cmp -s "$T/fresh.json" "$T/shipped.json" || fail "share/data/${pair#*:}.json differs from a fresh selection"
done

echo "select.sh: all checks passed (z1 $z1 rho $best_rho, z2 $z2, z3 $z3)"
