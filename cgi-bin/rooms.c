/* rooms.c — the rooms service: rooms, capacity per date, holds, reviews.
 * Capacity is a row per (room, date); a hold takes `guests` units on every night it
 * covers with a conditional UPDATE, all in one BEGIN IMMEDIATE transaction, so no
 * interleaving of requests can overbook. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/access.h"
#include "lib/browser.h"
#include "lib/config.h"
#include "lib/db.h"
#include "lib/human.h"
#include "lib/rb_limits.h"
#include "lib/service.h"
#include "lib/stay.h"

#define MAX_AVAILABILITY_DAYS 366
#define CALENDAR_WEEKS 5
#define PAGE_REVIEWS 20

#define ROOM_COLUMNS \
	"id, name, \"desc\", capacity, price, ?1 AS currency, 'available' AS status, " \
	"review_cnt AS reviewCnt, " \
	"CASE WHEN rated_cnt > 0 THEN round(rating_sum * 1.0 / rated_cnt, 2) END AS rating, " \
	"host_id AS hostId, created_at AS createdAt, updated_at AS updatedAt"

/* The room as its JSON resource, or NULL when it does not exist (or was deleted). */
static json_t *room_load(struct db *db, long long id)
{
	sqlite3_stmt *st = db_prep(db, "SELECT " ROOM_COLUMNS " FROM room WHERE id = ?2 AND deleted_at IS NULL");
	db_bind_text(st, 1, config_currency());
	sqlite3_bind_int64(st, 2, id);
	json_t *room = sqlite3_step(st) == SQLITE_ROW ? db_row_json(st) : NULL;
	db_done(st);
	return room;
}

/* Records a Room* event whose data is the room as it now is. */
static int room_event(struct db *db, long long id, const char *type)
{
	json_t *room = room_load(db, id);
	if (!room)
		room = json_pack("{s:I}", "id", (json_int_t)id);
	return event_record_state(db, "Room", id, type, room, "roomId");
}

/* Sends the ETag of room (the JSON GET /rooms/{id} answers without a stay) to a JSON
 * client, and copies it into tag unless tag is NULL. Pages get none: theirs carry a
 * form's CSRF token and notes. */
static void room_tag(struct ctx *c, const json_t *room, char tag[ETAG_SIZE])
{
	char own[ETAG_SIZE];
	etag_of(room, tag ? tag : own);
	if (!c->req->wants_html)
		response_header(c->res, "ETag", "%s", tag ? tag : own);
}

/* The 412 of a failed precondition, with the tag the room has now. */
static int room_precondition_failed(struct ctx *c, long long id, const char *why, const char *tag)
{
	response_header(c->res, "ETag", "%s", tag);
	return problem(c, 412, "room %lld %s: read it again (its ETag is now %s)", id, why, tag);
}

/* If-Match and If-None-Match on an edit or a delete (inside its transaction), as RFC 9110
 * §13.2.2 orders them: 0 when the request may go on (neither header, the room's tag listed
 * in If-Match and not in If-None-Match, or no room: the caller answers 404), else 412 with
 * the tag the room has now. Another host's tab, or a script that read the room before
 * someone changed it, then changes nothing it has not seen. */
static int room_precondition(struct ctx *c, long long id)
{
	if (!c->req->if_match && !c->req->if_none_match)
		return 0;
	json_t *room = room_load(c->db, id);
	if (!room)
		return 0;
	char tag[ETAG_SIZE];
	etag_of(room, tag);
	json_decref(room);
	if (c->req->if_match && !etag_listed(c->req->if_match, tag, 0))
		return room_precondition_failed(c, id, "has changed since the version named in If-Match", tag);
	if (c->req->if_none_match && etag_listed(c->req->if_none_match, tag, 1))
		return room_precondition_failed(c, id, "is a version named in If-None-Match", tag);
	return 0;
}

/* Answers with the room (status 200 or 201; Location: with a 201, and with a 200 for
 * the host's edit form, which goes back to the room), or 404 when it was deleted in the
 * meantime. */
static int room_answer(struct ctx *c, long long id, int status)
{
	c->res->model = room_load(c->db, id);
	if (!c->res->model)
		return problem(c, 404, "room %lld does not exist", id);
	if (status == 201 || c->req->body_is_form)
		response_header(c->res, "Location", "/rooms/%lld", id);
	room_tag(c, c->res->model, NULL);
	c->res->page = "room";
	return status;
}

