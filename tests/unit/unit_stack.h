/* unit_stack.h — what unit tests need to drive a service without FastCGI: a sandbox
 * folder for its database (never var/), and one request/response exchange parsed the
 * way fcgi_main.c parses it and dispatched through the service's route table. */
#ifndef RB_UNIT_STACK_H
#define RB_UNIT_STACK_H
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "http.h"
#include "service.h"

static inline int unit_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Creates a fresh temporary folder and points ROOMBOOK_VAR at it; sets ROOMBOOK_ROOT to
 * the repository (found from the test binary, build/<mode>/tests/<name>) unless it is
 * already set. Call before anything reads the configuration. Returns the folder
 * (a static buffer); remove it with unit_sandbox_remove. */
static inline const char *unit_sandbox(void)
{
	static char dir[] = "/tmp/roombook-unit-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	setenv("ROOMBOOK_VAR", dir, 1);
	if (!getenv("ROOMBOOK_ROOT")) {
		char exe[PATH_MAX], probe[PATH_MAX + 32];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		exe[n > 0 ? n : 0] = '\0';
		for (int i = 0; i < 4; i++) { /* strip build/<mode>/tests/<name> */
			char *slash = strrchr(exe, '/');
			if (slash)
				*slash = '\0';
		}
		snprintf(probe, sizeof probe, "%s/schema/common", exe);
		if (access(probe, R_OK) != 0 && !getcwd(exe, sizeof exe))
			exe[0] = '\0';
		setenv("ROOMBOOK_ROOT", exe[0] ? exe : ".", 1);
	}
	return dir;
}

/* Deletes the sandbox folder and everything in it. */
static inline void unit_sandbox_remove(const char *dir)
{
	nftw(dir, unit_remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* One request and its response. */
struct exchange {
	struct request req;
	struct response res;
	struct ctx ctx;
};

/* When set, the next exchange_run sends it as its Idempotency-Key header (then it is
 * cleared). */
static const char *unit_idempotency_key;

/* Fills ex with METHOD target (a path, optionally with ?query) and a JSON body (or NULL)
 * from account 1,
 * parses query and body as the FastCGI main does, and dispatches to svc with db.
 * Returns the status; the answer is in ex->res. Free with exchange_free. */
static inline int exchange_run(struct exchange *ex, const struct service *svc, struct db *db,
                               const char *method, const char *target, const char *body, int internal)
{
	char err[256] = "";
	memset(ex, 0, sizeof *ex);
	ex->ctx.req = &ex->req;
	ex->ctx.res = &ex->res;
	ex->ctx.db = db;
	ex->ctx.svc = svc;
	snprintf(ex->req.method, sizeof ex->req.method, "%s", method);
	const char *q = strchr(target, '?');
	ex->req.path = q ? strndup(target, (size_t)(q - target)) : strdup(target);
	ex->req.query = q ? strdup(q + 1) : NULL;
	ex->req.internal = internal;
	ex->req.account_id = 1; /* signed in (SPEC §6): the gateway's identity check is not here */
	ex->req.idem_key = unit_idempotency_key ? strdup(unit_idempotency_key) : NULL;
	unit_idempotency_key = NULL;
	if (body) {
		ex->req.body = strdup(body);
		ex->req.body_len = strlen(body);
		ex->req.content_type = strdup("application/json");
	}
	int rc = request_parse_query(&ex->req, err, sizeof err);
	if (!rc)
		rc = request_parse_body(&ex->req, err, sizeof err);
	if (rc)
		return ex->res.status = problem(&ex->ctx, rc, "%s", err);
	return ex->res.status = route_dispatch(svc, &ex->ctx);
}

static inline void exchange_free(struct exchange *ex)
{
	if (ex->ctx.db) /* the safety net fcgi_main.c has too */
		db_rollback(ex->ctx.db);
	request_free(&ex->req);
	response_free(&ex->res);
}

/* The JSON answer as it is sent (a body written straight from rows, or the model); new
 * reference, NULL when there is none or it is not JSON. */
static inline json_t *exchange_answer(const struct exchange *ex)
{
	if (ex->res.text_type)
		return strcmp(ex->res.text_type, "application/json") == 0 ? json_loads(buf_str(&ex->res.text), 0, NULL)
		                                                           : NULL;
	return json_incref(ex->res.model);
}

/* The integer field of the response model (0 when absent). */
static inline long long exchange_int(const struct exchange *ex, const char *field)
{
	return (long long)json_integer_value(json_object_get(ex->res.model, field));
}
#endif
