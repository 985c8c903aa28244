/* pdf.c - A4 documents as PDF with cairo and pango: wrapped paragraphs,
 * tables that break across pages repeating their header, "page i of N". */
#include "pdf.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A4_W   595.276
#define A4_H   841.890
#define MARGIN 36.0
#define PAD    3.0 /* inside a table cell */

/* The families fontconfig is asked for, in order. */
#define FAMILIES "DejaVu Sans, Noto Sans, sans-serif"

struct out {
	char *data;
	size_t len, cap;
	int failed;
};

struct pdf {
	cairo_t *cr;
	PangoContext *ctx; /* one per pass, shared by every layout */
	double w, h;       /* the page, in points */
	int draw;          /* 0 in the counting pass */
	const struct pdf_frame *frame;
	PangoFontDescription *fonts[PDF_TITLE + 1];
	double y; /* the cursor, from the page's top */
	int page, pages;
	int in_header;   /* no page breaks while the header is drawn */
	double body_top; /* the cursor after the header: nothing on the page */
	const struct pdf_table *table;
};

static const char *const font_specs[] = {
        [PDF_BODY] = FAMILIES " 9",        [PDF_SMALL] = FAMILIES " 7.5",
        [PDF_BOLD] = FAMILIES " Bold 9",   [PDF_HEAD] = FAMILIES " Bold 11",
        [PDF_TITLE] = FAMILIES " Bold 16",
};

