/* backup.c — consistent online backups of every database, and their restore.
 *   backup DIR            copies every database of <ROOMBOOK_VAR>/db into DIR (new or empty),
 *                         while the stack runs; all copies show one and the same instant
 *   backup --verify DIR   checks DIR's files against its manifest
 *   backup --restore DIR  puts DIR's databases into <ROOMBOOK_VAR>/db of a stopped stack
 *
 * One instant across databases: a saga commits in reservations, then payments, then
 * tickets..., so copies taken one after the other could hold a payment without its
 * reservation. The backup opens two connections per database; it takes the write lock of
 * every database (BEGIN IMMEDIATE, in name order, each wait bounded: other writers queue
 * on their busy timeout meanwhile), then starts a read transaction on each second
 * connection — no one can commit anywhere in between, so every snapshot is the same
 * instant — and releases the write locks: writes are paused for milliseconds. Each
 * snapshot is then copied with SQLite's online backup API into DIR/<name>.db.tmp, checked
 * (PRAGMA integrity_check), fsynced and renamed; DIR/manifest (time, sha256 of each file)
 * is written last, so a DIR without a manifest is an unfinished backup.
 *
 * Started as root, both directions switch to the owner of <var>/db (config_become_db_owner)
 * so that no file SQLite makes beside a database ends up owned by root: a backup's DIR is
 * made (and owned) for that user first; a restore opens DIR's files first, as root. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "lib/config.h"
#include "lib/digest.h"

#define MAX_DBS 32
#define NAME_MAX_LEN 64
#define HEX_LEN 64
#define LOCK_WAIT_MS 200 /* the longest one attempt waits for one database's write lock */

struct entry {
	char name[NAME_MAX_LEN]; /* accounts.db */
	char sha256[HEX_LEN + 1];
	long long size;
	int fd; /* restore: the backup's file, opened before switching users */
};

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* A database's file name: [a-z0-9_]+.db, nothing that could leave the folder. */
static int db_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n < 4 || n >= NAME_MAX_LEN || strcmp(name + n - 3, ".db") != 0)
		return 0;
	for (size_t i = 0; i < n - 3; i++)
		if (!(islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) || name[i] == '_'))
			return 0;
	return 1;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* The databases in dir (regular files named like db_name_ok), sorted by name: the one lock
 * order every backup uses. Returns how many, or -1 (said why). */
static int list_databases(const char *dir, struct entry *out)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "backup: cannot read %s: %s\n", dir, strerror(errno));
		return -1;
	}
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[PATH_MAX + 128];
		struct stat st;
		if (!db_name_ok(e->d_name))
			continue;
		snprintf(path, sizeof path, "%.4000s/%.63s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == MAX_DBS) {
			fprintf(stderr, "backup: more than %d databases in %s\n", MAX_DBS, dir);
			closedir(d);
			return -1;
		}
		memset(&out[n], 0, sizeof out[n]);
		snprintf(out[n].name, sizeof out[n].name, "%.63s", e->d_name);
		out[n++].fd = -1;
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof *out, cmp_entry);
	return n;
}

/* SHA-256 of what fd holds from its start, in lower-case hex; *size gets the length.
 * Returns 0, or -1 with errno. */
static int sha256_fd(int fd, char out[HEX_LEN + 1], long long *size)
{
	static unsigned char buf[1 << 16];
	struct sha256 ctx;
	sha256_init(&ctx);
	*size = 0;
	if (lseek(fd, 0, SEEK_SET) != 0)
		return -1;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		*size += n;
		sha256_update(&ctx, buf, (size_t)n);
	}
	sha256_final_hex(&ctx, out);
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
	if (fd >= 0)
		close(fd);
	if (rc)
		fprintf(stderr, "backup: cannot fsync %s: %s\n", dir, strerror(errno));
	return rc;
}

/* ---- backup ---- */

