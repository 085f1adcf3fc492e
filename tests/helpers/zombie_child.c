// SPDX-License-Identifier: GPL-2.0
/*
 * zombie_child exited|leader: forks a child that becomes a zombie, and does
 * not reap it until SIGTERM (then it kills and reaps the child and exits).
 *
 *   exited	the child exits at once: a zombie with no live thread, which
 *		its parent has not reaped.
 *   leader	the child's main thread exits (pthread_exit) while a second
 *		thread sleeps: its leader is a zombie (state Z in
 *		/proc/<pid>/stat), the process is alive.
 *
 * Prints "parent P child C" (the leader case adds "thread T", the live
 * thread's gettid()) once the child has got there; the test reads the
 * child's state from /proc itself.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include "steps.h"

static pid_t child;

static void on_term(int sig)
{
	(void)sig;
	kill(child, SIGKILL);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	_exit(0);
}

static int report_fd[2];

/* The state letter of this process's leader, from /proc/self/stat. */
static char leader_state(void)
{
	char buf[512], *paren;
	int fd = open("/proc/self/stat", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' ? paren[2] : '?';
}

static void *live_thread(void *unused)
{
	int tid = gettid();

	(void)unused;
	/* Tell the parent once the leader is gone: its exit is what we wait for. */
	while (leader_state() != 'Z')
		sleep_ms(1);
	if (write(report_fd[1], &tid, sizeof(tid)) != sizeof(tid))
		_exit(1);
	for (;;)
		sleep_ms(60000);
	return NULL;
}

int main(int argc, char **argv)
{
	int leader;
	int tid = 0;

	if (argc != 2 || (strcmp(argv[1], "exited") && strcmp(argv[1], "leader"))) {
		fprintf(stderr, "usage: zombie_child exited|leader\n");
		return 2;
	}
	leader = !strcmp(argv[1], "leader");
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_term);
	if (pipe(report_fd))
		return 1;
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		pthread_t thread;

		signal(SIGTERM, SIG_DFL);
		if (!leader)
			_exit(0);
		if (pthread_create(&thread, NULL, live_thread, NULL))
			_exit(1);
		pthread_exit(NULL);
	}
	if (leader) {
		if (read(report_fd[0], &tid, sizeof(tid)) != sizeof(tid))
			return 1;
		printf("parent %d child %d thread %d\n", getpid(), child, tid);
	} else {
		printf("parent %d child %d\n", getpid(), child);
	}
	for (;;)
		pause();
}
