//! Checking signatures: a whole state ([`verify_state`]) or only the records a delta
//! adds ([`VerifiedState::apply`]), each as one signature batch. Records already held in
//! a verified state are never checked again.

use super::bans::{BanRecord, LeaveRecord};
use super::config::{self, check_config};
use super::error::RoomError;
use super::member_info;
use super::members::MemberRecord;
use super::normalize::normalize;
use super::secrets::{batch_shape_ok, blob_shape_ok};
use super::signed::{RecordBody, Signed};
use super::state::{RoomDelta, RoomParams, RoomState};
use super::upgrade;
use crate::batch_verify::{KeyCache, SignatureBatch};
use crate::collections::Set;
use crate::ids::{MemberKey, RecordId};

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

/// Queues records' signatures, one group per record, remembering what each group is.
struct Checks {
    owner: MemberKey,
    batch: SignatureBatch,
    labels: Vec<&'static str>,
    /// Decompressed signer keys, shared by the MEM-6 checks and the batch.
    keys: KeyCache,
}

impl Checks {
    fn new(owner: MemberKey) -> Self {
        Checks {
            owner,
            batch: SignatureBatch::new(),
            labels: Vec::new(),
            keys: KeyCache::default(),
        }
    }

    /// Open a group for one record.
    fn group(&mut self, label: &'static str) -> usize {
        self.labels.push(label);
        self.labels.len() - 1
    }

    fn record<T: RecordBody>(&mut self, group: usize, record: &Signed<T>) {
        let signer = record.body.signer(&self.owner);
        self.batch.add(
            group,
            T::KIND,
            &self.owner,
            &signer,
            &record.body,
            &record.signature,
        );
    }

    fn one<T: RecordBody>(&mut self, label: &'static str, record: &Signed<T>) -> usize {
        let group = self.group(label);
        self.record(group, record);
        group
    }

    /// An acceptance's three signatures (MEM-1) as one group: the member's, the
    /// inviter's grant and the invitation key's admit.
    fn member(&mut self, record: &MemberRecord) -> usize {
        let group = self.one("member acceptance", record);
        self.record(group, &record.body.grant);
        let admit = record.body.admit_body();
        self.batch.add(
            group,
            crate::protocol::RecordKind::Admit,
            &self.owner,
            &record.body.invite_key(),
            &admit,
            &record.body.admit,
        );
        group
    }

    fn verify(mut self) -> (Set<usize>, Vec<&'static str>) {
        (self.batch.verify(&mut self.keys), self.labels)
    }

    /// Rule MEM-6, checked like a signature: once per record that arrives, never again.
    /// The member key must be one a secret can be wrapped for (`ecies::can_wrap_for`
    /// is the same test); the invitation key must be one that can sign. Both keys sign
    /// in the record's own group, so the batch reuses the points decompressed here.
    fn member_keys_ok(&mut self, record: &MemberRecord) -> bool {
        self.keys.accepts(&record.body.member) && self.keys.accepts(&record.body.invite_key())
    }
}

/// Verify every signature in `state` and that it is canonical.
pub fn verify_state(params: &RoomParams, state: RoomState) -> Result<VerifiedState, RoomError> {
    let owner = params.owner;
    check_config(&state.config.body)?;
    for info in &state.member_info {
        if !member_info::fits(&info.body) {
            return Err(RoomError::invalid(
                "member info",
                "INFO-3: nickname too large",
            ));
        }
    }
    for batch in &state.secrets.batches {
        if !batch_shape_ok(&batch.body, &owner) {
            return Err(RoomError::invalid(
                "secret batch",
                "SEC-2: leaves unsorted or no owner leaf",
            ));
        }
    }
    if !state.secrets.blobs.iter().all(blob_shape_ok) {
        return Err(RoomError::invalid("wrapped secret", "SEC-5: too large"));
    }
    let mut checks = Checks::new(owner);
    if !state
        .members
        .iter()
        .chain(&state.departed)
        .all(|r| checks.member_keys_ok(r))
    {
        return Err(RoomError::invalid(
            "member acceptance",
            "MEM-6: a member or invitation key is not a full-order ed25519 point",
        ));
    }

    checks.one("config", &state.config);
    for record in state.members.iter().chain(&state.departed) {
        checks.member(record);
    }
    for ban in &state.bans {
        checks.one("ban", ban);
    }
    for leave in &state.leaves {
        checks.one("leave", leave);
    }
    for info in &state.member_info {
        checks.one("member info", info);
    }
    for batch in &state.secrets.batches {
        checks.one("secret batch", batch);
    }
    for message in &state.messages {
        checks.one("message", message);
    }
    if let Some(upgrade) = &state.upgrade {
        checks.one("upgrade", upgrade);
    }
    let (failed, labels) = checks.verify();
    if let Some(first) = failed.iter().min() {
        return Err(RoomError::BadSignature {
            what: labels.get(*first).copied().unwrap_or("a record"),
        });
    }

    let canonical = normalize(state.clone(), &owner);
    if let Some(component) = first_difference(&canonical, &state) {
        return Err(RoomError::NotCanonical(component));
    }
    Ok(VerifiedState { state, owner })
}

