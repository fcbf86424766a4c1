/* walbuf.h — the "walbuf" SQLite VFS: the unix VFS, with a transaction's WAL frames
 * written in one system call (see walbuf.c). */
#ifndef RB_WALBUF_H
#define RB_WALBUF_H
#include <sqlite3.h>

#define WALBUF_VFS "walbuf"

/* Registers the VFS (not as the default; once per process, thread-safe). 0, or -1 when
 * the unix VFS is missing: open with the default VFS then. */
int walbuf_register(void);

/* Writes SQLite asked for on -wal files, and pwrites made for them, in this process. */
struct walbuf_stats {
	long long asked, written;
};
struct walbuf_stats walbuf_stats(void);
#endif
