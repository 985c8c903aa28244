/* token.h - the secrets in links and feed URLs: 256 random bits written as
 * 64 lower-case hex digits (registration, feed and reply tokens). */
#ifndef CONVENED_TOKEN_H
#define CONVENED_TOKEN_H

#define TOKEN_HEX 64 /* hex digits of a token; a buffer needs one more */

/* Fill BUF (TOKEN_HEX + 1 bytes) with a fresh random token from libsodium
 * and its NUL.  Cannot fail. */
void token_new(char *buf);

/* 1 when S is exactly TOKEN_HEX lower-case hex digits, else 0. */
int token_valid(const char *s);

#endif
