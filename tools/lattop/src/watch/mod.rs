// SPDX-License-Identifier: GPL-2.0

//! `lattop watch`: arms a threshold on a notifier file (see the "Threshold
//! notifier" part of include/uapi/linux/lattop.h) and prints its events as
//! they come, one line each.
//!
//! This module opens and arms the notifier and runs the wait loops; the
//! arguments and the threshold they ask for live in `args`, the events'
//! decoding and lines in `event`, the failures in `error`, and the libc calls
//! (eventfd, poll, signal masks and waits, the clock) each in one small
//! function of `sys`; the rest is safe code, the notifier file itself opened,
//! written and read through std.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::abi::{lattop_event, lattop_threshold};
use crate::procfs::proc_root;

mod args;
mod error;
mod event;
mod sys;

pub use args::{
    encode_threshold, notifier_path, parse_level, parse_signal, parse_target, resource_name,
    resource_value, Delivery, Target, WatchArgs, THRESHOLD_SIZE,
};
pub use error::WatchError;
pub use event::{
    decode_event, decode_events, event_line, kind_name, signal_line, Format, EVENT_SIZE,
};
pub use sys::monotonic_ns;

use sys::{block_signal, new_eventfd, poll_in, wait_signal};

/// Events asked for by one read().
const READ_EVENTS: usize = 64;

/// Arms the threshold and prints events until the end of the file, --count
/// events, or an error.
pub fn run(args: &WatchArgs) -> Result<(), WatchError> {
    let path = notifier_path(&proc_root(), args.target, &resource_name(args.resource));
    // O_NONBLOCK: events are read until EAGAIN once woken, in every mode.
    let mut notifier = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&path)
        .map_err(|error| WatchError::Open {
            path: path.clone(),
            error,
        })?;
    let waiter = Waiter::new(args.delivery())?;
    arm(&mut notifier, &path, &args.threshold(waiter.eventfd()))?;
    eprintln!("lattop: watching {}", path.display());
    io::stderr().flush().map_err(WatchError::Write)?;

    let format = if args.json {
        Format::Json
    } else {
        Format::Text
    };
    let mut printer = Printer {
        out: io::stdout().lock(),
        format,
        remaining: args.count,
    };
    let mut buffer = vec![0; EVENT_SIZE * READ_EVENTS];
    loop {
        let hangup = waiter.wait(&notifier, &path, &mut printer)?;
        match drain(&mut notifier, &path, &mut buffer, &mut printer)? {
            Drained::End => return Ok(()),
            Drained::Empty if hangup => return Err(WatchError::HangupWithoutEnd { path }),
            Drained::Empty | Drained::Events => {}
        }
    }
}

/// Writes the whole threshold in one write().
fn arm(notifier: &mut File, path: &Path, threshold: &lattop_threshold) -> Result<(), WatchError> {
    let bytes = encode_threshold(threshold);
    loop {
        match notifier.write(&bytes) {
            Ok(written) if written == bytes.len() => return Ok(()),
            Ok(written) => {
                return Err(WatchError::ShortWrite {
                    path: path.to_path_buf(),
                    written,
                })
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => {
                return Err(WatchError::Arm {
                    path: path.to_path_buf(),
                    error,
                })
            }
        }
    }
}

enum Drained {
    /// The end of the file, or --count events printed: done.
    End,
    /// EAGAIN before any event.
    Empty,
    /// EAGAIN after one event or more.
    Events,
}

/// Reads and prints events until the non-blocking notifier has none left.
fn drain(
    notifier: &mut File,
    path: &Path,
    buffer: &mut [u8],
    printer: &mut Printer<impl Write>,
) -> Result<Drained, WatchError> {
    let mut any = false;
    loop {
        let length = match notifier.read(buffer) {
            Ok(0) => return Ok(Drained::End),
            Ok(length) => length,
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                return Ok(if any { Drained::Events } else { Drained::Empty });
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                let path = path.to_path_buf();
                return Err(WatchError::Read { path, error });
            }
        };
        let received_ns = monotonic_ns();
        let events = decode_events(&buffer[..length]).ok_or_else(|| WatchError::PartialEvent {
            path: path.to_path_buf(),
            length,
        })?;
        for event in &events {
            any = true;
            let done = printer
                .event(event, received_ns)
                .map_err(WatchError::Write)?;
            if done {
                return Ok(Drained::End);
            }
        }
    }
}

/// Prints lines, flushing each; counts events down for --count.
struct Printer<W: Write> {
    out: W,
    format: Format,
    remaining: Option<u64>,
}

impl<W: Write> Printer<W> {
    /// Prints an event; true once --count events are printed.
    fn event(&mut self, event: &lattop_event, received_ns: u64) -> io::Result<bool> {
        self.line(&event_line(event, received_ns, self.format))?;
        if let Some(remaining) = &mut self.remaining {
            *remaining -= 1;
            return Ok(*remaining == 0);
        }
        Ok(false)
    }

    fn signal(&mut self, signo: i32, sival_int: i32, received_ns: u64) -> io::Result<()> {
        self.line(&signal_line(signo, sival_int, received_ns, self.format))
    }

    fn line(&mut self, line: &str) -> io::Result<()> {
        writeln!(self.out, "{line}")?;
        self.out.flush()
    }
}

/// What the CLI blocks on until events are queued.
enum Waiter {
    /// poll() on the notifier itself.
    Poll,
    /// read() of the eventfd the kernel adds to.
    Eventfd(File),
    /// sigwaitinfo() on this one-signal set, blocked since before arming.
    Signal(libc::sigset_t),
}

impl Waiter {
    /// Gets ready before the threshold is armed, so that no event's
    /// announcement can come before the CLI waits for it: the eventfd
    /// exists, the signal is blocked (it stays pending rather than killing).
    fn new(delivery: Delivery) -> Result<Self, WatchError> {
        let os = |call| move |error| WatchError::Os { call, error };
        Ok(match delivery {
            Delivery::Poll => Waiter::Poll,
            Delivery::Eventfd => Waiter::Eventfd(new_eventfd().map_err(os("eventfd"))?),
            Delivery::Signal(signo) => {
                Waiter::Signal(block_signal(signo).map_err(os("sigprocmask"))?)
            }
        })
    }

    /// The descriptor to write in the threshold's `eventfd`; 0 without one.
    fn eventfd(&self) -> i32 {
        match self {
            Waiter::Eventfd(eventfd) => eventfd.as_raw_fd(),
            _ => 0,
        }
    }

    /// Blocks until events may be queued (printing the signal line of a
    /// signal); true when poll() reported POLLHUP.
    fn wait(
        &self,
        notifier: &File,
        path: &Path,
        printer: &mut Printer<impl Write>,
    ) -> Result<bool, WatchError> {
        let os = |call| move |error| WatchError::Os { call, error };
        match self {
            Waiter::Poll => {
                let revents = poll_in(notifier).map_err(os("poll"))?;
                if revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
                    let path = path.to_path_buf();
                    return Err(WatchError::PollError { path, revents });
                }
                Ok(revents & libc::POLLHUP != 0)
            }
            Waiter::Eventfd(eventfd) => {
                let mut count = [0; 8];
                (&*eventfd)
                    .read_exact(&mut count)
                    .map_err(os("read(eventfd)"))?;
                Ok(false)
            }
            Waiter::Signal(set) => {
                let (signo, sival_int) = wait_signal(set).map_err(os("sigwaitinfo"))?;
                printer
                    .signal(signo, sival_int, monotonic_ns())
                    .map_err(WatchError::Write)?;
                Ok(false)
            }
        }
    }
}
