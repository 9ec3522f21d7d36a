//! The chat delegate in the real node: only web apps served by the node may use it; the
//! keys it keeps sign a room the node's room contract accepts; another web app can
//! neither read its storage nor make it sign nor open secrets with its identity;
//! identities survive a node restart.

use brook_common::delegate_api::{
    ApiError, OpenedSecret, RecordToSign, Request, Response, WrappedForMe,
};
use brook_common::ecies;
use brook_common::ids::MemberKey;
use brook_common::room::config::{Privacy, RoomConfig};
use brook_common::room::messages::Message;
use brook_common::room::text::RoomText;
use brook_common::room::{wire, RoomDelta, RoomParams, RoomState, Signed};
use brook_common::secret::RoomSecret;
use brook_common::sign::member_key;
use brook_common::testkit::signing_key;
use brook_e2e::brook_cli::keyfile::PublisherKey;
use brook_e2e::brook_cli::publish::VersionChoice;
use brook_e2e::{
    fetch_page, guest_wasm, placeholder_ui_dir, publish_ui, room_contract_wasm, Client,
    DelegateKey, Node,
};

struct App {
    client: Client,
    delegate: DelegateKey,
}

impl App {
    async fn connect(url: &str, wasm: &[u8]) -> App {
        let mut client = Client::connect_url(url).await.expect("socket opens");
        let delegate = client
            .register_delegate(wasm, vec![])
            .await
            .expect("delegate registers");
        App { client, delegate }
    }

    async fn ask(&mut self, request: Request) -> Response {
        let answers = self
            .client
            .send_delegate_message(&self.delegate, request.encode().unwrap())
            .await
            .expect("the delegate answers");
        assert_eq!(answers.len(), 1, "exactly one response per request");
        Response::decode(&answers[0]).expect("response decodes")
    }

    async fn sign(&mut self, room: MemberKey, record: RecordToSign) -> brook_common::sign::Sig {
        match self.ask(Request::Sign { room, record }).await {
            Response::Signature(sig) => sig,
            other => panic!("expected a signature, got {other:?}"),
        }
    }
}

/// A web app's socket: publish a web container, fetch its page, present its token.
async fn web_app_url(node: &Node, publisher: &PublisherKey) -> String {
    let published = publish_ui(
        node,
        publisher,
        &placeholder_ui_dir(),
        VersionChoice::Next { floor: 1 },
    )
    .await
    .expect("web container published");
    let page = fetch_page(node, published.key.id())
        .await
        .expect("page served");
    let token = page.header_token().expect("auth token").to_owned();
    format!("{}&authToken={token}", node.ws_url())
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_delegate_keeps_keys_and_signs_for_its_web_app_only() {
    let delegate_wasm = guest_wasm("chat_delegate.wasm");
    let mut node = Node::start().await.expect("node starts");
    let brook = PublisherKey::generate();
    let mut app = App::connect(&web_app_url(&node, &brook).await, &delegate_wasm).await;

    // A new room: the owner key is made and kept in the delegate.
    let Response::Identity { room, key: owner } =
        app.ask(Request::CreateIdentity { room: None }).await
    else {
        panic!("identity created")
    };
    assert_eq!(room, owner);

    // rule DEL-4: the delegate opens a secret wrapped for its identity, never a blob
    // wrapped for another key, and hands out the secret, not the key.
    let secret = RoomSecret::from_bytes([0x5a; 32]);
    let someone_else = member_key(&signing_key("not this app's identity", 1));
    let wrapped = vec![
        WrappedForMe {
            version: 3,
            ciphertext: ecies::wrap(&secret, &owner, 3).unwrap(),
        },
        WrappedForMe {
            version: 4,
            ciphertext: ecies::wrap(&secret, &someone_else, 4).unwrap(),
        },
    ];
    let open = Request::OpenSecrets { room, wrapped };
    assert_eq!(
        app.ask(open.clone()).await,
        Response::Secrets {
            opened: vec![OpenedSecret {
                version: 3,
                secret: *secret.expose_secret(),
            }],
            unopened: vec![4],
        }
    );

    // What the delegate signs, the node's room contract accepts.
    let config = RoomConfig::new(
        Privacy::Public,
        RoomText::Plain("made by the delegate".into()),
    );
    let sig = app.sign(room, RecordToSign::Config(config.clone())).await;
    let state = RoomState::new(Signed {
        body: config,
        signature: sig,
    });
    let params = wire::encode_params(&RoomParams { owner }).unwrap();
    let mut rooms = Client::connect(&node).await.expect("plain socket");
    let room_key = rooms
        .put(
            &room_contract_wasm(),
            params,
            wire::encode_state(&state).unwrap(),
        )
        .await
        .expect("the room contract accepts the delegate-signed room");
    let hello = Message {
        author: owner,
        sent_at: 1,
        body: RoomText::Plain("hello".into()),
    };
    let sig = app.sign(room, RecordToSign::Message(hello.clone())).await;
    let delta = RoomDelta {
        messages: vec![Signed {
            body: hello,
            signature: sig,
        }],
        ..Default::default()
    };
    rooms
        .update_delta(&room_key, wire::encode_delta(&delta).unwrap())
        .await
        .expect("message accepted");
    let stored =
        wire::decode_state(&rooms.get(&room_key).await.unwrap().expect("room found")).unwrap();
    assert_eq!(stored.messages.len(), 1);

    // A plain socket (no web app origin) is refused outright.
    let mut plain = App::connect(&node.ws_url(), &delegate_wasm).await;
    assert_eq!(
        plain.ask(Request::ListRooms).await,
        Response::Error(ApiError::NotAWebApp)
    );

    // Another web app: sees no rooms, has no identity here, cannot make it sign.
    let other = PublisherKey::generate();
    let mut intruder = App::connect(&web_app_url(&node, &other).await, &delegate_wasm).await;
    assert_eq!(
        intruder.ask(Request::ListRooms).await,
        Response::Rooms(vec![])
    );
    assert_eq!(
        intruder.ask(Request::PublicKey { room }).await,
        Response::Error(ApiError::NoIdentity)
    );
    assert_eq!(
        intruder.ask(open).await,
        Response::Error(ApiError::NoIdentity)
    );
    let forged = Message {
        author: owner,
        sent_at: 2,
        body: RoomText::Plain("forged".into()),
    };
    assert_eq!(
        intruder
            .ask(Request::Sign {
                room,
                record: RecordToSign::Message(forged)
            })
            .await,
        Response::Error(ApiError::NoIdentity)
    );

    // The identity survives a restart of the node.
    drop((app, plain, intruder, rooms));
    node.restart().await.expect("node restarts");
    let mut app = App::connect(&web_app_url(&node, &brook).await, &delegate_wasm).await;
    assert_eq!(
        app.ask(Request::PublicKey { room }).await,
        Response::Identity { room, key: owner }
    );
    drop(app);
    assert!(node.stop().await.expect("node stops").success());
}
