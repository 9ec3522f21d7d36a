//! Secret-bearing types. Each secret is its own type; all wipe on drop, print as
//! `[redacted]`, and compare in constant time. Turning one into bytes that can leave is
//! an explicit, named call.

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

macro_rules! secret_bytes {
    ($(#[$doc:meta])* $name:ident, $len:expr) => {
        $(#[$doc])*
        #[derive(Clone, Zeroize, ZeroizeOnDrop)]
        pub struct $name([u8; $len]);

        impl $name {
            pub const LEN: usize = $len;

            pub fn from_bytes(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            /// The raw secret. Named loudly so every use is easy to audit.
            pub fn expose_secret(&self) -> &[u8; $len] {
                &self.0
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.0.ct_eq(&other.0).into()
            }
        }

        impl Eq for $name {}
    };
}

secret_bytes!(
    /// A room owner's raw 32-byte ed25519 seed: the root of the owner's signing key and
    /// of every room secret (docs/design.md §3).
    OwnerSeed,
    32
);

secret_bytes!(
    /// The room secret of one version: the AES-256-GCM key of sealed content.
    RoomSecret,
    32
);

secret_bytes!(
    /// The per-room KDF root derived from the owner seed.
    SecretRoot,
    32
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = RoomSecret::from_bytes([0x41; 32]);
        let text = format!("{secret:?}");
        assert_eq!(text, "RoomSecret([redacted])");
        assert!(!text.contains("41"));
    }

    #[test]
    fn secrets_compare_by_value() {
        assert_eq!(
            OwnerSeed::from_bytes([1; 32]),
            OwnerSeed::from_bytes([1; 32])
        );
        assert_ne!(
            OwnerSeed::from_bytes([1; 32]),
            OwnerSeed::from_bytes([2; 32])
        );
    }

    #[test]
    fn zeroize_wipes_the_bytes() {
        let mut secret = SecretRoot::from_bytes([9; 32]);
        secret.zeroize();
        assert_eq!(secret.expose_secret(), &[0u8; 32]);
    }
}
