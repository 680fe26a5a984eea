/*
 * nmap's XML output (`nmap -oX`, with or without -sV) as an inventory,
 * read with libexpat.  Of each <host>: its first IPv4 or IPv6 <address>
 * (the row's host), its <hostname type="user"> (the name given to nmap:
 * the row's name and SNI; else a PTR name as the row's name); of each
 * <port protocol="tcp"> whose <state state="open">: the port, and its
 * <service> to tell the protocol:
 *
 *   -sV (method="probed"): HTTP over TLS (tunnel="ssl" with an HTTP name, or
 *     https, https-alt ...) is https (TLS plus the scanner's HTTP checks);
 *     else tunnel="ssl" or a TLS service name (imaps, pop3s, smtps, ldaps,
 *     ssl ...) is tls; a STARTTLS service name maps
 *     to its dialogue (smtp and submission: smtp, postgresql: postgres,
 *     xmpp-client and jabber: xmpp ...); anything else is skipped;
 *   without -sV (method="table" or no <service>): the port decides, by the
 *     scanner's own table (ta_st_implicit_service, ta_st_for_port), then
 *     nmap's table name as above.
 *
 * A skipped open port is a note, not a bad row.  Every row then goes
 * through inv_add() like a CSV row.  Untrusted XML: any entity
 * declaration stops the parse (no entity is ever expanded: billion laughs),
 * external entities are never loaded (expat's default without a handler),
 * nesting is capped at TA_INV_XML_DEPTH, the ports kept per host at 65536
 * (one error for the host beyond that),
 * and every attribute kept is cut to a fixed size.  A file that is not
 * well-formed (a truncated file too) is unusable as a whole: a first pass
 * finds that out before any row is read.
 */
#include <expat.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inventory/inv_int.h"
#include "wire/starttls.h"

#define PORTS_MAX 65536u

struct nport {
	unsigned line;
	uint16_t port;
	bool open, probed, ssl;
	char svc[64], product[128], version[128];
};

enum elem { E_OTHER, E_NMAPRUN, E_HOST, E_HOSTNAMES, E_PORTS, E_PORT };

struct nmap {
	struct inv_ctx *c;
	XML_Parser xp;
	unsigned depth;
	unsigned char stack[TA_INV_XML_DEPTH + 1]; /* enum elem of each open element */
	/* the host being read */
	unsigned hline;
	char addr[64], user[256], ptr[256];
	struct nport *ports;
	size_t nports, cap;
	bool port_open; /* the last <port> is being read */
	bool checking;  /* the first pass: is the file usable at all? */
	bool overflow;  /* the host has more ports than PORTS_MAX */
};

static unsigned
cur_line(const struct nmap *m)
{
	XML_Size l = XML_GetCurrentLineNumber(m->xp);

	return l > UINT_MAX ? UINT_MAX : (unsigned)l;
}

static const char *
attr(const XML_Char **atts, const char *name)
{
	for (size_t i = 0; atts[i] && atts[i + 1]; i += 2)
		if (strcmp(atts[i], name) == 0)
			return atts[i + 1];
	return NULL;
}

static void
copy(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s ? s : "");
}

/* The file is unusable: why (already said through inv_fatal), then stop. */
static void
halt(struct nmap *m)
{
	XML_StopParser(m->xp, XML_FALSE);
}

/* ------------------------------------------------------------------ */
/* service names */

static bool
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcasecmp(s + n - t, tail) == 0;
}

/* A name nmap gives a service spoken inside TLS from the first byte. */
static bool
tls_name(const char *s)
{
	static const char *const names[] = {
	        "ssl",   "tls",  "https-alt", "imaps",   "pop3s",    "smtps",    "submissions",
	        "ldaps", "ftps", "ftps-data", "nntps",   "snews",    "ircs",     "ircs-u",
	        "xmpps", "sips", "sip-tls",   "telnets", "domain-s", "ms-sql-s",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(s, names[i]) == 0)
			return true;
	return strncasecmp(s, "ssl/", 4) == 0 || ends_with(s, "https") || ends_with(s, "ssl");
}

/* The STARTTLS dialogue of an nmap service name, or NULL. */
static const char *
starttls_name(const char *s)
{
	static const struct {
		const char *nmap, *proto;
	} map[] = {
	        {"smtp", "smtp"},
	        {"submission", "smtp"},
	        {"imap", "imap"},
	        {"pop3", "pop3"},
	        {"ftp", "ftp"},
	        {"ldap", "ldap"},
	        {"postgresql", "postgres"},
	        {"mysql", "mysql"},
	        {"xmpp-client", "xmpp"},
	        {"jabber", "xmpp"},
	        {"xmpp-server", "xmpp-server"},
	        {"nntp", "nntp"},
	        {"sieve", "sieve"},
	        {"lmtp", "lmtp"},
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(s, map[i].nmap) == 0)
			return map[i].proto;
	return NULL;
}

/* HTTP as nmap names it: over TLS it gets the scanner's HTTP checks. */
static bool
http_name(const char *s)
{
	return strcasecmp(s, "http") == 0 || strncasecmp(s, "http-", 5) == 0 ||
	       ends_with(s, "https") || strcasecmp(s, "https-alt") == 0;
}

