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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct Signed<T> {
    #[n(0)]
    pub body: T,
    #[n(1)]
    pub signature: Sig,
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
