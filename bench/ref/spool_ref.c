/* spool_ref.c - the physical reference for the spool plugin: the same
 * files written with the same durability and nothing else.  Reads every
 * file of SRCDIR into memory (untimed), then times writing them into
 * DSTDIR as a maildir the way plugins/spool/spool.c does: WRITERS threads
 * (its default 2) each take up to BATCH (its 64) files, write each into
 * tmp/ (open O_EXCL, write, sync_file_range), then fsync, close and rename
 * each into new/, then fsync new/ once per batch.  Prints the seconds from
 * the first open to the last directory fsync.
 *
 * usage: spool_ref SRCDIR DSTDIR [WRITERS [BATCH]] */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 1024

struct msg {
	char *data;
	size_t len;
};

static struct msg *msgs;
static size_t nmsgs, next_msg;
static size_t batch = 64;
static const char *dst;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void die(const char *what, const char *path)
{
	fprintf(stderr, "spool_ref: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void load(const char *src)
{
	DIR *d = opendir(src);
	struct dirent *e;
	size_t cap = 0;

	if (!d)
		die("cannot open", src);
	while ((e = readdir(d))) {
		char path[4096];
		struct stat st;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", src, e->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (nmsgs == cap) {
			cap = cap ? cap * 2 : 1024;
			msgs = realloc(msgs, cap * sizeof *msgs);
			if (!msgs)
				die("out of memory", "");
		}
		msgs[nmsgs].len = (size_t)st.st_size;
		msgs[nmsgs].data = malloc(msgs[nmsgs].len + 1);
		if (!msgs[nmsgs].data || !(f = fopen(path, "rb")) ||
		    fread(msgs[nmsgs].data, 1, msgs[nmsgs].len, f) !=
		            msgs[nmsgs].len)
			die("cannot read", path);
		fclose(f);
		nmsgs++;
	}
	closedir(d);
}

static void write_all(int fd, const char *p, size_t len, const char *path)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die("cannot write", path);
		p += w;
		len -= (size_t)w;
	}
}

static void *writer(void *arg)
{
	long me = (long)arg;
	char tmp[4096], fin[4096], dir[4096];
	int fds[MAX_BATCH];

	snprintf(dir, sizeof dir, "%s/new", dst);
	for (;;) {
		size_t first, n;
		int dfd;

		pthread_mutex_lock(&mu);
		first = next_msg;
		n = nmsgs - first < batch ? nmsgs - first : batch;
		next_msg += n;
		pthread_mutex_unlock(&mu);
		if (n == 0)
			return NULL;
		for (size_t i = 0; i < n; i++) {
			snprintf(tmp, sizeof tmp, "%s/tmp/%zu.W%ld.ref", dst,
			         first + i, me);
			fds[i] = open(tmp,
			              O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			              0640);
			if (fds[i] < 0)
				die("cannot create", tmp);
			write_all(fds[i], msgs[first + i].data,
			          msgs[first + i].len, tmp);
			sync_file_range(fds[i], 0, 0, SYNC_FILE_RANGE_WRITE);
		}
		for (size_t i = 0; i < n; i++) {
			snprintf(tmp, sizeof tmp, "%s/tmp/%zu.W%ld.ref", dst,
			         first + i, me);
			snprintf(fin, sizeof fin, "%s/new/%zu.W%ld.ref", dst,
			         first + i, me);
			if (fsync(fds[i]) < 0 || close(fds[i]) < 0)
				die("cannot fsync", tmp);
			if (rename(tmp, fin) < 0)
				die("cannot rename", tmp);
		}
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd) < 0)
			die("cannot fsync", dir);
		close(dfd);
	}
}

int main(int argc, char **argv)
{
	long writers = 2;
	pthread_t th[64];
	struct timespec a, b;
	static const char *const sub[] = {"", "/tmp", "/new", "/cur"};

	if (argc < 3) {
		fprintf(stderr,
		        "usage: spool_ref SRCDIR DSTDIR [WRITERS [BATCH]]\n");
		return 2;
	}
	dst = argv[2];
	if (argc > 3)
		writers = strtol(argv[3], NULL, 10);
	if (argc > 4)
		batch = (size_t)strtoul(argv[4], NULL, 10);
	if (writers < 1 || writers > 64 || batch < 1 || batch > MAX_BATCH) {
		fprintf(stderr, "spool_ref: 1-64 writers, batch 1-%d\n",
		        MAX_BATCH);
		return 2;
	}
	load(argv[1]);
	for (size_t i = 0; i < 4; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s%s", dst, sub[i]);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			die("cannot create", path);
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < writers; i++)
		if (pthread_create(&th[i], NULL, writer, (void *)i) != 0)
			die("cannot start a thread", "");
	for (long i = 0; i < writers; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%zu files %.6f s\n", nmsgs,
	       (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
