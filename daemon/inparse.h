/* inparse.h - what a received mail is: iMIP reply, bounce, auto-reply or
 * human mail.  Pure classification of one RFC 5322 message (GMime for MIME,
 * libical for calendar parts): no database, no network, no global state
 * after inparse_init(), so it may run on any thread. */
#ifndef CONVENED_INPARSE_H
#define CONVENED_INPARSE_H

#include <stddef.h>
#include <stdint.h>

/* What the message is.  The names (inparse_class_name) are stable strings
 * for the SQL decision and the API. */
enum inparse_class {
	INPARSE_MALFORMED = 0, /* refused or unreadable; reason says why */
	INPARSE_HUMAN,         /* typed by a person: text is filled */
	INPARSE_AUTO_REPLY,    /* vacation, out-of-office, auto-responder */
	INPARSE_IMIP_REPLY,    /* iTIP METHOD:REPLY */
	INPARSE_IMIP_COUNTER,  /* iTIP METHOD:COUNTER (a proposed change) */
	INPARSE_IMIP_OTHER,    /* a calendar part with another METHOD */
	INPARSE_DSN_FAILED,    /* a bounce: at least one recipient failed */
	INPARSE_DSN_DELAYED,   /* a delay warning only: soft */
	INPARSE_DSN_SUCCESS,   /* delivered/relayed report: not a failure */
};

/* Per-recipient outcome of a delivery report. */
enum inparse_severity {
	INPARSE_SEV_HARD = 0, /* final failure: Action failed, or 5.x.x */
	INPARSE_SEV_SOFT,     /* delayed, or 4.x.x without a final Action */
	INPARSE_SEV_SUCCESS,  /* delivered, relayed, expanded, or 2.x.x */
};

/* One ATTENDEE of the calendar component. */
struct inparse_attendee {
	char *address;      /* mailto address, lower-case, no spaces; "" if
	                       the value is no mailto: and there is no EMAIL= */
	char *partstat;     /* upper-case PARTSTAT ("ACCEPTED", "DECLINED",
	                       "TENTATIVE", "DELEGATED", ...); "" if absent */
	char *delegated_to; /* first DELEGATED-TO address, lower-case; NULL */
	char *name;         /* CN, UTF-8; NULL if absent */
};

/* One recipient of a delivery report (RFC 3464 or a plain-text bounce). */
struct inparse_dsn_rcpt {
	char *address;    /* Final-Recipient (else Original-Recipient, else
	                     the address found in the text), lower-case */
	char *original;   /* Original-Recipient, lower-case; NULL.  After
	                     alias expansion it, not Final-Recipient, is
	                     the address convened wrote to: match both */
	char *status;     /* "5.1.1"; "" when the report gives none */
	char *action;     /* lower-case Action ("failed", "delayed",
	                     "delivered", "relayed", "expanded"); "" if none */
	char *diagnostic; /* Diagnostic-Code or the bounce's text line,
	                     unfolded, UTF-8, at most 512 bytes; NULL */
	enum inparse_severity severity;
};

/*
 * The facts a decision needs.  Every string is a NUL-terminated UTF-8
 * heap string owned by the result (free it all with inparse_result_free),
 * without control characters (text keeps newlines and tabs).  Message-IDs
 * keep their angle brackets ("<outbox-42.ab12@example.org>"), the form
 * convened stores.  NULL means "not present".
 */
struct inparse_result {
	enum inparse_class cls;
	char reason[160];  /* one line: why this class (always set) */
	int is_automatic;  /* made by software: never answer this message
	                      (DSN, auto-reply, calendar client, or any
	                      automatic header).  Notifications caused by
	                      the state change it triggers are not answers. */
	char *auto_reason; /* which header or subject says it is automatic,
	                      e.g. "Auto-Submitted: auto-replied"; NULL */