/* mkdir -p for the backup's folder (each made one 0700); started as root, the folders it
 * makes, and dir itself, are given to uid:gid (the databases' owner) so that the backup
 * can write there once it has switched to that user. Returns 0, or -1 (said why). */
static int make_backup_dir(const char *dir, int chown_to, uid_t uid, gid_t gid)
{
	char path[PATH_MAX + 128];
	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
		fprintf(stderr, "backup: %s: path too long\n", dir);
		return -1;
	}
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0700) == 0) {
			if (chown_to && chown(path, uid, gid) != 0) {
				fprintf(stderr, "backup: cannot give %s to uid %u: %s\n", path, (unsigned)uid, strerror(errno));
				return -1;
			}
		} else if (errno != EEXIST) {
			fprintf(stderr, "backup: cannot make %s: %s\n", path, strerror(errno));
			return -1;
		}
		*p = c;
		if (!c)
			break;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "backup: %s is not a folder\n", dir);
		return -1;
	}
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	if (d)
		closedir(d);
	if (!d || !empty) {
		fprintf(stderr, "backup: %s %s; give a new or empty folder\n", dir, d ? "is not empty" : "cannot be read");
		return -1;
	}
	if (chown_to && st.st_uid != uid && chown(dir, uid, gid) != 0) {
		fprintf(stderr, "backup: cannot give %s to uid %u: %s\n", dir, (unsigned)uid, strerror(errno));
		return -1;
	}
	return 0;
}

static int exec_sql(sqlite3 *db, const char *sql, const char *what)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK)
		return 0;
	if (what)
		fprintf(stderr, "backup: %s: %s\n", what, err ? err : sqlite3_errmsg(db));
	sqlite3_free(err);
	return -1;
}

/* Takes every write lock (name order), starts a read transaction on every reader while
 * all are held, and releases them. Each attempt waits at most LOCK_WAIT_MS per lock; a
 * lock not had releases those held (so nothing waits on us meanwhile) and the attempt
 * starts again after a pause, until timeout_ms has passed. Returns 0 and how long writes
 * were paused (*paused_us), or -1 (said why). */
static int snapshot_all(sqlite3 **writers, sqlite3 **readers, const struct entry *dbs, int n, long timeout_ms,
                        long long *paused_us)
{
	long long deadline = now_us() + timeout_ms * 1000LL;
	for (int attempt = 1;; attempt++) {
		int held = 0;
		const char *blocked = NULL;
		long long t0 = now_us();
		for (; held < n; held++) {
			long long left_ms = (deadline - now_us()) / 1000;
			sqlite3_busy_timeout(writers[held], (int)(left_ms < LOCK_WAIT_MS ? (left_ms > 0 ? left_ms : 0)
			                                                                 : LOCK_WAIT_MS));
			if (exec_sql(writers[held], "BEGIN IMMEDIATE", NULL)) {
				blocked = dbs[held].name;
				break;
			}
		}
		if (!blocked) {
			int rc = 0;
			for (int i = 0; i < n && !rc; i++)
				rc = exec_sql(readers[i], "BEGIN; SELECT count(*) FROM sqlite_schema;", dbs[i].name);
			for (int i = 0; i < n; i++)
				if (exec_sql(writers[i], "ROLLBACK", dbs[i].name))
					rc = -1;
			*paused_us = now_us() - t0;
			return rc;
		}
		for (int i = 0; i < held; i++)
			exec_sql(writers[i], "ROLLBACK", dbs[i].name);
		if (now_us() >= deadline) {
			fprintf(stderr,
			        "backup: could not lock %s for writing within %ld ms (%d attempts; another process "
			        "keeps a write transaction open?); nothing was copied\n",
			        blocked, timeout_ms, attempt);
			return -1;
		}
		sleep_ms(20 + attempt % 5 * 10);
	}
}

