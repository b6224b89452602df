/* Writes tests/data/cifar10-16x16-first100.npz (see tests/data/README.md): the first N
 * records of a CIFAR-10 binary file, each 32x32 image halved to 16x16 by 2x2 box averages
 * (rounded half up), laid out as the ImageNet16 pickles: member data.npy, uint8 (N, 768),
 * channel-planar R, G, B rows; member labels.npy, int64 (N,), 1-based (label + 1).
 * A stored (uncompressed) zip, as numpy.savez writes.  Not built by make: run
 *   cc -O2 -o mknpz16 tests/data/mknpz16.c -lz
 *   ./mknpz16 share/data/cifar10_test2000.bin 100 > tests/data/cifar10-16x16-first100.npz */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static unsigned char *buf;
static size_t len, cap;

static void put(const void *p, size_t n) {
  if (len + n > cap) {
    cap = (len + n) * 2;
    buf = realloc(buf, cap);
    if (!buf) exit(1);
  }
  memcpy(buf + len, p, n);
  len += n;
}
static void put16(unsigned v) {
  unsigned char b[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
  put(b, 2);
}
static void put32(uint32_t v) {
  put16(v & 0xffff);
  put16(v >> 16);
}

/* a .npy image in memory: v1.0 header padded to 64 bytes */
static unsigned char *npy(const char *descr, const char *shape, const void *data, size_t n, size_t *out) {
  char h[256];
  int hl = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
  while ((10 + hl + 1) % 64) h[hl++] = ' ';
  h[hl++] = '\n';
  *out = 10 + (size_t)hl + n;
  unsigned char *p = malloc(*out);
  memcpy(p, "\x93NUMPY\x01\x00", 8);
  p[8] = (unsigned char)hl;
  p[9] = (unsigned char)(hl >> 8);
  memcpy(p + 10, h, (size_t)hl);
  memcpy(p + 10 + hl, data, n);
  return p;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s CIFAR10.bin N > OUT.npz\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  int n = atoi(argv[2]);
  if (!f || n <= 0) return 2;
  unsigned char *img = malloc((size_t)n * 768);
  int64_t *lab = malloc((size_t)n * sizeof *lab);
  unsigned char rec[3073];
  for (int i = 0; i < n; i++) {
    if (fread(rec, 1, sizeof rec, f) != sizeof rec) return 1;
    lab[i] = rec[0] + 1;   /* little-endian host assumed, as '<i8' says */
    for (int ch = 0; ch < 3; ch++)
      for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++) {
          const unsigned char *p = rec + 1 + ch * 1024 + (2 * y) * 32 + 2 * x;
          img[(size_t)i * 768 + ch * 256 + y * 16 + x] = (unsigned char)((p[0] + p[1] + p[32] + p[33] + 2) / 4);
        }
  }
  fclose(f);
  char shape[64];
  size_t dlen, llen;
  snprintf(shape, sizeof shape, "(%d, 768)", n);
  unsigned char *d = npy("|u1", shape, img, (size_t)n * 768, &dlen);
  snprintf(shape, sizeof shape, "(%d,)", n);
  unsigned char *l = npy("<i8", shape, lab, (size_t)n * 8, &llen);
  const char *names[2] = {"data.npy", "labels.npy"};
  unsigned char *data[2] = {d, l};
  size_t sizes[2] = {dlen, llen};
  uint32_t offs[2], crcs[2];
  for (int m = 0; m < 2; m++) {
    offs[m] = (uint32_t)len;
    crcs[m] = (uint32_t)crc32(0, data[m], (uInt)sizes[m]);
    put32(0x04034b50), put16(20), put16(0), put16(0), put32(0x00210000);   /* 1980-01-01 */
    put32(crcs[m]), put32((uint32_t)sizes[m]), put32((uint32_t)sizes[m]);
    put16((unsigned)strlen(names[m])), put16(0);
    put(names[m], strlen(names[m]));
    put(data[m], sizes[m]);
  }
  uint32_t cd = (uint32_t)len;
  for (int m = 0; m < 2; m++) {
    put32(0x02014b50), put16(20), put16(20), put16(0), put16(0), put32(0x00210000);
    put32(crcs[m]), put32((uint32_t)sizes[m]), put32((uint32_t)sizes[m]);
    put16((unsigned)strlen(names[m])), put16(0), put16(0), put16(0), put16(0), put32(0);
    put32(offs[m]);
    put(names[m], strlen(names[m]));
  }
  uint32_t cdlen = (uint32_t)len - cd;
  put32(0x06054b50), put16(0), put16(0), put16(2), put16(2), put32(cdlen), put32(cd), put16(0);
  fwrite(buf, 1, len, stdout);
  return 0;
}
