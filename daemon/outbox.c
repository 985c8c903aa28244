/* outbox.c - the scheduler: one timer for the earliest due row, claims with
 * FOR UPDATE SKIP LOCKED (several batches in flight while a backlog lasts),
 * hands rows to plugins, records outcomes in batches, returns expired
 * leases; wakes on NOTIFY, rescans and reconnects. */
#include "outbox.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "db_row.h"
#include "log.h"
#include "metrics.h"
#include "outbox_paper.h"
#include "outbox_render.h"
#include "plugin_host.h"

#define OUTBOX_CHANNEL "convened_outbox"
#define FLUSH_DELAY_MS 10
#define RETRY_DB_MS    1000
#define SNAPSHOT_AGE_S 2

/* Outcome codes written by record_sql. */
enum { RES_SENT = 0, RES_PENDING = 1, RES_FAILED = 2 };

static const char record_sql[] =
        "UPDATE outbox o SET"
        "  state = (CASE u.res WHEN 0 THEN 'sent' WHEN 1 THEN 'pending'"
        "           ELSE 'failed' END)::outbox_state,"
        "  sent_at = CASE WHEN u.res = 0 THEN now() ELSE o.sent_at END,"
        "  next_attempt_at = CASE WHEN u.res = 1"
        "      THEN now() + make_interval(secs => u.delay)"
        "      ELSE o.next_attempt_at END,"
        "  last_error = CASE WHEN u.res = 0 THEN NULL ELSE u.reason END,"
        "  lease_until = NULL, updated_at = now()"
        " FROM json_to_recordset($1::json)"
        "      AS u(id bigint, res int, delay float8, reason text)"
        " WHERE o.id = u.id AND o.claimed_by = $2"
        "   AND o.state IN ('sending', 'pending')"
        /* the primary key whatever the estimate of the JSON rows */
        "   AND o.id = ANY (ARRAY(SELECT (x->>'id')::bigint"
        "                           FROM json_array_elements($1::json) x))";

/* Rows whose daemon did not report back in time go back to the queue. */
static const char reap_sql[] =
        "UPDATE outbox SET state = 'pending', lease_until = NULL,"
        "       last_error = 'lease expired (claimed by '"
        "                    || COALESCE(claimed_by, '?') || ')',"
        "       updated_at = now()"
        " WHERE state = 'sending' AND lease_until < now()";

static const char next_sql[] = "SELECT cv_outbox_next_due()";

/* The notify window and the inbound settings ([mail]: $3 a JSON object)
 * are this daemon's; the reminder defaults are the database's:
 * [reminders] seeds them only while the table is empty. */
static const char settings_sql[] =
        "WITH s AS (UPDATE outbox_settings"
        "           SET notify_window = make_interval(secs => $2::int)),"
        " i AS (UPDATE inbound_settings"
        "       SET register_local = split_part($3::json->>'register', '@', 1),"
        "           secretariat = $3::json->>'secretariat',"
        "           soft_bounce_limit = ($3::json->>'soft_bounce_limit')::int,"
        "           forward_limit = ($3::json->>'forward_limit')::int,"
        "           own_addresses = ARRAY(SELECT lower(a) FROM"
        "               json_array_elements_text($3::json->'own') a))"
        " SELECT cv_reminder_defaults_seed($1::json)";

/* One snapshot: the outbox counts and the bounced addresses by state
 * (sql/functions/mail_addresses.sql), told apart by "what". */
static const char snapshot_sql[] =
        "SELECT 'outbox' AS what, kind, state, n FROM cv_outbox_counts()"
        " UNION ALL SELECT 'mail_addresses', '', state, n"
        " FROM cv_mail_address_counts()";

/* One delivery handed to a plugin; the token is (gen << 32) | slot. */
struct flight {
	uint32_t gen;
	int used;
	int64_t id;
	int attempts;
	double due;
	int next_free;
};

static struct {
	struct app *app;
	const struct config *cfg;
	struct event *timer, *rescan, *reaper, *flush_timer;
	int again, started;
	size_t claiming, max_claims; /* claim statements in flight, at most */
	int settings_ok;
	struct flight *fl;
	size_t nfl;
	int free_head;
	size_t inflight, max_inflight;
	json_t *outcomes;
	int flushing;
	/* metrics */
	unsigned long results[3];
	struct metrics_hist lag; /* due_at to a successful delivery */
	double lag_max;
	char *snapshot;  /* rendered convened_outbox_notifications lines */
	char *addresses; /* rendered convened_mail_addresses lines */
	long due_unsent;
	time_t snapshot_at;
	int snapshot_busy;
} S = {.free_head = -1};

