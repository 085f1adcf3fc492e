/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * lattop's user ABI: the one definition shared by the kernel module (through
 * bindgen) and by the `lattop` CLI. Every name, field and unit a user sees is
 * spelled here first.
 */
#ifndef _UAPI_LINUX_LATTOP_H
#define _UAPI_LINUX_LATTOP_H

/* Bumped on any incompatible change to a format defined in this file. */
#define LATTOP_ABI_VERSION 1

/*
 * /proc/lattop: a text report, root only (it shows kernel addresses).
 * Its first line is this header; then one line per task, columns separated
 * by white space, sorted by TOTAL_US descending.
 */
#define LATTOP_PROC_REPORT "lattop"
#define LATTOP_REPORT_HEADER "PID TGID COMM SLEEPS TOTAL_US MAX_US"

#endif /* _UAPI_LINUX_LATTOP_H */
