/* live.c — a process's heartbeat for the watchdog (live.h). */
#include "live.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service.h"
#include "config.h"
#include "log.h"

static void *beat(void *arg)
{
	struct live *l = arg;
	while (!service_sleep_ms(500))
		if (l->healthy(l->arg))
			utimensat(AT_FDCWD, l->path, NULL, 0);
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
	l->started = 0;
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

void live_stop(struct live *l)
{
	if (!l->started)
		return;
	pthread_join(l->thread, NULL);
	unlink(l->path);
	l->started = 0;
}
