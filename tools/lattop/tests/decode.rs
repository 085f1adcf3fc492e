// SPDX-License-Identifier: GPL-2.0

//! The decoder against canned snapshots, good and bad.

mod common;

use common::*;
use lattop::abi::{LATTOP_ABI_VERSION, LATTOP_TAG_PROCESS, LATTOP_TAG_THREAD};
use lattop::decode::{decode, DecodeError, PROCESS_RECORD_MIN_LEN, THREAD_RECORD_MIN_LEN};
use lattop::snapshot::Latency;

#[test]
fn good_snapshot_decodes_to_its_values() {
    let snapshot = decode(&sample_bytes()).expect("the sample decodes");
    assert_eq!(snapshot.abi_version as u32, LATTOP_ABI_VERSION);
    assert_eq!(snapshot.snapshot_ns, SNAPSHOT_NS);
    assert_eq!(snapshot.record_count, 5);
    assert_eq!(snapshot.processes, sample_processes());

    // A few values spelled out, in case the builder and the decoder agree
    // on a mistake.
    let worker = &snapshot.processes[1];
    assert_eq!(
        (worker.pid, worker.ppid, worker.uid, worker.gid),
        (4242, 1, 1000, 100)
    );
    assert_eq!(worker.comm, "my worker");
    assert_eq!(worker.state, 'R');
    assert_eq!(worker.rss_anon, 3 << 20);
    assert_eq!(worker.nr_fds, 17);
    assert_eq!(worker.latency.max_ns, 15_000);
    let threads: Vec<_> = worker
        .threads
        .iter()
        .map(|t| (t.tid, t.cpu, t.state))
        .collect();
    assert_eq!(threads, [(4242, 3, 'R'), (4243, 1, 'D')]);
    assert_eq!(worker.threads[1].blocked_ns, 42_000_000);
    assert_eq!(snapshot.processes[0].threads.len(), 1);
}

#[test]
fn decodes_from_any_alignment() {
    let bytes = sample_bytes();
    for shift in 1..8 {
        let mut shifted = vec![0; shift];
        shifted.extend_from_slice(&bytes);
        let snapshot = decode(&shifted[shift..]).expect("decodes when shifted");
        assert_eq!(snapshot.processes, sample_processes());
    }
}

#[test]
fn empty_snapshot_decodes() {
    let snapshot = decode(&SnapshotBuilder::default().build()).unwrap();
    assert!(snapshot.processes.is_empty());
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = sample_bytes();
    for len in 0..bytes.len() {
        // As read: total_size no longer matches.
        assert!(decode(&bytes[..len]).is_err(), "{len} bytes decoded");
        // total_size patched to match, so the record walk meets the cut.
        if len >= HEADER_SIZE {
            let mut cut = bytes[..len].to_vec();
            set_total_size(&mut cut, len as u64);
            assert!(
                decode(&cut).is_err(),
                "{len} bytes with total_size {len} decoded"
            );
        }
    }
}

#[test]
fn short_buffer_and_total_size_mismatch() {
    assert_eq!(
        decode(&[0; 5]),
        Err(DecodeError::HeaderTruncated {
            len: 5,
            need: HEADER_SIZE
        })
    );
    let mut bytes = sample_bytes();
    let len = bytes.len();
    set_total_size(&mut bytes, len as u64 + 8);
    assert_eq!(
        decode(&bytes),
        Err(DecodeError::SizeMismatch {
            total_size: len as u64 + 8,
            len
        })
    );
}

#[test]
fn misaligned_record_length_is_an_error() {
    for length in [0u32, 4, 12, 20] {
        let mut builder = SnapshotBuilder::with_processes(&sample_processes());
        set_length(&mut builder.records_mut()[1], length);
        let error = decode(&builder.build()).unwrap_err();
        let offset = HEADER_SIZE + PROCESS_RECORD_SIZE;
        assert_eq!(error, DecodeError::RecordLengthInvalid { offset, length });
        assert!(
            error.to_string().contains(&format!("byte {offset}")),
            "{error}"
        );
    }
}

