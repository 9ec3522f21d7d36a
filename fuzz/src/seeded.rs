//! Mutations of *valid* inputs. Random bytes rarely decode as a room, so the plain
//! targets mostly exercise the decoder; these start from real signed states and deltas
//! (built once with brook-common's testkit) and let the fuzzer flip, overwrite, cut and
//! splice bytes, which reaches signature batches, normalization and every rule.

use std::sync::OnceLock;

use brook_common::ids::MemberKey;
use brook_common::room::bans::Leave;
use brook_common::room::config::Privacy;
use brook_common::room::members::{Acceptance, Grant, MemberRecord};
use brook_common::room::{wire, RoomDelta, Signed};
use brook_common::sign::member_key;
use brook_common::testkit::scenario::{author, base_room, key_pool};
use brook_common::testkit::{signing_key, TestRoom};
use libfuzzer_sys::arbitrary::{self, Arbitrary};

/// One room's valid material: parameters, states, deltas.
pub type SeedRoom = (Vec<u8>, Vec<Vec<u8>>, Vec<Vec<u8>>);

/// Valid material of one public and one private room.
pub struct Seeds {
    pub rooms: Vec<SeedRoom>,
}

pub fn seeds() -> &'static Seeds {
    static SEEDS: OnceLock<Seeds> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let rooms = [Privacy::Public, Privacy::Private]
            .into_iter()
            .map(|privacy| {
                let base = base_room(privacy, 12);
                let mut replica = base.clone();
                let ops: Vec<_> = (0..24u8)
                    .map(|i| (i, i.wrapping_mul(7), i.wrapping_mul(13)))
                    .collect();
                let mut deltas = author(&mut replica, "fuzz", &ops, &mut key_pool());
                // The attacks applied in turn: a state holding departed acceptances,
                // bans and leaves, to mutate and to update.
                let mut attacked = replica.clone();
                deltas.extend(attack_deltas(&mut attacked));
                let deltas = deltas
                    .iter()
                    .map(|d| wire::encode_delta(d).expect("encodes"))
                    .collect();
                (
                    base.params_bytes(),
                    vec![
                        base.state_bytes(),
                        replica.state_bytes(),
                        attacked.state_bytes(),
                    ],
                    deltas,
                )
            })
            .collect();
        Seeds { rooms }
    })
}

/// Apply `delta` to `room` and keep it as a seed.
fn keep(room: &mut TestRoom, deltas: &mut Vec<RoomDelta>, delta: RoomDelta) {
    room.apply(delta.clone());
    deltas.push(delta);
}

/// An acceptance of `member` (any key, even one nobody can sign for) through a grant of
/// the owner's naming `invite_key`; the signatures are whatever the given keys make.
fn forged_acceptance(room: &TestRoom, member: MemberKey, invite_key: MemberKey) -> MemberRecord {
    let owner_key = room.owner_key();
    let grant = Signed::sign(
        &owner_key,
        Grant {
            inviter: owner_key,
            invite_key,
        },
        &room.owner,
    )
    .expect("grant signs");
    let body = Acceptance {
        member,
        admit: grant.signature,
        grant,
    };
    Signed::sign(&owner_key, body, &room.owner).expect("acceptance signs")
}