static double now_epoch(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double outbox_backoff(int attempts, int base_s, int max_s, double rnd)
{
	double d = base_s;

	for (int i = 1; i < attempts && d < max_s; i++)
		d *= 2;
	if (d > max_s)
		d = max_s;
	d *= 0.75 + 0.5 * rnd;
	return d < 0.5 ? 0.5 : d;
}

static void arm(struct event *ev, double secs)
{
	struct timeval tv;

	if (secs < 0)
		secs = 0;
	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	event_add(ev, &tv);
}

/* ---- flights */

static uint64_t flight_new(int64_t id, int attempts, double due)
{
	int slot = S.free_head;
	struct flight *f;

	if (slot < 0) {
		struct flight *n = realloc(S.fl, (S.nfl + 1) * sizeof(*n));
		if (!n)
			return 0;
		S.fl = n;
		slot = (int)S.nfl++;
		S.fl[slot].gen = 0;
	} else {
		S.free_head = S.fl[slot].next_free;
	}
	f = &S.fl[slot];
	f->gen++;
	f->used = 1;
	f->id = id;
	f->attempts = attempts;
	f->due = due;
	S.inflight++;
	return ((uint64_t)f->gen << 32) | (uint32_t)slot;
}

static void flight_free(size_t slot)
{
	S.fl[slot].used = 0;
	S.fl[slot].next_free = S.free_head;
	S.free_head = (int)slot;
	S.inflight--;
}

/* ---- recording outcomes */

static void flush(void);

static void on_flushed(void *arg, PGresult *res, const char *err)
{
	json_t *batch = arg;

	S.flushing--;
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_warnx("outbox: recording %zu outcomes failed: %s; retrying",
		          json_array_size(batch),
		          res ? PQresultErrorMessage(res) : err);
		if (S.started) {
			json_array_extend(S.outcomes, batch);
			if (!event_pending(S.flush_timer, EV_TIMEOUT, NULL))
				arm(S.flush_timer, RETRY_DB_MS / 1000.0);
		}
	}
	json_decref(batch);
	if (S.started && S.again)
		outbox_kick();
}

static void flush(void)
{
	json_t *batch;
	char *js;
	const char *params[2];

	if (!S.started || json_array_size(S.outcomes) == 0)
		return;
	batch = S.outcomes;
	S.outcomes = json_array();
	js = json_dumps(batch, JSON_COMPACT);
	if (!S.outcomes || !js) {
		free(js);
		if (S.outcomes) {
			json_array_extend(S.outcomes, batch);
			json_decref(batch);
		} else {
			S.outcomes = batch;
		}
		arm(S.flush_timer, RETRY_DB_MS / 1000.0);
		return;
	}
	params[0] = js;
	params[1] = S.cfg->instance;
	if (db_query(S.app->db, record_sql, 2, params, on_flushed, batch) < 0) {
		json_array_extend(S.outcomes, batch);
		json_decref(batch);
	} else {
		S.flushing++;
	}
	free(js);
}

static void on_flush_timer(evutil_socket_t fd, short what, void *arg)
{
	flush();
}

/* Queue the outcome of one attempt of row ID. */
static void record(int64_t id, int attempts, double due, enum cv_result r,
                   unsigned retry_after, const char *reason)
{
	int code;
	double delay = 0;
	char why[1024];
	json_t *o;

	if ((unsigned)r > CV_FAIL)
		r = CV_FAIL;
	S.results[r]++;
	if (r == CV_OK) {
		double lag = now_epoch() - due;
		if (lag < 0)
			lag = 0;
		metrics_hist_observe(&S.lag, lag);
		if (lag > S.lag_max)
			S.lag_max = lag;
		code = RES_SENT;
		reason = NULL;
	} else if (r == CV_RETRY && attempts < S.cfg->outbox_max_attempts) {
		code = RES_PENDING;
		delay = retry_after
		                ? (double)retry_after
		                : outbox_backoff(
		                          attempts, S.cfg->outbox_retry_base_s,
		                          S.cfg->outbox_retry_max_s,
		                          randombytes_uniform(1000001) / 1e6);
	} else {
		code = RES_FAILED;
		if (r == CV_RETRY) {
			snprintf(why, sizeof(why),
			         "gave up after %d attempts: %s", attempts,
			         reason ? reason : "temporary failure");
			reason = why;
		}
		if (!reason)
			reason = "failed";
	}
	o = json_pack("{s:I,s:i,s:f,s:s?}", "id", (json_int_t)id, "res", code,
	              "delay", delay, "reason", reason);
	if (!o || json_array_append_new(S.outcomes, o) < 0) {
		log_warnx("outbox: out of memory recording row %lld",
		          (long long)id);
		return;
	}
	if (r != CV_OK)
		log_debug("outbox: row %lld attempt %d: %s in %.1f s: %s",
		          (long long)id, attempts,
		          code == RES_PENDING ? "retry" : "failed", delay,
		          reason ? reason : "");
	if (json_array_size(S.outcomes) >= (size_t)S.cfg->outbox_batch ||
	    S.inflight == 0)
		flush();
	else if (!event_pending(S.flush_timer, EV_TIMEOUT, NULL))
		arm(S.flush_timer, FLUSH_DELAY_MS / 1000.0);
}

