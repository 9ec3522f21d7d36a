//! The delegate's request logic natively, against an in-memory secret store: identities,
//! typed signing (rule DEL-2), origin scoping, export (DEL-1) and compare-and-swap
//! storage (DEL-3). The same logic runs in the node in `e2e/tests/delegate_node.rs`.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use brook_common::delegate_api::{
    ApiError, ExportAcknowledgement, RecordToSign, Request, Response, RoomIdentity, StoredValue,
};
use brook_common::ids::MemberKey;
use brook_common::room::bans::{Ban, Leave};
use brook_common::room::config::{Privacy, RoomConfig};
use brook_common::room::members::{Acceptance, Grant, GrantRecord};
use brook_common::room::messages::Message;
use brook_common::room::text::RoomText;
use brook_common::room::{RoomDelta, Signed};
use brook_common::sign::{member_key, Sig};
use brook_common::testkit::{signing_key, TestRoom};
use chat_delegate::handler::handle;
use chat_delegate::sim::MemoryHost;
use chat_delegate::store::SecretStore;

const APP: [u8; 32] = [1; 32];
const OTHER_APP: [u8; 32] = [2; 32];

struct Delegate {
    host: MemoryHost,
}

impl Delegate {
    fn new() -> Self {
        Delegate {
            host: MemoryHost::default(),
        }
    }

    fn ask(&mut self, origin: [u8; 32], request: Request) -> Response {
        // Round-trip through the wire format, as the node delivers it.
        let request = Request::decode(&request.encode().unwrap()).expect("request decodes");
        let response = handle(&mut self.host, &origin, request);
        Response::decode(&response.encode().unwrap()).expect("response decodes")
    }

    fn identity(&mut self, origin: [u8; 32], room: Option<MemberKey>) -> (MemberKey, MemberKey) {
        match self.ask(origin, Request::CreateIdentity { room }) {
            Response::Identity { room, key } => (room, key),
            other => panic!("expected an identity, got {other:?}"),
        }
    }
}

fn message(author: MemberKey, text: &str) -> RecordToSign {
    RecordToSign::Message(Message {
        author,
        sent_at: 5,
        body: RoomText::Plain(text.into()),
    })
}

/// A grant by `inviter` (the delegate never checks the signature it carries).
fn grant_record(inviter: MemberKey) -> GrantRecord {
    Signed {
        body: Grant {
            inviter,
            invite_key: MemberKey([4; 32]),
        },
        signature: Sig([0; 64]),
    }
}

fn grant(inviter: MemberKey) -> RecordToSign {
    RecordToSign::Grant(grant_record(inviter).body)
}

fn acceptance(member: MemberKey) -> RecordToSign {
    RecordToSign::Acceptance(Acceptance {
        member,
        grant: grant_record(MemberKey([5; 32])),
        admit: Sig([0; 64]),
    })
}

fn leave(member: MemberKey) -> RecordToSign {
    RecordToSign::Leave(Leave { member })
}

fn ban(issuer: MemberKey, target: MemberKey) -> RecordToSign {
    RecordToSign::Ban(Ban { target, issuer })
}

#[test]
fn a_new_room_is_named_by_its_owner_key_and_identities_are_unique() {
    let mut d = Delegate::new();
    let (room, key) = d.identity(APP, None);
    assert_eq!(room, key);
    assert_eq!(
        d.ask(APP, Request::CreateIdentity { room: Some(room) }),
        Response::Error(ApiError::IdentityExists)
    );
    assert_eq!(
        d.ask(APP, Request::PublicKey { room }),
        Response::Identity { room, key }
    );
}

