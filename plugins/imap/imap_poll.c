/* imap_poll.c - the imap plugin's worker thread: every poll_interval it
 * logs in with libcurl, makes sure done_folder and failed_folder exist,
 * lists the mailbox's messages (UID SEARCH UNDELETED), and for each one
 * fetches it by UID, hands it to the loop (imap_hand_over) and files it by
 * the host's answer: CV_OK to done_folder, CV_FAIL to failed_folder,
 * CV_RETRY left where it is (and unread again) for the next poll, which
 * then ends the round.  A message over max_size goes to failed_folder
 * unread by the host.  Nothing is ever expunged before it was copied. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap.h"

/* A response, growing up to limit bytes (then the transfer is aborted). */
struct buf {
	char *p;
	size_t len, cap, limit;
};

struct session {
	struct imap *im;
	CURL *c;
	struct buf out;
	char err[CURL_ERROR_SIZE];
	int folders_ok; /* both folders seen or created */
	int no_move;    /* the server refused UID MOVE: COPY + STORE */
};

static size_t on_write(char *d, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t len = size * n;

	if (b->len + len > b->limit)
		return 0; /* CURLE_WRITE_ERROR */
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + len + 1)
			cap *= 2;
		if (!(p = realloc(b->p, cap)))
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, d, len);
	b->len += len;
	b->p[b->len] = '\0';
	return len;
}

/* Abort a transfer when the plugin stops. */
static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
                       curl_off_t un)
{
	return imap_stopping(arg);
}

static int session_open(struct session *s)
{
	const struct imap_conf *c = &s->im->conf;
	CURL *h = curl_easy_init();

	if (!h)
		return -1;
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
	curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
	/* imap:// means STARTTLS, required except on loopback */
	curl_easy_setopt(h, CURLOPT_USE_SSL,
	                 c->loopback ? (long)CURLUSESSL_TRY
	                             : (long)CURLUSESSL_ALL);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->tls_verify ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->tls_verify ? 2L : 0L);
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->timeout_s);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s->out);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, s->im);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->err);
	s->c = h;
	s->folders_ok = 0;
	return 0;
}

static void session_close(struct session *s)
{
	if (s->c)
		curl_easy_cleanup(s->c);
	s->c = NULL;
}

/* Run CUSTOM (an IMAP command) on the mailbox, or fetch URL when CUSTOM is
 * NULL; the untagged response (or the message) is in s->out.  Returns
 * curl's code; CURLE_QUOTE_ERROR means the server answered NO or BAD. */
static CURLcode run(struct session *s, const char *url, const char *custom,
                    size_t limit)
{
	CURLcode rc;

	s->out.len = 0;
	if (s->out.p)
		s->out.p[0] = '\0';
	s->out.limit = limit;
	s->err[0] = '\0';
	curl_easy_setopt(s->c, CURLOPT_URL, url);
	curl_easy_setopt(s->c, CURLOPT_CUSTOMREQUEST, custom);
	rc = curl_easy_perform(s->c);
	if (rc != CURLE_OK && !s->err[0])
		snprintf(s->err, sizeof(s->err), "%s", curl_easy_strerror(rc));
	return rc;
}

#define RESPONSE_LIMIT ((size_t)4 * 1024 * 1024)

