/* human.c — dates, times, money, counts and codes as people read them (see human.h).
 * English names are fixed here, never taken from the process's locale. */
#include "human.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

static const char *const WEEKDAYS[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void copy(const char *in, char *out, size_t size)
{
	if (size)
		snprintf(out, size, "%s", in ? in : "");
}

/* n digits of s as a number, or -1 when they are not all digits. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Reads "YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]" (or with a space for T; no zone means UTC)
 * as seconds since the epoch. Returns 0, or -1 when s is not such a timestamp. */
static int parse_timestamp(const char *s, time_t *out)
{
	char date[11];
	if (!s || strlen(s) < 16 || (s[10] != 'T' && s[10] != ' ') || s[13] != ':')
		return -1;
	memcpy(date, s, 10);
	date[10] = '\0';
	int hh = digits(s + 11, 2), mm = digits(s + 14, 2), ss = 0;
	if (!date_valid(date) || hh < 0 || hh > 23 || mm < 0 || mm > 59)
		return -1;
	const char *p = s + 16;
	if (*p == ':') {
		if ((ss = digits(p + 1, 2)) < 0 || ss > 60)
			return -1;
		p += 3;
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++)
				;
	}
	long offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh = digits(p + 1, 2), om = p[3] == ':' ? digits(p + 4, 2) : -1;
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		offset = (*p == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
		p += 6;
	}
	if (*p)
		return -1;
	struct tm tm = {0};
	tm.tm_year = atoi(date) - 1900;
	tm.tm_mon = atoi(date + 5) - 1;
	tm.tm_mday = atoi(date + 8);
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	*out = timegm(&tm) - offset;
	return 0;
}

/* The local time of t in the configured zone (TZ; unset means UTC, as config_today). */
static void zoned(time_t t, struct tm *tm)
{
	if (getenv("TZ"))
		localtime_r(&t, tm);
	else
		gmtime_r(&t, tm);
}

static void format_day(const struct tm *tm, char *out, size_t size)
{
	snprintf(out, size, "%s %d %s %d", WEEKDAYS[tm->tm_wday % 7], tm->tm_mday, MONTHS[tm->tm_mon % 12],
	         tm->tm_year + 1900);
}

void human_date(const char *in, char *out, size_t size)
{
	time_t t;
	struct tm tm = {0};
	if (in && strlen(in) == 10 && date_valid(in)) {
		tm.tm_year = atoi(in) - 1900;
		tm.tm_mon = atoi(in + 5) - 1;
		tm.tm_mday = atoi(in + 8);
		tm.tm_hour = 12;
		t = timegm(&tm); /* normalises and fills tm_wday */
		gmtime_r(&t, &tm);
		format_day(&tm, out, size);
	} else if (parse_timestamp(in, &t) == 0) {
		zoned(t, &tm);
		format_day(&tm, out, size);
	} else {
		copy(in, out, size);
	}
}

void human_day_month(const char *in, char *out, size_t size)
{
	if (in && strlen(in) == 10 && date_valid(in))
		snprintf(out, size, "%d %s", atoi(in + 8), MONTHS[(atoi(in + 5) - 1) % 12]);
	else
		copy(in, out, size);
}

void human_datetime(const char *in, char *out, size_t size)
{
	time_t t;
	struct tm tm;
	char day[32];
	if (parse_timestamp(in, &t) != 0) {
		human_date(in, out, size);
		return;
	}
	zoned(t, &tm);
	format_day(&tm, day, sizeof day);
	snprintf(out, size, "%s, %02d:%02d", day, tm.tm_hour, tm.tm_min);
}

