// SPDX-License-Identifier: GPL-2.0
/*
 * proc_walk: the slow paths lattop's bulk transfer replaces, timed against
 * it. Walks /proc/<pid>/ for every process, reading stat and status and
 * counting fd/ entries, as ps and top do; walks it again for what the
 * records' accounting holds, reading io and schedstat and asking taskstats
 * for the process's delays (one netlink round trip a process, as
 * getdelays and iotop do); then reads /proc/allpids/info once. Each is run
 * ROUNDS times (default 3); prints the best times: "processes N walk_us W
 * info_us I info_bytes B ratio R acct_walk_us A" (acct_walk_us -1 when
 * taskstats cannot be asked).
 */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
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

/* A generic netlink request: the headers, then one attribute. */
struct genl_request {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[64];
};

/* Sends a request of one attribute TYPE (of LEN bytes at DATA) to FAMILY. */
static int genl_send(int sock, __u16 family, __u8 cmd, __u16 type, const void *data, int len)
{
	struct genl_request req = { 0 };
	struct nlattr *a = (struct nlattr *)req.attrs;

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(a->nla_len);
	req.n.nlmsg_type = family;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.n.nlmsg_pid = getpid();
	req.g.cmd = cmd;
	req.g.version = 1;
	return send(sock, &req, req.n.nlmsg_len, 0) == (ssize_t)req.n.nlmsg_len ? 0 : -1;
}

/* The TASKSTATS family's id, or -1. */
static int taskstats_family(int sock)
{
	static char reply[4096];
	struct nlmsghdr *n = (struct nlmsghdr *)reply;
	struct nlattr *a;
	int len;

	if (genl_send(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME,
		      TASKSTATS_GENL_NAME, sizeof(TASKSTATS_GENL_NAME)))
		return -1;
	len = recv(sock, reply, sizeof(reply), 0);
	if (len < 0 || !NLMSG_OK(n, len) || n->nlmsg_type == NLMSG_ERROR)
		return -1;
	a = (struct nlattr *)((char *)NLMSG_DATA(n) + GENL_HDRLEN);
	len = n->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(__u16 *)((char *)a + NLA_HDRLEN);
		len -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	}
	return -1;
}

/* The accounting walk: io and schedstat, and taskstats' per-tgid reply. */
static int acct_walk(int sock, int family)
{
	static char reply[4096];
	DIR *proc = opendir("/proc");
	struct dirent *e;
	char path[300];
	int n = 0;

	while ((e = readdir(proc))) {
		__u32 tgid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/io", e->d_name);
		slurp(path);
		snprintf(path, sizeof(path), "/proc/%s/schedstat", e->d_name);
		slurp(path);
		tgid = atoi(e->d_name);
		if (genl_send(sock, family, TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_TGID, &tgid,
			      sizeof(tgid)) == 0)
			recv(sock, reply, sizeof(reply), 0);
		n++;
	}
	closedir(proc);
	return n;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3, n = 0;
	long long best_walk = -1, best_info = -1, best_acct = -1, t;
	int sock, family;
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
	sock = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	family = sock < 0 ? -1 : taskstats_family(sock);
	for (int i = 0; family >= 0 && i < rounds; i++) {
		t = now_us();
		acct_walk(sock, family);
		t = now_us() - t;
		if (best_acct < 0 || t < best_acct)
			best_acct = t;
	}
	printf("processes %d walk_us %lld info_us %lld info_bytes %zd ratio %.1f acct_walk_us %lld\n",
	       n, best_walk, best_info, bytes, best_info > 0 ? (double)best_walk / best_info : 0.0,
	       best_acct);
	return 0;
}
