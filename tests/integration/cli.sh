#!/bin/sh
# Integration: the real zcnas binary on real pipelines and inputs.
set -eu
. "$(dirname "$0")/lib.sh"

# --version and the plugin list
"$ZCNAS" --version | grep -q "^zcnas [0-9.]* (plugin ABI 3\.[0-9]*)$" || fail "--version"
"$ZCNAS" plugins > "$T/plugins.txt"
grep -q "^space    nb201 " "$T/plugins.txt" || fail "nb201 not listed"
grep -q "^searcher random " "$T/plugins.txt" || fail "random not listed"
[ "$("$ZCNAS" plugins --kind proxy | awk '{print $1}' | sort -u)" = proxy ] || fail "--kind proxy"

# a command opens only the plugins it needs: a hostile file elsewhere in the path is
# never opened by `arch`, while `plugins` (which opens all) refuses it by name
mkdir "$T/pp" && printf 'not a plugin\n' > "$T/pp/junk.so"
"$ZCNAS" arch --plugin-path "$T/pp" --space nb201 --index 1 > /dev/null 2> "$T/err" || fail "arch with junk in the path"
! grep -q junk "$T/err" || fail "arch opened an unrelated plugin file"
"$ZCNAS" plugins --plugin-path "$T/pp" > /dev/null 2> "$T/err"
grep -q "plugin refused: $T/pp/junk.so: not an ELF shared object" "$T/err" || fail "junk.so not refused by plugins"
# a required plugin that is refused is reported with its file and reason
cp "$T/pp/junk.so" "$T/pp/params.so"
expect_status 2 "$ZCNAS" score --plugin-path "$T/pp" --space nb201 --arch '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|' --proxy params
grep -q "proxy 'params' was refused: $T/pp/params.so: not an ELF shared object" "$T/err" || fail "refusal reason"

# every NB201 architecture, in official index order: row 6111 is the best CIFAR-10 cell
"$ZCNAS" arch --space nb201 --all > "$T/all.csv"
[ "$(wc -l < "$T/all.csv")" -eq 15626 ] || fail "arch --all row count"
grep -q '^6111,|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|,1.073466,' "$T/all.csv" \
  || fail "row 6111"

# score reads the arch output back as an architecture file and agrees with it
head -n 21 "$T/all.csv" > "$T/twenty.csv"
"$ZCNAS" score --space nb201 --arch-file "$T/twenty.csv" --proxy params,flops --seed 3 > "$T/scores.csv"
[ "$(head -n 1 "$T/scores.csv")" = "arch,params,flops" ] || fail "score header"
tail -n +2 "$T/twenty.csv" | cut -d, -f2,3 > "$T/want.txt"
tail -n +2 "$T/scores.csv" | cut -d, -f1,2 > "$T/got.txt"
cmp -s "$T/want.txt" "$T/got.txt" || fail "score params differ from arch params"

# a pipeline run: random search, every candidate in scores.csv, the best on top
"$ZCNAS" run "$SRCDIR/share/pipelines/search-random.cfg" --out "$T/run" --set budget=30 > "$T/run.txt"
[ "$(wc -l < "$T/run/scores.csv")" -eq 31 ] || fail "run: 30 rows expected"
best=$(tail -n +2 "$T/run/scores.csv" | cut -d, -f3 | sort -g | tail -n 1)
grep -q "^1 .* $best" "$T/run.txt" || grep -q "^1  " "$T/run.txt" || fail "run table"
awk -v b="$best" 'NR==3 { if ($3 + 0 != b + 0) exit 1 }' "$T/run.txt" || fail "best row not first"
# the same pipeline again gives the same file (seeded)
"$ZCNAS" run "$SRCDIR/share/pipelines/search-random.cfg" --out "$T/run2" --set budget=30 -q > /dev/null
cmp -s "$T/run/scores.csv" "$T/run2/scores.csv" || fail "run not deterministic"

