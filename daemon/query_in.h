/* query_in.h - checks of a request's query string: only the parameters a
 * route takes, format= csv or json, and which of the two was asked for. */
#ifndef CONVENED_QUERY_IN_H
#define CONVENED_QUERY_IN_H

struct http_req;

/* Reject query parameters other than the NULL-terminated ALLOWED (400
 * unknown_field) and a format= other than csv or json (422 invalid_value):
 * replies and returns -1; returns 0 when the query is fine. */
int query_in_check(struct http_req *r, const char *const *allowed);

/* 1 when the client asked for CSV (?format=csv, or no format= and an
 * Accept header naming text/csv), else 0. */
int query_in_wants_csv(struct http_req *r);

/* The page parameters of a list: before= (an id, NULL when absent) and
 * limit= (1 to 1000; "100" when absent) into *BEFORE and *LIMIT.  Replies
 * 422 naming the parameter and returns -1 when one is malformed. */
int query_in_page(struct http_req *r, const char **before, const char **limit);

#endif
