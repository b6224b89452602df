#!/bin/sh
# Integration: a run never overwrites its inputs; failures of the machine are not cached;
# `zcnas cache purge`; clear messages about unusable caches and too small samples.
# Data: the toy space of tests/plugins and tables written here.
set -eu
. "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME="$T/xdg"   # never the user's cache
PP="--plugin-path ${top_builddir}/tests/plugins/.libs"
{ echo "arch,acc"; for c in 1 2 3 4 5 6; do for d in 0 1 2; do echo "c$c-d$d,$(( (c * 7 + d * 13) % 97 ))"; done; done; } \
  > "$T/toy.csv"
mkdir "$T/in"
cp "$T/toy.csv" "$T/in/scores.csv"
cat > "$T/in/toy.cfg" <<CFG
experiment = "correlate";
space = { name = "toy"; };
proxies = ( "params" );
benchmarks = ( { table = "scores.csv"; key = "arch"; metric = "acc"; } );
sample = { count = 0; };
output = { bootstrap = 0; plots = false; };
CFG

# 1. --out at the directory of the benchmark table (by another name, too): refused up front
expect_status 2 "$ZCNAS" run "$T/in/toy.cfg" $PP -q --cache "$T/c.sqlite" -o "$T/in"
grep -q "overwrite the benchmark table" "$T/err" || fail "overwrite: message"
cmp -s "$T/toy.csv" "$T/in/scores.csv" || fail "the benchmark table was overwritten"
ln -s "$T/in" "$T/link"
expect_status 2 "$ZCNAS" run "$T/in/toy.cfg" $PP -q --cache "$T/c.sqlite" -o "$T/link/."
cmp -s "$T/toy.csv" "$T/in/scores.csv" || fail "the benchmark table was overwritten through a link"
[ ! -e "$T/c.sqlite" ] || [ "$("$ZCNAS" cache stats --cache "$T/c.sqlite" | sed -n 's/^records: //p')" = 0 ] \
  || fail "overwrite: scored before refusing"
# the cache is an input too
cp "$T/in/toy.cfg" "$T/p.cfg"
sed -i 's|"scores.csv"|"in/scores.csv"|' "$T/p.cfg"
mkdir "$T/o"
"$ZCNAS" run "$T/p.cfg" $PP -q --cache "$T/o/report.md" -o "$T/x" > /dev/null
expect_status 2 "$ZCNAS" run "$T/p.cfg" $PP -q --cache "$T/o/report.md" -o "$T/o"
grep -q "overwrite the score cache" "$T/err" || fail "overwrite the cache: message"
"$ZCNAS" cache stats --cache "$T/o/report.md" > /dev/null || fail "the cache was overwritten"
# an output directory that is no input: fine, and no temporary files left behind
"$ZCNAS" run "$T/p.cfg" $PP -q --cache "$T/c.sqlite" -o "$T/good" > /dev/null
[ "$(ls "$T/good" | tr '\n' ' ')" = "correlations.csv correlations.json report.md scores.csv " ] \
  || fail "outputs: $(ls "$T/good")"

# 2. out of memory (the workspace of 64-channel networks on 4096 images of 64x64 is ~190 GB)
#    is reported, not cached: a run on a bigger machine computes it
cat > "$T/big.cfg" <<CFG
experiment = "correlate";
space = { name = "toy"; resolution = 64; };
proxies = ( "grad_norm" );
data = { spec = "gaussian(classes=4):3x64x64"; batch = 4096; };
benchmarks = ( { table = "$T/big.csv"; key = "arch"; metric = "acc"; } );
sample = { count = 0; };
output = { bootstrap = 0; plots = false; };
CFG
printf 'arch,acc\nc62-d8,1\nc63-d8,2\nc64-d8,3\n' > "$T/big.csv"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1"
"$ZCNAS" run "$T/big.cfg" $PP --cache "$T/big.sqlite" -o "$T/big" > /dev/null 2> "$T/err" || true
grep -q "cannot allocate" "$T/err" || fail "out of memory: no warning"
[ "$("$ZCNAS" cache stats --cache "$T/big.sqlite" | sed -n 's/^records: //p')" = 0 ] || fail "out of memory was cached"

# 3. an error of the configuration or the data: once, before scoring, exit 2, not cached
sed 's/gaussian(classes=4):3x64x64/gaussian:3x8x8/; s/resolution = 64; //; s/batch = 4096/batch = 8/' \
  "$T/big.cfg" > "$T/classes.cfg"
