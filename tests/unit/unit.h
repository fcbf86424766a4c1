/* unit.h — the smallest test harness: CHECK records a failure and goes on; each test
 * function is one behaviour; main prints "N passed, N failed" for tests/run.py. */
#ifndef RB_UNIT_H
#define RB_UNIT_H
#include <stdio.h>

static int unit_failed_checks;
static int unit_passed, unit_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			unit_failed_checks++;                                                      \
		}                                                                                  \
	} while (0)

#define RUN(fn)                                                                                    \
	do {                                                                                       \
		int before = unit_failed_checks;                                                   \
		fn();                                                                              \
		if (unit_failed_checks == before) {                                                \
			unit_passed++;                                                             \
			printf("ok %s\n", #fn);                                                    \
		} else {                                                                           \
			unit_failed++;                                                             \
			printf("FAIL %s\n", #fn);                                                  \
		}                                                                                  \
	} while (0)

#define UNIT_END()                                                                                 \
	do {                                                                                       \
		printf("%d passed, %d failed\n", unit_passed, unit_failed);                       \
		return unit_failed ? 1 : 0;                                                        \
	} while (0)
#endif
