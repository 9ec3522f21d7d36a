//! `Signed<T>`: a record body and the signature that makes it authoritative.

use ed25519_dalek::SigningKey;
use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::batch_verify::Verifier;
use crate::ids::{MemberKey, RecordId};
use crate::protocol::RecordKind;
use crate::sign::{self, Sig, SigError};

/// A record body: which signature domain it lives in and who must sign it.
pub trait RecordBody: Encode<()> {
    const KIND: RecordKind;
    /// The key whose signature makes this record authoritative (owner-authored records
    /// return the room owner).
    fn signer(&self, owner: &MemberKey) -> MemberKey;
}

/// A record body with its signature over `tag ‖ room ‖ CBOR(body)` (see [`crate::sign`]).
/// On the wire: the two-element array `[body, signature]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signed<T> {
    pub body: T,
    pub signature: Sig,
}

// Written out rather than derived: the derive's field bookkeeping is instantiated once
// per record type, about a kilobyte each in the guests. The layout is the derive's
// (`[n(0)] body, [n(1)] signature`); anything else is refused here or, being not the
// canonical encoding, by rule CAN-1's re-encoding check.
impl<C, T: Encode<C>> Encode<C> for Signed<T> {
    fn encode<W: minicbor::encode::Write>(
        &self,
        e: &mut minicbor::Encoder<W>,
        ctx: &mut C,
    ) -> Result<(), minicbor::encode::Error<W::Error>> {
        e.array(2)?;
        self.body.encode(e, ctx)?;
        self.signature.encode(e, ctx)
    }
}

impl<'b, C, T: Decode<'b, C>> Decode<'b, C> for Signed<T> {
    fn decode(d: &mut minicbor::Decoder<'b>, ctx: &mut C) -> Result<Self, minicbor::decode::Error> {
        if d.array()? != Some(2) {
            return Err(minicbor::decode::Error::message(
                "a signed record is [body, signature]",
            ));
        }
        let body = T::decode(d, ctx)?;
        let signature = Sig::decode(d, ctx)?;
        Ok(Signed { body, signature })
    }
}

impl<T: RecordBody> Signed<T> {
    /// Sign `body` for the room owned by `owner`. The key must be the body's signer.
    pub fn sign(owner: &MemberKey, body: T, key: &SigningKey) -> Result<Self, SigError> {
        let signature = sign::sign_body(T::KIND, owner, &body, key)?;
        Ok(Signed { body, signature })
    }

    /// Check the signature against the body's required signer.
    pub fn verify(&self, verifier: &mut Verifier, owner: &MemberKey) -> Result<(), SigError> {
        let signer = self.body.signer(owner);
        verifier.verify(T::KIND, owner, &signer, &self.body, &self.signature)
    }

    pub fn id(&self) -> RecordId {
        RecordId::of_signature(&self.signature.0)
    }
}
