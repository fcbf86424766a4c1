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
/* Expands templates/<page>.tpl with a dictionary filled from c->res->model (objects
 * become sections, arrays repeated sections, scalars variables; request facts such
 * as the path are added under REQUEST_*). Returns 0, or -1 when the page does not
 * exist or expansion failed (logged). Never throws. */
int view_render(const char *page, struct ctx *c, struct buf *out);
#ifdef __cplusplus
}
#endif
#endif
