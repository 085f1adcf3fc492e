// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzes the write ABI of the notifier files: writes generated struct
 * lattop_threshold buffers to every notifier file of every scope it can
 * reach, while a second thread closes and reopens those files (and the
 * eventfds the structs name), and checks each write against an oracle built
 * from the bytes it wrote and from what the helper itself did.
 *
 *   fuzz_thresholds fuzz SEED WRITES CAP [FOREIGN_PID]
 *	CAP is the module's max_thresholds_per_user. As root: the files of its
 *	own pid, of a child that lives throughout, of a "mortal" child killed
 *	and reaped halfway (one threshold armed on it at the start and held
 *	to the end keeps its directory), of /proc/anypid and of
 *	/proc/allpids. As another
 *	user: its own pid, child and mortal child, and FOREIGN_PID (a root
 *	process: every write refused); opening anypid's and allpids' files
 *	must fail with EACCES.
 *   fuzz_thresholds cap CAP
 *	arms CAP valid thresholds on its own pid (each must succeed), then the
 *	next gets EDQUOT; closes them and arms CAP again: what a user has armed
 *	was given back.
 *
 * The oracle. Each write's possible results are the union of the errors
 * that apply to it, as include/uapi/linux/lattop.h and README's "Errors"
 * list them (none documents an order between two errors that both apply):
 *   content (from the bytes): EINVAL for a size other than one struct,
 *	unknown flags, PRESENT on sleep_latency, non-zero reserved bytes,
 *	both/neither of UP and DOWN, a
 *	window on another resource than cpu_usage or none on it, a delivery
 *	that is none of the three, an eventfd or signal field that is not 0
 *	when the delivery does not use it, a signal outside 1..64; EBADF for
 *	an eventfd field that is not an open eventfd (the helper's eventfds
 *	sit on fixed descriptors, 200-203 never closed, 204-207 closed and
 *	made again by the closer: "maybe"; every other number is known not
 *	to be one);
 *   state (what the helper knows): EBUSY if its file may hold a threshold;
 *	EACCES for another user's process; ESRCH once the process was reaped
 *	(a threshold held open on it keeps its directory, so not EIO); EBADF
 *	if the closer thread may have closed the descriptor during the write;
 *   quota, only for a struct that would otherwise arm (valid, its file
 *	maybe free, the process live and readable): EDQUOT if the helper's
 *	upper bound on its user's armed thresholds was >= CAP, and arming
 *	(the full size returned) only if its lower bound was < CAP.
 * ENODEV (unload under way) and EIO (after rmmod) are documented too, but
 * the module stays loaded throughout, so they are failures here.
 * Anything else (another errno, a short count, arming an invalid struct, a
 * second threshold on one file, a refused valid one) is a failure, printed
 * with the struct's bytes and the command line that replays the seed (the
 * closer's timing makes a replay close, not identical).
 *
 * Quota bounds (the module counts per uid, and this process is the only
 * one of its uid that arms): lo counts files known to be armed, hi those
 * that may be. A write that arms adds to both after it returns; the closer
 * takes a file out of lo before closing it, and moves it from hi into
 * "pending", which the writer empties only between its writes: by then a
 * close's release has run (a close drops the file at once, unless the
 * writer's write holds it, and then that write's end drops it). So lo <=
 * armed <= hi whenever the writer looks, hi does not grow during a write
 * (only the writer adds) and lo does not grow either. Whether a ONESHOT
 * that fired, or a threshold whose process exited, still counts is not
 * documented: those stay out of lo. Checked the other way round: told a
 * CAP one more or one less than the module's, the oracle fails the run.
 *
 * Prints, one per line: "writes N", "rate N", "errno NAME N" for each
 * result, "arms SCOPE N", "arms_delivery NAME N", "armed_closes N",
 * "listing ok", then "result ok" or "result FAIL N" (exit status 1).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../../include/uapi/linux/lattop.h"

#define TSIZE ((int)sizeof(struct lattop_threshold))
#define MAX_SLOTS 64
#define SLOT_FD0 100		/* notifier files: fds 100.. */
#define EFD_STABLE0 200		/* eventfds never closed: 200..203 */
#define EFD_VOLATILE0 204	/* eventfds the closer closes and remakes: 204..207 */
#define N_EFD 4
#define DEVNULL_FD 300		/* open, not an eventfd */
#define NEVER_FD 301		/* 301..310 never opened */
#define PIN_FD 350		/* the threshold that keeps the mortal child's directory */
#define MAX_FAILS_SHOWN 20

