/* fuzz_json_in.c - libFuzzer target: json_in_check with a table using every
 * type, flag and stock check (the API modules' own tables are fuzzed by
 * the generated json_api_* targets). */
#include <stddef.h>

#include "json_in.h"

static const char *const colours[] = {"red", "green", "blue", NULL};

static const struct json_in_field all_fields[] = {
        {.name = "email",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 254,
         .check = json_in_email},
        {.name = "start", .type = JIN_STRING, .check = json_in_datetime},
        {.name = "day", .type = JIN_STRING, .check = json_in_date},
        {.name = "when",
         .type = JIN_STRING,
         .flags = JIN_NULLABLE,
         .check = json_in_date_or_datetime},
        {.name = "slug",
         .type = JIN_STRING,
         .max_len = 63,
         .check = json_in_slug},
        {.name = "country", .type = JIN_STRING, .check = json_in_country},
        {.name = "url", .type = JIN_STRING, .check = json_in_url},
        {.name = "name",
         .type = JIN_STRING,
         .max_len = 5,
         .check = json_in_nonblank},
        {.name = "colour", .type = JIN_STRING, .choices = colours},
        {.name = "seats", .type = JIN_INT, .min = 1, .max = 100000},
        {.name = "any", .type = JIN_INT, .flags = JIN_NULLABLE},
        {.name = "flag", .type = JIN_BOOL},
        {.name = "obj", .type = JIN_OBJECT},
        {.name = "arr", .type = JIN_ARRAY, .flags = JIN_NULLABLE},
        {.name = NULL},
};

static const struct json_in_field *const fuzz_tables[] = {all_fields, NULL};

#include "json_body.h"
