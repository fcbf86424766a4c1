/* fuzz.h — what every fuzz target shares: the libFuzzer entry point, a way to turn the
 * fuzzer's bytes into the strings FastCGI would hand us, and an assertion that stops
 * the run (libFuzzer and replay_main.c both report an abort as a failure). */
#ifndef RB_FUZZ_H
#define RB_FUZZ_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Runs the target on one input; always returns 0 (libFuzzer's contract). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts (a finding) when a property of the code under test does not hold. */
#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A new NUL-terminated copy of data, cut at its first NUL byte as a FastCGI parameter
 * would be. Caller frees. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n = nul ? (size_t)(nul - data) : size;
	char *s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/* True when model can be sent: jansson serialises it (never a 200 with an empty body). */
static inline int fuzz_model_sendable(json_t *model)
{
	char *s = model ? json_dumps(model, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	free(s);
	return !model || s != NULL;
}
#endif
