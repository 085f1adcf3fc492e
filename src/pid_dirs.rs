// SPDX-License-Identifier: GPL-2.0

//! /proc/allpids and its per-process directories. Linux owns /proc/<pid>/
//! and procfs offers modules no lookup hook, so each directory is a real
//! proc entry, created for every live process and removed when it exits.
//!
//! Entries are never created or removed in atomic context: the hooks note
//! the tgid of a process that starts (its first enqueue) or whose last
//! thread exits (`process_notes.rs`) and kick (irq_work, then a workqueue)
//! a reconcile, which looks up each process noted and makes its directory
//! match: O(log n) a process, however many there are. It walks every
//! process only when asked to (at load, when a kept directory's last
//! threshold closes) or when a note was lost to a full ring. A directory
//! remembers its process's start time, so a pid reused before the reconcile
//! ran shows `ESRCH`, never the new process.
//!
//! Each directory also has the process's `notifier/` files. An exited
//! process's directory stays while thresholds armed on it are open, so that
//! their watchers can read the last event (EXITED); closing the last one
//! kicks a reconcile, which removes it. Should the pid be reused meanwhile,
//! the watchers still win: procfs fails every call on the files of a
//! removed entry with EIO, so removing the directory would lose their
//! EXITED event. The new process gets its directory once they close.

use crate::sys::compat::TreeCursors;
use crate::{
    ids::ProcessId,
    info::{AllInfo, PidInfo},
    notifier::{files::NotifierDir, threshold::ThresholdScope, KeptDirs, Notifier},
    process_notes::ProcessNotes,
    profiler::Profiler,
    sort,
    sys::{
        clock::now_ns,
        deferred::{impl_has_deferred, Deferred},
        process::{collect_processes, find_process, for_each_process, Passes},
        procfs::{ProcDir, ProcFile},
        rcu::RcuReadGuard,
        uapi,
        work::WorkQueue,
    },
};
use core::{
    ops::ControlFlow,
    sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed},
};
use kernel::{
    c_str, new_mutex,
    prelude::*,
    rbtree::RBTree,
    static_lock_class,
    str::CString,
    sync::{Arc, Mutex},
};

/// One process's directory.
struct PidDir {
    /// Its files, which hold the directory itself: dropping them removes it.
    _info: ProcFile<PidInfo>,
    _notifier: NotifierDir,
    leader_start: u64,
    /// The process has exited; the directory stays for open thresholds.
    exited: bool,
}

/// The directories, by tgid, and how many are of live processes.
struct Dirs {
    tree: RBTree<i32, PidDir>,
    /// Directories not kept for an exited process's thresholds.
    live: i64,
}

/// /proc/allpids, its `info`, and one directory per live process.
#[pin_data]
pub(crate) struct PidDirs {
    /// First, so that it is dropped (and waited for) before the directories.
    #[pin]
    reconcile_work: Deferred<PidDirs>,
    #[pin]
    dirs: Mutex<Dirs>,
    /// The processes the hooks noted, taken under `dirs`.
    notes: ProcessNotes,
    _all_info: ProcFile<AllInfo>,
    _all_notifier: NotifierDir,
    root: Arc<ProcDir>,
    profiler: Arc<Profiler>,
    notifier: Arc<Notifier>,
    /// Set at unload: a reconcile under way stops at the next directory,
    /// so that unloading does not wait for thousands of them to be made or
    /// removed in the work (the rest go with the tree, in rmmod's context).
    stopping: AtomicBool,
    /// Reconciles run, those that walked every process, and directories
    /// that could not be created.
    pub(crate) reconciles: AtomicU64,
    pub(crate) walks: AtomicU64,
    pub(crate) failures: AtomicU64,
    /// Time spent reconciling, ns, in all.
    pub(crate) reconcile_ns: AtomicU64,
}

impl_has_deferred!(PidDirs, reconcile_work, PidDirs::reconcile);

