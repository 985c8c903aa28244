/* pdf.h - A4 documents as PDF with cairo and pango: paragraphs that wrap
 * (never cut), tables whose rows grow with their wrapped cells and whose
 * header row repeats after a page break, and "page i of N" footers (the
 * document is laid out twice: once to count its pages, once to draw).
 * Fonts come from fontconfig ("DejaVu Sans", else "Noto Sans").  No
 * globals and no event loop: a document may be rendered on any thread
 * (one document per thread at a time). */
#ifndef CONVENED_PDF_H
#define CONVENED_PDF_H

#include <stddef.h>

struct pdf;

enum pdf_style {
	PDF_BODY,  /* 9 pt */
	PDF_SMALL, /* 7.5 pt */
	PDF_BOLD,  /* 9 pt bold */
	PDF_HEAD,  /* 11 pt bold */
	PDF_TITLE, /* 16 pt bold */
};

/* A table column: its title and its share of the text width (the shares
 * of a table add up to 1). */
struct pdf_col {
	const char *title;
	double share;
};

struct pdf_table {
	const struct pdf_col *cols;
	int ncols;
	double min_row; /* the least height of a row, in points (a box to sign)
	                 */
};

/* The pages (A4, LANDSCAPE 1 turns them) and what every page carries:
 * HEADER runs at the top of each page (it may
 * call pdf_text), FOOTER at its end, drawing in the FOOTER_HEIGHT points
 * reserved above the bottom margin (with pdf_text_at).  Either may be
 * NULL. */
struct pdf_frame {
	void (*header)(struct pdf *p, void *arg);
	void (*footer)(struct pdf *p, void *arg);
	double footer_height;
	void *arg;
	int landscape;
};

/* The document's body: lays it out with the calls below.  Runs twice. */
typedef void (*pdf_body_fn)(struct pdf *p, void *arg);

/* Render: BODY is run once to count the pages and once to draw them, each
 * time on a first page already begun.  On success *OUT is the PDF
 * (malloc'd, the caller frees) of *LEN bytes and 0 is returned; -1 with
 * the reason in ERR otherwise. */
int pdf_render(const struct pdf_frame *frame, pdf_body_fn body, void *arg,
               char **out, size_t *len, char *err, size_t errlen);

/* A paragraph at the cursor, wrapped to the text width (a word longer than
 * the line is broken between characters).  When it does not fit in what
 * is left of the page, it starts on the next page. */
void pdf_text(struct pdf *p, enum pdf_style s, const char *text);

/* Move the cursor down by PT points (not past the page's end). */
void pdf_space(struct pdf *p, double pt);

/* End the page (footer) and begin the next (header). */
void pdf_new_page(struct pdf *p);

/* Begin table T at the cursor (its header row is drawn now and again on
 * every page the table continues on); rows follow with pdf_table_row, the
 * table ends with pdf_table_end.  T must outlive the table. */
void pdf_table_begin(struct pdf *p, const struct pdf_table *t);

/* One row of the table begun: CELLS[0..ncols) (NULL is empty), each
 * wrapped to its column; the row is as tall as its tallest cell.  A row
 * that does not fit in what is left of the page goes to the next. */
void pdf_table_row(struct pdf *p, const char *const *cells);

void pdf_table_end(struct pdf *p);

/* Draw TEXT wrapped to WIDTH points with its top at (X, Y) in points from
 * the page's top-left corner (for footers); ALIGN_RIGHT 1 aligns it right.
 * Returns its height. */
double pdf_text_at(struct pdf *p, enum pdf_style s, double x, double y,
                   double width, int align_right, const char *text);

/* Geometry in points: the left margin, the text width, the top of the
 * footer area of the page. */
double pdf_left(const struct pdf *p);
double pdf_width(const struct pdf *p);
double pdf_footer_top(const struct pdf *p);

/* A horizontal line across the text width at Y. */
void pdf_rule(struct pdf *p, double y);

/* The page being laid out (from 1) and the document's page count (in the
 * first pass, the pages so far). */
int pdf_page(const struct pdf *p);
int pdf_pages(const struct pdf *p);

#endif
