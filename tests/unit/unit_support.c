/* unit_support.c — linked into every unit test program: what fcgi_main.c (or the
 * worker) provides to service code at run time. A test process never shuts down, so
 * background loops a test drives see "not stopping" and sleep for real. */
#include <time.h>

#include "service.h"

int service_stopping(void) { return 0; }

int service_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
	return 0;
}
