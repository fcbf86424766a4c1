// view.cc — the ctemplate shim: the only C++ in the project. Fills one dictionary per
// request from the JSON model and expands an auto-escaping template. Every exception
// is caught here; C never sees one.
extern "C" {
#include "view.h"
}

#include <ctemplate/template.h>
#include <jansson.h>

#include <cstdio>
#include <string>

extern "C" {
#include "config.h"
#include "log.h"
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

void set_value(ctemplate::TemplateDictionary *d, const std::string &name, json_t *v)
{
	char num[64];
	switch (json_typeof(v)) {
	case JSON_STRING:
		d->SetValue(name, std::string(json_string_value(v), json_string_length(v)));
		d->ShowSection("HAS_" + name);
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
		if (json_array_size(v) == 0)
			d->ShowSection("NO_" + name);
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

} // namespace

extern "C" int view_init(void)
{
	try {
		std::string dir = std::string(config_root()) + "/templates/";
		ctemplate::mutable_default_template_cache()->SetTemplateRootDirectory(dir);
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
		if (json_is_object(c->res->model))
			fill(&dict, c->res->model);
		dict.SetValue("REQUEST_PATH", c->req->path ? c->req->path : "/");
		char status[8];
		snprintf(status, sizeof status, "%d", c->res->status);
		dict.SetValue("STATUS", status);
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
