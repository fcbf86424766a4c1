/* test_human.c — dates, times, money, counts and codes as pages and messages show them
 * (cgi-bin/lib/human.c), and the strict reading of prices typed in currency units. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "human.h"
#include "unit.h"

#define EQ(a, b) CHECK(strcmp((a), (b)) == 0)

static char out[128];

static const char *date(const char *in)
{
	human_date(in, out, sizeof out);
	return out;
}

static const char *datetime(const char *in)
{
	human_datetime(in, out, sizeof out);
	return out;
}

static const char *money(long long v, const char *currency)
{
	human_money(v, currency, out, sizeof out);
	return out;
}

static void zone(const char *tz)
{
	if (tz)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	tzset();
}

static void dates_have_weekday_day_month_year(void)
{
	EQ(date("2026-12-10"), "Thu 10 Dec 2026");
	EQ(date("2026-12-01"), "Tue 1 Dec 2026");
	EQ(date("2028-02-29"), "Tue 29 Feb 2028");
	EQ(date("2031-03-01"), "Sat 1 Mar 2031");
	EQ(date("1999-12-31"), "Fri 31 Dec 1999");
	human_day_month("2026-12-01", out, sizeof out);
	EQ(out, "1 Dec");
	human_day_month("2027-01-31", out, sizeof out);
	EQ(out, "31 Jan");
}

static void dates_are_not_shifted_by_the_zone(void)
{
	zone("America/New_York"); /* a calendar date is the same day everywhere */
	EQ(date("2026-12-10"), "Thu 10 Dec 2026");
	zone("Pacific/Kiritimati");
	EQ(date("2026-12-10"), "Thu 10 Dec 2026");
	zone(NULL);
}

static void what_is_not_a_date_is_shown_as_it_is(void)
{
	EQ(date(""), "");
	EQ(date("2026-02-30"), "2026-02-30");
	EQ(date("soon"), "soon");
	EQ(date("12-10"), "12-10");
	EQ(datetime("2026-12-01T25:00:00Z"), "2026-12-01T25:00:00Z");
	EQ(datetime("2026-12-01T09:58:13.690Zjunk"), "2026-12-01T09:58:13.690Zjunk");
}

static void timestamps_are_in_the_configured_zone(void)
{
	zone(NULL); /* no TZ: UTC */
	EQ(datetime("2026-12-01T09:58:13.690Z"), "Tue 1 Dec 2026, 09:58");
	EQ(datetime("2026-12-01T09:58:13Z"), "Tue 1 Dec 2026, 09:58");
	EQ(datetime("2026-12-01T09:58Z"), "Tue 1 Dec 2026, 09:58");
	zone("Europe/Berlin");
	EQ(datetime("2026-12-01T09:58:13.690Z"), "Tue 1 Dec 2026, 10:58");
	EQ(datetime("2026-07-01T09:58:13.690Z"), "Wed 1 Jul 2026, 11:58"); /* summer time */
	EQ(datetime("2026-12-31T23:30:00Z"), "Fri 1 Jan 2027, 00:30");     /* the next day, and year */
	EQ(date("2026-12-31T23:30:00Z"), "Fri 1 Jan 2027");
	EQ(datetime("2026-12-01T10:58:00+01:00"), "Tue 1 Dec 2026, 10:58");
	zone("America/New_York");
	EQ(datetime("2026-12-01T03:00:00.000Z"), "Mon 30 Nov 2026, 22:00");
	zone(NULL);
	EQ(datetime("2026-12-10"), "Thu 10 Dec 2026"); /* a plain date: no time to show */
}

static void money_has_decimals_grouping_and_the_code(void)
{
	EQ(money(12000, "EUR"), "120.00 EUR");
	EQ(money(12050, "EUR"), "120.50 EUR");
	EQ(money(5, "EUR"), "0.05 EUR");
	EQ(money(0, "EUR"), "0.00 EUR");
	EQ(money(123456789, "EUR"), "1,234,567.89 EUR");
	EQ(money(-2500, "USD"), "-25.00 USD");
	EQ(money(1500, "JPY"), "1,500 JPY");
	EQ(money(1500, "KWD"), "1.500 KWD");
	money_units(123456789, "EUR", out, sizeof out);
	EQ(out, "1234567.89");
	money_units(7, "EUR", out, sizeof out);
	EQ(out, "0.07");
	money_units(1500, "JPY", out, sizeof out);
	EQ(out, "1500");
}

static long long parsed;
static char why[160];

static int parse(const char *s, const char *currency)
{
	why[0] = '\0';
	parsed = -1;
	return money_parse(s, currency, 1000000000LL, &parsed, why, sizeof why);
}

