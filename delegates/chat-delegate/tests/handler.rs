//! The delegate's request logic natively, against an in-memory secret store: identities,
//! typed signing (rule DEL-2), origin scoping, export (DEL-1), compare-and-swap
//! storage (DEL-3) and opening the secrets wrapped for this user's identity (DEL-4). The
//! same logic runs in the node in `e2e/tests/delegate_node.rs`.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use brook_common::delegate_api::{
    ApiError, ExportAcknowledgement, OpenedSecret, RecordToSign, Request, Response, RoomIdentity,
    StoredValue, WrappedForMe, MAX_SECRETS_TO_OPEN,
};
use brook_common::ecies;
use brook_common::ids::MemberKey;
use brook_common::kdf::derive_room_secret;
use brook_common::room::bans::{Ban, Leave};
use brook_common::room::config::{Privacy, RoomConfig};
use brook_common::room::members::{Acceptance, Grant, GrantRecord};
use brook_common::room::messages::Message;
use brook_common::room::text::RoomText;
use brook_common::room::{RoomDelta, Signed};
use brook_common::secret::{OwnerSeed, RoomSecret};
use brook_common::sign::{member_key, Sig};
use brook_common::testkit::{signing_key, TestRoom};
use chat_delegate::effects::Effect;
use chat_delegate::events::{handle_event, Event};
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

/// The room secret of `version` of a made-up room (the owner's KDF), and its blob wrapped
/// for `key` as the owner's delegate wraps it.
fn wrapped_for(key: &MemberKey, version: u32) -> (RoomSecret, WrappedForMe) {
    let seed = OwnerSeed::from_bytes([0x33; 32]);
    let owner = member_key(&ed25519_dalek::SigningKey::from_bytes(seed.expose_secret()));
    let secret = derive_room_secret(&seed, &owner, version);
    let ciphertext = ecies::wrap(&secret, key, version).expect("a member key wraps");
    (
        secret,
        WrappedForMe {
            version,
            ciphertext,
        },
    )
}

fn opened(version: u32, secret: &RoomSecret) -> OpenedSecret {
    OpenedSecret {
        version,
        secret: *secret.expose_secret(),
    }
}

fn open(room: MemberKey, wrapped: Vec<WrappedForMe>) -> Request {
    Request::OpenSecrets { room, wrapped }
}

#[test]
fn del_4_a_web_app_opens_the_secrets_wrapped_for_its_identity() {
    let mut d = Delegate::new();
    // A member's identity in someone else's room, and an owner's in its own.
    let (room, key) = d.identity(APP, Some(MemberKey([3; 32])));
    let (own_room, own_key) = d.identity(APP, None);
    let (s0, w0) = wrapped_for(&key, 0);
    let (s1, w1) = wrapped_for(&key, 1);
    let (s2, w2) = wrapped_for(&key, 2);
    // Any order, a version sent twice: each version answered once, in version order.
    let answer = d.ask(APP, open(room, vec![w2, w0, w1.clone(), w1]));
    assert_eq!(
        answer,
        Response::Secrets {
            opened: vec![opened(0, &s0), opened(1, &s1), opened(2, &s2)],
            unopened: vec![],
        }
    );
    // What a log would show of the answer holds no secret.
    let shown = format!("{answer:?}");
    assert!(shown.contains("[redacted]"), "{shown}");
    assert!(
        !shown.contains(&format!("{:?}", s0.expose_secret())),
        "{shown}"
    );

    let (s7, w7) = wrapped_for(&own_key, 7);
    assert_eq!(
        d.ask(APP, open(own_room, vec![w7])),
        Response::Secrets {
            opened: vec![opened(7, &s7)],
            unopened: vec![],
        }
    );
    // Nothing to open is an empty answer, not an error.
    assert_eq!(
        d.ask(APP, open(room, vec![])),
        Response::Secrets {
            opened: vec![],
            unopened: vec![],
        }
    );
}

