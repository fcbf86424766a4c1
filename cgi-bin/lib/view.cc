// view.cc — the ctemplate shim: the only C++ in the project. Fills one dictionary per
// request from the JSON model and expands an auto-escaping template. Every exception
// is caught here; C never sees one.
extern "C" {
#include "view.h"
}

#include <ctemplate/template.h>
#include <jansson.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
#include "browser.h"
#include "config.h"
#include "http.h"
#include "human.h"
#include "log.h"
#include "stay.h"
}

namespace {

std::string upper_name(const char *key)
{
	std::string s;
	for (const char *p = key; *p; p++) {
		if (*p >= 'A' && *p <= 'Z' && p != key)
			s += '_';
		s += (*p >= 'a' && *p <= 'z') ? char(*p - 32) : *p;
	}
	return s;
}

void fill(ctemplate::TemplateDictionary *d, json_t *obj);

/* A short lower-case word such as a status ("confirmed", "force_cancelled"), or a short
 * number as a form posts it ("4": a choice among radio buttons, {{#FORM_RATING_4}}). */
bool is_word(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (n >= 32 || !((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return false;
	return n > 0;
}

/* The one variable a page shows unescaped ({{QR_SVG:none}}): set only from
 * c->res->qr_svg (markup lib/qr.c drew from a QR matrix), never from the model. */
const char *const QR_SVG = "QR_SVG";

void set_value(ctemplate::TemplateDictionary *d, const std::string &name, json_t *v)
{
	char num[64];
	if (name == QR_SVG) /* a model field named qrSvg or qr_svg must never reach it */
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		d->SetValue(name, std::string(json_string_value(v), json_string_length(v)));
		d->ShowSection(json_string_length(v) ? "HAS_" + name : "NO_" + name);
		if (is_word(json_string_value(v))) /* status words: {{#STATUS_CONFIRMED}}; a choice: {{#FORM_RATING_4}} */
			d->ShowSection(name + "_" + upper_name(json_string_value(v)));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		d->SetValue(name, num);
		d->ShowSection("HAS_" + name);
		break;
	case JSON_REAL:
		snprintf(num, sizeof num, "%.1f", json_real_value(v));
		d->SetValue(name, num);
		d->ShowSection("HAS_" + name);
		break;
	case JSON_TRUE:
		d->SetValue(name, "true");
		d->ShowSection("IF_" + name);
		break;
	case JSON_FALSE:
		d->SetValue(name, "false");
		d->ShowSection("UNLESS_" + name);
		break;
	case JSON_NULL:
		d->ShowSection("NO_" + name);
		break;
	case JSON_OBJECT:
		fill(d->AddSectionDictionary(name), v);
		break;
	case JSON_ARRAY: {
		size_t i;
		json_t *item;
		d->ShowSection(json_array_size(v) ? "HAS_" + name : "NO_" + name);
		json_array_foreach(v, i, item)
		{
			ctemplate::TemplateDictionary *sub = d->AddSectionDictionary(name);
			if (json_is_object(item))
				fill(sub, item);
			else
				set_value(sub, "VALUE", item);
		}
		break;
	}
	}
}

void fill(ctemplate::TemplateDictionary *d, json_t *obj)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) set_value(d, upper_name(key), v);
}

/* Values every page and its header/footer includes need (includes do not inherit). */
struct Layout {
	std::string title, flash, customer, csrf, form_token, path, next;
	std::string here; /* the page got by GET (a form's answer is no nav link's page) */
	bool signed_in = false, failed = false;
};

/* The stylesheet's version for its URL (/static/style.css?v=...): changes whenever the
 * file does, so browsers may cache it for a long time. Set once by view_init. */
std::string asset_version = "0";

std::string file_version(const std::string &path)
{
	FILE *f = fopen(path.c_str(), "rb");
	unsigned long long h = 1469598103934665603ULL;
	if (!f)
		return "0";
	for (int ch; (ch = fgetc(f)) != EOF;)
		h = (h ^ (unsigned char)ch) * 1099511628211ULL;
	fclose(f);
	char hex[20];
	snprintf(hex, sizeof hex, "%012llx", h & 0xffffffffffffULL);
	return hex;
}

void layout_values(ctemplate::TemplateDictionary *d, const Layout &l)
{
	d->SetValue("TITLE", l.title);
	if (!l.title.empty())
		d->ShowSection("HAS_TITLE");
	if (l.failed) /* the header's <title> starts "Error: " */
		d->ShowSection("FAILED");
	else /* a note after a redirect ("Your room is online") takes the focus: the error summary does when failed */
		d->ShowSection("SUCCEEDED");
	/* The header's links: aria-current="page" on the one for this page. */
	static const char *const NAV[][2] = {{"/", "NAV_HOME"},        {"/rooms", "NAV_ROOMS"},
	                                     {"/mypage", "NAV_MYPAGE"}, {"/rooms/new", "NAV_HOST"},
	                                     {"/account", "NAV_ACCOUNT"}, {"/sign-in", "NAV_SIGN_IN"},
	                                     {"/sign-up", "NAV_SIGN_UP"}};
	for (auto &n : NAV)
		if (l.here == n[0])
			d->ShowSection(n[1]);
	d->SetValue("VISITOR", l.customer);
	d->ShowSection(l.customer.empty() ? "NO_VISITOR" : "HAS_VISITOR");
	d->ShowSection(l.signed_in ? "SIGNED_IN" : "SIGNED_OUT");
	d->SetValue("FLASH", l.flash);
	if (!l.flash.empty())
		d->ShowSection("HAS_FLASH");
	d->SetValue("CSRF_TOKEN", l.csrf);
	d->SetValue("FORM_TOKEN", l.form_token);
	d->SetValue("REQUEST_PATH", l.path);
	d->SetValue("NEXT_PATH", l.next);
	d->SetValue("ASSET_VERSION", asset_version);
	d->SetValue("CURRENCY_CODE", config_currency()); /* what {{X:x-money}} shows after amounts */
	/* the first check-in and check-out a stay may have: the date fields' min (a date
	 * picker offers no past day; booking.js reads it as today) */
	char today[11], tomorrow[11];
	config_today(today);
	date_add(today, 1, tomorrow);
	d->SetValue("TODAY", today);
	d->SetValue("TOMORROW", tomorrow);
}

/* FORM_<FIELD>: the handler's defaults (model.form), overridden by what was posted. */
void form_values(ctemplate::TemplateDictionary *d, struct ctx *c)
{
	const char *key;
	json_t *v;
	json_t *defaults = json_object_get(c->res->model, "form");
	if (json_is_object(defaults))
		json_object_foreach(defaults, key, v) set_value(d, "FORM_" + upper_name(key), v);
	if (c->req->body_is_form && json_is_object(c->req->json))
		json_object_foreach(c->req->json, key, v) set_value(d, "FORM_" + upper_name(key), v);
	size_t i;
	json_t *err;
	json_array_foreach(json_object_get(c->res->model, "errors"), i, err)
	{
		json_t *field = json_object_get(err, "field");
		json_t *text = json_object_get(err, "text");
		if (json_is_string(field))
			set_value(d, "ERR_" + upper_name(json_string_value(field)),
			          json_is_string(text) ? text : json_object_get(err, "message"));
	}
}

/* The label a form shows for a JSON field, for the error summary ("Check-in date must
 * be today or later"); the field name itself when it has no label here. */
const char *field_label(const char *field)
{
	static const char *const labels[][2] = {
		{"checkIn", "Check-in date"}, {"checkOut", "Check-out date"}, {"nights", "Nights"},
		{"guests", "Guests"}, {"customer", "Guest name"}, {"card", "Card number"},
		{"roomId", "Room"}, {"name", "Name"}, {"email", "Email"}, {"password", "Password"}, {"currentPassword", "Current password"},
		{"newPassword", "New password"}, {"desc", "Description"},
		{"capacity", "Places per night"}, {"price", "Price"}, {"rating", "Rating"},
		{"content", "Review"}, {"status", "Status"}, {"from", "From"}, {"to", "To"}, {"reference", "Booking reference"},
	};
	for (auto &l : labels)
		if (strcmp(l[0], field) == 0)
			return l[1];
	return field;
}

/* What a page says about a field error, the same beside the field and in the summary:
 * a message that starts in lower case follows the field's label ("Nights" + "must be
 * between 1 and 30"); one that starts with a capital is a sentence of its own. */
std::string error_sentence(const char *field, const char *message)
{
	std::string s = message ? message : "";
	if (s.empty() || (s[0] >= 'a' && s[0] <= 'z'))
		s = std::string(field_label(field ? field : "")) + (s.empty() ? "" : " ") + s;
	if (!s.empty() && s[0] >= 'a' && s[0] <= 'z')
		s[0] = char(s[0] - 'a' + 'A');
	return s;
}

/* Adds "label" and "text" (error_sentence) to each field error of a problem model, for
 * pages only. */
void label_errors(json_t *model)
{
	size_t i;
	json_t *err;
	json_array_foreach(json_object_get(model, "errors"), i, err)
	{
		const char *field = json_string_value(json_object_get(err, "field"));
		const char *message = json_string_value(json_object_get(err, "message"));
		if (!field)
			continue;
		json_object_set_new(err, "label", json_string(field_label(field)));
		json_object_set_new(err, "text", json_string(error_sentence(field, message).c_str()));
	}
}

/* True when s is a path on this site that a sign-in may lead back to. */
bool local_path(const char *s)
{
	if (!s || s[0] != '/' || s[1] == '/' || s[1] == '\\' || strlen(s) > 1500)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == '\\')
			return false;
	return true;
}