static void on_done(void *arg, uint64_t token, enum cv_result r,
                    unsigned retry_after, const char *reason)
{
	size_t slot = (size_t)(token & 0xffffffffu);
	struct flight f;

	if (!S.started || slot >= S.nfl || !S.fl[slot].used ||
	    S.fl[slot].gen != (uint32_t)(token >> 32))
		return;
	f = S.fl[slot];
	flight_free(slot);
	record(f.id, f.attempts, f.due, r, retry_after, reason);
	if (S.again && S.inflight < S.max_inflight)
		outbox_kick();
}

/* ---- claiming */

static void on_next(void *arg, PGresult *res, const char *err)
{
	intptr_t claimed = (intptr_t)arg;
	double secs = S.cfg->outbox_rescan_s;

	if (!S.started)
		return;
	if (res && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    db_row_only(res, 0)) {
		secs = strtod(db_row_only(res, 0), NULL);
		if (secs <= 0 && claimed == 0)
			secs = 0.02; /* locked by another daemon right now */
		if (secs > S.cfg->outbox_rescan_s)
			secs = S.cfg->outbox_rescan_s;
	} else if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
		secs = RETRY_DB_MS / 1000.0;
	}
	if (S.again) {
		outbox_kick();
		return;
	}
	/* +1 ms: never wake a hair before the row is due */
	arm(S.timer, secs > 0 ? secs + 0.001 : 0);
}

/* A message with a document rendered at send time is back (outbox_paper.c):
 * hand it to its channel, or record why not. */
static void paper_ready(void *arg, const struct outbox_msg *om,
                        enum cv_result r, const char *why)
{
	uint64_t token = (uint64_t)(uintptr_t)arg;

	if (om == NULL)
		on_done(NULL, token, r, 0, why);
	else if (plugin_deliver(om->m.channel, &om->m, token) < 0)
		on_done(NULL, token, CV_RETRY, 0,
		        "no plugin took the message for its channel");
}

/* Row ROW is in flight from now on (it counts for the drain) while its
 * document is read and rendered off the loop. */
static void deliver_paper_row(const PGresult *res, int row, int64_t id,
                              int attempts, double due)
{
	uint64_t token = flight_new(id, attempts, due);

	if (!token)
		record(id, attempts, due, CV_RETRY, 0, "out of memory");
	else if (outbox_paper_render(S.app, res, row, paper_ready,
	                             (void *)(uintptr_t)token) < 0)
		on_done(NULL, token, CV_RETRY, 0, "cannot render the document");
}

static void deliver_row(const PGresult *res, int row)
{
	const char *why = NULL;
	struct outbox_msg om;
	int64_t id = db_row_int(res, row, OR_COL_ID);
	int attempts = (int)db_row_int(res, row, OR_COL_ATTEMPTS);
	double due = strtod(db_row_str(res, row, OR_COL_DUE_EPOCH), NULL);
	const char *channel = db_row_str(res, row, OR_COL_CHANNEL);
	uint64_t token;

	if (outbox_paper_kind(db_row_str(res, row, "kind"))) {
		deliver_paper_row(res, row, id, attempts, due);
		return;
	}
	if (outbox_render(res, row, S.cfg, &om, &why) < 0) {
		record(id, attempts, due, CV_FAIL, 0, why);
		return;
	}
	token = flight_new(id, attempts, due);
	if (!token) {
		record(id, attempts, due, CV_RETRY, 0, "out of memory");
	} else if (plugin_deliver(channel, &om.m, token) < 0) {
		char reason[256];
		flight_free(token & 0xffffffffu);
		snprintf(reason, sizeof(reason), "%s '%s'",
		         plugin_has_channel(channel)
		                 ? "the plugin refused a message for channel"
		                 : "no plugin for channel",
		         channel);
		record(id, attempts, due, CV_RETRY, 0, reason);
	}
	outbox_msg_free(&om);
}

