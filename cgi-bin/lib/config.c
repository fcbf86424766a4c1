/* config.c — environment-driven configuration. */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

const char *config_str(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

long config_long(const char *name, long def)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	long n = strtol(v, &end, 10);
	return *end ? def : n;
}

long config_idempotency_ttl_s(void)
{
	long ttl = config_long("IDEMPOTENCY_TTL_S", 172800);
	return ttl < 86400 ? 86400 : ttl;
}

static char root_path[PATH_MAX];
static char var_path[PATH_MAX + 8];
static pthread_once_t paths_once = PTHREAD_ONCE_INIT;

static int has_schema(const char *dir)
{
	char probe[PATH_MAX + 8];
	snprintf(probe, sizeof probe, "%s/schema", dir);
	return access(probe, F_OK) == 0;
}

static void paths_init(void)
{
	const char *r = getenv("ROOMBOOK_ROOT");
	if (r && *r) {
		snprintf(root_path, sizeof root_path, "%s", r);
	} else {
		char exe[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		exe[n > 0 ? n : 0] = '\0';
		for (int i = 0; i < 2; i++) { /* strip /bin/<name> */
			char *slash = strrchr(exe, '/');
			if (slash)
				*slash = '\0';
		}
		snprintf(root_path, sizeof root_path, "%s", exe[0] ? exe : ".");
		/* build/<mode>/bin/<name>: the root is the folder above that holds schema/ */
		for (int i = 0; i < 2 && !has_schema(root_path); i++) {
			char *slash = strrchr(exe, '/');
			if (!slash)
				break;
			*slash = '\0';
			if (exe[0] && has_schema(exe))
				snprintf(root_path, sizeof root_path, "%s", exe);
		}
	}
	const char *v = getenv("ROOMBOOK_VAR");
	if (v && *v)
		snprintf(var_path, sizeof var_path, "%s", v);
	else
		snprintf(var_path, sizeof var_path, "%s/var", root_path);
}

const char *config_root(void)
{
	pthread_once(&paths_once, paths_init);
	return root_path;
}

const char *config_var(void)
{
	pthread_once(&paths_once, paths_init);
	return var_path;
}

void config_db_path(const char *service, char *out, unsigned long size)
{
	snprintf(out, size, "%s/db/%s.db", config_var(), service);
}

static char secret[128];
static pthread_once_t secret_once = PTHREAD_ONCE_INIT;

static void secret_load(void)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/secret", config_var());
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(secret, sizeof secret, f))
		secret[0] = '\0';
	fclose(f);
	secret[strcspn(secret, "\r\n")] = '\0';
	if (strlen(secret) < 32) /* too short to be ours: refuse everything */
		secret[0] = '\0';
}

const char *config_secret(void)
{
	pthread_once(&secret_once, secret_load);
	return secret;
}

int config_secret_matches(const char *s)
{
	const char *mine = config_secret();
	size_t n = strlen(mine);
	if (!s || !n || strlen(s) != n)
		return 0;
	unsigned diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned)(s[i] ^ mine[i]);
	return diff == 0;
}

const char *config_currency(void) { return config_str("CURRENCY", "EUR"); }

void config_today(char out[11])
{
	time_t now = time(NULL);
	struct tm tm;
	if (getenv("TZ")) /* the configured zone; unset means UTC, not /etc/localtime */
		localtime_r(&now, &tm);
	else
		gmtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

void config_now(char out[32])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	int ms = (int)(ts.tv_nsec / 1000000);
	out[n++] = '.';
	out[n++] = (char)('0' + ms / 100);
	out[n++] = (char)('0' + ms / 10 % 10);
	out[n++] = (char)('0' + ms % 10);
	out[n++] = 'Z';
	out[n] = '\0';
}

long long config_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long config_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int config_become_db_owner(const char *program)
{
	char dir[PATH_MAX + 8];
	struct stat st;
	snprintf(dir, sizeof dir, "%.4000s/db", config_var());
	if (geteuid() != 0)
		return 0;
	if (stat(dir, &st) != 0) {
		fprintf(stderr, "%s: no databases in %s\n", program, dir);
		return -1;
	}
	if (st.st_uid == 0)
		return 0;
	if (setgroups(0, NULL) != 0 || setgid(st.st_gid) != 0 || setuid(st.st_uid) != 0) {
		fprintf(stderr, "%s: cannot become the owner of %s\n", program, dir);
		return -1;
	}
	return 0;
}

void config_uri_path(const char *path, char *out, size_t size)
{
	size_t n = 0;
	for (; *path && n + 4 < size; path++) {
		if (*path == '%' || *path == '?' || *path == '#')
			n += (size_t)snprintf(out + n, size - n, "%%%02X", (unsigned char)*path);
		else
			out[n++] = *path;
	}
	out[n] = '\0';
}
