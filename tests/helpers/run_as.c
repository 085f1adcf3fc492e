// SPDX-License-Identifier: GPL-2.0
/*
 * run_as UID GID PROGRAM [ARG...]: runs PROGRAM as an unprivileged user, with
 * no supplementary groups (busybox's setpriv cannot change uids).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: run_as UID GID PROGRAM [ARG...]\n");
		return 2;
	}
	uid_t uid = (uid_t)strtoul(argv[1], NULL, 10);
	gid_t gid = (gid_t)strtoul(argv[2], NULL, 10);

	if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid)) {
		perror("run_as");
		return 2;
	}
	execvp(argv[3], &argv[3]);
	perror(argv[3]);
	return 127;
}
