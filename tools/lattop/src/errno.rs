// SPDX-License-Identifier: GPL-2.0

//! errno values by name (EINVAL...), for messages that a test or a user can
//! match on whatever the C library's wording of strerror.

use std::io;

use crate::procfs::os_message;

/// (name, value) pairs from the libc crate's constants. Aliases with the
/// same value as an earlier name (EWOULDBLOCK, ENOTSUP, EDEADLOCK) are left
/// out: the first name of a value is the one printed.
macro_rules! errno_table {
    ($($name:ident),* $(,)?) => {
        &[$((stringify!($name), libc::$name)),*]
    };
}

const ERRNO_NAMES: &[(&str, i32)] = errno_table![
    EPERM,
    ENOENT,
    ESRCH,
    EINTR,
    EIO,
    ENXIO,
    E2BIG,
    ENOEXEC,
    EBADF,
    ECHILD,
    EAGAIN,
    ENOMEM,
    EACCES,
    EFAULT,
    ENOTBLK,
    EBUSY,
    EEXIST,
    EXDEV,
    ENODEV,
    ENOTDIR,
    EISDIR,
    EINVAL,
    ENFILE,
    EMFILE,
    ENOTTY,
    ETXTBSY,
    EFBIG,
    ENOSPC,
    ESPIPE,
    EROFS,
    EMLINK,
    EPIPE,
    EDOM,
    ERANGE,
    EDEADLK,
    ENAMETOOLONG,
    ENOLCK,
    ENOSYS,
    ENOTEMPTY,
    ELOOP,
    ENOMSG,
    EIDRM,
    ENODATA,
    ETIME,
    EPROTO,
    EBADMSG,
    EOVERFLOW,
    EILSEQ,
    EUSERS,
    EMSGSIZE,
    EOPNOTSUPP,
    EADDRINUSE,
    ENOBUFS,
    ETIMEDOUT,
    ECONNREFUSED,
    EALREADY,
    EINPROGRESS,
    ESTALE,
    EDQUOT,
    ECANCELED,
    EOWNERDEAD,
    ENOTRECOVERABLE,
    ERFKILL,
    EHWPOISON,
];

/// The symbolic name of errno value `errno`, when this table knows it.
pub fn name(errno: i32) -> Option<&'static str> {
    ERRNO_NAMES
        .iter()
        .find(|&&(_, value)| value == errno)
        .map(|&(name, _)| name)
}

/// An OS error as "<strerror> (<NAME>)", e.g. "Invalid argument (EINVAL)";
/// "errno N" stands in for a name this table lacks. An error that carries
/// no errno is its own description.
pub fn describe(error: &io::Error) -> String {
    match error.raw_os_error() {
        Some(errno) => match name(errno) {
            Some(name) => format!("{} ({name})", os_message(error)),
            None => format!("{} (errno {errno})", os_message(error)),
        },
        None => error.to_string(),
    }
}