/* Commits and answers with room_answer, or 503 when the commit fails. */
static int reply_room(struct ctx *c, long long id, int status)
{
	if (db_commit(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	return room_answer(c, id, status);
}

static json_t *usage_days(struct db *db, long long room, long long room_capacity, const char *from, long days);

/* ---- a stay a guest asks for: the search, the room page, the summary ---- */

/* A stay read from the query: check-in, check-out (or nights) and guests. */
struct stay {
	char check_in[11], check_out[11];
	long long nights, guests;
	int asked; /* the query names any of it */
};

/* Query parameter key as a whole number from min to max: 1 when valid, 0 when absent, -1
 * when not (a field error appended, in words a guest understands). */
static int stay_number(struct ctx *c, json_t *errors, const char *key, long long min, long long max, long long *out)
{
	const char *s = query_get(c->req, key);
	char *end, msg[96];
	if (!s)
		return 0;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno || isspace((unsigned char)*s)) {
		field_error(errors, key, "must be a whole number, like 2");
		return -1;
	}
	if (v < min || v > max) {
		snprintf(msg, sizeof msg, v < min ? "must be %lld or more" : "must be %lld or fewer", v < min ? min : max);
		field_error(errors, key, msg);
		return -1;
	}
	*out = v;
	return 1;
}

/* Reads the stay of the query into s (check-in today, one night and one guest unless
 * given; checkOut wins over nights), its field errors into errors. required: check-in
 * and check-out must both be given (the search). The rules are those of a booking
 * (reservations.c read_stay): check-in from today to BOOKING_HORIZON_DAYS ahead, 1 to
 * MAX_NIGHTS nights. */
static void stay_read(struct ctx *c, json_t *errors, struct stay *s, int required)
{
	char today[11], horizon[11], msg[96];
	const char *in = query_get(c->req, "checkIn"), *out = query_get(c->req, "checkOut");
	long long nights = 1;
	memset(s, 0, sizeof *s);
	s->guests = 1;
	s->asked = in || out || query_get(c->req, "guests") || query_get(c->req, "nights");
	config_today(today);
	date_add(today, (int)stay_horizon_days(), horizon);
	snprintf(s->check_in, sizeof s->check_in, "%s", today);
	int in_ok = 0;
	if (!in && required)
		field_error(errors, "checkIn", "is required");
	else if (!in)
		in_ok = 1;
	else if (!date_valid(in))
		field_error(errors, "checkIn", date_wrong(in));
	else if (strcmp(in, today) < 0)
		field_error(errors, "checkIn", "must be today or later");
	else if (strcmp(in, horizon) > 0) {
		snprintf(msg, sizeof msg, "must be at most %ld days from today", stay_horizon_days());
		field_error(errors, "checkIn", msg);
	} else {
		snprintf(s->check_in, sizeof s->check_in, "%s", in);
		in_ok = 1;
	}
	stay_number(c, errors, "nights", 1, MAX_NIGHTS, &nights);
	s->nights = nights;
	if (!out && required) {
		field_error(errors, "checkOut", "is required");
	} else if (out && !date_valid(out)) {
		field_error(errors, "checkOut", date_wrong(out));
	} else if (out && in_ok) {
		long n = date_diff(s->check_in, out);
		if (n < 1)
			field_error(errors, "checkOut", "must be after the check-in date");
		else if (n > MAX_NIGHTS)
			field_error(errors, "checkOut", "must be at most 30 nights after the check-in date");
		else
			s->nights = n;
	}
	stay_number(c, errors, "guests", 1, MAX_GUESTS, &s->guests);
	date_add(s->check_in, (int)s->nights, s->check_out);
}

/* What stay s costs in room and whether the room can take it (amount = price x guests x
 * nights, SPEC section 4): {nights, total, available, placesLeft, night, reason,
 * shortNights}. placesLeft is the fewest places left on any night of the stay; when the
 * room cannot take it, reason is too_many_guests (more guests than its places per night)
 * or sold_out, with night the first night with the fewest places left and shortNights
 * every night with fewer places left than guests ([{date, available}], else empty). */
static json_t *stay_quote(struct db *db, json_t *room, const struct stay *s)
{
	long long id = json_integer_value(json_object_get(room, "id"));
	long long capacity = json_integer_value(json_object_get(room, "capacity"));
	long long price = json_integer_value(json_object_get(room, "price"));
	json_t *days = usage_days(db, id, capacity, s->check_in, s->nights), *day, *short_nights = json_array();
	long long least = -1;
	const char *night = NULL;
	size_t i;
	json_array_foreach(days, i, day)
	{
		long long left = json_integer_value(json_object_get(day, "available"));
		if (least < 0 || left < least) {
			least = left;
			night = json_string_value(json_object_get(day, "date"));
		}
	}
	least = least < 0 ? 0 : least;
	const char *reason = s->guests > capacity ? "too_many_guests" : least < s->guests ? "sold_out" : NULL;
	int sold_out = reason && strcmp(reason, "sold_out") == 0;
	json_array_foreach(days, i, day)
	{
		long long left = json_integer_value(json_object_get(day, "available"));
		if (sold_out && left < s->guests)
			json_array_append_new(short_nights, json_pack("{s:O, s:I}", "date", json_object_get(day, "date"),
			                                              "available", (json_int_t)(left < 0 ? 0 : left)));
	}
	json_t *q = json_pack("{s:I, s:I, s:b, s:I, s:o, s:o, s:o}", "nights", (json_int_t)s->nights, "total",
	                      (json_int_t)(price * s->guests * s->nights), "available", reason == NULL, "placesLeft",
	                      (json_int_t)least, "night", sold_out && night ? json_string(night) : json_null(), "reason",
	                      reason ? json_string(reason) : json_null(), "shortNights", short_nights);
	json_decref(days);
	return q;
}

/* The sentence stay_refusal makes of quote q (stay_quote) of room. */
static void quote_refusal(char *why, size_t size, json_t *q, json_t *room)
{
	json_t *short_nights = json_object_get(q, "shortNights"), *night;
	const char *dates[MAX_NIGHTS];
	long long left[MAX_NIGHTS];
	size_t i, n = 0;
	json_array_foreach(short_nights, i, night)
	{
		if (n == MAX_NIGHTS || !json_is_string(json_object_get(night, "date")))
			break;
		dates[n] = json_string_value(json_object_get(night, "date"));
		left[n++] = json_integer_value(json_object_get(night, "available"));
	}
	stay_refusal(why, size, json_string_value(json_object_get(q, "reason")), dates, left, n,
	             json_integer_value(json_object_get(room, "capacity")));
}

/* Adds "why" (the sentence stay_refusal makes) to a quote of room whose stay it cannot
 * take: for pages only. */
static void quote_why(json_t *q, json_t *room)
{
	char why[256];
	if (json_is_true(json_object_get(q, "available")))
		return;
	quote_refusal(why, sizeof why, q, room);
	json_object_set_new(q, "why", json_string(why));
}

/* The booking form's values: what the query says as it was typed (a wrong value is
 * shown again to be corrected), else the defaults of s. roomId 0: none. */
static json_t *stay_form(struct ctx *c, long long room_id, const struct stay *s)
{
	static const char *const typed[] = {"checkIn", "checkOut", "guests", "customer"};
	const char *who = c->req->account_name;
	json_t *form = json_pack("{s:s, s:s, s:I, s:I, s:s}", "checkIn", s->check_in, "checkOut", s->check_out, "nights",
	                         (json_int_t)s->nights, "guests", (json_int_t)s->guests, "customer", who ? who : "");
	if (room_id)
		json_object_set_new(form, "roomId", json_integer(room_id));
	for (size_t i = 0; i < sizeof typed / sizeof *typed; i++)
		if (query_get(c->req, typed[i]))
			json_object_set_new(form, typed[i], json_string(query_get(c->req, typed[i])));
	return form;
}

/* GET / and GET /rooms: the rooms, oldest first; with checkIn, checkOut (and guests,
 * default 1) a search: each room also says what that stay costs in it and whether it
 * can take it (stay_quote). A page splits them into those that can and those that
 * cannot, with why. */
static int rooms_list(struct ctx *c)
{
	long long limit, cursor;
	struct stay s;
	int rc = page_params(c, &limit, &cursor);
	if (rc)
		return rc;
	json_t *errors = json_array();
	stay_read(c, errors, &s, 1);
	sqlite3_stmt *st = db_prep(c->db, "SELECT " ROOM_COLUMNS " FROM room WHERE deleted_at IS NULL "
	                                  "AND id > ?2 ORDER BY id LIMIT ?3");
	db_bind_text(st, 1, config_currency());
	sqlite3_bind_int64(st, 2, cursor);
	sqlite3_bind_int64(st, 3, limit + 1);
	if (!s.asked && !c->req->wants_html) { /* the plain list: written straight from the rows */
		json_decref(errors);
		buf_puts(&c->res->text, "{\"items\":");
		char key[64]; /* the rows depend on nothing but the bound values (the currency is the site's) */
		snprintf(key, sizeof key, "rooms %lld %lld", cursor, limit);
		return page_reply_rows(c, st, limit, "id", key);
	}
	if (s.asked && json_array_size(errors) && !c->req->wants_html) { /* before the list and its Link */
		db_done(st);
		return problem_fields(c, 400, errors, "the search has invalid fields: see errors");
	}
	c->res->page = "rooms";
	snprintf(c->res->title, sizeof c->res->title, s.asked ? "Rooms for your stay" : "Find a room");
	rc = page_reply(c, db_rows_json(st), limit, "id");
	json_t *model = c->res->model;
	if (rc == 200 && c->req->wants_html) {
		json_object_set_new(model, "searched", json_false());
		json_object_set_new(model, "form", json_pack("{s:i}", "guests", 1));
	}
	if (rc != 200 || !s.asked) {
		json_decref(errors);
		return rc;
	}
	if (json_array_size(errors)) { /* the page: every room, and the search form with what to correct */
		json_object_set_new(model, "errors", errors);
		json_object_set_new(model, "detail", json_string("Check the dates and guests of your search."));
		json_object_set_new(model, "form", stay_form(c, 0, &s));
		return 400;
	}
	json_decref(errors);
	json_t *matches = json_array(), *others = json_array(), *room;
	size_t i;
	json_array_foreach(json_object_get(model, "items"), i, room)
	{
		json_t *q = stay_quote(c->db, room, &s);
		json_object_update(room, q);
		json_decref(q);
		if (c->req->wants_html) {
			quote_why(room, room);
			json_array_append(json_is_true(json_object_get(room, "available")) ? matches : others, room);
		}
	}
	if (c->req->wants_html) {
		json_object_set_new(model, "searched", json_true());
		json_object_set_new(model, "matches", matches);
		json_object_set_new(model, "others", others);
		json_object_set_new(model, "form", stay_form(c, 0, &s));
		json_object_set_new(model, "checkIn", json_string(s.check_in));
		json_object_set_new(model, "checkOut", json_string(s.check_out));
		json_object_set_new(model, "nights", json_integer(s.nights));
		json_object_set_new(model, "guests", json_integer(s.guests));
	} else {
		json_decref(matches);
		json_decref(others);
	}
	return 200;
}

/* The page title for room: prefix and its name, or "Room N" when it has none. */
static void room_title(struct ctx *c, json_t *room, const char *prefix)
{
	const char *name = json_string_value(json_object_get(room, "name"));
	if (name && *name)
		snprintf(c->res->title, sizeof c->res->title, "%s%s", prefix, name);
	else
		snprintf(c->res->title, sizeof c->res->title, "%s%s %lld", prefix, *prefix ? "room" : "Room",
		         (long long)json_integer_value(json_object_get(room, "id")));
}

/* For a host form that comes back with errors: where it posts to. Returns status. */
static int form_problem(struct ctx *c, int status, const char *action)
{
	if (!c->req->wants_html) /* the problem as it is: the form's fields are the page's */
		return status;
	json_object_set_new(c->res->model, "action", json_string(action));
	json_object_set_new(c->res->model, "id", c->req->nids ? json_integer(c->req->ids[0]) : json_null());
	json_t *room = c->req->nids ? room_load(c->db, c->req->ids[0]) : NULL; /* the page's heading and title */
	if (room) {
		json_object_set(c->res->model, "name", json_object_get(room, "name"));
		room_title(c, room, "Edit ");
	} else {
		snprintf(c->res->title, sizeof c->res->title, "Host a room");
	}
	json_decref(room);
	return status;
}

/* 409 for a capacity below what is booked on a night from today on: the night with the
 * most places booked, named as a guest reads dates, as the capacity field's error. */
static int capacity_refused(struct ctx *c, long long id, long long capacity, const char *today)
{
	char night[11] = "", day[32], msg[200];
	long long held = 0;
	sqlite3_stmt *st = db_prep(c->db, "SELECT date, held FROM capacity WHERE room_id = ? AND date >= ? AND held > ? "
	                                  "ORDER BY held DESC, date LIMIT 1");
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, today);
	sqlite3_bind_int64(st, 3, capacity);
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(night, sizeof night, "%s", (const char *)sqlite3_column_text(st, 0));
		held = sqlite3_column_int64(st, 1);
	}
	db_done(st);
	human_date(night, day, sizeof day);
	if (held > 0)
		snprintf(msg, sizeof msg, "%lld places are booked on %s: keep at least %lld places per night.", held, day,
		         held);
	else
		snprintf(msg, sizeof msg, "More than %lld places are booked on a night: keep a larger number.", capacity);
	json_t *errors = json_array();
	field_error(errors, "capacity", msg);
	return problem_fields(c, 409, errors, msg);
}

struct room_input {
	const char *name, *desc;
	long long capacity, price;
	int has_name, has_desc, has_capacity, has_price;
	int clear_name, clear_desc; /* sent empty (blank or null): an edit removes it */
};

/* True when the body has field as null or as a string of spaces only: an edit that
 * empties it (a host's form sends the field it cleared as ""). */
static int body_blank(struct ctx *c, const char *field)
{
	json_t *v = json_object_get(c->req->json, field);
	if (json_is_null(v))
		return 1;
	const char *s = json_string_value(v);
	return s && strlen(s) == json_string_length(v) && !s[strspn(s, " \t\r\n\f\v")];
}

/* True when the body sends field to remove it (null, or a form's box left blank) and
 * errors says nothing else about it yet. */
static int number_removed(struct ctx *c, json_t *errors, const char *field)
{
	json_t *v = json_object_get(c->req->json, field), *e;
	size_t i;
	json_array_foreach(errors, i, e)
	{
		const char *named = json_string_value(json_object_get(e, "field"));
		if (named && strcmp(named, field) == 0)
			return 0;
	}
	return json_is_null(v) || (c->req->body_is_form && json_is_string(v) && body_blank(c, field));
}

/* The host form's price: typed in currency units ("120.50"), read into minor units. The
 * JSON API's price stays an integer in minor units (body_int). 1 read, 0 empty, -1 not
 * an amount (an error is appended). */
static int form_price(struct ctx *c, json_t *errors, long long *out)
{
	const char *s = json_string_value(json_object_get(c->req->json, "price"));
	char why[160];
	if (!s || !s[strspn(s, " \t")])
		return 0;
	if (money_parse(s, config_currency(), MAX_PRICE, out, why, sizeof why)) {
		field_error(errors, "price", why);
		return -1;
	}
	return 1;
}

/* True when the body sends field exactly as the stored room (NULL: none) has it. An edit
 * sends the name and description back as they are (the host's form always does): that is
 * no change, and is not checked again — a name stored before names had to be one line
 * must not refuse the edit of the price. */
static int unchanged(struct ctx *c, json_t *stored, const char *field)
{
	json_t *sent = json_object_get(c->req->json, field), *was = json_object_get(stored, field);
	return json_is_string(sent) && json_is_string(was) && json_string_length(was) > 0 && json_equal(sent, was);
}