/* Where the header's "Sign in" should lead back to: the sign-in and sign-up pages pass
 * on their own `next`; a page got by GET comes back to itself; after a form post, the
 * form's page (`_back`) or the home page. */
std::string next_for(struct ctx *c)
{
	const struct request *r = c->req;
	const char *next = json_string_value(json_object_get(json_object_get(c->res->model, "form"), "next"));
	if (!next && r->body_is_form)
		next = json_string_value(json_object_get(r->json, "_next"));
	if (local_path(next))
		return next;
	if ((strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) && local_path(r->path)) {
		std::string s = r->path;
		if (r->query && *r->query && local_path((s + "?" + r->query).c_str()))
			s += std::string("?") + r->query;
		return s;
	}
	const char *back = r->body_is_form ? json_string_value(json_object_get(r->json, "_back")) : NULL;
	return local_path(back) ? back : "/";
}

/* "Not Found" -> "Not found": the first letter kept, the others' words in lower case. */
std::string sentence_case(const char *s)
{
	std::string t = s;
	for (size_t i = 1; i < t.size(); i++)
		if (t[i] >= 'A' && t[i] <= 'Z' && t[i - 1] == ' ')
			t[i] = char(t[i] - 'A' + 'a');
	return t;
}

/* s without a last character that a fixed-size buffer cut short (c->res->title is
 * filled with snprintf from names of up to 200 characters): never half a UTF-8 sequence. */
