// SPDX-License-Identifier: GPL-2.0

//! Generates the ABI types from the one UAPI header the kernel module is also
//! built from, so the CLI and the module cannot disagree on a field.
//!
//! Besides the bindings (lattop_uapi.rs), it writes lattop_names.rs: the
//! names the CLI prints and parses for the values of the header's named
//! enums, each the constant's name lowercased past its prefix
//! (LATTOP_RESOURCE_MEMORY_USAGE is "memory_usage", the notifier file's
//! name), so a resource added to the header needs no change here.

use std::env;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bindgen::callbacks::{EnumVariantValue, ParseCallbacks};

/// Enums read from the kernel: plain constants rather than Rust enums, since
/// a value read may be one this build does not know.
const CONSTIFIED_ENUMS: &[&str] = &[
    "lattop_record_tag",
    "lattop_resource",
    "lattop_delivery",
    "lattop_event_kind",
];

/// The enums that get a name table: (enum, its constants' prefix, table).
const NAMED_ENUMS: &[(&str, &str, &str)] = &[
    ("lattop_resource", "LATTOP_RESOURCE_", "RESOURCE_NAMES"),
    ("lattop_event_kind", "LATTOP_EVENT_", "EVENT_KIND_NAMES"),
];

/// Records each enum constant bindgen sees: (enum, constant), in header order.
#[derive(Debug)]
struct EnumConstants(Arc<Mutex<Vec<(String, String)>>>);

impl ParseCallbacks for EnumConstants {
    fn enum_variant_name(
        &self,
        enum_name: Option<&str>,
        variant: &str,
        _value: EnumVariantValue,
    ) -> Option<String> {
        if let Some(enum_name) = enum_name {
            let enum_name = enum_name.trim_start_matches("enum ").to_string();
            let entry = (enum_name, variant.to_string());
            let mut seen = self.0.lock().unwrap();
            if !seen.contains(&entry) {
                seen.push(entry);
            }
        }
        None
    }
}

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let header = manifest_dir.join("../../include/uapi/linux/lattop.h");
    println!("cargo:rerun-if-changed={}", header.display());

    let constants = Arc::new(Mutex::new(Vec::new()));
    let mut builder = bindgen::Builder::default()
        .header(header.to_string_lossy())
        .allowlist_type("lattop_.*")
        .allowlist_var("LATTOP_.*")
        .parse_callbacks(Box::new(EnumConstants(Arc::clone(&constants))));
    for name in CONSTIFIED_ENUMS {
        builder = builder.constified_enum(name);
    }
    let bindings = builder
        .prepend_enum_name(false)
        .derive_default(true)
        .layout_tests(true)
        .use_core()
        .generate()
        .unwrap_or_else(|err| panic!("bindgen failed on {}: {err}", header.display()));

    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let out = out_dir.join("lattop_uapi.rs");
    bindings
        .write_to_file(&out)
        .unwrap_or_else(|err| panic!("cannot write {}: {err}", out.display()));

    let names = name_tables(&constants.lock().unwrap());
    let out = out_dir.join("lattop_names.rs");
    std::fs::write(&out, names)
        .unwrap_or_else(|err| panic!("cannot write {}: {err}", out.display()));
}

/// The source of one `pub const TABLE: &[(&str, enum)]` per NAMED_ENUMS entry.
fn name_tables(constants: &[(String, String)]) -> String {
    let mut source = String::new();
    for (enum_name, prefix, table) in NAMED_ENUMS {
        writeln!(
            source,
            "/// Each `enum {enum_name}` constant and its name: the constant's, \
             lowercased, without {prefix}."
        )
        .unwrap();
        writeln!(source, "pub const {table}: &[(&str, {enum_name})] = &[").unwrap();
        let mut count = 0;
        for (_, constant) in constants.iter().filter(|(e, _)| e == enum_name) {
            let name = constant
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("{constant} of enum {enum_name} lacks {prefix}"))
                .to_ascii_lowercase();
            writeln!(source, "    ({name:?}, {constant}),").unwrap();
            count += 1;
        }
        assert!(count > 0, "no constants of enum {enum_name} in the header");
        writeln!(source, "];").unwrap();
    }
    source
}
