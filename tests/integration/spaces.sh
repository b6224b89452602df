#!/bin/sh
# Integration: the space plugins (nb201, autoformer, darts, nb101, tnb101) through `zcnas arch`,
# and darts, nb101 and tnb101 through `zcnas score`.
set -eu
. "$(dirname "$0")/lib.sh"

B6111='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'

# ---- nb201 -------------------------------------------------------------------------
# --all: header + 15,625 rows, indices 0..15624 in order, every cell once
"$ZCNAS" arch --space nb201 --all > "$T/all.csv"
[ "$(head -n 1 "$T/all.csv")" = "index,arch,params_m,flops_m" ] || fail "--all header"
[ "$(wc -l < "$T/all.csv")" -eq 15626 ] || fail "--all row count"
awk -F, 'NR > 1 && $1 != NR - 2 { exit 1 }' "$T/all.csv" || fail "--all index order"
[ "$(tail -n +2 "$T/all.csv" | cut -d, -f2 | sort -u | wc -l)" -eq 15625 ] || fail "--all distinct cells"
# smallest and largest sizes of the space (all-none/skip/pool cells; all conv3x3)
[ "$(tail -n +2 "$T/all.csv" | cut -d, -f3 | sort -g | head -n 1)" = "0.073306" ] || fail "smallest params"
[ "$(tail -n +2 "$T/all.csv" | cut -d, -f3 | sort -g | tail -n 1)" = "1.531546" ] || fail "largest params"

# a known row, by index and by its string (index 6111: the best CIFAR-10 cell)
"$ZCNAS" arch --space nb201 --index 6111 > "$T/i.csv"
"$ZCNAS" arch --space nb201 --arch "$B6111" > "$T/a.csv"
[ "$(tail -n 1 "$T/i.csv")" = "6111,$B6111,1.073466,155.583104" ] || fail "row 6111 by index"
cmp -s "$T/i.csv" "$T/a.csv" || fail "row 6111 by --arch differs from --index"
grep -q "^6111,$B6111,1.073466,155.583104\$" "$T/all.csv" || fail "row 6111 in --all"

# the dataset switches the head (and ImageNet16-120 the input side): 64*C+C head params
"$ZCNAS" arch --space nb201 --index 6111 --set space.dataset=cifar100 | tail -n 1 > "$T/c100.txt"
[ "$(cat "$T/c100.txt")" = "6111,$B6111,1.079316,155.588864" ] || fail "cifar100 head: $(cat "$T/c100.txt")"
"$ZCNAS" arch --space nb201 --index 6111 --set space.dataset=imagenet16-120 | tail -n 1 > "$T/in16.txt"
[ "$(cat "$T/in16.txt")" = "6111,$B6111,1.080616,38.903296" ] || fail "imagenet16-120: $(cat "$T/in16.txt")"

# sampling: same seed, same rows; another seed, other rows; every row a real cell
"$ZCNAS" arch --space nb201 --sample 20 --seed 3 > "$T/s1.csv"
"$ZCNAS" arch --space nb201 --sample 20 --seed 3 > "$T/s2.csv"
"$ZCNAS" arch --space nb201 --sample 20 --seed 4 > "$T/s3.csv"
[ "$(wc -l < "$T/s1.csv")" -eq 21 ] || fail "--sample 20 row count"
cmp -s "$T/s1.csv" "$T/s2.csv" || fail "--sample not deterministic"
cmp -s "$T/s1.csv" "$T/s3.csv" && fail "--seed 4 gave the rows of --seed 3"
tail -n +2 "$T/s1.csv" | while IFS= read -r row; do
  grep -qxF "$row" "$T/all.csv" || fail "sampled row not in --all: $row"
done

# a bad genotype: exit 2, the position of the fault
expect_status 2 "$ZCNAS" arch --space nb201 --arch '|nor_conv_3x3~0|+|none~0|bogus~1|+|none~0|none~1|none~2|'
grep -q "at position 26: unknown operation 'bogus'" "$T/err" || fail "nb201 bad op message"
expect_status 2 "$ZCNAS" arch --space nb201 --arch '|nor_conv_3x3~0|+|none~0|none~2|+|none~0|none~1|none~2|'
grep -q "at position 31: expected input node 1 of node 2, found '2'" "$T/err" || fail "nb201 bad input message"
expect_status 2 "$ZCNAS" arch --space nb201 --index 1 --set space.dataset=mnist
grep -q "'dataset': 'mnist' is not one of cifar10|cifar100|imagenet16-120" "$T/err" || fail "bad dataset message"