#[test]
fn del_4_another_web_app_gets_no_identity_never_a_secret() {
    let mut d = Delegate::new();
    let (room, key) = d.identity(APP, Some(MemberKey([3; 32])));
    let (_, blob) = wrapped_for(&key, 0);
    // The same node, the same room, a blob wrapped for the first app's identity.
    assert_eq!(
        d.ask(OTHER_APP, open(room, vec![blob.clone()])),
        Response::Error(ApiError::NoIdentity)
    );
    // With an identity of its own there, it opens with its own key only.
    let (_, other_key) = d.identity(OTHER_APP, Some(room));
    assert_ne!(other_key, key);
    assert_eq!(
        d.ask(OTHER_APP, open(room, vec![blob])),
        Response::Secrets {
            opened: vec![],
            unopened: vec![0],
        }
    );
}

#[test]
fn del_4_a_blob_wrapped_for_another_key_is_unopened() {
    let mut d = Delegate::new();
    let (room, key) = d.identity(APP, Some(MemberKey([3; 32])));
    let someone_else = member_key(&signing_key("someone else", 1));
    let (s0, w0) = wrapped_for(&key, 0);
    let (_, for_another) = wrapped_for(&someone_else, 1);
    let (_, mut damaged) = wrapped_for(&key, 2);
    damaged.ciphertext[70] ^= 1;
    let (_, mut truncated) = wrapped_for(&key, 3);
    truncated.ciphertext.pop();
    let garbage = WrappedForMe {
        version: 4,
        ciphertext: vec![0xff; 96],
    };
    // Version 5: a bad blob, then a good one: the version opens. Version 6: two bad
    // blobs: it is listed once.
    let (_, mut bad5) = wrapped_for(&key, 5);
    bad5.ciphertext[0] ^= 1;
    let (s5, good5) = wrapped_for(&key, 5);
    let (_, bad6) = wrapped_for(&someone_else, 6);
    assert_eq!(
        d.ask(
            APP,
            open(
                room,
                vec![
                    bad6.clone(),
                    bad5,
                    for_another,
                    w0,
                    damaged,
                    good5,
                    truncated,
                    garbage,
                    bad6
                ]
            )
        ),
        Response::Secrets {
            opened: vec![opened(0, &s0), opened(5, &s5)],
            unopened: vec![1, 2, 3, 4, 6],
        }
    );
}

#[test]
fn del_4_more_blobs_than_a_room_keeps_are_refused() {
    let mut d = Delegate::new();
    let (room, key) = d.identity(APP, Some(MemberKey([3; 32])));
    let blobs = |n: u32| (0..n).map(|v| wrapped_for(&key, v).1).collect::<Vec<_>>();
    let limit = u32::try_from(MAX_SECRETS_TO_OPEN).unwrap();
    let Response::Error(ApiError::MalformedRequest(why)) = d.ask(APP, open(room, blobs(limit + 1)))
    else {
        panic!("17 blobs are refused");
    };
    assert!(why.contains("at most 16"), "{why}");
    let Response::Secrets { opened, unopened } = d.ask(APP, open(room, blobs(limit))) else {
        panic!("16 blobs are opened");
    };
    assert_eq!((opened.len(), unopened.len()), (16, 0));
}

#[test]
fn del_4_a_room_without_an_identity_is_refused() {
    let mut d = Delegate::new();
    let (room, key) = d.identity(APP, Some(MemberKey([3; 32])));
    let elsewhere = MemberKey([9; 32]);
    assert_ne!(room, elsewhere);
    let (_, blob) = wrapped_for(&key, 0);
    assert_eq!(
        d.ask(APP, open(elsewhere, vec![blob])),
        Response::Error(ApiError::NoIdentity)
    );
    assert_eq!(
        d.ask(APP, open(elsewhere, vec![])),
        Response::Error(ApiError::NoIdentity)
    );
}

#[test]
fn del_4_a_caller_that_is_not_a_web_app_is_refused() {
    let mut d = Delegate::new();
    let (room, key) = d.identity(APP, Some(MemberKey([3; 32])));
    let (_, blob) = wrapped_for(&key, 0);
    let payload = open(room, vec![blob]).encode().unwrap();
    let effects = handle_event(
        &mut d.host,
        Event::App {
            origin: None,
            payload,
        },
    )
    .expect("no crash");
    assert_eq!(
        effects,
        vec![Effect::Reply(Response::Error(ApiError::NotAWebApp))]
    );
}
