/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bindgen's input for the module-local bindings: the kernel APIs the 6.12
 * `kernel` crate does not bind, and lattop's UAPI header. Kbuild runs bindgen
 * over this file with the kernel's own flags, generating only what the headers
 * in its lattop_bindgen_headers declare; every other type resolves to
 * `kernel::bindings`, so both crates agree on `struct file`, `struct inode`...
 *
 * Static inlines and macros bindgen cannot bind are forwarded by
 * src/helpers.c, one line each, declared at the end of this file.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "uapi/linux/lattop.h"

/* Forwarded by src/helpers.c; Rust calls each without the prefix. */
void *lattop_helper_pde_data(const struct inode *inode);
