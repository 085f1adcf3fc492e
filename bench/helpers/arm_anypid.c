// SPDX-License-Identifier: GPL-2.0
/*
 * arm_anypid N [RESOURCE]: arms N thresholds under /proc/anypid/notifier/,
 * taking the sampled resources in turn (or all on RESOURCE), each at a level
 * no process reaches (so the cost measured is the evaluation, not the
 * delivery). Prints "armed N",
 * then holds them until SIGTERM. The evaluator benchmark's load.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../include/uapi/linux/lattop.h"

static const char *const sampled[] = {
	"memory_usage", "shm_usage", "fd_count", "thread_count", "cpu_usage", "blocked_time",
};

int main(int argc, char **argv)
{
	int n;
	sigset_t term;

	if (argc < 2 || argc > 3 || (n = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: arm_anypid N [RESOURCE]\n");
		return 2;
	}
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	for (int i = 0; i < n; i++) {
		const char *resource = argc == 3 ? argv[2] :
				       sampled[i % (sizeof(sampled) / sizeof(sampled[0]))];
		struct lattop_threshold t = {
			.level = INT64_MAX,
			.flags = LATTOP_THRESHOLD_UP,
			.delivery = LATTOP_DELIVER_POLL,
			.window_ms = strcmp(resource, "cpu_usage") ? 0 : 1000,
		};
		char path[128];
		int fd;

		snprintf(path, sizeof(path), "/proc/%s/%s/%s", LATTOP_PROC_ANYPID, LATTOP_PROC_NOTIFIER,
			 resource);
		fd = open(path, O_RDWR);
		if (fd < 0 || write(fd, &t, sizeof(t)) != sizeof(t)) {
			perror(path);
			return 1;
		}
	}
	printf("armed %d\n", n);
	fflush(stdout);
	sigwait(&term, &n);
	return 0;
}
