#!/bin/sh
# bench/gpu-check.sh: the one command for a machine with an NVIDIA GPU.
#
#   sh bench/gpu-check.sh [--jobs J] [--quick | --sizes "A B C D E"] [--backend B]
#
# 1. builds zcnas with the CUDA backend (./configure --with-cuda) in _build-cuda, or uses
#    this tree when it is already configured that way;
# 2. runs the cross-backend harness on the GPU (tests/unit/test_backend_cuda: every op and
#    hook, CUDA against the reference CPU kernels);
# 3. measures, on backend cuda with J streams (default 4), batch 64 of the shipped CIFAR-10
#    images:
#      - NB201, L-SWAG, 1000 seeded cells: networks per second;
#      - NB201, the 13 NAS-Bench-Suite-Zero proxies in one scorer, 1000 cells;
#      - all 15,625 NB201 cells with L-SWAG (share/pipelines/nb201-all.cfg), wall time, and
#        the Spearman correlation of its scores with the shipped CPU table
#        (share/data/nb201_all_lswag_cifar10.csv);
#      - 100 AutoFormer-Small networks at 224x224 with L-SWAG;
#      - every proxy on 200 NB201 cells on cuda and on cpu: Spearman between the backends;
# and prints one table (Markdown), also written to gpu-check.md.  --quick: 100/100/1000/10/50
# networks instead, for a first look; --sizes sets the five counts.  --backend runs the
# same table on another backend (the harness row is then left out): `--backend cpu --sizes
# "8 4 8 1 8"` checks this script on a machine without a GPU.  Each stage has its own time
# limit, so the table always comes out; a stage that failed or ran out of time says so.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=4
sizes="1000 1000 15625 100 200"
be=cuda
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --quick) sizes="100 100 1000 10 50"; shift ;;
    --sizes) sizes=$2; shift 2 ;;
    --backend) be=$2; shift 2 ;;
    *) echo "usage: sh bench/gpu-check.sh [--jobs J] [--quick | --sizes \"A B C D E\"] [--backend B]" >&2; exit 2 ;;
  esac
done
set -- $sizes
n_lswag=$1; n_nbsz=$2; n_all=$3; n_vit=$4; n_cmp=$5

say() { printf '== %s\n' "$*" >&2; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---- 1. build ----
if grep -q -- '--with-cuda' "$top/config.status" 2>/dev/null; then
  build=$top
elif [ -f "$top/config.status" ]; then
  echo "bench/gpu-check.sh: $top is configured without --with-cuda; run it from a clean clone, or" >&2
  echo "  ./configure --with-cuda && make there first" >&2
  exit 2
else
  build=$top/_build-cuda
fi
say "build ($build)"
nvidia-smi -L 2>/dev/null >&2 || say "nvidia-smi: not found"
( set -e
  cd "$top"
  [ -x configure ] || autoreconf -fi > /dev/null
  mkdir -p "$build" && cd "$build"
  [ -f config.status ] || "$top/configure" -q --with-cuda
  make -j"$(nproc)" -s > /dev/null
  make -j"$(nproc)" -s tests/unit/test_backend_cuda > /dev/null ) || { echo "bench/gpu-check.sh: the CUDA build failed" >&2; exit 1; }
zcnas=$build/zcnas
data="$top/share/data/cifar10_test2000.bin"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zcnas-gpu.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
rows=$tmp/rows

# ---- 2. harness ----
if [ "$be" = cuda ]; then
say "cross-backend harness"
t0=$(now)
timeout 300 "$build/tests/unit/test_backend_cuda" > "$tmp/harness.log" 2>&1
rc=$?
t1=$(now)
case $rc in
  0) h="pass ($(grep -c '^\[       OK \]' "$tmp/harness.log") of $(grep -c '^\[ RUN      \]' "$tmp/harness.log") tests)" ;;
  77) h="skipped: $(head -n 1 "$tmp/harness.log")" ;;
  124) h="timed out after 300 s" ;;
  *) h="FAIL (exit $rc): $(grep -m 3 -E 'NMSE|error|Error' "$tmp/harness.log" | tr '\n' ' ')" ;;
esac
echo "| cross-backend harness (every op and hook, f32/f64, moments) | $h | $(secs "$t0" "$t1") s |" >> "$rows"
[ $rc = 77 ] && { cat "$tmp/harness.log" >&2; echo "bench/gpu-check.sh: no GPU visible" >&2; exit 1; }
fi

# ---- 3. throughput ----
# score ARCH-FILE PROXIES BACKEND JOBS OUT LIMIT [extra...]: prints seconds, or why not
score() {
  f=$1; p=$2; b=$3; j=$4; out=$5; lim=$6; shift 6
  t0=$(now)
  timeout "$lim" "$zcnas" score --arch-file "$f" --proxy "$p" --batch 64 --jobs "$j" --backend "$b" --no-cache -q \
    "$@" > "$out" 2> "$out.err"
  rc=$?
  t1=$(now)
  case $rc in 0) secs "$t0" "$t1" ;; 124) echo timeout ;; *) echo "fail: $(head -c 200 "$out.err")" ;; esac
}
rate() {   # seconds n -> "x networks/s (y ms per network)"
  case $1 in [0-9]*) awk -v s="$1" -v n="$2" 'BEGIN { printf "%.1f networks/s (%.1f ms per network)", n / s, 1000 * s / n }' ;; *) echo "$1" ;; esac
}

