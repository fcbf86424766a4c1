/* stay.h — what rooms and reservations both say about a stay a guest asks for: the
 * booking horizon, dates in words ("Thu 10 Dec 2026"), and why a room cannot take a
 * stay ("Only 1 place left on Thu 10 Dec 2026."), so the search, the room page, the
 * summary and a refused booking all say it the same way. */
#ifndef RB_STAY_H
#define RB_STAY_H
#include <stddef.h>

/* How far ahead a check-in may be, in days: BOOKING_HORIZON_DAYS (1..36500, default 3650). */
long stay_horizon_days(void);

/* A YYYY-MM-DD date in words, "Thu 10 Dec 2026" (English, whatever the locale); a string
 * that is not such a date is copied as it is (cut to fit). out holds at least 16 bytes. */
void date_words(const char *ymd, char *out, size_t size);

/* Why a room cannot take a stay, as a sentence for a guest, with what to do:
 * reason "too_many_guests" (capacity: the room's places per night), or "sold_out"
 * (night: the first night with the fewest places left, places: how many are left then).
 * Another reason gives a general sentence. */
void stay_refusal(char *out, size_t size, const char *reason, const char *night, long long places,
                  long long capacity);
#endif
