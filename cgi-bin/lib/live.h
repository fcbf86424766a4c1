/* live.h — a process's heartbeat for the watchdog (scripts/watchdog): the file
 * var/run/live/<program>.<pid>, touched every half second while the process says it is
 * healthy. The watchdog SIGKILLs a process whose file goes stale (hung, stopped or
 * stuck) and its supervisor starts a new one. */
#ifndef RB_LIVE_H
#define RB_LIVE_H

#include <limits.h>
#include <pthread.h>

struct live {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started, stop;
	char path[PATH_MAX];
	int (*healthy)(void *arg); /* 1: touch the file this time */
	void *arg;
};

/* Creates the file and starts the thread that touches it until live_stop; 0, or -1
 * (logged: the watchdog cannot see this process). */
int live_start(struct live *l, const char *program, int (*healthy)(void *), void *arg);

/* Stops the thread and removes the file. */
void live_stop(struct live *l);

#endif
