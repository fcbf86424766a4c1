/* credential.c — strict parsing of bearer tokens and session ids. */
#include "credential.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int credential_token_valid(const char *s)
{
	size_t n = 0;
	for (; s && s[n]; n++) {
		char ch = s[n];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		      ch == '-'))
			return 0;
		if (n >= 128)
			return 0;
	}
	return n >= 16;
}

int credential_bearer(const char *header, char *out, size_t size)
{
	if (!header || !*header)
		return 0;
	if (strncasecmp(header, "Bearer ", 7) != 0)
		return -1;
	const char *t = header + 7;
	while (*t == ' ')
		t++;
	if (!credential_token_valid(t) || strlen(t) >= size)
		return -1;
	snprintf(out, size, "%s", t);
	return 1;
}
