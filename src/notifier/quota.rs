// SPDX-License-Identifier: GPL-2.0

//! The per-user cap on armed thresholds (`max_thresholds_per_user`): each
//! user's count, charged when a threshold is armed and given back when it
//! is disarmed, or when arming fails after the charge.

use crate::sys::EDQUOT;
use kernel::{prelude::*, rbtree::RBTree};

/// How many thresholds each user (by uid) has armed; users with none have
/// no entry.
pub(super) struct UserQuotas {
    counts: RBTree<u32, u32>,
}

impl UserQuotas {
    pub(super) fn new() -> Self {
        Self {
            counts: RBTree::new(),
        }
    }

    /// Counts one more threshold for `owner`: `EDQUOT` if it has `cap`
    /// already. The count is given back when the charge is dropped, unless
    /// it is [kept](QuotaCharge::keep).
    pub(super) fn charge(&mut self, owner: u32, cap: u32) -> Result<QuotaCharge<'_>> {
        match self.counts.get_mut(&owner) {
            Some(count) if *count >= cap => return Err(EDQUOT()),
            Some(count) => *count += 1,
            None if cap == 0 => return Err(EDQUOT()),
            None => {
                self.counts.try_create_and_insert(owner, 1, GFP_KERNEL)?;
            }
        }
        Ok(QuotaCharge {
            quotas: self,
            owner,
            kept: false,
        })
    }

    /// Gives back one of `owner`'s thresholds.
    pub(super) fn release(&mut self, owner: u32) {
        match self.counts.get_mut(&owner) {
            Some(count) if *count > 1 => *count -= 1,
            Some(_) => drop(self.counts.remove(&owner)),
            None => {}
        }
    }
}

/// One threshold counted against its owner: given back on drop, unless kept.
pub(super) struct QuotaCharge<'a> {
    quotas: &'a mut UserQuotas,
    owner: u32,
    kept: bool,
}

impl QuotaCharge<'_> {
    /// The threshold is armed: its count stays until [`UserQuotas::release`].
    pub(super) fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for QuotaCharge<'_> {
    fn drop(&mut self) {
        if !self.kept {
            self.quotas.release(self.owner);
        }
    }
}
