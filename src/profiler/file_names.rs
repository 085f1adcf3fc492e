// SPDX-License-Identifier: GPL-2.0

//! The files user frames are in, named once each: a trace keeps, for each
//! user frame, the file's number here and the frame's offset in the file
//! ([`FrameFile`]), which is what a symbolizer needs once the process and
//! its memory map are gone.

use crate::sys::mm::{MappedFile, Mappings};
use kernel::{prelude::*, rbtree::RBTree};

/// Files named at most: a file number fits in a [`FrameFile`]'s 16 bits.
pub(crate) const MAX_FILES: usize = 4096;

/// The longest path kept (PATH_MAX); a longer one leaves its frames unnamed.
const PATH_MAX: usize = 4096;

/// Where a user frame's code is: a file of the [`FileNames`] table and an
/// offset in it, packed in one word (the number in the top 16 bits, the
/// offset in the low 48); 0 if it is not known.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FrameFile(u64);

impl FrameFile {
    const OFFSET_BITS: u32 = 48;

    /// Offset `offset` in file `number` (from 1); unknown if the offset
    /// does not fit.
    fn new(number: u16, offset: u64) -> Self {
        if offset >> Self::OFFSET_BITS != 0 {
            return Self::default();
        }
        Self(u64::from(number) << Self::OFFSET_BITS | offset)
    }

    /// The file's number and the offset, if known.
    pub(crate) fn get(self) -> Option<(u16, u64)> {
        let number = (self.0 >> Self::OFFSET_BITS) as u16;
        (number != 0).then_some((number, self.0 & ((1 << Self::OFFSET_BITS) - 1)))
    }
}

/// The files named so far, numbered from 1 in the order first seen. Only
/// grows, until the module is unloaded: a file's number stays valid for
/// every trace that has it.
pub(crate) struct FileNames {
    /// Number by device and inode.
    by_identity: RBTree<(u32, u64), u16>,
    /// Paths, the file numbered n at n - 1.
    paths: KVec<KVec<u8>>,
    /// Frames left unnamed: the table was full, or a path did not fit.
    pub(crate) unnamed: u64,
}

impl FileNames {
    pub(crate) fn new() -> Self {
        Self {
            by_identity: RBTree::new(),
            paths: KVec::new(),
            unnamed: 0,
        }
    }

    /// How many files are named.
    pub(crate) fn len(&self) -> usize {
        self.paths.len()
    }

    /// The path of the file numbered `number`.
    pub(crate) fn path(&self, number: u16) -> Option<&[u8]> {
        self.paths
            .get(usize::from(number).checked_sub(1)?)
            .map(|p| &p[..])
    }

    /// Names the user frames `frames` of an address space locked in
    /// `mappings` into `files`: each file-backed frame's file and offset.
    pub(crate) fn name_frames(
        &mut self,
        mappings: &Mappings<'_>,
        frames: &[usize],
        files: &mut [FrameFile],
    ) {
        for (&frame, out) in frames.iter().zip(files.iter_mut()) {
            // A frame that is not in a file (JIT code, a stack) stays unknown.
            let Some((file, offset)) = mappings.file_at(frame) else {
                continue;
            };
            match self.number_of(&file) {
                Some(number) => *out = FrameFile::new(number, offset),
                None => self.unnamed += 1,
            }
        }
    }

    /// The number of `file`, named now if new.
    fn number_of(&mut self, file: &MappedFile<'_>) -> Option<u16> {
        let identity = file.identity();
        if let Some(&number) = self.by_identity.get(&identity) {
            return Some(number);
        }
        if self.paths.len() >= MAX_FILES {
            return None;
        }
        let mut buf = KVec::from_elem(0u8, PATH_MAX, GFP_KERNEL).ok()?;
        let path = file.path(&mut buf)?;
        let mut kept = KVec::with_capacity(path.len(), GFP_KERNEL).ok()?;
        kept.extend_from_slice(path, GFP_KERNEL).ok()?;
        let number = u16::try_from(self.paths.len() + 1).ok()?;
        self.by_identity
            .try_create_and_insert(identity, number, GFP_KERNEL)
            .ok()?;
        // The two stay in step: a failed push undoes the insert.
        if self.paths.push(kept, GFP_KERNEL).is_err() {
            self.by_identity.remove(&identity);
            return None;
        }
        Some(number)
    }
}
