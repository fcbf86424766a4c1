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

/* The process is stopping: the file goes at once (the watchdog stops watching a process
 * that drains its last requests) and the thread ends; live_stop waits for it. */
void live_retire(struct live *l);

/* Retires (when not yet) and waits for the thread. */
void live_stop(struct live *l);

#endif
