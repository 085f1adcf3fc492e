// SPDX-License-Identifier: GPL-2.0
/*
 * many_procs N [PIDFILE]: forks N children that each wait until the parent
 * exits (on a pipe), then prints "ready". Killing the parent ends them all.
 * With PIDFILE, first writes there the pid of each child, one a line, as
 * fork() returned them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100, pipefd[2];
	FILE *pids = argc > 2 ? fopen(argv[2], "w") : NULL;
	char byte;

	if (pipe(pipefd) || (argc > 2 && !pids))
		return 1;
	for (int i = 0; i < n; i++) {
		pid_t child = fork();

		if (child < 0) {
			perror("fork");
			return 1;
		}
		if (child == 0) {
			close(pipefd[1]);
			/* Returns when the parent, the last writer, is gone. */
			while (read(pipefd[0], &byte, 1) > 0)
				;
			_exit(0);
		}
		if (pids)
			fprintf(pids, "%d\n", child);
	}
	if (pids && fclose(pids))
		return 1;
	close(pipefd[0]);
	printf("ready\n");
	fflush(stdout);
	pause();
	return 0;
}
