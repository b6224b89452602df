/* Counter-based random numbers: see zcnas/rng.h for why. */
#include "config.h"
#include <math.h>
#include <zcnas/rng.h>

#define ZC_GOLDEN G_GUINT64_CONSTANT(0x9e3779b97f4a7c15)

guint64 zc_rng_key(guint64 seed, guint64 stream) {
  return zc_mix64(zc_mix64(seed + ZC_GOLDEN) ^ zc_mix64(stream * ZC_GOLDEN + 0x632be59bd9b4e019ULL));
}

guint64 zc_rng_subkey(guint64 key, guint64 stream) { return zc_rng_key(key, stream); }

guint64 zc_hash_str(const char *s) {
  guint64 h = G_GUINT64_CONSTANT(0xcbf29ce484222325);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    h ^= *p;
    h *= G_GUINT64_CONSTANT(0x100000001b3);
  }
  return zc_mix64(h);
}

guint64 zc_rng_u64_at(guint64 key, guint64 index) {
  /* two rounds so that neighbouring indices of one key are decorrelated */
  return zc_mix64(key ^ zc_mix64(index * ZC_GOLDEN + key));
}

double zc_rng_uniform_at(guint64 key, guint64 index) {
  return (double)(zc_rng_u64_at(key, index) >> 11) * 0x1.0p-53;
}

double zc_rng_normal_at(guint64 key, guint64 index) {
  /* u1 in (0, 1] so that log never sees zero */
  double u1 = ((double)(zc_rng_u64_at(key, 2 * index) >> 11) + 1.0) * 0x1.0p-53;
  double u2 = zc_rng_uniform_at(key, 2 * index + 1);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * G_PI * u2);
}

void zc_rng_init(ZcRng *rng, guint64 seed, guint64 stream) {
  rng->key = zc_rng_key(seed, stream);
  rng->counter = 0;
}

guint64 zc_rng_u64(ZcRng *rng) { return zc_rng_u64_at(rng->key, rng->counter++); }
double zc_rng_uniform(ZcRng *rng) { return zc_rng_uniform_at(rng->key, rng->counter++); }
double zc_rng_normal(ZcRng *rng) { return zc_rng_normal_at(rng->key, rng->counter++); }

guint64 zc_rng_below(ZcRng *rng, guint64 n) {
  g_return_val_if_fail(n > 0, 0);
  /* rejection sampling: discard the top partial block of 2^64 */
  guint64 limit = G_MAXUINT64 - (G_MAXUINT64 % n);
  guint64 v;
  do v = zc_rng_u64(rng); while (v >= limit);
  return v % n;
}

void zc_rng_shuffle_u64(ZcRng *rng, guint64 *v, gsize n) {
  for (gsize i = n; i > 1; i--) {
    gsize j = (gsize)zc_rng_below(rng, i);
    guint64 t = v[i - 1]; v[i - 1] = v[j]; v[j] = t;
  }
}
