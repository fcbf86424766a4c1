/* baseline.c — the two baselines of `make bench`, laid out like a Roombook service
 * (PROCS processes x THREADS threads accepting on one unix socket, a finished
 * connection closed at once) and doing nothing else:
 *   baseline hello SOCKET      B1: answers a small JSON;
 *   baseline write SOCKET DB   B2: one BEGIN IMMEDIATE; INSERT; COMMIT per request, one
 *                              SQLite connection per thread, WAL, synchronous=SYNC
 *                              (FULL, the services' default), writers of a process taking
 *                              turns on a mutex and waiting for other processes with the
 *                              same 50 us poll as cgi-bin/lib/db.c.
 * Whatever a Roombook service costs above this is ours. */
#define _GNU_SOURCE
#include <fcgiapp.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int listen_fd, threads = 4;
static const char *db_path, *sync_mode;
static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;

static const char ok[] = "Status: 200 OK\r\nContent-Type: application/json\r\n"
                         "Content-Length: 12\r\n\r\n{\"ok\":true}\n";
static const char created[] = "Status: 201 Created\r\nContent-Type: application/json\r\n"
                              "Content-Length: 12\r\n\r\n{\"ok\":true}\n";
static const char failed[] = "Status: 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";

static int busy_wait(void *unused, int count)
{
	(void)unused;
	struct timespec pause = {0, count < 20 ? 50000 : 500000};
	nanosleep(&pause, NULL);
	return count < 20000;
}

static sqlite3 *open_db(void)
{
	sqlite3 *h;
	char pragmas[128];
	if (sqlite3_open_v2(db_path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL)) {
		fprintf(stderr, "baseline: cannot open %s\n", db_path);
		exit(1);
	}
	sqlite3_busy_handler(h, busy_wait, NULL);
	snprintf(pragmas, sizeof pragmas, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s;", sync_mode);
	if (sqlite3_exec(h, pragmas, NULL, NULL, NULL) ||
	    sqlite3_exec(h, "CREATE TABLE IF NOT EXISTS item(id INTEGER PRIMARY KEY, body TEXT NOT NULL, "
	                    "created_at TEXT NOT NULL)", NULL, NULL, NULL)) {
		fprintf(stderr, "baseline: %s\n", sqlite3_errmsg(h));
		exit(1);
	}
	return h;
}

/* One write transaction; 0 when committed. */
static int write_one(sqlite3 *h, sqlite3_stmt *begin, sqlite3_stmt *insert, sqlite3_stmt *commit)
{
	pthread_mutex_lock(&writer);
	int rc = sqlite3_step(begin) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(begin);
	if (!rc) {
		sqlite3_bind_text(insert, 1, "{\"name\":\"Bench room\",\"capacity\":4}", -1, SQLITE_STATIC);
		rc = sqlite3_step(insert) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(insert);
		if (!rc)
			rc = sqlite3_step(commit) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(commit);
		if (rc)
			sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	}
	pthread_mutex_unlock(&writer);
	return rc;
}

static void *serve(void *arg)
{
	(void)arg;
	sqlite3 *h = NULL;
	sqlite3_stmt *begin = NULL, *insert = NULL, *commit = NULL;
	if (db_path) {
		h = open_db();
		sqlite3_prepare_v2(h, "BEGIN IMMEDIATE", -1, &begin, NULL);
		sqlite3_prepare_v2(h, "INSERT INTO item(body, created_at) VALUES (?, "
		                      "strftime('%Y-%m-%dT%H:%M:%fZ','now'))", -1, &insert, NULL);
		sqlite3_prepare_v2(h, "COMMIT", -1, &commit, NULL);
	}
	FCGX_Request r;
	FCGX_InitRequest(&r, listen_fd, 0);
	while (FCGX_Accept_r(&r) == 0) {
		if (!h)
			FCGX_PutStr(ok, (int)sizeof ok - 1, r.out);
		else if (write_one(h, begin, insert, commit) == 0)
			FCGX_PutStr(created, (int)sizeof created - 1, r.out);
		else
			FCGX_PutStr(failed, (int)sizeof failed - 1, r.out);
		FCGX_Detach(&r);
		FCGX_Finish_r(&r);
	}
	FCGX_Free(&r, 1);
	return NULL;
}

static void serve_process(void)
{
	pthread_t t[64];
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, serve, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
}

int main(int argc, char **argv)
{
	int write = argc == 4 && strcmp(argv[1], "write") == 0;
	if (!write && !(argc == 3 && strcmp(argv[1], "hello") == 0)) {
		fprintf(stderr, "usage: %s hello SOCKET | write SOCKET DB\n", argv[0]);
		return 2;
	}
	int procs = getenv("PROCS") ? atoi(getenv("PROCS")) : 2;
	threads = getenv("THREADS") ? atoi(getenv("THREADS")) : 4;
	sync_mode = getenv("SYNC") ? getenv("SYNC") : "FULL";
	if (procs < 1 || procs > 16 || threads < 1 || threads > 64 || strspn(sync_mode, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(sync_mode))
		return 2;
	if (write) {
		db_path = argv[3];
		sqlite3_close(open_db()); /* the table, before the processes race to make it */
	}
	if (FCGX_Init() != 0 || (listen_fd = FCGX_OpenSocket(argv[2], 1024)) < 0) {
		fprintf(stderr, "baseline: cannot listen on %s\n", argv[2]);
		return 1;
	}
	for (int i = 1; i < procs; i++)
		if (fork() == 0) {
			serve_process();
			return 0;
		}
	serve_process();
	while (wait(NULL) > 0)
		;
	return 0;
}
