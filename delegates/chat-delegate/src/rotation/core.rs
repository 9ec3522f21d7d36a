//! The rotation pipeline's decision, pure: the room's state (as a [`RotationView`]), the
//! pending marker and the highest version already signed in; what to do with the marker
//! and what to emit out. No store, no host, no key — so every transition of
//! `docs/rotation.md` is a function call natively.
//!
//! What is owed to the room is decided by [`brook_common::rotation::decide`] (rules
//! ROT-1..6); this adds the marker's life cycle (rules PIPE-2..4), the owner's ban
//! (PIPE-6) and the owner's rotate-now (PIPE-7).

use brook_common::ids::MemberKey;
use brook_common::room::config::Privacy;
use brook_common::rotation::{decide, everyone, Clock, Decision, RotationView};

use crate::records::PendingRotation;

const EXHAUSTED: &str = "secret versions are exhausted (u32::MAX reached)";

/// Refusals of one pending rotation before it is given up and a new version planned
/// (rule PIPE-4).
pub const MAX_ATTEMPTS: u32 = 8;

/// What happens to the stored marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkerChange {
    /// No marker, or none to touch.
    Keep,
    /// The state holds the marker's version: it landed (rule PIPE-3).
    Clear,
    /// Refused `MAX_ATTEMPTS` times without landing: dropped (rule PIPE-4).
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

/// Rule PIPE-4: a version is signed once. A rotation takes the version `decide` asks
/// for, or the one above every version this delegate already signed for the room.
fn above_signed(decision: Decision, signed: Option<u32>) -> Result<Decision, String> {
    match (decision, signed) {
        (
            Decision::Rotate {
                version,
                recipients,
            },
            Some(high),
        ) if version <= high => {
            let version = high.checked_add(1).ok_or(EXHAUSTED)?;
            Ok(Decision::Rotate {
                version,
                recipients,
            })
        }
        (decision, _) => Ok(decision),
    }
}

/// Decide one run over `view` for the owner of `room` at `clock`, given the marker the
/// delegate holds and the highest rotation version it signed (`signed`).
pub fn next(
    view: &RotationView,
    pending: Option<PendingRotation>,
    signed: Option<u32>,
    room: &MemberKey,
    clock: Clock,
) -> Next {
    let mut marker = MarkerChange::Keep;
    match pending {
        Some(p) if landed(view, &p) => marker = MarkerChange::Clear,
        // rule PIPE-2: every look re-sends the very bytes; only refusals count.
        Some(p) if p.attempts < MAX_ATTEMPTS => {
            return Next {
                marker,
                action: Action::Republish {
                    version: p.version,
                    delta: p.delta,
                },
            };
        }
        Some(_) => marker = MarkerChange::Drop, // rule PIPE-4
        None => {}
    }
    let action = match decide(view, room, clock).map_err(|e| e.to_string()) {
        Ok(Decision::Nothing) => Action::UpToDate,
        Ok(decision) => match above_signed(decision, signed) {
            Ok(decision) => Action::Sign(decision),
            Err(reason) => Action::Failed(reason),
        },
        Err(reason) => Action::Failed(reason),
    };
    Next { marker, action }
}

/// A new version for everyone in `view`, above every version the view holds, this
/// delegate signed (`signed`) and the owed rotation (`pending`), which it supersedes:
/// the owed delta is never sent again (rules PIPE-6, PIPE-7). Version 0 in a room that
/// has none and owes none.
fn rotate_above(
    view: &RotationView,
    pending: Option<&PendingRotation>,
    signed: Option<u32>,
    room: &MemberKey,
) -> Result<Decision, String> {
    let high = view
        .secrets
        .current_version()
        .max(signed)
        .max(pending.map(|p| p.version));
    let version = match high {
        Some(high) => high.checked_add(1).ok_or(EXHAUSTED)?,
        None => 0,
    };
    Ok(Decision::Rotate {
        version,
        recipients: everyone(view, room),
    })
}

/// Rule PIPE-6: what the owner's ban of `target` must carry, over the view *without*
/// the target's subtree. With a rotation still owed (`pending`, not landed), that owed
/// rotation may wrap the secret for the target, so it is never sent again: the ban
/// carries a new version for everyone who stays, above every version signed. Otherwise
/// what `decide` owes the room without the target.
pub fn plan_for_ban(
    without_target: &RotationView,
    pending: Option<&PendingRotation>,
    signed: Option<u32>,
    room: &MemberKey,
    clock: Clock,
) -> Result<Decision, String> {
    if let Some(owed) = pending.filter(|p| !landed(without_target, p)) {
        return rotate_above(without_target, Some(owed), signed, room);
    }
    let decision = decide(without_target, room, clock).map_err(|e| e.to_string())?;
    above_signed(decision, signed)
}

/// Rule PIPE-7: the owner's rotate-now, over `view` (the room as this node holds it):
/// a new version wrapped for the owner and every current member (never one who left or
/// was banned), above every version the room holds, this delegate signed or still owes
/// — an owed rotation is superseded and never sent again, as by the ban (PIPE-6). Only a
/// private room has a secret (rule ROT-1). What the room owes otherwise (`decide`) is not
/// asked: the owner wants a new secret whatever the schedule says.
pub fn plan_rotate_now(
    view: &RotationView,
    pending: Option<&PendingRotation>,
    signed: Option<u32>,
    room: &MemberKey,
) -> Result<Decision, String> {
    if view.privacy != Privacy::Private {
        return Err("a public room has no secret".into());
    }
    // A landed marker's version is at most the room's current one: it raises nothing.
    rotate_above(view, pending, signed, room)
}

