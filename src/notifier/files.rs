// SPDX-License-Identifier: GPL-2.0

//! The notifier files: a `notifier/` directory of one file per resource, in
//! /proc/anypid, /proc/allpids and each /proc/allpids/<pid>. Each open file
//! holds at most one threshold, armed by writing a struct lattop_threshold
//! and removed when the file is closed.

use super::{
    resource::{self, Resource},
    threshold::{Numbering, Spec, Threshold, ThresholdScope},
    Notifier,
};
use crate::{
    access::{check_process, check_visible},
    sys::{
        namespace::View,
        proc_stream::{ProcStream, StreamFile},
        procfs::ProcDir,
        task_info::Opener,
        uapi::{self, ThresholdRequest},
        wait::{PollTable, POLLERR},
    },
};
use kernel::{
    error::code::{EACCES, EBUSY, EPERM},
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
    uaccess::{UserSliceReader, UserSliceWriter},
};

/// One notifier file.
pub(crate) struct NotifierFile {
    notifier: Arc<Notifier>,
    resource: Resource,
    scope: ThresholdScope,
}

/// An open notifier file: its threshold, once written.
#[pin_data(PinnedDrop)]
pub(crate) struct Session {
    notifier: Arc<Notifier>,
    #[pin]
    threshold: Mutex<Option<Arc<Threshold>>>,
}

// pin-init's #[pinned_drop] implements an unsafe trait since it became its
// own crate; what it wraps, this impl, is safe code. (6.12's macro takes no
// other attribute.)
#[cfg_attr(lattop_pin_init_crate, allow(unsafe_code))]
#[pinned_drop]
impl PinnedDrop for Session {
    fn drop(self: Pin<&mut Self>) {
        if let Some(threshold) = self.threshold.lock().take() {
            self.notifier.disarm(&threshold);
        }
    }
}

impl Session {
    fn threshold(&self) -> Option<Arc<Threshold>> {
        self.threshold.lock().clone()
    }
}

impl ProcStream for NotifierFile {
    type Session = Pin<KBox<Session>>;

    fn open(&self) -> Result<Self::Session> {
        // A process outside the opener's pid namespace is not there for it.
        if let ThresholdScope::Process(id) = self.scope {
            check_visible(&View::current(), id.tgid)?;
        }
        KBox::pin_init(
            pin_init!(Session {
                notifier: self.notifier.clone(),
                threshold <- new_mutex!(None, "lattop_notifier_session"),
            }),
            GFP_KERNEL,
        )
    }

    fn write(&self, session: &Self::Session, mut input: UserSliceReader) -> Result<usize> {
        let mut slot = session.threshold.lock();
        if slot.is_some() {
            return Err(EBUSY);
        }
        let size = core::mem::size_of::<ThresholdRequest>();
        if input.len() != size {
            return Err(EINVAL);
        }
        let request: ThresholdRequest = input.read()?;
        let mut spec = Spec::parse(&request, self.resource, self.scope)?;
        let opener = Opener::current();
        match self.scope {
            ThresholdScope::Process(id) => {
                let pid = check_process(&opener, id)?;
                spec.numbering = opener
                    .view
                    .hold_pid_namespace()
                    .map(|ns| Numbering::new(ns, id.tgid, pid));
            }
            // Every process, from inside a pid namespace, would be its
            // processes, and their count its count: not built (README).
            ThresholdScope::AnyPid | ThresholdScope::AllPids if !opener.view.sees_all_pids() => {
                return Err(EPERM)
            }
            ThresholdScope::AnyPid | ThresholdScope::AllPids if !opener.may_ptrace_any => {
                return Err(EACCES)
            }
            ThresholdScope::AnyPid | ThresholdScope::AllPids => {}
        }
        *slot = Some(self.notifier.arm(spec, opener.fsuid)?);
        Ok(size)
    }

    fn read(&self, session: &Self::Session, out: UserSliceWriter, nonblock: bool) -> Result<usize> {
        // Read unlocked: a blocked reader must not hold up a writer.
        session.threshold().ok_or(EINVAL)?.read(out, nonblock)
    }

    fn poll(&self, session: &Self::Session, table: &PollTable) -> u32 {
        match session.threshold() {
            Some(threshold) => threshold.poll(table),
            None => POLLERR,
        }
    }
}

/// A `notifier/` directory and its files; dropping it removes them.
pub(crate) struct NotifierDir {
    _files: KVec<StreamFile<NotifierFile>>,
}

impl NotifierDir {
    /// Creates `notifier/` in `parent` for `scope`: every resource but
    /// process_count, which only /proc/allpids has. Per-process files may be
    /// opened by anyone (arming checks ptrace's read rule); the others are
    /// root's.
    pub(crate) fn new(
        notifier: &Arc<Notifier>,
        parent: &Arc<ProcDir>,
        scope: ThresholdScope,
    ) -> Result<Self> {
        let dir = ProcDir::new(uapi::PROC_NOTIFIER, 0o555, Some(parent))?;
        let mode = if matches!(scope, ThresholdScope::Process(_)) {
            0o666
        } else {
            0o600
        };
        let mut files = KVec::with_capacity(resource::ALL.len(), GFP_KERNEL)?;
        for resource in resource::ALL {
            if resource == Resource::ProcessCount && scope != ThresholdScope::AllPids {
                continue;
            }
            let file = Arc::new(
                NotifierFile {
                    notifier: notifier.clone(),
                    resource,
                    scope,
                },
                GFP_KERNEL,
            )?;
            files.push(
                StreamFile::new_in(&dir, resource.file_name(), mode, file)?,
                GFP_KERNEL,
            )?;
        }
        Ok(Self { _files: files })
    }
}
