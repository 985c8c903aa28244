/* fuzz_tmpl.c - libFuzzer target: the template loader and renderer.  Input:
 * selector byte, then "template\0value\0value..." — the template replaces
 * one English file (text or HTML) of a private copy of config/templates,
 * is loaded with tmpl_load and, when accepted, rendered with the values. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "kinds.h"
#include "tmpl.h"

static char dir[64];
static size_t footer_lt; /* '<' in the English footer.html, added to each */
static const char footer_html[] =
        "<p style=\"font-size:small\"><a href=\"{{privacy_url}}\">privacy "
        "notice</a></p>\n";

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (dir[0] && system(cmd) != 0)
		fprintf(stderr, "fuzz_tmpl: could not remove %s\n", dir);
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	if (n && fwrite(p, 1, n, f) != n) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *src = getenv("FUZZ_TEMPLATE_DIR");
	char cmd[512], err[512];

	if (src == NULL)
		src = "config/templates";
	strcpy(dir, "/tmp/fuzz-tmpl-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	snprintf(cmd, sizeof(cmd), "cp -R '%s/en' '%s/en'", src, dir);
	if (system(cmd) != 0 || tmpl_load(dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_tmpl: templates from %s: %s\n", src, err);
		abort();
	}
	/* an operator's own footer.html, used as written around the values
	 * (the shipped set makes its HTML footer from footer.txt) */
	snprintf(cmd, sizeof(cmd), "%s/en/footer.html", dir);
	if (write_file(cmd, footer_html, strlen(footer_html)) != 0 ||
	    tmpl_load(dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_tmpl: %s: %s\n", cmd, err);
		abort();
	}
	{
		FILE *f = fopen(cmd, "r");
		int c;

		while (f && (c = fgetc(f)) != EOF)
			footer_lt += c == '<';
		if (f)
			fclose(f);
	}
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;

	*len = 0;
	if (f == NULL)
		return NULL;
	buf = malloc(1 << 16);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

static size_t count(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[FUZZ_MAX_FIELDS];
	struct tmpl_var vars[FUZZ_MAX_FIELDS];
	char path[256], err[512];
	size_t nf, nkinds = 0, nv = 0, olen;
	int html, k, l;
	char *orig;
	struct tmpl_msg m;

	if (size < 1)
		return 0;
	while (kinds_notification[nkinds])
		nkinds++;
	k = data[0] % nkinds;
	html = (data[0] >> 4) & 1;
	l = (data[0] >> 5) % 7; /* 6 = an unknown language */
	nf = fuzz_split(data + 1, size - 1, '\0', f, FUZZ_MAX_FIELDS);

	snprintf(path, sizeof(path), "%s/en/%s.%s", dir, kinds_notification[k],
	         html ? "html" : "txt");
	orig = slurp(path, &olen);
	/* field 0 is written with its full length (NUL cut by split) */
	write_file(path, f[0], strlen(f[0]));
	if (tmpl_load(dir, err, sizeof(err)) == 0) {
		for (size_t i = 1; i < nf && tmpl_keys[i - 1]; i++) {
			vars[nv].name = tmpl_keys[i - 1];
			vars[nv].value = f[i];
			nv++;
		}
		if (tmpl_render(l < 6 ? tmpl_langs[l] : "xx",
		                kinds_notification[k], vars, nv, &m) == 0) {
			if (strpbrk(m.subject, "\r\n") != NULL)
				abort(); /* subject stays one line */
			/* every '<' in the HTML comes from the template
			 * or its footer */
			if (m.html && html &&
			    count(m.html, '<') != count(f[0], '<') + footer_lt)
				abort();
			tmpl_msg_free(&m);
		}
	} else if (err[0] == '\0') {
		abort();
	}
	if (orig != NULL)
		write_file(path, orig, olen);
	else
		unlink(path);
	free(orig);
	fuzz_free_fields(f, nf);
	return 0;
}
