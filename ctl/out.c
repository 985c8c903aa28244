/* out.c - convenectl's output: aligned tables, key: value listings, JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define MAX_COLS  16
#define MAX_WIDTH 44

/* Display width of UTF-8 text: one column per code point. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

/* Cut S in place to at most MAX code points, ending in "..." when cut. */
static void clip(char *s, size_t max)
{
	size_t w = 0;

	for (char *p = s; *p; p++) {
		if (((unsigned char)*p & 0xC0) == 0x80)
			continue;
		if (++w > max - 3) {
			if (width(p) > 3) {
				strcpy(p, "...");
				return;
			}
			return;
		}
	}
}

json_t *ctl_rows(json_t *v)
{
	const char *k;
	json_t *m;

	if (json_is_array(v))
		return v;
	json_object_foreach(v, k, m)
	{
		if (json_is_array(m))
			return m;
	}
	return NULL;
}

/* The value at a dotted path, or NULL. */
static json_t *at(json_t *v, const char *path)
{
	char key[128];

	while (v && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		v = json_object_get(v, key);
		path += n + (dot ? 1 : 0);
	}
	return v;
}

static char *scalar(json_t *v)
{
	char *s = NULL;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		if (asprintf(&s, "%lld", (long long)json_integer_value(v)) < 0)
			s = NULL;
		return s ? s : strdup("");
	case JSON_REAL:
		if (asprintf(&s, "%g", json_real_value(v)) < 0)
			s = NULL;
		return s ? s : strdup("");
	case JSON_TRUE:
		return strdup("yes");
	case JSON_FALSE:
		return strdup("no");
	case JSON_NULL:
		return strdup("");
	default:
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		return s ? s : strdup("");
	}
}

/* "2027-03-01T09:00:00" -> "2027-03-01 09:00"; an instant with a zone
 * ("...:00Z", "...:10.75+00:00") -> "2026-11-21 09:31 UTC".  Other
 * strings are returned as they are (new string). */
static char *tidy_time(const char *s)
{
	size_t n = strlen(s);
	const char *rest;
	char *out;

	if (n < 16 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || strspn(s, "0123456789") != 4)
		return strdup(s);
	rest = s + 16;
	if (*rest == ':')
		rest += 3;
	if (*rest == '.')
		rest += 1 + strspn(rest + 1, "0123456789");
	if (*rest != '\0' && strcmp(rest, "Z") != 0 &&
	    strcmp(rest, "+00:00") != 0 && strcmp(rest, "+00") != 0)
		return strdup(s);
	if (asprintf(&out, "%.10s %.5s%s", s, s + 11, *rest ? " UTC" : "") < 0)
		return strdup(s);
	return out;
}

char *ctl_cell(json_t *row, const char *path)
{
	json_t *v = at(row, path), *local, *tz;
	char *s = NULL;

	if (v == NULL)
		return strdup("");
	if (json_is_object(v) && (local = json_object_get(v, "local"))) {
		char *t = tidy_time(json_string_value(local) ?: "");

		tz = json_object_get(v, "tz");
		if (json_is_string(tz) &&
		    asprintf(&s, "%s %s", t, json_string_value(tz)) >= 0) {
			free(t);
			return s;
		}
		return t;
	}
	if (json_is_string(v))
		return tidy_time(json_string_value(v));
	if (json_is_array(v)) {
		size_t i, len = 0;
		json_t *e;
		char *out = strdup("");

		json_array_foreach(v, i, e)
		{
			char *c = scalar(e), *n;
			size_t cl = strlen(c);

			n = realloc(out, len + cl + 2);
			if (n == NULL) {
				free(c);
				break;
			}
			out = n;
			if (i > 0)
				out[len++] = ',';
			memcpy(out + len, c, cl + 1);
			len += cl;
			free(c);
		}
		return out;
	}
	return scalar(v);
}

