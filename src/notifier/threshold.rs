// SPDX-License-Identifier: GPL-2.0

//! One armed threshold: what was asked (checked from the user's struct),
//! its queue of events for read() and poll(), and their announcement
//! (poll wake-up, eventfd, signal), deferred to an irq_work because events
//! may be queued by a probe under a runqueue lock.

use super::{
    crossing::{RecentFirings, Rule},
    resource::{Resource, Source},
};
use crate::{
    ids::ProcessId,
    sys::{
        clock::{monotonic_ns, now_ns},
        eventfd::EventFd,
        irq_spinlock::{new_irq_spinlock, IrqSpinLock},
        irq_work::{impl_has_irq_work, IrqWork},
        namespace::PidNamespace,
        signal::{ProcessRef, MAX_SIGNAL},
        uapi::{self, Event, ThresholdRequest, EVENT_QUEUE_LEN},
        wait::{new_wait_queue, PollTable, WaitQueue, POLLERR, POLLHUP, POLLIN, POLLPRI},
    },
};
use kernel::{
    error::code::{EAGAIN, EIO},
    prelude::*,
    sync::Arc,
    uaccess::UserSliceWriter,
};

/// How long the hook that ends a sleep may wait for a threshold's lock.
pub(super) const PROBE_LOCK_BUDGET_NS: u64 = 100_000;
/// How long process context may wait for one (it only ever waits for a
/// probe or a reader's short critical section).
pub(super) const LOCK_BUDGET_NS: u64 = 10_000_000;

/// Which processes a threshold watches.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ThresholdScope {
    /// One process (/proc/allpids/<pid>/notifier).
    Process(ProcessId),
    /// Each process on its own (/proc/anypid/notifier).
    AnyPid,
    /// The sum over all processes (/proc/allpids/notifier).
    AllPids,
}

/// How events are announced besides poll().
enum Delivery {
    Poll,
    EventFd(EventFd),
    Signal { target: ProcessRef, signal: i32 },
}

/// How a threshold armed in a pid namespace other than the initial one
/// numbers the pids of its events: as that namespace does.
pub(crate) struct Numbering {
    ns: PidNamespace,
    /// The watched process's number in the initial namespace and in `ns`,
    /// kept from arming: once it exits, there is no number left to look up.
    process: (i32, i32),
}

impl Numbering {
    /// For a threshold on process `pid` (of the initial namespace), which
    /// `ns` numbers `ns_pid`.
    pub(crate) fn new(ns: PidNamespace, pid: i32, ns_pid: i32) -> Self {
        Self {
            ns,
            process: (pid, ns_pid),
        }
    }

    /// `nr` (of the initial namespace) as numbered in the namespace; 0 for
    /// a task gone since.
    fn number(&self, nr: i32) -> i32 {
        if nr == self.process.0 {
            self.process.1
        } else {
            self.ns.number(nr)
        }
    }
}

/// What a threshold was armed with.
pub(crate) struct Spec {
    pub(crate) resource: Resource,
    pub(crate) scope: ThresholdScope,
    pub(crate) rule: Rule,
    pub(crate) cookie: u64,
    pub(crate) window_ns: u64,
    oneshot: bool,
    delivery: Delivery,
    /// `None` in the initial pid namespace, whose numbers events carry as
    /// they are.
    pub(crate) numbering: Option<Numbering>,
}

const KNOWN_FLAGS: u32 = uapi::THRESHOLD_LEVEL
    | uapi::THRESHOLD_UP
    | uapi::THRESHOLD_DOWN
    | uapi::THRESHOLD_ONESHOT
    | uapi::THRESHOLD_PRESENT;

