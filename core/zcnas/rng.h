/* zcnas — counter-based random numbers.
 *
 * Every random value is a pure function of (key, index): the key is derived from a
 * seed and a stream id (a node, a parameter tensor, an architecture ...), the index
 * counts values inside that stream.  Values therefore never depend on the number of
 * threads, the order in which networks are built, or what was drawn before. */
#ifndef ZC_RNG_H
#define ZC_RNG_H
#include <glib.h>

G_BEGIN_DECLS

/* A stream: key plus the next index.  Plain data, copy freely. */
typedef struct {
  guint64 key;
  guint64 counter;
} ZcRng;

/* SplitMix64 finaliser: a bijective 64-bit mixer. */
static inline guint64 zc_mix64(guint64 z) {
  z ^= z >> 30; z *= G_GUINT64_CONSTANT(0xbf58476d1ce4e5b9);
  z ^= z >> 27; z *= G_GUINT64_CONSTANT(0x94d049bb133111eb);
  z ^= z >> 31;
  return z;
}

/* Key of stream `stream` under `seed`. */
guint64 zc_rng_key(guint64 seed, guint64 stream);
/* 64-bit hash of a string (FNV-1a then mixed), to name streams by text. */
guint64 zc_hash_str(const char *s);
/* Combine a key with one more stream id (nesting: seed -> arch -> node -> ...). */
guint64 zc_rng_subkey(guint64 key, guint64 stream);

/* Random access: the index-th value of the stream with this key. */
guint64 zc_rng_u64_at(guint64 key, guint64 index);
double zc_rng_uniform_at(guint64 key, guint64 index);   /* [0, 1) with 53 bits */
double zc_rng_normal_at(guint64 key, guint64 index);    /* N(0,1), Box-Muller on (2i, 2i+1) */

/* Sequential use. */
void zc_rng_init(ZcRng *rng, guint64 seed, guint64 stream);
guint64 zc_rng_u64(ZcRng *rng);
double zc_rng_uniform(ZcRng *rng);
double zc_rng_normal(ZcRng *rng);
/* Unbiased integer in [0, n); n > 0. */
guint64 zc_rng_below(ZcRng *rng, guint64 n);
/* Fisher-Yates shuffle of n guint64 values. */
void zc_rng_shuffle_u64(ZcRng *rng, guint64 *v, gsize n);

G_END_DECLS
#endif
