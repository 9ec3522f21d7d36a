//! Canonical form: the one place where every authority rule and every bound is applied.
//!
//! [`normalize`] maps a set of signature-checked records to the room state they
//! determine. It depends only on the set, never on order or on what was held before,
//! which is what makes merge commutative, idempotent and (up to healing) associative.
//! It also only ever drops records that more records could not bring back (a pruned
//! message stays older than the window, a banned key stays banned), so normalizing twice
//! is normalizing once.

use super::config::Privacy;
use super::member_info;
use super::members::Membership;
use super::messages;
use super::order::{sort_by, Key};
use super::roster;
use super::secrets::{SecretsState, MAX_LEAF_VERSIONS};
use super::state::RoomState;
use crate::collections::Set;
use crate::ids::MemberKey;

/// The canonical state of the records in `state`, whose signatures the caller checked.
pub fn normalize(mut state: RoomState, owner: &MemberKey) -> RoomState {
    let config = state.config.body.clone();
    let private = config.privacy == Privacy::Private;

    // Members, departures and their shares of room (MEM, BAN, LEAVE rules).
    let acceptances: Vec<_> = std::mem::take(&mut state.members)
        .into_iter()
        .chain(std::mem::take(&mut state.departed))
        .collect();
    let roster = roster::evaluate(
        owner,
        &config,
        acceptances,
        std::mem::take(&mut state.bans),
        std::mem::take(&mut state.leaves),
    );
    let membership = roster.membership;
    state.members = membership.admitted.clone();
    state.departed = roster.departed;
    state.bans = roster.bans;
    state.leaves = roster.leaves;

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

    // Messages: members only (MSG-1), fits and sealed when private (MSG-2), then the
    // window divided down the tree (MSG-3, MSG-4).
    let mut kept = std::mem::take(&mut state.messages);
    kept.retain(|m| {
        membership.is_member(&m.body.author, owner)
            && m.body.body.fits(config.max_message_bytes as usize)
            && (!private || m.body.body.is_sealed())
    });
    state.messages = messages::window(kept, &roster.window, config.max_messages);

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
