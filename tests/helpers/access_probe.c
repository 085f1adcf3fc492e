// SPDX-License-Identifier: GPL-2.0
/*
 * access_probe ACTION...: looks at lattop's files with the credentials it
 * has (or takes), one line of output per action, in order:
 *
 *   drop-ptrace   drops CAP_SYS_PTRACE alone, from the bounding set
 *                 (prctl(PR_CAPBSET_DROP)) and from the effective,
 *                 permitted and inheritable sets (capset()); prints
 *                 "caps sys_ptrace N dac_override N" from /proc/self/status's
 *                 CapEff afterwards (1: held)
 *   setuid U G    setgroups(0), setresgid(G, G, G), setresuid(U, U, U), no
 *                 exec; prints "ids uid U gid G"
 *   open          opens /proc/allpids/info and keeps it ("open ok|ERRNO")
 *   held PID      whether the kept file's snapshot (read again from offset
 *                 0) has a process record for PID: "held PID listed|absent"
 *   fresh PID     the same in a snapshot opened now: "fresh PID listed|absent"
 *   info FILE     opens FILE read-only and reads it: "info FILE ok|ERRNO"
 *                 (the errno of open, or of read when open succeeded)
 *   arm FILE      opens the notifier file FILE read-write, writes a valid
 *                 threshold (cpu_usage: with a window) and closes it:
 *                 "arm FILE open ok|ERRNO write ok|ERRNO|-"
 *   record PID    PID's process record in a snapshot opened now: "record PID
 *                 uid U gid G ppid P threads N tids T,T... comm C", or
 *                 "record PID absent|ERRNO"
 *   comm NAME     whether a snapshot opened now has a process named NAME:
 *                 "comm NAME listed|absent"
 *   dir PID       the /proc/allpids/<N>/ directory whose info holds the
 *                 record of PID (as the probe's pid namespace numbers it),
 *                 found by opening each: "dir PID N|none"
 *   event FILE L  arms notifier file FILE at level L, rising, PRESENT (for
 *                 sleep_latency, which takes no PRESENT: LEVEL, any sleep
 *                 past L), and waits up to 10 s for its first event: "event FILE pid P tid T kind K", or "event FILE
 *                 open|write ERRNO", or "event FILE timeout"
 *
 * PID "self" is the probe's own pid. The snapshot is decoded with the UAPI
 * header, apart from the lattop CLI.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <poll.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "steps.h"
#include "../../include/uapi/linux/lattop.h"

#define SNAPSHOT_MAX (16 << 20)

static char *buf;

static const char *errno_name(int e)
{
	switch (e) {
	case 0: return "ok";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case EIO: return "EIO";
	default: return strerror(e);
	}
}

/*
 * The first process record of the snapshot read into buf (LEN bytes, the
 * read's result) that MATCH accepts. NULL with *why set when there is none:
 * the read's errno, "malformed", or "absent".
 */
static const struct lattop_process_record *
find_process(ssize_t len, int (*match)(const struct lattop_process_record *, const void *),
	     const void *arg, const char **why)
{
	const struct lattop_info_header *h = (const void *)buf;
	size_t off;

	*why = len < 0 ? errno_name(errno) : "malformed";
	if (len < (ssize_t)sizeof(*h) || h->magic != LATTOP_INFO_MAGIC || h->total_size != (__u64)len)
		return NULL;
	off = h->header_size;
	for (unsigned int i = 0; i < h->record_count; i++) {
		const struct lattop_record *r = (const void *)(buf + off);

		if (off + sizeof(*r) > (size_t)len || r->length < sizeof(*r) || r->length % 8)
			return NULL;
		if (r->tag == LATTOP_TAG_PROCESS && match((const void *)r, arg))
			return (const void *)r;
		off += r->length;
	}
	*why = "absent";
	return NULL;
}

static int has_pid(const struct lattop_process_record *p, const void *pid)
{
	return p->pid == *(const int *)pid;
}

