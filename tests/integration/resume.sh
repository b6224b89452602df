#!/bin/sh
# Integration: a run killed at any moment (kill -9, SIGINT, SIGTERM) and run again
# finishes with no score lost, none computed twice, and outputs identical to an
# uninterrupted run.
set -eu
. "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME="$T/xdg"   # never the user's cache
export ZCNAS_GNUPLOT=""
PP="--plugin-path ${top_builddir}/tests/plugins/.libs"

# toy networks: grad_norm needs a forward and backward pass, params is instant
{ echo arch,acc
  for c in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
    for d in 0 1 2 3 4 5; do echo "c$c-d$d,$(( (c * 7 + d * 13) % 97 ))"; done
  done; } > "$T/toy.csv"
cat > "$T/toy.cfg" <<CFG
experiment = "correlate";
space = { name = "toy"; resolution = 16; };
proxies = ( "grad_norm", "params" );
benchmark = { table = "toy.csv"; key = "arch"; metric = "acc"; };
sample = { count = 60; seed = 2; };
data = { spec = "gaussian(classes=4):3x16x16"; batch = 8; };
output = { bootstrap = 100; };
CFG

records() { n=$("$ZCNAS" cache stats --cache "$1" 2>/dev/null | sed -n "s/^records: //p"); echo "${n:-0}"; }
same() { for f in scores.csv correlations.csv correlations.json; do
           cmp -s "$T/ref/$f" "$1/$f" || fail "$1/$f differs from the uninterrupted run"; done; }

"$ZCNAS" run "$T/toy.cfg" $PP --cache "$T/ref.sqlite" -o "$T/ref" -q > /dev/null
[ "$(records "$T/ref.sqlite")" -eq 120 ] || fail "reference run: 60 x 2 records expected"

# 1. killed (SIGKILL, from inside, deterministically) after 7 architectures
set +e
ZCNAS_DEBUG_KILL_AFTER=7 "$ZCNAS" run "$T/toy.cfg" $PP --cache "$T/k.sqlite" -o "$T/k" -q > /dev/null 2>&1
st=$?
set -e
[ "$st" -eq 137 ] || fail "the kill hook: exit status $st, expected 137 (SIGKILL)"
[ "$(records "$T/k.sqlite")" -eq 14 ] || fail "after the kill: 7 x 2 records expected, not $(records "$T/k.sqlite")"
[ ! -f "$T/k/scores.csv" ] || fail "a killed run wrote scores.csv"
"$ZCNAS" run "$T/toy.cfg" $PP --cache "$T/k.sqlite" -o "$T/k" > /dev/null 2> "$T/err"
grep -q "zcnas: 106 proxy scores computed, 14 from the cache" "$T/err" || fail "resume did not reuse exactly the 14 scores"
same "$T/k"
[ "$(records "$T/k.sqlite")" -eq 120 ] || fail "resumed cache: 120 records expected"

# 2. kill -9 from outside at an arbitrary moment, then again on the rerun
"$ZCNAS" run "$T/toy.cfg" $PP --cache "$T/a.sqlite" -o "$T/a" -q > /dev/null 2>&1 &
pid=$!
i=0
while [ "$i" -lt 300 ] && [ "$(records "$T/a.sqlite")" -lt 10 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
n1=$(records "$T/a.sqlite")
"$ZCNAS" run "$T/toy.cfg" $PP --cache "$T/a.sqlite" -o "$T/a" > /dev/null 2> "$T/err"
grep -q "proxy scores computed, $n1 from the cache" "$T/err" || fail "after kill -9: the $n1 cached scores were not all reused"
same "$T/a"

# 3. SIGINT and SIGTERM stop cleanly: status 128 + signal, a message, what was done is cached
for sig in INT TERM; do
  rm -rf "$T/i" "$T/i.sqlite"*
  "$ZCNAS" run "$T/toy.cfg" $PP --cache "$T/i.sqlite" -o "$T/i" > /dev/null 2> "$T/err" &
  pid=$!
  i=0
  while [ "$i" -lt 300 ] && [ "$(records "$T/i.sqlite")" -lt 10 ]; do sleep 0.05; i=$((i + 1)); done
  kill -s "$sig" "$pid" 2>/dev/null || true
  set +e
  wait "$pid"
  st=$?
  set -e
  if [ "$st" -ne 0 ]; then
    want=130; [ "$sig" = TERM ] && want=143
    [ "$st" -eq "$want" ] || fail "SIG$sig: exit status $st, expected $want"
    n=$(records "$T/i.sqlite")
    # on a loaded machine the signal can arrive after the last score, while the outputs are
    # written (each to a temporary file, renamed): then every score is in the cache
    if ! grep -q "interrupted: [0-9]* of 60 architectures scored and cached; run again to resume" "$T/err"; then
      [ "$n" -eq 120 ] || fail "SIG$sig: no 'interrupted' message, and $n of 120 records"
    fi
    "$ZCNAS" run "$T/toy.cfg" $PP --cache "$T/i.sqlite" -o "$T/i" > /dev/null 2> "$T/err"
    grep -q "proxy scores computed, $n from the cache" "$T/err" || fail "SIG$sig: the $n cached scores were not reused"
  fi
  same "$T/i"
done
echo "resume.sh: all checks passed"