/* Reads the room fields of the body (an edit: against the stored room); returns a JSON
 * array of errors (empty when valid). */
static json_t *room_read(struct ctx *c, struct room_input *in, json_t *stored)
{
	json_t *errors = json_array();
	in->has_name = !unchanged(c, stored, "name") && body_line(c, errors, "name", NAME_CHARS, &in->name) == 1;
	in->has_desc = !unchanged(c, stored, "desc") && body_str(c, errors, "desc", 4000, &in->desc) == 1;
	in->clear_name = !in->has_name && body_blank(c, "name");
	in->clear_desc = !in->has_desc && body_blank(c, "desc");
	in->has_capacity = body_int(c, errors, "capacity", 1, MAX_CAPACITY, &in->capacity) == 1;
	if (c->req->body_is_form && json_is_string(json_object_get(c->req->json, "price")))
		in->has_price = form_price(c, errors, &in->price) == 1;
	else
		in->has_price = body_int(c, errors, "price", 0, MAX_PRICE, &in->price) == 1;
	if (stored) { /* an edit cannot remove a number every room has: that is an error, not "no change" */
		if (number_removed(c, errors, "capacity"))
			field_error(errors, "capacity", "Enter how many guests the room takes each night (1 or more)");
		if (number_removed(c, errors, "price"))
			field_error(errors, "price", "Enter a price (0 for free)");
	}
	return errors;
}

/* The host form's fields from a room (or the defaults): the price in currency units. */
static json_t *room_form_fields(json_t *room)
{
	char units[48];
	json_t *form = room ? json_deep_copy(room) : json_pack("{s:i}", "capacity", 1);
	json_int_t price = json_integer_value(json_object_get(form, "price"));
	money_units(price, config_currency(), units, sizeof units);
	json_object_set_new(form, "price", json_string(units));
	return form;
}

static int rooms_create(struct ctx *c)
{
	struct room_input in = {.name = "", .desc = "", .capacity = 1, .price = 0};
	c->res->page = "room_form";
	json_t *errors = room_read(c, &in, NULL);
	if (!in.has_name && !in.has_desc && json_array_size(errors) == 0)
		field_error(errors, "name", "Enter a name or a description for the room");
	if (json_array_size(errors))
		return form_problem(c, problem_validation(c, errors), "/rooms");
	json_decref(errors);
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	snprintf(c->res->flash, sizeof c->res->flash, "Your room is online.");
	sqlite3_stmt *st = db_prep(c->db, "INSERT INTO room(name, \"desc\", capacity, price, host_id, created_at, "
	                                  "updated_at) VALUES (?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'), "
	                                  "strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
	db_bind_text(st, 1, in.name);
	db_bind_text(st, 2, in.desc);
	sqlite3_bind_int64(st, 3, in.capacity);
	sqlite3_bind_int64(st, 4, in.price);
	sqlite3_bind_int64(st, 5, c->req->account_id);
	long long id = db_run(st) == SQLITE_DONE ? sqlite3_last_insert_rowid(c->db->h) : 0;
	if (!id || room_event(c->db, id, "RoomRegistered")) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the room could not be stored; try again");
	}
	return reply_room(c, id, 201);
}

static json_t *reviews_latest(struct db *db, long long room_id, long long cursor, long long limit);

/* The link to the room page with the same stay and the calendar from week `monday`. */
static json_t *calendar_href(struct ctx *c, long long room_id, const char *monday)
{
	static const char *const kept[] = {"checkIn", "checkOut", "nights", "guests", "customer"};
	struct buf href = {0};
	buf_printf(&href, "/rooms/%lld?", room_id);
	for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
		const char *v = query_get(c->req, kept[i]);
		if (!v)
			continue;
		char *enc = url_encode(v);
		buf_printf(&href, "%s=%s&", kept[i], enc);
		free(enc);
	}
	buf_printf(&href, "from=%s#calendar-h", monday);
	json_t *j = json_string(buf_str(&href));
	buf_free(&href);
	return j;
}

/* Whether date is one of short_nights (stay_quote's shortNights; may be NULL). */
static int night_short(json_t *short_nights, const char *date)
{
	size_t i;
	json_t *night;
	json_array_foreach(short_nights, i, night) if (strcmp(json_string_value(json_object_get(night, "date")), date) == 0)
		return 1;
	return 0;
}

/* The Monday of the week of date into monday. */
static void week_start(const char *date, char monday[11])
{
	date_add(date, -(int)(((date_diff("1970-01-05", date) % 7) + 7) % 7), monday);
}

/* Calendar weeks (Monday first) from the week of `from` when given (the calendar moved
 * to other weeks), else of the stay s (this week when either starts sooner): each day
 * with places left; the stay's nights are "chosen", and those in short_nights (may be
 * NULL) are the ones that stop it. start: the Monday it begins on. */
static json_t *calendar_weeks(struct db *db, long long room, long long room_capacity, const struct stay *s,
                              json_t *short_nights, const char *from, char start[11])
{
	char today[11];
	config_today(today);
	if (!from)
		from = s->check_in;
	week_start(strcmp(from, today) > 0 ? from : today, start);
	json_t *days = usage_days(db, room, room_capacity, start, CALENDAR_WEEKS * 7), *weeks = json_array(), *day;
	size_t i;
	json_array_foreach(days, i, day)
	{
		const char *date = json_string_value(json_object_get(day, "date"));
		int past = strcmp(date, today) < 0, full = json_integer_value(json_object_get(day, "available")) <= 0;
		char label[16]; /* "10 Dec": the columns name the weekdays */
		human_day_month(date, label, sizeof label);
		json_object_set_new(day, "label", json_string(label));
		json_object_set_new(day, "soldOut", json_boolean(!past && full));
		json_object_set_new(day, "past", json_boolean(past));
		json_object_set_new(day, "state", json_string(past ? "past" : full ? "sold-out" : "open"));
		json_object_set_new(day, "chosen", json_boolean(strcmp(date, s->check_in) >= 0 && strcmp(date, s->check_out) < 0));
		json_object_set_new(day, "conflict", json_boolean(night_short(short_nights, date)));
		if (i % 7 == 0)
			json_array_append_new(weeks, json_pack("{s:[]}", "days"));
		json_array_append(json_object_get(json_array_get(weeks, i / 7), "days"), day);
	}
	json_decref(days);
	return weeks;
}

/* Sets bookedBefore on a page's model when the caller holds this very stay already (the
 * latest such booking's id): the Back button after paying brings the summary again with a
 * new form token (or the room page, when the booking took the last places), and paying
 * there books and charges a second time. The pages say so and link the booking; booking
 * twice stays possible (a second room for a friend). */
static void booked_before(struct ctx *c, json_t *room, const struct stay *s)
{
	if (c->req->account_id <= 0)
		return;
	long long id = 0;
	sqlite3_stmt *st = db_prep(c->db, "SELECT max(reservation_id) FROM hold WHERE account_id = ? AND room_id = ? "
	                                  "AND check_in = ? AND nights = ? AND status = 'held'");
	sqlite3_bind_int64(st, 1, c->req->account_id);
	sqlite3_bind_int64(st, 2, json_integer_value(json_object_get(room, "id")));
	db_bind_text(st, 3, s->check_in);
	sqlite3_bind_int64(st, 4, s->nights);
	if (db_scalar_int(st, &id) == 1 && id > 0)
		json_object_set_new(room, "bookedBefore", json_integer(id));
}

/* The room page's calendar (weeks) from ?from= when the guest moved it (a date: its
 * week; before this week: this week; past the booking horizon: the horizon's week),
 * with links to the weeks before (none before this week) and after (none past the
 * horizon), and the dates it spans. */
static void calendar_fill(struct ctx *c, json_t *room, const struct stay *s, json_t *short_nights)
{
	long long id = json_integer_value(json_object_get(room, "id"));
	long long capacity = json_integer_value(json_object_get(room, "capacity"));
	char today[11], this_week[11], last_week[11], horizon[11], start[11], end[11], step[11];
	config_today(today);
	week_start(today, this_week);
	date_add(today, (int)stay_horizon_days(), horizon);
	week_start(horizon, last_week);
	const char *from = query_get(c->req, "from");
	if (from && !date_valid(from))
		from = NULL; /* not a date: this week (JSON refuses it: rooms_get) */
	if (from && strcmp(from, horizon) > 0)
		from = horizon;
	json_object_set_new(room, "weeks", calendar_weeks(c->db, id, capacity, s, short_nights, from, start));
	date_add(start, CALENDAR_WEEKS * 7 - 1, end);
	char a[32], b[32];
	human_date(start, a, sizeof a);
	human_date(end, b, sizeof b);
	json_object_set_new(room, "calendarSpan", json_sprintf("%s to %s", a, b));
	date_add(start, -CALENDAR_WEEKS * 7, step);
	if (strcmp(start, this_week) > 0)
		json_object_set_new(room, "calendarEarlier", calendar_href(c, id, strcmp(step, this_week) > 0 ? step : this_week));
	date_add(start, CALENDAR_WEEKS * 7, step);
	if (strcmp(step, last_week) <= 0)
		json_object_set_new(room, "calendarLater", calendar_href(c, id, step));
}

/* Fills room, the room page's model, for stay s: the booking form's values, the field
 * errors of the stay (errors, with more guests than the room's places among them) and,
 * when there are none, the quote of the stay (stay_quote, with why and the stay's dates);
 * the calendar around the stay; the reviews when with_reviews. The same model serves the
 * summary before paying (GET /rooms/{id}/book) and, through GET /internal/rooms/{id}/page,
 * the page reservations shows around a refused booking. Returns how many field errors. */
