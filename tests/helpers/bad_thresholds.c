// SPDX-License-Identifier: GPL-2.0
/*
 * Writes malformed thresholds to notifier files and prints the errno each
 * write got, one line per case: "<case> <ERRNO>" ("<case> ok" if accepted).
 *
 *   bad_thresholds DIR	DIR is a notifier directory (.../notifier); the
 *			cases use DIR/memory_usage and DIR/cpu_usage.
 *
 * Last, "exited": a threshold written for a child that has exited. Its
 * directory stays while a threshold armed on it is open, so the case arms
 * one on the child's memory_usage and opens its fd_count while it lives,
 * then kills and reaps it, waits for the kernel to notice, and writes to
 * fd_count.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../include/uapi/linux/lattop.h"

static const char *dir;

static const char *errno_name(int e)
{
	switch (e) {
	case 0: return "ok";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case EBUSY: return "EBUSY";
	case ESRCH: return "ESRCH";
	case EACCES: return "EACCES";
	case EDQUOT: return "EDQUOT";
	case EAGAIN: return "EAGAIN";
	case EIO: return "EIO";
	default: return strerror(e);
	}
}

static struct lattop_threshold good(void)
{
	struct lattop_threshold t = {
		.level = 1 << 20,
		.flags = LATTOP_THRESHOLD_UP,
		.delivery = LATTOP_DELIVER_POLL,
	};
	return t;
}

/* Writes `len` bytes of `t` (twice if `twice`) to DIR/file: the last errno. */
static int try_write(const char *file, const struct lattop_threshold *t, size_t len, int twice)
{
	char path[512], buf[sizeof(*t) * 2] = { 0 };
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	memcpy(buf, t, sizeof(*t));
	for (int i = 0; i <= twice; i++)
		err = write(fd, buf, len) < 0 ? errno : 0;
	close(fd);
	return err;
}

static void report(const char *name, int err)
{
	printf("%s %s\n", name, errno_name(err));
}

#define CASE(name, file, len, twice, edit)                                     \
	do {                                                                   \
		struct lattop_threshold t = good();                            \
		edit;                                                          \
		report(name, try_write(file, &t, len, twice));                 \
	} while (0)

static int open_child_file(pid_t child, const char *file)
{
	char path[512];
	int fd;

	/* Its directory appears within ms of the fork. */
	snprintf(path, sizeof(path), "/proc/allpids/%d/notifier/%s", child, file);
	for (int i = 0; (fd = open(path, O_RDWR)) < 0 && i < 500; i++)
		usleep(10000);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	return fd;
}

static int write_after_exit(void)
{
	struct lattop_threshold t = good();
	pid_t child = fork();
	int armed, unarmed, err;

	if (child == 0) {
		pause();
		_exit(0);
	}
	armed = open_child_file(child, "memory_usage");
	unarmed = open_child_file(child, "fd_count");
	if (write(armed, &t, sizeof(t)) != sizeof(t)) {
		perror("arming memory_usage");
		exit(1);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	usleep(500000);
	err = write(unarmed, &t, sizeof(t)) < 0 ? errno : 0;
	close(unarmed);
	close(armed);
	return err;
}

int main(int argc, char **argv)
{
	size_t size = sizeof(struct lattop_threshold);
	int efd = eventfd(0, 0), nullfd = open("/dev/null", O_RDONLY);
	char path[512], byte;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: bad_thresholds NOTIFIER_DIR\n");
		return 2;
	}
	dir = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	CASE("valid", "memory_usage", size, 0, (void)0);
	CASE("short", "memory_usage", size - 1, 0, (void)0);
	CASE("long", "memory_usage", size + 8, 0, (void)0);
	CASE("unknown_flag", "memory_usage", size, 0, t.flags |= 0x100);
	CASE("reserved0", "memory_usage", size, 0, t.reserved0 = 1);
	CASE("reserved", "memory_usage", size, 0, t.reserved[1] = 1);
	CASE("up_and_down", "memory_usage", size, 0, t.flags |= LATTOP_THRESHOLD_DOWN);
	CASE("neither", "memory_usage", size, 0, t.flags = LATTOP_THRESHOLD_LEVEL);
	CASE("no_delivery", "memory_usage", size, 0, t.delivery = 0);
	CASE("unknown_delivery", "memory_usage", size, 0, t.delivery = 9);
	CASE("eventfd_closed", "memory_usage", size, 0,
	     (t.delivery = LATTOP_DELIVER_EVENTFD, t.eventfd = 999));
	CASE("eventfd_not_one", "memory_usage", size, 0,
	     (t.delivery = LATTOP_DELIVER_EVENTFD, t.eventfd = nullfd));
	CASE("eventfd_valid", "memory_usage", size, 0,
	     (t.delivery = LATTOP_DELIVER_EVENTFD, t.eventfd = efd));
	CASE("signal_zero", "memory_usage", size, 0, t.delivery = LATTOP_DELIVER_SIGNAL);
	CASE("signal_65", "memory_usage", size, 0,
	     (t.delivery = LATTOP_DELIVER_SIGNAL, t.signal = 65));
	CASE("signal_valid", "memory_usage", size, 0,
	     (t.delivery = LATTOP_DELIVER_SIGNAL, t.signal = 34));
	CASE("cpu_no_window", "cpu_usage", size, 0, (void)0);
	CASE("cpu_window", "cpu_usage", size, 0, t.window_ms = 100);
	CASE("window_not_cpu", "memory_usage", size, 0, t.window_ms = 100);
	CASE("present", "memory_usage", size, 0, t.flags |= LATTOP_THRESHOLD_PRESENT);
	CASE("present_sleep", "sleep_latency", size, 0, t.flags |= LATTOP_THRESHOLD_PRESENT);
	CASE("second_write", "memory_usage", size, 1, (void)0);

	snprintf(path, sizeof(path), "%s/memory_usage", dir);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	report("read_unarmed", read(fd, &byte, 1) < 0 ? errno : 0);
	close(fd);

	report("exited", write_after_exit());
	return 0;
}
