/*
 * HTML report: the charts of the executive summary as inline SVG (no
 * script, no external file, no link: a figure draws itself), each with
 * its title in the SVG's <title> and drawn at its top, and the same
 * numbers in a table for readers that do not see it (class "sr": read by
 * screen readers, not shown, not printed).  The drawing is sized by its
 * viewBox and scales to the width of its box (the style sheet), so one
 * chart serves a wide window, a phone and paper.  Document text (profile
 * ids, vulnerability ids) is escaped and cut to a length that fits the
 * label column; our own words and numbers are written raw.
 */
#include <stdio.h>
#include <string.h>

#include "report/html_int.h"
#include "tlsaudit.h"

/* Geometry of a bar chart, in viewBox units (about CSS pixels at the
 * chart's widest). */
#define W      480 /* the drawing's width */
#define BAR_X  176 /* where bars start, after the label column */
#define BAR_W  220 /* the longest bar */
#define ROW_H  24
#define TOP    30 /* below the title */
#define LEGEND 20 /* the legend row of a stacked chart */

/* Label text is cut to this many characters (a profile id is about 25). */
#define LABEL_CHARS 26

static const char *const fill_class[] = {"f-good", "f-warn", "f-bad", "f-info"};

/* s escaped, cut after max characters (whole UTF-8 sequences) with an
 * ellipsis. */
static void
put_cut(FILE *out, const char *s, size_t max)
{
	char buf[4 * LABEL_CHARS + 8];
	size_t chars = 0, i = 0;

	if (!s)
		return;
	for (; s[i] && i < sizeof buf - 8; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max)
			break;
	}
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--; /* a sequence the buffer could not hold whole */
	memcpy(buf, s, i);
	buf[i] = '\0';
	hw_esc(out, buf);
	if (s[i])
		fputs("&#x2026;", out);
}

static void
put_label(FILE *out, const struct hw_bar *b)
{
	if (b->label_doc)
		put_cut(out, b->label, LABEL_CHARS);
	else
		fputs(b->label, out);
}

static size_t
bar_total(const struct hw_bar *b, size_t nseg)
{
	size_t t = 0;

	for (size_t k = 0; k < nseg; k++)
		t += b->seg[k];
	return t;
}

static void
svg_open(FILE *out, const char *id, const char *title, unsigned h)
{
	fprintf(out,
	        "<svg class=\"chart\" viewBox=\"0 0 %d %u\" role=\"img\" "
	        "aria-labelledby=\"chart-%s-t\"><title id=\"chart-%s-t\">%s</title>\n"
	        "<text class=\"ct\" x=\"0\" y=\"16\">%s</text>\n",
	        W, h, id, id, title, title);
}

static void
legend(FILE *out, const char *const *names, size_t nseg)
{
	int x = 0;

	for (size_t k = 0; k < nseg; k++) {
		fprintf(out,
		        "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"10\" height=\"10\"></rect>"
		        "<text class=\"lg\" x=\"%d\" y=\"%d\">%s</text>\n",
		        fill_class[k], x, TOP - 2, x + 14, TOP + 7, names[k]);
		x += 22 + 7 * (int)strlen(names[k]);
	}
}

