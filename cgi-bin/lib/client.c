/* client.c — libcurl calls between services, guarded by a circuit breaker.
 * Breaker: closed; after BREAKER_FAILURES consecutive failures it opens for
 * BREAKER_OPEN_MS (calls fail at once); then one probe call is let through
 * (half-open): success closes it, failure opens it again. */
#include "client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "metrics.h"

struct breaker {
	char target[32];
	int failures;
	long long open_until;
	int probing;
};

static pthread_mutex_t breakers_mu = PTHREAD_MUTEX_INITIALIZER;
static struct breaker breakers[8];
static _Thread_local CURL *curl_handle;

static struct breaker *breaker_for(const char *target)
{
	for (size_t i = 0; i < sizeof breakers / sizeof *breakers; i++) {
		if (strcmp(breakers[i].target, target) == 0)
			return &breakers[i];
		if (!breakers[i].target[0]) {
			snprintf(breakers[i].target, sizeof breakers[i].target, "%s", target);
			return &breakers[i];
		}
	}
	return &breakers[0];
}

/* The breaker of target, or NULL when this process never called it. Under breakers_mu. */
static struct breaker *breaker_find(const char *target)
{
	for (size_t i = 0; i < sizeof breakers / sizeof *breakers && breakers[i].target[0]; i++)
		if (strcmp(breakers[i].target, target) == 0)
			return &breakers[i];
	return NULL;
}

/* Seconds until b lets a probe through: 0 when closed or half-open. Under breakers_mu. */
static int breaker_open_for(const struct breaker *b, long long now)
{
	return b && b->open_until > now ? (int)((b->open_until - now + 999) / 1000) : 0;
}

int client_circuit_open(const char *target)
{
	pthread_mutex_lock(&breakers_mu);
	int wait = breaker_open_for(breaker_find(target), config_mono_ms());
	pthread_mutex_unlock(&breakers_mu);
	return wait;
}

int client_open_circuit(char *target, size_t size)
{
	int wait = 0;
	long long now = config_mono_ms();
	pthread_mutex_lock(&breakers_mu);
	for (size_t i = 0; i < sizeof breakers / sizeof *breakers && breakers[i].target[0] && !wait; i++)
		if ((wait = breaker_open_for(&breakers[i], now)) > 0)
			snprintf(target, size, "%s", breakers[i].target);
	pthread_mutex_unlock(&breakers_mu);
	return wait;
}

/* Returns 0 when the call may go ahead, else the seconds until the next probe. */
static int breaker_admit(const char *target, int *probe)
{
	pthread_mutex_lock(&breakers_mu);
	struct breaker *b = breaker_for(target);
	long long now = config_mono_ms();
	int wait = 0;
	*probe = 0;
	if (b->open_until > now) {
		wait = (int)((b->open_until - now + 999) / 1000);
	} else if (b->open_until) { /* half-open: one probe at a time */
		if (b->probing)
			wait = 1;
		else
			b->probing = *probe = 1;
	}
	pthread_mutex_unlock(&breakers_mu);
	return wait;
}

static void breaker_report(const char *target, int ok, int probe)
{
	pthread_mutex_lock(&breakers_mu);
	struct breaker *b = breaker_for(target);
	long long was = b->open_until;
	if (probe)
		b->probing = 0;
	if (ok) {
		b->failures = 0;
		b->open_until = 0;
	} else if (++b->failures >= config_long("BREAKER_FAILURES", 5) || probe) {
		b->open_until = config_mono_ms() + config_long("BREAKER_OPEN_MS", 5000);
		log_warn("circuit to %s is open", target);
	}
	if (b->open_until != was)
		metrics_circuit(target, b->open_until, b->open_until > 0);
	pthread_mutex_unlock(&breakers_mu);
}

static size_t collect(char *data, size_t size, size_t n, void *user)
{
	buf_append(user, data, size * n);
	return size * n;
}

static void target_url(const char *target, const char *path, char *out, size_t size)
{
	char var[48], def[64];
	snprintf(var, sizeof var, "%s_URL", target);
	for (char *p = var; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	snprintf(def, sizeof def, "http://127.0.0.1:%ld", config_long("INTERNAL_PORT", 8089));
	snprintf(out, size, "%s%s", config_str(var, def), path);
}

int client_call(const char *target, const char *method, const char *path, json_t *body,
                struct call_result *out)
{
	int probe;
	memset(out, 0, sizeof *out);
	int wait = breaker_admit(target, &probe);
	if (wait) {
		out->unavailable = 1;
		out->retry_after = wait;
		return -1;
	}
	if (!curl_handle)
		curl_handle = curl_easy_init();
	CURL *h = curl_handle;
	char url[512], rid[128], secret[160];
	struct buf resp = {0};
	char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	snprintf(rid, sizeof rid, "X-Request-Id: %s", log_request_id());
	if (log_request_id()[0])
		hdrs = curl_slist_append(hdrs, rid);
	snprintf(secret, sizeof secret, "X-Roombook-Secret: %s", config_secret());
	hdrs = curl_slist_append(hdrs, secret); /* a header: never in a URL or a log */
	target_url(target, path, url, sizeof url);
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, config_long("CALL_TIMEOUT_MS", 1500));
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 500L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
	if (payload)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	out->status = (int)status;
	out->body = resp.len ? json_loadb(buf_str(&resp), resp.len, JSON_DECODE_ANY, NULL) : NULL;
	out->unavailable = rc != CURLE_OK || status >= 500 || status == 0;
	if (out->unavailable) {
		out->retry_after = 1;
		log_warn("call %s %s -> %s (%ld)", method, url, rc != CURLE_OK ? curl_easy_strerror(rc) : "error", status);
	}
	breaker_report(target, !out->unavailable, probe);
	curl_slist_free_all(hdrs);
	free(payload);
	buf_free(&resp);
	return out->unavailable ? -1 : 0;
}

void call_result_free(struct call_result *out)
{
	json_decref(out->body);
	out->body = NULL;
}

void client_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

void client_thread_done(void)
{
	if (curl_handle)
		curl_easy_cleanup(curl_handle);
	curl_handle = NULL;
}
