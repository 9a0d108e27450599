#ifndef FAMOL_CRC32C_H
#define FAMOL_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/// CRC-32C (Castagnoli) of `count` bytes, continuing from `crc` (0 to start): the SSE4.2
/// instruction where the CPU has it, a table otherwise. Same result either way.
uint32_t famol_crc32c(uint32_t crc, const uint8_t *bytes, size_t count);

#endif
