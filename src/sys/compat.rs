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