# the layerstats experiment: one row per depth-percentile bin (0..10), every bin filled
"$ZCNAS" run "$SRCDIR/share/pipelines/layerstats.cfg" --set sample.count=3 --set data.batch=16 --out "$T/ls" -q > "$T/ls.txt"
[ "$(wc -l < "$T/ls/layerstats.csv")" -eq 12 ] || fail "layerstats.csv rows"
awk -F, 'NR > 1 && $3 < 1 { exit 1 }' "$T/ls/layerstats.csv" || fail "empty layerstats bin"
grep -q "^suggested: layer_start=[0-9]* layer_end=[0-9]*" "$T/ls.txt" || fail "layerstats suggestion"

# errors: one clear message, exit status 2
expect_status 2 "$ZCNAS" run "$SRCDIR/share/pipelines/search-random.cfg" --set searcher.budgett=3
grep -q "search-random.cfg:[0-9]*: searcher 'random': 'budgett': unknown setting" "$T/err" \
  || grep -q "\-\-set searcher.budgett: searcher 'random': 'budgett': unknown setting" "$T/err" || fail "unknown key message"
printf 'experiment = "search";\nspace = { name = "nb201"; dataset = "mnist"; };\nproxies = ("params");\nsearcher = { name = "random"; };\n' > "$T/bad.cfg"
expect_status 2 "$ZCNAS" run "$T/bad.cfg"
grep -q "bad.cfg:2: space 'nb201': 'dataset': 'mnist' is not one of cifar10|cifar100|imagenet16-120" "$T/err" || fail "bad value message"
expect_status 2 "$ZCNAS" frobnicate
expect_status 2 "$ZCNAS" arch --space nb201 --arch '|nor_conv_3x3~0|+|none~0|'
grep -q "position 26: expected an operation, found the end of the string" "$T/err" || fail "parse position"
# a --set value with a stray quote or semicolon, or an unbalanced list, is refused (it
# used to become a directory named '"DIR";' or a proxy named '[params')
expect_status 2 "$ZCNAS" run "$SRCDIR/share/pipelines/search-random.cfg" --set "output.dir=\"$T/q\";" --set budget=2 -q
grep -q "^zcnas: --set output.dir: \"$T/q\"; is not one string" "$T/err" || fail "stray quote message"
expect_status 2 "$ZCNAS" run "$SRCDIR/share/pipelines/search-random.cfg" --set 'proxies=[params' -q
grep -q "^zcnas: --set proxies=\[params: proxies '\[params': unbalanced \[ \]" "$T/err" || fail "unbalanced list message"
# integers beyond 32 bits are not wrapped, beyond 64 bits are an error naming FILE:LINE
expect_status 2 "$ZCNAS" run "$SRCDIR/share/pipelines/search-random.cfg" --set output.top=4294967298 -q
grep -q "^zcnas: --set output.top: output: 'top': 4294967298 is out of range \[1, 1000000\]" "$T/err" \
  || fail "wide --set message"
printf 'experiment = "search";\nseed = 99999999999999999999;\n' > "$T/huge.cfg"
expect_status 2 "$ZCNAS" run "$T/huge.cfg"
grep -q "huge.cfg:2: 'seed': 99999999999999999999 is out of range of a 64-bit integer" "$T/err" || fail "huge seed message"
expect_status 2 "$ZCNAS" run "$T"
grep -q ": is a directory, not a pipeline file" "$T/err" || fail "directory message"
# backends: an unknown one is a usage error naming the choices; the two backends agree to
# rounding and keep their scores apart in the cache (a cpu-ref score is never served for cpu)
A='|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|'
expect_status 2 "$ZCNAS" score --space nb201 --arch "$A" --proxy synflow --backend gpu --no-cache
grep -q "backend 'gpu': unknown (this build has cpu, cpu-ref, cpu-staged" "$T/err" || fail "--backend gpu message"
printf 'experiment = "correlate";\nbackend = "tpu";\n' > "$T/tpu.cfg"
expect_status 2 "$ZCNAS" run "$T/tpu.cfg"
grep -q "tpu.cfg:2: backend 'tpu': unknown" "$T/err" || fail "backend in a pipeline: message"
for b in cpu-ref cpu cpu-ref; do
  "$ZCNAS" score --space nb201 --arch "$A" --proxy synflow,zen --backend $b --cache "$T/be.sqlite" -q > "$T/be-$b.csv"
