/* offload.h - one thread for work that would stall the loop (rendering
 * PDFs): a job runs there and its result comes back to the loop. */
#ifndef CONVENED_OFFLOAD_H
#define CONVENED_OFFLOAD_H

#include <stddef.h>

struct app;

/* Runs on the worker thread: must not touch the loop or shared state. */
typedef void (*offload_run_fn)(void *arg);
/* Runs on the loop after RUN, with STOPPING 0; or at shutdown for a job
 * that was not run or not handed back, with STOPPING 1 (then it should
 * only free ARG: the HTTP server is gone). */
typedef void (*offload_done_fn)(void *arg, int stopping);

/* Start the thread and its wake-up on APP's loop.  0, or -1 with ERR. */
int offload_start(struct app *app, char *err, size_t errlen);

/* Join the thread; jobs left get DONE with STOPPING 1. */
void offload_stop(void);

/* Queue RUN(ARG) on the thread, DONE(ARG, 0) on the loop afterwards.
 * Returns 0, or -1 (not started, or out of memory) and nothing runs. */
int offload_submit(offload_run_fn run, offload_done_fn done, void *arg);

/* Jobs queued or running, not yet handed back. */
size_t offload_inflight(void);

#endif