#[test]
fn signatures_are_accepted_by_the_room_contract() {
    // The owner's key lives in the delegate; what it signs, the room accepts.
    let mut d = Delegate::new();
    let mut room = TestRoom::new(Privacy::Public);
    let owner_room = room.owner_key();
    let import = Request::ImportIdentity {
        room: owner_room,
        seed: room.owner.to_bytes(),
    };
    assert!(matches!(d.ask(APP, import), Response::Identity { key, .. } if key == owner_room));

    // The invitation: the owner's delegate signs a grant for a fresh invitation key.
    let invite = signing_key("invite code", 1);
    let grant = Grant {
        inviter: owner_room,
        invite_key: member_key(&invite),
    };
    let Response::Signature(sig) = d.ask(
        APP,
        Request::Sign {
            room: owner_room,
            record: RecordToSign::Grant(grant.clone()),
        },
    ) else {
        panic!("the owner may sign a grant")
    };
    let grant = Signed {
        body: grant,
        signature: sig,
    };

    // The invitee's delegate (another web app's identity here) holds the member key and
    // signs the acceptance; the client made the admit signature with the invitation key.
    let member = signing_key("delegate", 1);
    let import = Request::ImportIdentity {
        room: owner_room,
        seed: member.to_bytes(),
    };
    assert!(matches!(
        d.ask(OTHER_APP, import),
        Response::Identity { .. }
    ));
    // The client's half: the invitation key's admit; the delegate signs the rest.
    let acceptance =
        brook_common::room::members::admit(&owner_room, grant, &invite, member_key(&member))
            .unwrap();
    let Response::Signature(sig) = d.ask(
        OTHER_APP,
        Request::Sign {
            room: owner_room,
            record: RecordToSign::Acceptance(acceptance.clone()),
        },
    ) else {
        panic!("the member may sign its acceptance")
    };
    let report = room.apply(RoomDelta {
        members: vec![Signed {
            body: acceptance,
            signature: sig,
        }],
        ..Default::default()
    });
    assert_eq!((report.admitted, report.rejected), (1, 0));
    assert!(room
        .state
        .members
        .iter()
        .any(|r| r.body.member == member_key(&member)));

    let mut config = room.state.config.body.clone();
    config.version += 1;
    config.name = RoomText::Plain("renamed".into());
    let Response::Signature(sig) = d.ask(
        APP,
        Request::Sign {
            room: owner_room,
            record: RecordToSign::Config(config.clone()),
        },
    ) else {
        panic!("the owner may sign the config")
    };
    room.apply(RoomDelta {
        config: Some(Signed {
            body: config,
            signature: sig,
        }),
        ..Default::default()
    });
    assert_eq!(
        room.state.config.body.name,
        RoomText::Plain("renamed".into())
    );
    room.validate().expect("valid");

    // The member leaves with a record its delegate signs (rule LEAVE-1).
    let leave = Leave {
        member: member_key(&member),
    };
    let Response::Signature(sig) = d.ask(
        OTHER_APP,
        Request::Sign {
            room: owner_room,
            record: RecordToSign::Leave(leave.clone()),
        },
    ) else {
        panic!("the member may sign its leave")
    };
    let report = room.apply(RoomDelta {
        leaves: vec![Signed {
            body: leave,
            signature: sig,
        }],
        ..Default::default()
    });
    assert_eq!((report.admitted, report.rejected), (1, 0));
    assert!(
        room.state.members.is_empty(),
        "the leaver is no longer a member"
    );
    room.validate().expect("valid");
}

#[test]
fn records_that_are_not_yours_are_refused() {
    // rule DEL-2
    let mut d = Delegate::new();
    let owner = MemberKey([7; 32]);
    let (_, me) = d.identity(APP, Some(owner));
    let someone_else = MemberKey([8; 32]);
    assert_eq!(
        d.ask(
            APP,
            Request::Sign {
                room: owner,
                record: message(someone_else, "not mine")
            }
        ),
        Response::Error(ApiError::NotYourRecord)
    );
    let config = RoomConfig::new(Privacy::Public, RoomText::Plain("x".into()));
    assert_eq!(
        d.ask(
            APP,
            Request::Sign {
                room: owner,
                record: RecordToSign::Config(config)
            }
        ),
        Response::Error(ApiError::NotYourRecord),
        "only the owner's key signs a config"
    );
    // The membership records: each is signed only by the key it names as its signer.
    for (record, what) in [
        (grant(someone_else), "a grant by another inviter"),
        (acceptance(someone_else), "another member's acceptance"),
        (leave(someone_else), "another member's leave"),
        (ban(someone_else, me), "a ban by another issuer"),
    ] {
        assert_eq!(
            d.ask(
                APP,
                Request::Sign {
                    room: owner,
                    record
                }
            ),
            Response::Error(ApiError::NotYourRecord),
            "{what}"
        );
    }
    for (record, what) in [
        (grant(me), "my grant"),
        (acceptance(me), "my acceptance"),
        (leave(me), "my leave"),
        (ban(me, someone_else), "my ban"),
    ] {
        assert!(
            matches!(
                d.ask(
                    APP,
                    Request::Sign {
                        room: owner,
                        record
                    }
                ),
                Response::Signature(_)
            ),
            "{what}"
        );
    }
    assert!(matches!(
        d.ask(
            APP,
            Request::Sign {
                room: owner,
                record: message(me, "mine")
            }
        ),
        Response::Signature(_)
    ));
    assert_eq!(
        d.ask(
            APP,
            Request::Sign {
                room: MemberKey([9; 32]),
                record: message(me, "wrong room")
            }
        ),
        Response::Error(ApiError::NoIdentity)
    );
}

