//! Checking signatures: a whole state once ([`verify_state`]), or only the records a
//! delta adds ([`VerifiedState::apply`]). Each signature is checked at most once per
//! call; records already held in a verified state are never checked again.

use super::bans::BanRecord;
use super::config::{self, check_config};
use super::error::RoomError;
use super::member_info;
use super::members::{Invitation, MemberRecord};
use super::normalize::normalize;
use super::secrets::{batch_shape_ok, blob_shape_ok};
use super::state::{RoomDelta, RoomParams, RoomState};
use super::upgrade;
use crate::collections::{Map, Set};
use crate::ids::{MemberKey, RecordId};
use crate::sign::{Sig, Verifier};

/// A room state whose every signature verified and which is in canonical form: the
/// proof token the update path requires before it builds on a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedState {
    state: RoomState,
    owner: MemberKey,
}

/// What an apply kept and skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// New records whose signatures and shapes were checked and admitted.
    pub admitted: usize,
    /// Records skipped: bad signature or bad shape (an invalid entry is skipped, the
    /// rest of the delta still applies).
    pub rejected: usize,
}

/// Verify every signature in `state` and that it is canonical.
pub fn verify_state(params: &RoomParams, state: RoomState) -> Result<VerifiedState, RoomError> {
    let owner = params.owner;
    let mut checker = Checker::new(owner);
    let bad = |what| move |_| RoomError::BadSignature { what };

    check_config(&state.config.body)?;
    state
        .config
        .verify(&mut checker.verifier, &owner)
        .map_err(bad("config"))?;
    for record in &state.members {
        checker
            .invitation(record)
            .map_err(bad("member invitation"))?;
    }
    for ban in &state.bans {
        checker.ban(ban).map_err(bad("ban"))?;
    }
    for info in &state.member_info {
        if !member_info::fits(&info.body) {
            return Err(RoomError::invalid(
                "member info",
                "INFO-3: nickname too large",
            ));
        }
        info.verify(&mut checker.verifier, &owner)
            .map_err(bad("member info"))?;
    }
    for batch in &state.secrets.batches {
        if !batch_shape_ok(&batch.body, &owner) {
            return Err(RoomError::invalid(
                "secret batch",
                "SEC-2: leaves unsorted or no owner leaf",
            ));
        }
        batch
            .verify(&mut checker.verifier, &owner)
            .map_err(bad("secret batch"))?;
    }
    if !state.secrets.blobs.iter().all(blob_shape_ok) {
        return Err(RoomError::invalid("wrapped secret", "SEC-5: too large"));
    }
    for message in &state.messages {
        message
            .verify(&mut checker.verifier, &owner)
            .map_err(bad("message"))?;
    }
    if let Some(upgrade) = &state.upgrade {
        upgrade
            .verify(&mut checker.verifier, &owner)
            .map_err(bad("upgrade"))?;
    }

    let canonical = normalize(state.clone(), &owner);
    if let Some(component) = first_difference(&canonical, &state) {
        return Err(RoomError::NotCanonical(format!(
            "{component} holds records its rules drop, or is unsorted"
        )));
    }
    Ok(VerifiedState { state, owner })
}

fn first_difference(a: &RoomState, b: &RoomState) -> Option<&'static str> {
    [
        (a.members != b.members, "members"),
        (a.bans != b.bans, "bans"),
        (a.member_info != b.member_info, "member_info"),
        (a.secrets != b.secrets, "secrets"),
        (a.messages != b.messages, "messages"),
    ]
    .into_iter()
    .find_map(|(differs, name)| differs.then_some(name))
}

impl VerifiedState {
    /// A state the node already validated with this contract: the node stores only
    /// states that passed `validate_state`, so `update_state` may build on it without
    /// checking its signatures again. Anything else must go through [`verify_state`].
    pub fn trust_node_validated(params: &RoomParams, state: RoomState) -> Self {
        VerifiedState {
            state,
            owner: params.owner,
        }
    }

    pub fn state(&self) -> &RoomState {
        &self.state
    }

    pub fn into_state(self) -> RoomState {
        self.state
    }

    pub fn owner(&self) -> &MemberKey {
        &self.owner
    }

