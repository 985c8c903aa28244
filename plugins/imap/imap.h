/* imap.h - the imap source plugin's shared state: the plugin life and the
 * loop side (imap.c) and the worker thread that talks IMAP (imap_poll.c). */
#ifndef CONVENED_IMAP_H
#define CONVENED_IMAP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "plugin.h"

struct event;
struct imap;

/* One fetched message on its way to the host and back.  The worker owns it
 * until it is queued; the loop fills result/reason and sets done. */
struct imap_item {
	struct imap_item *next; /* in the queue to the loop */
	struct imap *im;
	uint32_t uid;
	char *raw;
	size_t len;
	char rcpt[320];        /* the envelope recipient we name */
	enum cv_result result; /* set on the loop */
	char reason[256];
	int done;
};

struct imap_conf {
	char *url;      /* imap[s]://host[:port]/MAILBOX, no trailing '/' */
	char *user;     /* NULL: no login (not useful; required) */
	char *password; /* read from password_file */
	const char *address;       /* the mailbox's own address */
	const char *done_folder;   /* where handled mail goes */
	const char *failed_folder; /* where refused mail goes */
	long poll_s;               /* seconds between polls */
	long timeout_s;            /* one IMAP command */
	size_t max_size;           /* bytes of one message */
	long batch;                /* messages per poll at most */
	int tls_verify;            /* verify the server's certificate */
	const char *ca_file;       /* CA certificates, or NULL: the system's */
	int loopback;              /* plain IMAP allowed (127.0.0.1, ::1) */
};

struct imap {
	struct cv_plugin_ctx *ctx;
	const struct cv_host *host;
	struct imap_conf conf;

	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;         /* an item done, or stopping */
	struct imap_item *head;    /* queued for the loop (under mu) */
	struct imap_item **tail;   /* (under mu) */
	struct imap_item *current; /* the worker's item in flight */
	int stopping;              /* (under mu) */
	int efd;                   /* eventfd: queue became non-empty */
	struct event *ev;
};

/* The worker thread: poll, fetch, hand over, move.  ARG is struct imap. */
void *imap_worker(void *arg);

/* Worker side: queue ITEM for the loop and wait until the host answered it
 * or the plugin stops.  Returns 1 when answered (item->result is set), 0
 * when stopping (the item then belongs to shutdown). */
int imap_hand_over(struct imap *im, struct imap_item *item);

/* Is the plugin stopping?  Thread-safe. */
int imap_stopping(struct imap *im);

/* Sleep up to S seconds or until the plugin stops.  Returns 1 when
 * stopping. */
int imap_sleep(struct imap *im, long s);

#endif