static void on_claim(void *arg, PGresult *res, const char *err);

/* Send one claim statement.  Returns 0 or -1 (pool shutting down). */
static int claim_one(void)
{
	char lease[16], batch[16];
	const char *params[3];

	snprintf(lease, sizeof(lease), "%d", S.cfg->outbox_lease_s);
	snprintf(batch, sizeof(batch), "%d", S.cfg->outbox_batch);
	params[0] = S.cfg->instance;
	params[1] = lease;
	params[2] = batch;
	if (db_query(S.app->db, outbox_claim_sql, 3, params, on_claim, NULL) <
	    0)
		return -1;
	S.claiming++;
	return 0;
}

/* A full batch came back, so more rows are likely due: keep up to
 * max_claims claims in flight (each on its own pool connection), as long
 * as what they may return fits under max_inflight. */
static void fill(void)
{
	while (S.claiming < S.max_claims &&
	       S.inflight + (S.claiming + 1) * (size_t)S.cfg->outbox_batch <=
	               S.max_inflight)
		if (claim_one() < 0)
			break;
}

static void on_claim(void *arg, PGresult *res, const char *err)
{
	int n;

	S.claiming--;
	if (!S.started)
		return;
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_warnx("outbox: claim failed: %s",
		          res ? PQresultErrorMessage(res) : err);
		if (S.claiming == 0)
			arm(S.timer, RETRY_DB_MS / 1000.0);
		return;
	}
	n = PQntuples(res);
	if (n > 0)
		log_debug("outbox: claimed %d row%s", n, n == 1 ? "" : "s");
	for (int i = 0; i < n; i++)
		deliver_row(res, i);
	if (n == S.cfg->outbox_batch || S.again) {
		S.again = 0;
		if (!S.app->draining)
			fill();
		if (S.claiming == 0)
			S.again = 1; /* resumed by on_done */
		return;
	}
	if (S.claiming > 0)
		return; /* the last claim to come back decides */
	if (db_query(S.app->db, next_sql, 0, NULL, on_next,
	             (void *)(intptr_t)n) < 0)
		arm(S.timer, RETRY_DB_MS / 1000.0);
}

void outbox_kick(void)
{
	if (!S.started || (S.app->draining))
		return;
	if (S.claiming || S.inflight >= S.max_inflight) {
		S.again = 1;
		return;
	}
	S.again = 0;
	event_del(S.timer);
	claim_one();
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	outbox_kick();
}

/* ---- leases, settings, wake-ups */

static void on_reaped(void *arg, PGresult *res, const char *err)
{
	if (res && PQresultStatus(res) == PGRES_COMMAND_OK) {
		const char *n = PQcmdTuples(res);
		if (n && strcmp(n, "0") != 0) {
			log_info("outbox: %s expired lease%s returned to the "
			         "queue",
			         n, strcmp(n, "1") ? "s" : "");
			outbox_kick();
		}
	}
}

static void on_reaper(evutil_socket_t fd, short what, void *arg)
{
	db_query(S.app->db, reap_sql, 0, NULL, on_reaped, NULL);
}

static void on_settings(void *arg, PGresult *res, const char *err)
{
	if (res && PQresultStatus(res) == PGRES_TUPLES_OK) {
		S.settings_ok = 1;
		if (db_row_only(res, 0) &&
		    strcmp(db_row_only(res, 0), "t") == 0)
			log_info("outbox: reminder defaults seeded from "
			         "[reminders]");
		else
			log_debug("outbox: reminder defaults come from the "
			          "database ([reminders] seeds an empty table "
			          "only)");
		return;
	}
	log_warnx("outbox: cannot write settings: %s",
	          res ? PQresultErrorMessage(res) : err);
}

