/* qr.h - QR codes (libqrencode) of check-in tokens: as inline SVG for pages
 * and as PNG (cairo) for mail, where clients block SVG. */
#ifndef CONVENED_QR_H
#define CONVENED_QR_H

#include <stddef.h>

/* An <svg> element drawing TEXT as a QR code (level M, 8-bit mode, a quiet
 * zone of four modules), with role="img" and LABEL (escaped here) as its
 * accessible name.  Returns a malloc'd string (the caller frees it), or
 * NULL when TEXT cannot be encoded or memory runs out. */
char *qr_svg(const char *text, const char *label);

/* TEXT as a QR code in a PNG of SCALE pixels per module (quiet zone of four
 * modules, black on white).  Returns a malloc'd buffer (the caller frees
 * it) with its length in *LEN, or NULL. */
unsigned char *qr_png(const char *text, int scale, size_t *len);

#endif
