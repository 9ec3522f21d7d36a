//! Mutations of *valid* inputs. Random bytes rarely decode as a room, so the plain
//! targets mostly exercise the decoder; these start from real signed states and deltas
//! (built once with brook-common's testkit) and let the fuzzer flip, overwrite, cut and
//! splice bytes, which reaches signature batches, normalization and every rule.

use std::sync::OnceLock;

use brook_common::ids::MemberKey;
use brook_common::room::config::Privacy;
use brook_common::room::members::Invitation;
use brook_common::room::{wire, RoomDelta, Signed};
use brook_common::testkit::TestRoom;
use brook_common::testkit::scenario::{author, base_room, key_pool};
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
                deltas.extend(attack_deltas(&mut replica.clone()));
                let deltas = deltas
                    .iter()
                    .map(|d| wire::encode_delta(d).expect("encodes"))
                    .collect();
                (
                    base.params_bytes(),
                    vec![base.state_bytes(), replica.state_bytes()],
                    deltas,
                )
            })
            .collect();
        Seeds { rooms }
    })
}

/// The room-authority attacks' records, as seeds: a flood by uninvited keys (VER-1), an
/// invitation of a key no secret can be wrapped for (MEM-6), and a rotation split into its
/// batch and its wrapped secrets (SEC-6).
fn attack_deltas(room: &mut TestRoom) -> Vec<RoomDelta> {
    let mut deltas = vec![room.outsider_flood(40)];
    let owner = room.owner.clone();
    let owner_key = room.owner_key();
    if let Ok(invitation) = Signed::sign(
        &owner_key,
        Invitation {
            invitee: MemberKey([0; 32]),
            inviter: owner_key,
            invited_at: 1,
        },
        &owner,
    ) {
        deltas.push(RoomDelta {
            members: vec![invitation],
            ..RoomDelta::default()
        });
    }
    let everyone: Vec<MemberKey> = room.state.members.iter().map(|m| m.body.invitee).collect();
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