int money_decimals(const char *currency)
{
	static const char *const none[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
	                                   "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"};
	static const char *const three[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
	for (size_t i = 0; currency && i < sizeof none / sizeof *none; i++)
		if (strcmp(currency, none[i]) == 0)
			return 0;
	for (size_t i = 0; currency && i < sizeof three / sizeof *three; i++)
		if (strcmp(currency, three[i]) == 0)
			return 3;
	return 2;
}

static long long power10(int n)
{
	long long p = 1;
	while (n-- > 0)
		p *= 10;
	return p;
}

/* v in digits into out (at least 32 bytes), with a comma between thousands when group. */
static void number_text(unsigned long long v, int group, char out[32])
{
	char w[24];
	snprintf(w, sizeof w, "%llu", v);
	size_t n = strlen(w), j = 0;
	for (size_t i = 0; i < n; i++) {
		if (group && i > 0 && (n - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = w[i];
	}
	out[j] = '\0';
}

/* minor as "-1234.50" (group: "-1,234.50") into out. */
static void format_units(long long minor, const char *currency, int group, char *out, size_t size)
{
	int dec = money_decimals(currency);
	long long scale = power10(dec);
	unsigned long long v = minor < 0 ? 0ULL - (unsigned long long)minor : (unsigned long long)minor;
	unsigned long long whole = v / (unsigned long long)scale, frac = v % (unsigned long long)scale;
	char grouped[32];
	number_text(whole, group, grouped);
	if (dec)
		snprintf(out, size, "%s%s.%0*llu", minor < 0 ? "-" : "", grouped, dec, frac);
	else
		snprintf(out, size, "%s%s", minor < 0 ? "-" : "", grouped);
}

void human_money(long long minor, const char *currency, char *out, size_t size)
{
	char units[64];
	format_units(minor, currency, 1, units, sizeof units);
	snprintf(out, size, "%s %s", units, currency && *currency ? currency : "");
	size_t n = strlen(out);
	if (n && out[n - 1] == ' ')
		out[n - 1] = '\0';
}

void money_units(long long minor, const char *currency, char *out, size_t size)
{
	format_units(minor, currency, 0, out, size);
}

int money_parse(const char *s, const char *currency, long long max_minor, long long *out, char *why, size_t whylen)
{
	int dec = money_decimals(currency);
	const char *example = dec == 0 ? "120" : dec == 3 ? "120 or 120.500" : "120 or 120.50";
	char most[64];
	while (s && isspace((unsigned char)*s))
		s++;
	size_t len = s ? strlen(s) : 0;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (!len) {
		snprintf(why, whylen, "must be an amount such as %s", example);
		return -1;
	}
	if (s[0] == '-') {
		snprintf(why, whylen, "must not be negative");
		return -1;
	}
	unsigned long long whole = 0, frac = 0;
	size_t i = 0, nwhole = 0, nfrac = 0;
	for (; i < len && isdigit((unsigned char)s[i]); i++, nwhole++)
		if (whole <= 1000000000000000ULL)
			whole = whole * 10 + (unsigned)(s[i] - '0');
	int point = i < len && s[i] == '.';
	if (point)
		for (i++; i < len && isdigit((unsigned char)s[i]); i++, nfrac++)
			if (nfrac < 18)
				frac = frac * 10 + (unsigned)(s[i] - '0');
	if (i < len && s[i] == ',' && !point) {
		snprintf(why, whylen, "must use a point for the decimals and no thousands separator, such as %s", example);
		return -1;
	}
	if (i != len || !nwhole || (point && !nfrac)) {
		snprintf(why, whylen, "must be an amount such as %s", example);
		return -1;
	}
	if ((int)nfrac > dec) {
		if (dec)
			snprintf(why, whylen, "must have at most %d decimal%s, such as %s", dec, dec == 1 ? "" : "s", example);
		else
			snprintf(why, whylen, "must be a whole amount, such as %s", example);
		return -1;
	}
	for (int k = (int)nfrac; k < dec; k++)
		frac *= 10;
	long long scale = power10(dec);
	if (whole > (unsigned long long)(max_minor / scale) ||
	    (long long)whole * scale + (long long)frac > max_minor) {
		format_units(max_minor, currency, 1, most, sizeof most);
		snprintf(why, whylen, "must be at most %s", most);
		return -1;
	}
	*out = (long long)whole * scale + (long long)frac;
	return 0;
}

void human_number(long long n, char *out, size_t size)
{
	char num[32];
	number_text(n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n, 1, num);
	snprintf(out, size, "%s%s", n < 0 ? "-" : "", num);
}

void human_plural(long long n, const char *one, const char *many, char *out, size_t size)
{
	char num[40]; /* "10,000 places", as money is written */
	human_number(n, num, sizeof num);
	if (n == 1 || n == -1)
		snprintf(out, size, "%s %s", num, one);
	else if (many)
		snprintf(out, size, "%s %s", num, many);
	else
		snprintf(out, size, "%s %ss", num, one);
}

const char *human_words(const char *code, char *out, size_t size)
{
	static const char *const words[][2] = {
		{"requested", "Being booked"},
		{"confirmed", "Confirmed"},
		{"rejected", "Not booked"},
		{"failed", "Not booked"},
		{"cancelled", "Cancelled"},
		{"force_cancelled", "Cancelled by the host"},
		{"sold_out", "Sold out"},
		{"payment_declined", "Payment declined"},
		{"price_changed", "Price changed"},
		{"unavailable", "Could not be completed: a service was unavailable"},
		{"interrupted", "Interrupted: undone and refunded"},
		{"room_deleted", "The host withdrew the room"},
		{"customer", "Cancelled by the guest"},
		{"approved", "Approved"},
		{"declined", "Declined"},
		{"refunded", "Refunded"},
		{"issued", "Valid"}, /* a ticket's status: what the door needs to know (ticket.tpl says so) */
		{"voided", "Voided"},
		{"available", "Available"},
		{"deleted", "Deleted"},
		{"confirmation", "Booking confirmed"},
		{"cancellation", "Booking cancelled"},
		{"force_cancellation", "Cancelled by the host"},
		{"booking_failed", "Booking not completed"}, /* as the message and its e-mail say */
	};
	if (!size)
		return out;
	for (size_t i = 0; code && i < sizeof words / sizeof *words; i++)
		if (strcmp(code, words[i][0]) == 0) {
			snprintf(out, size, "%s", words[i][1]);
			return out;
		}
	copy(code, out, size);
	for (char *p = out; *p; p++)
		if (*p == '_')
			*p = ' ';
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
	return out;
}
