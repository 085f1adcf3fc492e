// SPDX-License-Identifier: GPL-2.0

//! The probes' lifecycle: STARTING while probes are being armed, RUNNING,
//! STOPPING once unload has begun. Handlers record only while RUNNING, and
//! every probe is armed before RUNNING, so no half-armed window can record
//! half a sleep (a block seen without its wake-up probe, or the reverse).

use core::sync::atomic::{AtomicU8, Ordering};

/// The lifecycle states.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum State {
    Starting = 0,
    Running = 1,
    Stopping = 2,
}

impl State {
    /// The name the stats file shows.
    pub(crate) fn name(self) -> &'static str {
        match self {
            State::Starting => "starting",
            State::Running => "running",
            State::Stopping => "stopping",
        }
    }
}

/// The current state, shared by the probes and module init and exit.
pub(crate) struct Lifecycle(AtomicU8);

impl Lifecycle {
    /// STARTING.
    pub(crate) const fn new() -> Self {
        Self(AtomicU8::new(State::Starting as u8))
    }

    /// The state now.
    pub(crate) fn state(&self) -> State {
        match self.0.load(Ordering::Acquire) {
            0 => State::Starting,
            1 => State::Running,
            _ => State::Stopping,
        }
    }

    /// Whether handlers may record.
    pub(crate) fn is_running(&self) -> bool {
        self.0.load(Ordering::Acquire) == State::Running as u8
    }

    /// Moves to `state`; the transitions only go forward.
    pub(crate) fn set(&self, state: State) {
        self.0.fetch_max(state as u8, Ordering::AcqRel);
    }
}
