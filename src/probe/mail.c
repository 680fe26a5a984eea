/*
 * Mail domains (tlsaudit mail DOMAIN): the MX hosts, each scanned on port
 * 25 with STARTTLS on every address, and the domain's MTA-STS (RFC 8461),
 * TLS-RPT (RFC 8460) and DANE (RFC 7672) publications.
 *
 * Discovery runs on the scan's loop before the scan: MX, the _mta-sts and
 * _smtp._tls TXT records, TLSA at _25._tcp.<mx>, and the MTA-STS policy
 * over HTTPS (certificate verified, no redirects, connecting to the address
 * our resolver gave for mta-sts.<domain>).  The MX hosts then become
 * ordinary targets (HOST:25/smtp); once they are scanned, the chains they
 * served are matched against their TLSA records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cert/cert.h"
#include "cert/dane.h"
#include "net/dns.h"
#include "net/http.h"
#include "probe/engine.h"
#include "wire/httptext.h"

struct mail_ctx {
	struct ta_scan *s;
	struct ta_mail_result *m;
	size_t mx; /* for TLSA answers */
};

static struct mail_ctx *
ctx_new(struct ta_scan *s, struct ta_mail_result *m, size_t mx)
{
	struct mail_ctx *c = calloc(1, sizeof *c);

	if (c) {
		c->s = s;
		c->m = m;
		c->mx = mx;
	}
	return c;
}

/* ---- TLSA ---------------------------------------------------------- */

static void
on_tlsa(void *arg, const struct ta_dns_answer *a)
{
	struct mail_ctx *c = arg;
	struct ta_mail_mx *mx = &c->m->mx[c->mx];

	mx->tlsa_tested = true;
	mx->tlsa_ad = a->ad;
	if (a->status == TA_DNS_NXDOMAIN || a->status == TA_DNS_NODATA) {
		/* no records: DANE is not published for this MX */
	} else if (a->status != TA_DNS_OK) {
		snprintf(mx->tlsa_error, sizeof mx->tlsa_error, "%s", a->error);
	}
	for (size_t i = 0; a->status == TA_DNS_OK && i < a->n && mx->ntlsa < TA_MAIL_MAX_TLSA;
	     i++) {
		struct ta_tlsa *t = &mx->tlsa[mx->ntlsa++];
		size_t k = a->rr[i].tlsa.len < sizeof t->data ? a->rr[i].tlsa.len : sizeof t->data;

		t->usage = a->rr[i].tlsa.usage;
		t->selector = a->rr[i].tlsa.selector;
		t->mtype = a->rr[i].tlsa.mtype;
		memcpy(t->data, a->rr[i].tlsa.data, k);
		t->len = k;
		t->rawlen = a->rr[i].tlsa.rawlen;
	}
	free(c);
}

/* ---- MX ------------------------------------------------------------ */

static int
by_preference(const void *a, const void *b)
{
	const struct ta_mail_mx *x = a, *y = b;

	return (int)x->preference - (int)y->preference;
}

static void
add_mx(struct ta_scan *s, struct ta_mail_result *m, const char *host, uint16_t pref)
{
	struct ta_mail_mx *mx;

	if (m->nmx == TA_MAIL_MAX_MX)
		return;
	for (size_t i = 0; i < m->nmx; i++)
		if (strcasecmp(m->mx[i].host, host) == 0)
			return;
	mx = &m->mx[m->nmx++];
	{
		/* host may be m->domain (implicit MX): copy, do not format */
		size_t k = strnlen(host, sizeof mx->host - 1);

		memmove(mx->host, host, k);
		mx->host[k] = '\0';
	}
	mx->preference = pref;
	mx->sts_match = TA_UNKNOWN;
	mx->dane_match = TA_UNKNOWN;
	(void)s;
}

