/* inparse_auto.c - is a message automatic?  The headers RFC 3834 and the
 * big mail systems set (Auto-Submitted, X-Autoreply, Precedence,
 * X-Auto-Response-Suppress, X-Apple-Action, a null Return-Path) and the
 * out-of-office subjects of the languages convened's participants use. */
#include "inparse_int.h"

#include <stdio.h>
#include <string.h>

/* Subjects that start with one of these (case-insensitive). */
static const char *const subject_prefixes[] = {
        "Automatic reply:",
        "Auto reply:",
        "Auto-reply:",
        "Autoreply:",
        "Auto response:",
        "AutoResponse:",
        "AUTO:",
        "Automatische Antwort:",  /* de */
        "Abwesenheitsnotiz",      /* de */
        "Réponse automatique",    /* fr */
        "Risposta automatica",    /* it */
        "Respuesta automática",   /* es */
        "Automatiskt svar",       /* sv */
        "Autosvar",               /* sv, da, no */
        "Automaattinen vastaus",  /* fi */
        "Odpowiedź automatyczna", /* pl */
        "Automatyczna odpowiedź", /* pl */
        "Automatski odgovor",     /* hr */
        "Automatisch antwoord",   /* nl */
        "Resposta automática",    /* pt */
};

/* Subjects that contain one of these (case-insensitive). */
static const char *const subject_words[] = {
        "Out of Office",       "Out of the Office", "(Automatic Response)",
        "Automatic reply",     "Auto-Reply",        "Autoreply",
        "Absence du bureau",   /* fr */
        "Fuori ufficio",       /* it */
        "Fuera de la oficina", /* es */
        "Poza biurem",         /* pl */
        "Izvan ureda",         /* hr */
};

/* Case-insensitive UTF-8 comparison helpers (casefolded copies). */
static int has_prefix(const char *subject, const char *prefix)
{
	char *s = g_utf8_casefold(subject, -1);
	char *p = g_utf8_casefold(prefix, -1);
	int r = strncmp(s, p, strlen(p)) == 0;

	g_free(s);
	g_free(p);
	return r;
}

static int contains(const char *subject, const char *word)
{
	char *s = g_utf8_casefold(subject, -1);
	char *w = g_utf8_casefold(word, -1);
	int r = strstr(s, w) != NULL;

	g_free(s);
	g_free(w);
	return r;
}

/* The first word of a header value, lower-case ("auto-replied" of
 * "Auto-Replied (vacation); x=y"). */
static void first_word(const char *v, char *out, size_t outlen)
{
	size_t n = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	while (*v && *v != ' ' && *v != '\t' && *v != ';' && *v != '(' &&
	       n + 1 < outlen)
		out[n++] = g_ascii_tolower(*v++);
	out[n] = '\0';
}

static int say(struct ip_ctx *ctx, struct inparse_result *out, const char *fmt,
               const char *a, const char *b)
{
	char buf[IP_MAX_LINE];

	snprintf(buf, sizeof(buf), fmt, a, b);
	free(out->auto_reason);
	out->auto_reason = ip_line(ctx, buf);
	return 1;
}

int ip_auto_detect(struct ip_ctx *ctx, GMimeMessage *m, const char *subject,
                   struct inparse_result *out)
{
	GMimeObject *o = GMIME_OBJECT(m);
	const char *v;
	char w[64];
	size_t i;

	if ((v = g_mime_object_get_header(o, "Auto-Submitted")) != NULL) {
		first_word(v, w, sizeof(w));
		if (w[0] != '\0' && strcmp(w, "no") != 0)
			return say(ctx, out, "Auto-Submitted: %s%s", w, "");
	}
	if ((v = g_mime_object_get_header(o, "X-Autoreply")) != NULL)
		return say(ctx, out, "X-Autoreply: %s%s", v, "");
	if ((v = g_mime_object_get_header(o, "X-Autorespond")) != NULL)
		return say(ctx, out, "X-Autorespond: %s%s", v, "");
	if ((v = g_mime_object_get_header(o, "Precedence")) != NULL) {
		first_word(v, w, sizeof(w));
		if (strcmp(w, "auto_reply") == 0 || strcmp(w, "bulk") == 0 ||
		    strcmp(w, "junk") == 0)
			return say(ctx, out, "Precedence: %s%s", w, "");
	}
	if ((v = g_mime_object_get_header(o, "X-Auto-Response-Suppress")) !=
	            NULL &&
	    v[strspn(v, " \t")] != '\0')
		return say(ctx, out, "X-Auto-Response-Suppress: %s%s", v, "");
	if ((v = g_mime_object_get_header(o, "X-Apple-Action")) != NULL) {
		first_word(v, w, sizeof(w));
		if (strcmp(w, "vacation") == 0)
			return say(ctx, out, "X-Apple-Action: %s%s", v, "");
	}
	if ((v = g_mime_object_get_header(o, "Return-Path")) != NULL) {
		v += strspn(v, " \t");
		if (v[0] == '<' && v[1 + strspn(v + 1, " \t")] == '>')
			return say(ctx, out, "null Return-Path%s%s", "", "");
	}
	if (subject == NULL)
		return 0;
	for (i = 0; i < G_N_ELEMENTS(subject_prefixes); i++)
		if (has_prefix(subject, subject_prefixes[i]))
			return say(ctx, out, "Subject: %s...%s",
			           subject_prefixes[i], "");
	for (i = 0; i < G_N_ELEMENTS(subject_words); i++)
		if (contains(subject, subject_words[i]))
			return say(ctx, out, "Subject: ...%s...%s",
			           subject_words[i], "");
	return 0;
}
