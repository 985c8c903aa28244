/* pages_follow.c - a project's deadline reminders by email: GET/POST
 * /follow/{token} (double opt-in) and GET/POST /unsubscribe/{token}. */
#include "pages_int.h"

#include <string.h>

#include "db_row.h"

/* ------------------------------------------------- unsubscribe (deadlines) */

/* The unsubscribe page's words; English first. */
static const struct unsub_text {
	const char *lang, *heading, *question, *button, *done;
	/* the follow page (/follow/{token}) */
	const char *confirm_q, *confirm_btn, *following, *confirm_done;
} unsub_texts[] = {
        {.lang = "en",
         .heading = "Deadline reminders",
         .question = "Stop the deadline reminders for this project?",
         .button = "Unsubscribe",
         .done = "You will no longer receive deadline reminders for this "
                 "project.",
         .confirm_q = "Do you want to receive the deadlines of this project by "
                      "email?",
         .confirm_btn = "Confirm",
         .following = "You receive the deadline reminders of this project.",
         .confirm_done = "Thank you! You will receive the deadline reminders "
                         "of this project."},
        {.lang = "sv",
         .heading = "Påminnelser om tidsfrister",
         .question = "Sluta skicka påminnelser om tidsfrister för det här "
                     "projektet?",
         .button = "Avsluta prenumerationen",
         .done = "Du får inte längre påminnelser om tidsfrister för det här "
                 "projektet.",
         .confirm_q =
                 "Vill du få tidsfristerna för det här projektet via e-post?",
         .confirm_btn = "Bekräfta",
         .following =
                 "Du får påminnelser om tidsfristerna för det här projektet.",
         .confirm_done = "Tack! Du kommer att få påminnelser om tidsfristerna "
                         "för det här projektet."},
        {.lang = "it",
         .heading = "Promemoria delle scadenze",
         .question = "Interrompere i promemoria delle scadenze per questo "
                     "progetto?",
         .button = "Annulla l'iscrizione",
         .done = "Non riceverai più promemoria delle scadenze per questo "
                 "progetto.",
         .confirm_q = "Vuoi ricevere per email le scadenze di questo progetto?",
         .confirm_btn = "Conferma",
         .following = "Ricevi i promemoria delle scadenze di questo progetto.",
         .confirm_done = "Grazie! Riceverai i promemoria delle scadenze di "
                         "questo progetto."},
        {.lang = "pl",
         .heading = "Przypomnienia o terminach",
         .question =
                 "Przestać wysyłać przypomnienia o terminach tego projektu?",
         .button = "Wypisz się",
         .done = "Nie będziesz już otrzymywać przypomnień o terminach tego "
                 "projektu.",
         .confirm_q = "Czy chcesz otrzymywać e-mailem terminy tego projektu?",
         .confirm_btn = "Potwierdź",
         .following = "Otrzymujesz przypomnienia o terminach tego projektu.",
         .confirm_done = "Dziękujemy! Będziesz otrzymywać przypomnienia o "
                         "terminach tego projektu."},
        {.lang = "es",
         .heading = "Recordatorios de plazos",
         .question =
                 "¿Dejar de recibir recordatorios de plazos de este proyecto?",
         .button = "Darse de baja",
         .done = "Ya no recibirás recordatorios de plazos de este proyecto.",
         .confirm_q =
                 "¿Quieres recibir por correo los plazos de este proyecto?",
         .confirm_btn = "Confirmar",
         .following = "Recibes los recordatorios de plazos de este proyecto.",
         .confirm_done = "¡Gracias! Recibirás los recordatorios de plazos de "
                         "este proyecto."},
        {.lang = "fi",
         .heading = "Määräaikamuistutukset",
         .question = "Lopetetaanko tämän hankkeen määräaikamuistutukset?",
         .button = "Peru tilaus",
         .done = "Et saa enää tämän hankkeen määräaikamuistutuksia.",
         .confirm_q = "Haluatko saada tämän hankkeen määräajat sähköpostiisi?",
         .confirm_btn = "Vahvista",
         .following = "Saat tämän hankkeen määräaikamuistutukset.",
         .confirm_done = "Kiitos! Saat tämän hankkeen määräaikamuistutukset."},
};

static const struct unsub_text *unsub_text(const char *lang)
{
	for (size_t i = 0; i < sizeof(unsub_texts) / sizeof(unsub_texts[0]);
	     i++)
		if (lang && strcmp(unsub_texts[i].lang, lang) == 0)
			return &unsub_texts[i];
	return &unsub_texts[0];
}