# ---- autoformer ----------------------------------------------------------------------
# A row of Auto-Prox's AutoFormer-Tiny table as a genotype string (docs/spaces.md):
# e<hidden_dim>-d<depth>-r<ratios>-h<heads>, ';' -> ',', ratios without a trailing ".0".
ROW0='0,192,12,3.5;4.0;3.5;4.0;3.5;3.5;4.0;3.5;4.0;4.0;4.0;3.5,4;4;3;4;3;3;4;4;3;3;3;4,68.66'
G0=$(echo "$ROW0" | awk -F, '{ r = $4; h = $5; gsub(/\.0;/, ";", r); sub(/\.0$/, "", r); gsub(/;/, ",", r); gsub(/;/, ",", h);
                               printf "e%s-d%s-r%s-h%s", $2, $3, r, h }')
[ "$G0" = "e192-d12-r3.5,4,3.5,4,3.5,3.5,4,3.5,4,4,4,3.5-h4,4,3,4,3,3,4,4,3,3,3,4" ] || fail "row rule: $G0"
"$ZCNAS" arch --space autoformer --set space.variant=tiny --arch "$G0" > "$T/af.csv"
[ "$(tail -n 1 "$T/af.csv")" = ",\"$G0\",5.783656,1298.012928" ] || fail "tiny row 0: $(tail -n 1 "$T/af.csv")"
# qkv bias adds 3*64*heads per layer (here 42 heads in all: 8,064)
"$ZCNAS" arch --space autoformer --set space.variant=tiny --set space.qkv_bias=true --arch "$G0" | tail -n 1 > "$T/afb.txt"
[ "$(cat "$T/afb.txt")" = ",\"$G0\",5.791720,1298.012928" ] || fail "qkv_bias params: $(cat "$T/afb.txt")"
# the default variant is small: a tiny string is refused with its position
expect_status 2 "$ZCNAS" arch --space autoformer --arch "$G0"
grep -q "AutoFormer-small genotype '.*' at position 1: embed dim 192 is not one of 320, 384, 448" "$T/err" \
  || fail "small refuses tiny"
expect_status 2 "$ZCNAS" arch --space autoformer --set space.variant=tiny --arch 'e192-d12-r3.5,4-h4'
grep -q "at position 15: 2 MLP ratios given, depth 12 needs 12" "$T/err" || fail "short ratio list message"
# a network over the memory budget is that architecture's failure (NaN and a warning), not
# an abort; proxies that need no network still score it
ZCNAS_MEMORY_BUDGET=100M "$ZCNAS" score --space autoformer --set space.variant=tiny --arch "$G0" --proxy synflow,params \
  > "$T/budget.csv" 2> "$T/err" || fail "score over the memory budget exited $?"
[ "$(tail -n 1 "$T/budget.csv")" = "\"$G0\",nan,5.783656" ] || fail "budget row: $(tail -n 1 "$T/budget.csv")"
grep -q "synflow failed on .*over the memory budget of 104857600 bytes (ZCNAS_MEMORY_BUDGET)" "$T/err" || fail "budget message"

# sampling: deterministic, inside the parameter window, canonical (re-reads as itself)
"$ZCNAS" arch --space autoformer --sample 30 --seed 7 --set space.min_params_m=18 --set space.max_params_m=23 > "$T/af1.csv"
"$ZCNAS" arch --space autoformer --sample 30 --seed 7 --set space.min_params_m=18 --set space.max_params_m=23 > "$T/af2.csv"
[ "$(wc -l < "$T/af1.csv")" -eq 31 ] || fail "autoformer --sample row count"
cmp -s "$T/af1.csv" "$T/af2.csv" || fail "autoformer --sample not deterministic"
tail -n +2 "$T/af1.csv" | awk -F'"' '{ split($3, f, ","); if (f[2] < 18 || f[2] > 23) exit 1 }' || fail "sample outside [18, 23] M"
g=$(sed -n 2p "$T/af1.csv" | cut -d'"' -f2)
"$ZCNAS" arch --space autoformer --arch "$g" | tail -n 1 > "$T/back.txt"
[ "$(cat "$T/back.txt")" = "$(sed -n 2p "$T/af1.csv")" ] || fail "sampled genotype does not re-read as itself"
expect_status 2 "$ZCNAS" arch --space autoformer --sample 1 --set space.max_params_m=5
grep -q "'max_params_m': 5 M leaves no AutoFormer-small subnet" "$T/err" || fail "empty window message"

