/* credential.h — reading the credentials scripts send (Authorization: Bearer) and the
 * shape every session id and API token has. Pure functions: no database, no state. */
#ifndef RB_CREDENTIAL_H
#define RB_CREDENTIAL_H
#include <stddef.h>

/* The shortest and longest token accepted, in characters. */
#define CREDENTIAL_TOKEN_MIN 16
#define CREDENTIAL_TOKEN_MAX 128

/* Reads a credential from an Authorization header value: "Bearer <token>" (scheme
 * case-insensitive, one or more spaces, token 16..128 chars of [A-Za-z0-9_-]).
 * Copies the token into out and returns 1; 0 when header is NULL/empty or of another
 * scheme (a browser's Basic for a proxy in front: its session cookie still counts);
 * -1 when a Bearer header is malformed.
 * Also -1 (out = "") when the token does not fit in size bytes. */
int credential_bearer(const char *header, char *out, size_t size);
/* True when s (a session or API token) is 16..128 chars of [A-Za-z0-9_-]. */
int credential_token_valid(const char *s);
#endif