static size_t room_page_fill(struct ctx *c, json_t *room, const struct stay *s, json_t *errors, int with_reviews)
{
	long long id = json_integer_value(json_object_get(room, "id"));
	long long capacity = json_integer_value(json_object_get(room, "capacity"));
	char msg[160];
	json_t *short_nights = NULL;
	int guests_wrong = 0;
	size_t i;
	json_t *err;
	json_array_foreach(errors, i, err) guests_wrong |= strcmp(json_string_value(json_object_get(err, "field")), "guests") == 0;
	if (!guests_wrong && s->guests > capacity) { /* a sentence of its own: beside the field and in the summary */
		stay_refusal(msg, sizeof msg, "too_many_guests", NULL, NULL, 0, capacity);
		field_error(errors, "guests", msg);
	}
	json_object_set_new(room, "isHost", json_boolean(access_is(c->req, json_integer_value(json_object_get(room, "hostId")))));
	json_object_set_new(room, "signedIn", json_boolean(c->req->account_id > 0));
	json_object_set_new(room, "form", stay_form(c, id, s));
	json_object_set_new(room, "moneyDecimals", json_integer(money_decimals(config_currency()))); /* booking.js */
	size_t n = json_array_size(errors);
	if (n) {
		json_object_set(room, "errors", errors);
		char detail[256] = "Check the details of your stay.";
		if (n == 1 && s->guests > capacity && !guests_wrong)
			stay_refusal(detail, sizeof detail, "too_many_guests", NULL, NULL, 0, capacity);
		json_object_set_new(room, "detail", json_string(detail));
	} else {
		json_t *q = stay_quote(c->db, room, s);
		quote_why(q, room);
		json_object_update(room, q);
		json_decref(q);
		json_object_set_new(room, "checkIn", json_string(s->check_in));
		json_object_set_new(room, "checkOut", json_string(s->check_out));
		json_object_set_new(room, "guests", json_integer(s->guests));
		json_object_set_new(room, "asked", json_boolean(s->asked));
		short_nights = json_object_get(room, "shortNights");
		if (s->asked)
			booked_before(c, room, s);
	}
	/* a stay the room cannot take (sold out on a night) is not offered a Continue that
	 * would only come back here refused: the form asks for other dates instead */
	json_object_set_new(room, "unbookable", json_boolean(!n && !json_is_true(json_object_get(room, "available"))));
	/* nothing to pay (a total is price × guests × nights): the summary asks for no card
	 * (reservations checks it again), and the form's hint promises no payment */
	json_object_set_new(room, "free", json_boolean(json_integer_value(json_object_get(room, "price")) == 0));
	calendar_fill(c, room, s, short_nights);
	if (with_reviews)
		json_object_set_new(room, "reviews", reviews_latest(c->db, id, 0, PAGE_REVIEWS));
	return n;
}

/* 404 for a room that is not offered: one its host deleted says so (Back after deleting
 * it, a link kept from before), rather than that it never existed. */
static int room_gone(struct ctx *c, long long id)
{
	long long deleted = 0;
	sqlite3_stmt *st = db_prep(c->db, "SELECT count(*) FROM room WHERE id = ? AND deleted_at IS NOT NULL");
	sqlite3_bind_int64(st, 1, id);
	if (db_scalar_int(st, &deleted) == 1 && deleted)
		return problem(c, 404, "room %lld was deleted by its host: it is no longer offered", id);
	return problem(c, 404, "room %lld does not exist", id);
}

/* GET /rooms/{id}: the room. With checkIn, checkOut (or nights) and guests, JSON adds what
 * that stay costs and whether the room can take it (stay_quote; 400 with the field
 * errors when the stay is not valid). The page is the room with its calendar and the one
 * booking form, whose "Update total" comes back here with the form's values. */
static int rooms_get(struct ctx *c)
{
	struct stay s;
	json_t *room = room_load(c->db, c->req->ids[0]);
	if (!room)
		return room_gone(c, c->req->ids[0]);
	c->res->model = room;
	c->res->page = "room";
	json_t *errors = json_array();
	stay_read(c, errors, &s, 0);
	const char *from = query_get(c->req, "from"); /* the page's calendar moved to other weeks */
	if (from && !date_valid(from) && !c->req->wants_html) /* a page shows this week instead (calendar_fill) */
		field_error(errors, "from", date_wrong(from));
	if (c->req->wants_html) {
		room_title(c, room, "");
		size_t n = room_page_fill(c, room, &s, errors, 1);
		json_decref(errors);
		return n ? 400 : 200;
	}
	if (json_array_size(errors))
		return problem_fields(c, 400, errors, "the stay has invalid fields: see errors");
	json_decref(errors);
	if (s.asked) { /* a quote: an answer of the moment, with no tag */
		json_t *q = stay_quote(c->db, room, &s);
		json_object_update(room, q);
		json_decref(q);
		return 200;
	}
	char tag[ETAG_SIZE];
	room_tag(c, room, tag);
	if (c->req->if_match && !etag_listed(c->req->if_match, tag, 0)) {
		json_decref(room);
		c->res->model = NULL; /* (room_tag gave the ETag) */
		return problem(c, 412, "room %lld is not the version named in If-Match: its ETag is %s", c->req->ids[0], tag);
	}
	if (c->req->if_none_match && etag_listed(c->req->if_none_match, tag, 1)) {
		json_decref(room); /* the client has these bytes already */
		c->res->model = NULL;
		return 304;
	}
	return 200;
}

/* GET /rooms/{id}/book: "check your answers" before paying: the stay in words with its
 * total, links back to change it, and the card (the form that books, POST /reservations).
 * A stay that cannot be booked shows the room page instead, saying why (422 for a field
 * to correct, 409 when the room cannot take it). Signed in only: a guest signed out goes
 * through the sign-in page and comes back here with the same stay. */
static int rooms_book(struct ctx *c)
{
	struct stay s;
	json_t *room = room_load(c->db, c->req->ids[0]);
	if (!room)
		return room_gone(c, c->req->ids[0]);
	c->res->model = room;
	json_t *errors = json_array();
	stay_read(c, errors, &s, 0);
	size_t n = room_page_fill(c, room, &s, errors, 1);
	json_decref(errors);
	if (n || !json_is_true(json_object_get(room, "available"))) {
		if (!n)
			json_object_set(room, "detail", json_object_get(room, "why"));
		c->res->page = "room";
		room_title(c, room, "");
		return n ? 422 : 409;
	}
	c->res->page = "book";
	snprintf(c->res->title, sizeof c->res->title, "%s", json_is_true(json_object_get(room, "free")) ?
	         "Check your answers" : "Check your answers before paying");
	return 200;
}

/* GET /internal/rooms/{id}/page: the room page's model for a stay (room_page_fill,
 * without reviews), from which reservations shows a refused booking around the room. */
static int rooms_page_internal(struct ctx *c)
{
	struct stay s;
	json_t *room = room_load(c->db, c->req->ids[0]);
	if (!room)
		return problem(c, 404, "room %lld does not exist", c->req->ids[0]);
	c->res->model = room;
	json_t *errors = json_array();
	stay_read(c, errors, &s, 0);
	room_page_fill(c, room, &s, errors, 0);
	json_decref(errors);
	return 200;
}

/* GET /rooms/new: the empty host form. */
static int rooms_new(struct ctx *c)
{
	c->res->model = json_pack("{s:n, s:s, s:o}", "id", "action", "/rooms", "form", room_form_fields(NULL));
	c->res->page = "room_form";
	snprintf(c->res->title, sizeof c->res->title, "Host a room");
	return 200;
}

/* Loads the room c's path names into *room when the caller may change it (its host or
 * an admin) and returns 0; else 404 (no such room) or 403 (someone else's), c->res set. */
static int room_of_host(struct ctx *c, json_t **room)
{
	*room = room_load(c->db, c->req->ids[0]);
	if (!*room)
		return problem(c, 404, "room %lld does not exist", c->req->ids[0]);
	if (!access_is(c->req, json_integer_value(json_object_get(*room, "hostId")))) {
		json_decref(*room);
		*room = NULL;
		return problem(c, 403, "only the host of room %lld may change it", c->req->ids[0]);
	}
	return 0;
}

/* 0 when the caller may change the room c's path names, else 403 or 404 (c->res set). */
static int host_check(struct ctx *c)
{
	json_t *room;
	int rc = room_of_host(c, &room);
	json_decref(room);
	return rc;
}

/* How many stays of room id, held and not over yet, a deletion cancels: the rule of
 * reservations' RoomDeleted handler (confirmed, check-out after today), as rooms sees it
 * (a hold still held; one whose booking is in flight counts too). */
static long long room_stays_ahead(struct db *db, long long id)
{
	char today[11];
	long long n = 0;
	config_today(today);
	sqlite3_stmt *st = db_prep(db, "SELECT count(*) FROM hold WHERE room_id = ? AND status = 'held' "
	                               "AND date(check_in, '+' || nights || ' days') > ?");
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, today);
	return db_scalar_int(st, &n) == 1 ? n : -1;
}

/* The version of what the host's edit form edits (name, description, capacity, price):
 * 32 hex digits into out, returned. Not the room's ETag: a review or a booking changes
 * that, and would turn every edit form open at the time into a conflict. */
static const char *room_form_tag(const json_t *room, char out[ETAG_SIZE])
{
	char tag[ETAG_SIZE];
	json_t *fields = json_pack("{s:O?, s:O?, s:O?, s:O?}", "name", json_object_get(room, "name"), "desc",
	                           json_object_get(room, "desc"), "capacity", json_object_get(room, "capacity"),
	                           "price", json_object_get(room, "price"));
	etag_of(fields, tag);
	json_decref(fields);
	snprintf(out, ETAG_SIZE, "%.32s", tag + 1);
	return out;
}

/* GET /rooms/{id}/edit and /rooms/{id}/delete: the room for a host form. */
static int room_form_page(struct ctx *c, const char *page)
{
	json_t *room;
	int rc = room_of_host(c, &room);
	if (rc)
		return rc;
	json_t *form = room_form_fields(room);
	char version[ETAG_SIZE];
	json_object_set_new(form, "_version", json_string(room_form_tag(room, version))); /* room_form_version */
	json_object_set_new(room, "form", form);
	json_object_set_new(room, "action", json_string(c->req->path));
	c->res->model = room;
	c->res->page = page;
	room_title(c, room, strcmp(page, "room_delete") == 0 ? "Delete " : "Edit ");
	return 200;
}

static int rooms_edit(struct ctx *c) { return room_form_page(c, "room_form"); }

