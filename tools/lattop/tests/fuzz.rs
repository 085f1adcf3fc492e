// SPDX-License-Identifier: GPL-2.0

//! Random mutations of a good snapshot: the decoder may refuse them, but must
//! never panic (a panic fails the test) nor make up records.

mod common;

use common::*;
use lattop::abi::{LATTOP_TAG_PROCESS, LATTOP_TAG_THREAD};
use lattop::decode::decode;

/// xorshift64: enough randomness for mutations, and reproducible by seed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// One random change: a byte, a 32-bit word (where the lengths and counts
/// are) set to a small or random value, or a cut with total_size kept right.
fn mutate(bytes: &mut Vec<u8>, rng: &mut XorShift) {
    match rng.below(4) {
        0 => {
            let at = rng.below(bytes.len());
            bytes[at] = rng.next() as u8;
        }
        1 | 2 if bytes.len() >= 4 => {
            let at = rng.below(bytes.len() / 4) * 4;
            let value = match rng.below(3) {
                0 => rng.below(64) as u32,
                1 => rng.below(4096) as u32 & !7,
                _ => rng.next() as u32,
            };
            put(bytes, at, &value.to_ne_bytes());
        }
        _ => {
            bytes.truncate(rng.below(bytes.len() + 1));
            if bytes.len() >= HEADER_SIZE {
                let len = bytes.len() as u64;
                set_total_size(bytes, len);
            }
        }
    }
}

#[test]
fn mutated_snapshots_never_panic() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let good = sample_bytes();
    let mut decoded = 0;
    for _ in 0..50_000 {
        let mut bytes = good.clone();
        for _ in 0..=rng.below(4) {
            if bytes.is_empty() {
                break;
            }
            mutate(&mut bytes, &mut rng);
        }
        if let Ok(snapshot) = decode(&bytes) {
            decoded += 1;
            let records: usize = snapshot.processes.iter().map(|p| 1 + p.threads.len()).sum();
            assert!(records <= snapshot.record_count as usize);
        }
    }
    // Mutations of numbers, not framing, still decode: the loop did reach
    // the record walk and the field reads.
    assert!(decoded > 1000, "only {decoded} mutated snapshots decoded");
}

#[test]
fn random_records_never_panic() {
    let mut rng = XorShift(42);
    let mut decoded = 0;
    for _ in 0..20_000 {
        // Well-framed records of random tags and lengths, random contents:
        // past the framing checks, into the per-tag ones.
        let mut builder = SnapshotBuilder::default();
        for _ in 0..rng.below(8) {
            let tag = [LATTOP_TAG_PROCESS, LATTOP_TAG_THREAD, 7][rng.below(3)] as u16;
            let length = 8 * (1 + rng.below(32));
            let mut record = raw_record(tag, length);
            record[8..]
                .iter_mut()
                .for_each(|byte| *byte = rng.next() as u8);
            builder.push(record);
        }
        decoded += decode(&builder.build()).is_ok() as usize;
    }
    assert!(decoded > 1000, "only {decoded} random snapshots decoded");
}
