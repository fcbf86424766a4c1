/* identity_http.c — the identity check's request head (identity_http.h). */
#include "identity_http.h"

#include <string.h>
#include <strings.h>

size_t identity_head_end(const char *buf, size_t len)
{
	for (size_t i = 3; i < len; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
			return i + 1;
	return 0;
}

/* RFC 9110 token characters (a field name). */
static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Stores value in *slot; -1 when the field came before (nginx sends each once). */
static int take(char **slot, int *seen, char *value)
{
	if (*seen)
		return -1;
	*seen = 1;
	*slot = *value ? value : NULL;
	return 0;
}

/* One "Name: value" line (its CRLF already cut off). */
static int field(char *line, struct identity_head *h, int seen[6])
{
	char *colon = line;
	while (is_tchar((unsigned char)*colon))
		colon++;
	if (colon == line || *colon != ':')
		return -1;
	*colon = '\0';
	char *v = colon + 1, *end = v + strlen(v);
	while (*v == ' ' || *v == '\t')
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (strcasecmp(line, "Authorization") == 0)
		return take(&h->authorization, &seen[0], v);
	if (strcasecmp(line, "Cookie") == 0)
		return take(&h->cookie, &seen[1], v);
	if (strcasecmp(line, "X-Rb-Remote-Addr") == 0)
		return take(&h->remote_addr, &seen[2], v);
	if (strcasecmp(line, "X-Rb-Https") == 0)
		return take(&h->https, &seen[3], v);
	if (strcasecmp(line, "X-Request-Id") == 0)
		return take(&h->request_id, &seen[4], v);
	if (strcasecmp(line, "Connection") == 0) {
		if (seen[5]++)
			return -1;
		h->close = strcasecmp(v, "close") == 0;
		return 0;
	}
	if (strcasecmp(line, "Transfer-Encoding") == 0)
		return -1;
	if (strcasecmp(line, "Content-Length") == 0)
		return strcmp(v, "0") == 0 ? 0 : -1;
	return 0; /* Host and whatever else: not read */
}

int identity_head_parse(char *head, size_t len, struct identity_head *h)
{
	memset(h, 0, sizeof *h);
	if (len < 4 || identity_head_end(head, len) != len)
		return -1;
	/* Cut the lines at their CRLF; a CR or LF anywhere else is malformed. */
	for (size_t i = 0; i < len; i++) {
		if (head[i] == '\r') {
			if (i + 1 >= len || head[i + 1] != '\n')
				return -1;
			head[i] = head[i + 1] = '\0';
			i++;
		} else if (head[i] == '\n' || head[i] == '\0') {
			return -1;
		}
	}
	if (strcmp(head, "GET /_auth HTTP/1.1") != 0 && strcmp(head, "GET /_auth HTTP/1.0") != 0)
		return -1;
	int seen[6] = {0};
	char *line = head + strlen(head) + 2, *stop = head + len - 2; /* the blank line */
	while (line < stop) {
		char *next = line + strlen(line) + 2; /* before field() cuts the line shorter */
		if (field(line, h, seen))
			return -1;
		line = next;
	}
	return 0;
}