static void
data_table(FILE *out, const char *title, const struct hw_bar *bars, size_t n, size_t nseg,
           const char *const *seg_names, const char *label_head)
{
	fprintf(out,
	        "<figcaption class=\"sr\"><table><caption>%s</caption><thead><tr>"
	        "<th scope=\"col\">%s</th>",
	        title, label_head);
	for (size_t k = 0; k < nseg; k++)
		fprintf(out, "<th scope=\"col\">%s</th>", nseg > 1 ? seg_names[k] : "number");
	fputs("</tr></thead><tbody>\n", out);
	for (size_t i = 0; i < n; i++) {
		fputs("<tr><th scope=\"row\">", out);
		if (bars[i].label_doc)
			hw_esc(out, bars[i].label);
		else
			fputs(bars[i].label, out);
		fputs("</th>", out);
		for (size_t k = 0; k < nseg; k++)
			fprintf(out, "<td class=\"num\">%zu</td>", bars[i].seg[k]);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></figcaption>\n", out);
}

void
hw_chart_bars(FILE *out, const char *id, const char *title, const struct hw_bar *bars, size_t n,
              size_t nseg, const char *const *seg_names, const char *label_head)
{
	unsigned top = TOP + (nseg > 1 ? LEGEND : 0);
	unsigned h = top + (unsigned)n * ROW_H + 6;
	size_t max = 0;

	for (size_t i = 0; i < n; i++)
		if (bar_total(&bars[i], nseg) > max)
			max = bar_total(&bars[i], nseg);
	fprintf(out, "<figure class=\"chart\" id=\"chart-%s\">\n", id);
	svg_open(out, id, title, h);
	if (nseg > 1)
		legend(out, seg_names, nseg);
	for (size_t i = 0; i < n; i++) {
		unsigned y = top + (unsigned)i * ROW_H;
		double x = BAR_X;
		size_t total = bar_total(&bars[i], nseg);

		fprintf(out, "<text x=\"0\" y=\"%u\">", y + 15);
		put_label(out, &bars[i]);
		fputs("</text>", out);
		/* the track: where a full bar would end */
		fprintf(out,
		        "<rect class=\"track\" x=\"%d\" y=\"%u\" width=\"%d\" "
		        "height=\"16\"></rect>",
		        BAR_X, y + 3, BAR_W);
		for (size_t k = 0; k < nseg && max; k++) {
			double w = (double)bars[i].seg[k] * BAR_W / (double)max;

			if (bars[i].seg[k] == 0)
				continue;
			fprintf(out,
			        "<rect class=\"%s\" x=\"%.1f\" y=\"%u\" width=\"%.1f\" "
			        "height=\"16\"></rect>",
			        fill_class[nseg > 1 ? k : (size_t)bars[i].lv], x, y + 3, w);
			x += w;
		}
		fprintf(out, "<text class=\"val\" x=\"%d\" y=\"%u\">", BAR_X + BAR_W + 6, y + 15);
		if (bars[i].note[0])
			fputs(bars[i].note, out);
		else
			fprintf(out, "%zu", total);
		fputs("</text>\n", out);
	}
	fputs("</svg>\n", out);
	data_table(out, title, bars, n, nseg, seg_names, label_head);
	fputs("</figure>\n", out);
}

/* ---- the trend ---- */

static const struct {
	const char *name; /* in the chart */
	const char *head; /* in the table */
	enum hw_level lv;
	size_t offset;
} metrics[] = {
        {"endpoints", "Endpoints", HW_INFO, offsetof(struct ta_trend_point, endpoints)},
        {"compliant", "Compliant with their target profile", HW_GOOD,
         offsetof(struct ta_trend_point, compliant)},
        {"TLS 1.1 or older", "Offering TLS 1.1 or older", HW_BAD,
         offsetof(struct ta_trend_point, old_tls)},
        {"weak suites", "Offering weak suites", HW_BAD, offsetof(struct ta_trend_point, weak)},
        {"certs expiring", "Certificates expired or expiring within 30 days", HW_WARN,
         offsetof(struct ta_trend_point, expiring)},
        {"vulnerable", "With a known vulnerability", HW_BAD,
         offsetof(struct ta_trend_point, vulnerable)},
};
#define NMETRICS (sizeof metrics / sizeof metrics[0])
#define BAND_H   46
#define PLOT_X   200
#define PLOT_W   260

static size_t
metric(const struct ta_trend_point *p, size_t m)
{
	size_t v;

	memcpy(&v, (const char *)p + metrics[m].offset, sizeof v);
	return v;
}

static double
point_x(size_t i, size_t n)
{
	return n < 2 ? PLOT_X + PLOT_W / 2.0 : PLOT_X + (double)i * PLOT_W / (double)(n - 1);
}

static void
trend_band(FILE *out, const struct ta_trend_point *p, size_t n, size_t m)
{
	unsigned top = TOP + (unsigned)m * BAND_H;
	size_t max = 0;

	for (size_t i = 0; i < n; i++)
		if (metric(&p[i], m) > max)
			max = metric(&p[i], m);
	fprintf(out,
	        "<text x=\"0\" y=\"%u\">%s</text><line class=\"axis\" x1=\"%d\" y1=\"%u\" "
	        "x2=\"%d\" y2=\"%u\"></line>\n",
	        top + 28, metrics[m].name, PLOT_X - 8, top + 38, PLOT_X + PLOT_W + 8, top + 38);
	/* each band on its own scale from 0 to its largest value: the values
	 * are written at the points */
	fprintf(out, "<polyline class=\"s-%s\" points=\"", fill_class[metrics[m].lv] + 2);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%.1f,%.1f", i ? " " : "", point_x(i, n),
		        top + 38 - (max ? 24.0 * (double)metric(&p[i], m) / (double)max : 0));
	fputs("\"></polyline>\n", out);
	for (size_t i = 0; i < n; i++) {
		double x = point_x(i, n);
		double y = top + 38 - (max ? 24.0 * (double)metric(&p[i], m) / (double)max : 0);

		fprintf(out,
		        "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"></circle>"
		        "<text class=\"pv\" x=\"%.1f\" y=\"%.1f\">%zu</text>\n",
		        fill_class[metrics[m].lv], x, y, x, y - 6, metric(&p[i], m));
	}
}

static void
trend_table(FILE *out, const struct ta_trend_point *p, size_t n)
{
	fputs("<div class=\"xs\"><table class=\"trend\"><caption>The runs of the trend</caption>"
	      "<thead><tr><th scope=\"col\">Run</th><th scope=\"col\">Started</th>"
	      "<th scope=\"col\">Label</th>",
	      out);
	for (size_t m = 0; m < NMETRICS; m++)
		fprintf(out, "<th scope=\"col\">%s</th>", metrics[m].head);
	fputs("</tr></thead><tbody>\n", out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "<tr><td class=\"num\">%lld</td><td class=\"nw\">", p[i].run);
		hw_esc(out, p[i].started);
		fputs("</td><td>", out);
		hw_esc(out, p[i].label);
		fputs("</td>", out);
		for (size_t m = 0; m < NMETRICS; m++)
			fprintf(out, "<td class=\"num\">%zu</td>", metric(&p[i], m));
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
}

void
hw_chart_trend(FILE *out, const struct ta_trend_point *p, size_t n)
{
	unsigned h = TOP + (unsigned)NMETRICS * BAND_H + 22;
	static const char title[] = "Trend over the last runs";

	fputs("<figure class=\"chart wide\" id=\"chart-trend\">\n", out);
	svg_open(out, "trend", title, h);
	for (size_t m = 0; m < NMETRICS; m++)
		trend_band(out, p, n, m);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "<text class=\"xl\" x=\"%.1f\" y=\"%u\">run %lld</text>\n",
		        point_x(i, n), h - 6, p[i].run);
	fputs("</svg>\n<figcaption class=\"muted\">Each line on its own scale from 0; the "
	      "numbers are written at the points and in the table below.</figcaption>\n"
	      "</figure>\n",
	      out);
	trend_table(out, p, n);
}