impl Spec {
    /// Checks `request` for `resource` in `scope`; takes a reference to the
    /// eventfd it names, or to the writer's process for signals. Every
    /// malformed field is `EINVAL`; an eventfd that is not one, `EBADF`.
    pub(crate) fn parse(
        request: &ThresholdRequest,
        resource: Resource,
        scope: ThresholdScope,
    ) -> Result<Self> {
        let flags = request.flags;
        let up = flags & uapi::THRESHOLD_UP != 0;
        let down = flags & uapi::THRESHOLD_DOWN != 0;
        if flags & !KNOWN_FLAGS != 0
            || request.reserved0 != 0
            || request.reserved.iter().any(|&r| r != 0)
        {
            return Err(EINVAL);
        }
        if up == down {
            return Err(EINVAL);
        }
        // A sleep is an event: there is no present value to judge at arming.
        if flags & uapi::THRESHOLD_PRESENT != 0 && resource.source() == Source::Sleeps {
            return Err(EINVAL);
        }
        let windowed = resource == Resource::CpuUsage;
        if windowed != (request.window_ms != 0) {
            return Err(EINVAL);
        }
        let delivery = match request.delivery {
            uapi::DELIVER_POLL if request.eventfd == 0 && request.signal == 0 => Delivery::Poll,
            uapi::DELIVER_EVENTFD if request.signal == 0 => {
                Delivery::EventFd(EventFd::from_fd(request.eventfd)?)
            }
            uapi::DELIVER_SIGNAL
                if request.eventfd == 0 && (1..=MAX_SIGNAL).contains(&request.signal) =>
            {
                Delivery::Signal {
                    target: ProcessRef::current()?,
                    signal: request.signal,
                }
            }
            _ => return Err(EINVAL),
        };
        Ok(Self {
            resource,
            scope,
            rule: Rule {
                level: request.level,
                flags,
            },
            cookie: request.cookie,
            window_ns: u64::from(request.window_ms) * 1_000_000,
            oneshot: flags & uapi::THRESHOLD_ONESHOT != 0,
            delivery,
            numbering: None,
        })
    }
}

/// Where a threshold is in its life.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Run {
    /// Firing.
    Armed,
    /// A ONESHOT that fired: no more events.
    Fired,
    /// Its process exited: the EXITED event was queued.
    Exited,
    /// The module is being unloaded.
    Shutdown,
}

/// The events waiting for read(), and the announcements waiting for the
/// irq_work.
struct EventQueue {
    /// A ring of [`EVENT_QUEUE_LEN`] slots.
    events: KVec<Event>,
    /// Index of the oldest event, and how many there are.
    head: usize,
    len: usize,
    /// Events dropped since the last one queued.
    lost: u64,
    /// The pids of events queued since the last announcement.
    unannounced: [i32; EVENT_QUEUE_LEN],
    unannounced_len: usize,
    run: Run,
    /// For sleep_latency, whose streams (one per thread) are kept by the
    /// profiler: the rate limit.
    recent: RecentFirings,
}

/// What the probe and the evaluator hand to [`Threshold::fire`].
pub(crate) struct Firing {
    pub(crate) pid: i32,
    pub(crate) tid: i32,
    pub(crate) value: i64,
    pub(crate) kind: u32,
}

/// A sleep the hook offers to a sleep_latency threshold: the next value
/// of its thread's stream.
pub(crate) struct SleepFiring {
    pub(crate) pid: i32,
    pub(crate) tid: i32,
    pub(crate) ns: u64,
    /// The thread's previous sleep; `None` judges this one from nothing.
    pub(crate) prev_ns: Option<u64>,
}

/// An armed threshold, shared by its open file and the notifier's lists.
#[pin_data]
pub(crate) struct Threshold {
    /// First, so that dropping waits for a running announcement.
    #[pin]
    announce: IrqWork<Threshold>,
    #[pin]
    waiters: WaitQueue,
    #[pin]
    queue: IrqSpinLock<EventQueue>,
    pub(crate) spec: Spec,
    /// Who armed it, for the per-user cap.
    pub(crate) owner: u32,
    /// Its key among the armed thresholds.
    pub(crate) id: u64,
    /// When it was armed, CLOCK_MONOTONIC ns (a task's start time's
    /// clock): a stream that begins later has no baseline.
    pub(crate) armed_at_ns: u64,
    /// The same, on the hooks' clock (`local_clock()`, their sleeps').
    armed_at_clock: u64,
}

impl_has_irq_work!(Threshold, announce, Threshold::announce);

impl Threshold {
    /// A threshold armed with `spec` by `owner`.
    pub(crate) fn new(spec: Spec, owner: u32, id: u64) -> Result<Arc<Self>> {
        let mut events = KVec::with_capacity(EVENT_QUEUE_LEN, GFP_KERNEL)?;
        for _ in 0..EVENT_QUEUE_LEN {
            events.push(Event::default(), GFP_KERNEL)?;
        }
        let queue = EventQueue {
            events,
            head: 0,
            len: 0,
            lost: 0,
            unannounced: [0; EVENT_QUEUE_LEN],
            unannounced_len: 0,
            run: Run::Armed,
            recent: RecentFirings::default(),
        };
        Arc::pin_init(
            pin_init!(Self {
                announce <- IrqWork::new(),
                waiters <- new_wait_queue!("lattop_threshold_waiters"),
                queue <- new_irq_spinlock!(queue, "lattop_threshold_queue"),
                spec,
                owner,
                id,
                armed_at_ns: monotonic_ns(),
                armed_at_clock: now_ns(),
            }),
            GFP_KERNEL,
        )
    }

