/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the step helpers (rss_steps, fd_steps, thread_steps, duty_cycle,
 * vfork_block, forker, sleep_steps, block_kinds) share: the CLOCK_MONOTONIC
 * clock their lines report, a millisecond sleep, argument parsing, the
 * kernel's account of a thread's time on and waiting for a CPU (also for
 * tid_sleeps and notify_check), and the
 * start every one of them makes: "ready pid P" on line-buffered stdout, then
 * START_DELAY_MS (environment, default 300) so a watcher can arm a threshold,
 * or, with START_ON_SIGNAL set, a wait for SIGUSR1 from a test that arms its
 * watchers and then starts the steps (a delay can run out under load).
 *
 * Included after the system headers (sleep_steps defines _GNU_SOURCE first).
 * The functions are static inline, so a helper uses what it needs of them.
 */
#ifndef LATTOP_TESTS_HELPERS_STEPS_H
#define LATTOP_TESTS_HELPERS_STEPS_H

#include <signal.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* CLOCK_MONOTONIC, in ns. */
static inline long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The kernel's time on a CPU and waiting for one of this thread, ns. */
struct cpu_times {
	long long on_cpu, run_delay;
};

/*
 * On a CPU: CLOCK_THREAD_CPUTIME_ID, brought up to date for the calling
 * thread (schedstat's first field is only as of the last tick). Waiting:
 * /proc/thread-self/schedstat's second field (run_delay, which changes
 * only at the thread's own scheduling events), open as FD (pread: no open
 * per read).
 */
static inline struct cpu_times cpu_times(int fd)
{
	struct cpu_times t = { 0, 0 };
	struct timespec ts;
	unsigned long long stale_on_cpu;
	char buf[128];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n > 0) {
		buf[n] = 0;
		sscanf(buf, "%llu %lld", &stale_on_cpu, &t.run_delay);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	t.on_cpu = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	return t;
}

/* One nanosleep of MS milliseconds, resumed if a signal interrupts it. */
static inline void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* S as a non-negative decimal number, or -1 if it is not one. */
static inline long arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v >= 0 ? v : -1;
}

/*
 * Makes stdout line-buffered, prints "ready pid P", then waits for SIGUSR1
 * if START_ON_SIGNAL is set (it is blocked before the line, so one sent at
 * once is not lost), else sleeps START_DELAY_MS (default 300).
 */
static inline void announce_ready(void)
{
	const char *delay = getenv("START_DELAY_MS");
	int on_signal = getenv("START_ON_SIGNAL") != NULL;
	sigset_t go;
	int sig;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&go);
	sigaddset(&go, SIGUSR1);
	if (on_signal)
		sigprocmask(SIG_BLOCK, &go, NULL);
	printf("ready pid %d\n", getpid());
	if (on_signal)
		sigwait(&go, &sig);
	else
		sleep_ms(delay ? atol(delay) : 300);
}

/*
 * The number after "NAME:" in /proc/self/status (VmRSS in kB, Threads...),
 * -1 if absent; read with read() so that no stdio buffer is allocated.
 */
static inline long status_field(const char *name)
{
	char buf[4096], key[64], *at;
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		perror("/proc/self/status");
		exit(1);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	snprintf(key, sizeof(key), "\n%s:", name);
	at = strstr(buf, key);
	return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

/* The descriptors open in this process, without the one opendir() takes. */
static inline int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d) {
		perror("/proc/self/fd");
		exit(1);
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			n++;
	closedir(d);
	return n;
}

#endif /* LATTOP_TESTS_HELPERS_STEPS_H */