static std::string utf8_whole(const char *s)
{
	size_t n = strlen(s), start = n;
	while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80)
		start--;
	if (start == 0)
		return std::string(s, n);
	unsigned char lead = (unsigned char)s[start - 1];
	size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	return std::string(s, n - (start - 1) < need ? start - 1 : n);
}

Layout layout_for(const char *page, struct ctx *c)
{
	Layout l;
	char flash[256], token[33];
	json_t *problem_title = json_object_get(c->res->model, "title");
	l.failed = c->res->status >= 400;
	if (c->res->title[0] && !(strcmp(page, "error") == 0 && json_is_string(problem_title)))
		l.title = utf8_whole(c->res->title);
	else if (json_is_string(problem_title)) /* "Not Found" -> "Not found" */
		l.title = sentence_case(json_string_value(problem_title));
	else if (l.failed)
		l.title = sentence_case(http_reason(c->res->status));
	if (flash_take(c, flash, sizeof flash))
		l.flash = flash;
	l.signed_in = c->req->account_id > 0;
	l.customer = l.signed_in && c->req->account_name ? c->req->account_name : "";
	l.csrf = csrf_token(c);
	form_token(token);
	l.form_token = token;
	l.path = c->req->path ? c->req->path : "/";
	if (strcmp(c->req->method, "GET") == 0 || strcmp(c->req->method, "HEAD") == 0)
		l.here = l.path;
	l.next = next_for(c);
	return l;
}

