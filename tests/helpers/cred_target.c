// SPDX-License-Identifier: GPL-2.0
/*
 * cred_target MODE [UID GID]: a process whose credentials take one shape of
 * ptrace's read rule, to be looked at by another user. It prints, once
 * there, the ground truth from /proc/self/status and prctl():
 *
 *   pid P uid R E S gid R E S dumpable D
 *
 * then sleeps until killed. MODE:
 *   plain            as started (run it with run_as UID GID: exec left it
 *                    dumpable)
 *   undumpable       prctl(PR_SET_DUMPABLE, 0)
 *   setuid UID GID   started as root, drops every id to UID/GID with
 *                    setresgid()/setresuid() and no exec: the kernel makes
 *                    it non-dumpable (fs.suid_dumpable, 0), as a setuid
 *                    program that dropped privilege is
 *   setuid_dumpable UID GID  the same, then prctl(PR_SET_DUMPABLE, 1): the
 *                    ids alone, as the control of the case above
 *   saved_root UID GID  started as root, real and effective uid UID, saved
 *                    uid 0 (setresuid(UID, UID, 0)), gids GID, then made
 *                    dumpable again: only the saved uid differs
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/prctl.h>
#include "steps.h"

/* "KEY:" line of /proc/self/status, after the key and its tab. */
static void status_line(const char *key, char *out, size_t size)
{
	char buf[4096], pattern[32], *at, *end;
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	snprintf(pattern, sizeof(pattern), "\n%s:\t", key);
	at = strstr(buf, pattern);
	if (!at) {
		snprintf(out, size, "?");
		return;
	}
	at += strlen(pattern);
	end = strchr(at, '\n');
	snprintf(out, size, "%.*s", end ? (int)(end - at) : (int)strlen(at), at);
	for (char *p = out; *p; p++)
		if (*p == '\t')
			*p = ' ';
}

static int drop_to(uid_t uid, gid_t gid, uid_t saved)
{
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, saved)) {
		perror("cred_target");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long uid = argc == 4 ? arg(argv[2]) : -1, gid = argc == 4 ? arg(argv[3]) : -1;
	char uids[128], gids[128];
	int ok;

	if (!strcmp(mode, "plain"))
		ok = argc == 2;
	else if (!strcmp(mode, "undumpable"))
		ok = argc == 2 && !prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	else if (!strcmp(mode, "setuid"))
		ok = uid >= 0 && gid >= 0 && !drop_to(uid, gid, uid);
	else if (!strcmp(mode, "setuid_dumpable"))
		ok = uid >= 0 && gid >= 0 && !drop_to(uid, gid, uid) && !prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	else if (!strcmp(mode, "saved_root"))
		ok = uid >= 0 && gid >= 0 && !drop_to(uid, gid, 0) && !prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	else
		ok = 0;
	if (!ok) {
		fprintf(stderr, "usage: cred_target plain|undumpable | setuid|setuid_dumpable|saved_root UID GID\n");
		return 2;
	}
	status_line("Uid", uids, sizeof(uids));
	status_line("Gid", gids, sizeof(gids));
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Uid: and Gid: list real, effective, saved and fs ids: the first three. */
	printf("pid %d uid %.*s gid %.*s dumpable %d\n", getpid(),
	       (int)(strrchr(uids, ' ') - uids), uids, (int)(strrchr(gids, ' ') - gids), gids,
	       prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	for (;;)
		sleep_ms(60000);
}
