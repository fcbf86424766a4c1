/* replay_main.c — main() for fuzz targets built without libFuzzer (the normal compiler,
 * `make build`): runs LLVMFuzzerTestOneInput once on every file of the directories (or
 * files) given, so that `make test` replays the corpus quickly, with ASan + UBSan under
 * MODE=asan. Prints how many inputs ran; exits 1 when an argument cannot be read. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replayed;

/* Runs the target on the bytes of the file at path; 0, or -1 when it cannot be read. */
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 4096, n = 0, got;
	uint8_t *data = malloc(cap);
	while (data && (got = fread(data + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			data = realloc(data, cap *= 2);
	}
	int bad = ferror(f) || !data;
	fclose(f);
	uint8_t *exact = bad ? NULL : malloc(n ? n : 1); /* exactly n bytes: ASan sees over-reads */
	int ok = exact != NULL;
	if (ok) {
		memcpy(exact, data, n);
		LLVMFuzzerTestOneInput(exact, n);
		replayed++;
	}
	free(exact);
	free(data);
	return ok ? 0 : -1;
}

/* Replays path: a file, or every regular file directly inside a directory. */
static int replay_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int rc = 0;
	for (struct dirent *e; (e = readdir(d));) {
		char file[4096];
		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof file, "%s/%s", path, e->d_name);
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && replay_file(file) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;
	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i]) != 0) {
			fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
			rc = 1;
		}
	printf("%d inputs replayed\n", replayed);
	return rc;
}