/* ---- how pages show dates, money, counts and codes ----
 * One mechanism for every template: ctemplate modifiers, registered in view_init, each
 * backed by lib/human.c (which the services' texts, such as messages, use too). The model
 * keeps the API's values (YYYY-MM-DD, RFC 3339 UTC, integer minor units, codes); the
 * template says how to show them:
 *   {{CHECK_IN:x-date}}        2026-12-10 -> "Thu 10 Dec 2026" (a timestamp: its date in TZ)
 *   {{CREATED_AT:x-datetime}}  2026-12-01T09:58:13.690Z -> "Tue 1 Dec 2026, 09:58" (in TZ)
 *   {{AMOUNT:x-money}}         12050 -> "120.50 EUR" (CURRENCY; never add {{CURRENCY}} after it)
 *   {{PRICE:x-amount}}         12050 -> "120.50" (no code: for a form field's value)
 *   {{TOTAL:x-total}}          12050 -> "120.50 EUR", 0 -> "Free" (what a guest pays)
 *   {{PRICE:x-price}}          12050 -> "120.50 EUR per guest per night", 0 -> "Free"
 *   {{NIGHTS:x-plural=night}}  1 -> "1 night", 2 -> "2 nights"; irregular: x-plural=person/people
 *   {{REASON:x-words}}         payment_declined -> "Payment declined"
 * A value a modifier cannot read is shown as it is. Auto-escaping still applies after. */
class HumanModifier : public ctemplate::TemplateModifier {
public:
	explicit HumanModifier(void (*fn)(const std::string &in, const std::string &arg, std::string *out)) : fn_(fn) {}
	void Modify(const char *in, size_t inlen, const ctemplate::PerExpandData *, ctemplate::ExpandEmitter *out,
	            const std::string &arg) const override
	{
		std::string text;
		fn_(std::string(in, inlen), arg, &text);
		out->Emit(text);
	}

private:
	void (*fn_)(const std::string &in, const std::string &arg, std::string *out);
};

/* in as a whole number (optional minus), or false. */
bool whole_number(const std::string &in, long long *v)
{
	char *end;
	if (in.empty() || in.size() > 20)
		return false;
	*v = strtoll(in.c_str(), &end, 10);
	return *end == '\0' && (isdigit((unsigned char)in[0]) || (in[0] == '-' && in.size() > 1));
}

void to_date(const std::string &in, const std::string &, std::string *out)
{
	char text[64];
	human_date(in.c_str(), text, sizeof text);
	*out = text;
}

void to_datetime(const std::string &in, const std::string &, std::string *out)
{
	char text[64];
	human_datetime(in.c_str(), text, sizeof text);
	*out = text;
}

void to_money(const std::string &in, const std::string &, std::string *out)
{
	char text[80];
	long long v;
	if (!whole_number(in, &v)) {
		*out = in;
		return;
	}
	human_money(v, config_currency(), text, sizeof text);
	*out = text;
}

/* What a guest pays: money, or "Free" (not "0.00 EUR"). */
void to_total(const std::string &in, const std::string &arg, std::string *out)
{
	long long v;
	if (whole_number(in, &v) && v == 0)
		*out = "Free";
	else
		to_money(in, arg, out);
}

/* A room's price as a guest reads it: per guest per night, or "Free". */
void to_price(const std::string &in, const std::string &arg, std::string *out)
{
	long long v;
	to_total(in, arg, out);
	if (whole_number(in, &v) && v != 0)
		*out += " per guest per night";
}

void to_amount(const std::string &in, const std::string &, std::string *out)
{
	char text[64];
	long long v;
	if (!whole_number(in, &v)) {
		*out = in;
		return;
	}
	money_units(v, config_currency(), text, sizeof text);
	*out = text;
}

/* arg "=night" or "=person/people". */
void to_plural(const std::string &in, const std::string &arg, std::string *out)
{
	long long v;
	std::string words = arg.size() > 1 ? arg.substr(1) : "";
	size_t slash = words.find('/');
	std::string one = words.substr(0, slash), many = slash == std::string::npos ? "" : words.substr(slash + 1);
	if (!whole_number(in, &v) || one.empty()) {
		*out = in;
		return;
	}
	char text[128];
	human_plural(v, one.c_str(), many.empty() ? NULL : many.c_str(), text, sizeof text);
	*out = text;
}

void to_words(const std::string &in, const std::string &, std::string *out)
{
	char text[128];
	*out = human_words(in.c_str(), text, sizeof text);
}

