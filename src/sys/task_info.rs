// SPDX-License-Identifier: GPL-2.0

//! What a bulk-transfer record shows of a task, read from its `task_struct`,
//! `signal_struct`, `mm_struct`, `files_struct` and credentials through the
//! C helpers (bindgen's `task_struct` layout is not GCC's). Values of a task
//! that is running change while they are read: each is one consistent word,
//! the set is not, as with /proc.

use super::{
    bindings,
    layout::{assert_offset, assert_size},
    namespace::View,
    rcu::RcuReadGuard,
    task::TaskView,
};

/// The state letters of /proc/<pid>/stat, indexed by `task_state_index()`.
const STATE_LETTERS: &[u8; 9] = b"RSDTtXZPI";

/// CPU time, context switches and page faults: of one thread, or what the
/// exited threads of a group left behind.
#[derive(Clone, Copy, Default)]
pub(crate) struct Usage {
    pub(crate) utime_ns: u64,
    pub(crate) stime_ns: u64,
    pub(crate) runtime_ns: u64,
    pub(crate) nvcsw: u64,
    pub(crate) nivcsw: u64,
    pub(crate) min_flt: u64,
    pub(crate) maj_flt: u64,
}

impl Usage {
    /// What a usage helper read, with the precise CPU time `runtime_ns`.
    fn from_read(read: &bindings::lattop_usage, runtime_ns: u64) -> Self {
        Self {
            utime_ns: read.utime,
            stime_ns: read.stime,
            runtime_ns,
            nvcsw: read.nvcsw as u64,
            nivcsw: read.nivcsw as u64,
            min_flt: read.min_flt as u64,
            maj_flt: read.maj_flt as u64,
        }
    }

    /// Adds `other` to this.
    pub(crate) fn add(&mut self, other: &Usage) {
        self.utime_ns = self.utime_ns.wrapping_add(other.utime_ns);
        self.stime_ns = self.stime_ns.wrapping_add(other.stime_ns);
        self.runtime_ns = self.runtime_ns.wrapping_add(other.runtime_ns);
        self.nvcsw = self.nvcsw.wrapping_add(other.nvcsw);
        self.nivcsw = self.nivcsw.wrapping_add(other.nivcsw);
        self.min_flt = self.min_flt.wrapping_add(other.min_flt);
        self.maj_flt = self.maj_flt.wrapping_add(other.maj_flt);
    }
}

/// What a thread record shows of a thread's own state.
pub(crate) struct ThreadReads {
    pub(crate) usage: Usage,
    /// The state letter, as [`TaskView::state_letter`].
    pub(crate) state: u8,
    pub(crate) prio: i32,
    pub(crate) policy: u32,
}

impl ThreadReads {
    /// What the thread-reads helper read, with the precise CPU time
    /// `runtime_ns`.
    pub(crate) fn from_read(read: &bindings::lattop_thread_reads, runtime_ns: u64) -> Self {
        Self {
            usage: Usage::from_read(&read.usage, runtime_ns),
            state: STATE_LETTERS
                .get(read.state_index as usize)
                .copied()
                .unwrap_or(b'?'),
            prio: read.prio,
            policy: read.policy,
        }
    }
}

/// A process's memory, in bytes, and whether it may be dumped (ptrace's
/// access rule needs it).
#[derive(Clone, Copy, Default)]
pub(crate) struct Memory {
    pub(crate) rss_file: u64,
    pub(crate) rss_anon: u64,
    pub(crate) rss_shmem: u64,
    pub(crate) vsize: u64,
    /// `get_dumpable() == SUID_DUMP_USER`.
    pub(crate) dumpable: bool,
}

impl Memory {
    /// In bytes, from what the helpers read, in pages.
    fn from_pages(read: &bindings::lattop_memory) -> Self {
        let page = bindings::LATTOP_CONST_PAGE_SIZE as u64;
        Self {
            rss_file: read.rss.file as u64 * page,
            rss_anon: read.rss.anon as u64 * page,
            rss_shmem: read.rss.shmem as u64 * page,
            vsize: read.total_vm as u64 * page,
            dumpable: read.dumpable == bindings::LATTOP_CONST_SUID_DUMP_USER as i32,
        }
    }
}

/// A process's resident memory, in bytes: what the evaluator samples.
#[derive(Clone, Copy)]
pub(crate) struct Resident {
    /// File, anonymous and shared pages (/proc/<pid>/status's VmRSS).
    pub(crate) total: u64,
    /// Shared pages (RssShmem).
    pub(crate) shmem: u64,
}

