/* admin_ui.c - the console's static files under /admin/ (issue 16, item
 * 3).  The files of web/admin/ are built into the binary (admin_assets.h);
 * GET /admin/ is index.html with every "/admin/static/" in it turned into
 * "/admin/static/<version>/", where the version is a hash of all files, so
 * the page (no-cache, ETag) names files that can be cached for a year
 * (immutable): a changed file changes the version and every URL with it.
 * The same files without the version answer with an ETag and no-cache.
 * The routes are public: the files are not secret; every datum comes from
 * the API with the session. */
#include "admin_ui.h"

#include <event2/http.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_assets.h"
#include "http.h"

/* The console runs its own files only and talks to this origin only. */
static const char csp[] =
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static const char immutable[] = "public, max-age=31536000, immutable";

enum { HASH_BYTES = 16 };

struct served {
	const struct admin_asset *a;
	const char *data; /* a->start, or index_html */
	size_t len;
	char etag[2 * HASH_BYTES + 3]; /* "hex" */
};

static struct served *files;
static size_t nfiles;
static struct served index_page;
static char *index_html;
static char version[1 + 16 + 1];

static const struct {
	const char *ext, *ctype;
} ctypes[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
};

static const char *ctype_of(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof(ctypes) / sizeof(ctypes[0]); i++) {
		size_t e = strlen(ctypes[i].ext);

		if (n > e && strcmp(path + n - e, ctypes[i].ext) == 0)
			return ctypes[i].ctype;
	}
	return "application/octet-stream";
}

static void etag_of(struct served *s)
{
	unsigned char h[HASH_BYTES];
	char hex[sizeof(h) * 2 + 1];

	crypto_generichash(h, sizeof(h), (const unsigned char *)s->data, s->len,
	                   NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(s->etag, sizeof(s->etag), "\"%s\"", hex);
}

/* 1 when If-None-Match names ETAG (or is "*"). */
static int etag_matches(struct http_req *r, const char *etag)
{
	const char *inm = http_header(r, "If-None-Match");

	return inm && (strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL);
}

static void serve(struct http_req *r, const struct served *s, const char *cache)
{
	http_add_header(r, "ETag", s->etag);
	http_add_header(r, "Cache-Control", cache);
	http_add_header(r, "X-Content-Type-Options", "nosniff");
	http_add_header(r, "Content-Security-Policy", csp);
	http_add_header(r, "X-Frame-Options", "DENY");
	http_add_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	if (etag_matches(r, s->etag)) {
		http_reply_raw(r, 304, NULL, NULL, 0);
		return;
	}
	http_reply_raw(r, 200, ctype_of(s->a->path), s->data, s->len);
}

static const struct served *find(const char *path)
{
	for (size_t i = 0; i < nfiles; i++)
		if (strcmp(files[i].a->path, path) == 0)
			return &files[i];
	return NULL;
}

/* GET /admin/ */
static void page(struct http_req *r)
{
	serve(r, &index_page, "no-cache");
}

/* GET /admin: the console is /admin/ (its files are relative to it). */
static void to_slash(struct http_req *r)
{
	http_add_header(r, "Location", "/admin/");
	http_reply_raw(r, 301, "text/plain; charset=utf-8", "/admin/\n", 8);
}

/* GET /admin/static/[VERSION/]PATH: with this build's version, cached for
 * good; with none, or another build's (a page loaded before an upgrade),
 * the file as it is now, revalidated by its ETag. */
static void file(struct http_req *r)
{
	const char *rest = r->path + strlen("/admin/static/");
	const struct served *s = NULL;
	const char *cache = "no-cache";
	size_t vlen = strlen(version);
	const char *slash = strchr(rest, '/');

	if (strncmp(rest, version, vlen) == 0 && rest[vlen] == '/') {
		s = find(rest + vlen + 1);
		cache = immutable;
	} else if ((s = find(rest)) == NULL && slash && rest[0] == 'v')
		s = find(slash + 1);
	if (s == NULL) {
		http_reply_error(r, 404, "not_found", NULL, "no such file");
		return;
	}
	serve(r, s, cache);
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET, .pattern = "/admin", .handler = to_slash},
        {.method = EVHTTP_REQ_GET, .pattern = "/admin/", .handler = page},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/admin/static/{a}",
         .handler = file,
         .name = "/admin/static/*"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/admin/static/{a}/{b}",
         .handler = file,
         .name = "/admin/static/*"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/admin/static/{a}/{b}/{c}",
         .handler = file,
         .name = "/admin/static/*"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/admin/static/{a}/{b}/{c}/{d}",
         .handler = file,
         .name = "/admin/static/*"},
        {.pattern = NULL},
};

/* index.html with "/admin/static/" turned into "/admin/static/VERSION/". */
static char *versioned(const char *html, size_t len, size_t *outlen)
{
	static const char pre[] = "/admin/static/";
	size_t n = 0, pl = sizeof(pre) - 1, vl = strlen(version);
	char *out, *o;

	for (const char *p = html; (p = strstr(p, pre)) != NULL; p += pl)
		n++;
	out = malloc(len + n * (vl + 1) + 1);
	if (out == NULL)
		return NULL;
	o = out;
	for (const char *p = html, *q;; p = q + pl) {
		q = strstr(p, pre);
		if (q == NULL) {
			size_t tail = strlen(p);

			memcpy(o, p, tail);
			o += tail;
			break;
		}
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, pre, pl);
		o += pl;
		memcpy(o, version, vl);
		o += vl;
		*o++ = '/';
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

const char *admin_ui_version(void)
{
	return version;
}

int admin_ui_init(void)
{
	crypto_generichash_state st;
	unsigned char h[8];
	const struct served *idx;

	if (files == NULL) {
		for (nfiles = 0; admin_assets[nfiles].path; nfiles++)
			;
		files = calloc(nfiles ? nfiles : 1, sizeof(*files));
		if (files == NULL)
			return -1;
		crypto_generichash_init(&st, NULL, 0, sizeof(h));
		for (size_t i = 0; i < nfiles; i++) {
			const struct admin_asset *a = &admin_assets[i];

			files[i].a = a;
			files[i].data = a->start;
			files[i].len = (size_t)(a->end - a->start);
			etag_of(&files[i]);
			crypto_generichash_update(
			        &st, (const unsigned char *)a->path,
			        strlen(a->path) + 1);
			crypto_generichash_update(
			        &st, (const unsigned char *)files[i].etag,
			        strlen(files[i].etag));
		}
		crypto_generichash_final(&st, h, sizeof(h));
		version[0] = 'v';
		sodium_bin2hex(version + 1, sizeof(version) - 1, h, sizeof(h));
		idx = find("index.html");
		if (idx == NULL)
			return -1;
		index_page = *idx;
		index_html = versioned(idx->data, idx->len, &index_page.len);
		if (index_html == NULL)
			return -1;
		index_page.data = index_html;
		etag_of(&index_page);
	}
	return http_add_routes(routes);
}