static void unsub_view_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	const struct page_text *t;
	const struct unsub_text *u;
	struct evbuffer *b;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		page_db_error(r, page_text_for(r), res, err);
		return;
	}
	if (PQntuples(res) != 1) {
		t = page_text_for(r);
		page_message(r, 404, t, t->not_found, "err", t->bad_link);
		return;
	}
	if (page_need(r, page_text_for(r), res,
	              (const char *const[]){"project_title", "language",
	                                    NULL}) < 0)
		return;
	t = page_text_get(db_row_get(res, 0, "language"));
	if (t == NULL)
		t = page_text_for(r);
	u = unsub_text(t->lang);
	b = page_begin(t, u->heading);
	if (b) {
		lit(b, "<h1>");
		esc(b, u->heading);
		lit(b, "</h1>\n<p><strong>");
		esc(b, db_row_str(res, 0, "project_title"));
		lit(b, "</strong></p>\n<p>");
		esc(b, u->question);
		lit(b, "</p>\n<form method=\"post\" action=\"/unsubscribe/");
		esc(b, r->params[0]);
		lit(b, "\"><button type=\"submit\">");
		esc(b, u->button);
		lit(b, "</button></form>\n");
	}
	page_end(r, b, 200);
}

/* GET shows the page; it never changes anything (mail scanners follow
 * links). */
static void unsub_get(struct http_req *r)
{
	page_token_query(r, "SELECT * FROM cv_follow_view($1)",
	                 unsub_view_done);
}

/* The one-row answer of a follow action (its "language" column) as a
 * message page: "following from now on" when CONFIRMED, else "no more
 * reminders". */
static void follow_message(struct http_req *r, PGresult *res, const char *err,
                           int confirmed)
{
	const struct page_text *t;
	const struct unsub_text *u;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		page_db_error(r, page_text_for(r), res, err);
		return;
	}
	t = page_text_get(db_row_get(res, 0, "language"));
	if (t == NULL)
		t = page_text_for(r);
	u = unsub_text(t->lang);
	page_message(r, 200, t, u->heading, "msg",
	             confirmed ? u->confirm_done : u->done);
}

static void unsub_done(void *arg, PGresult *res, const char *err)
{
	follow_message(arg, res, err, 0);
}

/* POST from the page's button, or RFC 8058 one-click from a mail client
 * (body "List-Unsubscribe=One-Click"): both unsubscribe. */
static void unsub_post(struct http_req *r)
{
	page_token_query(r, "SELECT * FROM cv_unfollow($1)", unsub_done);
}

/* ----------------------------------------------- follow (double opt-in) */

/* The follow's page: the project, a button that confirms while the follow
 * is unconfirmed, and one that stops it. */
static void follow_view_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	const struct page_text *t;
	const struct unsub_text *u;
	struct evbuffer *b;
	int confirmed;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		page_db_error(r, page_text_for(r), res, err);
		return;
	}
	if (PQntuples(res) != 1) {
		t = page_text_for(r);
		page_message(r, 404, t, t->not_found, "err", t->bad_link);
		return;
	}
	if (page_need(r, page_text_for(r), res,
	              (const char *const[]){"project_title", "language",
	                                    "confirmed", NULL}) < 0)
		return;
	t = page_text_get(db_row_get(res, 0, "language"));
	if (t == NULL)
		t = page_text_for(r);
	u = unsub_text(t->lang);
	confirmed = db_row_bool(res, 0, "confirmed");
	b = page_begin(t, u->heading);
	if (b) {
		lit(b, "<h1>");
		esc(b, u->heading);
		lit(b, "</h1>\n<p><strong>");
		esc(b, db_row_str(res, 0, "project_title"));
		lit(b, "</strong></p>\n<p>");
		esc(b, confirmed ? u->following : u->confirm_q);
		lit(b, "</p>\n");
		if (!confirmed) {
			lit(b, "<form method=\"post\" action=\"/follow/");
			esc(b, r->params[0]);
			lit(b, "/confirm\"><button type=\"submit\">");
			esc(b, u->confirm_btn);
			lit(b, "</button></form>\n");
		}
		lit(b, "<form method=\"post\" action=\"/unsubscribe/");
		esc(b, r->params[0]);
		lit(b, "\"><button type=\"submit\">");
		esc(b, u->button);
		lit(b, "</button></form>\n");
	}
	page_end(r, b, 200);
}

/* GET shows the page and changes nothing (mail scanners follow links). */
static void follow_get(struct http_req *r)
{
	page_token_query(r, "SELECT * FROM cv_follow_view($1)",
	                 follow_view_done);
}

static void follow_confirm_done(void *arg, PGresult *res, const char *err)
{
	follow_message(arg, res, err, 1);
}

/* POST from the page's button: the follow counts from now on. */
static void follow_confirm(struct http_req *r)
{
	page_token_query(r, "SELECT * FROM cv_follow_confirm($1)",
	                 follow_confirm_done);
}

const struct http_route pages_follow_routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/unsubscribe/{token}",
         .handler = unsub_get},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/unsubscribe/{token}",
         .handler = unsub_post},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/follow/{token}",
         .handler = follow_get},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/follow/{token}/confirm",
         .handler = follow_confirm},
        {.pattern = NULL},
};
