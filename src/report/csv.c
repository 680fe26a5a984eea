/*
 * CSV report: the JSON report flattened into one row per value, so that it
 * carries every fact the JSON does and follows the same schema
 * (docs/schema/scan.schema.json).  Columns: host, port, ip, field, value.
 * field is a JSON Pointer (RFC 6901) into the target's object, e.g.
 * "/protocols/TLSv1.2/cipher_suites/0"; mail domains put the domain in
 * host and "/mail/..." in field; scan-wide values have an empty host.
 * RFC 4180 records (CRLF, every text field quoted); every string goes
 * through the CSV escaping of report/escape.h (no formulas, no line
 * breaks inside a field).  null and "" are empty cells; an empty array or
 * object is "[]" or "{}", so that "none found" still has a row.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "report/csv.h"
#include "report/escape.h"

#define PTR_MAX 512 /* our own keys and indexes: never near this */

struct row {
	FILE *out;
	const char *host, *port, *ip;
};

/* Append "/" + key with '~' and '/' escaped (RFC 6901 section 3). */
static size_t
ptr_push(char *ptr, size_t len, const char *key)
{
	if (len + 1 < PTR_MAX)
		ptr[len++] = '/';
	for (; *key && len + 2 < PTR_MAX; key++) {
		if (*key == '~' || *key == '/') {
			ptr[len++] = '~';
			ptr[len++] = *key == '~' ? '0' : '1';
		} else {
			ptr[len++] = *key;
		}
	}
	ptr[len] = '\0';
	return len;
}

static void
emit(const struct row *r, const char *field, const json_t *v)
{
	ta_esc_csv_field(r->out, r->host);
	fputc(',', r->out);
	fputs(r->port, r->out); /* digits or empty: ours */
	fputc(',', r->out);
	ta_esc_csv_field(r->out, r->ip);
	fputc(',', r->out);
	ta_esc_csv_field(r->out, field);
	fputc(',', r->out);
	switch (json_typeof(v)) {
	case JSON_STRING:
		ta_esc_csv_field(r->out, json_string_value(v));
		break;
	case JSON_INTEGER:
		fprintf(r->out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(r->out, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("true", r->out);
		break;
	case JSON_FALSE:
		fputs("false", r->out);
		break;
	case JSON_ARRAY:
		fputs("\"[]\"", r->out); /* only reached when empty */
		break;
	case JSON_OBJECT:
		fputs("\"{}\"", r->out);
		break;
	case JSON_NULL:
		break;
	}
	fputs("\r\n", r->out);
}

/* Rows for v and everything under it; skip: keys of the top object that
 * are columns already. */
static void
walk(const struct row *r, char *ptr, size_t len, const json_t *v, bool top)
{
	const char *key;
	json_t *sub;
	size_t i;

	if (json_is_object(v) && json_object_size(v) > 0) {
		json_object_foreach ((json_t *)v, key, sub) {
			if (top && (strcmp(key, "host") == 0 || strcmp(key, "port") == 0 ||
			            strcmp(key, "ip") == 0 || strcmp(key, "domain") == 0))
				continue;
			walk(r, ptr, ptr_push(ptr, len, key), sub, false);
			ptr[len] = '\0';
		}
	} else if (json_is_array(v) && json_array_size(v) > 0) {
		json_array_foreach (v, i, sub) {
			char idx[24];

			snprintf(idx, sizeof idx, "%zu", i);
			walk(r, ptr, ptr_push(ptr, len, idx), sub, false);
			ptr[len] = '\0';
		}
	} else {
		emit(r, len ? ptr : "/", v);
	}
}

static const char *
str_or_empty(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

void
ta_csv_header(FILE *out)
{
	fputs("host,port,ip,field,value\r\n", out);
}

void
ta_csv_meta(FILE *out, const json_t *meta)
{
	const char *key;
	json_t *v;
	char ptr[PTR_MAX];

	json_object_foreach ((json_t *)meta, key, v) {
		struct row r = {out, "", "", ""};

		walk(&r, ptr, ptr_push(ptr, 0, key), v, false);
	}
}

void
ta_csv_target(FILE *out, const json_t *t)
{
	char port[24], ptr[PTR_MAX];
	json_int_t p = json_integer_value(json_object_get(t, "port"));
	struct row r;

	if (json_is_integer(json_object_get(t, "port")))
		snprintf(port, sizeof port, "%" JSON_INTEGER_FORMAT, p);
	else
		port[0] = '\0'; /* a stored document may lack it */
	r = (struct row){out, str_or_empty(t, "host"), port, str_or_empty(t, "ip")};
	walk(&r, ptr, 0, t, true);
}

void
ta_csv_mail(FILE *out, const json_t *m)
{
	char ptr[PTR_MAX];
	struct row r = {out, str_or_empty(m, "domain"), "", ""};

	walk(&r, ptr, ptr_push(ptr, 0, "mail"), m, true);
}
