// SPDX-License-Identifier: GPL-2.0

//! kprobes on kernel function entries: `register_kprobe()` and
//! `unregister_kprobe()`.

use super::{
    bindings,
    layout::{self, as_u32, assert_offset, assert_size},
    task::TaskView,
};
use core::ptr::addr_of_mut;
use kernel::{alloc::KBox, ffi, prelude::*, str::CString, types::Opaque};

/// What runs when a probed function is entered.
///
/// `entered` runs in the probed function's context, with preemption off; on
/// the scheduler's paths also with a runqueue lock held and interrupts off.
/// It must not sleep, allocate with `GFP_KERNEL`, or wake anything up.
pub(crate) trait ProbeHandler: Send + Sync + 'static {
    /// The probed function was entered with `args`.
    fn entered(&self, args: &ProbeArgs<'_>);
}

/// The registers at a probed function's entry, read as its arguments.
pub(crate) struct ProbeArgs<'a> {
    regs: &'a bindings::pt_regs,
}

// Read below, and by `TaskView::user_regs` (`ip` and `bp`).
assert_size!(bindings::pt_regs, PT_REGS_SIZE, PT_REGS_ALIGN);
assert_offset!(bindings::pt_regs, di, PT_REGS_DI);
assert_offset!(bindings::pt_regs, si, PT_REGS_SI);
assert_offset!(bindings::pt_regs, dx, PT_REGS_DX);
assert_offset!(bindings::pt_regs, cx, PT_REGS_CX);
assert_offset!(bindings::pt_regs, r8, PT_REGS_R8);
assert_offset!(bindings::pt_regs, r9, PT_REGS_R9);

impl ProbeArgs<'_> {
    /// The probed function's `n`th integer or pointer argument, from 0
    /// (x86-64 System V: rdi, rsi, rdx, rcx, r8, r9); 0 past the sixth.
    pub(crate) fn arg(&self, n: usize) -> usize {
        let r = self.regs;
        let value = match n {
            0 => r.di,
            1 => r.si,
            2 => r.dx,
            3 => r.cx,
            4 => r.r8,
            5 => r.r9,
            _ => 0,
        };
        value as usize
    }
}

/// A kprobe on the entry of one kernel function, calling a `H`.
///
/// # Invariants
///
/// Once `register` has returned it, `kp` is registered with the kernel
/// until `drop`, at a function's entry, with `Self::pre_handler` as its
/// pre-handler.
pub(crate) struct Kprobe<H: ProbeHandler> {
    kp: Opaque<bindings::kprobe>,
    /// Whether `kp` got registered: a failed registration is not undone.
    registered: bool,
    handler: H,
}

// Allocated here, all-zero, and its fields set or read below.
assert_size!(bindings::kprobe, KPROBE_SIZE, KPROBE_ALIGN);
assert_offset!(bindings::kprobe, addr, KPROBE_ADDR);
assert_offset!(bindings::kprobe, symbol_name, KPROBE_SYMBOL_NAME);
assert_offset!(bindings::kprobe, pre_handler, KPROBE_PRE_HANDLER);
assert_offset!(bindings::kprobe, flags, KPROBE_FLAGS);
assert_offset!(bindings::kprobe, nmissed, KPROBE_NMISSED);

// SAFETY: the kernel may call the handler on any CPU; `H` is `Send + Sync`,
// and the rest is only touched by `register` and `drop`.
unsafe impl<H: ProbeHandler> Send for Kprobe<H> {}
// SAFETY: as above; `&Kprobe` only reads.
unsafe impl<H: ProbeHandler> Sync for Kprobe<H> {}

/// The x86-64 ftrace call site at a traceable function's entry: a 5-byte
/// `call __fentry__` (a NOP while ftrace is idle).
const FENTRY_CALL_LEN: usize = 5;