/// The room-authority attacks' records, as seeds, each applied to `room` in turn:
/// - a flood by uninvited keys (VER-1);
/// - acceptances of a member key and of an invitation key no secret can be wrapped for
///   (MEM-6);
/// - a tree of acceptances (owner → A → {B → {C, E}, J → K}, owner → D), ancestors'
///   bans with their issuer (BAN-2), a ban by a non-ancestor, the owner's ban of B
///   together with bans B signs once banned — of its own descendant and of others (BAN-7);
/// - one invitation key admitting two members under one grant, and a third under
///   another inviter's grant (MEM-7);
/// - a member's own leave (LEAVE-1), a leave forged for another member, and the leaver's
///   acceptance replayed after the leave, alone and in the leave's own delta;
/// - a rotation split into its batch and its wrapped secrets (SEC-6).
fn attack_deltas(room: &mut TestRoom) -> Vec<RoomDelta> {
    let mut deltas = vec![room.outsider_flood(40)];
    let owner = room.owner.clone();

    // MEM-6: keys no secret can be wrapped for.
    let wrappable = member_key(&signing_key("attack-wrappable", 0));
    deltas.push(RoomDelta {
        members: vec![
            forged_acceptance(room, MemberKey([0; 32]), wrappable),
            forged_acceptance(room, wrappable, MemberKey([0; 32])),
        ],
        ..RoomDelta::default()
    });

    // The tree the bans act on.
    let key = |n: u64| signing_key("attack", n);
    let (a, b, c, d, e, j, k) = (key(0), key(1), key(2), key(3), key(4), key(10), key(11));
    for (inviter, invitee) in [
        (&owner, &a),
        (&a, &b),
        (&b, &c),
        (&b, &e),
        (&a, &j),
        (&j, &k),
        (&owner, &d),
    ] {
        let delta = room.invite(inviter, invitee);
        keep(room, &mut deltas, delta);
    }
    // A bans its grandchildren C and K: ancestors' bans (K's stays to the end).
    for target in [&c, &k] {
        let ban = room.ban(&a, &member_key(target));
        keep(room, &mut deltas, ban);
    }
    // D bans B, in another branch: no authority.
    let ban = room.ban(&d, &member_key(&b));
    keep(room, &mut deltas, ban);
    // The owner bans B (E goes with it); B, banned, bans E (already gone with it) and D.
    let mut bans = room.ban(&owner, &member_key(&b));
    bans.bans.extend(room.ban(&b, &member_key(&e)).bans);
    bans.bans.extend(room.ban(&b, &member_key(&d)).bans);
    keep(room, &mut deltas, bans);
    let late = room.ban(&b, &member_key(&a));
    keep(room, &mut deltas, late);

    // MEM-7: one invitation key, two members under one grant, a third under another's.
    let invite = room.invite_key();
    let (f, g, h) = (key(5), key(6), key(7));
    let mut reuse = room.with_chain(RoomDelta::default(), &member_key(&a));
    reuse.members.push(room.acceptance_with(&a, &invite, &f));
    reuse.members.push(room.acceptance_with(&a, &invite, &g));
    reuse.members.push(room.acceptance_with(&d, &invite, &h));
    keep(room, &mut deltas, reuse);

    // LEAVE-1: L invites N, then leaves; N keeps its place. Then L's acceptance replayed.
    let (leaver, newcomer) = (key(8), key(9));
    let joined = room.invite(&a, &leaver);
    let replayed = joined.members.clone();
    keep(room, &mut deltas, joined);
    let invited = room.invite(&leaver, &newcomer);
    keep(room, &mut deltas, invited);
    let leave = room.leave(&leaver);
    let mut leave_and_replay = leave.clone();
    leave_and_replay.members.extend(replayed.iter().cloned());
    keep(room, &mut deltas, leave);
    keep(
        room,
        &mut deltas,
        RoomDelta {
            members: replayed,
            ..RoomDelta::default()
        },
    );
    deltas.push(leave_and_replay);
    // A leave signed by someone other than its member: D "leaves" for A.
    let forged = Signed::sign(
        &room.owner_key(),
        Leave {
            member: member_key(&a),
        },
        &d,
    )
    .expect("leave signs");
    deltas.push(RoomDelta {
        leaves: vec![forged],
        ..RoomDelta::default()
    });

    // SEC-6: a rotation split in two.
    let everyone: Vec<MemberKey> = room.state.members.iter().map(|m| m.body.member).collect();
    let rotation = room.secret_batch(7, &everyone);
    deltas.push(RoomDelta {
        secret_batches: rotation.secret_batches,
        ..RoomDelta::default()
    });
    deltas.push(RoomDelta {
        secret_blobs: rotation.secret_blobs,
        ..RoomDelta::default()
    });
    deltas
}

/// One edit of a byte string.
#[derive(Debug, Arbitrary)]
pub enum Edit {
    Set { at: u16, byte: u8 },
    Flip { at: u16, bit: u8 },
    Truncate { at: u16 },
    Insert { at: u16, bytes: Vec<u8> },
}

pub fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len().max(1);
        match edit {
            Edit::Set { at, byte } => {
                if let Some(b) = bytes.get_mut(*at as usize % len) {
                    *b = *byte;
                }
            }
            Edit::Flip { at, bit } => {
                if let Some(b) = bytes.get_mut(*at as usize % len) {
                    *b ^= 1 << (bit % 8);
                }
            }
            Edit::Truncate { at } => bytes.truncate(*at as usize % len),
            Edit::Insert { at, bytes: extra } => {
                let at = (*at as usize % len).min(bytes.len());
                bytes.splice(at..at, extra.iter().copied());
            }
        }
    }
    bytes
}

/// Which seeds to start from and how to mutate them.
#[derive(Debug, Arbitrary)]
pub struct SeededCall {
    pub room: u8,
    pub state: u8,
    pub delta: u8,
    pub state_edits: Vec<Edit>,
    pub delta_edits: Vec<Edit>,
}