/* GET /rooms/{id}/delete: the confirmation, with the bookings it will cancel. */
static int rooms_delete_confirm(struct ctx *c)
{
	int rc = room_form_page(c, "room_delete");
	long long ahead = rc == 200 ? room_stays_ahead(c->db, c->req->ids[0]) : 0;
	if (rc == 200 && ahead >= 0)
		json_object_set_new(c->res->model, "staysAhead", ahead ? json_integer(ahead) : json_null());
	else if (rc == 200) /* not counted (the read failed): never "nobody is affected" */
		json_object_set_new(c->res->model, "staysAheadUnknown", json_true());
	return rc;
}

/* True when room id (as this transaction sees it) has neither a name nor a description. */
static int room_unnamed(struct db *db, long long id)
{
	long long named = 1;
	sqlite3_stmt *st = db_prep(db, "SELECT name <> '' OR \"desc\" <> '' FROM room WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	db_scalar_int(st, &named);
	return !named;
}

/* The host's edit form carries the version of what it edits as it was when the form was
 * opened (_version), as a script sends If-Match. Saved over a change made since (another
 * host, another tab), the form would undo it unseen. Inside the edit's transaction: 0
 * when the request may go on (no version sent, the same version, or no room: the caller
 * answers 404), else 409 and the form again with what was typed, now on the current
 * version: saving it again is a decision made knowing. */
static int room_form_version(struct ctx *c, long long id)
{
	const char *sent = c->req->body_is_form ? json_string_value(json_object_get(c->req->json, "_version")) : NULL;
	if (!sent || !*sent)
		return 0;
	json_t *room = room_load(c->db, id);
	if (!room)
		return 0;
	char version[ETAG_SIZE];
	room_form_tag(room, version);
	json_decref(room);
	if (strcmp(sent, version) == 0)
		return 0;
	json_object_set_new(c->req->json, "_version", json_string(version)); /* the form's */
	int rc = problem(c, 409, "Someone changed this room after you opened this form. Nothing was saved. "
	                 "Open the room in another tab to see the change, or save again to replace it with "
	                 "what is below.");
	return form_problem(c, rc, c->req->path);
}

/* Binds an edit's values to ?1 (the room) .. ?5 (NULL: keep what is stored). */
static void room_edit_bind(sqlite3_stmt *st, long long id, const struct room_input *in)
{
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, in->has_name ? in->name : in->clear_name ? "" : NULL);
	db_bind_text(st, 3, in->has_desc ? in->desc : in->clear_desc ? "" : NULL);
	if (in->has_capacity)
		sqlite3_bind_int64(st, 4, in->capacity);
	if (in->has_price)
		sqlite3_bind_int64(st, 5, in->price);
}

static int rooms_update(struct ctx *c)
{
	long long id = c->req->ids[0];
	struct room_input in = {0};
	int rc = host_check(c);
	if (rc)
		return rc;
	c->res->page = "room_form";
	json_t *stored = room_load(c->db, id);
	json_t *errors = room_read(c, &in, stored);
	json_decref(stored);
	if (json_array_size(errors))
		return form_problem(c, problem_validation(c, errors), c->req->path);
	json_decref(errors);
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	if ((rc = room_precondition(c, id)) || (rc = room_form_version(c, id))) {
		db_rollback(c->db);
		return rc;
	}
	/* An edit that changes nothing (PATCH {}, the same values) stores nothing and records
	 * no RoomModified: the room, its time of last change and every projection stay as
	 * they are. */
	sqlite3_stmt *st = db_prep(c->db, "SELECT name IS coalesce(?2, name) AND \"desc\" IS coalesce(?3, \"desc\") "
	                                  "AND capacity IS coalesce(?4, capacity) AND price IS coalesce(?5, price) "
	                                  "FROM room WHERE id = ?1 AND deleted_at IS NULL");
	room_edit_bind(st, id, &in);
	long long same = -1;
	int found = db_scalar_int(st, &same);
	if (found <= 0) {
		db_rollback(c->db);
		if (found < 0)
			return problem_unavailable(c, 1, "the room could not be read; try again");
		return problem(c, 404, "room %lld does not exist", id);
	}
	if (same) {
		db_rollback(c->db);
		snprintf(c->res->flash, sizeof c->res->flash, "Nothing was changed.");
		return room_answer(c, id, 200);
	}
	snprintf(c->res->flash, sizeof c->res->flash, "Changes saved.");
	st = db_prep(c->db, "UPDATE room SET name = coalesce(?2, name), \"desc\" = coalesce(?3, \"desc\"), "
	                    "capacity = coalesce(?4, capacity), price = coalesce(?5, price), "
	                    "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?1 AND deleted_at IS NULL");
	room_edit_bind(st, id, &in);
	if (db_run(st) != SQLITE_DONE || sqlite3_changes(c->db->h) != 1) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the room could not be stored; try again");
	}
	if ((in.clear_name || in.clear_desc) && room_unnamed(c->db, id)) {
		db_rollback(c->db);
		errors = json_array();
		field_error(errors, in.clear_name ? "name" : "desc", "Enter a name or a description for the room");
		return form_problem(c, problem_validation(c, errors), c->req->path);
	}
	if (in.has_capacity) {
		char today[11];
		config_today(today);
		st = db_prep(c->db, "UPDATE capacity SET capacity = ? WHERE room_id = ? AND date >= ?");
		sqlite3_bind_int64(st, 1, in.capacity);
		sqlite3_bind_int64(st, 2, id);
		db_bind_text(st, 3, today);
		if (db_run(st) != SQLITE_DONE) {
			int check = sqlite3_extended_errcode(c->db->h) == SQLITE_CONSTRAINT_CHECK; /* held <= capacity */
			db_rollback(c->db);
			if (!check)
				return problem_unavailable(c, 1, "the room could not be stored; try again");
			return form_problem(c, capacity_refused(c, id, in.capacity, today), c->req->path);
		}
	}
	if (room_event(c->db, id, "RoomModified")) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the room could not be stored; try again");
	}
	return reply_room(c, id, 200);
}

static int rooms_delete(struct ctx *c)
{
	long long id = c->req->ids[0];
	int rc = host_check(c);
	if (rc)
		return rc;
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	if ((rc = room_precondition(c, id))) {
		db_rollback(c->db);
		return rc;
	}
	sqlite3_stmt *st = db_prep(c->db, "UPDATE room SET deleted_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), "
	                                  "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
	                                  "WHERE id = ? AND deleted_at IS NULL");
	sqlite3_bind_int64(st, 1, id);
	if (db_run(st) != SQLITE_DONE) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the room could not be deleted; try again");
	}
	if (sqlite3_changes(c->db->h) == 0) {
		db_rollback(c->db);
		return problem(c, 404, "room %lld does not exist", id);
	}
	long long ahead = c->req->body_is_form ? room_stays_ahead(c->db, id) : 0; /* for the flash */
	if (event_record(c->db, "Room", id, "RoomDeleted", json_pack("{s:I}", "roomId", (json_int_t)id)) ||
	    db_commit(c->db)) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the room could not be deleted; try again");
	}
	if (c->req->body_is_form) { /* the host's delete form: back to the listing */
		response_header(c->res, "Location", "/rooms");
		if (ahead == 1)
			snprintf(c->res->flash, sizeof c->res->flash, "The room was deleted. Its one booking is being "
			         "cancelled and refunded; the guest is told.");
		else if (ahead > 1)
			snprintf(c->res->flash, sizeof c->res->flash, "The room was deleted. Its %lld bookings are being "
			         "cancelled and refunded; each guest is told.", ahead);
		else if (ahead == 0)
			snprintf(c->res->flash, sizeof c->res->flash, "The room was deleted. It had no bookings to cancel.");
		else
			snprintf(c->res->flash, sizeof c->res->flash, "The room was deleted. Its current and upcoming "
			         "bookings are being cancelled and refunded; each guest is told.");
	}
	return 204;
}

/* Capacity and units held on one date of a room whose capacity is room_capacity. */
/* Each of `days` dates from `from`: {date, capacity, held, available}, with one range
 * query (dates nothing was ever held on have the room's capacity, none held). */
static json_t *usage_days(struct db *db, long long room, long long room_capacity, const char *from, long days)
{
	char to[11];
	date_add(from, (int)days - 1, to);
	sqlite3_stmt *st = db_prep(db, "SELECT date, capacity, held FROM capacity "
	                               "WHERE room_id = ? AND date BETWEEN ? AND ? ORDER BY date");
	sqlite3_bind_int64(st, 1, room);
	db_bind_text(st, 2, from);
	db_bind_text(st, 3, to);
	json_t *list = json_array();
	int more = sqlite3_step(st) == SQLITE_ROW;
	for (long i = 0; i < days; i++) {
		char date[11];
		long long capacity = room_capacity, held = 0;
		date_add(from, (int)i, date);
		if (more && strcmp((const char *)sqlite3_column_text(st, 0), date) == 0) {
			capacity = sqlite3_column_int64(st, 1);
			held = sqlite3_column_int64(st, 2);
			more = sqlite3_step(st) == SQLITE_ROW;
		}
		json_array_append_new(list, json_pack("{s:s, s:I, s:I, s:I}", "date", date, "capacity", (json_int_t)capacity,
		                                      "held", (json_int_t)held, "available", (json_int_t)(capacity - held)));
	}
	db_done(st);
	return list;
}

/* The availability page when its dates cannot be shown (HTML only): the form again, with
 * what was typed and what to correct beside each field, over the next 30 nights; 400.
 * 0 when the dates are fine. A script gets the plain problem (rooms_availability). */
