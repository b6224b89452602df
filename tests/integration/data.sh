#!/bin/sh
# Integration: the npz data kind through `zcnas score` — NB201's ImageNet16-120 setting on
# 16x16 images laid out as the ImageNet16 pickles (tests/data/cifar10-16x16-first100.npz:
# uint8 (100, 768) channel-planar rows, 1-based labels), and the 16x16-vs-32x32 mismatch.
set -eu
. "$(dirname "$0")/lib.sh"

B6111='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
NPZ="$SRCDIR/tests/data/cifar10-16x16-first100.npz"
[ -f "$NPZ" ] || fail "$NPZ missing"

# ImageNet16-120 (16x16 input, 120-class head): exit 0, the head's params as `zcnas arch`
# gives them (1.080616 M, tests/integration/spaces.sh), a finite positive grad_norm
"$ZCNAS" score --space nb201 --arch "$B6111" --set space.dataset=imagenet16-120 \
  --data "npz(label_base=1):$NPZ" --proxy params,grad_norm -b 10 --no-cache -q > "$T/out" || fail "imagenet16-120 score"
[ "$(head -n 1 "$T/out")" = "arch,params,grad_norm" ] || fail "header: $(head -n 1 "$T/out")"
row=$(tail -n 1 "$T/out")
[ "$(echo "$row" | cut -d, -f2)" = "1.080616" ] || fail "params: $row"
echo "$row" | awk -F, '{ exit !($NF + 0 > 0 && $NF != "nan" && $NF != "inf") }' || fail "grad_norm: $row"
# the same with classes 1..5 only (50 images, 5 classes): still fine, another batch
"$ZCNAS" score --space nb201 --arch "$B6111" --set space.dataset=imagenet16-120 \
  --data "npz(label_base=1,classes=5):$NPZ" --proxy params,grad_norm -b 10 --no-cache -q > "$T/out" || fail "classes=5 score"
row5=$(tail -n 1 "$T/out")
[ "$(echo "$row5" | cut -d, -f2)" = "1.080616" ] || fail "classes=5 params: $row5"
[ "$(echo "$row5" | cut -d, -f3)" != "$(echo "$row" | cut -d, -f3)" ] || fail "classes=5 gave the same grad_norm"

# the default nb201 dataset (CIFAR-10, 32x32) on 16x16 images: exit 2, one message
expect_status 2 "$ZCNAS" score --space nb201 --arch "$B6111" \
  --data "npz(label_base=1):$NPZ" --proxy grad_norm -b 10 --no-cache
[ "$(grep -c "has images 3x16x16, the space expects 3x32x32" "$T/err")" -eq 1 ] || fail "mismatch: not one message"
# and 32x32 CIFAR-10 with ImageNet16-120: exit 2 the other way round
expect_status 2 "$ZCNAS" score --space nb201 --arch "$B6111" --set space.dataset=imagenet16-120 \
  --data "cifar10:$SRCDIR/share/data/cifar10_test2000.bin" --proxy grad_norm -b 10 --no-cache
[ "$(grep -c "has images 3x32x32, the space expects 3x16x16" "$T/err")" -eq 1 ] || fail "mismatch 32: not one message"
# a malformed archive: a data error, exit 1 (as for a bad CIFAR file), the file named
head -c 1000 "$NPZ" > "$T/cut.npz"
expect_status 1 "$ZCNAS" score --space nb201 --arch "$B6111" --set space.dataset=imagenet16-120 \
  --data "npz:$T/cut.npz" --proxy grad_norm -b 10 --no-cache
grep -q "cut.npz: bad magic: not a .npz (zip) file" "$T/err" || fail "cut archive message"
