// SPDX-License-Identifier: GPL-2.0

//! The kernel's own accounting of a task, as taskstats reports it: delay
//! accounting (waits for a CPU, block I/O, swap-in, reclaim, thrashing,
//! compaction, write-protect copies, interrupts) and I/O accounting, read
//! through the C helpers with taskstats' locking (src/helpers.c).

use super::bindings;

/// A task's accounting, in the UAPI record's own layout.
pub(crate) use bindings::lattop_acct as Acct;

impl Acct {
    /// Adds a thread's figures, `other`, to this process's: its delays only
    /// if it is `live` (a zombie's are in the process's already).
    pub(crate) fn add_thread(&mut self, other: &Acct, live: bool) {
        self.groups |= other.groups;
        if live {
            for (sum, delay) in self.delays_mut().into_iter().zip(other.delays()) {
                sum.count = sum.count.wrapping_add(delay.count);
                sum.total_ns = sum.total_ns.wrapping_add(delay.total_ns);
            }
        }
        for (sum, value) in self.io_mut().into_iter().zip(other.io()) {
            *sum = sum.wrapping_add(value);
        }
    }

    fn delays(&self) -> [&bindings::lattop_delay; 8] {
        [
            &self.cpu,
            &self.blkio,
            &self.swapin,
            &self.freepages,
            &self.thrashing,
            &self.compact,
            &self.wpcopy,
            &self.irq,
        ]
    }

    fn delays_mut(&mut self) -> [&mut bindings::lattop_delay; 8] {
        [
            &mut self.cpu,
            &mut self.blkio,
            &mut self.swapin,
            &mut self.freepages,
            &mut self.thrashing,
            &mut self.compact,
            &mut self.wpcopy,
            &mut self.irq,
        ]
    }

    fn io(&self) -> [u64; 7] {
        [
            self.read_bytes,
            self.write_bytes,
            self.cancelled_write_bytes,
            self.rchar,
            self.wchar,
            self.syscr,
            self.syscw,
        ]
    }

    fn io_mut(&mut self) -> [&mut u64; 7] {
        [
            &mut self.read_bytes,
            &mut self.write_bytes,
            &mut self.cancelled_write_bytes,
            &mut self.rchar,
            &mut self.wchar,
            &mut self.syscr,
            &mut self.syscw,
        ]
    }
}
