#!/bin/sh
# bench/spearman.sh: Spearman's rank correlation of the "x,y" lines on standard input
# (average ranks for ties; a line where either value is not a finite number is left out).
# Prints the coefficient with 6 decimals, or "n/a" for fewer than 3 pairs.
set -eu
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zcnas-rho.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
num='^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$'
awk -F, -v re="$num" '$1 ~ re && $2 ~ re { n++; print n, $1, $2 }' > "$tmp/xy"
rank() {   # column -> "id rank" lines in id order
  sort -g -k"$1","$1" "$tmp/xy" | awk -v c="$1" '{ id[NR] = $1; v[NR] = $c }
    END { i = 1; while (i <= NR) { j = i; while (j < NR && v[j + 1] == v[i]) j++
            for (k = i; k <= j; k++) print id[k], (i + j) / 2; i = j + 1 } }' | sort -n -k1,1 > "$tmp/r$1"
}
rank 2
rank 3
paste -d' ' "$tmp/r2" "$tmp/r3" | awk '{ n++; x = $2; y = $4; sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y }
  END { if (n < 3) { print "n/a"; exit }
        v = (sxx - sx * sx / n) * (syy - sy * sy / n)
        r = v > 0 ? (sxy - sx * sy / n) / sqrt(v) : 0
        printf "%.6f\n", r }'