/* Copies the snapshot readers[i] holds into dir/<name>.tmp with the online backup API,
 * checks the copy, fsyncs it, renames it to dir/<name> and records its sha256 and size.
 * Returns 0, or -1 (said why; the .tmp removed). */
static int copy_snapshot(sqlite3 *src, const char *dir, struct entry *e)
{
	char tmp[PATH_MAX + 128], final[PATH_MAX + 128], uri[2 * PATH_MAX];
	snprintf(tmp, sizeof tmp, "%.4000s/%.63s.tmp", dir, e->name);
	snprintf(final, sizeof final, "%.4000s/%.63s", dir, e->name);
	unlink(tmp);
	sqlite3 *dst = NULL;
	int rc = -1;
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		fprintf(stderr, "backup: cannot create %s: %s\n", tmp, sqlite3_errmsg(dst));
		goto out;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		fprintf(stderr, "backup: %s: %s\n", e->name, sqlite3_errmsg(dst));
		goto out;
	}
	int step = sqlite3_backup_step(b, -1);
	int fin = sqlite3_backup_finish(b);
	if (step != SQLITE_DONE || fin != SQLITE_OK) {
		fprintf(stderr, "backup: copying %s failed: %s\n", e->name, sqlite3_errmsg(dst));
		goto out;
	}
	sqlite3_close(dst);
	dst = NULL;
	/* The copy is checked as a file on its own: immutable, so no -wal/-shm is looked for or
	 * made beside it (it has none: every page is in the file). */
	config_uri_path(tmp, uri, sizeof uri - 32);
	strcat(uri, "?immutable=1");
	char *check = sqlite3_mprintf("file:%s", uri);
	int opened = sqlite3_open_v2(check, &dst, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	sqlite3_free(check);
	sqlite3_stmt *st = NULL;
	if (opened != SQLITE_OK || sqlite3_prepare_v2(dst, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "backup: cannot check the copy of %s: %s\n", e->name, sqlite3_errmsg(dst));
		goto out;
	}
	char first[256] = "";
	int stepped = sqlite3_step(st);
	if (stepped == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(first, sizeof first, "%s", (const char *)sqlite3_column_text(st, 0));
	int ok = stepped == SQLITE_ROW && strcmp(first, "ok") == 0 && sqlite3_step(st) == SQLITE_DONE;
	if (!ok)
		fprintf(stderr, "backup: the copy of %s fails PRAGMA integrity_check: %s\n", e->name,
		        first[0] ? first : sqlite3_errmsg(dst));
	sqlite3_finalize(st);
	if (!ok)
		goto out;
	int fd = open(tmp, O_RDONLY);
	if (fd < 0 || fsync(fd) != 0 || sha256_fd(fd, e->sha256, &e->size) != 0) {
		fprintf(stderr, "backup: %s: %s\n", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	if (rename(tmp, final) != 0) {
		fprintf(stderr, "backup: cannot rename %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	sqlite3_close(dst);
	if (rc)
		unlink(tmp);
	return rc;
}

static int write_manifest(const char *dir, const struct entry *dbs, int n, const char *taken, const char *dbdir,
                          long long paused_us)
{
	char tmp[PATH_MAX + 128], final[PATH_MAX + 128];
	snprintf(tmp, sizeof tmp, "%.4000s/manifest.tmp", dir);
	snprintf(final, sizeof final, "%.4000s/manifest", dir);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "backup: cannot write %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	fprintf(f,
	        "# Roombook backup: every database as of one instant (copied while no write could commit).\n"
	        "# Check: cd DIR && grep -v '^#' manifest | sha256sum -c\n"
	        "# Restore (stack stopped): backup --restore DIR\n"
	        "# taken %s\n"
	        "# from %s\n"
	        "# writes paused %.3f ms\n",
	        taken, dbdir, (double)paused_us / 1000.0);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s  %s\n", dbs[i].sha256, dbs[i].name);
	int rc = fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc || rename(tmp, final) != 0) {
		fprintf(stderr, "backup: cannot write %s: %s\n", final, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return fsync_dir(dir);
}

static int do_backup(const char *dir)
{
	char dbdir[PATH_MAX + 128];
	struct stat st;
	snprintf(dbdir, sizeof dbdir, "%.4000s/db", config_var());
	if (stat(dbdir, &st) != 0) {
		fprintf(stderr, "backup: no databases in %s: %s\n", dbdir, strerror(errno));
		return 1;
	}
	umask(077);
	int root = geteuid() == 0;
	if (make_backup_dir(dir, root && st.st_uid != 0, st.st_uid, st.st_gid) || config_become_db_owner("backup"))
		return 1;
	if (access(dir, W_OK | X_OK) != 0) {
		fprintf(stderr, "backup: uid %u (the databases' owner) cannot write %s: %s; pick a folder it can reach\n",
		        (unsigned)geteuid(), dir, strerror(errno));
		return 1;
	}
	if (chmod(dir, 0700) != 0) {
		fprintf(stderr, "backup: cannot chmod %s: %s\n", dir, strerror(errno));
		return 1;
	}
	struct entry dbs[MAX_DBS];
	int n = list_databases(dbdir, dbs);
	if (n <= 0) {
		if (n == 0)
			fprintf(stderr, "backup: no databases in %s\n", dbdir);
		return 1;
	}
	sqlite3 *writers[MAX_DBS] = {0}, *readers[MAX_DBS] = {0};
	int rc = 1;
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX + 128];
		snprintf(path, sizeof path, "%.4000s/%.63s", dbdir, dbs[i].name);
		if (sqlite3_open_v2(path, &writers[i], SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
		    sqlite3_open_v2(path, &readers[i], SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
			fprintf(stderr, "backup: cannot open %s: %s\n", path,
			        sqlite3_errmsg(readers[i] ? readers[i] : writers[i]));
			goto out;
		}
		sqlite3_busy_timeout(readers[i], 2000);
		/* Schema and WAL index read now, not while every writer waits on us. */
		if (exec_sql(readers[i], "SELECT count(*) FROM sqlite_schema", dbs[i].name) ||
		    exec_sql(writers[i], "SELECT count(*) FROM sqlite_schema", dbs[i].name))
			goto out;
	}
	long long paused_us = 0;
	char taken[32];
	if (snapshot_all(writers, readers, dbs, n, config_long("BACKUP_LOCK_TIMEOUT_MS", 10000), &paused_us))
		goto out;
	config_now(taken); /* within a few ms of the instant the snapshots show */
	long long total = 0;
	for (int i = 0; i < n; i++) {
		if (copy_snapshot(readers[i], dir, &dbs[i]))
			goto out;
		exec_sql(readers[i], "ROLLBACK", NULL); /* the snapshot is no longer needed */
		total += dbs[i].size;
	}
	if (fsync_dir(dir) || write_manifest(dir, dbs, n, taken, dbdir, paused_us))
		goto out;
	printf("backup: %d databases (%lld bytes) as of %s in %s; writes paused %.3f ms\n", n, total, taken, dir,
	       (double)paused_us / 1000.0);
	rc = 0;
out:
	for (int i = 0; i < n; i++) {
		sqlite3_close(readers[i]);
		sqlite3_close(writers[i]);
	}
	if (rc)
		fprintf(stderr, "backup: failed; %s holds no manifest, so it is no backup\n", dir);
	return rc;
}

/* ---- manifest, verify, restore ---- */

/* Reads DIR/manifest (sha256sum lines "<64 hex>  <name>.db"; lines starting with # are
 * comments; "# taken ..." is kept in taken) and opens every file it names (fd). Returns
 * how many, or -1 (said why). */
static int read_manifest(const char *dir, struct entry *out, char *taken, size_t taken_size)
{
	char path[PATH_MAX + 128], line[512];
	snprintf(path, sizeof path, "%.4000s/manifest", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "backup: cannot read %s: %s (an unfinished backup has none)\n", path, strerror(errno));
		return -1;
	}
	int n = 0, lineno = 0, bad = 0;
	snprintf(taken, taken_size, "unknown");
	while (!bad && fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "# taken ", 8) == 0)
			snprintf(taken, taken_size, "%.60s", line + 8);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		size_t hex = strspn(line, "0123456789abcdef");
		const char *name = line + HEX_LEN + 2;
		if (hex != HEX_LEN || strncmp(line + HEX_LEN, "  ", 2) != 0 || !db_name_ok(name) || n == MAX_DBS) {
			bad = 1;
			break;
		}
		for (int i = 0; i < n; i++)
			if (strcmp(out[i].name, name) == 0)
				bad = 1;
		memset(&out[n], 0, sizeof out[n]);
		memcpy(out[n].sha256, line, HEX_LEN);
		snprintf(out[n].name, sizeof out[n].name, "%.63s", name);
		out[n++].fd = -1;
	}
	fclose(f);
	if (bad || n == 0) {
		fprintf(stderr, "backup: %s: %s\n", path,
		        bad ? "malformed line (want '<sha256>  <name>.db')" : "names no database");
		if (bad)
			fprintf(stderr, "  line %d: %.200s\n", lineno, line);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%.4000s/%.63s", dir, out[i].name);
		out[i].fd = open(path, O_RDONLY);
		if (out[i].fd < 0) {
			fprintf(stderr, "backup: cannot read %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	return n;
}

/* Every file against its sha256 in the manifest. Returns 0, or -1 (each mismatch said). */
static int verify(const char *dir, struct entry *dbs, int n)
{
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char got[HEX_LEN + 1];
		if (sha256_fd(dbs[i].fd, got, &dbs[i].size) != 0) {
			fprintf(stderr, "backup: cannot read %s/%s: %s\n", dir, dbs[i].name, strerror(errno));
			rc = -1;
		} else if (strcmp(got, dbs[i].sha256) != 0) {
			fprintf(stderr, "backup: %s/%s does not match the manifest (sha256 %s, manifest says %s)\n", dir,
			        dbs[i].name, got, dbs[i].sha256);
			rc = -1;
		}
	}
	return rc;
}

/* Whether the stack's supervisord (var/run/supervisord.pid) is alive. */
static int supervisord_running(long *pid)
{
	char path[PATH_MAX + 128], buf[4096];
	snprintf(path, sizeof path, "%.4000s/run/supervisord.pid", config_var());
	FILE *f = fopen(path, "r");
	*pid = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%ld", pid) != 1)
		*pid = 0;
	fclose(f);
	if (*pid <= 0 || (kill((pid_t)*pid, 0) != 0 && errno != EPERM))
		return 0;
	/* A pid file left by a stack that died may name another process by now. */
	snprintf(path, sizeof path, "/proc/%ld/cmdline", *pid);
	f = fopen(path, "r");
	if (!f)
		return 1; /* alive and nothing tells otherwise: assume it is */
	size_t got = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	for (size_t i = 0; i < got; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[got] = '\0';
	return strstr(buf, "supervisord") != NULL;
}

/* The pid of a process that has dbdir/<name> open, found through the lock every SQLite
 * connection to a WAL database holds on its -shm file (the "DMS" byte, offset 128 in
 * SQLite's unix VFS); 0 when none (or no -shm). Covers stacks without supervisord (systemd). */
static long db_in_use(const char *dbdir, const char *name)
{
	char path[PATH_MAX + 128];
	snprintf(path, sizeof path, "%.4000s/%.63s-shm", dbdir, name);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 128, .l_len = 1};
	long pid = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK ? (fl.l_pid > 0 ? fl.l_pid : 1) : 0;
	close(fd);
	return pid;
}

/* Removes the processes' durable marks, the files in <var>/run/durable (lib/db.c): the restored
 * databases' outboxes may end before the marks of the old ones. 0 or -1. */
static int durable_marks_forget(void)
{
	char dir[PATH_MAX], file[PATH_MAX + 300];
	snprintf(dir, sizeof dir, "%s/run/durable", config_var());
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	int rc = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof file, "%s/%.255s", dir, e->d_name);
		if (unlink(file) != 0 && errno != ENOENT)
			rc = -1;
	}
	closedir(d);
	return rc;
}

/* Copies the backup's file (fd) into path (new, 0600), hashing what it copies; the hash
 * must still be the manifest's. Returns 0, or -1 (said why; path removed). */
static int copy_in(const struct entry *e, const char *path)
{
	static unsigned char buf[1 << 16];
	unlink(path);
	int out = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (out < 0 || lseek(e->fd, 0, SEEK_SET) != 0) {
		fprintf(stderr, "backup: cannot write %s: %s\n", path, strerror(errno));
		if (out >= 0)
			close(out);
		return -1;
	}
	struct sha256 ctx;
	sha256_init(&ctx);
	int rc = 0;
	while (!rc) {
		ssize_t n = read(e->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -1 : 0;
			break;
		}
		sha256_update(&ctx, buf, (size_t)n);
		for (ssize_t off = 0; !rc && off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno != EINTR)
				rc = -1;
			off += w > 0 ? w : 0;
		}
	}
	if (rc)
		fprintf(stderr, "backup: copying %s failed: %s\n", path, strerror(errno));
	char got[HEX_LEN + 1] = "";
	if (!rc) {
		sha256_final_hex(&ctx, got);
		if (strcmp(got, e->sha256) != 0) {
			fprintf(stderr, "backup: %s changed while it was restored (sha256 %s)\n", e->name, got);
			rc = -1;
		}
	}
	if (!rc && fsync(out) != 0) {
		fprintf(stderr, "backup: cannot fsync %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	if (close(out) != 0)
		rc = -1;
	if (rc)
		unlink(path);
	return rc;
}

static int do_restore(const char *dir)
{
	char dbdir[PATH_MAX + 128], taken[64];
	const char *var = config_var();
	struct entry dbs[MAX_DBS];
	long pid;
	snprintf(dbdir, sizeof dbdir, "%.4000s/db", var);
	if (supervisord_running(&pid)) {
		fprintf(stderr, "backup: the stack on %s is running (supervisord pid %ld); stop it before a restore\n",
		        var, pid);
		return 1;
	}
	umask(077);
	/* Read as the caller (root may read a backup copied in as root), write as the owner. */
	int n = read_manifest(dir, dbs, taken, sizeof taken);
	if (n < 0)
		return 1;
	struct stat st, owner;
	if (stat(dbdir, &st) != 0) {
		/* A new var: started as root, var/ and var/db are given to the user that owns the
		 * backup (its databases' owner when it was taken), as scripts/stack gives var/ to
		 * RUN_AS at every start. */
		if ((mkdir(var, 0700) != 0 && errno != EEXIST) || mkdir(dbdir, 0700) != 0 || stat(dir, &owner) != 0 ||
		    (geteuid() == 0 && (chown(dbdir, owner.st_uid, owner.st_gid) != 0 ||
		                        chown(var, owner.st_uid, owner.st_gid) != 0))) {
			fprintf(stderr, "backup: cannot make %s: %s\n", dbdir, strerror(errno));
			return 1;
		}
	}
	if (config_become_db_owner("backup"))
		return 1;
	struct entry present[MAX_DBS];
	int np = list_databases(dbdir, present);
	if (np < 0)
		return 1;
	for (int i = 0; i < np; i++) {
		long user = db_in_use(dbdir, present[i].name);
		if (user) {
			fprintf(stderr, "backup: %s/%s is open (process %ld); stop the stack before a restore\n", dbdir,
			        present[i].name, user);
			return 1;
		}
	}
	if (verify(dir, dbs, n)) {
		fprintf(stderr, "backup: %s fails its manifest; nothing was restored\n", dir);
		return 1;
	}
	/* Every copy is made and checked before any database is replaced. */
	for (int i = 0; i < n; i++) {
		char tmp[PATH_MAX + 128];
		snprintf(tmp, sizeof tmp, "%.4000s/%.63s.restoring", dbdir, dbs[i].name);
		if (copy_in(&dbs[i], tmp)) {
			for (int j = 0; j < i; j++) {
				snprintf(tmp, sizeof tmp, "%.4000s/%.63s.restoring", dbdir, dbs[j].name);
				unlink(tmp);
			}
			fprintf(stderr, "backup: nothing was restored\n");
			return 1;
		}
	}
	/* The old -wal would be replayed onto the restored file: it goes first. */
	for (int i = 0; i < n; i++) {
		static const char *const stale[] = {"-wal", "-shm", "-journal"};
		char path[PATH_MAX + 128], tmp[PATH_MAX + 128];
		for (size_t k = 0; k < sizeof stale / sizeof *stale; k++) {
			snprintf(path, sizeof path, "%.4000s/%.63s%s", dbdir, dbs[i].name, stale[k]);
			if (unlink(path) != 0 && errno != ENOENT) {
				fprintf(stderr, "backup: cannot remove %s: %s (restore incomplete: run it again)\n", path,
				        strerror(errno));
				return 1;
			}
		}
		snprintf(path, sizeof path, "%.4000s/%.63s", dbdir, dbs[i].name);
		snprintf(tmp, sizeof tmp, "%.4000s/%.63s.restoring", dbdir, dbs[i].name);
		if (rename(tmp, path) != 0) {
			fprintf(stderr, "backup: cannot rename %s: %s (restore incomplete: run it again)\n", tmp,
			        strerror(errno));
			return 1;
		}
	}
	if (fsync_dir(dbdir))
		return 1;
	if (durable_marks_forget())
		fprintf(stderr, "backup: warning: cannot remove %s/run/durable/*: remove them before starting\n",
		        config_var());
	for (int i = 0; i < np; i++) {
		int known = 0;
		for (int j = 0; j < n; j++)
			known |= strcmp(present[i].name, dbs[j].name) == 0;
		if (!known)
			fprintf(stderr, "backup: warning: %s/%s is not in the backup and was left as it was\n", dbdir,
			        present[i].name);
	}
	printf("backup: restored %d databases (taken %s) into %s\n", n, taken, dbdir);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: backup DIR | backup --verify DIR | backup --restore DIR\n"
	                "  DIR: copy every database of <ROOMBOOK_VAR>/db, as of one instant, into DIR (new or\n"
	                "       empty), with DIR/manifest (time, sha256 of each file); the stack may run\n"
	                "  --verify: check DIR's files against its manifest\n"
	                "  --restore: put DIR's databases into <ROOMBOOK_VAR>/db; the stack must be stopped\n"
	                "  exit 0 when done, 1 when refused or failed, 2 on a usage error\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strlen(argv[argc - 1]) > 4000) {
		fprintf(stderr, "backup: %.100s...: path too long\n", argv[argc - 1]);
		return 2;
	}
	if (argc == 2 && argv[1][0] && argv[1][0] != '-')
		return do_backup(argv[1]);
	if (argc == 3 && strcmp(argv[1], "--restore") == 0)
		return do_restore(argv[2]);
	if (argc == 3 && strcmp(argv[1], "--verify") == 0) {
		struct entry dbs[MAX_DBS];
		char taken[64];
		int n = read_manifest(argv[2], dbs, taken, sizeof taken);
		if (n < 0 || verify(argv[2], dbs, n))
			return 1;
		printf("backup: %s holds %d databases (taken %s) matching its manifest\n", argv[2], n, taken);
		return 0;
	}
	return usage();
}
