// SPDX-License-Identifier: GPL-2.0
/*
 * born_hot rss MIB HOLD_MS | born_hot fds N HOLD_MS: makes a process that
 * is past a level from its first instant. The helper first takes the
 * resource itself (maps and touches MIB MiB of private anonymous memory, or
 * opens N descriptors of /dev/null), prints "took rss_kb R fds F" (its own
 * VmRSS and open descriptors) and "ready pid P", and waits for SIGUSR1
 * (with START_ON_SIGNAL set, as the step helpers do). Then it forks: the
 * child is born holding all of it (fork copies the page tables of touched
 * memory, which counts in its RSS, and the descriptor table), prints
 * "child pid C", sleeps HOLD_MS and exits; it opens nothing, so a reader of
 * its /proc/C/ sees what it was born with. The parent waits for it, prints
 * "done" and exits.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "steps.h"

static void take_memory(long mib)
{
	size_t size = (size_t)mib << 20;
	char *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (map == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	/* Every page written: resident, and copied into the child's tables. */
	memset(map, 1, size);
}

static void take_fds(long n)
{
	for (long i = 0; i < n; i++)
		if (open("/dev/null", O_RDONLY) < 0) {
			perror("/dev/null");
			exit(1);
		}
}

int main(int argc, char **argv)
{
	long amount = argc == 4 ? arg(argv[2]) : -1, hold = argc == 4 ? arg(argv[3]) : -1;
	pid_t child;

	if (amount <= 0 || hold < 0 || (strcmp(argv[1], "rss") && strcmp(argv[1], "fds"))) {
		fprintf(stderr, "usage: born_hot rss MIB HOLD_MS | born_hot fds N HOLD_MS\n");
		return 2;
	}
	if (!strcmp(argv[1], "rss"))
		take_memory(amount);
	else
		take_fds(amount);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("took rss_kb %ld fds %d\n", status_field("VmRSS"), count_fds());
	announce_ready();
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		printf("child pid %d\n", getpid());
		sleep_ms(hold);
		return 0;
	}
	waitpid(child, NULL, 0);
	printf("done\n");
	return 0;
}
