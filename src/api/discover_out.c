/*
 * The reports of tlsaudit discover (docs/discovery.md): text, JSON and
 * CSV of one run, built from what discover.c collected and compared.
 * Server text (banners, details) was made printable ASCII by the probe
 * layer; it and the inventory's text are still escaped for each format
 * (report/escape.h), as everything a scan writes.
 */
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "api/discover_int.h"
#include "report/escape.h"
#include "wire/tls.h"

static const char *const status_names[] = {
        [TA_DISC_CLOSED] = "closed",
        [TA_DISC_NOANSWER] = "no-answer",
        [TA_DISC_TLS] = "tls",
        [TA_DISC_STARTTLS] = "starttls",
        [TA_DISC_NO_STARTTLS] = "no-starttls",
        [TA_DISC_NOT_TLS] = "not-tls",
        [TA_DISC_ERROR] = "error",
};

const char *
ta_dsvc_status_name(int status)
{
	return status >= 0 && (size_t)status < sizeof status_names / sizeof status_names[0]
	               ? status_names[status]
	               : "?";
}

static void
alert_name(uint8_t desc, char *buf, size_t cap)
{
	const char *n = ta_alert_name(desc);

	if (n)
		snprintf(buf, cap, "%s", n);
	else
		snprintf(buf, cap, "alert %u", desc);
}

static void
version_name(uint16_t v, char *buf, size_t cap)
{
	static const struct {
		uint16_t v;
		const char *name;
	} names[] = {{TA_SSL2, "SSLv2"},    {TA_SSL3, "SSLv3"},    {TA_TLS10, "TLSv1.0"},
	             {TA_TLS11, "TLSv1.1"}, {TA_TLS12, "TLSv1.2"}, {TA_TLS13, "TLSv1.3"}};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].v == v) {
			snprintf(buf, cap, "%s", names[i].name);
			return;
		}
	snprintf(buf, cap, v ? "0x%04x" : "", v);
}

/* What answered our hello: "server_hello", "hello_retry_request", "alert",
 * "sslv2", or "" when nothing in TLS did. */
static const char *
answer_of(const struct svc *s)
{
	if (!ta_dsvc_is_tls(s) || (s->status == TA_DISC_STARTTLS && !s->tls_answer))
		return "";
	if (s->has_alert)
		return "alert";
	if (s->version == TA_SSL2)
		return "sslv2";
	return s->hrr ? "hello_retry_request" : "server_hello";
}