# not enumerable
expect_status 2 "$ZCNAS" arch --space autoformer --all
grep -q "cannot be enumerated" "$T/err" || fail "--all on autoformer"
set +e
"$ZCNAS" arch --space autoformer --index 0 > /dev/null 2> "$T/err"
rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "does not support architecture indices" "$T/err" || fail "--index on autoformer"
# ---- darts ----------------------------------------------------------------------------
# NAS-Bench-Suite-Zero's NB301 table (share/data/nb301_nbsz_zc_sample725.csv): fields
# "compact","genotype",acc,epe_nas,fisher,flops,...,params (6th and 12th columns)
NB301="$SRCDIR/share/data/nb301_nbsz_zc_sample725.csv"
awk -F'"' 'NR > 1 && (NR - 2) % 36 == 0 { split($5, f, ","); printf "%s\t%s\t%s\t%s\n", $2, $4, f[11], f[5] }' "$NB301" > "$T/nb301.tsv"
[ "$(wc -l < "$T/nb301.tsv")" -eq 21 ] || fail "nb301 rows picked"
while IFS="$(printf '\t')" read -r compact genotype params flops; do
  "$ZCNAS" arch --space darts --arch "$compact" | tail -n 1 > "$T/d1.txt"
  "$ZCNAS" arch --space darts --arch "$genotype" | tail -n 1 > "$T/d2.txt"
  cmp -s "$T/d1.txt" "$T/d2.txt" || fail "darts: Genotype form of $compact prints another row"
  awk -F'"' -v a="$compact" -v p="$params" -v f="$flops" \
    '{ split($3, x, ","); if ($2 != a || x[2] - p > 5e-7 || p - x[2] > 5e-7 || x[3] - f > 5e-7 || f - x[3] > 5e-7) exit 1 }' \
    "$T/d1.txt" || fail "darts row $compact: $(cat "$T/d1.txt"), table params $params flops $flops"
done < "$T/nb301.tsv"
D1='0,0 1,5 1,1 0,1 1,3 0,3 1,3 3,2|1,0 0,2 1,3 0,3 3,0 0,1 2,0 3,6'
"$ZCNAS" arch --space darts --arch "$D1" | tail -n 1 > "$T/d.txt"
[ "$(cat "$T/d.txt")" = ",\"$D1\",0.856298,153.499136" ] || fail "darts row 1: $(cat "$T/d.txt")"
# score --proxy params on the same 21 rows agrees with the table's params column
cut -f1 "$T/nb301.tsv" > "$T/nb301.txt"
"$ZCNAS" score --space darts --arch-file "$T/nb301.txt" --proxy params --no-cache -q > "$T/dp.csv"
[ "$(wc -l < "$T/dp.csv")" -eq 22 ] || fail "darts score row count"
tail -n +2 "$T/dp.csv" | awk -F'"' '{ print $3 }' | cut -d, -f2 | paste - "$T/nb301.tsv" |
  awk -F'\t' '{ d = $1 - $4; if (d > 5e-7 || d < -5e-7) { print "params " $1 " vs " $4; exit 1 } }' || fail "darts score params"
# bad genotypes: exit 2 and the position and field of the fault
expect_status 2 "$ZCNAS" arch --space darts --arch '0,0 1,5 3,1 0,1 1,3 0,3 1,3 3,2|1,0 0,2 1,3 0,3 3,0 0,1 2,0 3,6'
grep -q "at position 9: normal cell, node 1, pair 0: input 3 is not one of the states 0..2" "$T/err" || fail "darts bad input message"
expect_status 2 "$ZCNAS" arch --space darts --arch "Genotype(normal=[('max_pool_3x3', 0), ('none', 1)"
grep -q "at position 41: normal cell, node 0, pair 1: unknown operation 'none'" "$T/err" || fail "darts bad op message"
# sampling: deterministic, canonical; not enumerable
"$ZCNAS" arch --space darts --sample 10 --seed 2 > "$T/ds1.csv"
"$ZCNAS" arch --space darts --sample 10 --seed 2 > "$T/ds2.csv"
[ "$(wc -l < "$T/ds1.csv")" -eq 11 ] || fail "darts --sample row count"
cmp -s "$T/ds1.csv" "$T/ds2.csv" || fail "darts --sample not deterministic"
g=$(sed -n 2p "$T/ds1.csv" | cut -d'"' -f2)
[ "$("$ZCNAS" arch --space darts --arch "$g" | tail -n 1)" = "$(sed -n 2p "$T/ds1.csv")" ] || fail "darts sample re-read"
expect_status 2 "$ZCNAS" arch --space darts --all
grep -q "cannot be enumerated" "$T/err" || fail "--all on darts"

