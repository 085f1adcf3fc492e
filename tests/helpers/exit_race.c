// SPDX-License-Identifier: GPL-2.0
/*
 * exit_race ROUNDS: each round forks a child that exits at once, reaps it,
 * and opens /proc/allpids/<child>/info right away, before lattop can have
 * removed the directory. Prints "enoent N esrch N data N other N": data, a
 * successful open of an exited process's info, must never happen.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 100, enoent = 0, esrch = 0, data = 0, other = 0;
	char path[64];

	for (int i = 0; i < rounds; i++) {
		pid_t child = fork();

		if (child == 0) {
			usleep(20000); /* long enough for its directory to appear */
			_exit(0);
		}
		/* Wait for the directory, so the open below can race its removal. */
		snprintf(path, sizeof(path), "/proc/allpids/%d", child);
		for (int tries = 0; tries < 100 && access(path, F_OK); tries++)
			usleep(1000);
		waitpid(child, NULL, 0);
		snprintf(path, sizeof(path), "/proc/allpids/%d/info", child);
		int fd = open(path, O_RDONLY);

		if (fd >= 0) {
			data++;
			close(fd);
		} else if (errno == ENOENT) {
			enoent++;
		} else if (errno == ESRCH) {
			esrch++;
		} else {
			other++;
		}
	}
	printf("enoent %d esrch %d data %d other %d\n", enoent, esrch, data, other);
	return 0;
}