/// Where a probe on the entry of `symbol` must go: the address kprobes
/// resolves (past an ENDBR64), moved past the ftrace call site when there
/// is one. A kprobe on the call site itself is armed through ftrace, whose
/// code patching at unregister left a stray int3 under QEMU TCG (an "Oops:
/// int3" within a few insmod/rmmod cycles); one instruction later the
/// registers still hold the arguments, and kprobes arms a breakpoint or an
/// optimized jump instead.
fn entry_address(symbol: &CString) -> Result<usize> {
    let mut kp = KBox::new(bindings::kprobe::default(), GFP_KERNEL)?;
    kp.symbol_name = symbol.as_char_ptr();
    // Registered disabled, a kprobe resolves its address and notes whether
    // it is an ftrace site, but arms nothing, so unregistering patches nothing.
    kp.flags = bindings::KPROBE_FLAG_DISABLED;
    let kp = KBox::into_raw(kp);
    // SAFETY: `kp` is a valid, zeroed kprobe with a live symbol name.
    let ret = unsafe { bindings::register_kprobe(kp) };
    let resolved = if ret < 0 {
        Err(Error::from_errno(ret))
    } else {
        // SAFETY: `kp` is registered; its address and flags are set.
        let (addr, flags) = unsafe { ((*kp).addr as usize, (*kp).flags) };
        // SAFETY: registered above, and disabled: this patches no code.
        unsafe { bindings::unregister_kprobe(kp) };
        let on_ftrace = flags & bindings::KPROBE_FLAG_FTRACE != 0;
        Ok(if on_ftrace {
            addr + FENTRY_CALL_LEN
        } else {
            addr
        })
    };
    // SAFETY: `kp` came from `KBox::into_raw` and is no longer registered.
    drop(unsafe { KBox::from_raw(kp) });
    resolved
}

impl<H: ProbeHandler> Kprobe<H> {
    /// Arms a probe on the entry of the function `symbol`, calling `handler`
    /// with the function's arguments.
    ///
    /// Fails with the kernel's error: `ENOENT` when there is no such symbol,
    /// `EINVAL` when it cannot be probed (inlined away, blacklisted...).
    pub(crate) fn register(symbol: &CStr, handler: H) -> Result<Pin<KBox<Self>>> {
        let symbol = CString::try_from_fmt(super::compat::fmt!("{}", symbol))?;
        let addr = entry_address(&symbol)?;
        let mut probe = KBox::new(
            Self {
                // All-zero (bindgen's `Default`) is the state
                // `register_kprobe()` expects of every field we do not set.
                kp: Opaque::new(bindings::kprobe::default()),
                registered: false,
                handler,
            },
            GFP_KERNEL,
        )?;
        let kp = probe.kp.get();
        // SAFETY: `kp` is ours and not registered yet.
        unsafe {
            (*kp).addr = addr as *mut bindings::kprobe_opcode_t;
            (*kp).pre_handler = Some(Self::pre_handler);
        }
        // SAFETY: `kp` is initialised as above and lives in a box that is
        // never moved out of: it is returned pinned, and dropping it
        // unregisters `kp` first.
        let ret = unsafe { bindings::register_kprobe(kp) };
        if ret < 0 {
            return Err(Error::from_errno(ret));
        }
        probe.registered = true;
        // INVARIANT: `kp` is now registered with `pre_handler`; pinned, the
        // box is never moved out of.
        Ok(probe.into())
    }

    /// The handler this probe calls.
    pub(crate) fn handler(&self) -> &H {
        &self.handler
    }

    /// How many times the kernel skipped this probe because another probe
    /// was running on the same CPU (the kprobe's `nmissed`).
    pub(crate) fn missed(&self) -> u64 {
        // SAFETY: `kp` is live; the kernel updates `nmissed` with plain
        // increments, so a racy read is a snapshot, never a torn pointer.
        unsafe { core::ptr::read_volatile(addr_of_mut!((*self.kp.get()).nmissed)) as u64 }
    }

    /// The kprobe's pre-handler: calls the `H` of the `Kprobe` around `kp`.
    unsafe extern "C" fn pre_handler(
        kp: *mut bindings::kprobe,
        regs: *mut bindings::pt_regs,
    ) -> ffi::c_int {
        // SAFETY: by the type invariant `kp` is the `kp` field of a live
        // `Kprobe<H>`: the kernel calls this only while it is registered.
        let this =
            unsafe { &*kernel::container_of!(kp.cast::<Opaque<bindings::kprobe>>(), Self, kp) };
        // SAFETY: kprobes pass the live registers of the probed context.
        let regs = unsafe { &*regs };
        this.handler.entered(&ProbeArgs { regs });
        // 0: let the probed instruction run normally.
        0
    }
}