static int availability_form_errors(struct ctx *c, long long id)
{
	const char *from = query_get(c->req, "from"), *to = query_get(c->req, "to");
	char today[11];
	config_today(today);
	const char *first = from ? from : today; /* as rooms_availability reads it */
	json_t *errors = json_array();
	if (from && !date_valid(from))
		field_error(errors, "from", date_wrong(from));
	if (to && !date_valid(to))
		field_error(errors, "to", date_wrong(to));
	if (!json_array_size(errors) && to &&
	    (date_diff(first, to) < 0 || date_diff(first, to) >= MAX_AVAILABILITY_DAYS)) {
		char why[96];
		snprintf(why, sizeof why, "must be on or after the first night and at most %d days later",
		         MAX_AVAILABILITY_DAYS - 1);
		field_error(errors, "to", why);
	}
	if (!json_array_size(errors)) {
		json_decref(errors);
		return 0;
	}
	json_t *room = room_load(c->db, id);
	if (!room) {
		json_decref(errors);
		return problem(c, 404, "room %lld does not exist", id);
	}
	json_t *days = usage_days(c->db, id, json_integer_value(json_object_get(room, "capacity")), today, 30);
	room_title(c, room, "Availability of ");
	c->res->model = json_pack("{s:I, s:o, s:o, s:o, s:s, s:{s:s, s:s}}", "roomId", (json_int_t)id, "room", room,
	                          "days", days, "errors", errors, "detail", "Check the dates to show.", "form", "from",
	                          from ? from : "", "to", to ? to : "");
	c->res->page = "availability";
	return 400;
}

static int rooms_availability(struct ctx *c)
{
	long long id = c->req->ids[0];
	char today[11], to_default[11];
	const char *from = today, *to = NULL;
	config_today(today);
	int rc = c->req->wants_html ? availability_form_errors(c, id) : 0;
	if (rc)
		return rc;
	if ((rc = query_date(c, "from", &from)) > 1)
		return rc;
	date_add(from, 29, to_default);
	to = to_default;
	if ((rc = query_date(c, "to", &to)) > 1)
		return rc;
	long days = date_diff(from, to) + 1;
	if (days < 1 || days > MAX_AVAILABILITY_DAYS)
		return problem(c, 400, "'to' must be on or after 'from' and at most %d days later",
		               MAX_AVAILABILITY_DAYS - 1);
	json_t *room = room_load(c->db, id);
	if (!room)
		return problem(c, 404, "room %lld does not exist", id);
	json_t *list = usage_days(c->db, id, json_integer_value(json_object_get(room, "capacity")), from, days);
	c->res->model = json_pack("{s:I, s:o}", "roomId", (json_int_t)id, "days", list);
	if (c->req->wants_html) {
		json_object_set_new(c->res->model, "room", room);
		json_object_set_new(c->res->model, "form", json_pack("{s:s, s:s}", "from", from, "to", to));
		room_title(c, room, "Availability of ");
	} else {
		json_decref(room);
	}
	c->res->page = "availability";
	return 200;
}

static int check_reserve(struct ctx *c)
{
	long long id = 0;
	char today[11];
	int rc = query_int(c, "roomId", 1, 1LL << 53, &id);
	if (rc > 1)
		return rc;
	if (rc == 0)
		return problem(c, 400, "parameter 'roomId' is required");
	json_t *room = room_load(c->db, id);
	if (!room)
		return problem(c, 404, "room %lld does not exist", id);
	config_today(today);
	json_t *tonight = usage_days(c->db, id, json_integer_value(json_object_get(room, "capacity")), today, 1);
	c->res->model = json_boolean(json_integer_value(json_object_get(json_array_get(tonight, 0), "available")) > 0);
	json_decref(tonight);
	json_decref(room);
	return 200;
}

/* ---- reviews ---- */

#define REVIEW_COLUMNS "id, room_id AS roomId, rating, content, created_at AS createdAt"

static json_t *review_load(struct db *db, long long id)
{
	return db_row_by_id(db, "SELECT " REVIEW_COLUMNS " FROM review WHERE id = ?", id);
}

/* The reservation review id was written for (0 when it cannot be read). */
static long long review_stay(struct db *db, long long id)
{
	long long stay = 0;
	sqlite3_stmt *st = db_prep(db, "SELECT reservation_id FROM review WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	return db_scalar_int(st, &stay) == 1 ? stay : 0;
}

/* Records ReviewCreated/ReviewDeleted on the room's stream with the room's new totals
 * and the stay it is about (stay: a reservation id, for reservations' page to stop or
 * start offering the review form; not part of the public review). */
static int review_event(struct db *db, const char *type, json_t *review, long long stay)
{
	long long room_id = json_integer_value(json_object_get(review, "roomId"));
	json_t *totals = db_row_by_id(db, "SELECT review_cnt AS reviewCnt, CASE WHEN rated_cnt > 0 THEN "
	                                  "round(rating_sum * 1.0 / rated_cnt, 2) END AS roomRating "
	                                  "FROM room WHERE id = ?", room_id); /* deleted rooms too */
	json_t *data = json_deep_copy(review);
	json_object_set_new(data, "reviewId", json_integer(json_integer_value(json_object_get(review, "id"))));
	if (stay > 0)
		json_object_set_new(data, "reservationId", json_integer(stay));
	if (totals)
		json_object_update(data, totals);
	json_decref(totals);
	return event_record(db, "Room", room_id, type, data);
}

/* The caller's stay in room_id that may be reviewed now (SPEC §6: whoever booked it,
 * once per reservation, from check-out on): its reservation id, 0 when there is none,
 * -1 when the query failed. */
static long long reviewable_stay(struct db *db, long long room_id, long long account, long long reservation)
{
	char today[11];
	long long id = 0;
	config_today(today);
	sqlite3_stmt *st = db_prep(db, "SELECT h.reservation_id FROM hold h WHERE h.room_id = ?1 AND h.account_id = ?2 "
	                               "AND h.status = 'held' AND date(h.check_in, '+' || h.nights || ' days') <= ?3 "
	                               "AND (?4 = 0 OR h.reservation_id = ?4) "
	                               "AND NOT EXISTS (SELECT 1 FROM review r WHERE r.reservation_id = h.reservation_id) "
	                               "ORDER BY h.reservation_id LIMIT 1");
	sqlite3_bind_int64(st, 1, room_id);
	sqlite3_bind_int64(st, 2, account);
	db_bind_text(st, 3, today);
	sqlite3_bind_int64(st, 4, reservation);
	return db_scalar_int(st, &id) < 0 ? -1 : id;
}

static int review_store(struct ctx *c, long long room_id, int rating_required);

/* A review form that did not go through comes back named by its room, with the way back
 * to the stay it was sent from (reservationId); a stay that may not be reviewed (already
 * reviewed, not over yet, not the caller's) shows no form to send again. Returns status. */
static int review_page(struct ctx *c, int status, long long room_id, long long stay)
{
	if (!c->req->wants_html || status < 400 || !json_is_object(c->res->model))
		return status;
	json_t *room = room_id > 0 ? room_load(c->db, room_id) : NULL;
	const char *name = json_string_value(json_object_get(room, "name"));
	if (!room) { /* no such room: the plain error page */
		c->res->page = "error";
		return status;
	}
	json_object_set_new(c->res->model, "roomName", name && *name ? json_string(name) : json_sprintf("Room %lld", room_id));
	json_object_set_new(c->res->model, "roomId", json_integer(room_id));
	if (stay > 0)
		json_object_set_new(c->res->model, "stayId", json_integer(stay));
	json_object_set_new(c->res->model, "refused", json_boolean(status == 403));
	room_title(c, room, "Review of ");
	json_decref(room);
	return status;
}

static int review_create(struct ctx *c, long long room_id, int rating_required)
{
	json_t *from = json_object_get(c->req->json, "reservationId"); /* as sent: for the page's way back */
	long long sent_stay = json_is_integer(from) ? json_integer_value(from)
	                      : json_is_string(from) ? strtoll(json_string_value(from), NULL, 10) : 0;
	return review_page(c, review_store(c, room_id, rating_required), room_id, sent_stay);
}

static int review_store(struct ctx *c, long long room_id, int rating_required)
{
	json_t *errors = json_array();
	const char *content = "";
	long long rating = 0;
	c->res->page = "review";
	snprintf(c->res->flash, sizeof c->res->flash, "Thank you for your review.");
	long long reservation = 0; /* the stay reviewed (a reservation's page sends it); else the guest's first */
	int has_rating = body_int(c, errors, "rating", 1, 5, &rating);
	if (has_rating == 0 && rating_required)
		field_error(errors, "rating", "Give a rating from 1 to 5");
	body_str(c, errors, "content", 4000, &content);
	body_int(c, errors, "reservationId", 1, 1LL << 53, &reservation);
	if (json_array_size(errors))
		return problem_validation(c, errors);
	json_decref(errors);
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	sqlite3_stmt *st = db_prep(c->db, "UPDATE room SET review_cnt = review_cnt + 1, "
	                                  "rated_cnt = rated_cnt + (?2 IS NOT NULL), "
	                                  "rating_sum = rating_sum + coalesce(?2, 0) "
	                                  "WHERE id = ?1 AND deleted_at IS NULL");
	sqlite3_bind_int64(st, 1, room_id);
	if (has_rating == 1)
		sqlite3_bind_int64(st, 2, rating);
	if (db_run(st) != SQLITE_DONE) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the review could not be stored; try again");
	}
	if (sqlite3_changes(c->db->h) == 0) {
		db_rollback(c->db);
		if (rating_required) /* /rooms/{id}/reviews: the room of the path */
			return problem(c, 404, "room %lld does not exist", room_id);
		json_t *which = json_array(); /* POST /reviews: a field of the body */
		field_error(which, "roomId", "does not exist");
		return problem_validation(c, which);
	}
	long long stay = reviewable_stay(c->db, room_id, c->req->account_id, reservation);
	if (stay < 0) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the review could not be stored; try again");
	}
	if (!stay) {
		db_rollback(c->db);
		return problem(c, 403, "a room can be reviewed by its guests, once per stay, from check-out on");
	}
	st = db_prep(c->db, "INSERT INTO review(room_id, rating, content, author_id, reservation_id, created_at) "
	                    "VALUES (?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
	sqlite3_bind_int64(st, 1, room_id);
	if (has_rating == 1)
		sqlite3_bind_int64(st, 2, rating);
	db_bind_text(st, 3, content);
	sqlite3_bind_int64(st, 4, c->req->account_id);
	sqlite3_bind_int64(st, 5, stay);
	if (db_run(st) != SQLITE_DONE) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the review could not be stored; try again");
	}
	long long id = sqlite3_last_insert_rowid(c->db->h);
	json_t *review = review_load(c->db, id);
	if (!review || review_event(c->db, "ReviewCreated", review, stay) || db_commit(c->db)) {
		db_rollback(c->db);
		json_decref(review);
		return problem_unavailable(c, 1, "the review could not be stored; try again");
	}
	c->res->model = review;
	response_header(c->res, "Location", "/reviews/%lld", id);
	return 201;
}

