// SPDX-License-Identifier: GPL-2.0
/*
 * Forwards the static inlines and macros bindgen cannot bind, one line each,
 * as the kernel's rust/helpers/ do. Declared in include/lattop_bindings.h;
 * the generated bindings name each one without its lattop_helper_ prefix.
 * Nothing else belongs here: lattop's logic is in Rust.
 */
#include "lattop_bindings.h"

void *lattop_helper_pde_data(const struct inode *inode) { return pde_data(inode); }