/// A task's real, effective and saved ids, in the initial user namespace.
#[derive(Clone, Copy, Default)]
pub(crate) struct TaskIds {
    pub(crate) uid: u32,
    pub(crate) euid: u32,
    pub(crate) suid: u32,
    pub(crate) gid: u32,
    pub(crate) egid: u32,
    pub(crate) sgid: u32,
    /// Whether its credentials belong to the initial user namespace.
    pub(crate) initial_user_ns: bool,
}

// The opener's `struct cred` ids are read below, through a reference to
// the struct (a task's other ids, by a helper).
assert_size!(bindings::cred, CRED_SIZE, CRED_ALIGN);
assert_offset!(bindings::cred, fsuid, CRED_FSUID);
assert_offset!(bindings::cred, fsgid, CRED_FSGID);
// Passed by value to the C helpers.
assert_size!(bindings::kuid_t, KUID_SIZE, KUID_ALIGN);
assert_size!(bindings::kgid_t, KGID_SIZE, KGID_ALIGN);

fn uid(id: bindings::kuid_t) -> u32 {
    // SAFETY: a plain conversion of a value.
    unsafe { bindings::uid_in_init_ns(id) }
}

fn gid(id: bindings::kgid_t) -> u32 {
    // SAFETY: a plain conversion of a value.
    unsafe { bindings::gid_in_init_ns(id) }
}

impl TaskView<'_> {
    /// The state letter, as /proc/<pid>/stat's third field.
    pub(crate) fn state_letter(&self) -> u8 {
        // SAFETY: `ptr` is live (TaskView's invariant).
        let index = unsafe { bindings::task_state_index(self.as_ptr()) } as usize;
        STATE_LETTERS.get(index).copied().unwrap_or(b'?')
    }

    /// When it started, in ns since boot (`CLOCK_BOOTTIME`).
    pub(crate) fn start_boottime(&self) -> u64 {
        // SAFETY: `ptr` is live (TaskView's invariant).
        unsafe { bindings::task_start_boottime(self.as_ptr()) }
    }

    /// What the exited threads of its thread group left behind.
    pub(crate) fn exited_threads_usage(&self) -> Usage {
        let mut read = bindings::lattop_usage::default();
        // SAFETY: `ptr` is live (TaskView's invariant), and so is its
        // signal_struct, freed with the last task of the group; the helper
        // writes `read` only.
        unsafe { bindings::signal_usage(self.as_ptr(), &mut read) };
        Usage::from_read(&read, self.exited_threads_runtime_ns())
    }

    /// Its real parent's process id.
    pub(crate) fn parent_tgid(&self, _rcu: &RcuReadGuard) -> i32 {
        // SAFETY: `ptr` is live; `real_parent` is RCU-protected and `_rcu`
        // holds the read lock.
        unsafe { bindings::task_parent_tgid(self.as_ptr()) }
    }

    /// Its real, effective and saved user and group ids.
    pub(crate) fn ids(&self, _rcu: &RcuReadGuard) -> TaskIds {
        let mut ids = bindings::lattop_ids::default();
        // SAFETY: `ptr` is live; its credentials are RCU-protected and `_rcu`
        // holds the read lock, so they stay valid while the helper reads
        // them; it writes `ids` only.
        unsafe { bindings::task_ids(self.as_ptr(), &mut ids) };
        TaskIds {
            uid: ids.uid,
            euid: ids.euid,
            suid: ids.suid,
            gid: ids.gid,
            egid: ids.egid,
            sgid: ids.sgid,
            initial_user_ns: ids.initial_user_ns,
        }
    }

    /// Whether the current task has CAP_SYS_PTRACE in the user namespace
    /// of this task's credentials (ptrace's rule for a task of other ids).
    pub(crate) fn cred_ns_may_ptrace(&self, _rcu: &RcuReadGuard) -> bool {
        // SAFETY: `ptr` is live; its credentials are RCU-protected and `_rcu`
        // holds the read lock; the check reads the current task's.
        unsafe { bindings::cred_ns_may_ptrace(self.as_ptr()) }
    }

    /// Whether the current task has CAP_SYS_PTRACE in the user namespace
    /// that owns this task's memory (ptrace's rule for a task that is not
    /// dumpable); false without memory.
    pub(crate) fn mm_ns_may_ptrace(&self) -> bool {
        // SAFETY: `ptr` is live; the helper reads its mm under task_lock(),
        // which keeps exit_mm() from releasing it.
        unsafe { bindings::mm_ns_may_ptrace(self.as_ptr()) }
    }

    /// Its memory, `None` for a kernel thread or an exited process.
    pub(crate) fn memory(&self) -> Option<Memory> {
        let mut read = bindings::lattop_memory::default();
        // SAFETY: `ptr` is live (TaskView's invariant); the helper reads its
        // mm under task_lock(), which keeps exit_mm() from releasing it, and
        // writes `read` only.
        if !unsafe { bindings::task_memory(self.as_ptr(), &mut read) } {
            return None;
        }
        Some(Memory::from_pages(&read))
    }

    /// [`Self::memory`] and [`Self::open_fds`], read under one lock of the
    /// task: for a reader that wants both (a lock and a call less).
    pub(crate) fn memory_and_open_fds(&self, _rcu: &RcuReadGuard) -> (Option<Memory>, u32) {
        let mut read = bindings::lattop_memory::default();
        let mut fds = 0;
        // SAFETY: as in `memory` and `open_fds`: `ptr` is live, the helper
        // reads its mm and counts its descriptors under task_lock(), `_rcu`
        // keeps the fd table allocated, and it writes `read` and `fds` only.
        let has_mm = unsafe { bindings::task_memory_fds(self.as_ptr(), &mut read, &mut fds) };
        (has_mm.then(|| Memory::from_pages(&read)), fds)
    }

    /// Its resident memory and, if `with_fds`, how many file descriptors
    /// it has open (else 0), under one lock of the task: `None` for a task
    /// with no mm. What the evaluator reads of every process in each run,
    /// so no more: [`Self::memory_and_open_fds`] also reads the virtual
    /// size and dumpability.
    #[inline]
    pub(crate) fn resident_and_open_fds(
        &self,
        _rcu: &RcuReadGuard,
        with_fds: bool,
    ) -> (Option<Resident>, u32) {
        let mut rss = bindings::lattop_rss::default();
        let mut fds = 0;
        let fds_out = if with_fds {
            &raw mut fds
        } else {
            core::ptr::null_mut()
        };
        // The helper reads the mm under task_lock(), which keeps exit_mm()
        // from releasing it, and counts descriptors unless `fds_out` is null;
        // it writes `rss` and `fds` only.
        // SAFETY: `ptr` is live (TaskView's invariant); `_rcu` keeps the fd table allocated.
        let has_mm = unsafe { bindings::task_rss_fds(self.as_ptr(), &mut rss, fds_out) };
        // A page count is far below 2^52: in bytes it fits.
        let bytes = |pages: kernel::ffi::c_ulong| {
            (pages as u64).wrapping_mul(bindings::LATTOP_CONST_PAGE_SIZE as u64)
        };
        let resident = has_mm.then(|| Resident {
            total: bytes(rss.file.wrapping_add(rss.anon).wrapping_add(rss.shmem)),
            shmem: bytes(rss.shmem),
        });
        (resident, fds)
    }

    /// How many file descriptors it has open.
    pub(crate) fn open_fds(&self, _rcu: &RcuReadGuard) -> u32 {
        // SAFETY: `ptr` is live (TaskView's invariant); the helper keeps
        // `task->files` attached under task_lock(), and `_rcu` keeps its fd
        // table allocated while it is counted.
        unsafe { bindings::task_open_fds(self.as_ptr()) }
    }
}

