//! Rooms: create, list, load into a view, follow.

use std::time::Duration;

use brook_common::delegate_api::{RecordToSign, Request, Response};
use brook_common::ids::MemberKey;
use brook_common::room::config::{Privacy, RoomConfig};
use brook_common::room::text::RoomText;
use brook_common::room::{wire, RoomParams, RoomState, Signed, VerifiedState};

use super::Session;
use crate::content::Text;
use crate::error::{Error, Result};
use crate::keyring::Keyring;
use crate::link::{NodeLink, RoomChange};
use crate::view::{self, RoomView};

/// A room this app holds an identity for, as `room list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSummary {
    pub room: MemberKey,
    /// This identity's key (None: the stored identity is damaged).
    pub me: Option<MemberKey>,
    /// The room's name and privacy, when the node holds the room.
    pub name: Option<Text>,
    pub privacy: Option<Privacy>,
}

/// A room's state, the secrets this identity holds for it, and the view of both.
#[derive(Debug, Clone)]
pub struct LoadedRoom {
    pub state: RoomState,
    pub keyring: Keyring,
    pub view: RoomView,
}

impl<L: NodeLink> Session<L> {
    /// Create a room owned by a new identity of this app and publish it; the delegate
    /// then follows it (a private room gets its first secret from the owner's delegate).
    /// Returns the room, named by the owner's key.
    pub async fn create_room(&mut self, privacy: Privacy, name: &str) -> Result<MemberKey> {
        if name.len() > brook_common::limits::MAX_ROOM_NAME_BYTES {
            return Err(Error::TooLong {
                got: name.len(),
                max: brook_common::limits::MAX_ROOM_NAME_BYTES,
            });
        }
        let room = match self
            .ask("CreateIdentity", Request::CreateIdentity { room: None })
            .await?
        {
            Response::Identity { room, .. } => room,
            other => return Err(Error::protocol("CreateIdentity", format!("{other:?}"))),
        };
        // The name stays readable to the nodes hosting the room: a private room's first
        // secret does not exist until the owner's delegate publishes it.
        let config = RoomConfig::new(privacy, RoomText::Plain(name.to_owned()));
        let signature = self
            .sign(&room, RecordToSign::Config(config.clone()))
            .await?;
        let state = RoomState::new(Signed {
            body: config,
            signature,
        });
        let bytes = wire::encode_state(&state).map_err(|e| Error::protocol("encoding", e))?;
        self.link.put_room(&room, bytes).await?;
        self.ensure_followed(&room).await?;
        Ok(room)
    }

    /// Every room this app holds an identity for, with its name where the node has it.
    pub async fn rooms(&mut self) -> Result<Vec<RoomSummary>> {
        let identities = match self.ask("ListRooms", Request::ListRooms).await? {
            Response::Rooms(rooms) => rooms,
            other => return Err(Error::protocol("ListRooms", format!("{other:?}"))),
        };
        let mut out = Vec::with_capacity(identities.len());
        for identity in identities {
            let state = match self.link.get_room(&identity.room).await? {
                Some(bytes) => wire::decode_state(&bytes).ok(),
                None => None,
            };
            let (name, privacy) = match &state {
                Some(state) => {
                    let keyring = Keyring::new();
                    let config = &state.config.body;
                    let name = crate::content::open(
                        &keyring,
                        &identity.room,
                        &identity.room,
                        brook_common::seal::SealedField::RoomName,
                        &config.name,
                    );
                    (Some(name), Some(config.privacy))
                }
                None => (None, None),
            };
            out.push(RoomSummary {
                room: identity.room,
                me: identity.key,
                name,
                privacy,
            });
        }
        Ok(out)
    }

    /// The room's state, this identity's secrets for it and its view.
    pub async fn load(&mut self, room: &MemberKey) -> Result<LoadedRoom> {
        let state = self.state(room).await?;
        let me = self.my_key(room).await?;
        self.loaded(room, state, me, None).await
    }

    /// View `state` for `me`; `keyring` when the caller holds a current one, else
    /// fetched.
    async fn loaded(
        &mut self,
        room: &MemberKey,
        state: RoomState,
        me: Option<MemberKey>,
        keyring: Option<Keyring>,
    ) -> Result<LoadedRoom> {
        let keyring = match keyring {
            Some(k) => k,
            None => self.keyring(room, &state, me.as_ref()).await?,
        };
        let cache = self.caches.entry(*room).or_default();
        let view = view::build(room, &state, me.as_ref(), &keyring, cache);
        Ok(LoadedRoom {
            state,
            keyring,
            view,
        })
    }

    /// Subscribe to `room`'s changes ([`Session::next_view`]).
    pub async fn subscribe(&mut self, room: &MemberKey) -> Result<()> {
        self.link.subscribe_room(room).await
    }

    /// Wait up to `wait` for a change of `room` (subscribed) and return the updated
    /// room, `None` if nothing changed. The secrets are fetched again only when the
    /// room holds a version `current` lacks, or new secrets for this identity.
    pub async fn next_view(
        &mut self,
        room: &MemberKey,
        current: LoadedRoom,
        wait: Duration,
    ) -> Result<(LoadedRoom, bool)> {
        let Some(change) = self.link.next_change(room, wait).await? else {
            return Ok((current, false));
        };
        let held_secrets = current.state.secrets.clone();
        let state = match change {
            RoomChange::State(bytes) => {
                wire::decode_state(&bytes).map_err(|e| Error::protocol("a room notification", e))?
            }
            RoomChange::Delta(bytes) => {
                let delta = wire::decode_delta(&bytes)
                    .map_err(|e| Error::protocol("a room notification", e))?;
                let params = RoomParams { owner: *room };
                let held = VerifiedState::trust_node_validated(&params, current.state);
                held.apply(delta).0.into_state()
            }
        };
        let secrets_changed = state.secrets != held_secrets;
        let keyring = (!secrets_changed).then_some(current.keyring);
        let me = current.view.me;
        Ok((self.loaded(room, state, me, keyring).await?, true))
    }
}