expect_status 2 "$ZCNAS" run "$T/classes.cfg" $PP --cache "$T/cls.sqlite" -o "$T/cls"
[ "$(grep -c "10 classes, the network's head only 4" "$T/err")" -eq 1 ] || fail "classes: not one message"
[ "$("$ZCNAS" cache stats --cache "$T/cls.sqlite" | sed -n 's/^records: //p')" = 0 ] || fail "classes: cached"
cat > "$T/shape.cfg" <<CFG
experiment = "correlate";
space = { name = "nb201"; dataset = "imagenet16-120"; };
proxies = ( "grad_norm" );
data = { spec = "cifar10:$SRCDIR/share/data/cifar10_test2000.bin"; batch = 8; };
benchmarks = ( { table = "$SRCDIR/share/data/nb201_accuracy.csv"; key = "arch_str"; metric = "cifar10_val_acc"; } );
sample = { count = 4; };
output = { bootstrap = 0; plots = false; };
CFG
expect_status 2 "$ZCNAS" run "$T/shape.cfg" --cache "$T/cls.sqlite" -o "$T/shape"
[ "$(grep -c "has images 3x32x32, the space expects 3x16x16" "$T/err")" -eq 1 ] || fail "shape: not one message"
# a batch that a class cannot fill (200 images per class, 410 needed)
sed 's/imagenet16-120/cifar10/; s/batch = 8/batch = 4096/' "$T/shape.cfg" > "$T/batch.cfg"
expect_status 2 "$ZCNAS" run "$T/batch.cfg" --no-cache -o "$T/batch"
[ "$(grep -c "class 0 has 200 images, a balanced batch of 4096 needs 410" "$T/err")" -eq 1 ] || fail "batch: not one message"

# epe_nas with no class twice in the batch (100 classes, 64 images): one warning, status
# degenerate and NaN, not a score of 0 for every network
cat > "$T/epe.cfg" <<CFG
experiment = "correlate";
space = { name = "toy"; classes = 100; };
proxies = ( "epe_nas", "params" );
data = { spec = "gaussian(classes=100):3x8x8"; batch = 64; };
benchmarks = ( { table = "$T/toy.csv"; key = "arch"; metric = "acc"; } );
sample = { count = 5; };
output = { bootstrap = 0; plots = false; };
CFG
"$ZCNAS" run "$T/epe.cfg" $PP --cache "$T/epe.sqlite" -o "$T/epe" > /dev/null 2> "$T/err" || fail "epe_nas run"
[ "$(grep -c "epe_nas: no class occurs twice" "$T/err")" -eq 1 ] || fail "epe_nas: not one warning"
[ "$(sed -n 2p "$T/epe/scores.csv" | cut -d, -f3,6)" = "nan,degenerate;ok" ] || fail "epe_nas: $(sed -n 2p "$T/epe/scores.csv")"
"$ZCNAS" cache stats --cache "$T/epe.sqlite" | grep -q "^toy  *epe_nas  *5  *0  *0  *5$" || fail "epe_nas: cache status"

# cache purge: all, --failed, --proxy; says how many
"$ZCNAS" cache purge --failed --cache "$T/c.sqlite" > "$T/out" || fail "purge --failed"
grep -q "^removed 0 records from " "$T/out" || fail "purge --failed: $(cat "$T/out")"
"$ZCNAS" cache purge --proxy flops --cache "$T/c.sqlite" > "$T/out" || fail "purge --proxy flops"
grep -q "^removed 0 records from " "$T/out" || fail "purge --proxy flops: $(cat "$T/out")"
"$ZCNAS" cache purge --proxy params --cache "$T/c.sqlite" > "$T/out" || fail "purge --proxy"
grep -q "^removed 18 records from " "$T/out" || fail "purge --proxy params: $(cat "$T/out")"
[ "$("$ZCNAS" cache stats --cache "$T/c.sqlite" | sed -n 's/^records: //p')" = 0 ] || fail "purge left records"
expect_status 2 "$ZCNAS" cache stats --failed --cache "$T/c.sqlite"

# 5. zcnas score: the worker pool and the cache of zcnas run; proxy options on the command line
printf 'c4-d1\nc9-d2\nc3-d0\nc12-d3\nc7-d1\n' > "$T/archs.txt"
S="$ZCNAS score --space toy $PP --arch-file $T/archs.txt -q"
$S --proxy params,synflow --jobs 1 --no-cache > "$T/s1.csv" || fail "score --jobs 1"
$S --proxy params,synflow --jobs 3 --cache "$T/score.sqlite" > "$T/s3.csv" || fail "score --jobs 3"
cmp -s "$T/s1.csv" "$T/s3.csv" || fail "score: --jobs 3 differs from --jobs 1"
[ "$("$ZCNAS" cache stats --cache "$T/score.sqlite" | sed -n 's/^records: //p')" = 10 ] || fail "score: not cached"
$S --proxy params,synflow --cache "$T/score.sqlite" > "$T/s4.csv" || fail "score from the cache"
cmp -s "$T/s1.csv" "$T/s4.csv" || fail "score: cached scores differ"
$S --proxy synflow:log=false,params --no-cache > "$T/s5.csv" || fail "score --proxy synflow:log=false"
[ "$(head -n 1 "$T/s5.csv")" = "arch,synflow,params" ] || fail "score with options: header"
[ "$(sed -n 2p "$T/s5.csv" | cut -d, -f2)" != "$(sed -n 2p "$T/s1.csv" | cut -d, -f3)" ] || fail "synflow:log=false ignored"
expect_status 2 $S --proxy synflow:bogus=1 --no-cache
grep -q "proxy 'synflow' has no option 'bogus'" "$T/err" || fail "unknown proxy option: message"
expect_status 2 $S --proxy synflow --set 'proxies=[{name="synflow";log=false;}]' --no-cache
expect_status 2 "$ZCNAS" run "$T/p.cfg" $PP -q --no-cache -o "$T/g" --set 'proxies=[{name="synflow";log=false;}]'
expect_status 2 "$ZCNAS" run "$T/p.cfg" $PP -q --no-cache -o "$T/g" --set 'proxies=synflow:log=maybe'
grep -q "proxy 'synflow': option 'log': 'maybe'" "$T/err" || fail "bad proxy option value: message"
"$ZCNAS" run "$T/p.cfg" $PP -q --no-cache -o "$T/g" --set 'proxies=synflow:log=false,params' > /dev/null \
  || fail "run --set proxies=NAME:KEY=VALUE"
[ "$(head -n 1 "$T/g/scores.csv")" = "n,arch,synflow,params,acc,status" ] || fail "run with proxy options: header"

# 4. cache messages
expect_status 2 "$ZCNAS" run "$T/p.cfg" $PP -q --cache "" -o "$T/e"
grep -q "cache needs a file name" "$T/err" || fail "--cache '': message"
# (and the sample: a correlation of one architecture)
expect_status 2 "$ZCNAS" run "$T/p.cfg" $PP -q --no-cache -o "$T/e" --set sample.count=1
grep -q "sample.count = 1: a correlation needs at least 3 architectures" "$T/err" || fail "sample.count = 1: message"
expect_status 1 "$ZCNAS" cache stats --cache "$T/none.sqlite"
[ "$(wc -l < "$T/err")" -eq 1 ] || fail "cache stats: the error more than once"
grep -q "no score cache here" "$T/err" || fail "cache stats: missing file"
cp "$T/c.sqlite" "$T/bad.sqlite"
"$ZCNAS" run "$T/p.cfg" $PP -q --cache "$T/bad.sqlite" -o "$T/b" > /dev/null
for c in $(seq 1 64); do for d in 3 4 5 6 7 8; do echo "c$c-d$d,$c"; done; done >> "$T/in/scores.csv"
sed -i 's|"params"|"params", "flops"|' "$T/p.cfg"
"$ZCNAS" run "$T/p.cfg" $PP -q --cache "$T/bad.sqlite" -o "$T/b" > /dev/null
"$ZCNAS" cache vacuum --cache "$T/bad.sqlite" > /dev/null
# garbage over three pages in the middle of the records (the schema pages stay readable)
yes zcnas | head -c 12288 | dd of="$T/bad.sqlite" bs=4096 seek=10 count=3 conv=notrunc 2> /dev/null
expect_status 1 "$ZCNAS" cache vacuum --cache "$T/bad.sqlite"
grep -q "not a usable zcnas score cache" "$T/err" || fail "vacuum of a damaged file"
grep -q "disk is full" "$T/err" && fail "vacuum of a damaged file blames the disk"
# a cache that cannot be written is refused when opened, before any scoring
if [ "$(id -u)" = 0 ]; then
  command -v setpriv > /dev/null || { echo "root without setpriv: permission checks skipped"; exit 0; }
  AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
  chmod 755 "$T"
  # a build tree under a private folder (e.g. /root) is out of that user's reach
  $AS "$ZCNAS" --version > /dev/null 2>&1 || { echo "build tree not reachable by uid 65534: permission checks skipped"; exit 0; }
else
  AS=""
fi
mkdir "$T/ro" "$T/w"
chmod 777 "$T/w"
"$ZCNAS" run "$T/p.cfg" $PP -q --cache "$T/ro/c.sqlite" -o "$T/r" > /dev/null
chmod 555 "$T/ro"
chmod 444 "$T/ro/c.sqlite"
chmod -R a+rX "$T/in"
expect_status 1 $AS "$ZCNAS" run "$T/p.cfg" $PP --cache "$T/ro/c.sqlite" -o "$T/w/o"
grep -q "cannot be written" "$T/err" || fail "read-only cache: message"
grep -q "proxy scores computed" "$T/err" && fail "read-only cache: scored before failing"
expect_status 1 $AS "$ZCNAS" run "$T/p.cfg" $PP --cache "$T/ro/new/c.sqlite" -o "$T/w/o"
grep -q "cannot create directory" "$T/err" || fail "unwritable directory: message"
expect_status 1 $AS "$ZCNAS" run "$T/p.cfg" $PP --cache "$T/ro/new.sqlite" -o "$T/w/o"
grep -q "cannot be created in its directory: Permission denied" "$T/err" || fail "unwritable directory: message"
grep -q "not a usable" "$T/err" && fail "unwritable directory: called unusable"
exit 0