static void
report_time(time_t now, char *buf, size_t cap)
{
	struct tm tm;

	if (!gmtime_r(&now, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, cap, "1970-01-01T00:00:00Z");
}

/* ---- JSON ---- */

static json_t *
str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *
svc_json(const struct svc *s, bool inv)
{
	char ver[16], al[40] = "";
	json_t *o = json_object();

	version_name(s->version, ver, sizeof ver);
	if (s->has_alert)
		alert_name(s->alert, al, sizeof al);
	json_object_set_new(o, "address", json_string(s->addr));
	json_object_set_new(o, "host", str_or_null(s->host));
	json_object_set_new(o, "port", json_integer(s->port));
	json_object_set_new(o, "status", json_string(ta_dsvc_status_name(s->status)));
	json_object_set_new(o, "tls", json_boolean(ta_dsvc_is_tls(s)));
	json_object_set_new(o, "protocol", str_or_null(s->proto));
	json_object_set_new(o, "tls_version", str_or_null(ver));
	json_object_set_new(o, "answer", str_or_null(answer_of(s)));
	json_object_set_new(o, "alert", str_or_null(al));
	json_object_set_new(o, "banner", str_or_null(s->banner));
	json_object_set_new(o, "detail", str_or_null(s->detail));
	json_object_set_new(o, "connections", json_integer(s->conns));
	if (inv)
		json_object_set_new(o, "inventory", str_or_null(s->inv));
	return o;
}

static json_t *
change_json(const struct change *c)
{
	const struct ta_inv_row *r = c->ep->row;
	json_t *o = json_object(), *a = json_array();

	for (size_t i = 0; i < c->naddrs; i++)
		json_array_append_new(a, json_string(c->addrs[i]));
	json_object_set_new(o, "host", json_string(r->host));
	json_object_set_new(o, "port", json_integer(r->port));
	json_object_set_new(o, "protocol", json_string(r->protocol));
	json_object_set_new(o, "asset_id", str_or_null(r->asset_id));
	json_object_set_new(o, "name", str_or_null(r->name));
	json_object_set_new(o, "addresses", a);
	if (c->svc) {
		json_object_set_new(o, "found_protocol", json_string(c->svc->proto));
		json_object_set_new(o, "found_address", json_string(c->svc->addr));
	} else {
		json_object_set_new(o, "reason", json_string(c->reason));
	}
	return o;
}

static json_t *
inputs_json(const struct disc_ctx *x)
{
	json_t *v = json_array();

	for (size_t i = 0; i < ta_disc_ninputs(x->disc); i++) {
		const struct ta_disc_input *in = ta_disc_input(x->disc, i);
		json_t *o, *a;

		if (in->lookup_only)
			continue;
		o = json_object();
		json_object_set_new(o, "spec", json_string(in->spec));
		json_object_set_new(o, "kind",
		                    json_string(in->is_name             ? "name"
		                                : strchr(in->spec, '/') ? "block"
		                                                        : "address"));
		json_object_set_new(o, "addresses", json_integer((json_int_t)in->naddrs));
		if (in->is_name) {
			a = json_array();
			for (size_t k = 0; k < in->nlisted; k++)
				json_array_append_new(a, json_string(in->addrs[k]));
			json_object_set_new(o, "resolved", a);
		}
		json_object_set_new(o, "error", str_or_null(in->error));
		json_array_append_new(v, o);
	}
	return v;
}

static json_t *
inventory_json(const struct disc_ctx *x)
{
	json_t *o = json_object(), *n = json_array(), *g = json_array(), *c = json_array();

	for (size_t i = 0; i < x->nsvc; i++)
		if (x->svc[i].inv && strcmp(x->svc[i].inv, "new") == 0) {
			json_t *e = json_object();

			json_object_set_new(e, "address", json_string(x->svc[i].addr));
			json_object_set_new(e, "port", json_integer(x->svc[i].port));
			json_object_set_new(e, "protocol", json_string(x->svc[i].proto));
			json_array_append_new(n, e);
		}
	for (size_t i = 0; i < x->ngone; i++)
		json_array_append_new(g, change_json(&x->gone[i]));
	for (size_t i = 0; i < x->nchanged; i++)
		json_array_append_new(c, change_json(&x->changed[i]));
	json_object_set_new(o, "store", json_string(x->db));
	json_object_set_new(o, "rows", json_integer((json_int_t)x->inv.n));
	json_object_set_new(o, "in_scope", json_integer((json_int_t)x->in_scope));
	json_object_set_new(o, "listed", json_integer((json_int_t)x->listed));
	json_object_set_new(o, "unresolved_rows", json_integer((json_int_t)x->unresolved_rows));
	json_object_set_new(o, "new", n);
	json_object_set_new(o, "gone", g);
	json_object_set_new(o, "changed", c);
	return o;
}

static int
write_json(const struct disc_ctx *x, FILE *out)
{
	const struct ta_disc_stats *st = ta_disc_stats(x->disc);
	json_t *doc = json_object(), *ports = json_array(), *svcs = json_array();
	char when[32];
	size_t np;
	const uint16_t *p = ta_disc_ports(x->disc, &np);
	int rc;

	report_time(x->now, when, sizeof when);
	for (size_t i = 0; i < np; i++)
		json_array_append_new(ports, json_integer(p[i]));
	for (size_t i = 0; i < x->nsvc; i++)
		json_array_append_new(svcs, svc_json(&x->svc[i], x->have_inv));
	json_object_set_new(doc, "tool", json_string("tlsaudit"));
	json_object_set_new(doc, "version", json_string(TA_VERSION_STRING));
	json_object_set_new(doc, "command", json_string("discover"));
	json_object_set_new(doc, "report_time", json_string(when));
	json_object_set_new(doc, "inputs", inputs_json(x));
	json_object_set_new(doc, "ports", ports);
	json_object_set_new(doc, "rate", json_integer(x->opts->rate));
	json_object_set_new(doc, "addresses", json_integer((json_int_t)st->addresses));
	json_object_set_new(doc, "probes", json_integer((json_int_t)st->probes));
	json_object_set_new(doc, "done", json_integer((json_int_t)st->done));
	json_object_set_new(doc, "connections", json_integer((json_int_t)st->connections));
	json_object_set_new(doc, "closed", json_integer((json_int_t)st->closed));
	json_object_set_new(doc, "no_answer", json_integer((json_int_t)st->noanswer));
	json_object_set_new(doc, "open", json_integer((json_int_t)st->open));
	json_object_set_new(doc, "errors", json_integer((json_int_t)st->errors));
	json_object_set_new(doc, "elapsed_s", json_real(st->elapsed_s));
	json_object_set_new(doc, "interrupted", json_boolean(st->interrupted));
	json_object_set_new(doc, "services", svcs);
	if (x->have_inv)
		json_object_set_new(doc, "inventory", inventory_json(x));
	rc = json_dumpf(doc, out,
	                JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII |
	                        JSON_REAL_PRECISION(6)) == 0 &&
	                     fputc('\n', out) != EOF
	             ? TA_OK
	             : TA_ESYS;
	json_decref(doc);
	return rc;
}

/* ---- text ---- */

static void
put(FILE *out, const char *s)
{
	ta_esc_put(out, s, ta_esc_term_mode());
}

static void
svc_text(FILE *out, const struct svc *s)
{
	char ep[TA_DISC_ADDR_TEXT + 10], ver[16], al[40];

	snprintf(ep, sizeof ep, strchr(s->addr, ':') ? "[%s]:%u" : "%s:%u", s->addr, s->port);
	fprintf(out, "%-22s %-12s ", ep, s->proto ? s->proto : "-");
	version_name(s->version, ver, sizeof ver);
	switch (s->status) {
	case TA_DISC_TLS:
	case TA_DISC_STARTTLS:
		fputs(s->status == TA_DISC_TLS ? "TLS" : "STARTTLS", out);
		if (s->has_alert) {
			alert_name(s->alert, al, sizeof al);
			fprintf(out, ", alert %s", al);
		} else if (s->status == TA_DISC_TLS || s->tls_answer) {
			fprintf(out, ", %s%s", ver, s->hrr ? " (HelloRetryRequest)" : "");
		} else {
			fputs(", no TLS answer after it: ", out);
			put(out, s->detail);
		}
		break;
	case TA_DISC_NO_STARTTLS:
		fputs("no STARTTLS: ", out);
		put(out, s->detail);
		break;
	default:
		fputs("not TLS: ", out);
		put(out, s->detail);
		break;
	}
	if (s->banner[0]) {
		fputs(" \"", out);
		put(out, s->banner);
		fputc('"', out);
	}
	if (s->host) {
		fputs(" (", out);
		put(out, s->host);
		fputc(')', out);
	}
	if (s->inv) {
		fprintf(out, " [%s]", s->inv);
	}
	fputc('\n', out);
}

static void
inputs_text(const struct disc_ctx *x, FILE *out)
{
	for (size_t i = 0; i < ta_disc_ninputs(x->disc); i++) {
		const struct ta_disc_input *in = ta_disc_input(x->disc, i);

		if (in->lookup_only)
			continue;
		fputs("  ", out);
		put(out, in->spec);
		if (in->error[0]) {
			fputs(": ", out);
			put(out, in->error);
		} else if (in->is_name) {
			fputs(":", out);
			for (size_t k = 0; k < in->nlisted; k++)
				fprintf(out, "%s %s", k ? "," : "", in->addrs[k]);
		} else {
			fprintf(out, ": %llu address%s", (unsigned long long)in->naddrs,
			        in->naddrs == 1 ? "" : "es");
		}
		fputc('\n', out);
	}
}

static void
change_text(FILE *out, const struct change *c, const char *what)
{
	const struct ta_inv_row *r = c->ep->row;

	fprintf(out, "  %-8s ", what);
	put(out, r->host);
	fprintf(out, ":%u/", r->port);
	put(out, r->protocol);
	if (r->asset_id[0] || r->name[0]) {
		fputs(" (", out);
		put(out, r->asset_id);
		fputs(r->asset_id[0] && r->name[0] ? " " : "", out);
		put(out, r->name);
		fputc(')', out);
	}
	if (c->svc)
		fprintf(out, ": answers %s at %s\n", c->svc->proto, c->svc->addr);
	else {
		fputs(": ", out);
		put(out, c->reason);
		fputc('\n', out);
	}
}

static int
write_text(const struct disc_ctx *x, FILE *out)
{
	const struct ta_disc_stats *st = ta_disc_stats(x->disc);
	size_t ntls = 0;

	fprintf(out,
	        "tlsaudit discover: %llu address%s x %zu ports: %llu probes, %llu connections, "
	        "%.1f s%s\n",
	        (unsigned long long)st->addresses, st->addresses == 1 ? "" : "es", st->ports,
	        (unsigned long long)st->probes, (unsigned long long)st->connections, st->elapsed_s,
	        st->interrupted ? " (interrupted)" : "");
	inputs_text(x, out);
	fputc('\n', out);
	for (size_t i = 0; i < x->nsvc; i++) {
		svc_text(out, &x->svc[i]);
		ntls += ta_dsvc_is_tls(&x->svc[i]);
	}
	fprintf(out, "%s%zu open, %zu in TLS; %llu closed, %llu without an answer",
	        x->nsvc ? "\n" : "", x->nsvc, ntls, (unsigned long long)st->closed,
	        (unsigned long long)st->noanswer);
	if (st->errors)
		fprintf(out, "; %llu not probed (out of sockets or memory)",
		        (unsigned long long)st->errors);
	fputc('\n', out);
	if (!x->have_inv)
		return TA_OK;
	fputs("\nInventory of ", out);
	put(out, x->db);
	fprintf(out,
	        ": %zu of its %zu rows on the probed addresses and ports: %zu listed, %zu new, "
	        "%zu gone, %zu changed\n",
	        x->in_scope, x->inv.n, x->listed, x->nnew, x->ngone, x->nchanged);
	for (size_t i = 0; i < x->nsvc; i++)
		if (x->svc[i].inv && strcmp(x->svc[i].inv, "new") == 0)
			fprintf(out, "  %-8s %s%s%s:%u/%s\n", "new",
			        strchr(x->svc[i].addr, ':') ? "[" : "", x->svc[i].addr,
			        strchr(x->svc[i].addr, ':') ? "]" : "", x->svc[i].port,
			        x->svc[i].proto);
	for (size_t i = 0; i < x->ngone; i++)
		change_text(out, &x->gone[i], "gone");
	for (size_t i = 0; i < x->nchanged; i++)
		change_text(out, &x->changed[i], "changed");
	if (x->unresolved_rows)
		fprintf(out, "  (%zu row%s naming a host that did not resolve)\n",
		        x->unresolved_rows, x->unresolved_rows == 1 ? "" : "s");
	return TA_OK;
}

/* ---- CSV ---- */

static void
cell(FILE *out, const char *s, bool last)
{
	ta_esc_csv_field(out, s ? s : "");
	fputs(last ? "\r\n" : ",", out);
}

static int
write_csv(const struct disc_ctx *x, FILE *out)
{
	fputs("address,host,port,status,tls,protocol,tls_version,answer,alert,inventory,detail,"
	      "banner\r\n",
	      out);
	for (size_t i = 0; i < x->nsvc; i++) {
		const struct svc *s = &x->svc[i];
		char ver[16], al[40] = "";

		version_name(s->version, ver, sizeof ver);
		if (s->has_alert)
			alert_name(s->alert, al, sizeof al);
		cell(out, s->addr, false);
		cell(out, s->host, false);
		fprintf(out, "%u,", s->port);
		cell(out, ta_dsvc_status_name(s->status), false);
		cell(out, ta_dsvc_is_tls(s) ? "yes" : "no", false);
		cell(out, s->proto, false);
		cell(out, ver, false);
		cell(out, answer_of(s), false);
		cell(out, al, false);
		cell(out, s->inv, false);
		cell(out, s->detail, false);
		cell(out, s->banner, true);
	}
	for (size_t i = 0; i < x->ngone; i++) {
		const struct change *c = &x->gone[i];

		cell(out, c->naddrs ? c->addrs[0] : "", false);
		cell(out, c->ep->row->host, false);
		fprintf(out, "%u,", c->ep->row->port);
		cell(out, "gone", false);
		cell(out, "", false);
		cell(out, c->ep->row->protocol, false);
		cell(out, "", false);
		cell(out, "", false);
		cell(out, "", false);
		cell(out, "gone", false);
		cell(out, c->reason, false);
		cell(out, "", true);
	}
	return TA_OK;
}

int
ta_dout_write(const struct disc_ctx *x, enum ta_format fmt, FILE *out)
{
	int rc = fmt == TA_FORMAT_JSON  ? write_json(x, out)
	         : fmt == TA_FORMAT_CSV ? write_csv(x, out)
	                                : write_text(x, out);

	return rc == TA_OK && ferror(out) ? TA_ESYS : rc;
}