    /// Whether a process or thread started at `start_ns` (its
    /// `start_time`, CLOCK_MONOTONIC) began after the threshold was armed.
    pub(crate) fn born_since_armed(&self, start_ns: u64) -> bool {
        start_ns > self.armed_at_ns
    }

    /// Whether a sleep that ended at `ended_at` (the hooks' clock) ended
    /// after the threshold was armed: a value of its stream, not before
    /// its baseline.
    pub(crate) fn armed_before(&self, ended_at: u64) -> bool {
        ended_at > self.armed_at_clock
    }

    /// Whether it still fires.
    pub(crate) fn is_armed(&self) -> bool {
        self.queue.lock().run == Run::Armed
    }

    /// Queues an event and asks for its announcement. Any context: a probe
    /// may call it, so it only tries the lock within `budget_ns` and returns
    /// false when it could not. Returns true when queued or dropped for a
    /// full queue, or ignored because the threshold no longer fires.
    pub(crate) fn fire(&self, firing: Firing, time_ns: u64, budget_ns: u64) -> bool {
        let Some(mut queue) = self.queue.try_lock_for(budget_ns) else {
            return false;
        };
        if queue.run != Run::Armed {
            return true;
        }
        self.push(&mut queue, firing, time_ns);
        drop(queue);
        self.announce.kick();
        true
    }

    /// The hook that ends a sleep offers `sleep`, ended at `time_ns`: fires
    /// when it crosses the level from the thread's previous sleep, at most
    /// once per `period_ns` for each process (see [`RecentFirings`]).
    /// Returns false when the lock could not be had within `budget_ns`.
    pub(crate) fn offer_sleep(
        &self,
        sleep: &SleepFiring,
        time_ns: u64,
        period_ns: u64,
        budget_ns: u64,
    ) -> bool {
        let value = i64::try_from(sleep.ns).unwrap_or(i64::MAX);
        let prev = sleep
            .prev_ns
            .map(|ns| i64::try_from(ns).unwrap_or(i64::MAX));
        // The stream is the thread's, kept by the profiler: no crossing, no lock.
        if !self.spec.rule.fires(prev, value) {
            return true;
        }
        let Some(mut queue) = self.queue.try_lock_for(budget_ns) else {
            return false;
        };
        if queue.run != Run::Armed {
            return true;
        }
        if !self.spec.rule.is_level() && !queue.recent.admit(sleep.pid, time_ns, period_ns) {
            return true;
        }
        let firing = Firing {
            pid: sleep.pid,
            tid: sleep.tid,
            value,
            kind: uapi::EVENT_CROSSED,
        };
        self.push(&mut queue, firing, time_ns);
        drop(queue);
        self.announce.kick();
        true
    }

    /// Its process exited: queues the last event, EXITED. Once.
    pub(crate) fn exited(&self, pid: i32) {
        let mut queue = self.queue.lock();
        if !matches!(queue.run, Run::Armed | Run::Fired) {
            return;
        }
        let firing = Firing {
            pid,
            tid: 0,
            value: 0,
            kind: uapi::EVENT_EXITED,
        };
        self.push(&mut queue, firing, monotonic_ns());
        queue.run = Run::Exited;
        drop(queue);
        self.announce.kick();
    }

    /// The module is going: wakes every reader, whose reads now fail, and
    /// announces once more (eventfd, signal with pid 0) so that a watcher
    /// waiting on those comes to read too.
    pub(crate) fn shut_down(&self) {
        let mut queue = self.queue.lock();
        queue.run = Run::Shutdown;
        if queue.unannounced_len < EVENT_QUEUE_LEN {
            let n = queue.unannounced_len;
            queue.unannounced[n] = 0;
            queue.unannounced_len += 1;
        }
        drop(queue);
        self.announce.kick();
    }

