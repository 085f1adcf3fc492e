// SPDX-License-Identifier: GPL-2.0

//! Module parameters, C's `module_param()`, which the 6.12 `module!` macro
//! cannot declare: a `struct kernel_param` in the `__param` section, where
//! the module loader looks for them, and the `parm`/`parmtype` lines that
//! `modinfo` shows.

#[cfg(lattop_core_cstr)]
use super::compat::CStrExt;
use super::{
    bindings,
    layout::{assert_offset, assert_size},
};
use core::cell::UnsafeCell;
use kernel::{ffi, str::CStr, types::Opaque};

/// The value of a `uint` module parameter: set by `insmod lattop.ko name=N`,
/// read-only afterwards (mode 0444 in /sys/module/lattop/parameters/).
///
/// # Invariants
///
/// Only the module loader writes the value, while it parses the insmod
/// arguments, before the module's `init` runs; nothing writes it afterwards
/// because its sysfs file has no write permission.
#[repr(transparent)]
pub(crate) struct ParamU32(UnsafeCell<u32>);

// SAFETY: by the type invariant, every write happens before `init`, that is
// before any code of the module can read the value.
unsafe impl Sync for ParamU32 {}

impl ParamU32 {
    /// A parameter whose value is `default` unless insmod sets it.
    pub(crate) const fn new(default: u32) -> Self {
        Self(UnsafeCell::new(default))
    }

    /// The value the module was loaded with.
    pub(crate) fn get(&self) -> u32 {
        // SAFETY: by the type invariant no write can run concurrently with
        // module code, so this read races with nothing.
        unsafe { *self.0.get() }
    }
}

/// The value of a `charp` (string) module parameter: set by
/// `insmod lattop.ko name=text`, read-only afterwards.
///
/// # Invariants
///
/// As for [`ParamU32`]: only the module loader writes it, before `init`.
/// It always points to a NUL-terminated string: the default (a static) or
/// the loader's copy of the argument, freed only after the module's exit.
#[repr(transparent)]
pub(crate) struct ParamStr(UnsafeCell<*const ffi::c_char>);

// SAFETY: by the type invariant, every write happens before `init`.
unsafe impl Sync for ParamStr {}

impl ParamStr {
    /// A parameter whose value is `default` unless insmod sets it.
    pub(crate) const fn new(default: &'static CStr) -> Self {
        Self(UnsafeCell::new(super::compat::cstr_ptr(default)))
    }

    /// The value the module was loaded with.
    pub(crate) fn get(&self) -> &CStr {
        // SAFETY: by the type invariant no write races with this read, and
        // the pointer is to a NUL-terminated string that outlives the module
        // code reading it.
        unsafe { CStr::from_char_ptr(*self.0.get()) }
    }
}

/// A `struct kernel_param` that may live in a `static` in `__param`.
///
/// # Invariants
///
/// Its pointers refer to statics: the parameter's name and value (a
/// [`ParamU32`] or [`ParamStr`]) and the kernel's exported ops for its type.
#[repr(transparent)]
pub(crate) struct KernelParam(bindings::kernel_param);

// Built below, one array element of `__param` that the loader walks.
assert_size!(
    bindings::kernel_param,
    KERNEL_PARAM_SIZE,
    KERNEL_PARAM_ALIGN
);
assert_offset!(bindings::kernel_param, name, KERNEL_PARAM_NAME);
assert_offset!(bindings::kernel_param, mod_, KERNEL_PARAM_MOD);
assert_offset!(bindings::kernel_param, ops, KERNEL_PARAM_OPS);
assert_offset!(bindings::kernel_param, perm, KERNEL_PARAM_PERM);
assert_offset!(bindings::kernel_param, level, KERNEL_PARAM_LEVEL);
assert_offset!(bindings::kernel_param, flags, KERNEL_PARAM_FLAGS);
// `arg`, the union's member at its offset 0.
assert_offset!(bindings::kernel_param, __bindgen_anon_1, KERNEL_PARAM_ARG);

// SAFETY: the module never reads or writes it after it is built at compile
// time; only the module loader and sysfs read it, and by the type invariant it
// points only to data that is valid from any thread.
unsafe impl Sync for KernelParam {}

// Without lockdep, `struct module` holds an empty struct, which rustc calls
// not FFI-safe; only this static's address is ever taken.
#[allow(improper_ctypes)]
extern "C" {
    /// This module's `struct module`, defined by modpost for every module.
    static __this_module: Opaque<bindings::module>;
}

