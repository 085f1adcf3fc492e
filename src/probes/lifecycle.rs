// SPDX-License-Identifier: GPL-2.0

//! The probes' lifecycle: STARTING while probes are being armed, RUNNING,
//! STOPPING once unload has begun. Handlers record only while RUNNING, and
//! every probe is armed before RUNNING, so no half-armed window can record
//! half a sleep (a block seen without the event that ends it, or the reverse).

use core::sync::atomic::{AtomicU64, AtomicU8, Ordering};

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
pub(crate) struct Lifecycle {
    state: AtomicU8,
    /// Probe hits that came once STOPPING began, while unload waited for
    /// the handlers: they returned at once.
    stopping_hits: AtomicU64,
}

impl Lifecycle {
    /// STARTING.
    pub(crate) const fn new() -> Self {
        Self {
            state: AtomicU8::new(State::Starting as u8),
            stopping_hits: AtomicU64::new(0),
        }
    }

    /// The state now.
    pub(crate) fn state(&self) -> State {
        match self.state.load(Ordering::Acquire) {
            0 => State::Starting,
            1 => State::Running,
            _ => State::Stopping,
        }
    }

    /// Whether handlers may record.
    pub(crate) fn is_running(&self) -> bool {
        self.state.load(Ordering::Acquire) == State::Running as u8
    }

    /// Moves to `state`; the transitions only go forward.
    pub(crate) fn set(&self, state: State) {
        self.state.fetch_max(state as u8, Ordering::AcqRel);
    }

    /// A handler found the probes not running: counts it if unload has
    /// begun (hits while the probes are still being armed are not counted:
    /// they are part of starting).
    pub(crate) fn note_idle_hit(&self) {
        if self.state() == State::Stopping {
            self.stopping_hits.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Hits counted by [`Self::note_idle_hit`].
    pub(crate) fn stopping_hits(&self) -> u64 {
        self.stopping_hits.load(Ordering::Relaxed)
    }
}
