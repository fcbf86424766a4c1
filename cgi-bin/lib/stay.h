/* stay.h — what rooms and reservations both say about a stay a guest asks for: the
 * booking horizon, and why a room cannot take a stay ("Only 1 place left on Thu 10 Dec
 * 2026."; dates through lib/human.h), so the search, the room page, the summary and a
 * refused booking all say it the same way. */
#ifndef RB_STAY_H
#define RB_STAY_H
#include <stddef.h>

/* How far ahead a check-in may be, in days: BOOKING_HORIZON_DAYS (1..36500, default 3650). */
long stay_horizon_days(void);

/* Why a room cannot take a stay, as a sentence for a guest, with what to do:
 * reason "too_many_guests" (capacity: the room's places per night), or "sold_out"
 * (nights[0..n): every night of the stay with fewer places left than guests, in date
 * order; left[i]: the places left on nights[i]). Up to STAY_NIGHTS_NAMED nights are named,
 * the rest counted. Another reason, or none of the nights, gives a general sentence. */
#define STAY_NIGHTS_NAMED 3
void stay_refusal(char *out, size_t size, const char *reason, const char *const *nights, const long long *left,
                  size_t n, long long capacity);
#endif