impl PidDirs {
    /// Creates /proc/allpids with `info` and a directory per live process;
    /// its reconciles run on `queue`.
    pub(crate) fn register(
        profiler: Arc<Profiler>,
        notifier: Arc<Notifier>,
        queue: Arc<WorkQueue>,
    ) -> Result<Arc<Self>> {
        let root = ProcDir::new(uapi::PROC_DIR, 0o555, None)?;
        let all = Arc::new(AllInfo::new(profiler.clone()), GFP_KERNEL)?;
        let all_info = ProcFile::new_in(&root, uapi::PROC_INFO, 0o444, all)?;
        let all_notifier = NotifierDir::new(&notifier, &root, ThresholdScope::AllPids)?;
        let dirs = Arc::pin_init(
            try_pin_init!(Self {
                reconcile_work <- Deferred::new(c_str!("lattop_pid_dirs"), crate::sys::compat::lock_class(static_lock_class!()), queue),
                dirs <- new_mutex!(Dirs { tree: RBTree::new(), live: 0 }, "lattop_pid_dirs"),
                notes: ProcessNotes::new()?,
                _all_info: all_info,
                _all_notifier: all_notifier,
                root,
                profiler,
                notifier,
                stopping: AtomicBool::new(false),
                reconciles: AtomicU64::new(0),
                walks: AtomicU64::new(0),
                failures: AtomicU64::new(0),
                reconcile_ns: AtomicU64::new(0),
            }? Error),
            GFP_KERNEL,
        )?;
        dirs.reconcile();
        Ok(dirs)
    }

    /// Asks for a reconcile of every process soon. Safe in any context.
    pub(crate) fn kick(&self) {
        self.notes.ask_walk();
        self.reconcile_work.kick();
    }

    /// Hook context: process `tgid` started, or its last thread exits; its
    /// directory is made to match soon.
    pub(crate) fn note(&self, tgid: i32) {
        self.notes.note(tgid);
        self.reconcile_work.kick();
    }