/* The shared pieces a page may include with {{>NAME}}. */
const char *const INCLUDES[][2] = {
	{"HEADER", "_header.tpl"},
	{"FOOTER", "_footer.tpl"},
	{"ERROR_SUMMARY", "_error_summary.tpl"},
	{"BOOKING_FORM", "_booking_form.tpl"},
};

/* What an include sees of the model: its scalars and the field errors; the page's big
 * lists (calendar, reviews, items) are the page's own business. */
void fill_shallow(ctemplate::TemplateDictionary *d, json_t *obj)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) if (!json_is_object(v) && (!json_is_array(v) || strcmp(key, "errors") == 0))
		set_value(d, upper_name(key), v);
}

void fill_page(ctemplate::TemplateDictionary *d, struct ctx *c, const Layout &l, bool include)
{
	if (json_is_object(c->res->model)) {
		if (include)
			fill_shallow(d, c->res->model);
		else
			fill(d, c->res->model);
	}
	form_values(d, c);
	layout_values(d, l);
	if (!json_array_size(json_object_get(c->res->model, "errors"))) /* the error summary's detail */
		d->ShowSection("NO_FIELD_ERRORS");
	char status[8];
	snprintf(status, sizeof status, "%d", c->res->status);
	d->SetValue("HTTP_STATUS", status);
}

} // namespace

extern "C" int view_init(void)
{
	try {
		std::string dir = std::string(config_root()) + "/templates/";
		ctemplate::mutable_default_template_cache()->SetTemplateRootDirectory(dir);
		asset_version = file_version(std::string(config_root()) + "/static/style.css");
		static HumanModifier date(to_date), datetime(to_datetime), money(to_money), total(to_total), price(to_price),
			amount(to_amount),
			plural(to_plural), words(to_words);
		ctemplate::AddModifier("x-date", &date);
		ctemplate::AddModifier("x-datetime", &datetime);
		ctemplate::AddModifier("x-money", &money);
		ctemplate::AddModifier("x-total", &total);
		ctemplate::AddModifier("x-price", &price);
		ctemplate::AddModifier("x-amount", &amount);
		ctemplate::AddModifier("x-plural=", &plural);
		ctemplate::AddModifier("x-words", &words);
		return 0;
	} catch (...) {
		log_error("view: cannot set the template folder");
		return -1;
	}
}

extern "C" int view_render(const char *page, struct ctx *c, struct buf *out)
{
	try {
		std::string file = std::string(page) + ".tpl";
		ctemplate::TemplateDictionary dict("page");
		label_errors(c->res->model);
		Layout l = layout_for(page, c);
		fill_page(&dict, c, l, false);
		if (c->res->qr_svg.len) { /* the page itself only, not its includes */
			dict.SetValue(QR_SVG, std::string(buf_str(&c->res->qr_svg), c->res->qr_svg.len));
			dict.ShowSection("HAS_QR_SVG");
		}
		for (auto &part : INCLUDES) { /* includes do not inherit: fill each (shallowly) */
			ctemplate::TemplateDictionary *inc = dict.AddIncludeDictionary(part[0]);
			inc->SetFilename(part[1]);
			fill_page(inc, c, l, true);
		}
		std::string html;
		if (!ctemplate::ExpandTemplate(file, ctemplate::DO_NOT_STRIP, &dict, &html)) {
			log_warn("view: cannot expand %s", file.c_str());
			return -1;
		}
		buf_append(out, html.data(), html.size());
		return 0;
	} catch (...) {
		log_error("view: exception while expanding %s", page);
		return -1;
	}
}

extern "C" int view_render_model(const char *name, json_t *model, struct buf *out)
{
	try {
		std::string file = std::string(name) + ".tpl";
		ctemplate::TemplateDictionary dict("model");
		if (json_is_object(model))
			fill(&dict, model);
		std::string text;
		if (!ctemplate::ExpandTemplate(file, ctemplate::DO_NOT_STRIP, &dict, &text)) {
			log_warn("view: cannot expand %s", file.c_str());
			return -1;
		}
		buf_append(out, text.data(), text.size());
		return 0;
	} catch (...) {
		log_error("view: exception while expanding %s", name);
		return -1;
	}
}
