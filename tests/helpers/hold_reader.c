// SPDX-License-Identifier: GPL-2.0
/*
 * hold_reader FILE...: keeps each FILE open and reads it from offset 0 in a
 * loop (pread), across insmod and rmmod: when a read fails (EIO once the
 * module is gone) or the file cannot be opened (not loaded), it closes and
 * reopens it. On SIGTERM prints "reads N errors N eio N reopens N" and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	long reads = 0, errors = 0, eio = 0, reopens = 0;
	int fds[16];
	int n = argc - 1 < 16 ? argc - 1 : 16;

	signal(SIGTERM, on_term);
	for (int i = 0; i < n; i++)
		fds[i] = -1;
	while (!stop) {
		for (int i = 0; i < n && !stop; i++) {
			if (fds[i] < 0) {
				fds[i] = open(argv[i + 1], O_RDONLY);
				if (fds[i] < 0) {
					usleep(1000);
					continue;
				}
				reopens++;
			}
			if (pread(fds[i], buf, sizeof(buf), 0) < 0) {
				errors++;
				eio += errno == EIO;
				close(fds[i]);
				fds[i] = -1;
			} else {
				reads++;
			}
		}
	}
	printf("reads %ld errors %ld eio %ld reopens %ld\n", reads, errors, eio, reopens);
	return 0;
}
