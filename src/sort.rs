// SPDX-License-Identifier: GPL-2.0

//! Sorting without core's sorts: their checks for an inconsistent order
//! end in `core::slice::sort::shared::smallsort::panic_on_ord_violation`,
//! which 6.12's objtool does not know never returns, so a kernel built for
//! speed (as distributions build theirs) warns that the sort "falls through
//! to next function".

/// Sorts `items` by `key`, ascending, in place, with no allocation and
/// not stably: by insertion while that takes few moves, O(n) for a list in
/// order or nearly (the evaluator's sample: the task list by start time),
/// else by a heapsort, O(n log n) (the heapsort of an ordered sample took
/// 0.75 ms of every evaluator run at 1,000 processes, icount).
pub(crate) fn sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    if !insertion_sort_within(items, &key, items.len().saturating_mul(4)) {
        heapsort(items, &key);
    }
}

/// Sorts `items` by insertion unless that takes more than `moves` swaps;
/// returns whether it did (if not, `items` are a permutation of what they
/// were, partly sorted).
fn insertion_sort_within<T, K: Ord>(items: &mut [T], key: &impl Fn(&T) -> K, moves: usize) -> bool {
    let mut left = moves;
    for end in 1..items.len() {
        let mut at = end;
        while at > 0 && key(&items[at - 1]) > key(&items[at]) {
            if left == 0 {
                return false;
            }
            left -= 1;
            items.swap(at - 1, at);
            at -= 1;
        }
    }
    true
}

/// Builds a max-heap of `items`, then moves its top to the end, one by one.
fn heapsort<T, K: Ord>(items: &mut [T], key: &impl Fn(&T) -> K) {
    for root in (0..items.len() / 2).rev() {
        sift_down(items, root, key);
    }
    for end in (1..items.len()).rev() {
        items.swap(0, end);
        sift_down(&mut items[..end], 0, key);
    }
}

/// Sinks `items[root]` until neither child's key is larger.
fn sift_down<T, K: Ord>(items: &mut [T], mut root: usize, key: &impl Fn(&T) -> K) {
    loop {
        let mut child = 2 * root + 1;
        if child >= items.len() {
            return;
        }
        if child + 1 < items.len() && key(&items[child]) < key(&items[child + 1]) {
            child += 1;
        }
        if key(&items[root]) >= key(&items[child]) {
            return;
        }
        items.swap(root, child);
        root = child;
    }
}
