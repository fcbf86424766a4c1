/* digest.h — SHA-256 in lower-case hex (OpenSSL's EVP), for credential hashes and
 * migration checksums. */
#ifndef RB_DIGEST_H
#define RB_DIGEST_H
#include <stddef.h>

#define SHA256_HEX 65 /* 64 hex digits and the NUL */

/* Writes SHA-256 of len bytes of data into out. Returns 0, or -1 (out undefined). */
int sha256_hex(const void *data, size_t len, char out[SHA256_HEX]);
#endif
