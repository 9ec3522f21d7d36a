//! The web container contract (docs/design.md §7): decode, call [`brook_common::web_container`],
//! encode.
//!
//! The state is the framed UI bundle the node's web gateway serves; the parameters are
//! the publisher's verifying key. The format and its rules (WEB-1: the publisher signed
//! this version of this archive; WEB-2: strictly higher version wins, same version →
//! smaller hash of signature ‖ archive; WEB-3: a publication must be newer) live in brook-common. This shell
//! decodes, dispatches and adds only what the merge laws need: re-applying the current
//! state is a no-op, a lower version is ignored rather than refused, and an empty delta
//! (what [`get_state_delta`] sends a peer that is up to date) changes nothing. A delta is
//! always a whole state: the archive is one signed blob, so there is nothing smaller to
//! send.
//!
//! One delta is not a merge: a publication (`PUBLICATION_MARK ‖ state`, sent as
//! `UpdateData::Delta` by the publisher tool only) is a client command and is refused,
//! with the reason, unless it replaces the state (rule WEB-3). Peers never exchange
//! publications — the node forwards the merged state, and [`get_state_delta`] emits a
//! plain state — so the merge laws, and the conformance bundle that checks them, see
//! only WEB-2.
//!
//! Every error becomes a `ContractError` with a clear message; no input can make it panic
//! (a trap would crash every node hosting the UI). It reads no clock and imports nothing
//! but freenet's host functions.
//!
//! [`get_state_delta`]: ContractInterface::get_state_delta

use brook_common::ids::MemberKey;
use brook_common::web_container::{decode_params, open_publication, WebContainer, WebError};
use brook_contract_glue::{incoming, log, Incoming};
use freenet_stdlib::prelude::*;

#[cfg(test)]
mod tests;

pub struct WebContainerContract;

/// Summary layout: the version (u64 BE) ‖ blake3 of the state bytes.
pub const SUMMARY_LEN: usize = 8 + 32;

/// The summary of `bytes`, whose decoded form is `container`.
fn summary(container: &WebContainer, bytes: &[u8]) -> [u8; SUMMARY_LEN] {
    let mut out = [0u8; SUMMARY_LEN];
    let (version, hash) = out.split_at_mut(8);
    version.copy_from_slice(&container.metadata.version.to_be_bytes());
    hash.copy_from_slice(blake3::hash(bytes).as_bytes());
    out
}

fn publisher(parameters: &Parameters<'_>) -> Result<MemberKey, ContractError> {
    decode_params(parameters.as_ref()).map_err(|e| ContractError::Deser(e.to_string()))
}

fn decode_state(bytes: &[u8]) -> Result<WebContainer, ContractError> {
    WebContainer::decode(bytes).map_err(|e| ContractError::Deser(format!("state: {e}")))
}

/// Why an incoming state was refused: the whole update fails, as the node expects for
/// bytes that are not a state of this contract.
fn rejected(err: WebError) -> ContractError {
    match err {
        WebError::Malformed(_) => ContractError::Deser(format!("rejected update: {err}")),
        _ => ContractError::InvalidUpdateWithInfo {
            reason: format!("rejected update: {err}"),
        },
    }
}

/// Why a publication was refused (rule WEB-3): its reason reaches the publisher.
fn refused(err: WebError) -> ContractError {
    match err {
        WebError::Malformed(_) => ContractError::Deser(format!("rejected publication: {err}")),
        WebError::NotNewer { .. } | WebError::AlreadyPublished { .. } => {
            ContractError::InvalidUpdateWithInfo {
                reason: err.to_string(),
            }
        }
        _ => ContractError::InvalidUpdateWithInfo {
            reason: format!("rejected publication: {err}"),
        },
    }
}

