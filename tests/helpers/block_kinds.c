// SPDX-License-Identifier: GPL-2.0
/*
 * block_kinds COUNT: one worker thread per way of blocking, each blocking
 * COUNT times in it, for a test that checks every one of those sleeps is
 * counted:
 *
 *   pipe       read() of an empty pipe, woken by a partner's write()
 *   futex      FUTEX_WAIT, woken by a partner's FUTEX_WAKE
 *   poll       poll() on an empty pipe, woken by a partner's write()
 *   nanosleep  a 2 ms nanosleep (no partner)
 *   signal     sigwaitinfo() for SIGUSR2, woken by a partner's tgkill()
 *   eventfd    read() of an eventfd at 0, woken by a partner's write()
 *
 * A partner wakes its worker only once it has seen it blocked (in
 * /proc/self/task/TID/status, State S and voluntary_ctxt_switches above
 * what they were before that call), so every call blocks; a nanosleep whose
 * timer expired before the thread was off its runqueue did not block and is
 * made again, until COUNT did. Each worker counts the calls of its own that
 * blocked: its voluntary context switches (getrusage(RUSAGE_THREAD)) went
 * up across the call.
 *
 * Prints, line-buffered:
 *
 *   worker KIND tid T             one per worker
 *   ready pid P                   every worker blocked at its start gate
 *                                 (then START_ON_SIGNAL: SIGUSR1 starts)
 *   KIND tid T calls C blocked B  one per worker, once all have finished
 *   done                          every worker blocked in its final sleep
 *
 * and then holds for ten minutes, every worker asleep in one nanosleep, so
 * that a test reads their records and /proc figures while each thread is
 * in one sleep that began before the line and has not ended.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include "steps.h"

#define HOLD_MS 600000

enum kind { PIPE, FUTEX, POLL, NANOSLEEP, SIGNAL, EVENTFD, KINDS };

static const char *const kind_names[KINDS] = {
	"pipe", "futex", "poll", "nanosleep", "signal", "eventfd",
};

struct worker {
	enum kind kind;
	pthread_t thread, partner;
	atomic_int tid;
	/* Its nvcsw just before its start gate, then just before its hold. */
	long gate_nvcsw, done_nvcsw;
	atomic_int at_gate, done;
	/* The partner's start: its nvcsw while blocked at the gate. */
	long start_nvcsw;
	int gate[2], partner_gate[2];
	int pipe[2], efd;
	atomic_uint futex_word;
	long calls, blocked;
};

static struct worker workers[KINDS];
static long count;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* The calling thread's voluntary context switches. */
static long nvcsw(void)
{
	struct rusage usage;

	getrusage(RUSAGE_THREAD, &usage);
	return usage.ru_nvcsw;
}

/*
 * TID's scheduler state letter and voluntary_ctxt_switches, from
 * /proc/self/task/TID/status (one read: both of one moment).
 */
static void task_status(int tid, char *state, long *switches)
{
	char path[64], buf[4096], *at;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	at = strstr(buf, "\nState:");
	*state = at ? at[strspn(at + 7, " \t") + 7] : '?';
	at = strstr(buf, "\nvoluntary_ctxt_switches:");
	*switches = at ? strtol(at + 25, NULL, 10) : -1;
}

/*
 * Waits until TID is asleep (State S) with more voluntary switches than
 * *SINCE, i.e. it has blocked since then and not run again; sets *SINCE to
 * the count seen.
 */
static void wait_blocked(int tid, long *since)
{
	const struct timespec poll_interval = { 0, 200000 };
	char state;
	long switches;

	for (;;) {
		task_status(tid, &state, &switches);
		if (state == 'S' && switches > *since)
			break;
		nanosleep(&poll_interval, NULL);
	}
	*since = switches;
}

static void read_byte(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		die("read");
}

static void write_byte(int fd)
{
	if (write(fd, "x", 1) != 1)
		die("write");
}

