/* hello.c — the baseline of `make bench`: the smallest libfcgi program, 1 process x 4
 * threads answering a small JSON on the unix socket named by argv[1]. Whatever a
 * Roombook service costs above this is ours. */
#include <fcgiapp.h>
#include <pthread.h>
#include <stdio.h>

#define THREADS 4

static int listen_fd;

static void *serve(void *arg)
{
	static const char reply[] = "Status: 200 OK\r\nContent-Type: application/json\r\n"
	                            "Content-Length: 12\r\n\r\n{\"ok\":true}\n";
	FCGX_Request r;
	(void)arg;
	FCGX_InitRequest(&r, listen_fd, 0);
	while (FCGX_Accept_r(&r) == 0) {
		FCGX_PutStr(reply, (int)sizeof reply - 1, r.out);
		FCGX_Finish_r(&r);
	}
	FCGX_Free(&r, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t threads[THREADS];
	if (argc != 2) {
		fprintf(stderr, "usage: %s SOCKET\n", argv[0]);
		return 2;
	}
	if (FCGX_Init() != 0 || (listen_fd = FCGX_OpenSocket(argv[1], 1024)) < 0) {
		fprintf(stderr, "hello: cannot listen on %s\n", argv[1]);
		return 1;
	}
	for (int i = 0; i < THREADS; i++)
		pthread_create(&threads[i], NULL, serve, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
	return 0;
}