static int room_reviews_create(struct ctx *c) { return review_create(c, c->req->ids[0], 1); }

static int reviews_create(struct ctx *c)
{
	long long room_id = 0;
	json_t *errors = json_array();
	if (body_int(c, errors, "roomId", 1, 1LL << 53, &room_id) == 0)
		field_error(errors, "roomId", "is required");
	if (json_array_size(errors))
		return problem_validation(c, errors);
	json_decref(errors);
	return review_create(c, room_id, 0);
}

/* Reviews of a room, newest first, below cursor (0: from the newest). */
static json_t *reviews_latest(struct db *db, long long room_id, long long cursor, long long limit)
{
	sqlite3_stmt *st = db_prep(db, "SELECT " REVIEW_COLUMNS " FROM review WHERE room_id = ?1 "
	                               "AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3");
	sqlite3_bind_int64(st, 1, room_id);
	sqlite3_bind_int64(st, 2, cursor);
	sqlite3_bind_int64(st, 3, limit);
	return db_rows_json(st);
}

static int room_reviews_list(struct ctx *c)
{
	long long limit, cursor;
	int rc = page_params(c, &limit, &cursor);
	if (rc)
		return rc;
	json_t *room = room_load(c->db, c->req->ids[0]);
	if (!room)
		return problem(c, 404, "room %lld does not exist", c->req->ids[0]);
	json_decref(room);
	return page_reply(c, reviews_latest(c->db, c->req->ids[0], cursor, limit + 1), limit, "id");
}

static int reviews_get(struct ctx *c)
{
	c->res->model = review_load(c->db, c->req->ids[0]);
	c->res->page = "review_show"; /* a problem still renders the error page */
	if (!c->res->model)
		return problem(c, 404, "review %lld does not exist", c->req->ids[0]);
	long long room_id = json_integer_value(json_object_get(c->res->model, "roomId"));
	json_t *room = room_load(c->db, room_id); /* NULL once deleted: its reviews go with it */
	if (!room) {
		json_decref(c->res->model);
		c->res->model = NULL;
		return problem(c, 404, "review %lld is of a room its host deleted: it is no longer shown", c->req->ids[0]);
	}
	if (!c->req->wants_html)
		json_decref(room);
	else { /* named by its room, as the guest knows it ("Room N" without a name) */
		json_t *name = json_object_get(room, "name");
		if (json_string_length(name))
			json_object_set(c->res->model, "roomName", name);
		else
			json_object_set_new(c->res->model, "roomName", json_sprintf("Room %lld", room_id));
		json_decref(room);
		const char *shown = json_string_value(json_object_get(c->res->model, "roomName"));
		snprintf(c->res->title, sizeof c->res->title, "Review of %s", shown ? shown : "a room");
		/* its author may delete it here, and goes back to the stay it was written for (an
		 * admin, who may delete any review, does so through the API) */
		long long author = 0;
		sqlite3_stmt *who = db_prep(c->db, "SELECT author_id FROM review WHERE id = ?");
		sqlite3_bind_int64(who, 1, c->req->ids[0]);
		int mine = c->req->account_id > 0 && db_scalar_int(who, &author) == 1 && author == c->req->account_id;
		json_object_set_new(c->res->model, "isAuthor", json_boolean(mine));
		long long stay = mine ? review_stay(c->db, c->req->ids[0]) : 0;
		if (stay > 0)
			json_object_set_new(c->res->model, "stayId", json_integer(stay));
	}
	return 200;
}

static int reviews_delete(struct ctx *c)
{
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	json_t *review = review_load(c->db, c->req->ids[0]);
	if (!review) {
		db_rollback(c->db);
		return problem(c, 404, "review %lld does not exist", c->req->ids[0]);
	}
	long long author = 0;
	sqlite3_stmt *who = db_prep(c->db, "SELECT author_id FROM review WHERE id = ?");
	sqlite3_bind_int64(who, 1, c->req->ids[0]);
	if (db_scalar_int(who, &author) != 1) {
		db_rollback(c->db);
		json_decref(review);
		return problem_unavailable(c, 1, "the review could not be deleted; try again");
	}
	if (!access_is(c->req, author)) {
		db_rollback(c->db);
		json_decref(review);
		return problem(c, 403, "only the author of review %lld may delete it", c->req->ids[0]);
	}
	json_t *rating = json_object_get(review, "rating");
	long long stay = review_stay(c->db, c->req->ids[0]);
	long long room_id = json_integer_value(json_object_get(review, "roomId"));
	sqlite3_stmt *st = db_prep(c->db, "UPDATE room SET review_cnt = review_cnt - 1, "
	                                  "rated_cnt = rated_cnt - (?2 IS NOT NULL), "
	                                  "rating_sum = rating_sum - coalesce(?2, 0) WHERE id = ?1");
	sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(review, "roomId")));
	if (json_is_integer(rating))
		sqlite3_bind_int64(st, 2, json_integer_value(rating));
	int failed = db_run(st) != SQLITE_DONE;
	st = db_prep(c->db, "DELETE FROM review WHERE id = ?");
	sqlite3_bind_int64(st, 1, c->req->ids[0]);
	failed = failed || db_run(st) != SQLITE_DONE;
	failed = failed || review_event(c->db, "ReviewDeleted", review, stay) || db_commit(c->db);
	json_decref(review);
	if (failed) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the review could not be deleted; try again");
	}
	if (c->req->body_is_form) { /* the review page's button: back to the stay (it may be reviewed again) */
		if (stay > 0)
			response_header(c->res, "Location", "/reservations/%lld", stay);
		else
			response_header(c->res, "Location", "/rooms/%lld", room_id);
		snprintf(c->res->flash, sizeof c->res->flash, "Your review was deleted.");
	}
	return 204;
}

/* ---- holds (internal, called by reservations) ---- */

/* Takes `guests` units on each of `nights` nights from check_in. Returns 0, 1 when some
 * night has not enough capacity left, or -1 when a write failed. Inside the caller's
 * transaction (which the caller rolls back unless 0). */
static int take_capacity(struct db *db, long long room, long long room_capacity, const char *check_in,
                         long long nights, long long guests)
{
	for (long long i = 0; i < nights; i++) {
		char date[11];
		date_add(check_in, (int)i, date);
		sqlite3_stmt *st = db_prep(db, "INSERT OR IGNORE INTO capacity(room_id, date, capacity, held) "
		                               "VALUES (?, ?, ?, 0)");
		sqlite3_bind_int64(st, 1, room);
		db_bind_text(st, 2, date);
		sqlite3_bind_int64(st, 3, room_capacity);
		if (db_run(st) != SQLITE_DONE)
			return -1;
		st = db_prep(db, "UPDATE capacity SET held = held + ?3 "
		                 "WHERE room_id = ?1 AND date = ?2 AND held + ?3 <= capacity");
		sqlite3_bind_int64(st, 1, room);
		db_bind_text(st, 2, date);
		sqlite3_bind_int64(st, 3, guests);
		if (db_run(st) != SQLITE_DONE)
			return -1;
		if (sqlite3_changes(db->h) == 0)
			return 1;
	}
	return 0;
}

static json_t *hold_load(struct db *db, long long reservation_id)
{
	return db_row_by_id(db, "SELECT reservation_id AS reservationId, room_id AS roomId, "
	                    "check_in AS checkIn, nights, guests, amount, status "
	                    "FROM hold WHERE reservation_id = ?", reservation_id);
}

/* Answers a hold request with the hold and the room's name and price. */
static int reply_hold(struct ctx *c, json_t *hold, json_t *room, int status)
{
	json_object_set(hold, "roomName", json_object_get(room, "name"));
	json_object_set(hold, "price", json_object_get(room, "price"));
	json_object_set(hold, "hostId", json_object_get(room, "hostId"));
	json_object_set_new(hold, "currency", json_string(config_currency()));
	c->res->model = hold;
	json_decref(room);
	return status;
}

/* 409 for a hold the room cannot take, saying why as stay_quote does (read after the
 * rollback: a moment later than the refusal), with reason (too_many_guests or sold_out),
 * night, placesLeft and capacity for reservations to pass on. */
static int hold_refused(struct ctx *c, json_t *room, const char *check_in, long long nights, long long guests)
{
	struct stay s = {.nights = nights, .guests = guests};
	char why[256];
	snprintf(s.check_in, sizeof s.check_in, "%s", check_in);
	date_add(s.check_in, (int)nights, s.check_out);
	json_t *q = stay_quote(c->db, room, &s);
	if (json_is_null(json_object_get(q, "reason"))) /* freed meanwhile: it was full */
		json_object_set_new(q, "reason", json_string("sold_out"));
	quote_refusal(why, sizeof why, q, room);
	problem(c, 409, "%s", why);
	json_object_set(c->res->model, "reason", json_object_get(q, "reason"));
	json_object_set(c->res->model, "night", json_object_get(q, "night"));
	json_object_set(c->res->model, "shortNights", json_object_get(q, "shortNights"));
	json_object_set(c->res->model, "placesLeft", json_object_get(q, "placesLeft"));
	json_object_set(c->res->model, "capacity", json_object_get(room, "capacity"));
	/* whose room: the refused booking is still one of the host's to see (SPEC §6) */
	json_object_set(c->res->model, "hostId", json_object_get(room, "hostId"));
	json_object_set(c->res->model, "roomName", json_object_get(room, "name"));
	json_decref(q);
	return 409;
}

/* 409 for a hold whose stay costs another total than the one the guest was shown: the
 * room's price changed in between. Says the new total (total, and in the detail). */