void ctl_table(json_t *rows, const struct ctl_col *cols)
{
	size_t ncol = 0, nrow = json_array_size(rows), w[MAX_COLS];
	char **cells;

	while (ncol < MAX_COLS && cols[ncol].head)
		ncol++;
	cells = calloc(nrow * ncol + 1, sizeof(char *));
	if (cells == NULL)
		return;
	for (size_t j = 0; j < ncol; j++)
		w[j] = width(cols[j].head);
	for (size_t i = 0; i < nrow; i++)
		for (size_t j = 0; j < ncol; j++) {
			char *s =
			        ctl_cell(json_array_get(rows, i), cols[j].path);
			for (char *p = s; *p; p++)
				if (*p == '\n' || *p == '\t' || *p == '\r')
					*p = ' ';
			clip(s, MAX_WIDTH);
			cells[i * ncol + j] = s;
			if (width(s) > w[j])
				w[j] = width(s);
		}
	for (size_t j = 0; j < ncol; j++)
		printf("%s%*s", cols[j].head,
		       j + 1 < ncol ? (int)(w[j] - width(cols[j].head) + 2) : 0,
		       "");
	putchar('\n');
	for (size_t i = 0; i < nrow; i++) {
		for (size_t j = 0; j < ncol; j++) {
			const char *s = cells[i * ncol + j];
			printf("%s%*s", s,
			       j + 1 < ncol ? (int)(w[j] - width(s) + 2) : 0,
			       "");
		}
		putchar('\n');
	}
	for (size_t i = 0; i < nrow * ncol; i++)
		free(cells[i]);
	free(cells);
}

static void show(json_t *obj, const char *prefix)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v)
	{
		char name[256];

		snprintf(name, sizeof(name), "%s%s%s", prefix,
		         *prefix ? "." : "", k);
		if (json_is_object(v)) {
			show(v, name);
		} else {
			char *s =
			        json_is_array(v) ? ctl_cell(obj, k) : scalar(v);
			printf("%s: %s\n", name, s);
			free(s);
		}
	}
}

void ctl_show(json_t *obj)
{
	show(obj, "");
}

void ctl_print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);

	if (s) {
		puts(s);
		free(s);
	}
}

char *ctl_query_path(const char *base, const char *const *keys, json_t *f)
{
	char *path = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&path, &size);
	int sep = '?', ok = m != NULL;

	if (m)
		fputs(base, m);
	for (int i = 0; ok && keys[i]; i++) {
		const char *v = json_string_value(json_object_get(f, keys[i]));
		char *e;

		if (!v)
			continue;
		if ((e = ctl_escape(v)) == NULL) {
			ok = 0;
			break;
		}
		fprintf(m, "%c%s=%s", sep, keys[i], e);
		sep = '&';
		free(e);
	}
	if (m && fclose(m) != 0)
		ok = 0;
	if (!ok) {
		ctl_err("out of memory");
		free(path);
		return NULL;
	}
	return path;
}

int ctl_print_list(struct ctl *c, json_t *v, const struct ctl_col *cols)
{
	json_t *rows, *next;
	int rc = 1;

	if (v == NULL)
		return 1;
	if (c->json) {
		ctl_print_json(v), rc = 0;
	} else if ((rows = ctl_rows(v)) != NULL) {
		ctl_table(rows, cols), rc = 0;
		next = json_object_get(v, "next_before");
		if (json_is_integer(next))
			fprintf(stderr,
			        "(more: --before %" JSON_INTEGER_FORMAT ")\n",
			        json_integer_value(next));
	} else {
		ctl_err("unexpected answer (no list in it)");
	}
	json_decref(v);
	return rc;
}

int ctl_list_page(struct ctl *c, const char *path, const struct ctl_col *cols)
{
	return ctl_print_list(c, ctl_call(c, "GET", path, NULL), cols);
}

/* Print a created/changed item: JSON with --json, else key: value lines;
 * an ambiguous local time the server took is warned about on stderr. */
int ctl_print_item(struct ctl *c, json_t *v)
{
	if (v == NULL)
		return 1;
	if (c->json)
		ctl_print_json(v);
	else
		ctl_show(v);
	if (json_is_true(json_object_get(v, "ambiguous_time"))) {
		char *w = ctl_cell(v, "warnings");
		ctl_err("warning: %s",
		        *w ? w
		           : "an ambiguous local time took its first "
		             "occurrence");
		free(w);
	}
	json_decref(v);
	return 0;
}

char *ctl_path1(const char *fmt, const char *arg)
{
	char *e = ctl_escape(arg), *p = NULL;

	if (e && asprintf(&p, fmt, e) < 0)
		p = NULL;
	free(e);
	return p;
}

int ctl_on_id(struct ctl *c, const char *method, const char *fmt,
              const char *id, json_t *body)
{
	char *path = ctl_path1(fmt, id);
	int rc = path ? ctl_print_item(c, ctl_call(c, method, path, body)) : 1;

	free(path);
	return rc;
}