impl<H: ProbeHandler> Drop for Kprobe<H> {
    fn drop(&mut self) {
        if !self.registered {
            return;
        }
        // SAFETY: `kp` is registered. Unregistering waits (an RCU grace
        // period) for handlers still running on other CPUs, so none runs
        // once this returns and `handler` can be dropped.
        unsafe { bindings::unregister_kprobe(self.kp.get()) };
    }
}

/// The flags of kernel/sched/sched.h that [`SchedHandler::entered`] is
/// given and lattop tests. That header is private to the scheduler, so
/// `src/layout.c` spells them out, next to the check that fails the build on
/// a kernel version they were not checked against (6.12 only).
pub(crate) mod sched_flags {
    use super::{as_u32, layout};

    /// `dequeue_task()`: the task blocks.
    pub(crate) const DEQUEUE_SLEEP: u32 = as_u32(layout::SCHED_DEQUEUE_SLEEP);
    /// `enqueue_task()`: the task wakes up.
    pub(crate) const ENQUEUE_WAKEUP: u32 = as_u32(layout::SCHED_ENQUEUE_WAKEUP);
    /// A new task's first enqueue (wake_up_new_task()).
    pub(crate) const ENQUEUE_INITIAL: u32 = as_u32(layout::SCHED_ENQUEUE_INITIAL);
    /// `enqueue_task()` of a task EEVDF's delayed dequeue left queued.
    pub(crate) const ENQUEUE_DELAYED: u32 = as_u32(layout::SCHED_ENQUEUE_DELAYED);
}

/// What runs when one of the scheduler's enqueue/dequeue functions is entered.
pub(crate) trait SchedHandler: Send + Sync + 'static {
    /// `task` is being enqueued or dequeued with `flags` (`ENQUEUE_*` or
    /// `DEQUEUE_*` of kernel/sched/sched.h: see [`sched_flags`]), under its
    /// runqueue's lock.
    fn entered(&self, task: &TaskView<'_>, flags: u32);
}

/// The scheduler functions whose signature is `(struct rq *rq, struct
/// task_struct *p, int flags)` in 6.12: the only ones a [`SchedProbe`] may
/// be put on, since its handler reads `p` from the second argument. The
/// `*_task_<class>` ones are the scheduling classes' `enqueue_task` and
/// `dequeue_task` methods (kernel/sched/{fair,rt,deadline,stop_task}.c).
const SCHED_FUNCTIONS: [&[u8]; 12] = [
    b"enqueue_task",
    b"dequeue_task",
    b"activate_task",
    b"deactivate_task",
    b"enqueue_task_fair",
    b"dequeue_task_fair",
    b"enqueue_task_rt",
    b"dequeue_task_rt",
    b"enqueue_task_dl",
    b"dequeue_task_dl",
    b"enqueue_task_stop",
    b"dequeue_task_stop",
];

/// Adapts a [`SchedHandler`] to a kprobe on one of [`SCHED_FUNCTIONS`].
///
/// # Invariants
///
/// Only [`SchedProbe::register`] builds one, on one of those functions.
pub(crate) struct SchedProbe<H: SchedHandler>(H);

impl<H: SchedHandler> SchedProbe<H> {
    /// Arms `handler` on the entry of `symbol`, which must be one of the
    /// scheduler functions above (`EINVAL` otherwise).
    pub(crate) fn register(symbol: &CStr, handler: H) -> Result<Pin<KBox<Kprobe<Self>>>> {
        if !SCHED_FUNCTIONS.contains(&super::compat::cstr_bytes(symbol)) {
            return Err(EINVAL);
        }
        // INVARIANT: `symbol` is one of SCHED_FUNCTIONS.
        Kprobe::register(symbol, SchedProbe(handler))
    }

    /// The handler it calls.
    pub(crate) fn handler(&self) -> &H {
        &self.0
    }
}

impl<H: SchedHandler> ProbeHandler for SchedProbe<H> {
    fn entered(&self, args: &ProbeArgs<'_>) {
        // SAFETY: the probed function is one of SCHED_FUNCTIONS (type
        // invariant), so its second argument is a task, which the scheduler
        // keeps alive, under its runqueue's lock, for the whole call.
        let task = unsafe { TaskView::from_raw(args.arg(1) as *const bindings::task_struct) };
        self.0.entered(&task, args.arg(2) as u32);
    }
}
