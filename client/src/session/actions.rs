//! Actions on a room: post, nickname, invite, accept, ban, configure, leave.

use brook_common::delegate_api::{RecordToSign, Request, Response};
use brook_common::ids::{MemberKey, RecordId};
use brook_common::room::bans::{Ban, Leave};
use brook_common::room::config::{check_config, Privacy, RoomConfig};
use brook_common::room::member_info::MemberInfo;
use brook_common::room::messages::Message;
use brook_common::room::{RoomDelta, Signed};
use brook_common::seal::{SealContext, SealedField};

use super::rooms::LoadedRoom;
use super::Session;
use crate::content;
use crate::error::{Error, Result};
use crate::invite::{grant_body, InviteCode};
use crate::link::NodeLink;
use crate::names::short_key;
use crate::view::{RoomView, Standing};

/// A message the room took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub id: RecordId,
    /// The secret version it was sealed under (None: a public room).
    pub version: Option<u32>,
}

/// An invite code made by this identity.
#[derive(Debug)]
pub struct Invitation {
    pub code: InviteCode,
}

/// The outcome of accepting an invite code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    pub room: MemberKey,
    /// This identity's new key in the room (made by its own delegate).
    pub me: MemberKey,
    /// The code names another web container (Brook app) than this client's.
    pub other_app: Option<[u8; 32]>,
}

/// The outcome of a ban.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banned {
    pub target: MemberKey,
    /// The secret version the owner's atomic ban introduced, if it rotated.
    pub rotated_to: Option<u32>,
}

/// This identity in `view`, if it may act there.
fn acting_key(view: &RoomView) -> Result<MemberKey> {
    match (view.me, view.standing) {
        (Some(me), standing) if standing.can_act() => Ok(me),
        (_, Standing::Banned { by }) => Err(Error::NotAllowed(format!(
            "you were banned from this room (by {}); a new invite makes a new identity",
            short_key(&by)
        ))),
        (_, Standing::Left) => Err(Error::NotAllowed("you left this room".into())),
        _ => Err(Error::NotAllowed(
            "you are not a member of this room".into(),
        )),
    }
}

impl<L: NodeLink> Session<L> {
    fn seal_field(
        &mut self,
        loaded: &LoadedRoom,
        author: &MemberKey,
        field: SealedField,
        text: &str,
    ) -> Result<brook_common::room::text::RoomText> {
        let nonce = self.random::<12>()?;
        let ctx = SealContext {
            room: &loaded.view.room,
            author,
            field,
        };
        Ok(content::seal_for_room(
            &loaded.keyring,
            loaded.view.privacy == Privacy::Private,
            loaded.view.secrets.current,
            &ctx,
            *nonce,
            text,
        )?)
    }

    /// Post `text` to `room`.
    pub async fn post(&mut self, room: &MemberKey, text: &str) -> Result<Posted> {
        if text.trim().is_empty() {
            return Err(Error::BadInput("an empty message is not sent".into()));
        }
        let loaded = self.load(room).await?;
        let max = usize::try_from(loaded.view.config.max_message_bytes).unwrap_or(usize::MAX);
        if text.len() > max {
            return Err(Error::TooLong {
                got: text.len(),
                max,
            });
        }
        if let Some(why) = loaded.view.cannot_post() {
            return Err(Error::CannotPost(why));
        }
        let me = acting_key(&loaded.view)?;
        let body = self.seal_field(&loaded, &me, SealedField::MessageBody, text)?;
        let version = match &body {
            brook_common::room::text::RoomText::Sealed(s) => Some(s.secret_version),
            brook_common::room::text::RoomText::Plain(_) => None,
        };
        let message = Message {
            author: me,
            sent_at: self.link.now_ms(),
            body,
        };
        let signature = self
            .sign(room, RecordToSign::Message(message.clone()))
            .await?;
        let record = Signed {
            body: message,
            signature,
        };
        let id = record.id();
        self.send(
            room,
            &RoomDelta {
                messages: vec![record],
                ..Default::default()
            },
        )
        .await?;
        Ok(Posted { id, version })
    }

    /// Set this identity's nickname in `room`.
    pub async fn set_nickname(&mut self, room: &MemberKey, nickname: &str) -> Result<()> {
        let max = brook_common::limits::MAX_NICKNAME_BYTES;
        if nickname.len() > max {
            return Err(Error::TooLong {
                got: nickname.len(),
                max,
            });
        }
        let loaded = self.load(room).await?;
        let me = acting_key(&loaded.view)?;
        if let Some(why) = loaded.view.cannot_post() {
            return Err(Error::CannotPost(why));
        }
        let version = loaded
            .state
            .member_info
            .iter()
            .find(|i| i.body.member == me)
            .map_or(1, |i| i.body.version.saturating_add(1));
        let nickname = self.seal_field(&loaded, &me, SealedField::Nickname, nickname)?;
        let info = MemberInfo {
            member: me,
            version,
            nickname,
        };
        let signature = self
            .sign(room, RecordToSign::MemberInfo(info.clone()))
            .await?;
        self.send(
            room,
            &RoomDelta {
                member_info: vec![Signed {
                    body: info,
                    signature,
                }],
                ..Default::default()
            },
        )
        .await
    }

