// SPDX-License-Identifier: GPL-2.0

//! The libc calls of `lattop watch`, each in one small function: eventfd,
//! blocking and waiting for a signal, poll() on the notifier, the clock.

use std::fs::File;
use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd};
use std::ptr;

/// A new eventfd, counter 0, closed on exec.
pub(super) fn new_eventfd() -> io::Result<File> {
    // SAFETY: eventfd takes no pointers.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a descriptor eventfd just opened, owned by nothing else.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// Blocks signal `signo` in the calling thread (the program's only one,
/// which is the one the kernel signals) and returns the set holding it.
pub(super) fn block_signal(signo: i32) -> io::Result<libc::sigset_t> {
    // SAFETY: sigset_t is a plain bit array: all zeroes is a valid value.
    let mut set: libc::sigset_t = unsafe { mem::zeroed() };
    // SAFETY: `set` is a live sigset_t for the calls to write.
    let added =
        unsafe { libc::sigemptyset(&mut set) == 0 && libc::sigaddset(&mut set, signo) == 0 };
    if !added {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `set` is initialized; no old mask is asked for (null).
    if unsafe { libc::sigprocmask(libc::SIG_BLOCK, &set, ptr::null_mut()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(set)
}

/// Waits for a signal of `set` (blocked); returns its number and
/// si_value.sival_int. Retries when interrupted (by a stop and continue).
pub(super) fn wait_signal(set: &libc::sigset_t) -> io::Result<(i32, i32)> {
    loop {
        // SAFETY: siginfo_t is plain integers (and unions of them): all
        // zeroes is a valid value.
        let mut info: libc::siginfo_t = unsafe { mem::zeroed() };
        // SAFETY: `set` is an initialized sigset_t, `info` a live siginfo_t.
        let signo = unsafe { libc::sigwaitinfo(set, &mut info) };
        if signo > 0 {
            // SAFETY: reads the bytes of si_value's place in the union that
            // sigwaitinfo filled: the value for SI_QUEUE, else whatever the
            // kernel left there (0 for kill()); any bytes are a valid sigval.
            let value = unsafe { info.si_value() };
            return Ok((signo, sival_int(value)));
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// union sigval's sival_int: its first 4 bytes, which the libc crate shows
/// only as part of sival_ptr.
fn sival_int(value: libc::sigval) -> i32 {
    let bytes = value.sival_ptr.addr().to_ne_bytes();
    i32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// Waits, without a timeout, for the notifier to be readable; returns revents.
pub(super) fn poll_in(notifier: &File) -> io::Result<i16> {
    let mut pollfd = libc::pollfd {
        fd: notifier.as_raw_fd(),
        events: libc::POLLIN | libc::POLLPRI,
        revents: 0,
    };
    loop {
        // SAFETY: one live pollfd, and nfds says one.
        let ready = unsafe { libc::poll(&mut pollfd, 1, -1) };
        if ready > 0 {
            return Ok(pollfd.revents);
        }
        if ready < 0 {
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
    }
}

/// CLOCK_MONOTONIC now, ns: the clock of the events' time_ns.
pub fn monotonic_ns() -> u64 {
    // SAFETY: timespec is plain integers: all zeroes is a valid value.
    let mut now: libc::timespec = unsafe { mem::zeroed() };
    // SAFETY: `now` is a live timespec for clock_gettime to fill.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    assert_eq!(status, 0, "CLOCK_MONOTONIC is always there");
    // Never negative: the monotonic clock starts at boot.
    (now.tv_sec as u64) * 1_000_000_000 + now.tv_nsec as u64
}
