/* qr.c - QR codes of check-in tokens: libqrencode makes the matrix, this
 * draws it as SVG (one path of unit squares) or as PNG through cairo. */
#include "qr.h"

#include <cairo.h>
#include <qrencode.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define QUIET 4 /* modules of white around the code (ISO/IEC 18004) */

static QRcode *encode(const char *text)
{
	if (text == NULL || *text == '\0')
		return NULL;
	return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
}

/* A growing string. */
struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		char *np = realloc(b->p, b->cap = b->cap * 2 + (size_t)n + 64);
		if (np == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
	}
}

char *qr_svg(const char *text, const char *label)
{
	QRcode *q = encode(text);
	struct sbuf b = {0};
	char *lab;
	int w, size;

	if (q == NULL)
		return NULL;
	lab = http_html_escape(label ? label : "");
	w = q->width;
	size = w + 2 * QUIET;
	sb_printf(&b,
	          "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
	          "aria-label=\"%s\" viewBox=\"0 0 %d %d\" width=\"%d\" "
	          "height=\"%d\" shape-rendering=\"crispEdges\">"
	          "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	          "<path fill=\"#000\" d=\"",
	          lab ? lab : "", size, size, size * 6, size * 6, size, size);
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++)
			if (q->data[y * w + x] & 1)
				sb_printf(&b, "M%d %dh1v1h-1z", x + QUIET,
				          y + QUIET);
	sb_printf(&b, "\"/></svg>");
	if (lab == NULL)
		b.oom = 1;
	free(lab);
	QRcode_free(q);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

static cairo_status_t png_write(void *closure, const unsigned char *data,
                                unsigned int n)
{
	struct sbuf *b = closure;

	if (b->len + n > b->cap) {
		char *np = realloc(b->p, b->cap = (b->len + n) * 2);
		if (np == NULL) {
			b->oom = 1;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		b->p = np;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return CAIRO_STATUS_SUCCESS;
}

unsigned char *qr_png(const char *text, int scale, size_t *len)
{
	QRcode *q = encode(text);
	struct sbuf b = {0};
	cairo_surface_t *s;
	cairo_t *cr;
	int w, size;

	if (q == NULL || scale < 1 || scale > 64) {
		QRcode_free(q);
		return NULL;
	}
	w = q->width;
	size = (w + 2 * QUIET) * scale;
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, size, size);
	cr = cairo_create(s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++)
			if (q->data[y * w + x] & 1)
				cairo_rectangle(cr, (x + QUIET) * scale,
				                (y + QUIET) * scale, scale,
				                scale);
	cairo_fill(cr);
	cairo_destroy(cr);
	QRcode_free(q);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS ||
	    cairo_surface_write_to_png_stream(s, png_write, &b) !=
	            CAIRO_STATUS_SUCCESS ||
	    b.oom) {
		cairo_surface_destroy(s);
		free(b.p);
		return NULL;
	}
	cairo_surface_destroy(s);
	*len = b.len;
	return (unsigned char *)b.p;
}
