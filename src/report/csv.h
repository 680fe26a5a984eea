/*
 * CSV rows of the document (csv.c): one row per value, the JSON tree
 * flattened, written part by part as a report streams.
 */
#ifndef TA_REPORT_CSV_H
#define TA_REPORT_CSV_H

#include <jansson.h>
#include <stdio.h>

void ta_csv_header(FILE *out);
/* The top level's values (tool, version ...): rows with an empty host. */
void ta_csv_meta(FILE *out, const json_t *meta);
void ta_csv_target(FILE *out, const json_t *target);
void ta_csv_mail(FILE *out, const json_t *mail);

#endif