/* The protocol of an open port, or NULL: not TLS, skipped. */
static const char *
port_protocol(const struct nport *p)
{
	const struct ta_st_ops *ops;

	if (p->probed) {
		if ((p->ssl && http_name(p->svc)) || ends_with(p->svc, "https") ||
		    strcasecmp(p->svc, "https-alt") == 0)
			return "https";
		if (p->ssl || tls_name(p->svc))
			return "tls";
		return starttls_name(p->svc);
	}
	if (p->ssl || ta_st_implicit_service(p->port))
		return "tls";
	if ((ops = ta_st_for_port(p->port)) != NULL)
		return ops->name;
	if (p->svc[0] && tls_name(p->svc))
		return "tls";
	return p->svc[0] ? starttls_name(p->svc) : NULL;
}

/* ------------------------------------------------------------------ */
/* a host's rows */

static void
set(struct inv_cells *cells, enum inv_col i, const char *s)
{
	cells->v[i] = s;
	cells->len[i] = strlen(s);
}

static void
end_host(struct nmap *m)
{
	size_t open = 0;

	for (size_t i = 0; i < m->nports; i++)
		open += m->ports[i].open;
	if (!m->addr[0]) {
		if (open)
			inv_bad(m->c, m->hline, "host without an IPv4 or IPv6 address, skipped");
		return;
	}
	for (size_t i = 0; i < m->nports && !m->c->fatal && !m->c->stop; i++) {
		const struct nport *p = &m->ports[i];
		struct inv_cells cells = {0};
		const char *proto;
		char port[8], service[80], software[260];

		if (!p->open)
			continue;
		snprintf(service, sizeof service, "%s%s", p->ssl && p->svc[0] ? "ssl/" : "",
		         p->svc);
		if (!(proto = port_protocol(p))) {
			inv_msg(m->c, TA_INV_NOTE, p->line,
			        "%u/tcp%s%s%s: not a TLS or STARTTLS service, skipped", p->port,
			        service[0] ? " (" : "", service, service[0] ? ")" : "");
			continue;
		}
		snprintf(port, sizeof port, "%u", p->port);
		snprintf(software, sizeof software, "%s%s%s", p->product,
		         p->product[0] && p->version[0] ? " " : "", p->version);
		set(&cells, C_HOST, m->addr);
		set(&cells, C_PORT, port);
		set(&cells, C_PROTOCOL, proto);
		set(&cells, C_NAME, m->user[0] ? m->user : m->ptr);
		set(&cells, C_SNI, m->user);
		set(&cells, C_SERVICE, service);
		set(&cells, C_SOFTWARE, software);
		inv_add(m->c, &cells, p->line);
	}
}

/* ------------------------------------------------------------------ */
/* expat's callbacks */

static void XMLCALL
on_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct nmap *m = arg;
	enum elem parent = m->depth ? m->stack[m->depth - 1] : E_OTHER, e = E_OTHER;
	const char *v;

	if (m->c->fatal || m->c->stop)
		return;
	if (m->depth >= TA_INV_XML_DEPTH) {
		inv_fatal(m->c, cur_line(m), "elements nested deeper than %u: not nmap output",
		          TA_INV_XML_DEPTH);
		halt(m);
		return;
	}
	if (m->depth == 0) {
		char q[INV_QUOTE_CAP];

		if (strcmp(name, "nmaprun") != 0) {
			inv_quote(q, name, strlen(name));
			inv_fatal(m->c, cur_line(m),
			          "not nmap XML output (the root element is <%s>, not <nmaprun>)",
			          q);
			halt(m);
			return;
		}
		e = E_NMAPRUN;
	} else if (m->checking) {
		e = E_OTHER;
	} else if (parent == E_NMAPRUN && strcmp(name, "host") == 0) {
		e = E_HOST;
		m->hline = cur_line(m);
		m->addr[0] = m->user[0] = m->ptr[0] = '\0';
		m->nports = 0;
		m->overflow = false;
	} else if (parent == E_HOST && strcmp(name, "address") == 0) {
		v = attr(atts, "addrtype");
		if (!m->addr[0] && v && (strcmp(v, "ipv4") == 0 || strcmp(v, "ipv6") == 0))
			copy(m->addr, sizeof m->addr, attr(atts, "addr"));
	} else if (parent == E_HOST && strcmp(name, "hostnames") == 0) {
		e = E_HOSTNAMES;
	} else if (parent == E_HOSTNAMES && strcmp(name, "hostname") == 0) {
		v = attr(atts, "type");
		if (v && strcmp(v, "user") == 0 && !m->user[0])
			copy(m->user, sizeof m->user, attr(atts, "name"));
		else if (v && strcmp(v, "PTR") == 0 && !m->ptr[0])
			copy(m->ptr, sizeof m->ptr, attr(atts, "name"));
	} else if (parent == E_HOST && strcmp(name, "ports") == 0) {
		e = E_PORTS;
	} else if (parent == E_PORTS && strcmp(name, "port") == 0) {
		const char *id = attr(atts, "portid"), *proto = attr(atts, "protocol");
		unsigned long n = 0;
		size_t k = 0;

		e = E_PORT;
		m->port_open = false;
		if (!proto || strcmp(proto, "tcp") != 0)
			goto push; /* UDP, SCTP: no TLS over TCP there */
		for (; id && id[k] >= '0' && id[k] <= '9' && k < 6; k++)
			n = n * 10 + (unsigned long)(id[k] - '0');
		if (!id || k == 0 || id[k] || n < 1 || n > 65535) {
			char q[INV_QUOTE_CAP];

			inv_quote(q, id ? id : "", id ? strlen(id) : 0);
			inv_bad(m->c, cur_line(m), "port '%s' is not a port from 1 to 65535", q);
			goto push;
		}
		if (m->nports == m->cap) {
			size_t cap = m->cap ? m->cap * 2 : 16;
			struct nport *p;

			if (m->cap >= PORTS_MAX) {
				if (!m->overflow)
					inv_bad(m->c, m->hline,
					        "a host with more than %u TCP ports: the rest are "
					        "skipped",
					        PORTS_MAX);
				m->overflow = true;
				goto push;
			}
			if (!(p = realloc(m->ports, cap * sizeof *p))) {
				inv_fatal(m->c, 0, "out of memory");
				halt(m);
				return;
			}
			m->ports = p;
			m->cap = cap;
		}
		m->ports[m->nports] = (struct nport){.line = cur_line(m), .port = (uint16_t)n};
		m->nports++;
		m->port_open = true;
	} else if (parent == E_PORT && m->port_open && strcmp(name, "state") == 0) {
		v = attr(atts, "state");
		m->ports[m->nports - 1].open = v && strcmp(v, "open") == 0;
	} else if (parent == E_PORT && m->port_open && strcmp(name, "service") == 0) {
		struct nport *p = &m->ports[m->nports - 1];

		copy(p->svc, sizeof p->svc, attr(atts, "name"));
		copy(p->product, sizeof p->product, attr(atts, "product"));
		copy(p->version, sizeof p->version, attr(atts, "version"));
		v = attr(atts, "tunnel");
		p->ssl = v && strcmp(v, "ssl") == 0;
		v = attr(atts, "method");
		p->probed = v && strcmp(v, "probed") == 0;
	}
