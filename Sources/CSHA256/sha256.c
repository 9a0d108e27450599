// SHA-256 for data set and model fingerprints. Every process of a run hashes its training files
// at start; the Swift version ran at about 75 MB/s, a second per 75 MB in every process. The
// SHA extensions (Intel since Goldmont/Ice Lake, AMD since Zen) do about 1.5 GB/s.
#include "famol_sha256.h"
#include <pthread.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

typedef void (*block_function)(uint32_t state[8], const uint8_t *blocks, size_t count);

static inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void blocks_portable(uint32_t state[8], const uint8_t *p, size_t count) {
    for (; count > 0; count--, p += 64) {
        uint32_t w[64];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
            uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        state[0] += a; state[1] += b; state[2] += c; state[3] += d;
        state[4] += e; state[5] += f; state[6] += g; state[7] += h;
    }
}

#if defined(__x86_64__)
/// CPUID: SHA (leaf 7, EBX bit 29), SSE4.1 (leaf 1, ECX bit 19) and SSSE3 (leaf 1, ECX bit 9).
/// Asked once per process: CPUID traps to the hypervisor in a VM, and annotation keys hash
/// short strings many times a call.
static int sha_extensions;
static pthread_once_t sha_extensions_once = PTHREAD_ONCE_INIT;

static void detect_sha_extensions(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9))) return;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return;
    sha_extensions = (b & (1u << 29)) != 0;
}

static int has_sha_extensions(void) {
    pthread_once(&sha_extensions_once, detect_sha_extensions);
    return sha_extensions;
}

// The SHA extensions keep the state as ABEF and CDGH and do two rounds per instruction.
__attribute__((target("sha,sse4.1,ssse3")))
static void blocks_sha_ni(uint32_t state[8], const uint8_t *p, size_t count) {
    const __m128i byteswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);       // DCBA
    __m128i state1 = _mm_loadu_si128((const __m128i *)&state[4]);    // HGFE
    tmp = _mm_shuffle_epi32(tmp, 0xB1);                               // CDAB
    state1 = _mm_shuffle_epi32(state1, 0x1B);                         // EFGH
    __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);                 // ABEF
    state1 = _mm_blend_epi16(state1, tmp, 0xF0);                      // CDGH
    for (; count > 0; count--, p += 64) {
        const __m128i abef = state0, cdgh = state1;
        __m128i w[16];
        for (int t = 0; t < 16; t++) {
            if (t < 4) {
                w[t] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * t)), byteswap);
            } else {
                __m128i x = _mm_sha256msg1_epu32(w[t - 4], w[t - 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(w[t - 1], w[t - 2], 4));
                w[t] = _mm_sha256msg2_epu32(x, w[t - 1]);
            }
            __m128i message = _mm_add_epi32(w[t], _mm_loadu_si128((const __m128i *)&K[4 * t]));
            state1 = _mm_sha256rnds2_epu32(state1, state0, message);
            message = _mm_shuffle_epi32(message, 0x0E);
            state0 = _mm_sha256rnds2_epu32(state0, state1, message);
        }
        state0 = _mm_add_epi32(state0, abef);
        state1 = _mm_add_epi32(state1, cdgh);
    }
    tmp = _mm_shuffle_epi32(state0, 0x1B);                            // FEBA
    state1 = _mm_shuffle_epi32(state1, 0xB1);                         // DCHG
    state0 = _mm_blend_epi16(tmp, state1, 0xF0);                      // DCBA
    state1 = _mm_alignr_epi8(state1, tmp, 8);                         // HGFE
    _mm_storeu_si128((__m128i *)&state[0], state0);
    _mm_storeu_si128((__m128i *)&state[4], state1);
}
#endif

static void sha256_with(block_function blocks, const uint8_t *bytes, size_t count, uint8_t digest[32]) {
    uint32_t state[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    size_t whole = count / 64;
    if (whole > 0) blocks(state, bytes, whole);
    // The tail, the 0x80 marker and the bit length fill one or two final blocks.
    uint8_t tail[128] = {0};
    size_t rest = count - whole * 64;
    if (rest > 0) memcpy(tail, bytes + whole * 64, rest);
    tail[rest] = 0x80;
    size_t tail_blocks = rest < 56 ? 1 : 2;
    uint64_t bits = (uint64_t)count * 8;
    for (int i = 0; i < 8; i++) tail[tail_blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
    blocks(state, tail, tail_blocks);
    for (int i = 0; i < 8; i++) {
        digest[4 * i] = (uint8_t)(state[i] >> 24);
        digest[4 * i + 1] = (uint8_t)(state[i] >> 16);
        digest[4 * i + 2] = (uint8_t)(state[i] >> 8);
        digest[4 * i + 3] = (uint8_t)state[i];
    }
}

void famol_sha256_portable(const uint8_t *bytes, size_t count, uint8_t digest[32]) {
    sha256_with(blocks_portable, bytes, count, digest);
}

void famol_sha256(const uint8_t *bytes, size_t count, uint8_t digest[32]) {
#if defined(__x86_64__)
    if (has_sha_extensions()) {
        sha256_with(blocks_sha_ni, bytes, count, digest);
        return;
    }
#endif
    sha256_with(blocks_portable, bytes, count, digest);
}
