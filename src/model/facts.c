/*
 * The table of handshake features (model/facts.h).
 */
#include "model/facts.h"

#include <string.h>

#define OFF(m) offsetof(struct ta_features, m)

const struct ta_fact ta_feature_facts[] = {
        {"ocsp_stapling", "OCSP stapling", TA_FACT_TRI, TA_YES, OFF(ocsp_stapling)},
        {"secure_renegotiation", "secure renegotiation", TA_FACT_TRI, TA_YES,
         OFF(secure_renegotiation)},
        {"client_renegotiation", "client renegotiation", TA_FACT_TRI, TA_NO,
         OFF(client_renegotiation)},
        {"fallback_scsv", "fallback SCSV", TA_FACT_TRI, TA_YES, OFF(fallback_scsv)},
        {"compression", "compression", TA_FACT_TRI, TA_NO, OFF(compression)},
        {"session_id_resumption", "session ID resumption", TA_FACT_TRI, TA_UNKNOWN,
         OFF(session_id_resumption)},
        {"session_ticket", "session ticket resumption", TA_FACT_TRI, TA_UNKNOWN,
         OFF(session_ticket)},
        {"session_ticket_extension", "session ticket extension", TA_FACT_TRI, TA_UNKNOWN,
         OFF(ticket_extension)},
        {"tls13_session_tickets", "TLS 1.3 tickets", TA_FACT_TRI, TA_UNKNOWN, OFF(tls13_tickets)},
        {"tls13_resumption", "TLS 1.3 resumption", TA_FACT_TRI, TA_UNKNOWN, OFF(tls13_resumption)},
        {"extended_master_secret", "extended master secret", TA_FACT_TRI, TA_YES,
         OFF(extended_master_secret)},
        {"encrypt_then_mac", "encrypt-then-MAC", TA_FACT_TRI, TA_YES, OFF(encrypt_then_mac)},
        {"heartbeat", "heartbeat", TA_FACT_TRI, TA_NO, OFF(heartbeat)},
        {"early_data", "0-RTT early data", TA_FACT_TRI, TA_NO, OFF(early_data)},
        {"max_early_data", "0-RTT size limit", TA_FACT_COUNT, TA_UNKNOWN, OFF(max_early_data)},
        {"record_size_limit", "record size limit", TA_FACT_SIZE, TA_UNKNOWN,
         OFF(record_size_limit)},
        {"alpn", "ALPN", TA_FACT_LIST, TA_UNKNOWN, 0},
        {"npn", "NPN", TA_FACT_LIST, TA_UNKNOWN, 0},
};

const size_t ta_feature_facts_count = sizeof ta_feature_facts / sizeof ta_feature_facts[0];

const struct ta_fact *
ta_fact_find(const char *key)
{
	for (size_t i = 0; i < ta_feature_facts_count; i++)
		if (strcmp(ta_feature_facts[i].key, key) == 0)
			return &ta_feature_facts[i];
	return NULL;
}

int
ta_fact_int(const struct ta_fact *fact, const struct ta_features *f)
{
	const char *p = (const char *)f + fact->off;

	if (fact->type == TA_FACT_COUNT) {
		uint32_t v;

		memcpy(&v, p, sizeof v);
		return (int)v;
	}
	int v;

	memcpy(&v, p, sizeof v);
	return v;
}
