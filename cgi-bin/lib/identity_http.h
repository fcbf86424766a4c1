/* identity_http.h — the identity check's own wire: the gateway's auth_request
 * subrequest (nginx.conf, location = /_auth) reaches accounts as plain HTTP/1.1 on the
 * service's socket, over kept connections. nginx keeps a proxied connection whose
 * answer is a bodiless 204, but never a FastCGI one under auth_request (it stops
 * reading at the answer's headers, before FastCGI's end record); speaking HTTP here
 * saves the hop through a server of nginx's own that translated one into the other.
 * fcgi_main.c tells the two apart by a connection's first byte (FastCGI's is 1). */
#ifndef RB_IDENTITY_HTTP_H
#define RB_IDENTITY_HTTP_H
#include <stddef.h>

/* The longest head read: a client's whole head fits nginx's large_client_header_buffers
 * (4 × 8 KB by default), and /_auth sends at most its Cookie lines (joined) and its
 * Authorization, and 200 bytes of its own. */
#define IDENTITY_HEAD_MAX 65536

/* What the gateway sends (nginx.conf sets exactly these; the client's own headers are
 * not passed). Pointers into the parsed head, NULL when absent or empty. */
struct identity_head {
	char *authorization, *cookie;
	char *remote_addr; /* X-Rb-Remote-Addr: the client's address */
	char *https;       /* X-Rb-Https: "on" when the gateway was reached over TLS */
	char *request_id;  /* X-Request-Id */
	int close;         /* Connection: close */
};

/* The length of the head at the start of buf[0..len), through its blank line; 0 while
 * it has not all arrived. */
size_t identity_head_end(const char *buf, size_t len);

/* Parses head[0..len) (what identity_head_end measured), in place: 0 for a GET /_auth
 * without a body, with h filled; -1 for anything else (the connection is then closed).
 * Strict: CRLF line ends, no NUL, no repeated field, no body. A value may carry any
 * other byte nginx lets through: what it means is for the credential's own parser. */
int identity_head_parse(char *head, size_t len, struct identity_head *h);
#endif
