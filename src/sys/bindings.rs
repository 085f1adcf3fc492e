// SPDX-License-Identifier: GPL-2.0

//! Module-local bindings, generated at build time by bindgen from
//! `include/lattop_bindings.h` (see Kbuild). Only the declarations of the
//! headers Kbuild lists are generated here; every other type is re-exported
//! from `kernel::bindings`, so the two crates share one `struct file`.

#![allow(
    dead_code,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    improper_ctypes,
    unsafe_op_in_unsafe_fn,
    unreachable_pub,
    clippy::all
)]

include!("bindings_generated.rs");
