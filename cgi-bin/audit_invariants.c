/* audit_invariants.c — the cross-service invariants, one SQL pair each (see
 * audit_invariants.h and docs/operations.md, "After any incident"). */
#include "audit_invariants.h"

#define SETTLED_COUNTS(statuses) \
	"SELECT 'checked=' || (SELECT count(*) FROM s WHERE status IN " statuses ") || " \
	"' in_flight=' || (SELECT count(*) FROM inflight)"

const struct invariant audit_invariants[] = {
	{"capacity.held_within_capacity", "SELECT 'dates=' || count(*) FROM rooms.capacity",
	 "SELECT room_id || '/' || date FROM rooms.capacity WHERE held < 0 OR held > capacity ORDER BY 1"},
	{"capacity.held_equals_holds", "SELECT 'dates=' || count(*) FROM rooms.capacity",
	 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 30), "
	 "want AS (SELECT h.room_id, date(h.check_in, '+' || n.i || ' days') AS date, sum(h.guests) AS g "
	 "  FROM rooms.hold h JOIN n ON n.i < h.nights WHERE h.status = 'held' GROUP BY 1, 2) "
	 "SELECT c.room_id || '/' || c.date FROM rooms.capacity c LEFT JOIN want w "
	 "  ON w.room_id = c.room_id AND w.date = c.date WHERE c.held <> coalesce(w.g, 0) "
	 "UNION SELECT w.room_id || '/' || w.date FROM want w LEFT JOIN rooms.capacity c "
	 "  ON w.room_id = c.room_id AND w.date = c.date WHERE c.room_id IS NULL ORDER BY 1"},
	{"holds.active_reservations",
	 "SELECT 'holds=' || (SELECT count(*) FROM rooms.hold WHERE status = 'held') || ' confirmed=' || "
	 "(SELECT count(*) FROM s WHERE status = 'confirmed')",
	 "SELECT s.id FROM s LEFT JOIN rooms.hold h ON h.reservation_id = s.id AND h.status = 'held' "
	 " WHERE s.status = 'confirmed' AND (h.reservation_id IS NULL OR h.room_id <> s.room_id "
	 " OR h.check_in <> s.check_in OR h.nights <> s.nights OR h.guests <> s.guests OR h.amount IS NOT s.amount) "
	 "UNION SELECT h.reservation_id FROM rooms.hold h JOIN s ON s.id = h.reservation_id "
	 " WHERE h.status = 'held' AND s.status <> 'confirmed' "
	 "UNION SELECT h.reservation_id FROM rooms.hold h WHERE h.status = 'held' "
	 " AND h.reservation_id NOT IN (SELECT id FROM reservations.reservation) ORDER BY 1"},
	{"confirmed.one_approved_payment", SETTLED_COUNTS("('confirmed')"),
	 "SELECT s.id FROM s LEFT JOIN payments.payment p ON p.reservation_id = s.id WHERE s.status = 'confirmed' "
	 " AND (p.id IS NULL OR p.status <> 'approved' OR p.amount IS NOT s.amount OR p.id IS NOT s.payment_id) "
	 " ORDER BY 1"},
	{"confirmed.one_issued_ticket", SETTLED_COUNTS("('confirmed')"),
	 "SELECT s.id FROM s LEFT JOIN tickets.ticket t ON t.reservation_id = s.id WHERE s.status = 'confirmed' "
	 " AND (t.id IS NULL OR t.status <> 'issued') ORDER BY 1"},
	{"confirmed.one_confirmation_message", SETTLED_COUNTS("('confirmed')"),
	 "SELECT s.id FROM s LEFT JOIN msg m ON m.id = s.id WHERE s.status = 'confirmed' "
	 " AND (m.id IS NULL OR m.conf <> 1 OR m.n <> 1) ORDER BY 1"},
	{"cancelled.refunded_once", SETTLED_COUNTS("('cancelled', 'force_cancelled')"),
	 /* refunds counted once per payment (a count per row scanned the whole outbox for
	  * every cancelled reservation: minutes after a few minutes of make chaos) */
	 "SELECT s.id FROM s LEFT JOIN payments.payment p ON p.reservation_id = s.id "
	 " LEFT JOIN (SELECT aggregate_id, count(*) AS n FROM payments.outbox WHERE type = 'PaymentRefunded' "
	 "   GROUP BY aggregate_id) o ON o.aggregate_id = p.id "
	 " WHERE s.status IN ('cancelled', 'force_cancelled') AND (p.id IS NULL OR p.status <> 'refunded' "
	 " OR p.amount IS NOT s.amount OR o.n > 1) ORDER BY 1"},
	{"cancelled.ticket_voided", SETTLED_COUNTS("('cancelled', 'force_cancelled')"),
	 "SELECT s.id FROM s LEFT JOIN tickets.ticket t ON t.reservation_id = s.id "
	 " WHERE (s.status = 'cancelled' AND (t.id IS NULL OR t.status <> 'voided')) "
	 " OR (s.status = 'force_cancelled' AND t.status IS NOT NULL AND t.status <> 'voided') ORDER BY 1"},
	{"cancelled.one_message_of_its_kind", SETTLED_COUNTS("('cancelled', 'force_cancelled')"),
	 "SELECT s.id FROM s LEFT JOIN msg m ON m.id = s.id WHERE "
	 " (s.status = 'cancelled' AND (m.id IS NULL OR m.canc <> 1 OR m.force <> 0 OR m.conf <> 1)) "
	 " OR (s.status = 'force_cancelled' AND (m.id IS NULL OR m.force <> 1 OR m.canc <> 0 OR m.conf > 1)) "
	 " ORDER BY 1"},
	{"rejected_failed.nothing_kept", SETTLED_COUNTS("('rejected', 'failed')"),
	 "SELECT s.id FROM s WHERE s.status IN ('rejected', 'failed') AND ("
	 " EXISTS (SELECT 1 FROM payments.payment p WHERE p.reservation_id = s.id AND p.status = 'approved') "
	 " OR EXISTS (SELECT 1 FROM rooms.hold h WHERE h.reservation_id = s.id AND h.status = 'held') "
	 " OR EXISTS (SELECT 1 FROM tickets.ticket t WHERE t.reservation_id = s.id) "
	 /* a booking undone after its process died mid-charge (reason interrupted) tells the
	  * customer so, once; any other rejected or failed booking sends nothing */
	 " OR (s.reason IS NOT 'interrupted' AND EXISTS (SELECT 1 FROM msg m WHERE m.id = s.id)) "
	 " OR (s.reason = 'interrupted' AND NOT EXISTS (SELECT 1 FROM msg m WHERE m.id = s.id "
	 "     AND m.n = 1 AND m.failed = 1))) ORDER BY 1"},
	{"saga.no_stuck_requested", /* ?1: SAGA_TIMEOUT_MS + RECOVERY_INTERVAL_MS + a margin */
	 "SELECT 'requested=' || count(*) || ' limit_ms=' || ?1 FROM reservations.reservation WHERE status = 'requested'",
	 "SELECT id FROM reservations.reservation WHERE status = 'requested' "
	 " AND (julianday('now') - julianday(updated_at)) * 86400000.0 > ?1 ORDER BY 1"},
	/* A key is stored as the account's own ("<account>§<key>") and, beside it for
	 * processes of the version before, as sent; rows of that version hold the key as
	 * sent (lib/idempotency.c). Each live 201 names one booking carrying the key in one
	 * of those forms for its account, confirmed or cancelled since and paid; and no
	 * account has two live bookings from one key, in whatever forms they carry it. */
	{"idempotency.one_booking_one_payment",
	 "SELECT 'keys=' || count(*) FROM reservations.idempotency WHERE state = 'done' AND status = 201",
	 "SELECT i.key FROM reservations.idempotency i "
	 " LEFT JOIN reservations.reservation r ON r.id = json_extract(i.body, '$.id') "
	 " LEFT JOIN payments.payment p ON p.reservation_id = r.id "
	 " WHERE i.state = 'done' AND i.status = 201 AND (julianday('now') - julianday(i.created_at)) * 86400 < ?2 "
	 " AND (r.id IS NULL "
	 "  OR (r.idempotency_key IS NOT i.key AND r.idempotency_key IS NOT r.account_id || '\u00a7' || i.key "
	 "      AND i.key IS NOT r.account_id || '\u00a7' || r.idempotency_key) "
	 "  OR r.status NOT IN ('confirmed', 'cancelled', 'force_cancelled') "
	 "  OR p.id IS NULL OR p.status NOT IN ('approved', 'refunded')) "
	 "UNION ALL SELECT 'twice:' || account_id || ':' || sent FROM "
	 " (SELECT account_id, created_at, CASE WHEN instr(idempotency_key, '\u00a7') > 0 "
	 "   THEN substr(idempotency_key, instr(idempotency_key, '\u00a7') + 1) ELSE idempotency_key END AS sent "
	 "  FROM reservations.reservation WHERE idempotency_key IS NOT NULL AND status <> 'failed') "
	 " GROUP BY account_id, sent HAVING count(*) > 1 "
	 " AND (julianday(max(created_at)) - julianday(min(created_at))) * 86400 < ?2 ORDER BY 1"},
	{"mypage.reservations_match_sources",
	 "SELECT 'checked=' || (SELECT count(*) FROM s) || ' views=' || "
	 "(SELECT count(*) FROM mypage.view_reservation)",
	 "SELECT s.id FROM s LEFT JOIN mypage.view_reservation v ON v.reservation_id = s.id "
	 " LEFT JOIN payments.payment p ON p.reservation_id = s.id "
	 " LEFT JOIN tickets.ticket t ON t.reservation_id = s.id "
	 " WHERE v.reservation_id IS NULL OR v.status IS NOT s.status OR v.account_id IS NOT s.account_id "
	 " OR v.room_id IS NOT s.room_id OR v.customer IS NOT s.customer OR v.guests IS NOT s.guests "
	 " OR v.check_in IS NOT s.check_in OR v.check_out IS NOT s.check_out OR v.amount IS NOT s.amount "
	 " OR v.payment_status IS NOT p.status OR v.ticket_status IS NOT t.status OR v.ticket_code IS NOT t.code "
	 "UNION SELECT v.reservation_id FROM mypage.view_reservation v WHERE v.reservation_id NOT IN "
	 " (SELECT id FROM reservations.reservation) AND v.reservation_id NOT IN (SELECT id FROM inflight) "
	 " ORDER BY 1"},
	{"mypage.rooms_match_sources",
	 "SELECT 'rooms=' || count(*) || ' in_flight=' || (SELECT count(*) FROM room_inflight) FROM rooms.room",
	 "SELECT r.id FROM rooms.room r LEFT JOIN mypage.view_room v ON v.room_id = r.id "
	 " WHERE r.id NOT IN (SELECT id FROM room_inflight) AND (v.room_id IS NULL OR v.name IS NOT r.name "
	 " OR v.\"desc\" IS NOT r.\"desc\" OR v.review_cnt IS NOT r.review_cnt OR v.host_id IS NOT r.host_id "
	 " OR v.status IS NOT CASE WHEN r.deleted_at IS NULL THEN 'available' ELSE 'deleted' END) ORDER BY 1"},
	{"orphans.none",
	 "SELECT 'payments=' || (SELECT count(*) FROM payments.payment) || ' tickets=' || "
	 "(SELECT count(*) FROM tickets.ticket) || ' messages=' || (SELECT count(*) FROM messages.message)",
	 "SELECT 'payment ' || id FROM payments.payment "
	 " WHERE reservation_id NOT IN (SELECT id FROM reservations.reservation) "
	 "UNION SELECT 'ticket ' || id FROM tickets.ticket "
	 " WHERE reservation_id NOT IN (SELECT id FROM reservations.reservation) "
	 "UNION SELECT 'message ' || id FROM messages.message "
	 " WHERE reservation_id NOT IN (SELECT id FROM reservations.reservation) ORDER BY 1"},
};

const size_t audit_ninvariants = sizeof audit_invariants / sizeof *audit_invariants;
