/* offload.c - one thread for work that would stall the loop (rendering
 * PDFs).  Jobs go to the thread through a mutex queue and come back
 * through a second queue and an eventfd written only when that queue was
 * empty (as inbound.c and plugin_host.c). */
#include "offload.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "app.h"
#include "log.h"
#include "metrics.h"

struct job {
	offload_run_fn run;
	offload_done_fn done;
	void *arg;
	struct job *next;
};

static struct {
	int started;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *in_head, **in_tail;   /* to the thread */
	struct job *out_head, **out_tail; /* back to the loop */
	int stopping;
	int efd;
	struct event *ev;
	size_t inflight;
} O = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .cv = PTHREAD_COND_INITIALIZER,
       .efd = -1};

static void *worker(void *unused)
{
	for (;;) {
		struct job *j;
		int was_empty;

		pthread_mutex_lock(&O.mu);
		while (!O.in_head && !O.stopping)
			pthread_cond_wait(&O.cv, &O.mu);
		if (O.stopping) {
			pthread_mutex_unlock(&O.mu);
			return NULL;
		}
		j = O.in_head;
		O.in_head = j->next;
		if (!O.in_head)
			O.in_tail = &O.in_head;
		pthread_mutex_unlock(&O.mu);

		j->run(j->arg);

		j->next = NULL;
		pthread_mutex_lock(&O.mu);
		was_empty = O.out_head == NULL;
		*O.out_tail = j;
		O.out_tail = &j->next;
		pthread_mutex_unlock(&O.mu);
		if (was_empty) {
			uint64_t one = 1;
			ssize_t w = write(O.efd, &one, sizeof(one));
			(void)w; /* EAGAIN: the counter is already non-zero */
		}
	}
}

static void on_eventfd(evutil_socket_t fd, short what, void *arg)
{
	struct job *list, *next;
	uint64_t v;

	while (read(fd, &v, sizeof(v)) > 0)
		;
	pthread_mutex_lock(&O.mu);
	list = O.out_head;
	O.out_head = NULL;
	O.out_tail = &O.out_head;
	pthread_mutex_unlock(&O.mu);
	for (; list; list = next) {
		next = list->next;
		O.inflight--;
		list->done(list->arg, 0);
		free(list);
	}
}

static void write_metrics(struct evbuffer *out, void *arg)
{
	evbuffer_add_printf(out,
	                    "# HELP convened_render_inflight Documents (PDF) "
	                    "queued or being rendered on the render thread.\n"
	                    "# TYPE convened_render_inflight gauge\n"
	                    "convened_render_inflight %zu\n",
	                    O.inflight);
}

static int offload_idle(void)
{
	return O.inflight == 0;
}

int offload_start(struct app *app, char *err, size_t errlen)
{
	O.in_tail = &O.in_head;
	O.out_tail = &O.out_head;
	O.stopping = 0;
	O.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (O.efd < 0)
		return snprintf(err, errlen, "eventfd: %s", strerror(errno)),
		       -1;
	O.ev = event_new(app->base, O.efd, EV_READ | EV_PERSIST, on_eventfd,
	                 NULL);
	if (!O.ev || event_add(O.ev, NULL) < 0) {
		snprintf(err, errlen, "cannot watch the eventfd");
		offload_stop();
		return -1;
	}
	if (pthread_create(&O.thread, NULL, worker, NULL) != 0) {
		snprintf(err, errlen, "cannot start the render thread");
		offload_stop();
		return -1;
	}
	O.started = 1;
	if (metrics_register(write_metrics, NULL) < 0)
		log_warnx("render thread: too many metrics writers");
	app_on_drain(offload_idle);
	return 0;
}

static void drop(struct job *list)
{
	struct job *next;

	for (; list; list = next) {
		next = list->next;
		list->done(list->arg, 1);
		free(list);
	}
}

void offload_stop(void)
{
	if (O.started) {
		pthread_mutex_lock(&O.mu);
		O.stopping = 1;
		pthread_cond_signal(&O.cv);
		pthread_mutex_unlock(&O.mu);
		pthread_join(O.thread, NULL);
		O.started = 0;
	}
	drop(O.in_head);
	drop(O.out_head);
	O.in_head = O.out_head = NULL;
	O.in_tail = &O.in_head;
	O.out_tail = &O.out_head;
	O.inflight = 0;
	if (O.ev) {
		event_free(O.ev);
		O.ev = NULL;
	}
	if (O.efd >= 0) {
		close(O.efd);
		O.efd = -1;
	}
}

int offload_submit(offload_run_fn run, offload_done_fn done, void *arg)
{
	struct job *j;

	if (!O.started || (j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->run = run;
	j->done = done;
	j->arg = arg;
	O.inflight++;
	pthread_mutex_lock(&O.mu);
	*O.in_tail = j;
	O.in_tail = &j->next;
	pthread_cond_signal(&O.cv);
	pthread_mutex_unlock(&O.mu);
	return 0;
}

size_t offload_inflight(void)
{
	return O.inflight;
}
