/* walbuf.c — a VFS over SQLite's "unix" that writes a transaction's WAL frames in one
 * pwrite instead of two per page.
 *
 * SQLite appends each frame to the -wal file as two writes: the 24-byte frame header,
 * then the page. A booking's commit in reservations is about ten frames, so twenty
 * pwrites, each a system call that is dear on a small VM. Here a frame header written
 * alone, and the page after it, are held in memory while they continue the bytes
 * already held, and go out in one write:
 *   - right after the page of a commit frame (its header's "database size after commit"
 *     is not zero). The commit's writes end there, and that write's error is the
 *     commit's. SQLite makes the frames visible to other connections (the wal-index
 *     header in shared memory) only after this, so no reader looks for bytes held here;
 *   - before any other write (the WAL's header, a frame rewritten in place), so bytes
 *     reach the file in SQLite's order;
 *   - before anything else touches the file: a read (this connection's own frames, a
 *     checkpoint), a sync, a truncation, its size, a file control, closing;
 *   - before WALBUF_MAX bytes would be held (a large transaction).
 * Held bytes that cannot be written are dropped, never written later: a commit that
 * failed must not appear in the WAL after SQLite rolled it back. A SQLite that wrote a
 * frame in one piece would have its writes made as they come, just not gathered.
 * Every other file (the database, the -shm, journals) is the unix VFS's own, untouched,
 * and the bytes in the WAL are exactly SQLite's: only the number of system calls
 * changes. */
#include "walbuf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The unix VFS writes at most 128 KiB - 1 bytes a call (seekAndWriteFd masks the length
 * with 0x1ffff: SQLite's own writes are one page at most); a longer write would come
 * back short, as SQLITE_FULL. */
#define WALBUF_MAX (64 * 1024)
#define FRAME_HEADER 24 /* WAL_FRAME_HDRSIZE */

struct walfile {
	sqlite3_file base;  /* pMethods = &methods */
	sqlite3_file *real; /* the unix VFS's file, right after this struct */
	unsigned char *buf; /* WALBUF_MAX bytes, from the first write held */
	size_t len;
	sqlite3_int64 off;  /* where buf[0] goes */
	int page_due;       /* the last write held was a frame header: its page comes next */
	int commit;         /* that frame ends a commit */
};

static sqlite3_vfs *unix_vfs;
static sqlite3_vfs vfs;
static sqlite3_io_methods methods;

static struct walbuf_stats stats;

static void count(long long *n) { __atomic_fetch_add(n, 1, __ATOMIC_RELAXED); }

struct walbuf_stats walbuf_stats(void)
{
	return (struct walbuf_stats){__atomic_load_n(&stats.asked, __ATOMIC_RELAXED),
	                             __atomic_load_n(&stats.written, __ATOMIC_RELAXED)};
}

static int flush(struct walfile *w)
{
	if (!w->len)
		return SQLITE_OK;
	int rc = w->real->pMethods->xWrite(w->real, w->buf, (int)w->len, w->off);
	count(&stats.written);
	w->len = 0; /* written or dropped: never written later (see above) */
	w->page_due = 0;
	return rc;
}

static int wal_close(sqlite3_file *f)
{
	struct walfile *w = (struct walfile *)f;
	int rc = flush(w);
	int closed = w->real->pMethods->xClose(w->real);
	free(w->buf);
	w->buf = NULL;
	return rc != SQLITE_OK ? rc : closed;
}

static int wal_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	struct walfile *w = (struct walfile *)f;
	int rc = flush(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xRead(w->real, p, n, off);
}

/* Keeps n bytes at off, after the held ones; 0, or -1 when they do not fit (the caller
 * writes them itself). */
static int hold(struct walfile *w, const void *p, size_t n, sqlite3_int64 off)
{
	if (w->len && off != w->off + (sqlite3_int64)w->len)
		return -1;
	if (w->len + n > WALBUF_MAX || (!w->buf && !(w->buf = malloc(WALBUF_MAX))))
		return -1;
	if (!w->len)
		w->off = off;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

/* Holds a frame header written alone and the page after it (see the top); writes
 * anything else at once, after what is held. */
static int wal_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	struct walfile *w = (struct walfile *)f;
	const unsigned char *b = p;
	int after = !w->len || off == w->off + (sqlite3_int64)w->len; /* continues what is held */
	count(&stats.asked);
	if (after && n == FRAME_HEADER && !w->page_due) {
		if (hold(w, p, (size_t)n, off) == 0) {
			w->page_due = 1;
			w->commit = (b[4] | b[5] | b[6] | b[7]) != 0; /* the database size after a commit */
			return SQLITE_OK;
		}
	} else if (after && w->page_due && w->len) {
		if (hold(w, p, (size_t)n, off) == 0) {
			w->page_due = 0;
			return w->commit ? flush(w) : SQLITE_OK; /* the commit's writes end here */
		}
	}
	int rc = flush(w); /* anything else, or nothing more fits: in order, at once */
	if (rc == SQLITE_OK) {
		rc = w->real->pMethods->xWrite(w->real, p, n, off);
		count(&stats.written);
	}
	return rc;
}

static int wal_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct walfile *w = (struct walfile *)f;
	int rc = flush(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xTruncate(w->real, size);
}