fn first_difference(a: &RoomState, b: &RoomState) -> Option<&'static str> {
    [
        (a.members != b.members, "members"),
        (a.departed != b.departed, "departed"),
        (a.bans != b.bans, "bans"),
        (a.leaves != b.leaves, "leaves"),
        (a.member_info != b.member_info, "member_info"),
        (a.secrets != b.secrets, "secrets"),
        (a.messages != b.messages, "messages"),
    ]
    .into_iter()
    .find_map(|(differs, name)| differs.then_some(name))
}

/// The records of a delta that are new to a state, each with its signature group.
#[derive(Default)]
struct NewRecords {
    config: Option<(usize, super::config::ConfigRecord)>,
    members: Vec<(usize, MemberRecord)>,
    bans: Vec<(usize, BanRecord)>,
    leaves: Vec<(usize, LeaveRecord)>,
    member_info: Vec<(usize, super::member_info::MemberInfoRecord)>,
    batches: Vec<(usize, super::secrets::SecretBatchRecord)>,
    messages: Vec<(usize, super::messages::MessageRecord)>,
    upgrade: Option<(usize, super::upgrade::UpgradeRecord)>,
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
        let mut state = self.state;
        let mut report = ApplyReport::default();
        let held = held_ids(&state);
        let mut new = NewRecords::default();
        let mut shape_rejected = 0;

        // Rule VER-1: the cheap checks (who could be a member, sizes) run before any
        // public-key operation, so records that normalize would drop anyway cost an
        // outsider's delta only a set lookup each. Only what normalize drops whatever
        // else arrives is dropped here, so the result is the same as checking first.
        // Who *could* be a member: the owner, the moderators, every held member and
        // every member this delta's acceptances name (they may admit them).
        let config = &state.config.body;
        let mut could_be_member: Set<MemberKey> =
            state.members.iter().map(|r| r.body.member).collect();
        could_be_member.insert(owner);
        could_be_member.extend(config.moderators.iter().copied());
        could_be_member.extend(delta.members.iter().map(|r| r.body.member));
        if let Some(incoming) = &delta.config {
            could_be_member.extend(incoming.body.moderators.iter().copied());
        }
        // Who could be in the tree: those, and the departed — a leaver's invitees hang
        // from it, and a ban or a leave names a departed member's acceptance.
        let mut in_tree = could_be_member.clone();
        in_tree.extend(state.departed.iter().map(|r| r.body.member));
        // A config in this same delta may raise the limit: the larger one decides.
        let max_message = delta.config.as_ref().map_or(config.max_message_bytes, |c| {
            c.body.max_message_bytes.max(config.max_message_bytes)
        }) as usize;
        let mut checks = Checks::new(owner);
        if let Some(incoming) = delta.config.filter(|c| *c != state.config) {
            if check_config(&incoming.body).is_ok() {
                new.config = Some((checks.one("config", &incoming), incoming));
            } else {
                shape_rejected += 1;
            }
        }
        for record in delta
            .members
            .into_iter()
            .filter(|r| !held.contains(&r.id()))
        {
            if in_tree.contains(&record.body.inviter()) && checks.member_keys_ok(&record) {
                new.members.push((checks.member(&record), record));
            } else {
                shape_rejected += 1;
            }
        }
        // A ban needs its issuer and its target in the tree (BAN-2, BAN-8); a leave, its
        // member.
        for ban in delta.bans.into_iter().filter(|r| !held.contains(&r.id())) {
            let body = &ban.body;
            if in_tree.contains(&body.issuer) && in_tree.contains(&body.target) {
                new.bans.push((checks.one("ban", &ban), ban));
            } else {
                shape_rejected += 1;
            }
        }
        for leave in delta.leaves.into_iter().filter(|r| !held.contains(&r.id())) {
            if in_tree.contains(&leave.body.member) {
                new.leaves.push((checks.one("leave", &leave), leave));
            } else {
                shape_rejected += 1;
            }
        }
        for info in delta
            .member_info
            .into_iter()
            .filter(|r| !held.contains(&r.id()))
        {
            if could_be_member.contains(&info.body.member) && member_info::fits(&info.body) {
                new.member_info
                    .push((checks.one("member info", &info), info));
            } else {
                shape_rejected += 1;
            }
        }
        for batch in delta
            .secret_batches
            .into_iter()
            .filter(|r| !held.contains(&r.id()))
        {
            if batch_shape_ok(&batch.body, &owner) {
                new.batches
                    .push((checks.one("secret batch", &batch), batch));
            } else {
                shape_rejected += 1;
            }
        }
        for message in delta
            .messages
            .into_iter()
            .filter(|r| !held.contains(&r.id()))
        {
            let body = &message.body;
            if could_be_member.contains(&body.author) && body.body.fits(max_message) {
                new.messages
                    .push((checks.one("message", &message), message));
            } else {
                shape_rejected += 1;
            }
        }
        if let Some(incoming) = delta.upgrade.filter(|u| Some(u) != state.upgrade.as_ref()) {
            new.upgrade = Some((checks.one("upgrade", &incoming), incoming));
        }
        let (failed, _) = checks.verify();