static cairo_status_t write_out(void *closure, const unsigned char *data,
                                unsigned int len)
{
	struct out *o = closure;

	if (o == NULL) /* the counting pass */
		return CAIRO_STATUS_SUCCESS;
	if (o->len + len > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 65536;
		char *n;

		while (cap < o->len + len)
			cap *= 2;
		if ((n = realloc(o->data, cap)) == NULL) {
			o->failed = 1;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		o->data = n;
		o->cap = cap;
	}
	memcpy(o->data + o->len, data, len);
	o->len += len;
	return CAIRO_STATUS_SUCCESS;
}

double pdf_left(const struct pdf *p)
{
	return MARGIN;
}

double pdf_width(const struct pdf *p)
{
	return p->w - 2 * MARGIN;
}

double pdf_footer_top(const struct pdf *p)
{
	return p->h - MARGIN - (p->frame ? p->frame->footer_height : 0);
}

int pdf_page(const struct pdf *p)
{
	return p->page;
}

int pdf_pages(const struct pdf *p)
{
	return p->pages;
}

/* A layout of TEXT in style S wrapped to WIDTH points (caller unrefs). */
static PangoLayout *layout(struct pdf *p, enum pdf_style s, double width,
                           const char *text)
{
	PangoLayout *l = pango_layout_new(p->ctx);

	pango_layout_set_font_description(l, p->fonts[s]);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(l, text ? text : "", -1);
	return l;
}

static double height_of(PangoLayout *l)
{
	int w, h;

	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

static void show(struct pdf *p, PangoLayout *l, double x, double y)
{
	if (!p->draw)
		return;
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
}

double pdf_text_at(struct pdf *p, enum pdf_style s, double x, double y,
                   double width, int align_right, const char *text)
{
	PangoLayout *l = layout(p, s, width, text);
	double h;

	if (align_right)
		pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
	h = height_of(l);
	show(p, l, x, y);
	g_object_unref(l);
	return h;
}

void pdf_rule(struct pdf *p, double y)
{
	if (!p->draw)
		return;
	cairo_set_line_width(p->cr, 0.6);
	cairo_move_to(p->cr, MARGIN, y);
	cairo_line_to(p->cr, p->w - MARGIN, y);
	cairo_stroke(p->cr);
}

static void table_header(struct pdf *p);

static void begin_page(struct pdf *p)
{
	p->page++;
	if (p->page > p->pages)
		p->pages = p->page;
	p->y = MARGIN;
	if (p->frame && p->frame->header) {
		p->in_header = 1;
		p->frame->header(p, p->frame->arg);
		p->in_header = 0;
	}
	if (p->table)
		table_header(p);
	p->body_top = p->y;
}

static void end_page(struct pdf *p)
{
	if (p->frame && p->frame->footer)
		p->frame->footer(p, p->frame->arg);
	cairo_show_page(p->cr);
}

void pdf_new_page(struct pdf *p)
{
	end_page(p);
	begin_page(p);
}

/* Make room for H points at the cursor: a new page when they do not fit
 * and the page has something on it already (what does not fit on an empty
 * page is drawn there all the same, never dropped). */
static void need(struct pdf *p, double h)
{
	if (p->in_header || p->y + h <= pdf_footer_top(p) ||
	    p->y <= p->body_top)
		return;
	pdf_new_page(p);
}

void pdf_text(struct pdf *p, enum pdf_style s, const char *text)
{
	PangoLayout *l = layout(p, s, pdf_width(p), text);
	double h = height_of(l);

	need(p, h);
	show(p, l, MARGIN, p->y);
	p->y += h;
	g_object_unref(l);
}

void pdf_space(struct pdf *p, double pt)
{
	p->y += pt;
	if (p->y > pdf_footer_top(p))
		p->y = pdf_footer_top(p);
}

/* Draw one row of CELLS in STYLE at the cursor, at least MIN tall, with a
 * page break first when it does not fit. */
static void row(struct pdf *p, enum pdf_style style, const char *const *cells,
                double min)
{
	const struct pdf_table *t = p->table;
	PangoLayout *ls[16];
	double h = min, x = MARGIN;
	int n = t->ncols < 16 ? t->ncols : 16;

	for (int i = 0; i < n; i++) {
		double w = pdf_width(p) * t->cols[i].share - 2 * PAD;

		ls[i] = layout(p, style, w, cells[i]);
		if (height_of(ls[i]) + 2 * PAD > h)
			h = height_of(ls[i]) + 2 * PAD;
	}
	if (style != PDF_BOLD) /* a header row never breaks by itself */
		need(p, h);
	for (int i = 0; i < n; i++) {
		double w = pdf_width(p) * t->cols[i].share;

		show(p, ls[i], x + PAD, p->y + PAD);
		if (p->draw) {
			cairo_set_line_width(p->cr, 0.5);
			cairo_rectangle(p->cr, x, p->y, w, h);
			cairo_stroke(p->cr);
		}
		x += w;
		g_object_unref(ls[i]);
	}
	p->y += h;
}

static void table_header(struct pdf *p)
{
	const char *titles[16];
	int n = p->table->ncols < 16 ? p->table->ncols : 16;

	for (int i = 0; i < n; i++)
		titles[i] = p->table->cols[i].title;
	row(p, PDF_BOLD, titles, 0);
}

void pdf_table_begin(struct pdf *p, const struct pdf_table *t)
{
	/* the header and a row at least, or the next page */
	need(p, 60);
	p->table = t;
	table_header(p);
}

void pdf_table_row(struct pdf *p, const char *const *cells)
{
	if (p->table)
		row(p, PDF_BODY, cells, p->table->min_row);
}

void pdf_table_end(struct pdf *p)
{
	p->table = NULL;
}

/* One pass: BODY on a PDF surface writing to O (NULL: nowhere). */
static int pass(struct pdf *p, struct out *o, pdf_body_fn body, void *arg,
                char *err, size_t errlen)
{
	cairo_surface_t *s =
	        cairo_pdf_surface_create_for_stream(write_out, o, p->w, p->h);
	cairo_status_t st;

	p->cr = cairo_create(s);
	p->ctx = pango_cairo_create_context(p->cr);
	p->page = 0;
	p->table = NULL;
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	begin_page(p);
	body(p, arg);
	p->table = NULL;
	end_page(p);
	g_object_unref(p->ctx);
	p->ctx = NULL;
	cairo_destroy(p->cr);
	p->cr = NULL;
	cairo_surface_finish(s);
	st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS || (o && o->failed)) {
		snprintf(err, errlen, "cairo: %s",
		         o && o->failed ? "out of memory"
		                        : cairo_status_to_string(st));
		return -1;
	}
	return 0;
}

int pdf_render(const struct pdf_frame *frame, pdf_body_fn body, void *arg,
               char **out, size_t *len, char *err, size_t errlen)
{
	struct pdf p = {.frame = frame,
	                .w = frame->landscape ? A4_H : A4_W,
	                .h = frame->landscape ? A4_W : A4_H};
	struct out o = {0};
	int rc;

	for (int i = 0; i <= PDF_TITLE; i++)
		p.fonts[i] = pango_font_description_from_string(font_specs[i]);
	p.draw = 0;
	rc = pass(&p, NULL, body, arg, err, errlen);
	if (rc == 0) {
		p.draw = 1;
		rc = pass(&p, &o, body, arg, err, errlen);
	}
	for (int i = 0; i <= PDF_TITLE; i++)
		pango_font_description_free(p.fonts[i]);
	if (rc < 0) {
		free(o.data);
		return -1;
	}
	*out = o.data;
	*len = o.len;
	return 0;
}
