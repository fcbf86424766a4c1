/* credential.h — reading a credential (session or API token) from request bytes. */
#ifndef RB_CREDENTIAL_H
#define RB_CREDENTIAL_H
#include <stddef.h>

/* Reads a credential from an Authorization header value: "Bearer <token>" (scheme
 * case-insensitive, one or more spaces, token 16..128 chars of [A-Za-z0-9_-]).
 * Copies the token into out and returns 1; 0 when header is NULL/empty; -1 when malformed. */
int credential_bearer(const char *header, char *out, size_t size);
/* True when s (a session or API token) is 16..128 chars of [A-Za-z0-9_-]. */
int credential_token_valid(const char *s);
#endif
