/* See std_random.h: native's pair sampling reproduced, so the ranking objectives' trees equal native's. */
#include "std_random.h"

enum { MINSTD_A = 48271 };
static const uint64_t MINSTD_M = 2147483647u, MINSTD_MIN = 1, MINSTD_MAX = 2147483646u;

/* linear_congruential_engine::seed: s mod m, and 1 in place of 0 (c is 0) */
void minstd_seed(MinstdRand *r, uint64_t seed) {
  uint64_t s = seed % MINSTD_M;
  r->x = s == 0 ? 1 : s;
}

uint64_t minstd_next(MinstdRand *r) {
  r->x = (r->x * MINSTD_A) % MINSTD_M; /* exact: x < 2^31, a < 2^16 */
  return r->x;
}

uint32_t std_uniform_uint(MinstdRand *r, uint32_t hi) {
  const uint64_t urngrange = MINSTD_MAX - MINSTD_MIN, urange = hi;
  uint64_t ret;
  if (urngrange > urange) {
    /* the engine's range scaled down to hi + 1 buckets, draws past the last whole bucket rejected */
    const uint64_t uerange = urange + 1, scaling = urngrange / uerange, past = uerange * scaling;
    do ret = minstd_next(r) - MINSTD_MIN; while (ret >= past);
    ret /= scaling;
  } else if (urngrange == urange) {
    ret = minstd_next(r) - MINSTD_MIN;
  } else {
    /* wider than the engine: libstdc++ composes two draws (unused here: a group of 2^31 rows) */
    uint64_t tmp;
    do {
      const uint64_t uerngrange = urngrange + 1;
      tmp = uerngrange * std_uniform_uint(r, (uint32_t)(urange / uerngrange));
      ret = tmp + (minstd_next(r) - MINSTD_MIN);
    } while (ret > urange || ret < tmp);
  }
  return (uint32_t)ret;
}