/// The sysfs mode of every parameter: readable by all, written by nobody.
const READ_ONLY: u16 = 0o444;

impl KernelParam {
    /// Describes the `uint` parameter `name` whose value is `value`.
    pub(crate) const fn uint(name: &'static CStr, value: &'static ParamU32) -> Self {
        Self::new(
            name,
            value.0.get().cast(),
            &raw const bindings::param_ops_uint,
        )
    }

    /// Describes the `charp` parameter `name` whose value is `value`.
    pub(crate) const fn charp(name: &'static CStr, value: &'static ParamStr) -> Self {
        Self::new(
            name,
            value.0.get().cast(),
            &raw const bindings::param_ops_charp,
        )
    }

    const fn new(
        name: &'static CStr,
        arg: *mut ffi::c_void,
        ops: *const bindings::kernel_param_ops,
    ) -> Self {
        Self(bindings::kernel_param {
            name: super::compat::cstr_ptr(name),
            // Only the address of the extern static is taken.
            mod_: (&raw const __this_module)
                .cast::<bindings::module>()
                .cast_mut(),
            ops,
            perm: READ_ONLY,
            // -1 and 0: what C's module_param() sets.
            level: -1,
            flags: 0,
            __bindgen_anon_1: bindings::kernel_param__bindgen_ty_1 { arg },
        })
    }
}

/// `s` as the byte array of a `.modinfo` line; `N` must be `s.len()`.
pub(crate) const fn modinfo_line<const N: usize>(s: &str) -> [u8; N] {
    let bytes = s.as_bytes();
    let mut line = [0u8; N];
    let mut i = 0;
    while i < N {
        line[i] = bytes[i];
        i += 1;
    }
    line
}

/// The `__param` entry and the `.modinfo` lines of the parameter `$name`,
/// whose value is the static `$static`, built by `KernelParam::$ctor`, of
/// the kernel type `$type`. The two macros below declare parameters with it.
macro_rules! module_param_entry {
    ($static:ident, $name:literal, $desc:literal, $ctor:ident, $type:literal) => {
        // A `link_section` static counts as unsafe code; this one is what
        // `module_param()` declares in C, checked by `KernelParam`'s types.
        #[allow(unsafe_code)]
        const _: () = {
            use $crate::sys::module_param::{modinfo_line, KernelParam};

            #[link_section = "__param"]
            #[used(compiler)]
            static PARAM: KernelParam = KernelParam::$ctor(kernel::c_str!($name), &$static);

            const PARM: &str = concat!("parm=", $name, ":", $desc, "\0");
            #[link_section = ".modinfo"]
            #[used(compiler)]
            static PARM_LINE: [u8; PARM.len()] = modinfo_line::<{ PARM.len() }>(PARM);

            const PARMTYPE: &str = concat!("parmtype=", $name, ":", $type, "\0");
            #[link_section = ".modinfo"]
            #[used(compiler)]
            static PARMTYPE_LINE: [u8; PARMTYPE.len()] =
                modinfo_line::<{ PARMTYPE.len() }>(PARMTYPE);
        };
    };
}
pub(crate) use module_param_entry;

/// Declares a `uint` module parameter: a `static` of type [`ParamU32`]
/// named `$static`, which insmod sets as `$name=N`, described by `$desc`
/// in `modinfo lattop.ko`.
macro_rules! module_param_uint {
    ($(#[$attr:meta])* $static:ident: $name:literal = $default:expr, $desc:literal) => {
        $(#[$attr])*
        pub(crate) static $static: $crate::sys::module_param::ParamU32 =
            $crate::sys::module_param::ParamU32::new($default);
        $crate::sys::module_param::module_param_entry!($static, $name, $desc, uint, "uint");
    };
}
pub(crate) use module_param_uint;

/// Declares a `charp` module parameter: a `static` of type [`ParamStr`]
/// named `$static`, which insmod sets as `$name=text`.
macro_rules! module_param_str {
    ($(#[$attr:meta])* $static:ident: $name:literal = $default:literal, $desc:literal) => {
        $(#[$attr])*
        pub(crate) static $static: $crate::sys::module_param::ParamStr =
            $crate::sys::module_param::ParamStr::new(kernel::c_str!($default));
        $crate::sys::module_param::module_param_entry!($static, $name, $desc, charp, "charp");
    };
}
pub(crate) use module_param_str;
