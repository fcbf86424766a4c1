/* qr.h — a QR code as SVG (Debian's libqrencode), for tickets. */
#ifndef RB_QR_H
#define RB_QR_H
#include "buf.h"

/* Appends an SVG drawing of text as a QR code (error correction level M, a quiet zone
 * of 4 modules, black on white) to out. The markup is made only of fixed tags and
 * attributes and of integers (module positions): nothing of text appears in it, so it
 * is safe to insert into a page unescaped. standalone: a document of its own (XML
 * namespace, a pixel size) for image/svg+xml; else an element for inline use in HTML
 * (aria-hidden: the page names the code in text). Returns 0, or -1 when text cannot be
 * encoded (out is left as it was). */
int qr_svg(const char *text, int standalone, struct buf *out);
#endif
