// SPDX-License-Identifier: GPL-2.0

//! Sleep totals summed per process (thread group), in a red-black tree keyed
//! by tgid. A process's sums outlive its threads' records: a thread that
//! exited and was collected still counts, until the last record of the
//! process goes.
//!
//! Like the task table it belongs to, it never allocates or frees in a
//! probe: nodes come from a pool, and emptied entries wait for process
//! context to collect them.

use super::{
    slot_pool::SlotPool,
    trace::{ProcessSums, SleepStats},
};
use crate::ids::{ProcessId, Tgid};
use crate::sys::compat::TreeCursors;
use kernel::{
    prelude::*,
    rbtree::{RBTree, RBTreeNodeReservation},
};

/// What lattop knows of one process.
pub(crate) struct ProcessRecord {
    leader_start: u64,
    sums: ProcessSums,
    /// Task records that count towards it: it goes when none is left.
    threads: usize,
}

/// The per-process sums.
pub(crate) struct ProcessIndex {
    by_tgid: RBTree<Tgid, ProcessRecord>,
    nodes: SlotPool<RBTreeNodeReservation<Tgid, ProcessRecord>>,
    /// How many entries it has.
    len: usize,
    /// Entries no task record counts towards, waiting to be collected.
    empty: usize,
}

/// The tree node the index is made of, for [`ProcessIndex::refill`].
pub(crate) type ProcessNode = RBTreeNodeReservation<Tgid, ProcessRecord>;

impl ProcessIndex {
    /// An empty index whose pool holds up to `pool_size` nodes (filled later).
    pub(crate) fn new(pool_size: usize) -> Result<Self> {
        Ok(Self {
            by_tgid: RBTree::new(),
            nodes: SlotPool::new(pool_size)?,
            len: 0,
            empty: 0,
        })
    }

    /// How many processes it holds.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// How many nodes the pool holds, and how many more it could.
    pub(crate) fn pool(&self) -> (usize, usize) {
        (self.nodes.len(), self.nodes.room())
    }

    /// Adds freshly allocated nodes to the pool.
    pub(crate) fn refill(&mut self, nodes: &mut KVec<Option<ProcessNode>>) {
        self.nodes.fill_from(nodes);
    }

    /// Whether a thread of `process` can [`Self::join`] it now: its entry
    /// exists, or a pooled node can make one.
    pub(crate) fn can_join(&self, process: ProcessId) -> bool {
        self.by_tgid.get(&process.tgid).is_some() || self.nodes.len() > 0
    }

    /// A task record of `process` starts counting towards it. An entry left
    /// by an earlier process with this tgid is reset for this one; the
    /// records of the earlier one no longer count. Returns `false` when a
    /// new entry was needed and the pool was empty.
    pub(crate) fn join(&mut self, process: ProcessId) -> bool {
        if let Some(record) = self.by_tgid.get_mut(&process.tgid) {
            if record.leader_start != process.leader_start {
                if record.threads == 0 {
                    self.empty -= 1;
                }
                *record = ProcessRecord {
                    leader_start: process.leader_start,
                    sums: ProcessSums::default(),
                    threads: 0,
                };
            } else if record.threads == 0 {
                self.empty -= 1;
            }
            record.threads += 1;
            return true;
        }
        let Some(node) = self.nodes.take() else {
            return false;
        };
        let record = ProcessRecord {
            leader_start: process.leader_start,
            sums: ProcessSums::default(),
            threads: 1,
        };
        // The key is free (looked up above): nothing is replaced, so nothing
        // would be freed here, in a probe.
        if let Some(replaced) = self.by_tgid.insert(node.into_node(process.tgid, record)) {
            core::mem::forget(replaced);
        }
        self.len += 1;
        true
    }

    /// A task record of `process` no longer counts towards it (the task
    /// exited and was collected, or its pid went to another task). The
    /// entry stays, for [`Self::collect_empty`].
    pub(crate) fn leave(&mut self, process: ProcessId) {
        if let Some(record) = self.by_tgid.get_mut(&process.tgid) {
            if record.leader_start == process.leader_start && record.threads > 0 {
                record.threads -= 1;
                if record.threads == 0 {
                    self.empty += 1;
                }
            }
        }
    }

    /// Adds new sleeps and waits of one of its threads to `process`: their
    /// counts and totals, and the longest the thread has had.
    pub(crate) fn add(&mut self, process: ProcessId, sleeps: &SleepStats, waits: &SleepStats) {
        if let Some(record) = self.by_tgid.get_mut(&process.tgid) {
            if record.leader_start == process.leader_start {
                record.sums.sleeps.merge(sleeps);
                record.sums.waits.merge(waits);
            }
        }
    }

    /// The entry of process `tgid`, if it has one.
    pub(crate) fn get(&self, tgid: Tgid) -> Option<(ProcessId, ProcessSums)> {
        self.by_tgid.get(&tgid).map(|r| {
            let process = ProcessId {
                tgid,
                leader_start: r.leader_start,
            };
            (process, r.sums)
        })
    }

    /// Copies out every process's sums, by tgid ascending, into `out`, up to
    /// its reserved capacity (this never allocates).
    pub(crate) fn copy_out(&self, out: &mut KVVec<(ProcessId, ProcessSums)>) {
        for (&tgid, record) in self.by_tgid.iter() {
            let process = ProcessId {
                tgid,
                leader_start: record.leader_start,
            };
            if out.len() >= out.capacity() || out.push((process, record.sums), GFP_ATOMIC).is_err()
            {
                break;
            }
        }
    }

    /// Process context: frees the entries no task record counts towards.
    pub(crate) fn collect_empty(&mut self) {
        if self.empty == 0 {
            return;
        }
        let mut cursor = self.by_tgid.front_mut();
        while let Some(current) = cursor {
            if current.current().1.threads > 0 {
                cursor = current.move_next();
                continue;
            }
            let (next, node) = current.remove_current();
            cursor = next;
            // Recycled while the pool has room, freed otherwise.
            let _ = self.nodes.put(node.into_reservation());
            self.empty -= 1;
            self.len -= 1;
        }
    }
}