static void write_settings(void)
{
	json_t *o = json_object(), *in, *own;
	char *js = NULL, *ins = NULL, win[16];
	const char *params[3];
	const struct config *c = S.cfg;

	for (size_t i = 0; o && i < S.cfg->nreminders; i++) {
		const struct config_reminders *r = &S.cfg->reminders[i];
		json_t *a = json_array();
		for (size_t j = 0; a && j < r->n; j++)
			json_array_append_new(a, json_string(r->offsets[j]));
		json_object_set_new(o, r->kind, a ? a : json_null());
	}
	js = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!js)
		return;
	own = json_array();
	if (own) {
		const char *a[] = {c->mail_from, c->mail_reply_to,
		                   c->mail_reply_address,
		                   c->mail_register_address, c->cal_organizer};
		for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
			if (a[i])
				json_array_append_new(own, json_string(a[i]));
	}
	in = json_pack("{s:s?, s:s?, s:i, s:i, s:o?}", "register",
	               c->mail_register_address, "secretariat",
	               c->mail_secretariat, "soft_bounce_limit",
	               c->mail_soft_bounce_limit, "forward_limit",
	               c->mail_forward_limit, "own", own);
	ins = in ? json_dumps(in, JSON_COMPACT) : NULL;
	json_decref(in);
	if (!ins) {
		free(js);
		return;
	}
	snprintf(win, sizeof(win), "%d", c->outbox_notify_window_s);
	params[0] = js;
	params[1] = win;
	params[2] = ins;
	db_query(S.app->db, settings_sql, 3, params, on_settings, NULL);
	free(js);
	free(ins);
}

static void on_notify(void *arg, const char *channel, const char *payload)
{
	outbox_kick();
}

static void on_reconnect(void *arg)
{
	if (!S.settings_ok)
		write_settings();
	outbox_kick();
}

static void on_rescan(evutil_socket_t fd, short what, void *arg)
{
	outbox_kick();
}

/* ---- metrics */

static void put_label(struct evbuffer *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			evbuffer_add_printf(out, "\\%c", *s);
		else if (*s == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, s, 1);
	}
}

/* Replace *DST by the contents of B (drained), or NULL when out of memory. */
static void take_lines(char **dst, struct evbuffer *b)
{
	size_t len = evbuffer_get_length(b);

	free(*dst);
	*dst = malloc(len + 1);
	if (*dst) {
		evbuffer_remove(b, *dst, len);
		(*dst)[len] = '\0';
	}
}

static void on_snapshot(void *arg, PGresult *res, const char *err)
{
	struct evbuffer *b, *a;

	S.snapshot_busy = 0;
	if (!S.started || !res || PQresultStatus(res) != PGRES_TUPLES_OK)
		return;
	b = evbuffer_new();
	a = evbuffer_new();
	if (!b || !a) {
		if (b)
			evbuffer_free(b);
		if (a)
			evbuffer_free(a);
		return;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		const char *what = db_row_str(res, i, "what");
		const char *kind = db_row_str(res, i, "kind");
		const char *state = db_row_str(res, i, "state");
		long n = (long)db_row_int(res, i, "n");
		if (strcmp(what, "mail_addresses") == 0) {
			evbuffer_add_printf(a,
			                    "convened_mail_addresses{state=\"");
			put_label(a, state);
			evbuffer_add_printf(a, "\"} %ld\n", n);
			continue;
		}
		if (strcmp(state, "due") == 0) {
			S.due_unsent = n;
			continue;
		}
		evbuffer_add_printf(b, "convened_outbox_notifications{kind=\"");
		put_label(b, kind);
		evbuffer_add_printf(b, "\",state=\"%s\"} %ld\n", state, n);
	}
	take_lines(&S.snapshot, b);
	take_lines(&S.addresses, a);
	evbuffer_free(b);
	evbuffer_free(a);
	S.snapshot_at = time(NULL);
}