#[cfg(test)]
mod tests {
    use brook_common::room::config::Privacy;
    use brook_common::testkit::TestRoom;

    use super::*;

    const NOW: Clock = Clock {
        now_ms: 1_000,
        current_since_ms: None,
    };

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
        let next = next(&view(&room), None, None, &room.owner_key(), NOW);
        assert_eq!(next.marker, MarkerChange::Keep);
        assert_eq!(next.action, Action::UpToDate);
    }

    #[test]
    fn a_new_private_room_needs_a_signature() {
        let room = TestRoom::new(Privacy::Private);
        let next = next(&view(&room), None, None, &room.owner_key(), NOW);
        assert!(matches!(
            next.action,
            Action::Sign(Decision::Rotate { version: 0, .. })
        ));
    }

    #[test]
    fn rule_pipe_3_a_landed_marker_is_cleared_and_the_room_decided_afresh() {
        let room = settled_room();
        let next = next(
            &view(&room),
            Some(marker(0, 3)),
            Some(0),
            &room.owner_key(),
            NOW,
        );
        assert_eq!(next.marker, MarkerChange::Clear);
        assert_eq!(next.action, Action::UpToDate);
    }

    #[test]
    fn rule_pipe_2_an_owed_marker_is_re_emitted_byte_for_byte_and_not_counted() {
        let room = settled_room();
        let owed = marker(1, 2);
        let next = next(
            &view(&room),
            Some(owed.clone()),
            Some(1),
            &room.owner_key(),
            NOW,
        );
        assert_eq!(
            next.action,
            Action::Republish {
                version: 1,
                delta: owed.delta.clone()
            }
        );
        // A look is not a refusal: only the node's refusal counts (pipeline.rs).
        assert_eq!(next.marker, MarkerChange::Keep);
    }

    #[test]
    fn rule_pipe_4_a_marker_refused_max_attempts_times_is_dropped_and_its_version_never_resigned() {
        let room = TestRoom::new(Privacy::Private);
        let next = next(
            &view(&room),
            Some(marker(0, MAX_ATTEMPTS)),
            Some(0),
            &room.owner_key(),
            NOW,
        );
        assert_eq!(next.marker, MarkerChange::Drop);
        assert!(
            matches!(
                next.action,
                Action::Sign(Decision::Rotate { version: 1, .. })
            ),
            "version 0 was signed once already: {:?}",
            next.action
        );
    }

    #[test]
    fn rule_pipe_6_a_ban_with_a_rotation_owed_carries_a_new_version_without_the_target() {
        let room = settled_room();
        let full = view(&room);
        let target = full.members[0];
        let without = full.without_subtree(&target);
        let owed = marker(1, 0);
        let decision =
            plan_for_ban(&without, Some(&owed), Some(1), &room.owner_key(), NOW).unwrap();
        match decision {
            Decision::Rotate {
                version,
                recipients,
            } => {
                assert_eq!(version, 2, "above the owed version 1, never 1 again");
                assert!(!recipients.contains(&target));
                assert!(recipients.contains(&room.owner_key()));
            }
            other => panic!("expected a rotation, got {other:?}"),
        }
        // Without anything owed, the ban takes what decide owes: a rotation, since
        // the target holds the current version.
        let decision = plan_for_ban(&without, None, Some(0), &room.owner_key(), NOW).unwrap();
        assert!(matches!(decision, Decision::Rotate { version: 1, .. }));
    }

    #[test]
    fn rule_pipe_7_rotate_now_goes_above_the_room_what_was_signed_and_what_is_owed() {
        let room = settled_room();
        let owner = room.owner_key();
        let full = view(&room);
        let rotate = |pending: Option<&PendingRotation>, signed| match plan_rotate_now(
            &full, pending, signed, &owner,
        )
        .unwrap()
        {
            Decision::Rotate {
                version,
                recipients,
            } => {
                assert_eq!(recipients, everyone(&full, &owner), "everyone, each once");
                version
            }
            other => panic!("expected a rotation, got {other:?}"),
        };
        assert_eq!(rotate(None, None), 1, "above the room's version 0");
        assert_eq!(rotate(None, Some(4)), 5, "above every version signed");
        assert_eq!(rotate(Some(&marker(7, 0)), Some(7)), 8, "above the owed 7");
        assert_eq!(rotate(Some(&marker(0, 2)), Some(0)), 1, "a landed marker");
        // Nothing is owed by decide (everyone holds version 0): rotate-now still rotates.
        assert_eq!(
            next(&full, None, Some(0), &owner, NOW).action,
            Action::UpToDate
        );
        // A room with no version yet gets version 0; u32::MAX is a hard stop (ROT-4).
        let fresh = TestRoom::new(Privacy::Private);
        let new_view = view(&fresh);
        assert!(matches!(
            plan_rotate_now(&new_view, None, None, &fresh.owner_key()),
            Ok(Decision::Rotate { version: 0, .. })
        ));
        assert!(plan_rotate_now(&full, None, Some(u32::MAX), &owner).is_err());
    }

    #[test]
    fn rule_pipe_7_a_public_room_has_no_secret_to_rotate() {
        let room = TestRoom::new(Privacy::Public);
        let decision = plan_rotate_now(&view(&room), None, None, &room.owner_key());
        assert_eq!(decision, Err("a public room has no secret".into()));
    }
}
