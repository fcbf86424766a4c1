/* view.h — the C face of the ctemplate shim (view.cc, the only C++ file). */
#ifndef RB_VIEW_H
#define RB_VIEW_H
#include "buf.h"
#include "http.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Loads every template under <root>/templates; call once at start. Returns 0 or -1. */
int view_init(void);
/* Expands templates/<page>.tpl with a dictionary filled from c->res->model. Names are
 * the JSON keys in UPPER_SNAKE case. A string sets NAME and shows HAS_NAME (or NO_NAME
 * when empty) and, for a short lower-case word, NAME_WORD (STATUS_CONFIRMED); a number
 * sets NAME and HAS_NAME; true shows IF_NAME, false UNLESS_NAME, null NO_NAME; an object
 * is section NAME; an array repeats section NAME (HAS_NAME / NO_NAME when empty).
 * Also: FORM_<FIELD> (model.form defaults, overridden by posted form fields),
 * ERR_<FIELD> (a field's error as a sentence: "Nights must be between 1 and 30"; each
 * item of ERRORS has FIELD, LABEL, MESSAGE and that sentence as TEXT), TITLE, FAILED
 * (status >= 400: the <title> starts "Error: "), NAV_HOME / NAV_ROOMS / NAV_MYPAGE /
 * NAV_HOST / NAV_ACCOUNT / NAV_SIGN_IN / NAV_SIGN_UP (this page, got by GET, is that
 * link's: aria-current), NO_FIELD_ERRORS, CURRENCY_CODE, FLASH, VISITOR (the signed-in account's name), SIGNED_IN / SIGNED_OUT, CSRF_TOKEN, FORM_TOKEN,
 * REQUEST_PATH, HTTP_STATUS, ASSET_VERSION (of static/style.css); QR_SVG and HAS_QR_SVG
 * from c->res->qr_svg only (the one value a page may show unescaped, {{QR_SVG:none}}:
 * a model field of that name is dropped). Values are shown in
 * human form with the modifiers x-date, x-datetime, x-money, x-amount, x-plural=word and
 * x-words (see view.cc, lib/human.h). Includes {{>HEADER}}, {{>FOOTER}}, {{>ERROR_SUMMARY}},
 * {{>BOOKING_FORM}} see the same values, except the model's objects and arrays (all
 * but "errors"): a page's big lists are its own. Returns 0, or -1 when the page does not exist
 * or expansion failed (logged). Never throws. */
int view_render(const char *page, struct ctx *c, struct buf *out);
/* Expands templates/<name>.tpl with a dictionary filled from model alone, named as for
 * view_render, without the page layout or includes: e-mail bodies. Returns 0, or -1
 * (logged). Never throws. */
int view_render_model(const char *name, json_t *model, struct buf *out);
#ifdef __cplusplus
}
#endif
#endif
