//! The rotation pipeline's decision, pure: the room's state (as a [`RotationView`]) and
//! the pending marker in, what to do with the marker and what to emit out. No store, no
//! host, no key — so every transition of `docs/rotation.md` is a function call natively.
//!
//! What is owed to the room is decided by [`brook_common::rotation::decide`] (rules
//! ROT-1..4); this adds the marker's life cycle (rules PIPE-2..4).

use brook_common::ids::MemberKey;
use brook_common::rotation::{decide, Decision, RotationView};

use crate::records::PendingRotation;

/// Re-emissions of one pending rotation before it is planned afresh (rule PIPE-4).
pub const MAX_ATTEMPTS: u32 = 8;

/// What happens to the stored marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkerChange {
    /// No marker, or none to touch.
    Keep,
    /// The state holds the marker's version: it landed (rule PIPE-3).
    Clear,
    /// Re-emitted once more: store it with this attempt count first (rule PIPE-2).
    Count(PendingRotation),
    /// Re-emitted `MAX_ATTEMPTS` times without landing: dropped (rule PIPE-4).
    Drop,
}

/// What the run emits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The owed rotation's exact bytes, again (rule PIPE-2).
    Republish { version: u32, delta: Vec<u8> },
    /// Nothing is owed.
    UpToDate,
    /// Something must be signed with the owner's key: a back-fill or a rotation.
    Sign(Decision),
    /// The room cannot be decided on (its reason, for the run's report).
    Failed(String),
}

/// One run's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    pub marker: MarkerChange,
    pub action: Action,
}

/// Whether `view` holds the marker's version, i.e. the rotation landed (rule PIPE-3:
/// only a state says so, never the node's answer to the update).
pub fn landed(view: &RotationView, pending: &PendingRotation) -> bool {
    view.secrets.current_version() >= Some(pending.version)
}

/// Decide one run over `view` for the owner of `room` at `now_ms`, given the marker the
/// delegate holds.
pub fn next(
    view: &RotationView,
    pending: Option<PendingRotation>,
    room: &MemberKey,
    now_ms: u64,
) -> Next {
    let mut marker = MarkerChange::Keep;
    match pending {
        Some(p) if landed(view, &p) => marker = MarkerChange::Clear,
        Some(mut p) if p.attempts < MAX_ATTEMPTS => {
            p.attempts = p.attempts.saturating_add(1);
            let action = Action::Republish {
                version: p.version,
                delta: p.delta.clone(),
            };
            return Next {
                marker: MarkerChange::Count(p),
                action,
            };
        }
        Some(_) => marker = MarkerChange::Drop, // rule PIPE-4
        None => {}
    }
    let action = match decide(view, room, now_ms) {
        Ok(Decision::Nothing) => Action::UpToDate,
        Ok(decision) => Action::Sign(decision),
        Err(e) => Action::Failed(e.to_string()),
    };
    Next { marker, action }
}

#[cfg(test)]
mod tests {
    use brook_common::room::config::Privacy;
    use brook_common::testkit::TestRoom;

    use super::*;

    const NOW: u64 = 1_000;

    fn view(room: &TestRoom) -> RotationView {
        RotationView::decode(&room.state_bytes()).unwrap()
    }

    fn marker(version: u32, attempts: u32) -> PendingRotation {
        PendingRotation {
            version,
            delta: version.to_le_bytes().to_vec(),
            attempts,
        }
    }

    /// A private room whose members all hold version 0.
    fn settled_room() -> TestRoom {
        let mut room = TestRoom::new(Privacy::Private);
        room.add_members(2, false);
        let mut everyone = vec![room.owner_key()];
        everyone.extend(view(&room).members.iter().copied());
        everyone.sort_unstable();
        everyone.dedup();
        let batch = room.secret_batch(0, &everyone);
        room.apply(batch);
        room
    }

    #[test]
    fn no_marker_and_nothing_owed_is_up_to_date() {
        let room = settled_room();
        let next = next(&view(&room), None, &room.owner_key(), NOW);
        assert_eq!(next.marker, MarkerChange::Keep);
        assert_eq!(next.action, Action::UpToDate);
    }

    #[test]
    fn a_new_private_room_needs_a_signature() {
        let room = TestRoom::new(Privacy::Private);
        let next = next(&view(&room), None, &room.owner_key(), NOW);
        assert!(matches!(
            next.action,
            Action::Sign(Decision::Rotate { version: 0, .. })
        ));
    }

    #[test]
    fn rule_pipe_3_a_landed_marker_is_cleared_and_the_room_decided_afresh() {
        let room = settled_room();
        let next = next(&view(&room), Some(marker(0, 3)), &room.owner_key(), NOW);
        assert_eq!(next.marker, MarkerChange::Clear);
        assert_eq!(next.action, Action::UpToDate);
    }

    #[test]
    fn rule_pipe_2_an_owed_marker_is_re_emitted_byte_for_byte_and_counted() {
        let room = settled_room();
        let owed = marker(1, 2);
        let next = next(&view(&room), Some(owed.clone()), &room.owner_key(), NOW);
        assert_eq!(
            next.action,
            Action::Republish {
                version: 1,
                delta: owed.delta.clone()
            }
        );
        assert_eq!(next.marker, MarkerChange::Count(marker(1, 3)));
    }

    #[test]
    fn rule_pipe_4_a_marker_out_of_attempts_is_dropped_and_replanned() {
        let room = TestRoom::new(Privacy::Private);
        let next = next(
            &view(&room),
            Some(marker(0, MAX_ATTEMPTS)),
            &room.owner_key(),
            NOW,
        );
        assert_eq!(next.marker, MarkerChange::Drop);
        assert!(matches!(next.action, Action::Sign(Decision::Rotate { .. })));
    }
}
