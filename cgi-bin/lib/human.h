/* human.h — dates, times, money, counts and codes as people read them: "Thu 10 Dec 2026",
 * "Tue 1 Dec 2026, 09:58" (in the configured time zone, TZ, default UTC), "120.00 EUR",
 * "2 nights", "Payment declined". One implementation for every page and message: the
 * template modifiers of view.cc (x-date, x-datetime, x-money, x-amount, x-plural, x-words)
 * and the texts the services write (messages.c) both call these. The JSON API never
 * does: it keeps YYYY-MM-DD, RFC 3339 UTC and integer minor units. */
#ifndef RB_HUMAN_H
#define RB_HUMAN_H
#include <stddef.h>

/* A calendar date "YYYY-MM-DD" as "Thu 10 Dec 2026" (a date is the same day in every
 * zone: not converted); an RFC 3339 timestamp as the date it is in the configured zone.
 * Anything else is copied as it is. */
void human_date(const char *in, char *out, size_t size);
/* A calendar date "YYYY-MM-DD" as "10 Dec" (for a calendar whose columns name the
 * weekdays); anything else copied as it is. */
void human_day_month(const char *in, char *out, size_t size);
/* An RFC 3339 timestamp as "Tue 1 Dec 2026, 09:58" in the configured zone; a plain date
 * as human_date; anything else copied as it is. */
void human_datetime(const char *in, char *out, size_t size);
/* The digits after the decimal point of a currency's minor unit: 0 (JPY, KRW, ...), 3
 * (BHD, KWD, ...), else 2. */
int money_decimals(const char *currency);
/* An amount in minor units as "1,234.50 EUR" (grouped thousands, the currency's decimals,
 * the code after it). */
void human_money(long long minor, const char *currency, char *out, size_t size);
/* An amount in minor units as a plain decimal "1234.50": what a price field shows and
 * money_parse reads back. */
void money_units(long long minor, const char *currency, char *out, size_t size);
/* Reads an amount typed in currency units ("120", "120.5", "120.50", spaces around
 * allowed) into minor units: digits, at most one decimal point and at most the currency's
 * decimals; no sign, no grouping, at most max_minor. Returns 0, or -1 with why it is not
 * one in why: a message that follows the field's label ("must be ..."). */
int money_parse(const char *s, const char *currency, long long max_minor, long long *out, char *why,
                size_t whylen);
/* n with a comma between thousands: "10,000", "-1,234". */
void human_number(long long n, char *out, size_t size);
/* "1 night", "2 nights": n and the word for one or for many (many NULL: one + "s"). */
void human_plural(long long n, const char *one, const char *many, char *out, size_t size);
/* A status, reason or kind code in words: "payment_declined" -> "Payment declined",
 * "force_cancelled" -> "Cancelled by the host"; an unknown code with its underscores as
 * spaces and a capital first letter. Returns out. */
const char *human_words(const char *code, char *out, size_t size);
#endif
