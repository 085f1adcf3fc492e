// SPDX-License-Identifier: GPL-2.0
/*
 * many_procs N [PIDFILE]: forks N children that pause, then prints "ready".
 * SIGTERM (or SIGINT) ends them one at a time: the parent kills a child and
 * reaps it before the next, then exits. Not all at once: 5,000 exits at
 * the same moment queue in D state on a lock every exiting mm takes
 * (the kernel's delayed_uprobe_lock, in uprobe_clear_state()), and under
 * emulation some
 * waited past the hung-task detector's 30 s. A shared pipe's end of file
 * did the same on the pipe's mutex.
 * Should the parent die otherwise (SIGKILL), each child asked for SIGKILL
 * when its parent dies (PR_SET_PDEATHSIG), so none is left behind.
 * With PIDFILE, first writes there the pid of each child, one a line, as
 * fork() returned them.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	FILE *pids = argc > 2 ? fopen(argv[2], "w") : NULL;
	pid_t *children = calloc(n > 0 ? n : 1, sizeof(*children));
	pid_t parent = getpid();
	sigset_t ending, before;
	int sig;

	if ((argc > 2 && !pids) || !children)
		return 1;
	/* Blocked from now, so that a SIGTERM before sigwait() is not lost. */
	sigemptyset(&ending);
	sigaddset(&ending, SIGTERM);
	sigaddset(&ending, SIGINT);
	sigprocmask(SIG_BLOCK, &ending, &before);
	for (int i = 0; i < n; i++) {
		pid_t child = fork();

		if (child < 0) {
			perror("fork");
			return 1;
		}
		if (child == 0) {
			sigprocmask(SIG_SETMASK, &before, NULL);
			if (prctl(PR_SET_PDEATHSIG, SIGKILL))
				_exit(1);
			/* The parent died before the request took. */
			if (getppid() != parent)
				_exit(0);
			for (;;)
				pause();
		}
		children[i] = child;
		if (pids)
			fprintf(pids, "%d\n", child);
	}
	if (pids && fclose(pids))
		return 1;
	printf("ready\n");
	fflush(stdout);
	sigwait(&ending, &sig);
	for (int i = 0; i < n; i++) {
		kill(children[i], SIGKILL);
		waitpid(children[i], NULL, 0);
	}
	return 0;
}
