/* import_stub.c - `convenectl import` until ctl/import.c provides it: a
 * weak definition that a strong ctl_import elsewhere replaces. */
#include "ctl.h"

__attribute__((weak)) int ctl_import(struct ctl *c, const struct ctl_cmd *cmd,
                                     char **pos, json_t *fields)
{
	(void)c;
	(void)cmd;
	(void)pos;
	(void)fields;
	ctl_err("import: not implemented yet");
	return 1;
}
