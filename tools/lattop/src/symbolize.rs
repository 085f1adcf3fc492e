// SPDX-License-Identifier: GPL-2.0

//! Names user frames: the module gives each one's file and offset in that
//! file, which blazesym turns into a function (ELF symbols, DWARF when the
//! binary has it), whether or not the process still exists. A frame it
//! cannot name stays `binary+0xoffset`; one the module could not place in a
//! file stays its address.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use blazesym::symbolize::{source::Elf, source::Source, Input, Symbolized, Symbolizer};

use crate::traces::{Traces, UserFrame};

/// A user frame's names: the function alone (for flame graphs, which merge
/// by function) and with its offset and binary (for reports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameName {
    /// `function`, or `binary+0xoffset` when the function is not known.
    pub function: String,
    /// `function+0xoff (binary)`, or `binary+0xoffset`.
    pub full: String,
}

/// The names of every user frame of a read, looked up once per file.
#[derive(Debug, Default)]
pub struct UserNames {
    by_file_offset: HashMap<(u16, u64), FrameName>,
}

impl UserNames {
    /// Looks up every user frame of `traces`.
    pub fn resolve(traces: &Traces) -> Self {
        let frames = traces
            .tasks
            .iter()
            .flat_map(|t| &t.traces)
            .flat_map(|t| &t.user);
        Self::of_frames(&traces.files, frames)
    }

    /// Looks up `frames`, whose files are numbered in `files`.
    pub fn of_frames<'a>(
        files: &BTreeMap<u16, PathBuf>,
        frames: impl Iterator<Item = &'a UserFrame>,
    ) -> Self {
        let mut wanted: HashMap<u16, BTreeSet<u64>> = HashMap::new();
        for (number, offset) in frames.filter_map(|f| f.file) {
            wanted.entry(number).or_default().insert(offset);
        }
        let symbolizer = Symbolizer::new();
        let mut names = UserNames::default();
        for (number, offsets) in wanted {
            let path = files.get(&number);
            let offsets: Vec<u64> = offsets.into_iter().collect();
            let found = path.map(|p| lookup(&symbolizer, p, &offsets));
            let binary = path.map_or_else(|| format!("file{number}"), |p| binary_name(p));
            for (i, &offset) in offsets.iter().enumerate() {
                let function = found.as_ref().and_then(|f| f.get(i).cloned().flatten());
                names
                    .by_file_offset
                    .insert((number, offset), name(&binary, offset, function));
            }
        }
        names
    }

    /// The name of `frame`: see [`FrameName`]; a frame in no known file is
    /// `[unknown] 0xADDR` in both.
    pub fn name(&self, frame: &UserFrame) -> FrameName {
        frame
            .file
            .and_then(|key| self.by_file_offset.get(&key).cloned())
            .unwrap_or_else(|| {
                let text = format!("[unknown] {:#x}", frame.addr);
                FrameName {
                    function: text.clone(),
                    full: text,
                }
            })
    }
}

/// The function (name, offset in it) at each of `offsets` in the ELF file
/// `path`; all `None` if the file cannot be read (gone, not ELF).
fn lookup(symbolizer: &Symbolizer, path: &Path, offsets: &[u64]) -> Vec<Option<(String, u64)>> {
    // A file replaced since (the module saw it deleted) would give wrong names.
    if path.to_string_lossy().ends_with(" (deleted)") {
        return Vec::new();
    }
    let source = Source::Elf(Elf::new(path));
    match symbolizer.symbolize(&source, Input::FileOffset(offsets)) {
        Ok(found) => found
            .into_iter()
            .map(|s| match s {
                Symbolized::Sym(sym) => Some((sym.name.into_owned(), sym.offset as u64)),
                Symbolized::Unknown(_) => None,
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn binary_name(path: &Path) -> String {
    let name = path
        .file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy();
    name.strip_suffix(" (deleted)").unwrap_or(&name).to_string()
}

fn name(binary: &str, offset: u64, function: Option<(String, u64)>) -> FrameName {
    match function {
        Some((function, within)) => FrameName {
            full: format!("{function}+{within:#x} ({binary})"),
            function,
        },
        None => {
            let text = format!("{binary}+{offset:#x}");
            FrameName {
                function: text.clone(),
                full: text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traces::{Task, Trace};

    fn one_frame(path: &str, offset: u64) -> Traces {
        let mut traces = Traces::default();
        traces.files.insert(1, path.into());
        traces.tasks.push(Task {
            tid: 1,
            tgid: 1,
            comm: "t".into(),
            kernel_thread: false,
            exited: true,
            sleeps: 1,
            total_us: 1,
            max_us: 1,
            traces: vec![Trace {
                total_us: 1,
                count: 1,
                max_us: 1,
                kernel: vec![],
                user: vec![UserFrame {
                    addr: 0x1000,
                    file: Some((1, offset)),
                }],
            }],
        });
        traces
    }

    #[test]
    fn a_missing_binary_degrades_to_binary_and_offset() {
        let traces = one_frame("/nonexistent/dir/prog", 0x1234);
        let names = UserNames::resolve(&traces);
        let name = names.name(&traces.tasks[0].traces[0].user[0]);
        assert_eq!(name.full, "prog+0x1234");
        assert_eq!(name.function, "prog+0x1234");
    }

    #[test]
    fn a_frame_in_no_file_keeps_its_address() {
        let names = UserNames::default();
        let frame = UserFrame {
            addr: 0xabc,
            file: None,
        };
        assert_eq!(names.name(&frame).full, "[unknown] 0xabc");
    }

    #[inline(never)]
    fn a_function_of_this_test_binary() -> u64 {
        std::hint::black_box(7)
    }

    #[test]
    fn a_function_of_this_test_binary_is_named() {
        assert_eq!(a_function_of_this_test_binary(), 7);
        // The test binary itself: the file offset of a function of it, from
        // its address and the mapping /proc/self/maps shows.
        let addr = a_function_of_this_test_binary as *const () as usize as u64;
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        let (path, offset) = maps
            .lines()
            .find_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let (start, end) = fields[0].split_once('-')?;
                let (start, end) = (
                    u64::from_str_radix(start, 16).ok()?,
                    u64::from_str_radix(end, 16).ok()?,
                );
                let pgoff = u64::from_str_radix(fields[2], 16).ok()?;
                (start..end)
                    .contains(&addr)
                    .then(|| (fields[5].to_string(), addr - start + pgoff))
            })
            .unwrap();
        let traces = one_frame(&path, offset);
        let names = UserNames::resolve(&traces);
        let name = names.name(&traces.tasks[0].traces[0].user[0]);
        assert!(
            name.function.contains("a_function_of_this_test_binary"),
            "{name:?}"
        );
        assert!(
            name.full
                .ends_with(&format!("+0x0 ({})", binary_name(Path::new(&path)))),
            "{name:?}"
        );
    }
}
