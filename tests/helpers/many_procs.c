// SPDX-License-Identifier: GPL-2.0
/*
 * many_procs N [PIDFILE]: forks N children that each wait until the parent
 * exits, then prints "ready". Killing the parent ends them all: each child
 * asked for SIGKILL when its parent dies (PR_SET_PDEATHSIG). Not a shared
 * pipe's end of file: N readers woken at once queue on the pipe's mutex, in
 * D state, and with 5,000 of them under emulation some waited past the
 * hung-task detector's 30 s.
 * With PIDFILE, first writes there the pid of each child, one a line, as
 * fork() returned them.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	FILE *pids = argc > 2 ? fopen(argv[2], "w") : NULL;
	pid_t parent = getpid();

	if (argc > 2 && !pids)
		return 1;
	for (int i = 0; i < n; i++) {
		pid_t child = fork();

		if (child < 0) {
			perror("fork");
			return 1;
		}
		if (child == 0) {
			if (prctl(PR_SET_PDEATHSIG, SIGKILL))
				_exit(1);
			/* The parent died before the request took. */
			if (getppid() != parent)
				_exit(0);
			for (;;)
				pause();
		}
		if (pids)
			fprintf(pids, "%d\n", child);
	}
	if (pids && fclose(pids))
		return 1;
	printf("ready\n");
	fflush(stdout);
	pause();
	return 0;
}