    /// Make an invite code for one person to join `room` below this identity. In a
    /// private room it carries the current secret, so the newcomer reads at once.
    pub async fn invite(&mut self, room: &MemberKey) -> Result<Invitation> {
        let loaded = self.load(room).await?;
        let me = acting_key(&loaded.view)?;
        let room_secret = match loaded.view.privacy {
            Privacy::Public => None,
            Privacy::Private => {
                let (version, secret) = loaded
                    .keyring
                    .sealing_secret(loaded.view.secrets.current)
                    .map_err(crate::content::SealFailure::from)?;
                Some((version, secret.clone()))
            }
        };
        let seed = self.random::<32>()?;
        let body = grant_body(me, &seed);
        let signature = self.sign(room, RecordToSign::Grant(body.clone())).await?;
        let grant = Signed { body, signature };
        let code = InviteCode::new(self.link.app_id(), *room, grant, &seed, room_secret)?;
        Ok(Invitation { code })
    }

    /// Join the room of `code` with a new identity made by this app's own delegate.
    /// Everything the client can check is checked before anything is made or signed;
    /// if the node then refuses, the identity made is reused by the next attempt.
    pub async fn accept(&mut self, code: &InviteCode) -> Result<Joined> {
        let room = code.room();
        let Some(bytes) = self.link.get_room(&room).await? else {
            return Err(Error::ForeignInvite {
                detail: format!(
                    "no room {} under this Brook's room contract (made by another build \
                     or app, or not reachable from your node)",
                    short_key(&room)
                ),
            });
        };
        let state = brook_common::room::wire::decode_state(&bytes)
            .map_err(|e| Error::protocol("GET of the room", e))?;
        let existing = self.my_key(&room).await?;
        if let Some(me) = existing {
            if me == room || state.members.iter().any(|m| m.body.member == me) {
                return Err(Error::AlreadyMember);
            }
        }
        let grant_sig = code.grant().signature;
        if state
            .members
            .iter()
            .chain(&state.departed)
            .any(|m| m.body.grant.signature == grant_sig)
        {
            return Err(Error::InviteUsed);
        }
        let inviter = code.inviter();
        if inviter != room && !state.members.iter().any(|m| m.body.member == inviter) {
            return Err(Error::NotAllowed(format!(
                "the inviter ({}) is no longer a member of this room, so the code admits nobody",
                short_key(&inviter)
            )));
        }
        let me = match existing {
            Some(me) => me,
            None => match self
                .ask(
                    "CreateIdentity",
                    Request::CreateIdentity { room: Some(room) },
                )
                .await?
            {
                Response::Identity { key, .. } => key,
                other => return Err(Error::protocol("CreateIdentity", format!("{other:?}"))),
            },
        };
        if let Some((version, secret)) = code.room_secret() {
            let secret = secret.clone();
            self.keep_code_secret(&room, version, &secret).await?;
        }
        let body = code.acceptance_body(me)?;
        let signature = self
            .sign(&room, RecordToSign::Acceptance(body.clone()))
            .await?;
        self.send(
            &room,
            &RoomDelta {
                members: vec![Signed { body, signature }],
                ..Default::default()
            },
        )
        .await?;
        let after = self.state(&room).await?;
        if !after.members.iter().any(|m| m.body.member == me) {
            return Err(Error::InviteUsed);
        }
        let other_app = code.app().filter(|app| Some(*app) != self.link.app_id());
        Ok(Joined {
            room,
            me,
            other_app,
        })
    }

    /// Ban `target` from `room`. The owner's ban is one atomic delta with its rotation,
    /// made by the owner's delegate; anyone else's ban is signed and sent, and the
    /// owner's delegate rotates when it sees it.
    pub async fn ban(&mut self, room: &MemberKey, target: &MemberKey) -> Result<Banned> {
        let loaded = self.load(room).await?;
        let me = acting_key(&loaded.view)?;
        check_ban_authority(&loaded.view, &me, target)?;
        let ban = Ban {
            target: *target,
            issuer: me,
        };
        if me == *room {
            let request = Request::BanMember { room: *room, ban };
            return match self.ask("BanMember", request).await? {
                Response::Banned { rotated_to, .. } => Ok(Banned {
                    target: *target,
                    rotated_to,
                }),
                other => Err(Error::protocol("BanMember", format!("{other:?}"))),
            };
        }
        let signature = self.sign(room, RecordToSign::Ban(ban.clone())).await?;
        self.send(
            room,
            &RoomDelta {
                bans: vec![Signed {
                    body: ban,
                    signature,
                }],
                ..Default::default()
            },
        )
        .await?;
        Ok(Banned {
            target: *target,
            rotated_to: None,
        })
    }

