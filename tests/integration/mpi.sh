#!/bin/sh
# Integration: mpirun -np 2 gives the same results as one process (./configure --with-mpi).
set -eu
grep -q "^#define HAVE_MPI 1" "${top_builddir:?}/config.h" || { echo "built without MPI: skipped"; exit 77; }
command -v mpirun > /dev/null || { echo "no mpirun: skipped"; exit 77; }
. "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME="$T/xdg" ZCNAS_GNUPLOT=""
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
PP="--plugin-path ${top_builddir}/tests/plugins/.libs"
{ echo arch,acc
  for c in 1 2 3 4 5 6 7 8; do for d in 0 1 2 3; do echo "c$c-d$d,$(( (c * 7 + d * 13) % 97 ))"; done; done; } > "$T/toy.csv"
cat > "$T/toy.cfg" <<CFG
experiment = "correlate";
space = { name = "toy"; };
proxies = ( "grad_norm", "params" );
benchmark = { table = "toy.csv"; key = "arch"; metric = "acc"; };
sample = { count = 0; };
data = { spec = "gaussian(classes=4):3x8x8"; batch = 8; };
output = { bootstrap = 100; };
CFG
"$ZCNAS" run "$T/toy.cfg" $PP --no-cache -o "$T/one" -q > "$T/one.txt"
mpirun -np 2 "$ZCNAS" run "$T/toy.cfg" $PP --cache "$T/c.sqlite" -o "$T/two" > "$T/two.txt" 2> "$T/err" \
  || fail "mpirun -np 2 failed"
[ "$(grep -c "proxy scores computed" "$T/err")" -eq 1 ] || fail "not one run shared by 2 ranks"
grep -q "zcnas: 64 proxy scores computed, 0 from the cache" "$T/err" || fail "rank 0 did not collect every score"
for f in scores.csv correlations.csv; do cmp -s "$T/one/$f" "$T/two/$f" || fail "2 ranks: $f differs from 1 process"; done
[ "$(grep -v '^results:' "$T/one.txt")" = "$(grep -v '^results:' "$T/two.txt")" ] || fail "2 ranks: stdout differs"
# rank 0 owns the cache: a rerun on 2 ranks takes everything from it
mpirun -np 2 "$ZCNAS" run "$T/toy.cfg" $PP --cache "$T/c.sqlite" -o "$T/three" > /dev/null 2> "$T/err" || fail "rerun"
grep -q "zcnas: 0 proxy scores computed, 64 from the cache" "$T/err" || fail "2 ranks: cache not reused"
cmp -s "$T/one/scores.csv" "$T/three/scores.csv" || fail "cached 2-rank run differs"
# the search experiment too
mpirun -np 2 "$ZCNAS" run "$SRCDIR/share/pipelines/search-random.cfg" --no-cache -o "$T/s2" -q > /dev/null || fail "search"
"$ZCNAS" run "$SRCDIR/share/pipelines/search-random.cfg" --no-cache -o "$T/s1" -q > /dev/null
cmp -s "$T/s1/scores.csv" "$T/s2/scores.csv" || fail "2-rank search differs"
echo "mpi.sh: all checks passed"
