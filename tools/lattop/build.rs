// SPDX-License-Identifier: GPL-2.0

//! Generates the ABI types from the one UAPI header the kernel module is also
//! built from, so the CLI and the module cannot disagree on a field.

use std::env;
use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let header = manifest_dir.join("../../include/uapi/linux/lattop.h");
    println!("cargo:rerun-if-changed={}", header.display());

    let bindings = bindgen::Builder::default()
        .header(header.to_string_lossy())
        .allowlist_type("lattop_.*")
        .allowlist_var("LATTOP_.*")
        // Plain constants (LATTOP_TAG_PROCESS...) rather than a Rust enum: a
        // tag read from the kernel may be one this build does not know.
        .constified_enum("lattop_record_tag")
        .prepend_enum_name(false)
        .derive_default(true)
        .layout_tests(true)
        .use_core()
        .generate()
        .unwrap_or_else(|err| panic!("bindgen failed on {}: {err}", header.display()));

    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("lattop_uapi.rs");
    bindings
        .write_to_file(&out)
        .unwrap_or_else(|err| panic!("cannot write {}: {err}", out.display()));
}
