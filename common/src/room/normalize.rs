//! Canonical form: the one place where every authority rule and every bound is applied.
//!
//! [`normalize`] maps a set of signature-checked records to the room state they
//! determine. It depends only on the set, never on order or on what was held before,
//! which is what makes merge commutative, idempotent and (up to healing) associative.
//! It also only ever drops records that more records could not bring back (a pruned
//! message stays older than the window, a banned key stays banned), so normalizing twice
//! is normalizing once.

use super::bans::is_authorized;
use super::config::Privacy;
use super::member_info;
use super::members::{compute_membership, Membership};
use super::order::{sort_by, sorted_by, Key};
use super::secrets::{SecretsState, MAX_LEAF_VERSIONS};
use super::state::RoomState;
use crate::collections::{Map, Set};
use crate::ids::MemberKey;

/// The canonical state of the records in `state`, whose signatures the caller checked.
pub fn normalize(mut state: RoomState, owner: &MemberKey) -> RoomState {
    let config = state.config.body.clone();
    let private = config.privacy == Privacy::Private;

    // Bans: authorized (BAN-2, BAN-6), one per target (BAN-4), earliest kept (BAN-5).
    let mut bans = std::mem::take(&mut state.bans);
    bans.retain(|ban| is_authorized(&ban.body, owner, &config));
    let mut bans = sort_by(bans, |ban| {
        Key::new().u64(ban.body.banned_at).id(&ban.id()).done()
    });
    let mut targets: Set<MemberKey> = Set::default();
    bans.retain(|ban| targets.insert(ban.body.target));
    bans.truncate(config.max_bans as usize);
    let banned: Set<MemberKey> = bans.iter().map(|ban| ban.body.target).collect();
    state.bans = sort_by(bans, |ban| Key::new().member(&ban.body.target).done());

    // Members: the invitation tree (MEM-2..MEM-5).
    let membership = compute_membership(owner, &state.members, &banned, config.max_members);
    state.members = membership.admitted.clone();

    // Member info: members only (INFO-1), fits and sealed when private (INFO-3), newest
    // version per member (INFO-2).
    let mut infos = std::mem::take(&mut state.member_info);
    infos.retain(|info| {
        membership.is_member(&info.body.member, owner)
            && member_info::fits(&info.body)
            && (!private || info.body.nickname.is_sealed())
    });
    let mut infos = sort_by(infos, |info| {
        Key::new()
            .member(&info.body.member)
            .u64_desc(info.body.version)
            .id(&info.id())
            .done()
    });
    infos.dedup_by(|later, first| later.body.member == first.body.member);
    state.member_info = infos;

    normalize_secrets(&mut state.secrets, &membership, owner);

    // Messages: members only (MSG-1), fits and sealed when private (MSG-2), per-author
    // share (MSG-4), then the window (MSG-3).
    let mut messages = std::mem::take(&mut state.messages);
    messages.retain(|m| {
        membership.is_member(&m.body.author, owner)
            && m.body.body.fits(config.max_message_bytes as usize)
            && (!private || m.body.body.is_sealed())
    });
    let mut keyed = sorted_by(messages, |m| {
        Key::new().u64_desc(m.body.sent_at).id_desc(&m.id()).done()
    });
    keyed.dedup_by(|later, first| later.0 == first.0);
    let per_author = config.per_author_messages();
    let mut counts: Map<MemberKey, usize> = Map::default();
    keyed.retain(|(_, m)| {
        let count = counts.entry(m.body.author).or_insert(0);
        *count += 1;
        *count <= per_author
    });
    keyed.truncate(config.max_messages as usize);
    keyed.reverse();
    state.messages = keyed.into_iter().map(|(_, m)| m).collect();

    state
}

/// Rules SEC-3, SEC-4 and SEC-6.
fn normalize_secrets(secrets: &mut SecretsState, membership: &Membership, owner: &MemberKey) {
    let Some(current) = secrets.current_version() else {
        secrets.blobs.clear();
        return;
    };
    let oldest = current.saturating_sub(MAX_LEAF_VERSIONS - 1);
    secrets.batches.retain(|b| b.body.version >= oldest);
    secrets.batches = sort_by(std::mem::take(&mut secrets.batches), |b| {
        Key::new().u32(b.body.version).id(&b.id()).done()
    });
    secrets
        .batches
        .dedup_by(|later, first| later.signature == first.signature);

    let leaves: Set<(u32, MemberKey, [u8; 32])> = secrets
        .batches
        .iter()
        .flat_map(|b| {
            b.body
                .leaves
                .iter()
                .map(move |l| (b.body.version, l.member, l.blob_hash))
        })
        .collect();
    let mut blobs: Vec<_> = std::mem::take(&mut secrets.blobs)
        .into_iter()
        // A departed member's blob of the *current* version stays: it is the evidence the
        // owner's delegate diffs against membership to know a rotation is owed. Older
        // versions' blobs of departed members go (rule SEC-4).
        .filter(|blob| {
            blob.version >= oldest
                && (blob.version == current || membership.is_member(&blob.member, owner))
        })
        .map(|blob| ((blob.version, blob.member, blob.hash()), blob))
        .filter(|(key, _)| leaves.contains(key))
        .collect();
    blobs = sort_by(blobs, |(k, _)| {
        Key::new().u32(k.0).member(&k.1).hash(&k.2).done()
    });
    blobs.dedup_by(|later, first| (later.0 .0, later.0 .1) == (first.0 .0, first.0 .1));
    let kept: Set<(u32, MemberKey, [u8; 32])> = blobs.iter().map(|(key, _)| *key).collect();
    // Rule SEC-6: a batch of the current version stays even with none of its wrapped
    // secrets, so a rotation whose parts arrive apart (batch first) is whole again when
    // they come; older batches go with their last wrapped secret (SEC-4).
    secrets.batches.retain(|b| {
        b.body.version == current
            || b.body
                .leaves
                .iter()
                .any(|l| kept.contains(&(b.body.version, l.member, l.blob_hash)))
    });
    secrets.blobs = blobs.into_iter().map(|(_, blob)| blob).collect();
}