/* Results: 0 the write armed, then the errnos the documentation names. */
enum { RES_OK, RES_EINVAL, RES_EBADF, RES_EBUSY, RES_ESRCH, RES_EACCES, RES_EDQUOT, RES_EIO,
       RES_OTHER, RES_N };
static const char *const r_names[RES_N] = { "ok", "EINVAL", "EBADF", "EBUSY", "ESRCH",
					   "EACCES", "EDQUOT", "EIO", "other" };
/*
 * ENODEV is documented for a write during unload and EIO for every call
 * after rmmod: the module stays loaded while this runs, so neither is
 * accepted.
 */
static int result_of(long ret, int size, int err)
{
	if (ret == size && ret == TSIZE)
		return RES_OK;
	if (ret >= 0)
		return RES_OTHER;
	switch (err) {
	case EINVAL: return RES_EINVAL;
	case EBADF: return RES_EBADF;
	case EBUSY: return RES_EBUSY;
	case ESRCH: return RES_ESRCH;
	case EACCES: return RES_EACCES;
	case EDQUOT: return RES_EDQUOT;
	case EIO: return RES_EIO;
	default: return RES_OTHER;
	}
}

static const char *const resource_names[] = {
	[LATTOP_RESOURCE_MEMORY_USAGE] = LATTOP_RESOURCE_NAME_MEMORY_USAGE,
	[LATTOP_RESOURCE_SHM_USAGE] = LATTOP_RESOURCE_NAME_SHM_USAGE,
	[LATTOP_RESOURCE_FD_COUNT] = LATTOP_RESOURCE_NAME_FD_COUNT,
	[LATTOP_RESOURCE_THREAD_COUNT] = LATTOP_RESOURCE_NAME_THREAD_COUNT,
	[LATTOP_RESOURCE_CPU_USAGE] = LATTOP_RESOURCE_NAME_CPU_USAGE,
	[LATTOP_RESOURCE_SLEEP_LATENCY] = LATTOP_RESOURCE_NAME_SLEEP_LATENCY,
	[LATTOP_RESOURCE_BLOCKED_TIME] = LATTOP_RESOURCE_NAME_BLOCKED_TIME,
	[LATTOP_RESOURCE_PROCESS_COUNT] = LATTOP_RESOURCE_NAME_PROCESS_COUNT,
};
#define N_RESOURCES 8

enum scope { S_SELF, S_CHILD, S_MORTAL, S_FOREIGN, S_ANYPID, S_ALLPIDS, S_N };
static const char *const scope_names[S_N] = { "self", "child", "mortal", "foreign",
					       "anypid", "allpids" };

enum armed { A_NO, A_YES, A_MAYBE };

struct slot {
	char path[512];
	enum scope scope;
	int resource;
	int fd;			/* SLOT_FD0 + index */
	int open;		/* the closer left it open */
	unsigned gen;		/* bumped by each close or reopen */
	enum armed armed;	/* does the open file hold a threshold? */
	int in_lo, in_hi;	/* counted in the quota bounds */
	long writes;
};

static struct slot slots[MAX_SLOTS];
static int n_slots;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long pending_hi;		/* closed, possibly armed, release not yet seen */
static int pin_lo, pin_hi;	/* the pinned threshold, in the bounds */
static int volatile_open[N_EFD];
static volatile int stop_closer;
static long armed_closes, closer_ops;
static int mortal_dead, denied_foreign;
static pid_t child_pid, mortal_pid;
static long cap;
static char replay[512];

static long hist[RES_N], arms_scope[S_N], arms_delivery[4], fails;

/* xorshift64*: the fuzz is reproducible from the seed. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static int chance(uint64_t *s, int percent)
{
	return (int)(rnd(s) % 100) < percent;
}

static void die(const char *what)
{
	perror(what);
	printf("result FAIL setup: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int open_retry(const char *path)
{
	int fd;

	/* A new process's directory appears within ms of its fork. */
	for (int i = 0; (fd = open(path, O_RDWR | O_CLOEXEC)) < 0 && errno == ENOENT && i < 500; i++)
		usleep(10000);
	return fd;
}

