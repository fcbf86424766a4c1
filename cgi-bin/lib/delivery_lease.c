/* delivery_lease.c — one worker process at a time applies a consumer: a lease per
 * consumer (consumer_lease, renewed every third of WORKER_LEASE_MS), and a file per
 * running worker in var/run/workers so the workers share the consumers out. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "delivery_impl.h"
#include "log.h"

/* True when owner ("host:pid:nonce") names a process of this host that no longer exists. */
static int owner_dead(const struct engine *e, const char *owner)
{
	size_t hl = strlen(e->host);
	if (strncmp(owner, e->host, hl) != 0 || owner[hl] != ':')
		return 0;
	long pid = strtol(owner + hl + 1, NULL, 10);
	return pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Takes or renews the lease of consumer c when it is ours, held by a dead process of this
 * host, or free: expired more than grace_ms ago (a worker already holding its share waits
 * that long, so another worker gets the consumer first). Returns 1 when held afterwards. */
static int lease_take(struct engine *e, struct consumer *c, long long grace_ms)
{
	long long now = now_ms();
	int free_to_take = 1;
	if (!e->leases)
		return 1;
	if (db_begin(c->db))
		return 0;
	sqlite3_stmt *st = db_prep(c->db, "SELECT owner, expires_ms FROM consumer_lease WHERE name = ?");
	db_bind_text(st, 1, c->svc->name);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *owner = (const char *)sqlite3_column_text(st, 0);
		free_to_take = strcmp(owner, e->owner) == 0 || sqlite3_column_int64(st, 1) < now - grace_ms ||
		               owner_dead(e, owner);
	}
	db_done(st);
	if (!free_to_take) {
		db_rollback(c->db);
		return 0;
	}
	st = db_prep(c->db, "INSERT INTO consumer_lease(name, owner, expires_ms) VALUES (?1, ?2, ?3) "
	                    "ON CONFLICT(name) DO UPDATE SET owner = ?2, expires_ms = ?3");
	db_bind_text(st, 1, c->svc->name);
	db_bind_text(st, 2, e->owner);
	sqlite3_bind_int64(st, 3, now + e->lease_ms);
	if (db_run(st) != SQLITE_DONE || db_commit(c->db)) {
		db_rollback(c->db);
		return 0;
	}
	return 1;
}

/* Hands consumer c to another worker: its lease ends now. */
static void lease_give_up(struct engine *e, struct consumer *c)
{
	c->held = 0;
	if (db_begin(c->db))
		return;
	sqlite3_stmt *st = db_prep(c->db, "UPDATE consumer_lease SET expires_ms = ? WHERE name = ? AND owner = ?");
	sqlite3_bind_int64(st, 1, now_ms());
	db_bind_text(st, 2, c->svc->name);
	db_bind_text(st, 3, e->owner);
	if (db_run(st) != SQLITE_DONE || db_commit(c->db))
		db_rollback(c->db);
}

/* The folder where each running worker keeps a file named after its lease owner. */
static void alive_dir(char *out, size_t size) { snprintf(out, size, "%s/run/workers", config_var()); }

/* Announces (on) or withdraws this worker, so that workers can share the consumers out. */
void alive_announce(const struct engine *e, int on)
{
	char dir[PATH_MAX], path[PATH_MAX + 200];
	alive_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/run", config_var());
	mkdir(path, 0755);
	mkdir(dir, 0755);
	snprintf(path, sizeof path, "%s/%s", dir, e->owner);
	if (!on) {
		unlink(path);
		return;
	}
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

/* Workers running now (at least this one). Files of dead processes of this host go. */
static int alive_count(const struct engine *e)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	int n = 0;
	alive_dir(dir, sizeof dir);
	DIR *d = opendir(dir);
	for (struct dirent *ent; d && (ent = readdir(d));) {
		if (ent->d_name[0] == '.')
			continue;
		if (owner_dead(e, ent->d_name)) {
			snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
			unlink(path);
		} else {
			n++;
		}
	}
	if (d)
		closedir(d);
	return n > 0 ? n : 1;
}

/* Takes or renews consumers' leases, up to this worker's share of them (consumers /
 * running workers, rounded up), handing any above it to the others; a consumer nobody
 * took for a lease period is taken all the same. A newly taken consumer is looked at
 * afresh. Each process starts at its own consumer so that workers prefer different ones. */
void leases_tick(struct engine *e)
{
	int live = e->leases ? alive_count(e) : 1;
	int share = (e->ncons + live - 1) / live, held = 0;
	for (int n = 0; n < e->ncons; n++) {
		struct consumer *c = &e->cons[(n + e->first_lease) % e->ncons];
		int had = c->held;
		if (had && held >= share)
			lease_give_up(e, c);
		else
			c->held = lease_take(e, c, had || held < share ? 0 : e->lease_ms);
		held += c->held;
		if (c->held == had)
			continue;
		log_info("%s lease of %s", c->held ? "took the" : "gave up the", c->svc->name);
		for (int k = 0; k < e->nstreams; k++)
			if (e->streams[k].con == c) {
				e->streams[k].pending = 1;
				e->streams[k].retry_at_ms = 0;
				e->streams[k].may_retry = 1;
				e->streams[k].seen = e->streams[k].seen_ms = 0;
				e->streams[k].at_known = 0;
			}
	}
	e->next_lease_ms = now_ms() + e->lease_ms / 3;
}

/* Gives up the leases this process holds so another worker can take over at once. */
void leases_release(struct engine *e)
{
	for (int i = 0; i < e->ncons; i++) {
		struct consumer *c = &e->cons[i];
		if (!c->held || !e->leases || db_begin(c->db))
			continue;
		sqlite3_stmt *st = db_prep(c->db, "UPDATE consumer_lease SET expires_ms = 0 WHERE name = ? AND owner = ?");
		db_bind_text(st, 1, c->svc->name);
		db_bind_text(st, 2, e->owner);
		if (db_run(st) != SQLITE_DONE || db_commit(c->db))
			db_rollback(c->db);
		c->held = 0;
	}
}
