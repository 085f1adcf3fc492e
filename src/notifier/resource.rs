// SPDX-License-Identifier: GPL-2.0

//! The resources a threshold can watch: one notifier file each.

use crate::sys::uapi::resource as uapi;
use kernel::str::CStr;

/// A watched resource (include/uapi/linux/lattop.h's enum lattop_resource).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    MemoryUsage,
    ShmUsage,
    FdCount,
    ThreadCount,
    CpuUsage,
    SleepLatency,
    BlockedTime,
    ProcessCount,
}

/// Every resource, in the order of their UAPI numbers.
pub(crate) const ALL: [Resource; 8] = [
    Resource::MemoryUsage,
    Resource::ShmUsage,
    Resource::FdCount,
    Resource::ThreadCount,
    Resource::CpuUsage,
    Resource::SleepLatency,
    Resource::BlockedTime,
    Resource::ProcessCount,
];

/// How a resource's value is obtained.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// Read from the processes by the periodic evaluator.
    Sampled,
    /// Each sleep, when it ends (the switch hook; with kprobes, the wake-up).
    Sleeps,
    /// At each process start and exit (the /proc/allpids reconcile).
    ProcessEvents,
}

impl Resource {
    /// Its file name under a notifier directory.
    pub(crate) fn file_name(self) -> &'static CStr {
        match self {
            Resource::MemoryUsage => uapi::NAME_MEMORY_USAGE,
            Resource::ShmUsage => uapi::NAME_SHM_USAGE,
            Resource::FdCount => uapi::NAME_FD_COUNT,
            Resource::ThreadCount => uapi::NAME_THREAD_COUNT,
            Resource::CpuUsage => uapi::NAME_CPU_USAGE,
            Resource::SleepLatency => uapi::NAME_SLEEP_LATENCY,
            Resource::BlockedTime => uapi::NAME_BLOCKED_TIME,
            Resource::ProcessCount => uapi::NAME_PROCESS_COUNT,
        }
    }

    /// Its number in events.
    pub(crate) fn uapi(self) -> u32 {
        match self {
            Resource::MemoryUsage => uapi::MEMORY_USAGE,
            Resource::ShmUsage => uapi::SHM_USAGE,
            Resource::FdCount => uapi::FD_COUNT,
            Resource::ThreadCount => uapi::THREAD_COUNT,
            Resource::CpuUsage => uapi::CPU_USAGE,
            Resource::SleepLatency => uapi::SLEEP_LATENCY,
            Resource::BlockedTime => uapi::BLOCKED_TIME,
            Resource::ProcessCount => uapi::PROCESS_COUNT,
        }
    }

    /// Where its values come from.
    pub(crate) fn source(self) -> Source {
        match self {
            Resource::SleepLatency => Source::Sleeps,
            Resource::ProcessCount => Source::ProcessEvents,
            _ => Source::Sampled,
        }
    }

    /// A bit of its own, for sets of resources.
    pub(crate) fn bit(self) -> u32 {
        1 << self.uapi()
    }
}
