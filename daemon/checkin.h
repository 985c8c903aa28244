/* checkin.h - check-in at the door: the staff page /checkin/{event} (its
 * HTML, JS and CSS built into the binary from web/checkin/), its JSON
 * endpoints /checkin/{event}/api/... authorised by the event's check-in
 * secret or the admin token, POST /api/events/{id}/checkin-secret, and the
 * QR code block of the token page.  Rules in sql/functions/checkin.sql. */
#ifndef CONVENED_CHECKIN_H
#define CONVENED_CHECKIN_H

struct evbuffer;

/* Register the check-in routes.  Returns 0 or -1. */
int checkin_init(void);

/* Append to B the token page's section showing CHECKIN_TOKEN as a QR code
 * (inline SVG) with a line in LANG ("en", "sv", ...; English otherwise).
 * Appends nothing when the code cannot be drawn. */
void checkin_qr_block(struct evbuffer *b, const char *lang,
                      const char *checkin_token);

#endif
