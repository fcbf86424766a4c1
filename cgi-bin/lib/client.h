/* client.h — synchronous calls to another service, straight to its FastCGI socket or
 * through a gateway's internal listener, with a short timeout, the request id
 * forwarded, and a circuit breaker per target service. */
#ifndef RB_CLIENT_H
#define RB_CLIENT_H
#include <jansson.h>
#include <stddef.h>

#include "buf.h"

struct call_result {
	int status;       /* HTTP status, 0 when no answer */
	json_t *body;     /* parsed JSON body or NULL; owned by the caller */
	int unavailable;  /* transport error, timeout, 5xx, or circuit open */
	int retry_after;  /* seconds, when unavailable */
};

/* Calls path on target: <TARGET>_URL, either unix:<socket> (FastCGI; the default is
 * unix:<var>/run/<target>.sock) or http://host[:port] (HTTP/1.1). body may be NULL
 * (borrowed). Returns 0 when an answer below 500 came, -1 when unavailable. */
int client_call(const char *target, const char *method, const char *path, json_t *body,
                struct call_result *out);
/* The breaker's state as this process sees it (breakers are per process): the seconds
 * until the circuit to target lets a probe through, 0 when it is closed or half-open
 * (or target was never called). */
int client_circuit_open(const char *target);
/* The first target whose circuit is open: its name in target (size bytes) and the
 * seconds until its probe; 0 when every circuit is closed or half-open. */
int client_open_circuit(char *target, size_t size);
/* Once per process, before any thread calls. */
void client_init(void);
/* Frees this thread's connection handle; call before a calling thread exits. */
void client_thread_done(void);
/* ---- the HTTP parts, for tests and the fuzz target ---- */

struct client_response {
	int status;
	int keep_alive; /* the connection may carry the next request */
	int chunked;
	size_t body_at;  /* where the body starts in the data */
	size_t body_len; /* its length (unchunked) */
	size_t complete; /* bytes of the data the answer takes */
	int refused;     /* FastCGI: the END_REQUEST's protocol status when not 0 (not served) */
};
/* Parses an HTTP/1.x answer in data[0..len): 1 when complete (r filled), 0 when more
 * bytes are needed (at_eof: none will come), -1 when it is not a valid answer. */
int client_response_parse(const char *data, size_t len, int at_eof, struct client_response *r);
/* Splits "http://host[:port]/path"; 0 or -1. */
int client_url_split(const char *url, char *host, size_t hsize, char *port, size_t psize, const char **path);
/* The records of a FastCGI request (id 1, connection not kept) for an internal call,
 * appended to req. */
void client_fcgi_request(struct buf *req, const char *method, const char *path, const char *payload, size_t plen,
                         const char *request_id, const char *secret);
/* Parses a FastCGI responder's records in data[0..len) for request 1: 1 when its end
 * came (its STDOUT, a CGI answer, in out; r->status, r->body_at and r->body_len point
 * into out, r->complete says how much of data it took), 0 when more bytes are needed
 * (at_eof: none will come), -1 when the bytes are not such an answer. */
int client_fcgi_answer_parse(const char *data, size_t len, int at_eof, struct buf *out, struct client_response *r);
/* Releases out->body. */
void call_result_free(struct call_result *out);
#endif