#[test]
fn record_past_the_end_is_an_error() {
    let mut builder = SnapshotBuilder::with_processes(&sample_processes());
    let last = builder.records_mut().last_mut().unwrap();
    set_length(last, THREAD_RECORD_SIZE as u32 + 8);
    assert!(matches!(
        decode(&builder.build()),
        Err(DecodeError::RecordTruncated { need, left, .. })
            if need == THREAD_RECORD_SIZE as u64 + 8 && left == THREAD_RECORD_SIZE
    ));
}

#[test]
fn record_shorter_than_the_first_version_is_an_error() {
    let mut builder = SnapshotBuilder::default();
    builder.push(raw_record(LATTOP_TAG_PROCESS as u16, 16));
    let error = decode(&builder.build()).unwrap_err();
    assert_eq!(
        error,
        DecodeError::RecordTooShort {
            offset: HEADER_SIZE,
            tag: LATTOP_TAG_PROCESS as u16,
            length: 16,
            need: PROCESS_RECORD_MIN_LEN,
        }
    );
    assert!(
        error
            .to_string()
            .contains(&format!("shorter than the {PROCESS_RECORD_MIN_LEN} bytes")),
        "{error}"
    );

    // One word short of the oldest layout: latency cut.
    let processes = sample_processes();
    let mut builder = SnapshotBuilder::default();
    builder.push(encode_old_process(&processes[0]));
    let short = THREAD_RECORD_MIN_LEN - 8;
    builder.push(shorten(encode_thread(&processes[0].threads[0]), short));
    assert_eq!(
        decode(&builder.build()),
        Err(DecodeError::RecordTooShort {
            offset: HEADER_SIZE + PROCESS_RECORD_MIN_LEN,
            tag: LATTOP_TAG_THREAD as u16,
            length: short as u32,
            need: THREAD_RECORD_MIN_LEN,
        })
    );
}

#[test]
fn run_delay_then_acct_are_the_last_fields_and_decode() {
    // The shortest records are the structs without their last two fields:
    // the first module's, which ended at latency.
    let appended = std::mem::size_of::<lattop::abi::lattop_latency>()
        + std::mem::size_of::<lattop::abi::lattop_acct>();
    assert_eq!(PROCESS_RECORD_MIN_LEN, PROCESS_RECORD_SIZE - appended);
    assert_eq!(THREAD_RECORD_MIN_LEN, THREAD_RECORD_SIZE - appended);

    let snapshot = decode(&sample_bytes()).unwrap();
    let worker = &snapshot.processes[1];
    assert_eq!(
        worker.run_delay,
        Latency {
            sleeps: 13,
            total_ns: 27_998,
            max_ns: 10_500
        }
    );
    assert_eq!(
        worker.threads[1].run_delay,
        Latency {
            sleeps: 7,
            total_ns: 14_999,
            max_ns: 10_500
        }
    );
    // Not latency read twice.
    assert_ne!(worker.run_delay, worker.latency);
    assert_eq!(snapshot.processes[0].threads[0].run_delay.sleeps, 41);
}

#[test]
fn records_from_before_run_delay_decode_with_zeros() {
    let processes = sample_processes();
    let mut builder = SnapshotBuilder::default();
    for process in &processes {
        builder.push(encode_old_process(process));
        for thread in &process.threads {
            builder.push(encode_old_thread(thread));
        }
    }
    let bytes = builder.build();
    assert_eq!(
        bytes.len(),
        HEADER_SIZE + 2 * PROCESS_RECORD_MIN_LEN + 3 * THREAD_RECORD_MIN_LEN
    );
    let snapshot = decode(&bytes).expect("an older module's records decode");
    assert_eq!(snapshot.processes, without_run_delay(&processes));
    // Everything else is still read from its place.
    assert_eq!(snapshot.processes[1].latency, processes[1].latency);
    assert_eq!(snapshot.processes[1].threads[1].blocked_ns, 42_000_000);
}

