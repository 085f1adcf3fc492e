// SPDX-License-Identifier: GPL-2.0

//! Who may read a process's record: the core of ptrace's
//! `PTRACE_MODE_READ_FSCREDS` rule, which /proc/<pid>/ files apply.
//! `ptrace_may_access()` is not exported to modules, so it is spelled out
//! here, capabilities checked in the user namespaces ptrace checks them in;
//! the LSM hooks it would also consult (Yama's ptrace_scope among them) are
//! not.

use crate::{
    ids::ProcessId,
    sys::{
        namespace::View,
        process::find_process,
        rcu::RcuReadGuard,
        task::TaskView,
        task_info::{Memory, Opener, TaskIds},
    },
};
use kernel::{
    error::code::{EACCES, ENOENT, ESRCH},
    prelude::*,
};

/// Whether `opener` may read process `tgid`, led by `leader`, whose leader
/// has `ids` and `memory` (`None`: no mm, a kernel thread or an exited
/// process):
/// - its own process, always;
/// - otherwise, with CAP_SYS_PTRACE in the initial user namespace, any;
/// - otherwise, a process whose real, effective and saved uids all equal the
///   opener's fsuid, and gids its fsgid, or whose credentials belong to a
///   user namespace where the opener has CAP_SYS_PTRACE;
/// - and that is dumpable (not setuid, not made undumpable with prctl), or
///   whose memory belongs to a user namespace where the opener has
///   CAP_SYS_PTRACE.
///
/// Whether the process is in the opener's pid namespace at all is the
/// caller's to check first ([`View::process_number`]).
pub(crate) fn may_read(
    opener: &Opener,
    leader: &TaskView<'_>,
    rcu: &RcuReadGuard,
    ids: &TaskIds,
    memory: Option<&Memory>,
) -> bool {
    if opener.tgid == leader.tgid() || opener.may_ptrace_any {
        return true;
    }
    let same_user = [ids.uid, ids.euid, ids.suid]
        .iter()
        .all(|&id| id == opener.fsuid);
    let same_group = [ids.gid, ids.egid, ids.sgid]
        .iter()
        .all(|&id| id == opener.fsgid);
    // In the initial user namespace, the capability is `may_ptrace_any`.
    if !(same_user && same_group) && (ids.initial_user_ns || !leader.cred_ns_may_ptrace(rcu)) {
        return false;
    }
    memory.is_none_or(|m| m.dumpable) || leader.mm_ns_may_ptrace()
}

/// Whether `opener` may read the live process `id`: its pid as the
/// opener's pid namespace numbers it if so; `ENOENT` when it is outside
/// that namespace (as if it did not exist), `ESRCH` when it has exited (or
/// its pid now names a later process), `EACCES` when not allowed.
pub(crate) fn check_process(opener: &Opener, id: ProcessId) -> Result<i32> {
    let rcu = RcuReadGuard::new();
    let leader = find_process(&rcu, id.tgid).ok_or(ESRCH)?;
    let pid = opener.view.process_number(&leader, &rcu).ok_or(ENOENT)?;
    if leader.start_time() != id.leader_start || !leader.group_is_live() {
        return Err(ESRCH);
    }
    let ids = leader.ids(&rcu);
    let memory = leader.memory();
    if may_read(opener, &leader, &rcu, &ids, memory.as_ref()) {
        Ok(pid)
    } else {
        Err(EACCES)
    }
}

/// `ENOENT` if process `tgid` is outside the pid namespace `view` sees, as
/// if it did not exist; otherwise (in it, or gone: other calls on its files
/// say `ESRCH` then) nothing.
pub(crate) fn check_visible(view: &View, tgid: i32) -> Result {
    let rcu = RcuReadGuard::new();
    match find_process(&rcu, tgid) {
        Some(leader) if view.process_number(&leader, &rcu).is_none() => Err(ENOENT),
        _ => Ok(()),
    }
}
