/* qr.c — a QR code as SVG: libqrencode computes the modules, one <path> draws each run
 * of dark modules of a row as a rectangle. Only literals and integers are written (see
 * qr.h: the result goes into pages unescaped). */
#include "qr.h"

#include <qrencode.h>

#define QUIET 4 /* modules of white around the symbol, as the standard asks */

int qr_svg(const char *text, int standalone, struct buf *out)
{
	/* QR_MODE_8 with case sensitivity: libqrencode still picks the compact alphanumeric
	 * mode for runs such as "7K3Q-9F2M-XW4T", and keeps lower case as it is. */
	QRcode *q = text && *text ? QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) : NULL;
	if (!q)
		return -1;
	int w = q->width, size = w + 2 * QUIET;
	if (standalone)
		buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		                "shape-rendering=\"crispEdges\" ",
		           size * 8, size * 8);
	else /* crisp edges come from the stylesheet (svg.qr-code) */
		buf_puts(out, "<svg class=\"qr-code\" aria-hidden=\"true\" ");
	buf_printf(out, "viewBox=\"0 0 %d %d\">"
	                "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
	           size, size, size, size);
	for (int y = 0; y < w; y++) {
		for (int x = 0; x < w;) {
			if (!(q->data[y * w + x] & 1)) {
				x++;
				continue;
			}
			int run = 1;
			while (x + run < w && (q->data[y * w + x + run] & 1))
				run++;
			buf_printf(out, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
			x += run;
		}
	}
	buf_puts(out, "\"/></svg>");
	if (standalone)
		buf_puts(out, "\n");
	QRcode_free(q);
	return 0;
}
