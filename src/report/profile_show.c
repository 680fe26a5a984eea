/*
 * `tlsaudit profiles show ID`: a profile's rules, as the profile file
 * declares them (profile texts are checked for control characters when a
 * profile is loaded).
 */
#include <stdio.h>

#include "profile/profile.h"
#include "profile/rule.h"
#include "report/report.h"

static void
print_list(FILE *out, const char *label, const struct strlist *l)
{
	if (!l->n)
		return;
	fprintf(out, "    %-18s", label);
	for (size_t i = 0; i < l->n; i++)
		fprintf(out, "%s%s", i ? ", " : "", l->v[i]);
	fputc('\n', out);
}

static const char *
verdict_word(int v)
{
	return v < 0 ? NULL : ta_verdict_name((enum ta_verdict)v);
}

void
ta_profile_print(const struct ta_profile *p, FILE *out)
{
	static const char *const level_labels[LV_N] = {
	        "allowed:", "good:", "sufficient:", "tolerated:", "phase out:", "forbidden:"};

	fprintf(out, "%s: %s\n", p->id, p->title);
	fprintf(out, "  document: %s, version %s\n", p->document, p->version);
	if (p->url)
		fprintf(out, "  url: %s\n", p->url);
	if (p->ratings)
		fprintf(out, "  ratings: good and sufficient pass, phase out warns, insufficient "
		             "fails\n");
	for (size_t i = 0; i < p->provenance.n; i++)
		fprintf(out, "  provenance: %s\n", p->provenance.v[i]);
	for (size_t i = 0; i < p->nrules; i++) {
		const struct ta_rule *ru = &p->rules[i];
		char src[4 * TA_PROFILE_MAX_STR];

		ta_rule_source(ru, src, sizeof src);
		fprintf(out, "\n  rule %s (%s) [%c]%s\n", ru->id, ru->kind->name, ru->trust,
		        ru->severity == TA_VERDICT_WARN ? ", warning only" : "");
		if (ru->title)
			fprintf(out, "    %-18s%s\n", "title:", ru->title);
		fprintf(out, "    %-18s%s\n", "source:", src);
		print_list(out, "protocols:", &ru->protocols);
		for (int l = 0; l < LV_N; l++)
			print_list(out, level_labels[l], &ru->lv[l]);
		if (ru->tolerated_note)
			fprintf(out, "    %-18s%s\n", "tolerated why:", ru->tolerated_note);
		if (ru->other >= 0)
			fprintf(out, "    %-18s%s\n", "unlisted:", verdict_word(ru->other));
		print_list(out, "required:", &ru->required);
		print_list(out, "required one of:", &ru->required_any);
		print_list(out, "unless only:", &ru->unless_only);
		if (ru->min_bits >= 0)
			fprintf(out, "    %-18s%ld\n", "min bits:", ru->min_bits);
		if (ru->warn_below_bits >= 0)
			fprintf(out, "    %-18s%ld\n", "warn below bits:", ru->warn_below_bits);
		if (ru->max_days >= 0)
			fprintf(out, "    %-18s%ld\n", "max days:", ru->max_days);
		if (ru->warn_days >= 0)
			fprintf(out, "    %-18s%ld\n", "warn over days:", ru->warn_days);
		if (ru->min_age >= 0)
			fprintf(out, "    %-18s%ld\n", "min max-age:", ru->min_age);
		if (ru->feature)
			fprintf(out, "    %-18s%s\n", "feature:", ru->feature->name);
		if (ru->expect >= 0)
			fprintf(out, "    %-18s%s\n", "expect:", ru->expect ? "yes" : "no");
		if (ru->otherwise >= 0)
			fprintf(out, "    %-18s%s\n", "otherwise:", verdict_word(ru->otherwise));
		if (ru->when >= 0)
			fprintf(out, "    %-18s%s\n", "when:", ta_cond_names[ru->when]);
		for (int v = 0; v <= TA_VERDICT_FAIL; v++)
			if (ru->rating[v])
				fprintf(out, "    %-18s%s -> %s\n",
				        "rating:", ta_verdict_name((enum ta_verdict)v),
				        ru->rating[v]);
		if (ru->advice)
			fprintf(out, "    %-18s%s\n", "advice:", ru->advice);
		if (ru->note)
			fprintf(out, "    %-18s%s\n", "note:", ru->note);
	}
}