	/* envelope-independent header facts */
	char *message_id;  /* "<...>" */
	char *from;        /* first From address, lower-case */
	char *from_name;   /* its display name, decoded */
	char *subject;     /* decoded */
	char *in_reply_to; /* "<...>" (the first id) */
	char **references; /* "<...>" each, oldest first */
	size_t nreferences;

	/* iMIP (IMIP_*; also filled for a MALFORMED calendar reply) */
	char *method;      /* METHOD of the calendar ("REPLY"; the MIME
	                      method= parameter when the calendar has none) */
	char *mime_method; /* the MIME method= parameter as sent; NULL */
	char *uid;
	int sequence;          /* SEQUENCE, 0 when absent (RFC 5545) */
	int64_t dtstamp;       /* DTSTAMP as unix seconds, 0 when absent */
	char *recurrence_id;   /* RECURRENCE-ID value ("20270301T090000");
	                          NULL */
	char *recurrence_tzid; /* its TZID parameter; NULL */
	char *organizer;       /* mailto address, lower-case; NULL (Outlook
	                          omits it: never require it) */
	char *comment; /* COMMENT, else X-CALENDARSERVER-PRIVATE-COMMENT */
	char *dtstart; /* as written ("20210113T184500Z"): a COUNTER's
	                  proposal, for display */
	char *dtend;
	struct inparse_attendee *attendees;
	size_t nattendees;
	int calendar_parts; /* calendar parts seen (a REPLY is often sent
	                       twice); the first readable one is used */

	/* delivery reports (DSN_*) */
	struct inparse_dsn_rcpt *rcpts;
	size_t nrcpts;
	char *orig_message_id; /* Message-ID of the returned message "<...>":
	                          convened's own identify the outbox row */
	int dsn_structured;    /* 1 from a message/delivery-status part,
	                          0 from a plain-text bounce's wording */

	/* human mail (also filled for the others when there is text) */
	char *text;         /* text/plain body, or text from the HTML */
	int text_truncated; /* text was cut at inparse_limits.max_text */
};

/* Bounds on one message; a 0 field takes the default. */
struct inparse_limits {
	size_t max_bytes; /* whole message (default 25 MiB) */
	size_t max_parts; /* MIME parts in the whole tree (default 1000) */
	size_t max_depth; /* nesting of multiparts/messages (default 16) */
	size_t max_text;  /* bytes of body text kept (default 64 KiB) */
};

#define INPARSE_DEFAULT_MAX_BYTES ((size_t)25 * 1024 * 1024)
#define INPARSE_DEFAULT_MAX_PARTS ((size_t)1000)
#define INPARSE_DEFAULT_MAX_DEPTH ((size_t)16)
#define INPARSE_DEFAULT_MAX_TEXT  ((size_t)64 * 1024)

/* Initialise GMime (and libical's UTC zone) once, at start-up, before any
 * thread calls inparse_message.  Returns 0. */
int inparse_init(void);
/* Release what inparse_init set up; no inparse_message may run. */
void inparse_shutdown(void);

/*
 * Classify the LEN bytes at RAW (NUL bytes allowed).  LIM may be NULL for
 * the defaults.  Fills OUT (which the caller frees with
 * inparse_result_free, also after an error) and returns 0 — a message
 * over a limit or unreadable is class INPARSE_MALFORMED with a reason, not
 * an error.  Returns -1 only when memory ran out, with a message in ERR.
 * Re-entrant.
 */
int inparse_message(const char *raw, size_t len,
                    const struct inparse_limits *lim,
                    struct inparse_result *out, char *err, size_t errlen);

/* Free everything OUT holds and zero it; safe on a zeroed result. */
void inparse_result_free(struct inparse_result *out);

/* "malformed", "human", "auto_reply", "imip_reply", "imip_counter",
 * "imip_other", "dsn_failed", "dsn_delayed", "dsn_success". */
const char *inparse_class_name(enum inparse_class cls);
/* "hard", "soft", "success". */
const char *inparse_severity_name(enum inparse_severity sev);

#endif
