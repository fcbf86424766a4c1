/* audit_invariants.h — the invariants the audit checks, as SQL over the service
 * databases ATTACHed under their service names and the audit's temporary tables
 * (s: settled reservations, inflight, room_inflight, msg: messages per reservation). */
#ifndef RB_AUDIT_INVARIANTS_H
#define RB_AUDIT_INVARIANTS_H
#include <stddef.h>

/* An invariant: `counts` gives one text of what was checked; `breaches` one row per
 * offender (its id, or room/date), none when the invariant holds. Either may use ?1:
 * the age in ms past which a `requested` booking is stuck, and ?2: how long an
 * Idempotency-Key lives, in s. */
struct invariant {
	const char *name, *counts, *breaches;
};

extern const struct invariant audit_invariants[];
extern const size_t audit_ninvariants;
#endif
