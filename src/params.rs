// SPDX-License-Identifier: GPL-2.0

//! lattop's module parameters: `insmod lattop.ko max_rows=20`; the values are
//! in /sys/module/lattop/parameters/ and `modinfo lattop.ko` describes them.

use crate::sys::module_param::module_param_uint;

module_param_uint!(
    /// Rows /proc/lattop lists at most.
    MAX_ROWS: "max_rows" = 1000,
    "rows /proc/lattop lists at most (default 1000)"
);