#[test]
fn acct_decodes_field_by_field() {
    let processes = sample_processes();
    let snapshot = decode(&sample_bytes()).unwrap();
    assert_eq!(snapshot.processes, processes);
    // Each field from its own place: no two alike, none read from a neighbour.
    let acct = &snapshot.processes[0].acct;
    assert_eq!(acct.groups, ALL_GROUPS);
    assert_eq!((acct.cpu.count, acct.irq.count), (101, 108));
    assert_eq!(acct.wpcopy.total_ns, 107 * 1_000_003);
    assert_eq!((acct.cancelled_write_bytes, acct.syscw), (4096 + 11, 16));
    assert_eq!(
        snapshot.processes[1].threads[1].acct.rchar,
        4243 * 4096 + 12
    );
}

#[test]
fn records_from_before_acct_decode_with_no_groups() {
    // A module built before acct: records ending after run_delay.
    let processes = sample_processes();
    let mut builder = SnapshotBuilder::default();
    for process in &processes {
        builder.push(encode_pre_acct_process(process));
        for thread in &process.threads {
            builder.push(encode_pre_acct_thread(thread));
        }
    }
    let snapshot = decode(&builder.build()).expect("a pre-acct module's records decode");
    assert_eq!(snapshot.processes, without_acct(&processes));
    assert_eq!(snapshot.processes[1].run_delay, processes[1].run_delay);
    assert_eq!(snapshot.processes[1].acct.groups, 0);
}

#[test]
fn old_and_new_records_mix() {
    // Each record is read by its own length: an old one's end is the next
    // one's start.
    let processes = sample_processes();
    let mut builder = SnapshotBuilder::default();
    builder.push(encode_old_process(&processes[1]));
    builder.push(encode_thread(&processes[1].threads[0]));
    builder.push(encode_old_thread(&processes[1].threads[1]));
    let snapshot = decode(&builder.build()).unwrap();
    let worker = &snapshot.processes[0];
    assert_eq!(worker.run_delay, Latency::default());
    assert_eq!(worker.threads[0], processes[1].threads[0]);
    assert_eq!(worker.threads[1].run_delay, Latency::default());
    assert_eq!(worker.threads[1].tid, 4243);
}

#[test]
fn record_ending_inside_run_delay_has_none_of_it() {
    // Not a layout any module wrote, but well framed: a field is read whole
    // or not at all.
    let processes = sample_processes();
    for extra in [8, 16] {
        let mut builder = SnapshotBuilder::default();
        builder.push(shorten(
            encode_process(&processes[1]),
            PROCESS_RECORD_MIN_LEN + extra,
        ));
        builder.push(shorten(
            encode_thread(&processes[1].threads[0]),
            THREAD_RECORD_MIN_LEN + extra,
        ));
        let snapshot = decode(&builder.build()).expect("decodes");
        assert_eq!(snapshot.processes[0].run_delay, Latency::default());
        assert_eq!(
            snapshot.processes[0].threads[0].run_delay,
            Latency::default()
        );
        assert_eq!(snapshot.processes[0].latency, processes[1].latency);
    }
}

#[test]
fn unknown_tags_are_skipped() {
    let mut builder = SnapshotBuilder::with_processes(&sample_processes());
    // Between a process and its thread, and last.
    builder.insert(1, raw_record(99, 24));
    builder.push(raw_record(0xffff, 8));
    let snapshot = decode(&builder.build()).expect("unknown tags are skipped");
    assert_eq!(snapshot.record_count, 7);
    assert_eq!(snapshot.processes, sample_processes());
}

#[test]
fn longer_records_are_read_for_what_is_known() {
    let mut builder = SnapshotBuilder::with_processes(&sample_processes());
    for record in builder.records_mut() {
        *record = lengthen(std::mem::take(record), 16);
    }
    let snapshot = decode(&builder.build()).expect("longer records are accepted");
    assert_eq!(snapshot.processes, sample_processes());
}

#[test]
fn longer_header_is_accepted() {
    let mut builder = SnapshotBuilder::with_processes(&sample_processes());
    builder.header_size = HEADER_SIZE + 16;
    let snapshot = decode(&builder.build()).expect("a longer header is accepted");
    assert_eq!(snapshot.header_size as usize, HEADER_SIZE + 16);
    assert_eq!(snapshot.processes, sample_processes());
}