static void
on_mx(void *arg, const struct ta_dns_answer *a)
{
	struct mail_ctx *c = arg;
	struct ta_mail_result *m = c->m;

	if (a->status == TA_DNS_NODATA) {
		m->implicit_mx = true; /* RFC 5321 5.1: the domain itself */
		add_mx(c->s, m, m->domain, 0);
	} else if (a->status != TA_DNS_OK) {
		snprintf(m->error, sizeof m->error, "MX lookup: %s", a->error);
	} else {
		for (size_t i = 0; i < a->n; i++) {
			if (strcmp(a->rr[i].mx.exchange, ".") == 0 && a->n == 1) {
				m->null_mx = true; /* RFC 7505 */
				break;
			}
			if (!a->rr[i].mx.host)
				continue; /* not a usable host name: never scanned */
			add_mx(c->s, m, a->rr[i].mx.exchange, a->rr[i].mx.preference);
		}
		qsort(m->mx, m->nmx, sizeof m->mx[0], by_preference);
	}
	for (size_t i = 0; c->s->dns && i < m->nmx; i++) {
		char name[300];
		struct mail_ctx *t = ctx_new(c->s, m, i);

		snprintf(name, sizeof name, "_25._tcp.%s", m->mx[i].host);
		if (!t || ta_dns_query(c->s->dns, name, TA_DNS_TYPE_TLSA, on_tlsa, t) != TA_OK) {
			free(t);
			m->mx[i].tlsa_tested = true;
			snprintf(m->mx[i].tlsa_error, sizeof m->mx[i].tlsa_error,
			         "the TLSA lookup could not start");
		}
	}
	free(c);
}

/* ---- MTA-STS --------------------------------------------------------- */

static void
on_policy(void *arg, const struct ta_http_fetch_res *res)
{
	struct mail_ctx *c = arg;
	struct ta_mail_result *m = c->m;
	struct ta_mtasts_policy pol;

	m->sts_http_status = res->status;
	if (res->error[0]) {
		snprintf(m->sts_error, sizeof m->sts_error, "policy fetch: %s", res->error);
	} else if (res->status != 200) {
		snprintf(m->sts_error, sizeof m->sts_error,
		         "policy fetch: HTTP status %d (RFC 8461 3.3 wants 200, no redirects)",
		         res->status);
	} else if (strncasecmp(res->content_type, "text/plain", 10) != 0) {
		snprintf(m->sts_error, sizeof m->sts_error,
		         "policy fetch: Content-Type '%.60s', not text/plain (RFC 8461 3.2)",
		         res->content_type);
	} else if (ta_mtasts_policy_parse((const char *)res->body, res->body_len, &pol) != TA_OK) {
		snprintf(m->sts_error, sizeof m->sts_error, "policy: %s", pol.error);
	} else {
		static const char *const modes[] = {"none", "testing", "enforce"};

		m->sts_policy = true;
		snprintf(m->sts_mode, sizeof m->sts_mode, "%s",
		         pol.mode >= 0 && pol.mode <= 2 ? modes[pol.mode] : "?");
		m->sts_max_age = pol.max_age;
		for (size_t i = 0; i < pol.nmx && m->nsts_mx < 16; i++) {
			size_t k = ta_rd_left(&pol.mx[i]);

			if (k >= sizeof m->sts_mx[0])
				k = sizeof m->sts_mx[0] - 1;
			memcpy(m->sts_mx[m->nsts_mx], pol.mx[i].p, k);
			m->sts_mx[m->nsts_mx][k] = '\0';
			m->nsts_mx++;
		}
		for (size_t i = 0; i < m->nmx; i++)
			m->mx[i].sts_match =
			        ta_mtasts_mx_matches(&pol, m->mx[i].host) ? TA_YES : TA_NO;
	}
	free(c);
}

static void
on_sts_host(void *arg, const struct ta_dns_addrs *a)
{
	struct mail_ctx *c = arg;
	struct ta_mail_result *m = c->m;
	struct ta_scan *s = c->s;
	char host[300];
	struct ta_http_fetch_req req = {0};

	snprintf(host, sizeof host, "mta-sts.%s", m->domain);
	if (a->status != TA_DNS_OK || a->n == 0) {
		snprintf(m->sts_error, sizeof m->sts_error, "%.100s: %.90s", host, a->error);
		free(c);
		return;
	}
	if (!s->http)
		s->http = ta_http_new(&s->loop, ta_cert_default_dir());
	req.host = host;
	req.path = "/.well-known/mta-sts.txt";
	req.ip = a->addr[0].text;
	req.port = 443;
	req.ca_file = s->ca_file[0] ? s->ca_file : NULL;
	req.timeout_ms = s->cfg.read_timeout_ms * 2;
	if (!s->http || ta_http_fetch(s->http, &req, on_policy, c) != TA_OK) {
		snprintf(m->sts_error, sizeof m->sts_error, "the policy fetch could not start");
		free(c);
	}
}

