// SPDX-License-Identifier: GPL-2.0
/*
 * acct_check [FILE]: reads lattop's bulk-transfer snapshot (default
 * /proc/allpids/info) in one read, decodes it with the UAPI header (C, apart
 * from the Rust CLI's decoder), and prints each record's kernel accounting
 * (struct lattop_acct) and lattop's own run-queue delay, one line a record:
 *
 *   process|thread ID groups G cpu COUNT NS blkio COUNT NS swapin ...
 *     freepages ... thrashing ... compact ... wpcopy ... irq COUNT NS
 *     read_bytes B write_bytes B cancelled_write_bytes B rchar B wchar B
 *     syscr N syscw N run_delay WAITS NS
 *
 * (the delay kinds in struct lattop_acct's order, as getdelays prints them:
 * tests/info_accounting.sh turns getdelays' output into the same words).
 * Exits 1 on a malformed snapshot or a record too short for acct.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>
#include "../../include/uapi/linux/lattop.h"

static void print_acct(const char *kind, int id, const struct lattop_acct *a,
		       const struct lattop_latency *run_delay)
{
	const struct lattop_delay *delays[] = {
		&a->cpu, &a->blkio, &a->swapin, &a->freepages,
		&a->thrashing, &a->compact, &a->wpcopy, &a->irq,
	};
	const char *names[] = {
		"cpu", "blkio", "swapin", "freepages", "thrashing", "compact", "wpcopy", "irq",
	};

	printf("%s %d groups %u", kind, id, a->groups);
	for (int i = 0; i < 8; i++)
		printf(" %s %llu %llu", names[i], (unsigned long long)delays[i]->count,
		       (unsigned long long)delays[i]->total_ns);
	printf(" read_bytes %llu write_bytes %llu cancelled_write_bytes %llu",
	       (unsigned long long)a->read_bytes, (unsigned long long)a->write_bytes,
	       (unsigned long long)a->cancelled_write_bytes);
	printf(" rchar %llu wchar %llu syscr %llu syscw %llu",
	       (unsigned long long)a->rchar, (unsigned long long)a->wchar,
	       (unsigned long long)a->syscr, (unsigned long long)a->syscw);
	printf(" run_delay %llu %llu\n", (unsigned long long)run_delay->sleeps,
	       (unsigned long long)run_delay->total_ns);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/proc/allpids/info";
	static unsigned char buf[64 << 20];
	const struct lattop_info_header *h = (const void *)buf;
	size_t off;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		perror(path);
		return 1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < (ssize_t)sizeof(*h) || h->magic != LATTOP_INFO_MAGIC || h->total_size != (__u64)n) {
		fprintf(stderr, "%s: not a whole snapshot\n", path);
		return 1;
	}
	for (off = h->header_size; off + sizeof(struct lattop_record) <= (size_t)n;) {
		const struct lattop_record *r = (const void *)(buf + off);

		if (r->length < sizeof(*r) || off + r->length > (size_t)n) {
			fprintf(stderr, "malformed record at %zu\n", off);
			return 1;
		}
		if (r->tag == LATTOP_TAG_PROCESS) {
			const struct lattop_process_record *p = (const void *)r;

			if (r->length < sizeof(*p))
				return 1;
			print_acct("process", p->pid, &p->acct, &p->run_delay);
		} else if (r->tag == LATTOP_TAG_THREAD) {
			const struct lattop_thread_record *t = (const void *)r;

			if (r->length < sizeof(*t))
				return 1;
			print_acct("thread", t->tid, &t->acct, &t->run_delay);
		}
		off += r->length;
	}
	return 0;
}
