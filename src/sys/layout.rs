// SPDX-License-Identifier: GPL-2.0

//! GCC's layout of the C structs Rust touches, and the constants no kernel
//! header gives a module, generated at build time from `src/layout.c` (see
//! Kbuild).
//!
//! bindgen lays structs out with clang, which need not agree with GCC, the
//! compiler of the kernel and of every C caller: Rust's view of a struct is
//! only as good as that agreement. So each file of `sys` that reads or
//! writes a field of a bindgen struct, or allocates one, asserts at compile
//! time, with [`assert_offset!`] and [`assert_size!`], that bindgen's offset
//! of that field, and size and alignment of that struct, are GCC's. The
//! fields of `task_struct`, whose layouts do disagree, are read at GCC's
//! offsets alone (`sys/task.rs` checks their sizes), or by the C helpers.

include!("layout_generated.rs");

/// Fails the build unless bindgen's offset of `$field` in `$ty` is GCC's,
/// the constant `$offset` of this module.
macro_rules! assert_offset {
    ($ty:ty, $field:ident, $offset:ident) => {
        const _: () = assert!(
            core::mem::offset_of!($ty, $field) == $crate::sys::layout::$offset,
            concat!(
                "bindgen and GCC lay out ",
                stringify!($ty),
                "::",
                stringify!($field),
                " differently"
            )
        );
    };
}
pub(crate) use assert_offset;

/// Fails the build unless bindgen's size and alignment of `$ty` are GCC's,
/// the constants `$size` and `$align` of this module.
macro_rules! assert_size {
    ($ty:ty, $size:ident, $align:ident) => {
        const _: () = assert!(
            core::mem::size_of::<$ty>() == $crate::sys::layout::$size
                && core::mem::align_of::<$ty>() == $crate::sys::layout::$align,
            concat!("bindgen and GCC disagree on the size of ", stringify!($ty))
        );
    };
}
pub(crate) use assert_size;

/// A constant of `src/layout.c` that is a C `unsigned int`, checked to fit.
pub(crate) const fn as_u32(value: usize) -> u32 {
    assert!(value <= u32::MAX as usize);
    value as u32
}