/* Exactly one TXT record at the name must start as the record type does
 * (RFC 8461 3.1, RFC 8460 3); NULL and a reason otherwise. */
static const char *
one_record(const struct ta_dns_answer *a, bool (*candidate)(const char *, size_t), const char **why)
{
	const char *found = NULL;

	*why = NULL;
	if (a->status == TA_DNS_NXDOMAIN || a->status == TA_DNS_NODATA)
		return NULL;
	if (a->status != TA_DNS_OK) {
		*why = a->error;
		return NULL;
	}
	for (size_t i = 0; i < a->n; i++) {
		const char *t = a->rr[i].txt.text;

		if (!candidate(t, strlen(t)))
			continue;
		if (found) {
			*why = "more than one record: none applies";
			return NULL;
		}
		found = t;
	}
	return found;
}

static void
on_sts_txt(void *arg, const struct ta_dns_answer *a)
{
	struct mail_ctx *c = arg;
	struct ta_mail_result *m = c->m;
	const char *why, *rec = one_record(a, ta_mtasts_txt_candidate, &why);
	struct ta_mtasts_txt txt;

	if (!rec) {
		if (why)
			snprintf(m->sts_error, sizeof m->sts_error, "_mta-sts TXT: %s", why);
		free(c);
		return;
	}
	m->sts_record = true;
	if (ta_mtasts_txt_parse(rec, strlen(rec), &txt) != TA_OK) {
		snprintf(m->sts_error, sizeof m->sts_error, "_mta-sts TXT: %s", txt.error);
		free(c);
		return;
	}
	snprintf(m->sts_id, sizeof m->sts_id, "%s", txt.id);
	{
		char host[300];

		snprintf(host, sizeof host, "mta-sts.%s", m->domain);
		if (ta_dns_resolve(c->s->dns, host, 0, 443, on_sts_host, c) != TA_OK) {
			snprintf(m->sts_error, sizeof m->sts_error, "cannot look up %.150s", host);
			free(c);
		}
	}
}

/* ---- TLS-RPT --------------------------------------------------------- */

static void
on_rpt_txt(void *arg, const struct ta_dns_answer *a)
{
	struct mail_ctx *c = arg;
	struct ta_mail_result *m = c->m;
	const char *why, *rec = one_record(a, ta_tlsrpt_txt_candidate, &why);
	struct ta_tlsrpt rpt;

	if (!rec) {
		if (why)
			snprintf(m->rpt_error, sizeof m->rpt_error, "_smtp._tls TXT: %s", why);
		free(c);
		return;
	}
	m->rpt_record = true;
	if (ta_tlsrpt_parse(rec, strlen(rec), &rpt) != TA_OK) {
		snprintf(m->rpt_error, sizeof m->rpt_error, "%s", rpt.error);
	} else {
		for (size_t i = 0; i < rpt.nrua && m->nrpt_rua < 8; i++) {
			size_t k = ta_rd_left(&rpt.rua[i]);

			if (k >= sizeof m->rpt_rua[0])
				k = sizeof m->rpt_rua[0] - 1;
			memcpy(m->rpt_rua[m->nrpt_rua], rpt.rua[i].p, k);
			m->rpt_rua[m->nrpt_rua][k] = '\0';
			m->nrpt_rua++;
		}
	}
	free(c);
}

/* ---- the three phases ------------------------------------------------ */

