// SPDX-License-Identifier: GPL-2.0
/*
 * trace_sites: sleeps of known lengths at known call sites, for the trace
 * lines of /proc/lattop (a trace is one call path: kernel frames at
 * wake-up, user frames at block).
 *
 *   trace_sites sites LONG_MS SHORT_MS
 *	site_a(): one nanosleep call site, reached 9 times: 5 sleeps of
 *	LONG_MS, LONG_MS + 10, ... LONG_MS + 40 ms, each followed (but the
 *	last) by one of SHORT_MS; then site_b(): another call site, 3 sleeps
 *	of LONG_MS - 5 ms. With trace_threshold_us between SHORT_MS and
 *	LONG_MS - 5 ms, the worst trace is site_a's long sleeps: 5 of them.
 *	Prints "pid P", then
 *	"a_long count 5 blocked B total_us X max_us M",
 *	"a_short count 4 blocked B total_us X max_us M",
 *	"b count 3 blocked B total_us X max_us M": its own measures
 *	(CLOCK_MONOTONIC around each nanosleep; B: how many of them blocked, its
 *	voluntary context switches having gone up, for a timer that expires
 *	before the scheduler takes the task off its runqueue leaves it running,
 *	no sleep: seen with 1 ms sleeps under TCG) and then exits.
 *   trace_sites short COUNT MS
 *	COUNT sleeps of MS ms at one site; prints "pid P" and
 *	"short count N blocked B total_us X max_us M".
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <sys/resource.h>
#include "steps.h"

struct measure {
	long count, blocked;
	long long total_us, max_us;
};

/* The calling thread's voluntary context switches. */
static long nvcsw(void)
{
	struct rusage usage;

	getrusage(RUSAGE_THREAD, &usage);
	return usage.ru_nvcsw;
}

/* One sleep that began at START, after SWITCHES voluntary switches. */
static void add(struct measure *m, long long start, long switches)
{
	long long us = (now_ns() - start) / 1000;

	m->blocked += nvcsw() > switches;
	m->count++;
	m->total_us += us;
	if (us > m->max_us)
		m->max_us = us;
}

static void print(const char *name, const struct measure *m)
{
	printf("%s count %ld blocked %ld total_us %lld max_us %lld\n", name, m->count, m->blocked,
	       m->total_us, m->max_us);
}

/* The one call site of the sleeps listed in MS (0 ends the list). */
__attribute__((noinline)) static void site_a(const long *ms, long long_ms, struct measure *longs,
					     struct measure *shorts)
{
	for (; *ms; ms++) {
		long long start = now_ns();
		long switches = nvcsw();

		sleep_ms(*ms);
		add(*ms >= long_ms ? longs : shorts, start, switches);
	}
	__asm__ volatile("" ::: "memory");
}

/* Another call site: COUNT sleeps of MS ms. */
__attribute__((noinline)) static void site_b(long ms, long count, struct measure *m)
{
	for (long i = 0; i < count; i++) {
		long long start = now_ns();
		long switches = nvcsw();

		sleep_ms(ms);
		add(m, start, switches);
	}
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	struct measure a_long = { 0 }, a_short = { 0 }, b = { 0 };
	long x, y;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 4 || (x = arg(argv[2])) < 0 || (y = arg(argv[3])) < 0) {
		fprintf(stderr, "usage: trace_sites sites LONG_MS SHORT_MS | short COUNT MS\n");
		return 2;
	}
	printf("pid %d\n", getpid());
	if (!strcmp(argv[1], "sites")) {
		long ms[] = { x, y, x + 10, y, x + 20, y, x + 30, y, x + 40, 0 };

		if (y == 0 || y >= x - 5)
			return 2;
		site_a(ms, x, &a_long, &a_short);
		site_b(x - 5, 3, &b);
		print("a_long", &a_long);
		print("a_short", &a_short);
		print("b", &b);
	} else if (!strcmp(argv[1], "short")) {
		site_b(y, x, &b);
		print("short", &b);
	} else {
		return 2;
	}
	return 0;
}