# ---- nb101 -----------------------------------------------------------------------------
# the first official record (share/data/nb101_official_subset30_108ep.csv): its
# trainable_parameters 6,315,018, and the canonical text is the table's (already pruned)
OFF=$(awk -F, 'NR == 2 { print $3 "/" $4 }' "$SRCDIR/share/data/nb101_official_subset30_108ep.csv")
"$ZCNAS" arch --space nb101 --arch "$OFF" | tail -n 1 > "$T/nb101.txt"
[ "$(cat "$T/nb101.txt")" = ",$OFF,6.315018,938.300416" ] || fail "nb101 official row: $(cat "$T/nb101.txt")"
# NAS-Bench-Suite-Zero rows (raw 7x7 matrices, pruned by the space): the params proxy
# equals the table's params column (millions, 6 decimals) on the first 20 rows
awk -F, 'NR > 1 && NR <= 21 { print $3 "/" $4 }' "$SRCDIR/share/data/nb101_nbsz_zc_sample500.csv" > "$T/nb101.txt"
"$ZCNAS" score --space nb101 --arch-file "$T/nb101.txt" --proxy params --no-cache > "$T/nb101s.csv"
[ "$(wc -l < "$T/nb101s.csv")" -eq 21 ] || fail "nb101 score row count"
awk -F, 'NR > 1 && NR <= 21 { print $13 }' "$SRCDIR/share/data/nb101_nbsz_zc_sample500.csv" > "$T/want.txt"
tail -n +2 "$T/nb101s.csv" | awk -F, '{ print $NF }' | paste -d" " - "$T/want.txt" \
  | awk '{ d = $1 - $2; if (d > 5e-7 || d < -5e-7) exit 1 }' || fail "nb101 params differ from the NBSZ table"
# sampling is deterministic; no enumeration; a bad cell names its position
"$ZCNAS" arch --space nb101 --sample 5 --seed 2 > "$T/n1.csv"
"$ZCNAS" arch --space nb101 --sample 5 --seed 2 > "$T/n2.csv"
[ "$(wc -l < "$T/n1.csv")" -eq 6 ] || fail "nb101 --sample row count"
cmp -s "$T/n1.csv" "$T/n2.csv" || fail "nb101 --sample not deterministic"
expect_status 2 "$ZCNAS" arch --space nb101 --all
grep -q "cannot be enumerated" "$T/err" || fail "--all on nb101"
expect_status 2 "$ZCNAS" arch --space nb101 --arch "0110/input;output"
grep -q "at position 3: adjacency entry (1,0) is 1" "$T/err" || fail "nb101 bad matrix message"

# ---- tnb101 ----------------------------------------------------------------------------
# micro: --all is the 4,096 cells in op_indices order; NBSZ rows (class_object by default,
# class_scene by option) reproduced by the cost; macro: 3,256 stacks in padded-code order
"$ZCNAS" arch --space tnb101 --all > "$T/tm.csv"
[ "$(wc -l < "$T/tm.csv")" -eq 4097 ] || fail "tnb101 micro --all row count"
# all-zero cell: stem (19,488) + head 512*100+100 params; stem 91,750,400 + head 512*(100+81) FLOPs
[ "$(sed -n 2p "$T/tm.csv")" = "0,64-41414-0_00_000,0.070788,91.843072" ] || fail "tnb101 micro row 0: $(sed -n 2p "$T/tm.csv")"
grep -q '^1060,64-41414-1_00_210,0.929668,263.318016$' "$T/tm.csv" || fail "tnb101 micro row 1060 (NBSZ class_object)"
"$ZCNAS" arch --space tnb101 --set space.task=class_scene --arch 64-41414-1_00_210 | tail -n 1 > "$T/tm.txt"
[ "$(cat "$T/tm.txt")" = "1060,64-41414-1_00_210,0.910687,263.299072" ] || fail "tnb101 class_scene row: $(cat "$T/tm.txt")"
"$ZCNAS" arch --space tnb101 --set space.variant=macro --all > "$T/tM.csv"
[ "$(wc -l < "$T/tM.csv")" -eq 3257 ] || fail "tnb101 macro --all row count"
[ "$(tail -n +2 "$T/tM.csv" | cut -d, -f2 | sort -u | wc -l)" -eq 3256 ] || fail "tnb101 macro distinct"
"$ZCNAS" arch --space tnb101 --set space.variant=macro --set space.task=class_scene --arch 64-1242-basic \
  | tail -n 1 > "$T/tM.txt"
