#!/bin/sh
# bench/space.sh: what scoring a whole search space with L-SWAG costs on this machine.
#
#   sh bench/space.sh [BUILD_DIR] [-n N] [--jobs J] [--backend B]
#
# NAS-Bench-201 (CIFAR-10 networks, batch 64 of the shipped CIFAR-10 images): L-SWAG on a
# seeded sample of N cells (default 200) with J workers (default: every core), no cache;
# wall seconds per network, and the projection to all 15,625 cells; then the same sample
# on the reference kernels (backend cpu-ref) in the same run, and the speed-up over them
# (the scores of the two backends are compared too: the largest relative difference).  Then one
# AutoFormer-Small network at 224x224 (batch 64, CIFAR-10 images resampled): L-SWAG
# seconds per network.  The last line is
#     nb201_all_lswag_hours <x> autoformer_small_lswag_s <y>
# Wall time: run it on a quiet machine.  Not a test; `make bench` does not run it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top
n=200
jobs=$(nproc 2>/dev/null || echo 1)
backend=cpu
while [ $# -gt 0 ]; do
  case $1 in
    -n) n=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --backend) backend=$2; shift 2 ;;
    *) build=$1; shift ;;
  esac
done
zcnas="$build/zcnas"
[ -x "$zcnas" ] || { echo "bench/space.sh: no zcnas in $build (build it first)" >&2; exit 2; }
data="$top/share/data/cifar10_test2000.bin"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zcnas-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }

"$zcnas" arch --space nb201 --sample "$n" --seed 0 > "$tmp/archs.csv"
score_nb201() {   # backend output-file: seconds per network
  t0=$(now)
  "$zcnas" score --space nb201 --arch-file "$tmp/archs.csv" --proxy lswag --data "cifar10:$data" --batch 64 \
    --jobs "$jobs" --backend "$1" --no-cache -q > "$2"
  t1=$(now)
  echo "$t0 $t1 $n" | awk '{ printf "%.4f", ($2 - $1) / $3 }'
}
per=$(score_nb201 "$backend" "$tmp/scores.csv")
hours=$(echo "$per" | awk '{ printf "%.3f", $1 * 15625 / 3600 }')
echo "nb201: $n networks, $jobs workers, backend $backend: $per s per network; all 15625 cells: $hours h"
if [ "$backend" != cpu-ref ]; then
  ref=$(score_nb201 cpu-ref "$tmp/ref.csv")
  diff=$(paste -d, "$tmp/scores.csv" "$tmp/ref.csv" | awk -F, 'NR > 1 { d = $2 - $4; if (d < 0) d = -d; r = d / ($4 < 0 ? -$4 : $4); if (r > m) m = r } END { printf "%.2g", m }')
  echo "nb201: same networks on cpu-ref: $ref s per network; $backend is $(echo "$ref $per" | awk '{ printf "%.2f", $1 / $2 }')x faster; largest relative score difference $diff"
fi

"$zcnas" arch --space autoformer --sample 1 --seed 0 > "$tmp/vit.csv"
t0=$(now)
"$zcnas" score --space autoformer --arch-file "$tmp/vit.csv" --proxy lswag --data "cifar10(size=224):$data" \
  --batch 64 --jobs 1 --backend "$backend" --no-cache -q > "$tmp/vit_scores.csv"
t1=$(now)
vit=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')
echo "autoformer small 224x224, batch 64: $vit s for one network ($(sed -n 2p "$tmp/vit.csv" | awk -F'"' '{ print $2 }'))"
echo "nb201_all_lswag_hours $hours autoformer_small_lswag_s $vit"