static int resource_of(const char *name)
{
	for (int r = 1; r < N_RESOURCES + 1; r++)
		if (!strcmp(name, resource_names[r]))
			return r;
	return -1;
}

/*
 * Lists DIR (a notifier directory) and adds a slot per file. The listing must
 * be every resource named by the header, process_count only under allpids.
 * A new process's directory is filled file by file after it appears, so a
 * listing short of files is taken again (for up to 5 s); a name that is no
 * resource of the header's, or one twice, fails at once.
 */
static void add_dir(const char *dir, enum scope scope)
{
	/* dir is at most 255 bytes: every caller's buffer is 256. */
	int want = scope == S_ALLPIDS ? 8 : 7, n = 0, first = n_slots;

	for (int attempt = 0; attempt < 500; attempt++) {
		int seen[N_RESOURCES + 1] = { 0 };
		struct dirent *d;
		DIR *dp = opendir(dir);

		n = 0;
		n_slots = first;
		if (!dp) {
			usleep(10000);
			continue;
		}
		while ((d = readdir(dp))) {
			int r;

			if (d->d_name[0] == '.')
				continue;
			r = resource_of(d->d_name);
			if (r < 0 || seen[r] ||
			    (r == LATTOP_RESOURCE_PROCESS_COUNT && scope != S_ALLPIDS)) {
				printf("result FAIL listing: %s/%s is not a resource of the header here\n",
				       dir, d->d_name);
				exit(1);
			}
			seen[r] = 1;
			n++;
			if (n_slots == MAX_SLOTS)
				die("too many slots");
			struct slot *s = &slots[n_slots];
			snprintf(s->path, sizeof(s->path), "%s/%s", dir, d->d_name);
			s->scope = scope;
			s->resource = r;
			s->fd = SLOT_FD0 + n_slots;
			n_slots++;
		}
		closedir(dp);
		if (n == want)
			return;
		usleep(10000);
	}
	printf("result FAIL listing: %s has %d files, the header names %d\n", dir, n, want);
	exit(1);
}

/* Opens slot S's file on its fixed descriptor; 0 if it cannot be opened. */
static int open_slot(struct slot *s)
{
	int fd = open(s->path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (dup3(fd, s->fd, O_CLOEXEC) < 0)
		die("dup3");
	close(fd);
	return 1;
}

static void make_eventfd(int at)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	if (fd < 0 || dup3(fd, at, O_CLOEXEC) < 0)
		die("eventfd");
	close(fd);
}

/* What the eventfd field names: 0 an open eventfd, 1 maybe, 2 not one. */
static int efd_class(int32_t v)
{
	if (v >= EFD_STABLE0 && v < EFD_STABLE0 + N_EFD)
		return 0;
	if (v >= EFD_VOLATILE0 && v < EFD_VOLATILE0 + N_EFD)
		return 1;
	return 2;
}

/*
 * The errors the bytes themselves call for (a mask of 1 << RES_*), and
 * *maybe_ebadf when the eventfd is one the closer may have closed. A mask
 * of 0 is a struct that arms if nothing else stops it.
 */
static unsigned content_errors(const unsigned char *buf, int size, int resource, int *maybe_ebadf)
{
	struct lattop_threshold t;
	unsigned m = 0;
	uint32_t dir;

	*maybe_ebadf = 0;
	if (size != TSIZE)
		return 1u << RES_EINVAL;
	memcpy(&t, buf, sizeof(t));
	if (t.flags & ~(uint32_t)(LATTOP_THRESHOLD_LEVEL | LATTOP_THRESHOLD_UP |
				  LATTOP_THRESHOLD_DOWN | LATTOP_THRESHOLD_ONESHOT |
				  LATTOP_THRESHOLD_PRESENT))
		m |= 1u << RES_EINVAL;
	if ((t.flags & LATTOP_THRESHOLD_PRESENT) && resource == LATTOP_RESOURCE_SLEEP_LATENCY)
		m |= 1u << RES_EINVAL;
	if (t.reserved0 || t.reserved[0] || t.reserved[1])
		m |= 1u << RES_EINVAL;
	dir = t.flags & (LATTOP_THRESHOLD_UP | LATTOP_THRESHOLD_DOWN);
	if (dir == 0 || dir == (LATTOP_THRESHOLD_UP | LATTOP_THRESHOLD_DOWN))
		m |= 1u << RES_EINVAL;
	if ((resource == LATTOP_RESOURCE_CPU_USAGE) != (t.window_ms != 0))
		m |= 1u << RES_EINVAL;
	switch (t.delivery) {
	case LATTOP_DELIVER_POLL:
		if (t.eventfd || t.signal)
			m |= 1u << RES_EINVAL;
		break;
	case LATTOP_DELIVER_EVENTFD:
		if (t.signal)
			m |= 1u << RES_EINVAL;
		switch (efd_class(t.eventfd)) {
		case 1: *maybe_ebadf = 1; break;
		case 2: m |= 1u << RES_EBADF; break;
		}
		break;
	case LATTOP_DELIVER_SIGNAL:
		if (t.eventfd || t.signal < 1 || t.signal > 64)
			m |= 1u << RES_EINVAL;
		break;
	default:
		m |= 1u << RES_EINVAL;
	}
	return m;
}

