// SPDX-License-Identifier: GPL-2.0
/*
 * dir_latency ROUNDS: how soon /proc/allpids/<pid>/ follows a process. Each
 * round forks a child that pauses, times until its directory exists, kills
 * and reaps it, and times until the directory is gone (polling every 100 us,
 * giving up after 5 s). Prints "appear_max_us A appear_avg_us B
 * vanish_max_us C vanish_avg_us D timeouts N".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Microseconds until `path` exists (want 1) or is gone (want 0); -1 after 5 s. */
static long long wait_for(const char *path, int want, long long start)
{
	while ((access(path, F_OK) == 0) != want) {
		if (now_us() - start > 5000000)
			return -1;
		usleep(100);
	}
	return now_us() - start;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20, timeouts = 0;
	long long appear_max = 0, appear_sum = 0, vanish_max = 0, vanish_sum = 0, t;
	char path[64];

	for (int i = 0; i < rounds; i++) {
		long long start = now_us();
		pid_t child = fork();

		if (child == 0) {
			pause();
			_exit(0);
		}
		snprintf(path, sizeof(path), "/proc/allpids/%d", child);
		t = wait_for(path, 1, start);
		if (t < 0)
			timeouts++;
		appear_max = t > appear_max ? t : appear_max;
		appear_sum += t > 0 ? t : 0;
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		t = wait_for(path, 0, now_us());
		if (t < 0)
			timeouts++;
		vanish_max = t > vanish_max ? t : vanish_max;
		vanish_sum += t > 0 ? t : 0;
	}
	printf("appear_max_us %lld appear_avg_us %lld vanish_max_us %lld vanish_avg_us %lld timeouts %d\n",
	       appear_max, appear_sum / rounds, vanish_max, vanish_sum / rounds, timeouts);
	return 0;
}