    /// Unload has begun: reconciles stop, at once or at the next directory.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Relaxed);
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Relaxed)
    }

    /// Process context: makes the directories match the live processes.
    fn reconcile(&self) {
        if self.stopping() {
            return;
        }
        let start = now_ns();
        self.reconciles.fetch_add(1, Relaxed);
        let mut noted = KVVec::new();
        let mut dirs = self.dirs.lock();
        if self.notes.take(&mut noted) {
            drop(dirs);
            self.reconcile_all();
        } else {
            sort::sort_by_key(&mut noted, |tgid| *tgid);
            let mut last = None;
            for &tgid in noted.iter() {
                if self.stopping() {
                    break;
                }
                // A process started and exited since is noted twice.
                if last.replace(tgid) != Some(tgid) {
                    self.reconcile_one(&mut dirs, tgid);
                }
            }
        }
        self.reconcile_ns
            .fetch_add(now_ns().saturating_sub(start), Relaxed);
    }

    /// Makes every directory match the processes, walking them all.
    fn reconcile_all(&self) {
        let Ok(live) = live_processes() else {
            self.failures.fetch_add(1, Relaxed);
            // Not done: the next reconcile tries again.
            self.notes.ask_walk();
            return;
        };
        self.walks.fetch_add(1, Relaxed);
        let mut dirs = self.dirs.lock();
        let Dirs { tree, live: count } = &mut *dirs;
        *count = tree.iter().filter(|(_, dir)| !dir.exited).count() as i64;
        self.remove_gone(tree, &live, count);
        self.add_new(tree, &live, count);
    }

    /// Makes the directory of `tgid` match its process, if it has one.
    fn reconcile_one(&self, dirs: &mut Dirs, tgid: i32) {
        let live = live_process(tgid);
        let Dirs { tree, live: count } = dirs;
        if let Some(dir) = tree.get_mut(&tgid) {
            if !dir.exited && live.is_some_and(|p| p.leader_start == dir.leader_start) {
                return;
            }
            if self.retire(tgid, dir, count) {
                // Kept for its thresholds; a later process with its pid
                // gets a directory once they close.
                return;
            }
            tree.remove(&tgid);
        }
        if let Some(process) = live {
            self.add(tree, process, count);
        }
    }

    /// The process of `dir`, `tgid`, is gone: tells the notifier, with the
    /// count of live processes after it (the first time). Returns whether
    /// the directory stays, for thresholds still open on it.
    fn retire(&self, tgid: i32, dir: &mut PidDir, processes: &mut i64) -> bool {
        let id = ProcessId {
            tgid,
            leader_start: dir.leader_start,
        };
        if !dir.exited {
            *processes -= 1;
            self.notifier.on_process_count(tgid, *processes);
        }
        // Tells its thresholds (once); kept while they are open.
        let watched = self.notifier.on_process_exit(id);
        if watched {
            dir.exited = true;
        }
        watched
    }

    /// Removes the directories of processes not in `live` (gone, or their
    /// pid now belongs to a later process), but keeps those of exited
    /// processes whose thresholds are still open, even when a later process
    /// has the pid (its directory waits for them). Tells the notifier of
    /// each exit, with the count of live processes after it.
    fn remove_gone(&self, dirs: &mut RBTree<i32, PidDir>, live: &[ProcessId], processes: &mut i64) {
        let mut cursor = dirs.front_mut();
        while let Some(mut current) = cursor {
            if self.stopping() {
                return;
            }
            let (&tgid, dir) = current.current_mut();
            let found = live
                .binary_search_by_key(&tgid, |p| p.tgid)
                .ok()
                .map(|i| live[i]);
            if found.is_some_and(|p| p.leader_start == dir.leader_start) {
                cursor = current.move_next();
                continue;
            }
            if self.retire(tgid, dir, processes) {
                cursor = current.move_next();
            } else {
                // proc_remove() waits for callers in our ops and releases
                // open files, which takes the notifier's lock, never this one.
                let (next, _removed) = current.remove_current();
                cursor = next;
            }
        }
    }

    /// Creates the directories of the processes of `live` that have none,
    /// telling the notifier of each start, with the count after it.
    fn add_new(&self, dirs: &mut RBTree<i32, PidDir>, live: &[ProcessId], processes: &mut i64) {
        for process in live.iter() {
            if self.stopping() {
                return;
            }
            if dirs.get(&process.tgid).is_none() {
                self.add(dirs, *process, processes);
            }
        }
    }

    /// Creates the directory of `process`, which has none, telling the
    /// notifier of its start, with the count after it.
    fn add(&self, dirs: &mut RBTree<i32, PidDir>, process: ProcessId, processes: &mut i64) {
        let created = self.create_dir(process).and_then(|dir| {
            dirs.try_create_and_insert(process.tgid, dir, GFP_KERNEL)
                .map_err(Into::into)
        });
        match created {
            Ok(_) => {
                *processes += 1;
                self.notifier.on_process_count(process.tgid, *processes);
            }
            Err(_) => {
                self.failures.fetch_add(1, Relaxed);
            }
        }
    }

    /// Creates /proc/allpids/<tgid>/ and its files for `process`.
    fn create_dir(&self, process: ProcessId) -> Result<PidDir> {
        let name = CString::try_from_fmt(crate::sys::compat::fmt!("{}", process.tgid))?;
        let dir = ProcDir::new(&name, 0o555, Some(&self.root))?;
        let info = Arc::new(PidInfo::new(self.profiler.clone(), process), GFP_KERNEL)?;
        Ok(PidDir {
            _info: ProcFile::new_in(&dir, uapi::PROC_INFO, 0o444, info)?,
            _notifier: NotifierDir::new(&self.notifier, &dir, ThresholdScope::Process(process))?,
            leader_start: process.leader_start,
            exited: false,
        })
    }

    /// How many directories there are.
    pub(crate) fn len(&self) -> usize {
        self.dirs.lock().tree.iter().count()
    }

    /// Notes the hooks made, and those lost to a full ring.
    pub(crate) fn note_counts(&self) -> (u64, u64) {
        (
            self.notes.noted.load(Relaxed),
            self.notes.overflows.load(Relaxed),
        )
    }
}

impl KeptDirs for PidDirs {
    fn process_threshold_closed(&self) {
        self.kick();
    }
}

/// The processes with a live thread, by tgid ascending.
fn live_processes() -> Result<KVVec<ProcessId>> {
    let mut live = collect_processes(
        count_processes() + 64,
        Passes::UntilOutOfMemory,
        |_, leader, live| {
            if !leader.group_is_live() {
                return Ok(());
            }
            live.push(ProcessId {
                tgid: leader.tgid(),
                leader_start: leader.start_time(),
            })
        },
    )?;
    sort::sort_by_key(&mut live, |p| p.tgid);
    Ok(live)
}

/// Process `tgid`, if it has a live thread.
fn live_process(tgid: i32) -> Option<ProcessId> {
    let rcu = RcuReadGuard::new();
    let leader = find_process(&rcu, tgid)?;
    leader.group_is_live().then(|| ProcessId {
        tgid: leader.tgid(),
        leader_start: leader.start_time(),
    })
}

fn count_processes() -> usize {
    let rcu = RcuReadGuard::new();
    let mut n = 0;
    for_each_process(&rcu, |_| {
        n += 1;
        ControlFlow::Continue(())
    });
    n
}