static int32_t pick_fd(uint64_t *s)
{
	static const int32_t odd[] = { -1, INT32_MIN, INT32_MAX, 1 << 20, 0,
				       DEVNULL_FD, NEVER_FD, NEVER_FD + 9, SLOT_FD0 };
	uint32_t r = rnd(s) % 100;
	int32_t v;

	if (r < 45)
		return EFD_STABLE0 + rnd(s) % N_EFD;
	if (r < 65)
		return EFD_VOLATILE0 + rnd(s) % N_EFD;
	if (r < 90)
		return odd[rnd(s) % (sizeof(odd) / sizeof(odd[0]))];
	/*
	 * Any number, but none in 1..99: the closer's transient descriptors
	 * (a new eventfd or file before its dup3) live there for a moment.
	 */
	v = (int32_t)rnd(s);
	return v >= 1 && v < 100 ? v + 1000 : v;
}

static int32_t pick_signal(uint64_t *s)
{
	static const int32_t odd[] = { 0, 65, -1, -34, INT32_MIN, INT32_MAX, 64, 1 };
	int32_t v;

	if (chance(s, 70)) {
		/* 1..64 but SIGKILL and SIGSTOP: a firing threshold sends it to us. */
		do
			v = 1 + rnd(s) % 64;
		while (v == SIGKILL || v == SIGSTOP);
		return v;
	}
	return odd[rnd(s) % (sizeof(odd) / sizeof(odd[0]))];
}

static int64_t pick_level(uint64_t *s)
{
	static const int64_t odd[] = { INT64_MIN, INT64_MAX, 0, -1, 1, 1 << 20, 100,
				       INT64_MIN + 1, INT64_MAX - 1, 50000000 };
	return chance(s, 70) ? odd[rnd(s) % (sizeof(odd) / sizeof(odd[0]))] : (int64_t)rnd(s);
}

