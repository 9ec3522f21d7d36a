//! The client core's one error type. Every failure says what happened in words a user
//! can act on, and whose fault it is ([`Fault`]).

use brook_common::delegate_api::ApiError;
use brook_common::ids::MemberKey;

use crate::content::SealFailure;
use crate::fault::Fault;
use crate::invite::InviteError;
use crate::view::{CannotPost, Standing};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The link to the node failed: not running, timed out, refused a request, closed.
    /// `fault` comes from the transport (the node, the network, this machine).
    #[error("{detail}")]
    Link { fault: Fault, detail: String },
    /// The node did not apply a room update: the room contract refused it.
    #[error("the room did not take the update: {reason}")]
    UpdateRefused { reason: String },
    /// The chat delegate answered an error.
    #[error("the chat delegate refused {request}: {error}")]
    Delegate {
        request: &'static str,
        error: ApiError,
    },
    /// An answer that breaks the protocol (a delegate or node reply of the wrong kind,
    /// state bytes that do not decode).
    #[error("unexpected answer to {request}: {detail}")]
    Protocol {
        request: &'static str,
        detail: String,
    },
    #[error("invalid invite code: {0}")]
    Invite(#[from] InviteError),
    /// The invite code is for another room contract (another build of Brook's room, or
    /// another app's) than the one this client runs.
    #[error("this invite code is for a room this node does not hold: {detail}")]
    ForeignInvite { detail: String },
    /// The code's grant was already used: a grant admits one member (rule MEM-7).
    #[error("this invite code was already used by another member; ask the inviter for a new one")]
    InviteUsed,
    #[error("you are already a member of this room")]
    AlreadyMember,
    /// No room with this id on the node, or no identity for it in this app.
    #[error("{0}")]
    NotFound(String),
    /// The name matches several rooms or members.
    #[error("{what} is ambiguous; it matches: {}", candidates.join(", "))]
    Ambiguous {
        what: String,
        candidates: Vec<String>,
    },
    #[error("you cannot post in this room: {}", cannot_post_words(.0))]
    CannotPost(CannotPost),
    #[error("the message is {got} bytes; this room takes at most {max}")]
    TooLong { got: usize, max: usize },
    #[error("{0}")]
    Seal(#[from] SealFailure),
    /// The action is not this identity's to take (a ban without authority, a config
    /// edit by a non-owner, …).
    #[error("not allowed: {0}")]
    NotAllowed(String),
    /// The caller's input is malformed (not a room or member reference, a bad export
    /// block, …).
    #[error("{0}")]
    BadInput(String),
}

fn cannot_post_words(why: &CannotPost) -> String {
    match why {
        CannotPost::Standing(Standing::Banned { by }) => {
            format!("you were banned (by {})", crate::hex::short_key(by))
        }
        CannotPost::Standing(Standing::Left) => "you left this room".into(),
        CannotPost::Standing(_) => "you are not a member of this room".into(),
        CannotPost::NoSecretYet => {
            "the room has no secret yet; the owner's node publishes one shortly".into()
        }
        CannotPost::LacksVersion { version } => format!(
            "no key for secret version {version} yet (the owner's node wraps it for you \
             shortly, unless you were removed)"
        ),
    }
}

impl Error {
    /// Whose fault the failure is.
    pub fn fault(&self) -> Fault {
        match self {
            Error::Link { fault, .. } => *fault,
            Error::UpdateRefused { .. } => Fault::Node,
            Error::Delegate { error, .. } => delegate_fault(error),
            Error::Protocol { .. } => Fault::Brook,
            Error::Invite(_)
            | Error::ForeignInvite { .. }
            | Error::InviteUsed
            | Error::AlreadyMember
            | Error::NotFound(_)
            | Error::Ambiguous { .. }
            | Error::CannotPost(_)
            | Error::TooLong { .. }
            | Error::NotAllowed(_)
            | Error::BadInput(_) => Fault::Caller,
            Error::Seal(SealFailure::Refused(_)) => Fault::Caller,
            Error::Seal(SealFailure::Cipher) => Fault::Brook,
        }
    }

    pub(crate) fn protocol(request: &'static str, detail: impl ToString) -> Error {
        Error::Protocol {
            request,
            detail: detail.to_string(),
        }
    }

    pub(crate) fn no_room(room: &MemberKey) -> Error {
        Error::NotFound(format!(
            "your node holds no room {} (a typo, or the room was never published to it)",
            crate::hex::short_key(room)
        ))
    }
}

fn delegate_fault(error: &ApiError) -> Fault {
    match error {
        ApiError::NoIdentity
        | ApiError::IdentityExists
        | ApiError::NotYourRecord
        | ApiError::BadSeed
        | ApiError::NotOwner
        | ApiError::BadBan(_)
        | ApiError::QuotaExceeded { .. }
        | ApiError::BadImport(_)
        | ApiError::Conflict { .. } => Fault::Caller,
        ApiError::NotAWebApp | ApiError::MalformedRequest(_) | ApiError::Internal(_) => {
            Fault::Brook
        }
        _ => Fault::Node,
    }
}
