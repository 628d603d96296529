/* libstdc++'s std::minstd_rand and std::uniform_int_distribution<unsigned>, step for step.
 *
 * Not the project's PRNG (common.h Rng) on purpose: XGBoost 1.7's LambdaRankObj (rank_obj.cu) samples its pairs
 * with a std::minstd_rand seeded (iteration + 1) * 1111 and draws each partner with
 * std::uniform_int_distribution<unsigned>; reproducing that sequence is what makes the ranking objectives grow
 * native's trees. Both are documented algorithms: the engine is Park and Miller's LCG (x = 48271 x mod 2^31 - 1,
 * [rand.predef]); the distribution is libstdc++'s (bits/uniform_int_dist.h) for an engine whose range
 * (2^31 - 3 wide) is not a full 32 bits: rejection down-scaling, not Lemire's method. */
#ifndef XGB_STD_RANDOM_H
#define XGB_STD_RANDOM_H
#include <stdint.h>

typedef struct { uint64_t x; } MinstdRand;

void minstd_seed(MinstdRand *r, uint64_t seed);
/* the next value, in [1, 2^31 - 2] */
uint64_t minstd_next(MinstdRand *r);
/* std::uniform_int_distribution<unsigned>(0, hi)(r) */
uint32_t std_uniform_uint(MinstdRand *r, uint32_t hi);
#endif
