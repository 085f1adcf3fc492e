// SPDX-License-Identifier: GPL-2.0
/*
 * rss_steps [--shm] STEP_KB STEPS HOLD_MS: grows its resident memory in
 * STEPS steps of STEP_KB each (one mmap per step, every page touched; with
 * --shm the mappings are MAP_SHARED|MAP_ANONYMOUS, so they count as RssShmem
 * rather than RssAnon), holding HOLD_MS after each step, then shrinks back
 * one step at a time (munmap of the newest mapping, then HOLD_MS) and exits.
 *
 * Prints "ready pid P", waits START_DELAY_MS (environment, default 300) so a
 * watcher can arm a threshold, then after each change, once it is done:
 * "step up I rss_kb R at NS" (I = 1..STEPS), "step down I rss_kb R at NS"
 * (I = 1..STEPS, the I-th shrink), R being VmRSS of /proc/self/status read
 * right after the change, NS CLOCK_MONOTONIC. Last "done".
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "steps.h"

int main(int argc, char **argv)
{
	int shm = argc > 1 && !strcmp(argv[1], "--shm");
	char **a = argv + 1 + shm;
	long page = sysconf(_SC_PAGESIZE);

	if (argc != 4 + shm || arg(a[0]) <= 0 || arg(a[1]) < 0 || arg(a[2]) < 0) {
		fprintf(stderr, "usage: rss_steps [--shm] STEP_KB STEPS HOLD_MS\n");
		return 2;
	}
	size_t size = (arg(a[0]) * 1024 + page - 1) / page * page;
	long steps = arg(a[1]), hold = arg(a[2]);
	char **maps = calloc(steps + 1, sizeof(*maps));

	if (!maps) {
		perror("calloc");
		return 1;
	}
	announce_ready();
	for (long i = 0; i < steps; i++) {
		maps[i] = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       (shm ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
		if (maps[i] == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		/* No huge pages: a step must add exactly its own pages. */
		madvise(maps[i], size, MADV_NOHUGEPAGE);
		for (size_t off = 0; off < size; off += page)
			maps[i][off] = 1;
		printf("step up %ld rss_kb %ld at %lld\n", i + 1, status_field("VmRSS"), now_ns());
		sleep_ms(hold);
	}
	for (long i = 0; i < steps; i++) {
		if (munmap(maps[steps - 1 - i], size)) {
			perror("munmap");
			return 1;
		}
		printf("step down %ld rss_kb %ld at %lld\n", i + 1, status_field("VmRSS"), now_ns());
		sleep_ms(hold);
	}
	printf("done\n");
	return 0;
}