    /// The owner changes the room's configuration with `edit`; the version moves on.
    /// Demoting a moderator keeps its bans: the owner signs them again in the same delta
    /// (rule BAN-7: a demoted moderator's own bans lapse).
    pub async fn edit_config(
        &mut self,
        room: &MemberKey,
        edit: impl FnOnce(&mut RoomConfig),
    ) -> Result<RoomConfig> {
        let loaded = self.load(room).await?;
        if loaded.view.me != Some(*room) {
            return Err(Error::NotAllowed(
                "only the room's owner changes its configuration".into(),
            ));
        }
        let before = loaded.view.config.clone();
        let mut config = before.clone();
        edit(&mut config);
        config.moderators.sort();
        config.moderators.dedup();
        config.version = before.version.saturating_add(1);
        check_config(&config).map_err(|e| Error::BadInput(e.to_string()))?;
        let demoted: Vec<MemberKey> = before
            .moderators
            .iter()
            .filter(|m| !config.moderators.contains(m))
            .copied()
            .collect();
        let mut delta = RoomDelta::default();
        for ban in loaded
            .state
            .bans
            .iter()
            .filter(|b| demoted.contains(&b.body.issuer))
        {
            let adopted = Ban {
                target: ban.body.target,
                issuer: *room,
            };
            let signature = self.sign(room, RecordToSign::Ban(adopted.clone())).await?;
            delta.bans.push(Signed {
                body: adopted,
                signature,
            });
        }
        let signature = self
            .sign(room, RecordToSign::Config(config.clone()))
            .await?;
        delta.config = Some(Signed {
            body: config.clone(),
            signature,
        });
        self.send(room, &delta).await?;
        Ok(config)
    }

    /// The owner rotates a private room's secret now; the new version.
    pub async fn rotate_now(&mut self, room: &MemberKey) -> Result<u32> {
        let loaded = self.load(room).await?;
        if loaded.view.me != Some(*room) {
            return Err(Error::NotAllowed(
                "only the room's owner rotates its secret".into(),
            ));
        }
        if loaded.view.privacy != Privacy::Private {
            return Err(Error::NotAllowed(
                "a public room has no secret to rotate".into(),
            ));
        }
        match self
            .ask("RotateNow", Request::RotateNow { room: *room })
            .await?
        {
            Response::Rotated { version } => Ok(version),
            other => Err(Error::protocol("RotateNow", format!("{other:?}"))),
        }
    }

    /// Leave `room` (the owner cannot leave its own room).
    pub async fn leave(&mut self, room: &MemberKey) -> Result<()> {
        let loaded = self.load(room).await?;
        let me = acting_key(&loaded.view)?;
        if me == *room {
            return Err(Error::NotAllowed(
                "the owner cannot leave its own room".into(),
            ));
        }
        let leave = Leave { member: me };
        let signature = self.sign(room, RecordToSign::Leave(leave.clone())).await?;
        self.send(
            room,
            &RoomDelta {
                leaves: vec![Signed {
                    body: leave,
                    signature,
                }],
                ..Default::default()
            },
        )
        .await
    }
}

/// Whether `me` may ban `target` (rule BAN-2, as the room's tree shows it): the owner
/// anyone; a moderator anyone but the owner and moderators; a member its descendants
/// that are not moderators.
pub fn check_ban_authority(view: &RoomView, me: &MemberKey, target: &MemberKey) -> Result<()> {
    if target == me {
        return Err(Error::NotAllowed(
            "you cannot ban yourself (leave instead)".into(),
        ));
    }
    if *target == view.room {
        return Err(Error::NotAllowed("nobody can ban the room's owner".into()));
    }
    if view.member(target).is_none_or(|m| !m.present) {
        return Err(Error::NotFound(format!(
            "{} is not a member of this room",
            short_key(target)
        )));
    }
    if *me == view.room {
        return Ok(());
    }
    let moderators = &view.config.moderators;
    if moderators.contains(target) {
        return Err(Error::NotAllowed(
            "only the owner can ban a moderator".into(),
        ));
    }
    if moderators.contains(me) {
        return Ok(());
    }
    let mut at = view.member(target).and_then(|m| m.inviter);
    while let Some(key) = at {
        if key == *me {
            return Ok(());
        }
        at = view.member(&key).and_then(|m| m.inviter);
    }
    Err(Error::NotAllowed(
        "you can ban only members you invited, or who were invited below them; \
         the owner and moderators can ban anyone else"
            .into(),
    ))
}
