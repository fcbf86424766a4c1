/* smtp.c — SMTP with libcurl (see smtp.h). */
#include "smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

struct upload {
	const char *data;
	size_t left;
};

static size_t feed(char *to, size_t size, size_t n, void *user)
{
	struct upload *u = user;
	size_t take = size * n < u->left ? size * n : u->left;
	memcpy(to, u->data, take);
	u->data += take;
	u->left -= take;
	return take;
}

static int progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	int (*cancel)(void) = *(int (**)(void))user;
	return cancel && cancel();
}

int smtp_send(const char *url, const char *from, const char *to, const char *message, size_t len,
              long timeout_ms, int starttls, int (*cancel)(void), struct smtp_result *out)
{
	char mail_from[300], rcpt_to[300], detail[CURL_ERROR_SIZE] = "";
	_Static_assert(CURL_ERROR_SIZE <= CURL_ERROR_SIZE_RB, "detail holds libcurl's message");
	memset(out, 0, sizeof *out);
	CURL *h = curl_easy_init();
	if (!h) {
		snprintf(out->error, sizeof out->error, "libcurl could not start");
		return -1;
	}
	struct upload u = {message, len};
	snprintf(mail_from, sizeof mail_from, "<%s>", from);
	snprintf(rcpt_to, sizeof rcpt_to, "<%s>", to);
	struct curl_slist *rcpt = curl_slist_append(NULL, rcpt_to);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps"); /* SMTP_URL can name nothing else */
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, feed);
	curl_easy_setopt(h, CURLOPT_READDATA, &u);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &cancel);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	if (starttls)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->code);
	if (rc != CURLE_OK) {
		/* 5xx is a refusal for good (RFC 5321 §4.2.1), except the ones that say the
		 * relay wants authentication or encryption first: the operator fixes those. */
		out->permanent = out->code >= 500 && out->code < 600 && !(out->code >= 530 && out->code <= 538);
		if (out->code)
			snprintf(out->error, sizeof out->error, "%s (the mail server answered %ld)", curl_easy_strerror(rc),
			         out->code);
		else
			snprintf(out->error, sizeof out->error, "%s", curl_easy_strerror(rc));
		snprintf(out->detail, sizeof out->detail, "%s", detail[0] ? detail : out->error);
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(h);
	return rc == CURLE_OK ? 0 : -1;
}
