// SPDX-License-Identifier: GPL-2.0

//! What differs between the `kernel` crates lattop builds against (6.12's
//! and 7.3's), behind the cfgs Kbuild sets from the tree's shape: the rest
//! of lattop names these and does not know which kernel it has.

#[cfg(lattop_pin_init_crate)]
pub(crate) use kernel::prelude::{pin_init, PinInit};
/// pin-init: `kernel::init` in 6.12; its own crate, in the prelude, later.
#[cfg(not(lattop_pin_init_crate))]
pub(crate) use kernel::{init::PinInit, pin_init};

#[cfg(lattop_transmute)]
pub(crate) use kernel::transmute::{AsBytes, FromBytes};
/// The marker traits for plain-data types copied to and from user memory:
/// `kernel::types` in 6.12, `kernel::transmute` later.
#[cfg(not(lattop_transmute))]
pub(crate) use kernel::types::{AsBytes, FromBytes};

/// Red-black tree cursors that move, change and remove: `cursor_front` and
/// `cursor_back` in 6.12; their `_mut` variants later, where the plain ones
/// only read.
#[cfg(not(lattop_rbtree_cursor_mut))]
pub(crate) use kernel::rbtree::Cursor as CursorMut;
#[cfg(lattop_rbtree_cursor_mut)]
pub(crate) use kernel::rbtree::CursorMut;

/// The first and last entries of a tree, as a [`CursorMut`].
pub(crate) trait TreeCursors<K, V> {
    fn front_mut(&mut self) -> Option<CursorMut<'_, K, V>>;
    fn back_mut(&mut self) -> Option<CursorMut<'_, K, V>>;
}

impl<K, V> TreeCursors<K, V> for kernel::rbtree::RBTree<K, V> {
    #[cfg(not(lattop_rbtree_cursor_mut))]
    fn front_mut(&mut self) -> Option<CursorMut<'_, K, V>> {
        self.cursor_front()
    }
    #[cfg(not(lattop_rbtree_cursor_mut))]
    fn back_mut(&mut self) -> Option<CursorMut<'_, K, V>> {
        self.cursor_back()
    }
    #[cfg(lattop_rbtree_cursor_mut)]
    fn front_mut(&mut self) -> Option<CursorMut<'_, K, V>> {
        self.cursor_front_mut()
    }
    #[cfg(lattop_rbtree_cursor_mut)]
    fn back_mut(&mut self) -> Option<CursorMut<'_, K, V>> {
        self.cursor_back_mut()
    }
}

/// A static lock class as lattop's wrappers take it: `crate::sys::compat::lock_class(static_lock_class!())`
/// gives a `&'static LockClassKey` in 6.12, pinned later.
#[cfg(not(lattop_pin_init_crate))]
pub(crate) fn lock_class(
    key: &'static kernel::sync::LockClassKey,
) -> &'static kernel::sync::LockClassKey {
    key
}
#[cfg(lattop_pin_init_crate)]
pub(crate) fn lock_class(
    key: core::pin::Pin<&'static kernel::sync::LockClassKey>,
) -> &'static kernel::sync::LockClassKey {
    key.get_ref()
}

/// A C string's bytes, without its NUL: `as_bytes` of 6.12's `CStr`,
/// `to_bytes` of core's.
pub(crate) fn cstr_bytes(s: &kernel::str::CStr) -> &[u8] {
    #[cfg(not(lattop_core_cstr))]
    return s.as_bytes();
    #[cfg(lattop_core_cstr)]
    return s.to_bytes();
}

/// A C string as text (the UAPI header's names, ASCII), for formatting:
/// 6.12's `CStr` displays itself, core's does not.
pub(crate) fn cstr_text(s: &kernel::str::CStr) -> &str {
    s.to_str().unwrap_or("?")
}

/// A C string's pointer, in a `const fn`: `as_char_ptr` of 6.12's `CStr`,
/// `as_ptr` of core's (`CStrExt::as_char_ptr` is not const).
pub(crate) const fn cstr_ptr(s: &kernel::str::CStr) -> *const kernel::ffi::c_char {
    #[cfg(not(lattop_core_cstr))]
    return s.as_char_ptr();
    #[cfg(lattop_core_cstr)]
    return s.as_ptr().cast();
}

/// `fmt!`, formatting arguments for `CString::try_from_fmt`: a
/// `macro_rules!` at the crate root in 6.12, a procedural macro in the
/// prelude later.
#[cfg(not(lattop_core_cstr))]
pub(crate) use kernel::fmt;
#[cfg(lattop_core_cstr)]
pub(crate) use kernel::prelude::fmt;

/// The methods 6.12's `CStr` has itself and core's gets from this trait.
#[cfg(lattop_core_cstr)]
pub(crate) use kernel::str::CStrExt;

/// A user-space address as `UserSlice` takes it.
pub(crate) fn user_ptr(addr: usize) -> kernel::uaccess::UserPtr {
    #[cfg(not(lattop_user_ptr_struct))]
    return addr;
    #[cfg(lattop_user_ptr_struct)]
    return kernel::uaccess::UserPtr::from_addr(addr);
}

/// Grows `v`'s length by `n`.
///
/// # Safety
///
/// The `n` elements past the length are within the capacity and
/// initialised.
pub(crate) unsafe fn grow_len<T, A: kernel::alloc::Allocator>(
    v: &mut kernel::alloc::Vec<T, A>,
    n: usize,
) {
    #[cfg(not(lattop_kvec_inc_len))]
    // SAFETY: the caller's contract.
    unsafe {
        v.set_len(v.len() + n)
    };
    #[cfg(lattop_kvec_inc_len)]
    // SAFETY: the caller's contract.
    unsafe {
        v.inc_len(n)
    };
}

/// `task_struct`'s `on_rq`, as GCC lays it out: an `int` in 6.12, a `u8`
/// in 7.x.
#[cfg(not(lattop_on_rq_u8))]
pub(crate) type OnRq = i32;
#[cfg(lattop_on_rq_u8)]
pub(crate) type OnRq = u8;