    /// Add the valid new records of `delta`, skipping invalid ones, and normalize.
    pub fn apply(self, delta: RoomDelta) -> (VerifiedState, ApplyReport) {
        let owner = self.owner;
        let mut report = ApplyReport::default();
        let mut state = self.state;
        let mut checker = Checker::new(owner);
        let held = HeldIds::of(&state);

        if let Some(incoming) = delta.config {
            if incoming != state.config {
                let ok = check_config(&incoming.body).is_ok()
                    && incoming.verify(&mut checker.verifier, &owner).is_ok();
                count(&mut report, ok);
                if ok {
                    state.config = config::pick(state.config, incoming);
                }
            }
        }
        // Invitations already held are known good and serve as cache for ban chains.
        for record in &state.members {
            checker.known(record);
        }
        for record in delta.members {
            if !held.ids.contains(&record.id()) {
                let ok = checker.invitation(&record).is_ok();
                admit(&mut report, ok, &mut state.members, record);
            }
        }
        for ban in delta.bans {
            if !held.ids.contains(&ban.id()) {
                let ok = checker.ban(&ban).is_ok();
                admit(&mut report, ok, &mut state.bans, ban);
            }
        }
        for info in delta.member_info {
            if !held.ids.contains(&info.id()) {
                let ok = info.verify(&mut checker.verifier, &owner).is_ok()
                    && member_info::fits(&info.body);
                admit(&mut report, ok, &mut state.member_info, info);
            }
        }
        for batch in delta.secret_batches {
            if !held.ids.contains(&batch.id()) {
                let ok = batch_shape_ok(&batch.body, &owner)
                    && batch.verify(&mut checker.verifier, &owner).is_ok();
                admit(&mut report, ok, &mut state.secrets.batches, batch);
            }
        }
        for blob in delta.secret_blobs {
            if !held
                .blobs
                .contains(&(blob.version, blob.member, blob.hash()))
            {
                let ok = blob_shape_ok(&blob);
                admit(&mut report, ok, &mut state.secrets.blobs, blob);
            }
        }
        for message in delta.messages {
            if !held.ids.contains(&message.id()) {
                let ok = message.verify(&mut checker.verifier, &owner).is_ok();
                admit(&mut report, ok, &mut state.messages, message);
            }
        }
        if let Some(incoming) = delta.upgrade {
            if Some(&incoming) != state.upgrade.as_ref() {
                let ok = incoming.verify(&mut checker.verifier, &owner).is_ok();
                count(&mut report, ok);
                if ok {
                    state.upgrade = upgrade::pick(state.upgrade, Some(incoming));
                }
            }
        }

        let state = normalize(state, &owner);
        (VerifiedState { state, owner }, report)
    }
}

fn count(report: &mut ApplyReport, ok: bool) {
    if ok {
        report.admitted += 1;
    } else {
        report.rejected += 1;
    }
}

fn admit<T>(report: &mut ApplyReport, ok: bool, into: &mut Vec<T>, record: T) {
    count(report, ok);
    if ok {
        into.push(record);
    }
}

/// Ids of the records a state holds, so a delta's known records are not re-checked.
struct HeldIds {
    ids: Set<RecordId>,
    blobs: Set<(u32, MemberKey, [u8; 32])>,
}

impl HeldIds {
    fn of(state: &RoomState) -> Self {
        let mut ids = Set::default();
        ids.extend(state.members.iter().map(|r| r.id()));
        ids.extend(state.bans.iter().map(|r| r.id()));
        ids.extend(state.member_info.iter().map(|r| r.id()));
        ids.extend(state.secrets.batches.iter().map(|r| r.id()));
        ids.extend(state.messages.iter().map(|r| r.id()));
        let blobs = state
            .secrets
            .blobs
            .iter()
            .map(|b| (b.version, b.member, b.hash()))
            .collect();
        HeldIds { ids, blobs }
    }
}

/// A verifier plus a cache of invitations already checked, so an invitation that is
/// both a member record and a link in a ban's chain is verified once.
struct Checker {
    owner: MemberKey,
    verifier: Verifier,
    invitations: Map<Sig, Invitation>,
}

impl Checker {
    fn new(owner: MemberKey) -> Self {
        Checker {
            owner,
            verifier: Verifier::new(),
            invitations: Map::default(),
        }
    }

    fn known(&mut self, record: &MemberRecord) {
        self.invitations
            .insert(record.signature, record.body.clone());
    }

    fn invitation(&mut self, record: &MemberRecord) -> Result<(), crate::sign::SigError> {
        if self.invitations.get(&record.signature) == Some(&record.body) {
            return Ok(());
        }
        record.verify(&mut self.verifier, &self.owner)?;
        self.known(record);
        Ok(())
    }

    fn ban(&mut self, ban: &BanRecord) -> Result<(), crate::sign::SigError> {
        ban.verify(&mut self.verifier, &self.owner)?;
        for link in &ban.body.chain {
            self.invitation(link)?;
        }
        Ok(())
    }
}
