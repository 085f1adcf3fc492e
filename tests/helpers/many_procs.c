// SPDX-License-Identifier: GPL-2.0
/*
 * many_procs N: forks N children that each wait until the parent exits (on
 * a pipe), then prints "ready". Killing the parent ends them all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100, pipefd[2];
	char byte;

	if (pipe(pipefd))
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
	}
	close(pipefd[0]);
	printf("ready\n");
	fflush(stdout);
	pause();
	return 0;
}