#[test]
fn another_web_app_sees_nothing_and_signs_nothing() {
    let mut d = Delegate::new();
    let (room, key) = d.identity(APP, None);
    d.ask(
        APP,
        Request::StorePut {
            key: "draft".into(),
            value: b"hello".to_vec(),
            expected_generation: 0,
        },
    );
    assert_eq!(
        d.ask(OTHER_APP, Request::PublicKey { room }),
        Response::Error(ApiError::NoIdentity)
    );
    assert_eq!(
        d.ask(
            OTHER_APP,
            Request::Sign {
                room,
                record: message(key, "impersonation")
            }
        ),
        Response::Error(ApiError::NoIdentity)
    );
    assert_eq!(
        d.ask(OTHER_APP, Request::ListRooms),
        Response::Rooms(vec![])
    );
    assert_eq!(
        d.ask(
            OTHER_APP,
            Request::StoreGet {
                key: "draft".into()
            }
        ),
        Response::Stored { value: None }
    );
    // Its own write under the same name does not touch the first app's value.
    d.ask(
        OTHER_APP,
        Request::StorePut {
            key: "draft".into(),
            value: b"other".to_vec(),
            expected_generation: 0,
        },
    );
    assert_eq!(
        d.ask(
            APP,
            Request::StoreGet {
                key: "draft".into()
            }
        ),
        Response::Stored {
            value: Some(StoredValue {
                generation: 1,
                value: b"hello".to_vec()
            })
        }
    );
}

#[test]
fn list_rooms_and_export() {
    // rule DEL-1: the seed leaves only through an acknowledged export.
    let mut d = Delegate::new();
    let (a, key_a) = d.identity(APP, None);
    let (b, key_b) = d.identity(APP, Some(MemberKey([3; 32])));
    let mut expected = vec![
        RoomIdentity {
            room: a,
            key: Some(key_a),
        },
        RoomIdentity {
            room: b,
            key: Some(key_b),
        },
    ];
    expected.sort_by_key(|r| r.room);
    assert_eq!(d.ask(APP, Request::ListRooms), Response::Rooms(expected));
    let ack = ExportAcknowledgement::IUnderstandThisRevealsMySecretKey;
    let Response::ExportedIdentity { seed, .. } = d.ask(
        APP,
        Request::ExportIdentity {
            room: a,
            acknowledge: ack,
        },
    ) else {
        panic!("export answers the seed")
    };
    assert_eq!(
        member_key(&ed25519_dalek::SigningKey::from_bytes(&seed)),
        key_a
    );
}

#[test]
fn a_damaged_identity_is_listed_not_dropped() {
    let mut d = Delegate::new();
    let (a, key_a) = d.identity(APP, None);
    let (b, _) = d.identity(APP, Some(MemberKey([3; 32])));
    // Damage b's stored seed (a truncated write, a disk error).
    let damaged = d
        .host
        .list(b"o/")
        .into_iter()
        .find(|k| k.ends_with(b.as_bytes()))
        .expect("b is stored");
    d.host.set(&damaged, b"\x01\x02");
    let Response::Rooms(rooms) = d.ask(APP, Request::ListRooms) else {
        panic!("rooms listed")
    };
    assert_eq!(rooms.len(), 2, "the damaged room is still listed");
    assert!(rooms.contains(&RoomIdentity {
        room: a,
        key: Some(key_a)
    }));
    assert!(rooms.contains(&RoomIdentity { room: b, key: None }));
    // Using it is a typed error, not a panic or silence.
    assert_eq!(
        d.ask(APP, Request::PublicKey { room: b }),
        Response::Error(ApiError::Storage)
    );
}

#[test]
fn storage_is_compare_and_swap() {
    // rule DEL-3
    let mut d = Delegate::new();
    let put = |value: &str, expected| Request::StorePut {
        key: "k".into(),
        value: value.into(),
        expected_generation: expected,
    };
    assert!(
        matches!(d.ask(APP, put("one", 0)), Response::Stored { value: Some(v) } if v.generation == 1)
    );
    assert_eq!(
        d.ask(APP, put("stale", 0)),
        Response::Error(ApiError::Conflict { current: 1 })
    );
    assert!(
        matches!(d.ask(APP, put("two", 1)), Response::Stored { value: Some(v) } if v.generation == 2)
    );
    assert_eq!(
        d.ask(APP, Request::StoreGet { key: "k".into() }),
        Response::Stored {
            value: Some(StoredValue {
                generation: 2,
                value: b"two".to_vec()
            })
        }
    );
}

#[test]
fn garbage_requests_get_a_typed_error() {
    for garbage in [&b""[..], b"\xff\xff", &[0x85; 40]] {
        assert!(matches!(
            Request::decode(garbage),
            Err(ApiError::MalformedRequest(_))
        ));
    }
}
