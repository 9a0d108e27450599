#ifndef FAMOL_SHA256_H
#define FAMOL_SHA256_H
#include <stddef.h>
#include <stdint.h>

/// SHA-256 (FIPS 180-4) of `count` bytes into `digest`: the x86 SHA extensions where the CPU
/// has them, portable C otherwise. Same digest either way.
void famol_sha256(const uint8_t *bytes, size_t count, uint8_t digest[32]);

/// The portable path alone, so tests can hold the two against each other.
void famol_sha256_portable(const uint8_t *bytes, size_t count, uint8_t digest[32]);

#endif
