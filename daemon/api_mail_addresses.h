/* api_mail_addresses.h - GET /api/mail-addresses and POST
 * /api/mail-addresses/{address}/reset: the addresses whose mail bounced,
 * shown to the secretariat and let receive mail again. */
#ifndef CONVENED_API_MAIL_ADDRESSES_H
#define CONVENED_API_MAIL_ADDRESSES_H

/* Register the mail-address routes.  Returns 0 or -1. */
int api_mail_addresses_init(void);

/* 1 when S is an address as the list and the reset take it: local@domain,
 * one @, 3 to 254 bytes, no control characters, spaces, angle brackets
 * or slashes; else 0. */
int api_mail_address_valid(const char *s);

#endif