say "NB201 L-SWAG, $n_lswag cells"
"$zcnas" arch --space nb201 --sample "$n_lswag" --seed 0 > "$tmp/a1.csv"
s=$(score "$tmp/a1.csv" lswag "$be" "$jobs" "$tmp/s1.csv" 300 --space nb201 --data "cifar10:$data")
echo "| NB201, L-SWAG, $n_lswag cells, batch 64, backend $be | $(rate "$s" "$n_lswag") | $s s |" >> "$rows"

say "NB201, 13 NBSZ proxies, $n_nbsz cells"
nbsz=epe_nas,fisher,flops,grad_norm,grasp,jacov,l2_norm,nwot,params,plain,snip,synflow,zen
"$zcnas" arch --space nb201 --sample "$n_nbsz" --seed 1 > "$tmp/a2.csv"
s=$(score "$tmp/a2.csv" "$nbsz" "$be" "$jobs" "$tmp/s2.csv" 600 --space nb201 --data "cifar10:$data")
echo "| NB201, the 13 NBSZ proxies in one scorer, $n_nbsz cells | $(rate "$s" "$n_nbsz") | $s s |" >> "$rows"

say "NB201, L-SWAG, $n_all cells"
if [ "$n_all" = 15625 ]; then "$zcnas" arch --space nb201 --all > "$tmp/a3.csv"
else "$zcnas" arch --space nb201 --sample "$n_all" --seed 2 > "$tmp/a3.csv"; fi
s=$(score "$tmp/a3.csv" lswag "$be" "$jobs" "$tmp/s3.csv" 900 --space nb201 --data "cifar10:$data")
# Spearman against the shipped CPU scores of the same cells
rho=$(awk -F, 'FNR == 1 { next } NR == FNR { cpu[$1] = $2; next } ($1 in cpu) { print cpu[$1] "," $NF }' \
  "$top/share/data/nb201_all_lswag_cifar10.csv" "$tmp/s3.csv" 2> /dev/null | sh "$top/bench/spearman.sh" 2> /dev/null)
echo "| NB201, L-SWAG, $n_all cells (goal: all 15,625 in < 120 s) | $(rate "$s" "$n_all") | $s s; Spearman with the shipped CPU scores ${rho:-n/a} |" >> "$rows"

say "AutoFormer-Small 224x224, L-SWAG, $n_vit networks"
"$zcnas" arch --space autoformer --sample "$n_vit" --seed 0 > "$tmp/a4.csv"
s=$(score "$tmp/a4.csv" lswag "$be" "$jobs" "$tmp/s4.csv" 300 --space autoformer --data "cifar10(size=224):$data")
echo "| AutoFormer-Small 224x224, L-SWAG, $n_vit networks | $(rate "$s" "$n_vit") | $s s |" >> "$rows"

say "every proxy, $n_cmp NB201 cells, $be against cpu"
all=aznas,epe_nas,fisher,flops,grad_norm,grasp,jacov,l2_norm,lswag,meco,nwot,params,plain,snip,swap,synflow,zen,zico
"$zcnas" arch --space nb201 --sample "$n_cmp" --seed 3 > "$tmp/a5.csv"
sg=$(score "$tmp/a5.csv" "$all" "$be" "$jobs" "$tmp/g.csv" 300 --space nb201 --data "cifar10:$data")
sc=$(score "$tmp/a5.csv" "$all" cpu "$(nproc)" "$tmp/c.csv" 600 --space nb201 --data "cifar10:$data")
worst=1; detail=""
ncol=$(head -n 1 "$tmp/c.csv" | awk -F, '{ print NF }')
for k in $(seq 2 "$ncol"); do
  name=$(head -n 1 "$tmp/c.csv" | cut -d, -f"$k")
  r=$(paste -d, "$tmp/c.csv" "$tmp/g.csv" | awk -F, -v k="$k" -v n="$ncol" 'NR > 1 { print $k "," $(n + k) }' | sh "$top/bench/spearman.sh")
  detail="$detail $name $r;"
  worst=$(awk -v a="$worst" -v b="$r" 'BEGIN { print (b == b + 0 && b < a) ? b : a }')
done
echo "| every proxy on $n_cmp NB201 cells, Spearman $be vs cpu (goal >= 0.999) | lowest $worst | $be $sg s, cpu $sc s |" >> "$rows"
echo "$detail" | tr ';' '\n' | sed 's/^ */    /' >&2

{
  echo "| check | result | time |"
  echo "|---|---|---|"
  cat "$rows"
  echo
  gpu=$(nvidia-smi -L 2>/dev/null | head -n 1)
  echo "${gpu:-no GPU listed by nvidia-smi}; backend $be, --jobs $jobs; $(date -u +%Y-%m-%d)"
  echo "per-proxy Spearman ($be vs cpu):$detail"
} | tee gpu-check.md