/* One write's bytes (up to 128) and size. */
static int generate(uint64_t *s, unsigned char *buf, int resource)
{
	static const uint32_t flag_sets[] = {
		LATTOP_THRESHOLD_UP, LATTOP_THRESHOLD_DOWN,
		LATTOP_THRESHOLD_LEVEL | LATTOP_THRESHOLD_UP,
		LATTOP_THRESHOLD_LEVEL | LATTOP_THRESHOLD_DOWN,
		LATTOP_THRESHOLD_UP | LATTOP_THRESHOLD_ONESHOT,
		LATTOP_THRESHOLD_LEVEL | LATTOP_THRESHOLD_DOWN | LATTOP_THRESHOLD_ONESHOT,
		LATTOP_THRESHOLD_UP | LATTOP_THRESHOLD_PRESENT,
		LATTOP_THRESHOLD_UP | LATTOP_THRESHOLD_DOWN, LATTOP_THRESHOLD_LEVEL, 0,
		LATTOP_THRESHOLD_PRESENT, 0x20, 0x80000000u, 0xffffffffu,
	};
	struct lattop_threshold t = { 0 };
	int size;

	for (int i = 0; i < 128; i++)
		buf[i] = (unsigned char)rnd(s);
	t.level = pick_level(s);
	t.cookie = rnd(s);
	t.flags = chance(s, 90) ? flag_sets[rnd(s) % 7] :
		  chance(s, 50) ? flag_sets[rnd(s) % (sizeof(flag_sets) / sizeof(flag_sets[0]))] :
				  (uint32_t)rnd(s);
	t.delivery = chance(s, 90) ? 1 + rnd(s) % 3 : chance(s, 50) ? rnd(s) % 5 : (uint32_t)rnd(s);
	if (chance(s, 85)) {	/* the field the delivery uses, the other 0 */
		if (t.delivery == LATTOP_DELIVER_EVENTFD)
			t.eventfd = pick_fd(s);
		else if (t.delivery == LATTOP_DELIVER_SIGNAL)
			t.signal = pick_signal(s);
	} else {
		t.eventfd = chance(s, 50) ? pick_fd(s) : 0;
		t.signal = chance(s, 50) ? pick_signal(s) : 0;
	}
	if (resource == LATTOP_RESOURCE_CPU_USAGE ? chance(s, 90) : chance(s, 8)) {
		static const uint32_t windows[] = { 1, 10, 100, 1000, 60000, UINT32_MAX };
		t.window_ms = chance(s, 70) ? windows[rnd(s) % 6] : (uint32_t)rnd(s);
	}
	if (chance(s, 6))
		t.reserved0 = (uint32_t)rnd(s) | 1;
	if (chance(s, 6))
		t.reserved[rnd(s) % 2] = rnd(s) | (1ULL << (rnd(s) % 64));
	memcpy(buf, &t, sizeof(t));
	if (chance(s, 8)) {	/* a few flipped bytes anywhere */
		for (int n = 1 + rnd(s) % 3; n > 0; n--)
			buf[rnd(s) % TSIZE] ^= (unsigned char)(1 + rnd(s) % 255);
		memcpy(&t, buf, sizeof(t));
		if (t.signal == SIGKILL || t.signal == SIGSTOP) {
			t.signal = SIGUSR1;
			memcpy(buf, &t, sizeof(t));
		}
	}
	size = chance(s, 82) ? TSIZE : (int)(rnd(s) % 129);
	return size;
}

static void mask_names(unsigned m, char *out, size_t len)
{
	out[0] = 0;
	for (int r = 0; r < RES_N; r++)
		if (m & (1u << r))
			snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? "," : "",
				 r_names[r]);
}

static void report_failure(long i, const struct slot *sl, int size, const unsigned char *buf,
			   long ret, int err, unsigned allowed, const char *why)
{
	char names[128];

	fails++;
	if (fails > MAX_FAILS_SHOWN)
		return;
	mask_names(allowed, names, sizeof(names));
	printf("fail write %ld to %s: size %d got %ld (%s), allowed {%s}%s%s\n", i, sl->path,
	       size, ret, ret < 0 ? strerror(err) : "bytes", names, why ? ": " : "",
	       why ? why : "");
	printf("fail   bytes:");
	for (int b = 0; b < size && b < 128; b++)
		printf("%s%02x", b % 8 ? "" : " ", buf[b]);
	printf("\nfail   replay: %s\n", replay);
}

static long bound(int hi)
{
	long n = hi ? pending_hi + pin_hi : pin_lo;

	for (int i = 0; i < n_slots; i++)
		n += hi ? slots[i].in_hi : slots[i].in_lo;
	return n;
}