static int price_changed(struct ctx *c, json_t *room, long long total)
{
	char money[64];
	human_money(total, config_currency(), money, sizeof money);
	problem(c, 409, "The price of this room changed since you checked: the stay now costs %s. Check the new total and "
	                "book again.", money);
	json_object_set_new(c->res->model, "reason", json_string("price_changed"));
	json_object_set_new(c->res->model, "total", json_integer(total));
	json_object_set(c->res->model, "hostId", json_object_get(room, "hostId"));
	json_object_set(c->res->model, "roomName", json_object_get(room, "name"));
	return 409;
}

static int holds_create(struct ctx *c)
{
	long long res_id = 0, room_id = 0, nights = 1, guests = 1, account = 0, expected = 0;
	const char *check_in = NULL;
	json_t *errors = json_array();
	/* the total the guest was shown, when the booking says it: a price changed since is
	 * refused here, in the hold's transaction, rather than charged */
	int has_expected = body_int(c, errors, "expectedAmount", 0, MAX_AMOUNT, &expected) == 1;
	body_int(c, errors, "reservationId", 1, 1LL << 53, &res_id);
	body_int(c, errors, "roomId", 1, 1LL << 53, &room_id);
	body_int(c, errors, "nights", 1, MAX_NIGHTS, &nights);
	body_int(c, errors, "guests", 1, MAX_GUESTS, &guests);
	body_int(c, errors, "accountId", 1, MAX_ID, &account);
	body_date(c, errors, "checkIn", &check_in);
	if (json_array_size(errors) || !res_id || !room_id || !check_in)
		return problem_validation(c, errors);
	json_decref(errors);
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	json_t *hold = hold_load(c->db, res_id);
	if (hold) { /* a repeated call: same answer, or refused after a release */
		int released = strcmp(json_string_value(json_object_get(hold, "status")), "released") == 0;
		db_rollback(c->db);
		if (released) {
			json_decref(hold);
			return problem(c, 409, "the hold of reservation %lld was already released", res_id);
		}
		return reply_hold(c, hold, room_load(c->db, room_id), 200);
	}
	json_t *room = room_load(c->db, room_id);
	if (!room) {
		db_rollback(c->db);
		return problem(c, 404, "room %lld does not exist", room_id);
	}
	long long price = json_integer_value(json_object_get(room, "price"));
	long long capacity = json_integer_value(json_object_get(room, "capacity"));
	if (has_expected && price * guests * nights != expected) {
		db_rollback(c->db);
		int rc = price_changed(c, room, price * guests * nights);
		json_decref(room);
		return rc;
	}
	int taken = take_capacity(c->db, room_id, capacity, check_in, nights, guests);
	if (taken) {
		db_rollback(c->db);
		int rc = taken < 0 ? problem_unavailable(c, 1, "the hold could not be stored; try again")
		                   : hold_refused(c, room, check_in, nights, guests);
		json_decref(room);
		return rc;
	}
	sqlite3_stmt *st = db_prep(c->db, "INSERT INTO hold(reservation_id, room_id, check_in, nights, guests, "
	                                  "amount, account_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
	                                  "'held', strftime('%Y-%m-%dT%H:%M:%fZ','now'), "
	                                  "strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
	sqlite3_bind_int64(st, 1, res_id);
	sqlite3_bind_int64(st, 2, room_id);
	db_bind_text(st, 3, check_in);
	sqlite3_bind_int64(st, 4, nights);
	sqlite3_bind_int64(st, 5, guests);
	sqlite3_bind_int64(st, 6, price * guests * nights);
	if (account)
		sqlite3_bind_int64(st, 7, account);
	if (db_run(st) != SQLITE_DONE) {
		db_rollback(c->db);
		json_decref(room);
		return problem_unavailable(c, 1, "the hold could not be stored; try again");
	}
	hold = hold_load(c->db, res_id);
	if (!hold || event_record(c->db, "Room", room_id, "CapacityHeld", json_deep_copy(hold)) || db_commit(c->db)) {
		db_rollback(c->db);
		json_decref(hold);
		json_decref(room);
		return problem_unavailable(c, 1, "the hold could not be stored; try again");
	}
	return reply_hold(c, hold, room, 201);
}

/* Releases the hold of a reservation (or leaves a tombstone when there is none), giving
 * the capacity back and recording CapacityReleased. Idempotent. Inside the caller's
 * transaction. Returns 0 or -1. */
static int release_hold(struct db *db, long long res_id)
{
	json_t *hold = hold_load(db, res_id);
	if (!hold) {
		sqlite3_stmt *st = db_prep(db, "INSERT INTO hold(reservation_id, room_id, check_in, nights, guests, "
		                               "amount, status, created_at, updated_at) VALUES (?, 0, '', 0, 0, 0, "
		                               "'released', strftime('%Y-%m-%dT%H:%M:%fZ','now'), "
		                               "strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
		sqlite3_bind_int64(st, 1, res_id);
		return db_run(st) == SQLITE_DONE ? 0 : -1;
	}
	int rc = 0;
	if (strcmp(json_string_value(json_object_get(hold, "status")), "held") == 0) {
		const char *check_in = json_string_value(json_object_get(hold, "checkIn"));
		long long room = json_integer_value(json_object_get(hold, "roomId"));
		long long nights = json_integer_value(json_object_get(hold, "nights"));
		long long guests = json_integer_value(json_object_get(hold, "guests"));
		for (long long i = 0; i < nights && !rc; i++) {
			char date[11];
			date_add(check_in, (int)i, date);
			sqlite3_stmt *st = db_prep(db, "UPDATE capacity SET held = held - ? WHERE room_id = ? AND date = ?");
			sqlite3_bind_int64(st, 1, guests);
			sqlite3_bind_int64(st, 2, room);
			db_bind_text(st, 3, date);
			rc = db_run(st) == SQLITE_DONE ? 0 : -1;
		}
		sqlite3_stmt *st = db_prep(db, "UPDATE hold SET status = 'released', "
		                               "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE reservation_id = ?");
		sqlite3_bind_int64(st, 1, res_id);
		if (!rc && db_run(st) == SQLITE_DONE) {
			json_object_set_new(hold, "status", json_string("released"));
			return event_record(db, "Room", room, "CapacityReleased", hold);
		}
		rc = -1;
	}
	json_decref(hold);
	return rc;
}

static int holds_release(struct ctx *c)
{
	long long res_id = c->req->ids[0];
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	if (release_hold(c->db, res_id) || db_commit(c->db)) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the hold could not be released; try again");
	}
	c->res->model = hold_load(c->db, res_id);
	return 200;
}

/* GET /internal/holds/{id}: the hold of a reservation (the recovery pass compares a
 * charge with it), or 404. */
static int holds_get(struct ctx *c)
{
	c->res->model = hold_load(c->db, c->req->ids[0]);
	return c->res->model ? 200 : problem(c, 404, "reservation %lld holds nothing", c->req->ids[0]);
}

/* ReservationCancelled, ReservationRejected: the reservation gives its capacity back. */
static int on_reservation_ended(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	long long id = event_data_id(ev, "reservationId", err, errlen);
	if (!id)
		return -1;
	if (release_hold(db, id)) {
		snprintf(err, errlen, "release failed: %s", sqlite3_errmsg(db->h));
		return -1;
	}
	return 0;
}

static const struct route routes[] = {
	{"GET", "/", rooms_list, "limit cursor checkIn checkOut guests", ROUTE_PUBLIC},
	{"GET", "/rooms", rooms_list, "limit cursor checkIn checkOut guests", ROUTE_PUBLIC},
	{"POST", "/rooms", rooms_create, "", ROUTE_IDEMPOTENT},
	{"GET", "/rooms/new", rooms_new, "", ROUTE_PAGE},
	/* roomId: the booking form's own field, which a sign-in detour carries back (ignored) */
	{"GET", "/rooms/{id}", rooms_get, "checkIn checkOut nights guests customer roomId from", ROUTE_PUBLIC},
	/* roomId: the summary form's own field, which a sign-in detour carries back (ignored) */
	{"GET", "/rooms/{id}/book", rooms_book, "checkIn checkOut nights guests customer roomId", ROUTE_PAGE},
	{"GET", "/rooms/{id}/edit", rooms_edit, "", ROUTE_PAGE},
	{"POST", "/rooms/{id}/edit", rooms_update, "", 0},
	{"GET", "/rooms/{id}/delete", rooms_delete_confirm, "", ROUTE_PAGE},
	{"POST", "/rooms/{id}/delete", rooms_delete, "", 0},
	{"PATCH", "/rooms/{id}", rooms_update, "", 0},
	{"PUT", "/rooms/{id}", rooms_update, "", 0},
	{"DELETE", "/rooms/{id}", rooms_delete, "", 0},
	{"GET", "/rooms/{id}/availability", rooms_availability, "from to", ROUTE_PUBLIC},
	{"GET", "/rooms/{id}/reviews", room_reviews_list, "limit cursor", ROUTE_PUBLIC},
	{"POST", "/rooms/{id}/reviews", room_reviews_create, "", 0},
	{"POST", "/reviews", reviews_create, "", 0},
	{"GET", "/reviews/{id}", reviews_get, "", ROUTE_PUBLIC},
	{"DELETE", "/reviews/{id}", reviews_delete, "", 0},
	{"POST", "/reviews/{id}/delete", reviews_delete, "", 0},
	{"GET", "/check/chkAndReqReserve", check_reserve, "roomId", ROUTE_PUBLIC},
	{"POST", "/internal/holds", holds_create, "", ROUTE_INTERNAL},
	{"GET", "/internal/holds/{id}", holds_get, "", ROUTE_INTERNAL},
	{"GET", "/internal/rooms/{id}/page", rooms_page_internal, "checkIn checkOut nights guests customer", ROUTE_INTERNAL},
	{"POST", "/internal/holds/{id}/release", holds_release, "", ROUTE_INTERNAL},
};

static const struct subscription subs[] = {
	{"reservations", "ReservationCancelled", on_reservation_ended},
	{"reservations", "ReservationRejected", on_reservation_ended},
	{"reservations", "ReservationConfirmed", NULL},
	{NULL, NULL, NULL},
};

const struct service rooms_service = {
	.name = "rooms",
	.routes = routes,
	.nroutes = sizeof routes / sizeof *routes,
	.subs = subs,
};
