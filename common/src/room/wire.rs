//! The contract's four entry points over bytes. The room contract is a thin shell over
//! these; they never panic, whatever the bytes.

use super::error::RoomError;
use super::state::{RoomDelta, RoomParams, RoomState};
use super::sync::RoomSummary;
use super::verify::{verify_state, ApplyReport, VerifiedState};
use crate::codec;
use crate::limits::MAX_STATE_BYTES;

/// One update handed to the contract.
#[derive(Debug, Clone, Copy)]
pub enum Update<'a> {
    Delta(&'a [u8]),
    State(&'a [u8]),
}

pub fn decode_params(bytes: &[u8]) -> Result<RoomParams, RoomError> {
    let params: RoomParams = codec::from_canonical_slice(bytes, 1024)
        .map_err(|e| RoomError::malformed("parameters", e))?;
    canonical("parameters", bytes, &params.to_bytes())?;
    Ok(params)
}

/// Rule CAN-1: bytes the room takes from the network are exactly the canonical encoding
/// of what they decode to. So one state has one byte form on every node, and no unknown
/// field, explicit `null`, indefinite length or non-minimal integer rides along
/// (`codec::check_shape` refuses the last two before anything is decoded).
fn canonical(what: &'static str, bytes: &[u8], encoded: &[u8]) -> Result<(), RoomError> {
    if bytes == encoded {
        Ok(())
    } else {
        Err(RoomError::NotCanonical(what))
    }
}

pub fn decode_state(bytes: &[u8]) -> Result<RoomState, RoomError> {
    let state = codec::from_canonical_slice(bytes, MAX_STATE_BYTES)
        .map_err(|e| RoomError::malformed("state", e))?;
    canonical("state encoding", bytes, &encode_state(&state)?)?;
    Ok(state)
}

pub fn decode_delta(bytes: &[u8]) -> Result<RoomDelta, RoomError> {
    if bytes.is_empty() {
        return Ok(RoomDelta::default()); // zero bytes: the "converged" delta
    }
    let delta = codec::from_canonical_slice(bytes, MAX_STATE_BYTES)
        .map_err(|e| RoomError::malformed("delta", e))?;
    canonical("delta encoding", bytes, &encode_delta(&delta)?)?;
    Ok(delta)
}

pub fn decode_summary(bytes: &[u8]) -> Result<RoomSummary, RoomError> {
    codec::from_canonical_slice(bytes, MAX_STATE_BYTES)
        .map_err(|e| RoomError::malformed("summary", e))
}

fn encode<T: minicbor::Encode<()>>(what: &'static str, value: &T) -> Result<Vec<u8>, RoomError> {
    codec::to_vec(value).map_err(|e| RoomError::malformed(what, e))
}

pub fn encode_state(state: &RoomState) -> Result<Vec<u8>, RoomError> {
    encode("state", state)
}

/// Encode a delta; an empty delta is zero bytes.
pub fn encode_delta(delta: &RoomDelta) -> Result<Vec<u8>, RoomError> {
    if delta.is_empty() {
        return Ok(Vec::new());
    }
    encode("delta", delta)
}

pub fn encode_params(params: &RoomParams) -> Result<Vec<u8>, RoomError> {
    encode("parameters", params)
}

/// `validate_state`: every signature verifies and the state is canonical.
pub fn validate(params: &[u8], state: &[u8]) -> Result<(), RoomError> {
    verify_state(&decode_params(params)?, decode_state(state)?).map(|_| ())
}

/// `update_state`: apply each update to the node-validated `state`. Invalid records
/// inside an update are skipped. Rule UPD-1: each update of a batch stands alone — one
/// that does not decode, or is not canonical (CAN-1), is skipped and counted as rejected
/// while the others apply; only a batch in which nothing decodes is an error, so the
/// sender of a single bad update hears why.
pub fn update(
    params: &[u8],
    state: &[u8],
    updates: &[Update<'_>],
) -> Result<(Vec<u8>, ApplyReport), RoomError> {
    let params = decode_params(params)?;
    let mut current = VerifiedState::trust_node_validated(&params, decode_state(state)?);
    let mut total = ApplyReport::default();
    let mut refused: Option<RoomError> = None;
    let mut applied = 0usize;
    for update in updates {
        let decoded = match update {
            Update::Delta(bytes) => decode_delta(bytes),
            Update::State(bytes) => decode_state(bytes).map(RoomState::into_delta),
        };
        let delta = match decoded {
            Ok(delta) => delta,
            Err(e) => {
                total.rejected = total.rejected.saturating_add(1);
                refused.get_or_insert(e);
                continue;
            }
        };
        let (next, report) = current.apply(delta);
        total.admitted = total.admitted.saturating_add(report.admitted);
        total.rejected = total.rejected.saturating_add(report.rejected);
        current = next;
        applied = applied.saturating_add(1);
    }
    if let (0, Some(error)) = (applied, refused) {
        return Err(error);
    }
    Ok((encode_state(current.state())?, total))
}

/// `summarize_state`.
pub fn summarize(params: &[u8], state: &[u8]) -> Result<Vec<u8>, RoomError> {
    decode_params(params)?;
    encode("summary", &decode_state(state)?.summarize())
}

/// `get_state_delta`: zero bytes when the summary already names everything.
pub fn delta(params: &[u8], state: &[u8], summary: &[u8]) -> Result<Vec<u8>, RoomError> {
    decode_params(params)?;
    let state = decode_state(state)?;
    encode_delta(&state.delta_since(&decode_summary(summary)?))
}