static int wal_sync(sqlite3_file *f, int flags)
{
	struct walfile *w = (struct walfile *)f;
	int rc = flush(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xSync(w->real, flags);
}

static int wal_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct walfile *w = (struct walfile *)f;
	int rc = flush(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xFileSize(w->real, size);
}

static int wal_lock(sqlite3_file *f, int level)
{
	struct walfile *w = (struct walfile *)f;
	return w->real->pMethods->xLock(w->real, level);
}

static int wal_unlock(sqlite3_file *f, int level)
{
	struct walfile *w = (struct walfile *)f;
	return w->real->pMethods->xUnlock(w->real, level);
}

static int wal_reserved(sqlite3_file *f, int *out)
{
	struct walfile *w = (struct walfile *)f;
	return w->real->pMethods->xCheckReservedLock(w->real, out);
}

static int wal_control(sqlite3_file *f, int op, void *arg)
{
	struct walfile *w = (struct walfile *)f;
	int rc = flush(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xFileControl(w->real, op, arg);
}

static int wal_sector(sqlite3_file *f)
{
	struct walfile *w = (struct walfile *)f;
	return w->real->pMethods->xSectorSize(w->real);
}

static int wal_device(sqlite3_file *f)
{
	struct walfile *w = (struct walfile *)f;
	return w->real->pMethods->xDeviceCharacteristics(w->real);
}

/* A -wal file gets the methods above; every other file is opened by the unix VFS into
 * SQLite's own sqlite3_file and keeps the unix methods. */
static int walbuf_open(sqlite3_vfs *self, const char *name, sqlite3_file *f, int flags, int *out)
{
	(void)self;
	if (!(flags & SQLITE_OPEN_WAL))
		return unix_vfs->xOpen(unix_vfs, name, f, flags, out);
	struct walfile *w = (struct walfile *)f;
	memset(w, 0, sizeof *w);
	w->real = (sqlite3_file *)(w + 1);
	int rc = unix_vfs->xOpen(unix_vfs, name, w->real, flags, out);
	w->base.pMethods = rc == SQLITE_OK && w->real->pMethods ? &methods : NULL;
	return rc;
}

static int vfs_delete(sqlite3_vfs *s, const char *n, int sync)
{
	(void)s;
	return unix_vfs->xDelete(unix_vfs, n, sync);
}
static int vfs_access(sqlite3_vfs *s, const char *n, int flags, int *out)
{
	(void)s;
	return unix_vfs->xAccess(unix_vfs, n, flags, out);
}
static int vfs_full(sqlite3_vfs *s, const char *n, int size, char *out)
{
	(void)s;
	return unix_vfs->xFullPathname(unix_vfs, n, size, out);
}
static void *vfs_dlopen(sqlite3_vfs *s, const char *n)
{
	(void)s;
	return unix_vfs->xDlOpen(unix_vfs, n);
}
static void vfs_dlerror(sqlite3_vfs *s, int n, char *out)
{
	(void)s;
	unix_vfs->xDlError(unix_vfs, n, out);
}
static void (*vfs_dlsym(sqlite3_vfs *s, void *h, const char *n))(void)
{
	(void)s;
	return unix_vfs->xDlSym(unix_vfs, h, n);
}
static void vfs_dlclose(sqlite3_vfs *s, void *h)
{
	(void)s;
	unix_vfs->xDlClose(unix_vfs, h);
}
static int vfs_random(sqlite3_vfs *s, int n, char *out)
{
	(void)s;
	return unix_vfs->xRandomness(unix_vfs, n, out);
}
static int vfs_sleep(sqlite3_vfs *s, int us)
{
	(void)s;
	return unix_vfs->xSleep(unix_vfs, us);
}
static int vfs_time(sqlite3_vfs *s, double *out)
{
	(void)s;
	return unix_vfs->xCurrentTime(unix_vfs, out);
}
static int vfs_error(sqlite3_vfs *s, int n, char *out)
{
	(void)s;
	return unix_vfs->xGetLastError ? unix_vfs->xGetLastError(unix_vfs, n, out) : 0;
}
static int vfs_time64(sqlite3_vfs *s, sqlite3_int64 *out)
{
	(void)s;
	return unix_vfs->xCurrentTimeInt64(unix_vfs, out);
}

static int registered = SQLITE_ERROR;

static void walbuf_init(void)
{
	unix_vfs = sqlite3_vfs_find("unix");
	if (!unix_vfs || unix_vfs->iVersion < 2)
		return;
	methods = (sqlite3_io_methods){
		.iVersion = 1, /* no shared memory and no mmap on a -wal file */
		.xClose = wal_close,
		.xRead = wal_read,
		.xWrite = wal_write,
		.xTruncate = wal_truncate,
		.xSync = wal_sync,
		.xFileSize = wal_size,
		.xLock = wal_lock,
		.xUnlock = wal_unlock,
		.xCheckReservedLock = wal_reserved,
		.xFileControl = wal_control,
		.xSectorSize = wal_sector,
		.xDeviceCharacteristics = wal_device,
	};
	int size = (int)sizeof(struct walfile) + unix_vfs->szOsFile;
	vfs = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = size > unix_vfs->szOsFile ? size : unix_vfs->szOsFile,
		.mxPathname = unix_vfs->mxPathname,
		.zName = WALBUF_VFS,
		.xOpen = walbuf_open,
		.xDelete = vfs_delete,
		.xAccess = vfs_access,
		.xFullPathname = vfs_full,
		.xDlOpen = vfs_dlopen,
		.xDlError = vfs_dlerror,
		.xDlSym = vfs_dlsym,
		.xDlClose = vfs_dlclose,
		.xRandomness = vfs_random,
		.xSleep = vfs_sleep,
		.xCurrentTime = vfs_time,
		.xGetLastError = vfs_error,
		.xCurrentTimeInt64 = vfs_time64,
	};
	registered = sqlite3_vfs_register(&vfs, 0);
}

int walbuf_register(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, walbuf_init);
	return registered == SQLITE_OK ? 0 : -1;
}