[ "$(cat "$T/tM.txt")" = "463,64-1242-basic,11.218783,13602.455552" ] || fail "tnb101 macro row: $(cat "$T/tM.txt")"
# the params proxy equals NBSZ's params on the first 20 class_object micro rows
awk -F, '$1 == "class_object" { print $3 }' "$SRCDIR/share/data/tnb101_micro_nbsz_sample.csv" | head -n 20 > "$T/tn.txt"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "params") c = i } $1 == "class_object" { print $c }' \
  "$SRCDIR/share/data/tnb101_micro_nbsz_sample.csv" | head -n 20 > "$T/want.txt"
"$ZCNAS" score --space tnb101 --arch-file "$T/tn.txt" --proxy params --no-cache > "$T/tns.csv"
[ "$(wc -l < "$T/tns.csv")" -eq 21 ] || fail "tnb101 score row count"
tail -n +2 "$T/tns.csv" | awk -F, '{ print $NF }' | paste -d" " - "$T/want.txt" \
  | awk '{ d = $1 - $2; if (d > 5e-7 || d < -5e-7) exit 1 }' || fail "tnb101 params differ from the NBSZ table"
# sampling is deterministic; errors: a bad cell names its position, unsupported tasks and
# the other variant's strings are refused
"$ZCNAS" arch --space tnb101 --set space.variant=macro --sample 5 --seed 2 > "$T/t1.csv"
"$ZCNAS" arch --space tnb101 --set space.variant=macro --sample 5 --seed 2 > "$T/t2.csv"
[ "$(wc -l < "$T/t1.csv")" -eq 6 ] || fail "tnb101 --sample row count"
cmp -s "$T/t1.csv" "$T/t2.csv" || fail "tnb101 --sample not deterministic"
expect_status 2 "$ZCNAS" arch --space tnb101 --arch 64-41414-1_0x_210
grep -q "at position 13: cell node 2, edge from node 1: not an op 0..3" "$T/err" || fail "tnb101 bad op message"
expect_status 2 "$ZCNAS" arch --space tnb101 --arch 64-1242-basic
grep -q "is a macro architecture, the space is variant=micro" "$T/err" || fail "tnb101 variant message"
# jigsaw: counted (NBSZ's jigsaw row), its network refused with the reason
"$ZCNAS" arch --space tnb101 --set space.task=jigsaw --arch 64-41414-1_00_210 | tail -n 1 > "$T/tj.txt"
[ "$(cat "$T/tj.txt")" = "1060,64-41414-1_00_210,5.487368,21.101056" ] || fail "tnb101 jigsaw row: $(cat "$T/tj.txt")"
echo 64-41414-3_01_230 > "$T/tt.txt"
expect_status 2 "$ZCNAS" score --space tnb101 --set space.task=jigsaw --set space.resolution=32 --arch-file "$T/tt.txt" \
  --proxy synflow --no-cache --batch 4 --data gaussian:3x32x32
grep -q "task 'jigsaw' is not built: its siamese encoder" "$T/err" || fail "tnb101 jigsaw refusal"
# each new task scores one architecture at 32x32 with its own loss: finite scores
for task in room_layout autoencoder normal segmentsemantic; do
  "$ZCNAS" score --space tnb101 --set space.task=$task --set space.resolution=32 --arch-file "$T/tt.txt" \
    --proxy synflow,grad_norm,fisher,epe_nas --no-cache --batch 4 --data gaussian:3x32x32 > "$T/ts.csv" 2> "$T/err" \
    || fail "tnb101 $task score exited $?: $(cat "$T/err")"
  tail -n 1 "$T/ts.csv" | awk -F, -v t=$task '{ for (i = 3; i <= 4; i++) if ($i == "nan" || $i == "inf" || $i == "-inf") exit 1
    if (t != "segmentsemantic" && $5 != "nan") exit 1 }' || fail "tnb101 $task scores: $(tail -n 1 "$T/ts.csv")"
  [ "$task" = segmentsemantic ] || grep -q "epe_nas: the task of space tnb101 has no class label per sample" "$T/err" \
    || fail "tnb101 $task epe_nas not degenerate"
done

echo "spaces.sh: all checks passed"