static CURLcode cmdf(struct session *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static CURLcode cmdf(struct session *s, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return run(s, s->im->conf.url, cmd, RESPONSE_LIMIT);
}

#define LOG(s, lvl, ...) (s)->im->host->log((s)->im->ctx, lvl, __VA_ARGS__)

/* FOLDER exists, or is created now. */
static int ensure_folder(struct session *s, const char *folder)
{
	if (cmdf(s, "LIST \"\" \"%s\"", folder) != CURLE_OK) {
		LOG(s, CV_LOG_WARN, "LIST %s: %s", folder, s->err);
		return -1;
	}
	if (s->out.len > 0 && strstr(s->out.p, "LIST"))
		return 0;
	if (cmdf(s, "CREATE \"%s\"", folder) != CURLE_OK) {
		LOG(s, CV_LOG_ERR, "cannot create folder %s: %s", folder,
		    s->err);
		return -1;
	}
	LOG(s, CV_LOG_INFO, "created folder %s", folder);
	return 0;
}

/* Move UID to FOLDER: UID MOVE (RFC 6851), or where the server has no
 * MOVE, UID COPY then \Deleted and UID EXPUNGE of that UID only (RFC
 * 4315; without it the \Deleted message is skipped by later polls). */
static int move_to(struct session *s, uint32_t uid, const char *folder)
{
	if (!s->no_move) {
		if (cmdf(s, "UID MOVE %u \"%s\"", uid, folder) == CURLE_OK)
			return 0;
		LOG(s, CV_LOG_INFO, "UID MOVE refused (%s): using UID COPY",
		    s->err);
	}
	if (cmdf(s, "UID COPY %u \"%s\"", uid, folder) != CURLE_OK) {
		LOG(s, CV_LOG_WARN,
		    "UID %u: cannot copy to %s: %s (left in "
		    "the mailbox)",
		    uid, folder, s->err);
		return -1;
	}
	s->no_move = 1;
	if (cmdf(s, "UID STORE %u +FLAGS.SILENT (\\Deleted)", uid) !=
	    CURLE_OK) {
		LOG(s, CV_LOG_WARN,
		    "UID %u: copied to %s but cannot flag it "
		    "\\Deleted: %s",
		    uid, folder, s->err);
		return -1;
	}
	if (cmdf(s, "UID EXPUNGE %u", uid) != CURLE_OK)
		LOG(s, CV_LOG_DEBUG, "UID EXPUNGE: %s (left flagged \\Deleted)",
		    s->err);
	return 0;
}

/* ---- the envelope recipient ---- */

static int addr_char(int ch)
{
	return ch > 0x20 && ch < 0x7f && !strchr("<>\"(),;:[]\\@", ch);
}

/* In V (LEN bytes), the first BASE[+tag]@DOMAIN (any case) with address
 * boundaries, tagged ones only when TAGGED, copied lower-case to OUT. */
static int find_addr(const char *v, size_t len, const char *base,
                     const char *domain, int tagged, char *out, size_t outlen)
{
	size_t bl = strlen(base), dl = strlen(domain), i, j;

	for (i = 0; i + bl + 1 + dl <= len; i++) {
		if ((i > 0 && addr_char((unsigned char)v[i - 1])) ||
		    strncasecmp(v + i, base, bl) != 0)
			continue;
		j = i + bl;
		if (v[j] == '+') {
			while (j < len && addr_char((unsigned char)v[j]))
				j++;
		} else if (tagged)
			continue;
		if (j + 1 + dl > len || v[j] != '@' ||
		    strncasecmp(v + j + 1, domain, dl) != 0 ||
		    (j + 1 + dl < len &&
		     (addr_char((unsigned char)v[j + 1 + dl]) ||
		      v[j + 1 + dl] == '@')))
			continue;
		if (j + 1 + dl >= outlen)
			continue;
		for (size_t k = 0; k < j + 1 + dl - i; k++)
			out[k] = (char)tolower((unsigned char)v[i + k]);
		out[j + 1 + dl - i] = '\0';
		return 1;
	}
	return 0;
}

/*
 * IMAP has no envelope: name the recipient from the headers a hosted
 * mailbox keeps.  The reply tokens are in the tag of our own address
 * (events+TOKEN@example.org), so the first tagged form of ADDRESS found in
 * X-Original-To, Delivered-To, To, then Cc wins; otherwise ADDRESS itself.
 */
static void pick_rcpt(const char *raw, size_t len, const char *address,
                      char *out, size_t outlen)
{
	static const char *const fields[] = {"X-Original-To", "Delivered-To",
	                                     "To", "Cc"};
	char base[256];
	const char *at = strrchr(address, '@'), *domain = at + 1;
	size_t hlen, f;

	snprintf(base, sizeof(base), "%.*s", (int)(at - address), address);
	if (strchr(base, '+')) /* configured with a tag: use as is */
		goto plain;
	for (hlen = 0; hlen + 1 < len; hlen++)
		if (raw[hlen] == '\n' &&
		    (raw[hlen + 1] == '\n' ||
		     (raw[hlen + 1] == '\r' && hlen + 2 < len &&
		      raw[hlen + 2] == '\n')))
			break;
	for (f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		size_t fl = strlen(fields[f]), i = 0;

		while (i < hlen) {
			size_t e = i;

			/* the field runs to a line not starting with WSP */
			while (e < hlen &&
			       !(raw[e] == '\n' && e + 1 < len &&
			         raw[e + 1] != ' ' && raw[e + 1] != '\t'))
				e++;
			if (e - i > fl && raw[i + fl] == ':' &&
			    strncasecmp(raw + i, fields[f], fl) == 0 &&
			    find_addr(raw + i + fl + 1, e - i - fl - 1, base,
			              domain, 1, out, outlen))
				return;
			i = e + 1;
		}
	}
plain:
	snprintf(out, outlen, "%s", address);
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

/* ---- one poll ---- */

/* UIDs of "* SEARCH 1 2 3" in s->out, at most MAX. */
static size_t parse_search(const char *out, uint32_t *uids, size_t max)
{
	const char *p = strstr(out, "* SEARCH");
	size_t n = 0;

	if (!p)
		return 0;
	p += 8;
	while (n < max) {
		char *end;
		unsigned long v;

		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			break;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || v == 0 || v > UINT32_MAX)
			break;
		uids[n++] = (uint32_t)v;
		p = end;
	}
	return n;
}

/* Handle one UID.  Returns 0 to go on, 1 to end the round (retry later,
 * or stopping), -1 on an IMAP error. */
static int handle(struct session *s, uint32_t uid)
{
	struct imap *im = s->im;
	const struct imap_conf *c = &im->conf;
	struct imap_item *item;
	unsigned long long size;
	const char *p;
	char url[2048];
	int seen, r = 0;

	if (cmdf(s, "UID FETCH %u (RFC822.SIZE FLAGS)", uid) != CURLE_OK)
		return LOG(s, CV_LOG_WARN, "UID FETCH %u: %s", uid, s->err), -1;
	if (!s->out.len || !(p = strstr(s->out.p, "RFC822.SIZE ")))
		return 0; /* gone meanwhile */
	size = strtoull(p + 12, NULL, 10);
	seen = strstr(s->out.p, "\\Seen") != NULL;
	if (size > c->max_size) {
		LOG(s, CV_LOG_WARN,
		    "UID %u: %llu bytes, over max_size (%zu): moved to %s", uid,
		    size, c->max_size, c->failed_folder);
		return move_to(s, uid, c->failed_folder) < 0 ? -1 : 0;
	}
	if (size == 0) {
		LOG(s, CV_LOG_WARN, "UID %u: an empty message: moved to %s",
		    uid, c->failed_folder);
		return move_to(s, uid, c->failed_folder) < 0 ? -1 : 0;
	}
	snprintf(url, sizeof(url), "%s;UID=%u", c->url, uid);
	if (run(s, url, NULL, c->max_size + 1) != CURLE_OK)
		return LOG(s, CV_LOG_WARN, "fetch UID %u: %s", uid, s->err), -1;
	if (!(item = calloc(1, sizeof(*item))))
		return -1;
	item->im = im;
	item->uid = uid;
	item->len = s->out.len;
	item->raw = s->out.p ? s->out.p : strdup("");
	s->out.p = NULL; /* the item owns the bytes now */
	s->out.cap = s->out.len = 0;
	if (!item->raw) {
		free(item);
		return -1;
	}
	pick_rcpt(item->raw, item->len, c->address, item->rcpt,
	          sizeof(item->rcpt));
	if (!imap_hand_over(im, item))
		return 1; /* stopping: shutdown frees the item */
	switch (item->result) {
	case CV_OK:
		LOG(s, CV_LOG_DEBUG, "UID %u for %s: %s, moved to %s", uid,
		    item->rcpt, item->reason, c->done_folder);
		r = move_to(s, uid, c->done_folder) < 0 ? -1 : 0;
		break;
	case CV_FAIL:
		LOG(s, CV_LOG_WARN, "UID %u refused (%s): moved to %s", uid,
		    item->reason, c->failed_folder);
		r = move_to(s, uid, c->failed_folder) < 0 ? -1 : 0;
		break;
	default:
		LOG(s, CV_LOG_WARN,
		    "UID %u not stored (%s): left in the "
		    "mailbox for the next poll",
		    uid, item->reason);
		if (!seen)
			cmdf(s, "UID STORE %u -FLAGS.SILENT (\\Seen)", uid);
		r = 1;
		break;
	}
	free(item->raw);
	free(item);
	return r;
}

static void poll_once(struct session *s)
{
	struct imap *im = s->im;
	const struct imap_conf *c = &im->conf;
	uint32_t *uids;
	size_t n, i;

	if (!s->c && session_open(s) < 0) {
		LOG(s, CV_LOG_ERR, "libcurl: cannot make a handle");
		return;
	}
	if (!s->folders_ok) {
		if (ensure_folder(s, c->done_folder) < 0 ||
		    ensure_folder(s, c->failed_folder) < 0) {
			session_close(s); /* log in afresh next time */
			return;
		}
		s->folders_ok = 1;
	}
	if (cmdf(s, "UID SEARCH UNDELETED") != CURLE_OK) {
		LOG(s, CV_LOG_WARN, "UID SEARCH: %s", s->err);
		session_close(s);
		return;
	}
	if (!(uids = calloc((size_t)c->batch, sizeof(*uids))))
		return;
	n = parse_search(s->out.p ? s->out.p : "", uids, (size_t)c->batch);
	for (i = 0; i < n && !imap_stopping(im); i++) {
		int r = handle(s, uids[i]);

		if (r > 0)
			break;
		if (r < 0) {
			session_close(s);
			break;
		}
	}
	free(uids);
}

void *imap_worker(void *arg)
{
	struct session s = {.im = arg};

	while (!imap_stopping(s.im)) {
		poll_once(&s);
		if (imap_sleep(s.im, s.im->conf.poll_s))
			break;
	}
	session_close(&s);
	free(s.out.p);
	return NULL;
}