        let mut keep = |group: usize| {
            let ok = !failed.contains(&group);
            if ok {
                report.admitted += 1;
            } else {
                report.rejected += 1;
            }
            ok
        };
        if let Some((group, incoming)) = new.config {
            if keep(group) {
                state.config = config::pick(state.config, incoming);
            }
        }
        state.members.extend(
            new.members
                .into_iter()
                .filter(|(g, _)| keep(*g))
                .map(|(_, r)| r),
        );
        state.bans.extend(
            new.bans
                .into_iter()
                .filter(|(g, _)| keep(*g))
                .map(|(_, r)| r),
        );
        state.leaves.extend(
            new.leaves
                .into_iter()
                .filter(|(g, _)| keep(*g))
                .map(|(_, r)| r),
        );
        state.member_info.extend(
            new.member_info
                .into_iter()
                .filter(|(g, _)| keep(*g))
                .map(|(_, r)| r),
        );
        state.secrets.batches.extend(
            new.batches
                .into_iter()
                .filter(|(g, _)| keep(*g))
                .map(|(_, r)| r),
        );
        state.messages.extend(
            new.messages
                .into_iter()
                .filter(|(g, _)| keep(*g))
                .map(|(_, r)| r),
        );
        if let Some((group, incoming)) = new.upgrade {
            if keep(group) {
                state.upgrade = upgrade::pick(state.upgrade, Some(incoming));
            }
        }
        let held_blobs: Set<(u32, MemberKey, [u8; 32])> = state
            .secrets
            .blobs
            .iter()
            .map(|b| (b.version, b.member, b.hash()))
            .collect();
        for blob in delta.secret_blobs {
            if held_blobs.contains(&(blob.version, blob.member, blob.hash())) {
                continue;
            }
            if blob_shape_ok(&blob) {
                report.admitted += 1;
                state.secrets.blobs.push(blob);
            } else {
                report.rejected += 1;
            }
        }
        report.rejected += shape_rejected;

        let state = normalize(state, &owner);
        (VerifiedState { state, owner }, report)
    }
}

/// Ids of the signed records a state holds, so a delta's known records are skipped.
fn held_ids(state: &RoomState) -> Set<RecordId> {
    let mut ids = Set::default();
    ids.extend(state.members.iter().map(|r| r.id()));
    ids.extend(state.departed.iter().map(|r| r.id()));
    ids.extend(state.bans.iter().map(|r| r.id()));
    ids.extend(state.leaves.iter().map(|r| r.id()));
    ids.extend(state.member_info.iter().map(|r| r.id()));
    ids.extend(state.secrets.batches.iter().map(|r| r.id()));
    ids.extend(state.messages.iter().map(|r| r.id()));
    ids
}