static void metrics_writer_fn(struct evbuffer *out, void *arg)
{
	static const char *const names[] = {"ok", "retry", "fail"};

	if (!S.started)
		return;
	if (!S.snapshot_busy && time(NULL) - S.snapshot_at >= SNAPSHOT_AGE_S &&
	    db_query(S.app->db, snapshot_sql, 0, NULL, on_snapshot, NULL) == 0)
		S.snapshot_busy = 1;
	evbuffer_add_printf(out,
	                    "# HELP convened_outbox_notifications Outbox rows "
	                    "by kind and state (refreshed every %d s).\n"
	                    "# TYPE convened_outbox_notifications gauge\n%s",
	                    SNAPSHOT_AGE_S, S.snapshot ? S.snapshot : "");
	evbuffer_add_printf(out,
	                    "# HELP convened_mail_addresses Addresses whose "
	                    "mail bounced, by state (hard: no mail is sent to "
	                    "them; refreshed every %d s).\n"
	                    "# TYPE convened_mail_addresses gauge\n%s",
	                    SNAPSHOT_AGE_S, S.addresses ? S.addresses : "");
	evbuffer_add_printf(out,
	                    "# HELP convened_outbox_due_unsent Pending rows "
	                    "whose time has come.\n"
	                    "# TYPE convened_outbox_due_unsent gauge\n"
	                    "convened_outbox_due_unsent %ld\n",
	                    S.due_unsent);
	evbuffer_add_printf(out, "# HELP convened_outbox_deliveries_total "
	                         "Plugin answers by result.\n"
	                         "# TYPE convened_outbox_deliveries_total "
	                         "counter\n");
	for (int i = 0; i < 3; i++)
		evbuffer_add_printf(
		        out,
		        "convened_outbox_deliveries_total{result=\"%s\"}"
		        " %lu\n",
		        names[i], S.results[i]);
	evbuffer_add_printf(
	        out,
	        "# HELP convened_outbox_inflight Deliveries handed to plugins "
	        "and not yet answered.\n"
	        "# TYPE convened_outbox_inflight gauge\n"
	        "convened_outbox_inflight %zu\n"
	        "# HELP convened_outbox_lag_seconds Delay between due_at and "
	        "a successful delivery.\n"
	        "# TYPE convened_outbox_lag_seconds histogram\n",
	        S.inflight);
	metrics_hist_write(out, "convened_outbox_lag_seconds", "", &S.lag);
	evbuffer_add_printf(out,
	                    "# HELP convened_outbox_lag_seconds_max Largest "
	                    "delay seen.\n"
	                    "# TYPE convened_outbox_lag_seconds_max gauge\n"
	                    "convened_outbox_lag_seconds_max %.6f\n",
	                    S.lag_max);
}

/* ---- life cycle */

int outbox_idle(void)
{
	return !S.started || (S.inflight == 0 && S.flushing == 0 &&
	                      json_array_size(S.outcomes) == 0 && !S.claiming);
}

int outbox_start(struct app *app)
{
	const struct config *cfg = app->cfg;
	int reap_s = cfg->outbox_lease_s / 2;

	S.app = app;
	S.cfg = cfg;
	S.max_claims =
	        cfg->db_pool_size > 2 ? (size_t)cfg->db_pool_size - 1 : 1;
	if (S.max_claims > 4)
		S.max_claims = 4;
	S.max_inflight =
	        (size_t)(cfg->outbox_batch > 0 ? cfg->outbox_batch : 100) *
	        (S.max_claims + 4);
	S.lag = (struct metrics_hist){.bounds = metrics_lag_bounds,
	                              .nbounds = metrics_lag_nbounds};
	S.outcomes = json_array();
	S.timer = evtimer_new(app->base, on_timer, NULL);
	S.flush_timer = evtimer_new(app->base, on_flush_timer, NULL);
	S.rescan = event_new(app->base, -1, EV_PERSIST, on_rescan, NULL);
	S.reaper = event_new(app->base, -1, EV_PERSIST, on_reaper, NULL);
	if (!S.outcomes || !S.timer || !S.flush_timer || !S.rescan ||
	    !S.reaper) {
		outbox_stop();
		return -1;
	}
	S.started = 1;
	plugin_host_on_done(on_done, NULL);
	arm(S.rescan, cfg->outbox_rescan_s > 0 ? cfg->outbox_rescan_s : 30);
	arm(S.reaper, reap_s > 0 ? reap_s : 1);
	db_listen(app->db, OUTBOX_CHANNEL, on_notify, NULL);
	db_on_reconnect(app->db, on_reconnect, NULL);
	metrics_register(metrics_writer_fn, NULL);
	app_on_drain(outbox_idle);
	write_settings();
	outbox_kick();
	return 0;
}

void outbox_stop(void)
{
	struct event **evs[] = {&S.timer, &S.flush_timer, &S.rescan, &S.reaper};

	S.started = 0;
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (*evs[i]) {
			event_free(*evs[i]);
			*evs[i] = NULL;
		}
	json_decref(S.outcomes);
	S.outcomes = NULL;
	free(S.fl);
	S.fl = NULL;
	S.nfl = 0;
	S.free_head = -1;
	S.inflight = 0;
	free(S.snapshot);
	S.snapshot = NULL;
	free(S.addresses);
	S.addresses = NULL;
}
