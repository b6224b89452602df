#!/bin/sh
# Same outputs before and after a change that must not change behaviour (a refactor).
#
#   bench/same-outputs.sh run BUILD_DIR OUT_DIR   # run the reference jobs with BUILD_DIR's zcnas
#   bench/same-outputs.sh compare OUT_A OUT_B      # every output file byte-identical?
#
# The jobs: the quick start (share/pipelines/quickstart.cfg: 100 NB201 networks, lswag,
# synflow, grad_norm, params) and the published check of tests/unit/test_published.c (30 NB201
# networks, sample seed 2025, L-SWAG and the 12 NAS-Bench-Suite-Zero proxies but grasp, batch
# 64 of the shipped CIFAR-10 images), both uncached, one worker.  Typical use: build the
# commit before the change in a worktree, `run` both builds, then `compare`.  About 3 minutes
# per build on 2 cores.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in
run)
  build=$(cd "$2" && pwd); out=$3
  mkdir -p "$out"
  z="$build/zcnas"
  "$z" run "$src/share/pipelines/quickstart.cfg" --no-cache --jobs 1 -q -o "$out/quickstart" > "$out/quickstart.txt"
  "$z" run "$src/share/pipelines/quickstart.cfg" --no-cache --jobs 1 -q -o "$out/published" \
    --set 'proxies=[lswag,epe_nas,fisher,flops,grad_norm,jacov,l2_norm,nwot,params,plain,snip,synflow,zen]' \
    --set benchmark.table="$src/share/data/nb201_nbsz_zc_proxies_cifar10.csv" \
    --set sample.count=30 --set sample.seed=2025 --set output.bootstrap=0 --set output.plots=false \
    > "$out/published.txt"
  # where the source tree and the outputs are is not an output: @SRC@ and @OUT@ stand for
  # them, so two checkouts and two output folders compare
  outabs=$(cd "$out" && pwd)
  find "$out" -type f ! -name '*.png' -exec sed -i "s|$src|@SRC@|g; s|$outabs|@OUT@|g" {} +
  echo "outputs in $out"
  ;;
compare)
  a=$2; b=$3; bad=0
  for f in $(cd "$a" && find . -type f ! -name '*.png' | sort); do
    if [ ! -f "$b/$f" ]; then echo "missing in $b: $f"; bad=1; continue; fi
    case "$f" in
      *report.md) # the software line names the build
        tmp=$(mktemp -d)
        grep -v '^- software: ' "$a/$f" > "$tmp/a"; grep -v '^- software: ' "$b/$f" > "$tmp/b"
        cmp -s "$tmp/a" "$tmp/b" || { echo "differs: $f"; bad=1; }
        rm -rf "$tmp" ;;
      *) cmp -s "$a/$f" "$b/$f" || { echo "differs: $f"; bad=1; } ;;
    esac
  done
  [ $bad -eq 0 ] && echo "same outputs: $(cd "$a" && find . -type f ! -name '*.png' | wc -l) files byte-identical"
  exit $bad
  ;;
*) echo "usage: $0 run BUILD_DIR OUT_DIR | compare OUT_A OUT_B" >&2; exit 2 ;;
esac
