// SPDX-License-Identifier: GPL-2.0
/*
 * notify_delay memory|sleep ROUNDS: how long a notifier event takes to reach
 * a watcher blocked in read(), per round, for a child process's crossings.
 *
 * memory: a memory_usage UP threshold at the child's resident memory + 4 MiB.
 *   Each round the child touches a fresh 8 MiB mapping page by page until it
 *   is 4 MiB + 64 KiB over its start (past the level), notes that moment
 *   (the crossing) for the parent, waits for the parent's ack, unmaps it and
 *   stays below the level for 30 ms plus a random 0-20 ms, so that the
 *   crossings do not lock into one phase of the evaluator's period. The evaluator samples every
 *   eval_period_ms, so crossing -> event (event.time_ns, the sample) is the
 *   sampling delay and event -> read() return the delivery.
 * sleep:  a sleep_latency UP threshold at 10 ms. Each round the child sleeps
 *   1 ms (below the level) then 20 ms (the crossing); the kernel stamps the
 *   event at that wake-up, so event -> read() return is the whole delay.
 *
 * Prints "rounds N sample_median_us A sample_max_us B deliver_median_us C
 * deliver_max_us D total_median_us E total_max_us F" (sample is 0 for
 * sleep, where the crossing is the stamp).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "../../include/uapi/linux/lattop.h"

#define MIB (1024 * 1024L)

static int by_value(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Resident memory of PID in bytes, as memory_usage counts it. */
static long long resident_bytes(pid_t pid)
{
	char path[64];
	long long size, resident = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%lld %lld", &size, &resident) != 2)
		resident = -1;
	if (f)
		fclose(f);
	return resident * sysconf(_SC_PAGESIZE);
}

static void must(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		exit(1);
	}
}

/* The child's rounds; it reports each crossing's time on `report`. */
static void child_rounds(int memory, int rounds, int go, int report, int ack)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned int seed = 1;
	char byte;

	must(read(go, &byte, 1) == 1, "read go");
	for (int i = 0; i < rounds; i++) {
		if (memory) {
			char *map = mmap(NULL, 8 * MIB, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			long long crossed;

			must(map != MAP_FAILED, "mmap");
			for (long off = 0; off < 4 * MIB + 64 * 1024; off += page)
				map[off] = 1;
			crossed = now_ns();
			must(write(report, &crossed, sizeof(crossed)) == sizeof(crossed), "write");
			must(read(ack, &byte, 1) == 1, "read ack");
			munmap(map, 8 * MIB);
			sleep_ns(30 * 1000000LL + rand_r(&seed) % (20 * 1000000));
		} else {
			sleep_ns(1 * 1000000LL);
			sleep_ns(20 * 1000000LL);
		}
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	int memory, rounds, go[2], report[2], ack[2], fd;
	long long *sample, *deliver, *total;
	struct lattop_threshold t = { 0 };
	char path[128];
	pid_t child;

	if (argc != 3 || (rounds = atoi(argv[2])) < 1 ||
	    (strcmp(argv[1], "memory") && strcmp(argv[1], "sleep"))) {
		fprintf(stderr, "usage: notify_delay memory|sleep ROUNDS\n");
		return 2;
	}
	memory = !strcmp(argv[1], "memory");
	must(!pipe(go) && !pipe(report) && !pipe(ack), "pipe");
	child = fork();
	must(child >= 0, "fork");
	if (child == 0)
		child_rounds(memory, rounds, go[0], report[1], ack[0]);

	snprintf(path, sizeof(path), "/proc/%s/%d/%s/%s", LATTOP_PROC_DIR, child,
		 LATTOP_PROC_NOTIFIER, memory ? "memory_usage" : "sleep_latency");
	/* The directory follows a new process within a reconcile pass. */
	for (int tries = 0; (fd = open(path, O_RDWR)) < 0 && tries < 500; tries++)
		sleep_ns(10 * 1000000LL);
	must(fd >= 0, path);
	t.flags = LATTOP_THRESHOLD_UP;
	t.delivery = LATTOP_DELIVER_POLL;
	t.level = memory ? resident_bytes(child) + 4 * MIB : 10 * 1000000LL;
	must(write(fd, &t, sizeof(t)) == sizeof(t), "arm");
	must(write(go[1], "g", 1) == 1, "write go");

	sample = calloc(rounds, sizeof(*sample));
	deliver = calloc(rounds, sizeof(*deliver));
	total = calloc(rounds, sizeof(*total));
	for (int i = 0; i < rounds; i++) {
		struct lattop_event ev;
		long long received, crossed;

		must(read(fd, &ev, sizeof(ev)) == sizeof(ev), "read event");
		received = now_ns();
		if (ev.kind != LATTOP_EVENT_CROSSED) {
			fprintf(stderr, "notify_delay: round %d: event kind %u\n", i, ev.kind);
			return 1;
		}
		crossed = ev.time_ns;
		if (memory) {
			must(read(report[0], &crossed, sizeof(crossed)) == sizeof(crossed), "read report");
			must(write(ack[1], "a", 1) == 1, "write ack");
		}
		sample[i] = ev.time_ns - crossed;
		deliver[i] = received - ev.time_ns;
		total[i] = received - crossed;
	}
	waitpid(child, NULL, 0);
	qsort(sample, rounds, sizeof(*sample), by_value);
	qsort(deliver, rounds, sizeof(*deliver), by_value);
	qsort(total, rounds, sizeof(*total), by_value);
	printf("rounds %d sample_median_us %lld sample_max_us %lld deliver_median_us %lld "
	       "deliver_max_us %lld total_median_us %lld total_max_us %lld\n",
	       rounds, sample[rounds / 2] / 1000, sample[rounds - 1] / 1000,
	       deliver[rounds / 2] / 1000, deliver[rounds - 1] / 1000,
	       total[rounds / 2] / 1000, total[rounds - 1] / 1000);
	return 0;
}
