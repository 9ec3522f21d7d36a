//! The room secrets a session holds for a room: those its invite code carried (kept in
//! the chat delegate's store for this app — never on the client's disk) and those the
//! room holds wrapped for this identity, which the delegate opens (`OpenSecrets`).

use brook_common::codec;
use brook_common::delegate_api::{
    OpenedSecret, Request, Response, WrappedForMe, MAX_SECRETS_TO_OPEN,
};
use brook_common::ids::MemberKey;
use brook_common::room::RoomState;
use brook_common::secret::RoomSecret;

use super::Session;
use crate::error::{Error, Result};
use crate::keyring::Keyring;
use crate::link::NodeLink;
use crate::names::key_hex;

/// The delegate store key of the secrets invite codes brought for `room`.
fn store_key(room: &MemberKey) -> String {
    format!("brook/v1/code-secrets/{}", key_hex(room))
}

/// Largest stored list decoded (versions × 40 bytes, with room to spare).
const MAX_STORED_BYTES: usize = 4096;

impl<L: NodeLink> Session<L> {
    /// The secrets invite codes brought for `room`, and the stored value's generation.
    async fn code_secrets(&mut self, room: &MemberKey) -> Result<(Vec<OpenedSecret>, u64)> {
        let request = Request::StoreGet {
            key: store_key(room),
        };
        match self.ask("StoreGet", request).await? {
            Response::Stored { value: None } => Ok((Vec::new(), 0)),
            Response::Stored {
                value: Some(stored),
            } => {
                let secrets: Vec<OpenedSecret> = codec::from_slice(&stored.value, MAX_STORED_BYTES)
                    .map_err(|e| Error::protocol("StoreGet (code secrets)", e))?;
                Ok((secrets, stored.generation))
            }
            other => Err(Error::protocol("StoreGet", format!("{other:?}"))),
        }
    }

    /// Keep the secret an invite code brought, in the delegate's store for this app.
    pub(super) async fn keep_code_secret(
        &mut self,
        room: &MemberKey,
        version: u32,
        secret: &RoomSecret,
    ) -> Result<()> {
        // Compare-and-set: another client of this app (the UI) may write concurrently.
        for _ in 0..4 {
            let (mut secrets, generation) = self.code_secrets(room).await?;
            if secrets.iter().any(|s| s.version == version) {
                return Ok(());
            }
            secrets.push(OpenedSecret {
                version,
                secret: *secret.expose_secret(),
            });
            secrets.sort_by_key(|s| s.version);
            let value = zeroize::Zeroizing::new(
                codec::to_vec(&secrets).map_err(|e| Error::protocol("encoding secrets", e))?,
            );
            let request = Request::StorePut {
                key: store_key(room),
                value: value.to_vec(),
                expected_generation: generation,
            };
            match self.link.ask(&request).await? {
                Response::Stored { .. } => return Ok(()),
                Response::Error(brook_common::delegate_api::ApiError::Conflict { .. }) => continue,
                Response::Error(error) => {
                    return Err(Error::Delegate {
                        request: "StorePut",
                        error,
                    })
                }
                other => return Err(Error::protocol("StorePut", format!("{other:?}"))),
            }
        }
        Err(Error::Link {
            fault: crate::Fault::Node,
            detail: "the delegate's store kept changing under this client; try again".into(),
        })
    }

    /// Every secret of `room` this identity (`me`) holds: the codes' and the room's.
    pub async fn keyring(
        &mut self,
        room: &MemberKey,
        state: &RoomState,
        me: Option<&MemberKey>,
    ) -> Result<Keyring> {
        let mut keyring = Keyring::new();
        // A public room seals nothing: no secret to open, no round trip.
        let private = state.config.body.privacy == brook_common::room::config::Privacy::Private;
        let Some(me) = me.filter(|_| private) else {
            return Ok(keyring);
        };
        let mut versions: Vec<u32> = state
            .secrets
            .batches
            .iter()
            .map(|b| b.body.version)
            .collect();
        versions.sort_unstable();
        versions.dedup();
        let wrapped: Vec<WrappedForMe> = versions
            .iter()
            .rev()
            .filter_map(|&v| state.secrets.blob_for(me, v))
            .take(MAX_SECRETS_TO_OPEN)
            .map(|blob| WrappedForMe {
                version: blob.version,
                ciphertext: blob.ciphertext.clone(),
            })
            .collect();
        if !wrapped.is_empty() {
            let request = Request::OpenSecrets {
                room: *room,
                wrapped,
            };
            match self.ask("OpenSecrets", request).await? {
                Response::Secrets { opened, .. } => {
                    for s in &opened {
                        keyring.insert(s.version, RoomSecret::from_bytes(s.secret));
                    }
                }
                other => return Err(Error::protocol("OpenSecrets", format!("{other:?}"))),
            }
        }
        let (from_codes, _) = self.code_secrets(room).await?;
        for s in &from_codes {
            keyring.insert(s.version, RoomSecret::from_bytes(s.secret));
        }
        Ok(keyring)
    }
}
