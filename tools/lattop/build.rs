// SPDX-License-Identifier: GPL-2.0

//! Generates the ABI types from the one UAPI header the kernel module is also
//! built from, so the CLI and the module cannot disagree on a field.
//!
//! Besides the bindings (lattop_uapi.rs), it writes lattop_names.rs: the
//! names the CLI prints and parses for the values of the header's named
//! enums. A resource's is its notifier file's, which the header spells as a
//! macro (LATTOP_RESOURCE_MEMORY_USAGE is named LATTOP_RESOURCE_NAME_MEMORY_USAGE,
//! "memory_usage") for the module and the CLI alike; an event kind's is the
//! constant's name lowercased past its prefix. A resource added to the
//! header needs no change here.

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

/// The enums that get a name table: (enum, its constants' prefix, table,
/// the prefix of the string macros that name its constants, if the header
/// has them).
const NAMED_ENUMS: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "lattop_resource",
        "LATTOP_RESOURCE_",
        "RESOURCE_NAMES",
        Some("LATTOP_RESOURCE_NAME_"),
    ),
    (
        "lattop_event_kind",
        "LATTOP_EVENT_",
        "EVENT_KIND_NAMES",
        None,
    ),
];

/// What bindgen sees of the header that the name tables need.
#[derive(Debug, Default)]
struct Seen {
    /// Each enum constant: (enum, constant), in header order.
    constants: Vec<(String, String)>,
    /// Each string macro: (macro, value).
    strings: Vec<(String, String)>,
}

/// Records what bindgen sees into a [`Seen`].
#[derive(Debug)]
struct EnumConstants(Arc<Mutex<Seen>>);

impl ParseCallbacks for EnumConstants {
    fn str_macro(&self, name: &str, value: &[u8]) {
        let value = String::from_utf8(value.to_vec())
            .unwrap_or_else(|_| panic!("the header's {name} is not UTF-8"));
        self.0
            .lock()
            .unwrap()
            .strings
            .push((name.to_string(), value));
    }

    fn enum_variant_name(
        &self,
        enum_name: Option<&str>,
        variant: &str,
        _value: EnumVariantValue,
    ) -> Option<String> {
        if let Some(enum_name) = enum_name {
            let enum_name = enum_name.trim_start_matches("enum ").to_string();
            let entry = (enum_name, variant.to_string());
            let constants = &mut self.0.lock().unwrap().constants;
            if !constants.contains(&entry) {
                constants.push(entry);
            }
        }
        None
    }
}

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let header = manifest_dir.join("../../include/uapi/linux/lattop.h");
    println!("cargo:rerun-if-changed={}", header.display());

    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut builder = bindgen::Builder::default()
        .header(header.to_string_lossy())
        .allowlist_type("lattop_.*")
        .allowlist_var("LATTOP_.*")
        .parse_callbacks(Box::new(EnumConstants(Arc::clone(&seen))));
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

    let names = name_tables(&seen.lock().unwrap());
    let out = out_dir.join("lattop_names.rs");
    std::fs::write(&out, names)
        .unwrap_or_else(|err| panic!("cannot write {}: {err}", out.display()));
}

/// The source of one `pub const TABLE: &[(&str, enum)]` per NAMED_ENUMS entry.
fn name_tables(seen: &Seen) -> String {
    let mut source = String::new();
    for (enum_name, prefix, table, names_prefix) in NAMED_ENUMS {
        match names_prefix {
            Some(names_prefix) => writeln!(
                source,
                "/// Each `enum {enum_name}` constant and its name: the header's \
                 {names_prefix}* macro."
            ),
            None => writeln!(
                source,
                "/// Each `enum {enum_name}` constant and its name: the constant's, \
                 lowercased, without {prefix}."
            ),
        }
        .unwrap();
        writeln!(source, "pub const {table}: &[(&str, {enum_name})] = &[").unwrap();
        let mut count = 0;
        for (_, constant) in seen.constants.iter().filter(|(e, _)| e == enum_name) {
            let suffix = constant
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("{constant} of enum {enum_name} lacks {prefix}"));
            let name = match names_prefix {
                Some(names_prefix) => {
                    let wanted = format!("{names_prefix}{suffix}");
                    let (_, value) = seen
                        .strings
                        .iter()
                        .find(|(macro_name, _)| *macro_name == wanted)
                        .unwrap_or_else(|| panic!("the header names {constant} with no {wanted}"));
                    value.trim_end_matches('\0').to_string()
                }
                None => suffix.to_ascii_lowercase(),
            };
            writeln!(source, "    ({name:?}, {constant}),").unwrap();
            count += 1;
        }
        assert!(count > 0, "no constants of enum {enum_name} in the header");
        writeln!(source, "];").unwrap();
    }
    source
}
