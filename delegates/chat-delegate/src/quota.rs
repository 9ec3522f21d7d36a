//! Fair shares of what the node gives this delegate, between the web apps that use it
//! (rule ORG-2). The node allows one delegate 256 contract subscriptions in all
//! (freenet 0.2.154, `MAX_CONTRACT_SUBSCRIPTIONS_PER_DELEGATE`), shared by every web app
//! on the node; without shares one app could take every slot and the owner's rooms could
//! no longer be followed. Storage is capped per web app for the same reason.

use brook_common::delegate_api::ApiError;

/// Room contracts the delegate follows in all: the node's subscription limit.
pub const MAX_FOLLOWED_CONTRACTS: usize = 256;
/// Room contracts one web app may follow: a quarter of the node's limit, so no single
/// app can take the slots another needs, and far above what one person's chat needs.
/// (Four apps together could still fill the node's limit; the node allows no more.)
pub const MAX_FOLLOWS_PER_ORIGIN: usize = 64;
/// Room identities one web app may hold (each is one 32-byte seed).
pub const MAX_IDENTITIES_PER_ORIGIN: usize = 1024;
/// Values of a web app's own key-value storage.
pub const MAX_VALUES_PER_ORIGIN: usize = 1024;
/// Bytes of one stored value: drafts, settings and read markers are far smaller. With
/// the count above, one app stores at most 64 MiB.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Refuses a new entry when `held` already reaches `limit`.
pub fn check(what: &'static str, held: usize, limit: usize) -> Result<(), ApiError> {
    if held >= limit {
        return Err(ApiError::QuotaExceeded {
            what: what.into(),
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
        });
    }
    Ok(())
}