static void *closer(void *arg)
{
	uint64_t s = *(uint64_t *)arg;
	int closed = -1;	/* the slot left closed by the last operation */

	while (!stop_closer) {
		struct timespec ts = { 0, (long)(rnd(&s) % 300) * 1000 };
		int i = rnd(&s) % n_slots, r = rnd(&s) % 100;

		nanosleep(&ts, NULL);
		pthread_mutex_lock(&lock);
		if (closed >= 0) {	/* reopened at the next operation */
			i = closed;
			r = 100;
		} else if (chance(&s, 50))	/* prefer armed files: close while armed */
			for (int k = 0; k < n_slots; k++)
				if (slots[(i + k) % n_slots].armed != A_NO) {
					i = (i + k) % n_slots;
					break;
				}
		struct slot *sl = &slots[i];
		if (r < 12) {	/* an eventfd closed, or made again */
			int e = rnd(&s) % N_EFD;
			if (volatile_open[e])
				close(EFD_VOLATILE0 + e);
			else
				make_eventfd(EFD_VOLATILE0 + e);
			volatile_open[e] = !volatile_open[e];
		} else {
			if (sl->armed != A_NO)
				armed_closes++;
			/* Out of lo before the close; hi keeps it until the writer sees it released. */
			sl->in_lo = 0;
			pending_hi += sl->in_hi;
			sl->in_hi = 0;
			sl->armed = A_NO;
			sl->gen++;
			if (r < 40 && sl->open) {	/* closed until the next operation */
				close(sl->fd);
				sl->open = 0;
				closed = i;
			} else {	/* replaced by a new open file (dup3), or reopened */
				/*
				 * Even the reaped child's: the pinned threshold keeps
				 * its directory.
				 */
				if (!open_slot(sl)) {
					printf("fail reopening %s: %s\n", sl->path, strerror(errno));
					fails++;
					close(sl->fd);
					sl->open = 0;
				} else {
					sl->open = 1;
				}
				closed = -1;
			}
		}
		closer_ops++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void kill_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void ignore_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };

	/*
	 * Armed SIGNAL thresholds fire at us: ignore everything that would
	 * stop or kill; keep SIGCHLD so that waitpid works.
	 */
	for (int sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			sigaction(sig, &sa, NULL);
	/*
	 * glibc refuses 32 and 33 (its own), and a static binary that never
	 * cancels a thread has no handler for them: a signal threshold would
	 * kill us. The kernel's sigaction: handler, flags, restorer, mask.
	 */
	for (int sig = 32; sig <= 33; sig++) {
		unsigned long ksa[4] = { (unsigned long)SIG_IGN, 0, 0, 0 };

		if (syscall(SYS_rt_sigaction, sig, ksa, NULL, 8))
			die("rt_sigaction");
	}
}

/*
 * Arms a threshold on the mortal child's memory_usage, kept open to the
 * end: its directory stays after it is reaped (README: "kept while its
 * thresholds are open"), so writes to its files then must get ESRCH.
 */
static void pin_mortal(void)
{
	struct lattop_threshold t = {
		.level = INT64_MAX, .flags = LATTOP_THRESHOLD_UP, .delivery = LATTOP_DELIVER_POLL,
	};
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/proc/allpids/%d/notifier/%s", mortal_pid,
		 LATTOP_RESOURCE_NAME_MEMORY_USAGE);
	fd = open_retry(path);
	if (fd < 0 || dup3(fd, PIN_FD, O_CLOEXEC) < 0)
		die(path);
	close(fd);
	if (write(PIN_FD, &t, sizeof(t)) != sizeof(t))
		die("arming the mortal child's pin");
	pin_lo = pin_hi = 1;
}