push:
	m->stack[m->depth++] = (unsigned char)e;
}

static void XMLCALL
on_end(void *arg, const XML_Char *name)
{
	struct nmap *m = arg;

	(void)name;
	if (m->c->fatal || m->c->stop || m->depth == 0)
		return;
	if (m->checking) {
		m->depth--;
		return;
	}
	switch (m->stack[--m->depth]) {
	case E_HOST:
		end_host(m);
		if (m->c->fatal || m->c->stop)
			XML_StopParser(m->xp, XML_FALSE);
		break;
	case E_PORT:
		m->port_open = false;
		break;
	default:
		break;
	}
}

static void XMLCALL
on_entity(void *arg, const XML_Char *name, int is_param, const XML_Char *value, int value_length,
          const XML_Char *base, const XML_Char *system_id, const XML_Char *public_id,
          const XML_Char *notation)
{
	struct nmap *m = arg;

	(void)name, (void)is_param, (void)value, (void)value_length, (void)base;
	(void)system_id, (void)public_id, (void)notation;
	inv_fatal(m->c, cur_line(m),
	          "an entity declaration: not nmap output (nmap declares no entities)");
	halt(m);
}

/* One pass over the file; false when the file is unusable (c->fatal). */
static bool
pass(struct nmap *m, const char *buf, size_t len)
{
	struct inv_ctx *c = m->c;

	m->depth = 0;
	if (!(m->xp = XML_ParserCreate(NULL))) {
		inv_fatal(c, 0, "out of memory");
		return false;
	}
	XML_SetUserData(m->xp, m);
	XML_SetElementHandler(m->xp, on_start, on_end);
	XML_SetEntityDeclHandler(m->xp, on_entity);
	XML_SetParamEntityParsing(m->xp, XML_PARAM_ENTITY_PARSING_NEVER);
	if (XML_Parse(m->xp, buf, (int)len, XML_TRUE) == XML_STATUS_ERROR && !c->fatal && !c->stop)
		inv_fatal(c, cur_line(m), "not well-formed XML: %s",
		          XML_ErrorString(XML_GetErrorCode(m->xp)));
	XML_ParserFree(m->xp);
	m->xp = NULL;
	return !c->fatal;
}

/*
 * Two passes: the first only asks whether the file is usable (well-formed
 * nmap output without entities, not too deep), so that an unusable file
 * gets its one message before any row's; the second reads the rows.
 */
void
inv_parse_nmap(struct inv_ctx *c, const char *buf, size_t len)
{
	struct nmap m = {.c = c, .checking = true};

	if (len > INT_MAX) { /* TA_INV_FILE_MAX keeps it far below */
		inv_fatal(c, 0, "too large");
		return;
	}
	if (pass(&m, buf, len)) {
		m.checking = false;
		(void)pass(&m, buf, len);
	}
	free(m.ports);
}
