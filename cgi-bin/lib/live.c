/* live.c — a process's heartbeat for the watchdog (live.h). */
#include "live.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

/* Touches the file every half second while healthy, asleep in between (one wake-up a
 * half second: an idle worker's CPU is mostly this), until live_stop. */
static void *beat(void *arg)
{
	struct live *l = arg;
	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += 500 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!l->stop && pthread_cond_timedwait(&l->cv, &l->mu, &until) == 0)
			;
		if (l->stop)
			break;
		pthread_mutex_unlock(&l->mu);
		if (l->healthy(l->arg))
			utimensat(AT_FDCWD, l->path, NULL, 0);
		pthread_mutex_lock(&l->mu);
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

int live_start(struct live *l, const char *program, int (*healthy)(void *), void *arg)
{
	int n = snprintf(l->path, sizeof l->path, "%s/run/live/%s.%ld", config_var(), program, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof l->path) {
		log_error("heartbeat: the path of its file is too long: the watchdog cannot see this process");
		return -1;
	}
	l->healthy = healthy;
	l->arg = arg;
	l->started = l->stop = 0;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&l->mu, NULL);
	int fd = open(l->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error("heartbeat: cannot create %s: the watchdog cannot see this process", l->path);
		return -1;
	}
	close(fd);
	/* signals stay with the threads that wait for them (a worker's ppoll, a service's
	 * sigwait): the heartbeat's thread is created with every signal blocked */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&l->thread, NULL, beat, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_error("heartbeat: no thread: the watchdog cannot see this process");
		unlink(l->path);
		return -1;
	}
	l->started = 1;
	return 0;
}

void live_retire(struct live *l)
{
	if (!l->started)
		return;
	pthread_mutex_lock(&l->mu);
	if (!l->stop)
		unlink(l->path); /* a touch already under way finds no file (utimensat creates none) */
	l->stop = 1;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

void live_stop(struct live *l)
{
	if (!l->started)
		return;
	live_retire(l);
	pthread_join(l->thread, NULL);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	l->started = 0;
}