static int fuzz(uint64_t seed, long writes, int foreign)
{
	int root = geteuid() == 0;
	char dir[256];
	uint64_t s = seed * 2 + 1, closer_seed;
	unsigned char buf[128];
	pthread_t th;
	double t0, t1;

	ignore_signals();
	if (fcntl(0, F_GETFD) < 0 && open("/dev/null", O_RDONLY) != 0)
		die("stdin");
	child_pid = spawn_sleeper();
	mortal_pid = spawn_sleeper();

	snprintf(dir, sizeof(dir), "/proc/allpids/%d/notifier", getpid());
	add_dir(dir, S_SELF);
	snprintf(dir, sizeof(dir), "/proc/allpids/%d/notifier", child_pid);
	add_dir(dir, S_CHILD);
	snprintf(dir, sizeof(dir), "/proc/allpids/%d/notifier", mortal_pid);
	add_dir(dir, S_MORTAL);
	if (root) {
		add_dir("/proc/anypid/notifier", S_ANYPID);
		add_dir("/proc/allpids/notifier", S_ALLPIDS);
	} else {
		/* The root-only scopes: each file's open is refused. */
		const char *dirs[] = { "/proc/anypid/notifier", "/proc/allpids/notifier" };
		int first = n_slots;

		for (int d = 0; d < 2; d++) {
			add_dir(dirs[d], d ? S_ALLPIDS : S_ANYPID);
			for (int i = first; i < n_slots; i++) {
				int fd = open(slots[i].path, O_RDWR);

				if (fd >= 0 || errno != EACCES) {
					printf("result FAIL open %s as uid %d: %s, not EACCES\n",
					       slots[i].path, getuid(), fd >= 0 ? "opened" : strerror(errno));
					exit(1);
				}
			}
			printf("refused_opens %s %d\n", dirs[d], n_slots - first);
			n_slots = first;
		}
		if (foreign > 0) {
			snprintf(dir, sizeof(dir), "/proc/allpids/%d/notifier", foreign);
			add_dir(dir, S_FOREIGN);
			denied_foreign = 1;
		}
	}
	printf("listing ok\n");
	for (int i = 0; i < n_slots; i++) {
		if (!open_slot(&slots[i]))
			die(slots[i].path);
		slots[i].open = 1;
	}
	if (dup3(open("/dev/null", O_RDONLY | O_CLOEXEC), DEVNULL_FD, O_CLOEXEC) < 0)
		die("/dev/null");
	for (int e = 0; e < N_EFD; e++) {
		make_eventfd(EFD_STABLE0 + e);
		make_eventfd(EFD_VOLATILE0 + e);
		volatile_open[e] = 1;
	}
	for (int fd = NEVER_FD; fd < NEVER_FD + 10; fd++)
		close(fd);
	pin_mortal();

	closer_seed = rnd(&s);
	pthread_create(&th, NULL, closer, &closer_seed);
	t0 = now_s();
	for (long i = 0; i < writes; i++) {
		int k = rnd(&s) % n_slots;
		struct slot *sl = &slots[k];
		int size = generate(&s, buf, sl->resource), maybe_ebadf, err, res;
		unsigned content, allowed = 0;
		unsigned gen0;
		int open0, denied, dead;
		enum armed armed0;
		long hi0, lo1, ret;
		const char *why = NULL;

		if (i == writes / 2) {	/* the mortal child goes: ESRCH from now on */
			kill_reap(mortal_pid);
			pthread_mutex_lock(&lock);
			mortal_dead = 1;
			/* Whether the module still counts them is not documented. */
			for (int j = 0; j < n_slots; j++)
				if (slots[j].scope == S_MORTAL)
					slots[j].in_lo = 0;
			pin_lo = 0;
			pthread_mutex_unlock(&lock);
		}
		pthread_mutex_lock(&lock);
		gen0 = sl->gen;
		open0 = sl->open;
		armed0 = sl->armed;
		hi0 = bound(1);
		dead = sl->scope == S_MORTAL && mortal_dead;
		denied = sl->scope == S_FOREIGN && denied_foreign;
		pthread_mutex_unlock(&lock);

		ret = write(sl->fd, buf, size);
		err = errno;

		pthread_mutex_lock(&lock);
		int moved = sl->gen != gen0;
		lo1 = bound(0);
		/* Every close the closer finished has been released by now. */
		pending_hi = 0;
		content = content_errors(buf, size, sl->resource, &maybe_ebadf);
		if (!open0 && !moved) {
			allowed = 1u << RES_EBADF;	/* a closed descriptor */
		} else {
			int maybe_armed = armed0 != A_NO, maybe_free = armed0 != A_YES || moved;

			allowed = content;
			if (maybe_ebadf || moved)
				allowed |= 1u << RES_EBADF;
			if (maybe_armed)
				allowed |= 1u << RES_EBUSY;
			if (denied)
				allowed |= 1u << RES_EACCES;
			if (dead)
				allowed |= 1u << RES_ESRCH;
			if (!content && maybe_free && !denied && !dead) {
				if (hi0 >= cap)
					allowed |= 1u << RES_EDQUOT;
				if (lo1 < cap)
					allowed |= 1u << RES_OK;
			}
		}
		res = result_of(ret, size, err);
		hist[res]++;
		sl->writes++;
		if (res == RES_OK) {
			struct lattop_threshold t;

			memcpy(&t, buf, sizeof(t));
			arms_scope[sl->scope]++;
			arms_delivery[t.delivery < 4 ? t.delivery : 0]++;
			if (moved) {	/* the old file or the new one */
				sl->armed = A_MAYBE;
				sl->in_hi = 1;
			} else {
				sl->armed = A_YES;
				sl->in_hi = 1;
				/*
				 * A ONESHOT that fired has stopped: whether it still
				 * counts is not documented, so not in the lower bound.
				 */
				sl->in_lo = !(t.flags & LATTOP_THRESHOLD_ONESHOT);
			}
			if (!(allowed & (1u << RES_OK)))
				why = content ? "an invalid struct armed" :
				      armed0 == A_YES ? "a second threshold on one file" :
				      "armed past the per-user cap, or where refused";
		}
		/* Under the lock: the closer counts its failures too. */
		if (!(allowed & (1u << res)))
			report_failure(i, sl, size, buf, ret, err, allowed, why);
		pthread_mutex_unlock(&lock);
	}
	t1 = now_s();
	stop_closer = 1;
	pthread_join(th, NULL);
	for (int i = 0; i < n_slots; i++)
		if (slots[i].open)
			close(slots[i].fd);
	kill_reap(child_pid);
	if (!mortal_dead)
		kill_reap(mortal_pid);
	close(PIN_FD);

	printf("writes %ld\n", writes);
	printf("rate %.0f\n", writes / (t1 - t0));
	for (int r = 0; r < RES_N; r++)
		printf("errno %s %ld\n", r_names[r], hist[r]);
	for (int sc = 0; sc < S_N; sc++) {
		long w = 0, least = -1;

		for (int i = 0; i < n_slots; i++)
			if (slots[i].scope == sc) {
				w += slots[i].writes;
				if (least < 0 || slots[i].writes < least)
					least = slots[i].writes;
			}
		if (least >= 0)
			printf("arms %s %ld writes %ld least_per_file %ld\n", scope_names[sc],
			       arms_scope[sc], w, least);
	}
	printf("arms_delivery poll %ld\narms_delivery eventfd %ld\narms_delivery signal %ld\n",
	       arms_delivery[LATTOP_DELIVER_POLL], arms_delivery[LATTOP_DELIVER_EVENTFD],
	       arms_delivery[LATTOP_DELIVER_SIGNAL]);
	printf("armed_closes %ld closer_ops %ld\n", armed_closes, closer_ops);
	if (fails) {
		printf("result FAIL %ld\n", fails);
		printf("replay: %s\n", replay);
		return 1;
	}
	printf("result ok\n");
	return 0;
}

