// SHA-256 compression with the x86 SHA extensions (SHA-NI), used by HostFS's SHA256 when the
// CPU has them. No system headers here, as in CHostFS.h.
#ifndef CHOSTFS_SHA256_H
#define CHOSTFS_SHA256_H
#include <stddef.h>
#include <stdint.h>

/// The 64 round constants K of FIPS 180-4, 4.2.2 (shared with the portable Swift compression).
const uint32_t *chostfs_sha256_constants(void);

/// 1 when this CPU has the SHA extensions with SSSE3 and SSE4.1 (x86-64 only), else 0.
int chostfs_sha256_accelerated(void);

/// The SHA-256 compression function (FIPS 180-4, 6.2.2) over `blocks` 64-byte blocks at `data`,
/// updating `state` (H0..H7). Call only when chostfs_sha256_accelerated() says 1.
void chostfs_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