    fn push(&self, queue: &mut EventQueue, firing: Firing, time_ns: u64) {
        if queue.len == EVENT_QUEUE_LEN {
            queue.lost += 1;
            return;
        }
        let (pid, tid) = match &self.spec.numbering {
            None => (firing.pid, firing.tid),
            Some(numbering) => (numbering.number(firing.pid), numbering.number(firing.tid)),
        };
        let event = Event {
            time_ns,
            value: firing.value,
            level: self.spec.rule.level,
            cookie: self.spec.cookie,
            pid,
            tid,
            resource: self.spec.resource.uapi(),
            kind: firing.kind,
            lost: queue.lost,
        };
        let tail = (queue.head + queue.len) % EVENT_QUEUE_LEN;
        queue.events[tail] = event;
        queue.len += 1;
        queue.lost = 0;
        // Past the room (events read before their announcement),
        // announcements merge.
        if queue.unannounced_len < EVENT_QUEUE_LEN {
            let n = queue.unannounced_len;
            queue.unannounced[n] = pid;
            queue.unannounced_len += 1;
        }
        if self.spec.oneshot && firing.kind == uapi::EVENT_CROSSED {
            queue.run = Run::Fired;
        }
    }

    /// irq_work: wakes readers and pollers, then signals the eventfd or
    /// sends the signal, once per event queued since the last time.
    fn announce(&self) {
        let mut queue = self.queue.lock();
        let n = queue.unannounced_len;
        // The whole array, by value: `copy_from_slice`'s length-check panic
        // path upsets objtool on the perf kernel.
        let pids = queue.unannounced;
        queue.unannounced_len = 0;
        let mask = match queue.run {
            Run::Exited => POLLIN | POLLPRI | POLLHUP,
            Run::Shutdown => POLLERR | POLLHUP,
            _ => POLLIN | POLLPRI,
        };
        drop(queue);
        self.waiters.wake_poll(mask);
        match &self.spec.delivery {
            Delivery::Poll => {}
            Delivery::EventFd(eventfd) => pids.iter().take(n).for_each(|_| eventfd.signal()),
            Delivery::Signal { target, signal } => {
                for &pid in pids.iter().take(n) {
                    target.send_queued(*signal, pid);
                }
            }
        }
    }

    /// read(): moves whole events to `out`, waiting for one unless
    /// `nonblock`. 0 once an exited process's last event was read.
    pub(crate) fn read(&self, mut out: UserSliceWriter, nonblock: bool) -> Result<usize> {
        let size = core::mem::size_of::<Event>();
        let wanted = (out.len() / size).min(EVENT_QUEUE_LEN);
        if wanted == 0 {
            return Err(EINVAL);
        }
        let mut taken = KVec::with_capacity(wanted, GFP_KERNEL)?;
        loop {
            let mut queue = self.queue.lock();
            match (queue.len, queue.run) {
                (_, Run::Shutdown) => return Err(EIO),
                (0, Run::Exited) => return Ok(0),
                (0, _) => {}
                (_, _) => {
                    while taken.len() < wanted && queue.len > 0 {
                        let head = queue.head;
                        let event = core::mem::take(&mut queue.events[head]);
                        queue.head = (queue.head + 1) % EVENT_QUEUE_LEN;
                        queue.len -= 1;
                        // Within the capacity: never allocates.
                        taken.push(event, GFP_NOWAIT)?;
                    }
                    break;
                }
            }
            drop(queue);
            if nonblock {
                return Err(EAGAIN);
            }
            self.waiters.wait_interruptible(|| {
                let queue = self.queue.lock();
                queue.len > 0 || matches!(queue.run, Run::Exited | Run::Shutdown)
            })?;
        }
        for event in taken.iter() {
            out.write(event)?;
        }
        Ok(taken.len() * size)
    }

    /// poll(): POLLIN|POLLPRI while events wait; POLLHUP once an exited
    /// process's last event was read; POLLERR|POLLHUP during unload.
    pub(crate) fn poll(&self, table: &PollTable) -> u32 {
        self.waiters.register_poll(table);
        let queue = self.queue.lock();
        match (queue.len, queue.run) {
            (_, Run::Shutdown) => POLLERR | POLLHUP,
            (0, Run::Exited) => POLLHUP,
            (0, _) => 0,
            (_, _) => POLLIN | POLLPRI,
        }
    }

    /// Where its values come from.
    pub(crate) fn source(&self) -> Source {
        self.spec.resource.source()
    }
}