/* Arms CAP thresholds on its own memory_usage: all must arm, then EDQUOT. */
static int arm_cap(int n, int *fds)
{
	struct lattop_threshold t = {
		.level = INT64_MAX, .flags = LATTOP_THRESHOLD_UP, .delivery = LATTOP_DELIVER_POLL,
	};
	char path[256];
	int bad = 0;

	snprintf(path, sizeof(path), "/proc/allpids/%d/notifier/%s", getpid(),
		 LATTOP_RESOURCE_NAME_MEMORY_USAGE);
	for (int i = 0; i <= n; i++) {
		long ret;

		fds[i] = open_retry(path);
		if (fds[i] < 0)
			die(path);
		ret = write(fds[i], &t, sizeof(t));
		if (i < n && ret != TSIZE) {
			printf("cap: threshold %d of %d: %s\n", i + 1, n, strerror(errno));
			bad = 1;
		} else if (i == n && !(ret < 0 && errno == EDQUOT)) {
			printf("cap: threshold %d past the cap of %d: %s\n", i + 1, n,
			       ret < 0 ? strerror(errno) : "armed");
			bad = 1;
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < argc; i++)
		snprintf(replay + strlen(replay), sizeof(replay) - strlen(replay), "%s%s",
			 i ? " " : "", argv[i]);
	if (argc >= 5 && !strcmp(argv[1], "fuzz")) {
		cap = atol(argv[4]);
		return fuzz(strtoull(argv[2], NULL, 10), atol(argv[3]), argc > 5 ? atoi(argv[5]) : 0);
	}
	if (argc == 3 && !strcmp(argv[1], "cap")) {
		int n = atoi(argv[2]), fds[n + 1], bad;

		bad = arm_cap(n, fds);
		for (int i = 0; i <= n; i++)
			close(fds[i]);
		/* Closing gave them back: the same again. */
		bad |= arm_cap(n, fds);
		for (int i = 0; i <= n; i++)
			close(fds[i]);
		printf("result %s\n", bad ? "FAIL" : "ok");
		return bad;
	}
	fprintf(stderr, "usage: fuzz_thresholds fuzz SEED WRITES CAP [FOREIGN_PID] | cap CAP\n");
	return 2;
}
