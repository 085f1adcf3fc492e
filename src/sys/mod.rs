// SPDX-License-Identifier: GPL-2.0

//! Thin, safe wrappers over the kernel APIs the 6.12 `kernel` crate lacks.
//!
//! Every `unsafe` block of lattop lives below this module, one file per kernel
//! API; the feature code above it is safe Rust.

mod bindings;
pub(crate) mod module_param;
pub(crate) mod process;
pub(crate) mod procfs;
pub(crate) mod uapi;
pub(crate) mod deferred;
pub(crate) mod irq_spinlock;
pub(crate) mod kprobe;
pub(crate) mod stack;
pub(crate) mod task;
pub(crate) mod task_info;
