/* render.h — writes a response model as JSON or, for browsers, through its page template. */
#ifndef RB_RENDER_H
#define RB_RENDER_H
#include "buf.h"
#include "http.h"

/* Writes the CGI header block and body for c->res into out. HEAD gets no body. */
void render(struct ctx *c, struct buf *out);
#endif