done
[ "$("$ZCNAS" cache stats --cache "$T/be.sqlite" | sed -n 's/^records: //p')" = 4 ] || fail "backends share cache records"
tail -n 1 "$T/be-cpu.csv" | awk -F, '{ print $2, $3 }' > "$T/be1" && tail -n 1 "$T/be-cpu-ref.csv" | awk -F, '{ print $2, $3 }' > "$T/be2"
paste "$T/be1" "$T/be2" | awk '{ for (i = 1; i <= 2; i++) { d = $i - $(i + 2); if (d < 0) d = -d; if (d > 1e-4 * ($(i + 2) < 0 ? -$(i + 2) : $(i + 2))) exit 1 } }' \
  || fail "cpu and cpu-ref disagree: $(cat "$T/be1") vs $(cat "$T/be2")"
# every proxy through the device seam: cpu-staged keeps its arena apart from the host and
# runs each op on staged copies, as a device backend without a kernel for it would; the
# scores are those of cpu-ref to the last printed digit
P=aznas,dss,epe_nas,fisher,flops,grad_norm,grasp,jacov,l2_norm,lswag,meco,nwot,params,plain,snip,swap,synflow,vkdnw,zen,zico
for b in cpu-ref cpu-staged; do
  "$ZCNAS" score --space nb201 --arch "$A" --proxy $P --backend $b --no-cache -q -b 16 \
    -d "cifar10:$SRCDIR/share/data/cifar10_test2000.bin" > "$T/all-$b.csv" || fail "all proxies on $b"
done
[ "$(head -n 1 "$T/all-cpu-staged.csv" | tr ',' '\n' | wc -l)" -ge 20 ] || fail "all proxies: columns missing"
cmp -s "$T/all-cpu-ref.csv" "$T/all-cpu-staged.csv" || fail "cpu-staged and cpu-ref disagree: $(cat "$T/all-cpu-staged.csv")"
# the CUDA backend's own code on the host (cuda-emu: its C side, kernels, cuBLAS and cuDNN
# calls against an emulation): the proxies agree with cpu-ref to float rounding (summation
# orders differ), every column within 1e-3 relative
P=lswag,synflow,grad_norm,snip,nwot,jacov,zen
for b in cpu-ref cuda-emu; do
  "$ZCNAS" score --space nb201 --arch "$A" --proxy $P --backend $b --no-cache -q -b 8 \
    -d "cifar10:$SRCDIR/share/data/cifar10_test2000.bin" > "$T/emu-$b.csv" || fail "proxies on $b"
done
paste -d, "$T/emu-cpu-ref.csv" "$T/emu-cuda-emu.csv" | awk -F, 'NR == 2 { n = NF / 2; for (i = 2; i <= n; i++) {
    d = $i - $(n + i); if (d < 0) d = -d; m = $i < 0 ? -$i : $i; if (d > 1e-3 * m) { print i; exit 1 } } }' \
  || fail "cuda-emu and cpu-ref disagree: $(cat "$T/emu-cpu-ref.csv" "$T/emu-cuda-emu.csv")"
# ... and on a DARTS network (depthwise and dilated convolutions, concat, factorized reduce)
D1='0,0 1,5 1,1 0,1 1,3 0,3 1,3 3,2|1,0 0,2 1,3 0,3 3,0 0,1 2,0 3,6'
for b in cpu-ref cuda-emu; do
  "$ZCNAS" score --space darts --arch "$D1" --proxy grad_norm,snip,nwot --backend $b --no-cache -q -b 4 \
    -d "cifar10:$SRCDIR/share/data/cifar10_test2000.bin" | tail -n 1 | awk -F'"' '{ print $3 }' > "$T/darts-$b.csv" \
    || fail "darts on $b"
done
paste -d, "$T/darts-cpu-ref.csv" "$T/darts-cuda-emu.csv" | awk -F, '{ n = NF / 2; if (n < 4) exit 1; for (i = 2; i <= n; i++) {
    d = $i - $(n + i); if (d < 0) d = -d; m = $i < 0 ? -$i : $i; if (d > 1e-3 * m) exit 1 } }' \
  || fail "darts: cuda-emu and cpu-ref disagree: $(cat "$T/darts-cpu-ref.csv" "$T/darts-cuda-emu.csv")"
echo "cli.sh: all checks passed"
