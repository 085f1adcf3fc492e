// SPDX-License-Identifier: GPL-2.0

//! Which CPU the caller runs on, and values kept one per CPU so that the
//! probes on different CPUs never write the same cache line.

use super::bindings;
use kernel::prelude::*;

/// How many CPU numbers there can be (`nr_cpu_ids`): CPU ids are below it.
pub(crate) fn possible_cpus() -> usize {
    // SAFETY: reads a variable set once at boot.
    unsafe { bindings::nr_cpu_ids() as usize }
}

/// The CPU the caller runs on (`raw_smp_processor_id()`). Stable while
/// preemption is off, as in the probes; elsewhere the caller may have moved
/// by the time it uses the number, which is harmless only for readers.
pub(crate) fn this_cpu() -> usize {
    // SAFETY: no precondition; the raw variant does not warn when
    // preemption is on.
    unsafe { bindings::this_cpu() as usize }
}

/// A `T` aligned to a cache line (64 bytes on x86-64), so that two CPUs'
/// values never share one.
#[repr(align(64))]
struct CacheAligned<T>(T);

/// One `T` for each possible CPU.
///
/// The probes write their own CPU's value with interrupts off, so one
/// writer at a time per value, and readers anywhere sum or drain them:
/// `T`'s fields are atomics, which keeps that sound without a lock.
pub(crate) struct PerCpu<T> {
    values: KVVec<CacheAligned<T>>,
}

impl<T> PerCpu<T> {
    /// A value for each possible CPU, made by `make`.
    pub(crate) fn new(make: impl Fn() -> Result<T>) -> Result<Self> {
        let cpus = possible_cpus().max(1);
        let mut values = KVVec::with_capacity(cpus, GFP_KERNEL)?;
        for _ in 0..cpus {
            values.push(CacheAligned(make()?), GFP_KERNEL)?;
        }
        Ok(Self { values })
    }

    /// The value of the CPU the caller runs on (`None` only if the CPU id
    /// were at or past `nr_cpu_ids`, which it never is: no panic path in a
    /// probe).
    pub(crate) fn local(&self) -> Option<&T> {
        self.values.get(this_cpu()).map(|value| &value.0)
    }

    /// The value of CPU `cpu` (`None` past `nr_cpu_ids`).
    #[inline]
    pub(crate) fn get(&self, cpu: usize) -> Option<&T> {
        self.values.get(cpu).map(|value| &value.0)
    }

    /// Every CPU's value.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.values.iter().map(|value| &value.0)
    }
}
