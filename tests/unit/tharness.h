/*
 * A tiny unit test harness: checks that count failures and keep going.
 * Every failed check prints file:line, the expression and the values
 * involved; th_done() prints a summary and is what main() returns, so a
 * test executable exits nonzero when any check failed.  Header only: one
 * test executable is one translation unit.
 */
#ifndef TA_TESTS_THARNESS_H
#define TA_TESTS_THARNESS_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int th_checks __attribute__((unused));
static int th_failures __attribute__((unused));
static const char *th_case __attribute__((unused)); /* current table row */

/* Name the table row being checked; printed with every failure. */
#define TH_CASE(name) (th_case = (name))

static void __attribute__((unused)) th_fail_at(const char *file, int line)
{
	th_failures++;
	fprintf(stderr, "%s:%d: FAIL", file, line);
	if (th_case)
		fprintf(stderr, " [%s]", th_case);
	fprintf(stderr, ": ");
}

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		th_checks++;                                                                       \
		if (!(cond)) {                                                                     \
			th_fail_at(__FILE__, __LINE__);                                            \
			fprintf(stderr, "%s\n", #cond);                                            \
		}                                                                                  \
	} while (0)

/* Integers of any width and signedness; values printed decimal and hex. */
#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		uintmax_t th_a_ = (uintmax_t)(a), th_b_ = (uintmax_t)(b);                          \
		th_checks++;                                                                       \
		if (th_a_ != th_b_) {                                                              \
			th_fail_at(__FILE__, __LINE__);                                            \
			fprintf(stderr, "%s == %s: %jd (0x%jx) != %jd (0x%jx)\n", #a, #b,          \
			        (intmax_t)th_a_, th_a_, (intmax_t)th_b_, th_b_);                   \
		}                                                                                  \
	} while (0)

/* NUL-terminated strings; NULL compares equal only to NULL. */
#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *th_a_ = (a), *th_b_ = (b);                                             \
		th_checks++;                                                                       \
		if ((th_a_ == NULL || th_b_ == NULL) ? th_a_ != th_b_                              \
		                                     : strcmp(th_a_, th_b_) != 0) {                \
			th_fail_at(__FILE__, __LINE__);                                            \
			fprintf(stderr, "%s == %s: \"%s\" != \"%s\"\n", #a, #b,                    \
			        th_a_ ? th_a_ : "(null)", th_b_ ? th_b_ : "(null)");               \
		}                                                                                  \
	} while (0)

/* n bytes; the first differing offset is printed. */
#define CHECK_MEM(a, b, n) th_check_mem(__FILE__, __LINE__, #a, #b, (a), (b), (n))

static void __attribute__((unused))
th_check_mem(const char *file, int line, const char *ea, const char *eb, const void *a,
             const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	th_checks++;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i]) {
			th_fail_at(file, line);
			fprintf(stderr, "%s == %s: byte %zu of %zu: 0x%02x != 0x%02x\n", ea, eb, i,
			        n, x[i], y[i]);
			return;
		}
}

/* Summary line; the value main() returns. */
static int __attribute__((unused)) th_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, th_checks, th_failures);
	return th_failures ? 1 : 0;
}

#define TH_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