#[test]
fn bad_header_size_is_an_error() {
    let mut builder = SnapshotBuilder::default();
    builder.header_size = HEADER_SIZE - 8;
    assert_eq!(
        decode(&builder.build()),
        Err(DecodeError::HeaderSizeTooSmall {
            header_size: HEADER_SIZE as u16 - 8,
            need: HEADER_SIZE,
        })
    );
    builder.header_size = HEADER_SIZE + 4;
    assert_eq!(
        decode(&builder.build()),
        Err(DecodeError::HeaderSizeMisaligned {
            header_size: HEADER_SIZE as u16 + 4
        })
    );
    // header_size past the end of the snapshot.
    builder.header_size = HEADER_SIZE + 8;
    let mut bytes = builder.build();
    bytes.truncate(HEADER_SIZE);
    set_total_size(&mut bytes, HEADER_SIZE as u64);
    assert!(matches!(
        decode(&bytes),
        Err(DecodeError::HeaderPastEnd { .. })
    ));
}

#[test]
fn bad_magic_is_an_error() {
    let mut builder = SnapshotBuilder::with_processes(&sample_processes());
    builder.magic = 0x1234_5678;
    let error = decode(&builder.build()).unwrap_err();
    assert_eq!(error, DecodeError::BadMagic { found: 0x1234_5678 });
    assert!(error.to_string().contains("0x12345678"), "{error}");
}

#[test]
fn other_abi_versions_are_errors() {
    for version in [0, LATTOP_ABI_VERSION as u16 + 1] {
        let mut builder = SnapshotBuilder::with_processes(&sample_processes());
        builder.abi_version = version;
        assert_eq!(
            decode(&builder.build()),
            Err(DecodeError::UnsupportedVersion { found: version })
        );
    }
}

#[test]
fn thread_before_any_process_is_an_error() {
    let processes = sample_processes();
    let mut builder = SnapshotBuilder::default();
    builder.push(encode_thread(&processes[0].threads[0]));
    builder.push(encode_process(&processes[0]));
    assert_eq!(
        decode(&builder.build()),
        Err(DecodeError::ThreadBeforeProcess {
            offset: HEADER_SIZE,
            tid: 1
        })
    );
    // An unknown record first does not count as a process.
    let mut builder = SnapshotBuilder::default();
    builder.push(raw_record(99, 8));
    builder.push(raw_record(LATTOP_TAG_THREAD as u16, THREAD_RECORD_SIZE));
    assert!(matches!(
        decode(&builder.build()),
        Err(DecodeError::ThreadBeforeProcess { offset, .. }) if offset == HEADER_SIZE + 8
    ));
}

#[test]
fn record_count_must_match_the_records() {
    for record_count in [4, 6, 0, u32::MAX] {
        let mut builder = SnapshotBuilder::with_processes(&sample_processes());
        builder.record_count = Some(record_count);
        assert_eq!(
            decode(&builder.build()),
            Err(DecodeError::RecordCountMismatch {
                record_count,
                found: 5
            })
        );
    }
}

#[test]
fn comm_decodes_lossily_up_to_its_first_nul() {
    let mut process = sample_processes().remove(0);
    process.threads.clear();
    let mut record = encode_process(&process);
    let comm_offset = std::mem::offset_of!(lattop::abi::lattop_process_record, comm);

    put(&mut record, comm_offset, b"abcdefghijklmnop");
    let mut builder = SnapshotBuilder::default();
    builder.push(record.clone());
    assert_eq!(
        decode(&builder.build()).unwrap().processes[0].comm,
        "abcdefghijklmnop"
    );

    put(&mut record, comm_offset, b"ab\xffc\0junk after\0");
    let mut builder = SnapshotBuilder::default();
    builder.push(record);
    assert_eq!(
        decode(&builder.build()).unwrap().processes[0].comm,
        "ab\u{fffd}c"
    );
}