/* One blocking call of W's kind; I counts the calls made. */
static void block_once(struct worker *w, long i)
{
	switch (w->kind) {
	case PIPE:
		read_byte(w->pipe[0]);
		break;
	case FUTEX:
		/* The partner sets the word to I + 1, then wakes. */
		while (atomic_load(&w->futex_word) == (unsigned int)i)
			syscall(SYS_futex, &w->futex_word, FUTEX_WAIT_PRIVATE, (unsigned int)i, NULL,
				NULL, 0);
		break;
	case POLL: {
		struct pollfd p = { .fd = w->pipe[0], .events = POLLIN };

		while (poll(&p, 1, -1) != 1)
			;
		/* Data is there: this read does not block. */
		read_byte(w->pipe[0]);
		break;
	}
	case NANOSLEEP:
		sleep_ms(2);
		break;
	case SIGNAL: {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR2);
		while (sigwaitinfo(&set, NULL) != SIGUSR2)
			;
		break;
	}
	case EVENTFD: {
		unsigned long long v;

		if (read(w->efd, &v, sizeof(v)) != sizeof(v))
			die("eventfd read");
		break;
	}
	default:
		break;
	}
}

/* W's partner's wake-up number I (counted from 0). */
static void wake_once(struct worker *w, long i)
{
	unsigned long long one = 1;

	switch (w->kind) {
	case PIPE:
	case POLL:
		write_byte(w->pipe[1]);
		break;
	case FUTEX:
		atomic_store(&w->futex_word, (unsigned int)(i + 1));
		syscall(SYS_futex, &w->futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		break;
	case SIGNAL:
		if (syscall(SYS_tgkill, getpid(), w->tid, SIGUSR2))
			die("tgkill");
		break;
	case EVENTFD:
		if (write(w->efd, &one, sizeof(one)) != sizeof(one))
			die("eventfd write");
		break;
	default:
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	atomic_store(&w->tid, gettid());
	w->gate_nvcsw = nvcsw();
	atomic_store(&w->at_gate, 1);
	read_byte(w->gate[0]);
	/* With a partner, COUNT calls, each of which blocks; a nanosleep
	 * that did not block is made again (up to 10 * COUNT calls). */
	while (w->kind == NANOSLEEP ? w->blocked < count && w->calls < 10 * count
				    : w->calls < count) {
		long before = nvcsw();

		block_once(w, w->calls);
		w->calls++;
		w->blocked += nvcsw() > before;
	}
	w->done_nvcsw = nvcsw();
	atomic_store(&w->done, 1);
	sleep_ms(HOLD_MS);
	return NULL;
}

static void *partner_main(void *arg)
{
	struct worker *w = arg;
	long since = w->start_nvcsw;

	read_byte(w->partner_gate[0]);
	for (long i = 0; i < count; i++) {
		wait_blocked(w->tid, &since);
		wake_once(w, i);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	sigset_t set;

	if (argc != 2 || (count = arg(argv[1])) <= 0) {
		fprintf(stderr, "usage: block_kinds COUNT\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Blocked in every thread: SIGUSR1 is main's start (announce_ready),
	 * SIGUSR2 the signal worker's, taken with sigwaitinfo(). */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	for (int k = 0; k < KINDS; k++) {
		struct worker *w = &workers[k];

		w->kind = k;
		if (pipe(w->gate) || pipe(w->partner_gate) || pipe(w->pipe))
			die("pipe");
		w->efd = eventfd(0, 0);
		if (w->efd < 0)
			die("eventfd");
		if (pthread_create(&w->thread, NULL, worker_main, w))
			die("pthread_create");
	}
	/* Each worker at its gate, blocked there. */
	for (int k = 0; k < KINDS; k++) {
		struct worker *w = &workers[k];

		while (!atomic_load(&w->at_gate))
			sleep_ms(1);
		w->start_nvcsw = w->gate_nvcsw;
		wait_blocked(w->tid, &w->start_nvcsw);
		if (k != NANOSLEEP && pthread_create(&w->partner, NULL, partner_main, w))
			die("pthread_create");
		printf("worker %s tid %d\n", kind_names[k], w->tid);
	}
	announce_ready();
	for (int k = 0; k < KINDS; k++) {
		if (k != NANOSLEEP)
			write_byte(workers[k].partner_gate[1]);
		write_byte(workers[k].gate[1]);
	}
	for (int k = 0; k < KINDS; k++) {
		struct worker *w = &workers[k];

		if (k != NANOSLEEP)
			pthread_join(w->partner, NULL);
		while (!atomic_load(&w->done))
			sleep_ms(1);
		wait_blocked(w->tid, &w->done_nvcsw);
	}
	for (int k = 0; k < KINDS; k++)
		printf("%s tid %d calls %ld blocked %ld\n", kind_names[k], workers[k].tid,
		       workers[k].calls, workers[k].blocked);
	printf("done\n");
	sleep_ms(HOLD_MS);
	return 0;
}