/// The credentials of the task opening a file, for ptrace's access rule,
/// and the namespaces it sees processes through. Made for the call it is
/// in (a [`View`] does not outlive it).
#[derive(Clone, Copy)]
pub(crate) struct Opener {
    pub(crate) tgid: i32,
    pub(crate) fsuid: u32,
    pub(crate) fsgid: u32,
    /// CAP_SYS_PTRACE in the initial user namespace (so in every one).
    pub(crate) may_ptrace_any: bool,
    pub(crate) view: View,
}

impl Opener {
    /// The current task's.
    pub(crate) fn current() -> Self {
        // SAFETY: the current task's credentials live as long as it does
        // (only it replaces them).
        let cred = unsafe { &*bindings::current_cred() };
        // SAFETY: `init_user_ns` is a static; the check reads it and the
        // current task's credentials, without auditing.
        let may_ptrace_any = unsafe {
            bindings::ns_capable_noaudit(
                core::ptr::addr_of_mut!(bindings::init_user_ns),
                bindings::LATTOP_CONST_CAP_SYS_PTRACE,
            )
        };
        // SAFETY: get_current() has no preconditions, and the current task is live.
        let current = unsafe { TaskView::from_raw(bindings::get_current()) };
        Self {
            tgid: current.tgid(),
            fsuid: uid(cred.fsuid),
            fsgid: gid(cred.fsgid),
            may_ptrace_any,
            view: View::current(),
        }
    }
}