/// Rule WEB-2: merges the state `bytes` (from a peer or a client) into `current`.
fn merge(
    current: WebContainer,
    bytes: Vec<u8>,
    publisher: &MemberKey,
) -> Result<WebContainer, ContractError> {
    let candidate = WebContainer::decode(&bytes).map_err(rejected)?;
    drop(bytes);
    // Idempotence: re-delivering the current state is a no-op, even if it would not
    // verify today. Decoding is canonical, so equal values are equal bytes.
    if candidate == current {
        return Ok(current);
    }
    // rule WEB-1: an incoming state must carry the publisher's signature.
    candidate.verify(publisher).map_err(rejected)?;
    // rule WEB-2: keep the newer of the two. A lower version than the current one leaves
    // it unchanged and is not an error: peers that saw the publishes in different orders
    // must still reach the same state, so merging an old state is a no-op, never a
    // failure.
    Ok(current.newer(candidate))
}

/// Rule WEB-3: applies the publication of the state `bytes` over `current`, or refuses it.
fn publish(
    current: WebContainer,
    bytes: &[u8],
    publisher: &MemberKey,
) -> Result<WebContainer, ContractError> {
    let candidate = WebContainer::decode(bytes).map_err(refused)?;
    current
        .accept_publication(candidate, publisher)
        .map_err(refused)
}

#[cfg_attr(feature = "freenet-main-contract", contract)]
impl ContractInterface for WebContainerContract {
    fn validate_state(
        parameters: Parameters<'static>,
        state: State<'static>,
        _related: RelatedContracts<'static>,
    ) -> Result<ValidateResult, ContractError> {
        let publisher = publisher(&parameters)?;
        // Bytes that do not decode are an error; a well-formed state whose signature
        // fails is Invalid.
        let container = decode_state(state.as_ref())?;
        // rule WEB-1: the publisher signed exactly this version of this archive.
        match container.verify(&publisher) {
            Ok(()) => Ok(ValidateResult::Valid),
            Err(err) => {
                log(&format!("web container state rejected: {err}"));
                Ok(ValidateResult::Invalid)
            }
        }
    }

    fn update_state(
        parameters: Parameters<'static>,
        state: State<'static>,
        data: Vec<UpdateData<'static>>,
    ) -> Result<UpdateModification<'static>, ContractError> {
        let publisher = publisher(&parameters)?;
        // The current state was validated when the node stored it; it is decoded, not
        // re-verified. Its bytes are dropped once decoded: a bundle can be 50 MiB.
        let mut current = decode_state(state.as_ref())?;
        drop(state);
        for item in incoming(data, "the web container")? {
            current = match item {
                Incoming::State(bytes) => merge(current, bytes, &publisher)?,
                // An empty delta means "you are up to date" (see `get_state_delta`).
                Incoming::Delta(bytes) if bytes.is_empty() => current,
                // Items apply in order: a publication must be newer than the state as the
                // items before it left it.
                Incoming::Delta(bytes) => match open_publication(&bytes) {
                    Some(state) => publish(current, state, &publisher)?,
                    None => merge(current, bytes, &publisher)?,
                },
            };
        }
        let bytes = current
            .encode()
            .map_err(|e| ContractError::Other(e.to_string()))?;
        Ok(UpdateModification::valid(State::from(bytes)))
    }

    fn summarize_state(
        parameters: Parameters<'static>,
        state: State<'static>,
    ) -> Result<StateSummary<'static>, ContractError> {
        publisher(&parameters)?;
        let container = decode_state(state.as_ref())?;
        Ok(StateSummary::from(
            summary(&container, state.as_ref()).to_vec(),
        ))
    }

    fn get_state_delta(
        parameters: Parameters<'static>,
        state: State<'static>,
        summary_of_peer: StateSummary<'static>,
    ) -> Result<StateDelta<'static>, ContractError> {
        publisher(&parameters)?;
        if summary_of_peer.as_ref().len() != SUMMARY_LEN {
            return Err(ContractError::Deser(format!(
                "summary must be {SUMMARY_LEN} bytes (version ‖ blake3), got {}",
                summary_of_peer.as_ref().len()
            )));
        }
        let container = decode_state(state.as_ref())?;
        if summary(&container, state.as_ref()).as_slice() == summary_of_peer.as_ref() {
            return Ok(StateDelta::from(vec![]));
        }
        // The only delta form is the whole state; the peer's merge (rule WEB-2) decides
        // whether it is newer.
        Ok(StateDelta::from(state.into_bytes()))
    }
}