void
ta_mail_discover(struct ta_scan *s)
{
	for (size_t i = 0; i < s->nmails; i++) {
		struct ta_mail_result *m = &s->mails[i];
		char name[300];
		struct mail_ctx *c1 = ctx_new(s, m, 0), *c2 = ctx_new(s, m, 0),
		                *c3 = ctx_new(s, m, 0);

		if (!s->dns || !c1 || !c2 || !c3) {
			snprintf(m->error, sizeof m->error, "%s",
			         s->dns ? "out of memory" : s->dns_err);
			free(c1);
			free(c2);
			free(c3);
			continue;
		}
		if (ta_dns_query(s->dns, m->domain, TA_DNS_TYPE_MX, on_mx, c1) != TA_OK) {
			snprintf(m->error, sizeof m->error, "the MX lookup could not start");
			free(c1);
		}
		snprintf(name, sizeof name, "_mta-sts.%s", m->domain);
		if (ta_dns_query(s->dns, name, TA_DNS_TYPE_TXT, on_sts_txt, c2) != TA_OK)
			free(c2);
		snprintf(name, sizeof name, "_smtp._tls.%s", m->domain);
		if (ta_dns_query(s->dns, name, TA_DNS_TYPE_TXT, on_rpt_txt, c3) != TA_OK)
			free(c3);
	}
}

int
ta_mail_add_targets(struct ta_scan *s, int (*add)(struct ta_scan *s, const char *host,
                                                  uint16_t port, const char *proto))
{
	for (size_t i = 0; i < s->nmails; i++)
		for (size_t k = 0; k < s->mails[i].nmx; k++)
			TA_TRY(add(s, s->mails[i].mx[k].host, 25, "smtp"));
	return TA_OK;
}

static const char *
usage_name(uint8_t u)
{
	static const char *const names[] = {"PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"};

	return u < 4 ? names[u] : "unknown usage";
}

/* Match the chains a finished target (an MX on port 25) served against
 * its MX's TLSA records; the verdict builds up over the MX's addresses. */
static void
dane_target(struct ta_mail_mx *mx, const struct ta_result *r)
{
	for (size_t c = 0; c < r->nchains && mx->dane_match != TA_YES; c++) {
		const struct ta_served_chain *ch = &r->chains[c];
		const uint8_t *der[TA_CHAIN_MAX_CERTS];

		mx->dane_any_chain = true;
		for (size_t k = 0; k < ch->n; k++)
			der[k] = ch->der + ch->off[k];
		for (size_t k = 0; k < mx->ntlsa; k++) {
			const struct ta_tlsa *a = &mx->tlsa[k];
			size_t pos = 0;
			int rc = ta_dane_match(der, ch->len, ch->n, a->usage, a->selector, a->mtype,
			                       a->data, a->len, a->rawlen, &pos);

			if (rc != TA_DANE_UNUSABLE)
				mx->dane_usable = true;
			if (rc == TA_DANE_MATCH) {
				mx->dane_match = TA_YES;
				snprintf(mx->dane_detail, sizeof mx->dane_detail,
				         "%s %u %u record %zu matches certificate %zu served by %s",
				         usage_name(a->usage), a->selector, a->mtype, k + 1,
				         pos + 1, r->ip);
				break;
			}
		}
	}
}

void
ta_mail_target_done(struct ta_scan *s, const struct ta_result *r)
{
	if (r->port != 25)
		return;
	for (size_t i = 0; i < s->nmails; i++)
		for (size_t k = 0; k < s->mails[i].nmx; k++) {
			struct ta_mail_mx *mx = &s->mails[i].mx[k];

			if (mx->ntlsa && strcasecmp(r->host, mx->host) == 0)
				dane_target(mx, r);
		}
}

/* The verdicts of the MX that no chain matched, once every target is in. */
void
ta_mail_finish(struct ta_scan *s)
{
	for (size_t i = 0; i < s->nmails; i++)
		for (size_t k = 0; k < s->mails[i].nmx; k++) {
			struct ta_mail_mx *mx = &s->mails[i].mx[k];

			if (mx->ntlsa == 0 || mx->dane_match == TA_YES)
				continue;
			if (!mx->dane_any_chain) {
				snprintf(mx->dane_detail, sizeof mx->dane_detail,
				         "no certificate chain was obtained from this MX");
				continue;
			}
			mx->dane_match = TA_NO;
			snprintf(mx->dane_detail, sizeof mx->dane_detail, "%s",
			         mx->dane_usable
			                 ? "no TLSA record matches any certificate the MX served: "
			                   "DANE-verifying senders will not deliver"
			                 : "no usable TLSA record (unknown usage, selector or "
			                   "matching "
			                   "type)");
		}
}
