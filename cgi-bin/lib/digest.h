/* digest.h — SHA-256 (FIPS 180-4, our own: no crypto library to load in every process),
 * in lower-case hex for credential hashes, migration checksums, request fingerprints
 * and backup manifests. */
#ifndef RB_DIGEST_H
#define RB_DIGEST_H
#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX 65 /* 64 hex digits and the NUL */

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t fill;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Writes the digest of what was added into out, in hex. */
void sha256_final_hex(struct sha256 *c, char out[SHA256_HEX]);
/* Writes SHA-256 of len bytes of data into out. Returns 0. */
int sha256_hex(const void *data, size_t len, char out[SHA256_HEX]);
#endif
