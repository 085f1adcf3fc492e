// SPDX-License-Identifier: GPL-2.0
/*
 * acct_load MODE [ARG]: a process that makes the kernel's delay and I/O
 * accounting move, for tests/info_accounting.sh to compare lattop's records
 * with the kernel's own getdelays. It prints "ready pid P" once its work is
 * done (line-buffered) and then, unless the mode keeps running, waits in
 * pause() so that its figures stand still while both are read.
 *
 *   blkio DEV     64 O_DIRECT reads of 64 KiB from DEV (synchronous block
 *                 I/O: blkio delays, read_bytes), then 1 MiB written
 *                 through the page cache and fsync()ed (write_bytes);
 *                 prints "io_ns N", the time all that took
 *   wpcopy        4 MiB of anonymous memory written after a fork(), whose
 *                 child keeps it shared: one write-protect copy a page
 *   threads N     N threads, each 16 reads of 4 KiB from /dev/zero and a
 *                 10 ms sleep, joined: what exited threads left. Prints
 *                 "exited_rchar B" and "exited_syscr C", the exact reads
 *                 they made; then the main thread reads 4 KiB once more.
 *   zombie_leader reads 64 KiB and sleeps, then its main thread exits, the
 *                 process living on in another: a zombie leader, whose
 *                 delays taskstats has added to its group's already
 *   contend       two threads spinning on CPU 0 (they wait for it in
 *                 turn); runs until killed
 *   sleeper       sleeps 10 ms at a time; runs until killed
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "steps.h"

static void ready(void)
{
	printf("ready pid %d\n", getpid());
	fflush(stdout);
}

/* What a mode that is done does: nothing, until killed. */
static int stand_still(void)
{
	for (;;)
		pause();
	return 0;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int mode_blkio(const char *dev)
{
	const size_t chunk = 64 << 10;
	long long start = now_ns();
	void *buf;
	int fd = open(dev, O_RDONLY | O_DIRECT);

	if (fd < 0)
		die(dev);
	if (posix_memalign(&buf, 4096, chunk))
		die("posix_memalign");
	for (int i = 0; i < 64; i++)
		if (pread(fd, buf, chunk, (off_t)i * chunk) != (ssize_t)chunk)
			die("pread");
	close(fd);
	fd = open(dev, O_WRONLY);
	if (fd < 0)
		die(dev);
	memset(buf, 0x5a, chunk);
	for (int i = 0; i < 16; i++)
		if (pwrite(fd, buf, chunk, (off_t)(64 + i) * chunk) != (ssize_t)chunk)
			die("pwrite");
	if (fsync(fd))
		die("fsync");
	close(fd);
	printf("io_ns %lld\n", now_ns() - start);
	ready();
	return stand_still();
}

static int mode_wpcopy(void)
{
	const size_t len = 4 << 20;
	char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t child;

	if (mem == MAP_FAILED)
		die("mmap");
	for (size_t i = 0; i < len; i += 4096)
		mem[i] = 1;
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		return stand_still();
	}
	for (size_t i = 0; i < len; i += 4096)
		mem[i] = 2;
	ready();
	return stand_still();
}

#define THREAD_READS 16

/* THREAD_READS reads of 4 KiB from /dev/zero, then a 10 ms sleep. */
static void read_then_nap(void)
{
	char buf[4096];
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0)
		die("/dev/zero");
	for (int i = 0; i < THREAD_READS; i++)
		if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("read");
	close(fd);
	sleep_ms(10);
}

static void *reader(void *arg)
{
	(void)arg;
	read_then_nap();
	return NULL;
}

static int mode_threads(int n)
{
	pthread_t threads[64];
	char buf[4096];
	int fd;

	if (n < 1 || n > 64)
		die("threads: 1 to 64");
	for (int i = 0; i < n; i++)
		if (pthread_create(&threads[i], NULL, reader, NULL))
			die("pthread_create");
	for (int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	printf("exited_rchar %d\nexited_syscr %d\n", n * THREAD_READS * 4096, n * THREAD_READS);
	fd = open("/dev/zero", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		die("/dev/zero");
	close(fd);
	ready();
	return stand_still();
}

/* The thread left once its leader has exited: says so when the leader is a zombie. */
static void *survivor(void *arg)
{
	char path[64], buf[256], *state;
	int leader = *(int *)arg;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", leader, leader);
	for (;;) {
		FILE *f = fopen(path, "r");

		buf[0] = 0;
		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = 0;
			fclose(f);
		}
		state = strrchr(buf, ')');
		if (state && state[1] == ' ' && state[2] == 'Z')
			break;
		sleep_ms(10);
	}
	ready();
	return (void *)(long)stand_still();
}

static int mode_zombie_leader(void)
{
	static int leader;
	pthread_t thread;

	read_then_nap();
	leader = getpid();
	if (pthread_create(&thread, NULL, survivor, &leader))
		die("pthread_create");
	pthread_exit(NULL);
}

static void *spinner(void *arg)
{
	volatile unsigned long n = 0;

	(void)arg;
	for (;;)
		n++;
	return NULL;
}

static int mode_contend(void)
{
	cpu_set_t cpu0;
	pthread_t other;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		die("sched_setaffinity");
	/* The new thread inherits the affinity. */
	if (pthread_create(&other, NULL, spinner, NULL))
		die("pthread_create");
	ready();
	spinner(NULL);
	return 0;
}

static int mode_sleeper(void)
{
	ready();
	for (;;)
		sleep_ms(10);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "blkio"))
		return mode_blkio(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "wpcopy"))
		return mode_wpcopy();
	if (argc == 3 && !strcmp(argv[1], "threads"))
		return mode_threads(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "zombie_leader"))
		return mode_zombie_leader();
	if (argc == 2 && !strcmp(argv[1], "contend"))
		return mode_contend();
	if (argc == 2 && !strcmp(argv[1], "sleeper"))
		return mode_sleeper();
	fprintf(stderr, "usage: acct_load blkio DEV|wpcopy|threads N|zombie_leader|contend|sleeper\n");
	return 2;
}
