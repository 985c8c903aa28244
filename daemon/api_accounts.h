/* api_accounts.h - the admin API of accounts: log in and out, the caller
 * (/api/me), users and their API tokens, the audit log and the route table
 * with each route's scope (sql/functions/accounts.sql). */
#ifndef CONVENED_API_ACCOUNTS_H
#define CONVENED_API_ACCOUNTS_H

/* Register the routes.  Returns 0 or -1. */
int api_accounts_init(void);

/* 0 when S can name an account (lower-case letters, digits, . _ @ -, 1 to
 * 63 characters, starting with a letter or digit); else -1. */
int api_account_name_valid(const char *s);

#endif