static void prices_in_units_are_read_strictly(void)
{
	CHECK(parse("120", "EUR") == 0 && parsed == 12000);
	CHECK(parse("120.5", "EUR") == 0 && parsed == 12050);
	CHECK(parse("120.50", "EUR") == 0 && parsed == 12050);
	CHECK(parse(" 0.07 ", "EUR") == 0 && parsed == 7);
	CHECK(parse("0", "EUR") == 0 && parsed == 0);
	CHECK(parse("10000000.00", "EUR") == 0 && parsed == 1000000000LL);
	CHECK(parse("1500", "JPY") == 0 && parsed == 1500);
	CHECK(parse("1.5", "KWD") == 0 && parsed == 1500);

	CHECK(parse("12.345", "EUR") == -1 && strstr(why, "at most 2 decimals"));
	CHECK(parse("-5", "EUR") == -1 && strcmp(why, "must not be negative") == 0);
	CHECK(parse("-0.01", "EUR") == -1 && strcmp(why, "must not be negative") == 0);
	CHECK(parse("abc", "EUR") == -1 && strstr(why, "must be an amount such as 120 or 120.50"));
	CHECK(parse("", "EUR") == -1 && strstr(why, "must be an amount"));
	CHECK(parse("1,200", "EUR") == -1 && strstr(why, "use a point for the decimals"));
	CHECK(parse("120,50", "EUR") == -1 && strstr(why, "use a point"));
	CHECK(parse("12.", "EUR") == -1 && strstr(why, "must be an amount"));
	CHECK(parse(".5", "EUR") == -1 && strstr(why, "must be an amount"));
	CHECK(parse("+5", "EUR") == -1 && strstr(why, "must be an amount"));
	CHECK(parse("1e3", "EUR") == -1 && strstr(why, "must be an amount"));
	CHECK(parse("0x10", "EUR") == -1 && strstr(why, "must be an amount"));
	CHECK(parse("1 200", "EUR") == -1 && strstr(why, "must be an amount"));
	CHECK(parse("12 EUR", "EUR") == -1 && strstr(why, "must be an amount"));
	CHECK(parse("10000000.01", "EUR") == -1 && strcmp(why, "must be at most 10,000,000.00") == 0);
	CHECK(parse("99999999999999999999999", "EUR") == -1 && strstr(why, "must be at most"));
	CHECK(parse("1.5", "JPY") == -1 && strstr(why, "whole amount"));
	CHECK(parse("1.5000", "KWD") == -1 && strstr(why, "at most 3 decimals"));
	CHECK(parsed == -1); /* nothing written on failure */
}

static void counts_have_the_right_plural(void)
{
	human_plural(1, "night", NULL, out, sizeof out);
	EQ(out, "1 night");
	human_plural(2, "night", NULL, out, sizeof out);
	EQ(out, "2 nights");
	human_plural(0, "guest", NULL, out, sizeof out);
	EQ(out, "0 guests");
	human_plural(3, "person", "people", out, sizeof out);
	EQ(out, "3 people");
	human_plural(1, "person", "people", out, sizeof out);
	EQ(out, "1 person");
	human_plural(10000, "place", NULL, out, sizeof out); /* thousands as money writes them */
	EQ(out, "10,000 places");
	human_plural(-1234567, "night", NULL, out, sizeof out);
	EQ(out, "-1,234,567 nights");
	human_plural(LLONG_MIN, "night", NULL, out, sizeof out);
	EQ(out, "-9,223,372,036,854,775,808 nights");
}

static void codes_are_words(void)
{
	EQ(human_words("payment_declined", out, sizeof out), "Payment declined");
	EQ(human_words("force_cancelled", out, sizeof out), "Cancelled by the host");
	EQ(human_words("sold_out", out, sizeof out), "Sold out");
	EQ(human_words("confirmed", out, sizeof out), "Confirmed");
	EQ(human_words("rejected", out, sizeof out), "Not booked");
	EQ(human_words("some_new_state", out, sizeof out), "Some new state");
	EQ(human_words("", out, sizeof out), "");
}

int main(void)
{
	RUN(dates_have_weekday_day_month_year);
	RUN(dates_are_not_shifted_by_the_zone);
	RUN(what_is_not_a_date_is_shown_as_it_is);
	RUN(timestamps_are_in_the_configured_zone);
	RUN(money_has_decimals_grouping_and_the_code);
	RUN(prices_in_units_are_read_strictly);
	RUN(counts_have_the_right_plural);
	RUN(codes_are_words);
	UNIT_END();
}