static int has_comm(const struct lattop_process_record *p, const void *comm)
{
	return !strncmp(p->comm, comm, sizeof(p->comm));
}

/* /proc/allpids/info opened and read now into buf: the read's result. */
static ssize_t read_fresh(void)
{
	int fd = open("/proc/allpids/info", O_RDONLY);
	ssize_t len = fd < 0 ? -1 : read(fd, buf, SNAPSHOT_MAX);

	if (fd >= 0)
		close(fd);
	return len;
}

/* Whether the snapshot read from FD at offset 0 has PID's process record. */
static const char *listed(int fd, int pid)
{
	const char *why;

	return find_process(pread(fd, buf, SNAPSHOT_MAX, 0), has_pid, &pid, &why) ? "listed" : why;
}

static void record(int pid)
{
	ssize_t len = read_fresh();
	const char *why, *at;
	const struct lattop_process_record *p = find_process(len, has_pid, &pid, &why);

	if (!p) {
		printf("record %d %s\n", pid, why);
		return;
	}
	printf("record %d uid %u gid %u ppid %d threads %u tids ", pid, p->uid, p->gid, p->ppid,
	       p->nr_threads);
	/* Its thread records follow it. */
	at = (const char *)p + p->record.length;
	for (int first = 1; at + sizeof(struct lattop_record) <= buf + len; first = 0) {
		const struct lattop_thread_record *t = (const void *)at;

		if (t->record.tag != LATTOP_TAG_THREAD || t->record.length < sizeof(t->record))
			break;
		printf("%s%d", first ? "" : ",", t->tid);
		at += t->record.length;
	}
	printf(" comm %.16s\n", p->comm);
}

static const char *comm_listed(const char *name)
{
	const char *why;

	return find_process(read_fresh(), has_comm, name, &why) ? "listed" : why;
}

static void dir_of(int pid)
{
	DIR *d = opendir("/proc/allpids");
	struct dirent *e;
	char path[300];

	while (d && (e = readdir(d))) {
		const struct lattop_process_record *p;
		int fd;
		ssize_t len;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/allpids/%s/info", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, buf, SNAPSHOT_MAX);
		close(fd);
		p = (const void *)(buf + ((const struct lattop_info_header *)buf)->header_size);
		if (len >= (ssize_t)(sizeof(struct lattop_info_header) + sizeof(*p)) &&
		    p->record.tag == LATTOP_TAG_PROCESS && p->pid == pid) {
			printf("dir %d %s\n", pid, e->d_name);
			closedir(d);
			return;
		}
	}
	if (d)
		closedir(d);
	printf("dir %d none\n", pid);
}

static void event(const char *path, long long level)
{
	struct lattop_threshold t = {
		.level = level,
		/* PRESENT fires at once on a value over L; sleep_latency takes
		 * no PRESENT, and LEVEL fires on any sleep over L. */
		.flags = LATTOP_THRESHOLD_UP |
			 (strstr(path, "/" LATTOP_RESOURCE_NAME_SLEEP_LATENCY) ? LATTOP_THRESHOLD_LEVEL :
										 LATTOP_THRESHOLD_PRESENT),
		.delivery = LATTOP_DELIVER_POLL,
	};
	struct lattop_event ev;
	struct pollfd pfd;
	int fd = open(path, O_RDWR);

	if (fd < 0) {
		printf("event %s open %s\n", path, errno_name(errno));
		return;
	}
	if (write(fd, &t, sizeof(t)) != sizeof(t)) {
		printf("event %s write %s\n", path, errno_name(errno));
		close(fd);
		return;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, 10000) == 1 && read(fd, &ev, sizeof(ev)) == sizeof(ev))
		printf("event %s pid %d tid %d kind %u\n", path, ev.pid, ev.tid, ev.kind);
	else
		printf("event %s timeout\n", path);
	close(fd);
}

static int pid_arg(const char *s)
{
	return strcmp(s, "self") ? atoi(s) : getpid();
}

