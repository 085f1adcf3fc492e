// SPDX-License-Identifier: GPL-2.0
/*
 * proc_walk: the slow path lattop's bulk transfer replaces, timed against
 * it. Walks /proc/<pid>/ for every process, reading stat and status and
 * counting fd/ entries, as ps and top do; then reads /proc/allpids/info
 * once. Each is run ROUNDS times (default 3); prints the best times:
 * "processes N walk_us W info_us I info_bytes B ratio R".
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char buf[64 << 20];

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static ssize_t slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n, total = 0;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + total, sizeof(buf) - total)) > 0)
		total += n;
	close(fd);
	return total;
}

static int walk(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	char path[300];
	int n = 0;

	while ((e = readdir(proc))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		slurp(path);
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		slurp(path);
		snprintf(path, sizeof(path), "/proc/%s/fd", e->d_name);
		DIR *fds = opendir(path);

		while (fds && readdir(fds))
			;
		if (fds)
			closedir(fds);
		n++;
	}
	closedir(proc);
	return n;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3, n = 0;
	long long best_walk = -1, best_info = -1, t;
	ssize_t bytes = 0;

	for (int i = 0; i < rounds; i++) {
		t = now_us();
		n = walk();
		t = now_us() - t;
		if (best_walk < 0 || t < best_walk)
			best_walk = t;
		t = now_us();
		bytes = slurp("/proc/allpids/info");
		t = now_us() - t;
		if (best_info < 0 || t < best_info)
			best_info = t;
	}
	printf("processes %d walk_us %lld info_us %lld info_bytes %zd ratio %.1f\n", n, best_walk,
	       best_info, bytes, best_info > 0 ? (double)best_walk / best_info : 0.0);
	return 0;
}
