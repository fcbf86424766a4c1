/* credential.c — Authorization: Bearer parsing and the token alphabet. */
#include "credential.h"

#include <string.h>
#include <strings.h>

#define TOKEN_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

int credential_token_valid(const char *s)
{
	size_t n = s ? strspn(s, TOKEN_CHARS) : 0;
	return n >= CREDENTIAL_TOKEN_MIN && n <= CREDENTIAL_TOKEN_MAX && s[n] == '\0';
}

int credential_bearer(const char *header, char *out, size_t size)
{
	if (size > 0)
		out[0] = '\0';
	if (!header || !*header)
		return 0;
	if (strncasecmp(header, "Bearer", 6) != 0)
		return 0; /* another scheme (Basic, from a proxy guarding a staging site): not ours */
	if (header[6] != ' ')
		return -1;
	const char *token = header + 6 + strspn(header + 6, " ");
	size_t n = strlen(token);
	if (!credential_token_valid(token) || n >= size)
		return -1;
	memcpy(out, token, n + 1);
	return 1;
}
