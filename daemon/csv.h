/* csv.h - CSV output (RFC 4180) for the API's lists and reports: cells,
 * JSON scalars as cells, and the reply that sends them as a download. */
#ifndef CONVENED_CSV_H
#define CONVENED_CSV_H

#include <event2/buffer.h>
#include <jansson.h>

struct http_req;

/* Append one cell to B: quoted, '"' doubled; a cell starting with = + - @,
 * tab or CR gets a leading ' against formula injection.  S NULL writes an
 * empty (unquoted) cell.  SEP: write a comma before the cell. */
void csv_cell(struct evbuffer *b, const char *s, int sep);

/* Append a JSON scalar as a cell: strings, integers, true/false; anything
 * else (null, absent) as an empty cell. */
void csv_json(struct evbuffer *b, const json_t *v, int sep);

/* Reply 200 with the CSV in B (freed here) as an attachment FILENAME
 * (Content-Disposition, Cache-Control: no-store); 500 when out of
 * memory.  Always answers R. */
void csv_reply(struct http_req *r, struct evbuffer *b, const char *filename);

#endif
