// SPDX-License-Identifier: GPL-2.0
/*
 * forker N INTERVAL_MS: forks N children, one every INTERVAL_MS; each child
 * sleeps 2 s and exits. Once all are forked, the parent reaps them all.
 *
 * Prints "ready pid P", waits START_DELAY_MS (environment, default 300) so a
 * watcher can arm a threshold, then in the parent, right after each fork
 * returns, "child I pid C at NS" (I = 1..N, NS CLOCK_MONOTONIC), and
 * "done" once every child is reaped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static long arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v >= 0 ? v : -1;
}

int main(int argc, char **argv)
{
	if (argc != 3 || arg(argv[1]) < 0 || arg(argv[2]) < 0) {
		fprintf(stderr, "usage: forker N INTERVAL_MS\n");
		return 2;
	}
	long n = arg(argv[1]), interval = arg(argv[2]);
	const char *delay = getenv("START_DELAY_MS");

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready pid %d\n", getpid());
	sleep_ms(delay ? atol(delay) : 300);
	for (long i = 0; i < n; i++) {
		if (i)
			sleep_ms(interval);
		pid_t child = fork();

		if (child < 0) {
			perror("fork");
			return 1;
		}
		if (child == 0) {
			sleep_ms(2000);
			_exit(0);
		}
		printf("child %ld pid %d at %lld\n", i + 1, child, now_ns());
	}
	for (long i = 0; i < n; i++)
		if (wait(NULL) < 0) {
			perror("wait");
			return 1;
		}
	printf("done\n");
	return 0;
}
