/* stay.c — the booking horizon and the refusal sentences (stay.h). */
#include "stay.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "human.h"

long stay_horizon_days(void)
{
	long days = config_long("BOOKING_HORIZON_DAYS", 3650);
	return days < 1 || days > 36500 ? 3650 : days;
}

/* "Thu 24 Dec 2026, Fri 25 Dec 2026 and 2 more nights" into out. */
static void nights_named(char *out, size_t size, const char *const *nights, size_t n)
{
	size_t named = n > STAY_NIGHTS_NAMED ? STAY_NIGHTS_NAMED : n, used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < named && used < size; i++) {
		char day[32];
		human_date(nights[i], day, sizeof day);
		const char *sep = i == 0 ? "" : i + 1 == named && named == n ? " and " : ", ";
		int k = snprintf(out + used, size - used, "%s%s", sep, day);
		used += k > 0 ? (size_t)k : 0;
	}
	if (named < n && used < size)
		snprintf(out + used, size - used, " and %zu more night%s", n - named, n - named == 1 ? "" : "s");
}

void stay_refusal(char *out, size_t size, const char *reason, const char *const *nights, const long long *left,
                  size_t n, long long capacity)
{
	char named[160];
	long long most = 0; /* the most places left on any of the nights */
	for (size_t i = 0; i < n; i++)
		most = i == 0 || left[i] > most ? left[i] : most;
	if (reason && strcmp(reason, "sold_out") == 0 && n)
		nights_named(named, sizeof named, nights, n);
	if (reason && strcmp(reason, "too_many_guests") == 0)
		snprintf(out, size, "This room takes at most %lld guest%s. Choose fewer guests, or another room.", capacity,
		         capacity == 1 ? "" : "s");
	else if (reason && strcmp(reason, "sold_out") == 0 && n && most <= 0)
		snprintf(out, size, "This room is fully booked on %s. Choose other dates.", named);
	else if (reason && strcmp(reason, "sold_out") == 0 && n == 1)
		snprintf(out, size, "Only %lld place%s left on %s. Choose fewer guests or other dates.", most,
		         most == 1 ? "" : "s", named);
	else if (reason && strcmp(reason, "sold_out") == 0 && n)
		snprintf(out, size, "Too few places are left on %s. Choose fewer guests or other dates.", named);
	else
		snprintf(out, size, "This room cannot take this stay. Choose other dates or fewer guests.");
}
