//! Errors of the room layer, flat and saying who is at fault.

use crate::codec::CodecError;

/// Why a state, delta, summary or parameters were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoomError {
    /// Bytes that do not decode (wrong format, trailing garbage, oversize).
    #[error("malformed {what}: {detail}")]
    MalformedInput { what: &'static str, detail: String },
    /// A signature in the state does not verify.
    #[error("bad signature on {what}")]
    BadSignature { what: &'static str },
    /// A record violates a structural rule (sizes, limits, shapes).
    #[error("invalid {what}: {rule}")]
    InvalidRecord {
        what: &'static str,
        rule: &'static str,
    },
    /// The state holds records its own rules would drop (unauthorized, over a limit,
    /// unsorted): it is not the canonical form of its records.
    #[error("state is not canonical: {0} holds records its rules drop, or is unsorted")]
    NotCanonical(&'static str),
}

impl RoomError {
    pub(crate) fn malformed(what: &'static str, err: CodecError) -> Self {
        RoomError::MalformedInput {
            what,
            detail: err.to_string(),
        }
    }

    pub(crate) fn invalid(what: &'static str, rule: &'static str) -> Self {
        RoomError::InvalidRecord { what, rule }
    }
}
