/* worker.c — the event worker's command line; the delivery engine is lib/delivery.h.
 *   worker run          deliver until SIGTERM/SIGINT
 *   worker once         deliver until nothing is pending, then exit
 *   worker deadletters  one JSON line per dead letter of every consumer
 *   worker replay CONSUMER:ID (or: replay ID --consumer CONSUMER)  apply a dead letter again
 *   worker discard CONSUMER:ID (or: discard ID --consumer CONSUMER) print a dead letter whole, then delete it
 *   worker migrate      every service's database migrated (scripts/stack, before serving) */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/config.h"
#include "lib/db.h"
#include "lib/delivery.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "services.h"

static volatile sig_atomic_t stopping;

int service_stopping(void) { return stopping; }

int service_sleep_ms(long ms)
{
	long long until = config_mono_ms() + ms;
	while (!stopping && config_mono_ms() < until) {
		struct timespec slice = {0, 20 * 1000000L};
		nanosleep(&slice, NULL);
	}
	return stopping;
}

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static int cmd_run(int once)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_stop; /* no SA_RESTART: a blocking call returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	metrics_open("worker", NULL, 0); /* on failure (logged), no metrics */
	return delivery_run(all_services, all_services_count, once);
}

/* replay|discard CONSUMER:ID, or replay|discard ID --consumer CONSUMER */
static int cmd_letter(int argc, char **argv)
{
	char name[64] = "";
	long long id = 0;
	const char *colon = argc > 2 ? strchr(argv[2], ':') : NULL;
	if (colon && (size_t)(colon - argv[2]) < sizeof name) {
		snprintf(name, sizeof name, "%.*s", (int)(colon - argv[2]), argv[2]);
		id = atoll(colon + 1);
	} else if (argc > 4 && strcmp(argv[3], "--consumer") == 0) {
		snprintf(name, sizeof name, "%s", argv[4]);
		id = atoll(argv[2]);
	}
	const struct service *svc = delivery_consumer(all_services, all_services_count, name);
	if (!svc || id < 1) {
		fprintf(stderr, "usage: worker %s CONSUMER:ID | worker %s ID --consumer CONSUMER\n", argv[1], argv[1]);
		return 2;
	}
	if (config_become_db_owner("worker")) /* as root: files SQLite makes stay the stack user's */
		return 1;
	return strcmp(argv[1], "replay") == 0 ? delivery_replay(svc, id) : delivery_discard(svc, id, stdout);
}

static void *migrate_one(void *arg)
{
	const struct service *svc = arg;
	struct db *db = db_open(svc->name);
	db_close(db);
	return db ? arg : NULL;
}

/* Every service's migrations at once, a thread each (each its own database), in one
 * process: the stack's start ran a process a service for this, ~20 ms each of a small VM's
 * start. Fails when any fails (db_open logged why). */
static int cmd_migrate(void)
{
	pthread_t threads[16];
	size_t started = 0;
	int rc = 0;
	for (; started < all_services_count && started < sizeof threads / sizeof *threads; started++)
		if (pthread_create(&threads[started], NULL, migrate_one, (void *)all_services[started]) != 0)
			break;
	for (size_t i = started; i < all_services_count; i++) /* no thread left: one by one */
		if (!migrate_one((void *)all_services[i]))
			rc = 1;
	for (size_t i = 0; i < started; i++) {
		void *done = NULL;
		pthread_join(threads[i], &done);
		if (!done)
			rc = 1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	mallopt(M_TRIM_THRESHOLD, 4 << 20); /* as the services (fcgi_main.c) */
	/* The log goes out in one write at most every 50 ms while busy and before the worker
	 * sleeps (delivery.c, log_flush_due), not a pipe write and a supervisord wake-up a line. */
	static char logbuf[1 << 16];
	setvbuf(stderr, logbuf, _IOFBF, sizeof logbuf);
	log_init("worker");
	log_buffered(sizeof logbuf);
	const char *cmd = argc > 1 ? argv[1] : "run";
	if (strcmp(cmd, "run") == 0 || strcmp(cmd, "once") == 0)
		return cmd_run(strcmp(cmd, "once") == 0);
	if (strcmp(cmd, "deadletters") == 0)
		return delivery_dead_letters(all_services, all_services_count, stdout);
	if (strcmp(cmd, "replay") == 0 || strcmp(cmd, "discard") == 0)
		return cmd_letter(argc, argv);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate();
	fprintf(stderr, "usage: worker run | once | deadletters | replay CONSUMER:ID | discard CONSUMER:ID | migrate\n");
	return 2;
}