/* 1 if capability CAP is in /proc/self/status's CapEff. */
static int cap_held(int cap)
{
	char status[4096], *at;
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, status, sizeof(status) - 1);

	if (fd >= 0)
		close(fd);
	status[n > 0 ? n : 0] = 0;
	at = strstr(status, "\nCapEff:");
	return at ? (int)((strtoull(at + 8, NULL, 16) >> cap) & 1) : -1;
}

static void drop_ptrace(void)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	const __u32 bit = 1u << CAP_SYS_PTRACE; /* 19: in data[0] */

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0) || syscall(SYS_capget, &header, data)) {
		perror("drop-ptrace");
		exit(1);
	}
	data[0].effective &= ~bit;
	data[0].permitted &= ~bit;
	data[0].inheritable &= ~bit;
	if (syscall(SYS_capset, &header, data)) {
		perror("capset");
		exit(1);
	}
	printf("caps sys_ptrace %d dac_override %d\n", cap_held(CAP_SYS_PTRACE), cap_held(CAP_DAC_OVERRIDE));
}

static void arm(const char *path)
{
	struct lattop_threshold t = {
		.level = 1LL << 40,
		.flags = LATTOP_THRESHOLD_UP,
		.delivery = LATTOP_DELIVER_POLL,
		.window_ms = strstr(path, "/" LATTOP_RESOURCE_NAME_CPU_USAGE) ? 1000 : 0,
	};
	int fd = open(path, O_RDWR);

	if (fd < 0) {
		printf("arm %s open %s write -\n", path, errno_name(errno));
		return;
	}
	printf("arm %s open ok write %s\n", path,
	       errno_name(write(fd, &t, sizeof(t)) == sizeof(t) ? 0 : errno));
	close(fd);
}

static void info(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		printf("info %s %s\n", path, errno_name(errno));
		return;
	}
	printf("info %s %s\n", path, errno_name(read(fd, buf, SNAPSHOT_MAX) < 0 ? errno : 0));
	close(fd);
}

int main(int argc, char **argv)
{
	int held = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	buf = malloc(SNAPSHOT_MAX);
	if (!buf)
		return 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *x = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "drop-ptrace")) {
			drop_ptrace();
		} else if (!strcmp(a, "setuid") && i + 2 < argc) {
			uid_t uid = atoi(argv[i + 1]);
			gid_t gid = atoi(argv[i + 2]);

			if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid)) {
				perror("setuid");
				return 1;
			}
			printf("ids uid %d gid %d\n", getuid(), getgid());
			i += 2;
		} else if (!strcmp(a, "open")) {
			held = open("/proc/allpids/info", O_RDONLY);
			printf("open %s\n", errno_name(held < 0 ? errno : 0));
		} else if (!strcmp(a, "held") && x) {
			printf("held %s %s\n", x, held < 0 ? "unopened" : listed(held, pid_arg(x)));
			i++;
		} else if (!strcmp(a, "fresh") && x) {
			int fd = open("/proc/allpids/info", O_RDONLY);

			printf("fresh %s %s\n", x, fd < 0 ? errno_name(errno) : listed(fd, pid_arg(x)));
			if (fd >= 0)
				close(fd);
			i++;
		} else if (!strcmp(a, "info") && x) {
			info(x);
			i++;
		} else if (!strcmp(a, "arm") && x) {
			arm(x);
			i++;
		} else if (!strcmp(a, "record") && x) {
			record(pid_arg(x));
			i++;
		} else if (!strcmp(a, "comm") && x) {
			printf("comm %s %s\n", x, comm_listed(x));
			i++;
		} else if (!strcmp(a, "dir") && x) {
			dir_of(pid_arg(x));
			i++;
		} else if (!strcmp(a, "event") && i + 2 < argc) {
			event(x, atoll(argv[i + 2]));
			i += 2;
		} else {
			fprintf(stderr, "access_probe: bad action '%s'\n", a);
			return 2;
		}
	}
	return 0;
}
