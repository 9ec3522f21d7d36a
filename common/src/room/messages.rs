//! Messages: the retained window.
//!
//! Rules:
//! - MSG-1: signed by its author, who must be an effective member (or the owner); a
//!   member's messages leave with them.
//! - MSG-2: the body fits `max_message_bytes` (sealed: plus the AEAD tag); in a private
//!   room it must be sealed.
//! - MSG-3: the window holds at most `max_messages`; of each author's messages it keeps
//!   the newest by `(sent_at, record id)`.
//! - MSG-4: each author is guaranteed `min(its messages, its floor)` places, floors
//!   divided down the invitation tree ([`guarantees`]): at a node with `b` places, its own
//!   messages and each child subtree with messages are `n` participants with `⌊b / n⌋`
//!   each (the owner's node has `b = max_messages`). The rest of the window goes to the
//!   newest messages beyond the guarantees. So what one member and every key it invited
//!   post — however many, however dated — never evicts another's message within its
//!   guarantee, and that subtree holds at most `max_messages` minus everyone else's
//!   guarantees.

use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use super::order::{sort_by, sorted_by, Key};
use super::roster::WindowTree;
use super::shares::split;
use super::signed::{RecordBody, Signed};
use super::text::RoomText;
use crate::ids::MemberKey;
use crate::protocol::RecordKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct Message {
    #[n(0)]
    pub author: MemberKey,
    /// Author's clock, ms since the epoch. Unverifiable: MSG-4 bounds what lying buys.
    #[n(1)]
    pub sent_at: u64,
    #[n(2)]
    pub body: RoomText,
}

pub type MessageRecord = Signed<Message>;

impl RecordBody for Message {
    const KIND: RecordKind = RecordKind::Message;
    fn signer(&self, _owner: &MemberKey) -> MemberKey {
        self.author // rule MSG-1
    }
}

/// Rules MSG-3 and MSG-4: the messages the window keeps of `messages` (all by members),
/// sorted by `(sent_at, record id)`.
///
/// Each author's guarantee is fixed first ([`guarantees`]); then messages are taken
/// newest first: an author's message within its guarantee always, any other while the
/// window still has room beyond every guarantee not yet taken. A message's fate depends
/// only on newer messages and on guarantees that a dropped message cannot change (it was
/// dropped because its author already had its guarantee), so a dropped message
/// re-delivered is dropped again: merges stay idempotent.
pub fn window(messages: Vec<MessageRecord>, tree: &WindowTree, max: u32) -> Vec<MessageRecord> {
    let mut newest_first = sorted_by(messages, |m| {
        Key::new().u64_desc(m.body.sent_at).id_desc(&m.id()).done()
    });
    newest_first.dedup_by(|later, first| later.0 == first.0);
    // Each message's node in the tree (authors that do not post have none).
    let node_of: Vec<(MemberKey, usize)> = tree
        .keys
        .iter()
        .copied()
        .zip(0..)
        .filter(|(_, n)| tree.posts.get(*n).copied().unwrap_or(false))
        .collect();
    let node_of = sort_by(node_of, |(key, _)| Key::new().member(key).done());
    let nodes: Vec<Option<usize>> = newest_first
        .iter()
        .map(|(_, m)| {
            let i = node_of
                .binary_search_by(|(k, _)| k.cmp(&m.body.author))
                .ok()?;
            node_of.get(i).map(|(_, n)| *n)
        })
        .collect();
    let mut own = vec![0u32; tree.keys.len()];
    for n in nodes.iter().flatten() {
        if let Some(count) = own.get_mut(*n) {
            *count = count.saturating_add(1);
        }
    }
    let floors = guarantees(tree, &own, max);
    let mut left: Vec<u32> = own.iter().zip(&floors).map(|(d, f)| (*d).min(*f)).collect();
    let mut outstanding: u32 = left.iter().fold(0, |a, b| a.saturating_add(*b));
    let mut kept = Vec::new();
    for ((_, message), node) in newest_first.into_iter().zip(nodes) {
        if kept.len() >= max as usize {
            break;
        }
        let Some(guaranteed) = node.and_then(|n| left.get_mut(n)) else {
            continue;
        };
        let taken = u32::try_from(kept.len()).unwrap_or(u32::MAX);
        if *guaranteed > 0 {
            *guaranteed -= 1;
            outstanding = outstanding.saturating_sub(1);
            kept.push(message);
        } else if taken.saturating_add(outstanding) < max {
            kept.push(message);
        }
    }
    sort_by(kept, |m| Key::new().u64(m.body.sent_at).id(&m.id()).done())
}

/// Rule MSG-4's division: each node's own floor of the window. At a node with `b`
/// places, the participants are its own messages (if it has any) and each child subtree
/// holding any message; participant `i` of `n` gets [`split`]`(b, n, i)`, own messages
/// first, then subtrees in key order; a subtree's part is divided again at its root.
/// Only participants with messages count, so idle members do not thin the others' share.
fn guarantees(tree: &WindowTree, own: &[u32], max: u32) -> Vec<u32> {
    // Depth-first order from the owner; its reverse visits children before parents.
    let mut order = vec![0usize];
    let mut at = 0;
    while let Some(&node) = order.get(at) {
        at += 1;
        order.extend(tree.children.get(node).into_iter().flatten().copied());
    }
    let mut active = vec![false; tree.keys.len()];
    for &node in order.iter().rev() {
        let below = tree
            .children
            .get(node)
            .into_iter()
            .flatten()
            .any(|&c| active.get(c).copied().unwrap_or(false));
        if let Some(a) = active.get_mut(node) {
            *a = below || own.get(node).is_some_and(|d| *d > 0);
        }
    }
    let mut budget = vec![0u32; tree.keys.len()];
    if let Some(root) = budget.get_mut(0) {
        *root = max;
    }
    let mut floor = vec![0u32; tree.keys.len()];
    for &node in &order {
        let b = budget.get(node).copied().unwrap_or(0);
        let posts = own.get(node).is_some_and(|d| *d > 0);
        let subtrees: Vec<usize> = tree
            .children
            .get(node)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&c| active.get(c).copied().unwrap_or(false))
            .collect();
        let n = subtrees.len().saturating_add(usize::from(posts));
        if posts {
            if let Some(f) = floor.get_mut(node) {
                *f = split(b, n, 0);
            }
        }
        for (i, child) in subtrees.into_iter().enumerate() {
            if let Some(c) = budget.get_mut(child) {
                *c = split(b, n, i.saturating_add(usize::from(posts)));
            }
        }
    }
    floor
}
