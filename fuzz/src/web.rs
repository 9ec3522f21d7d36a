//! Structured input for the web container targets.
//!
//! Random bytes almost never carry the publisher's signature, so every state or update
//! here is either raw bytes or a real publish (fixed publisher key, fuzzed version and
//! archive) optionally mutated with [`Edit`]s. That reaches the decoder, signature
//! verification (rule WEB-1), the version ordering (rule WEB-2) and, wrapped as a
//! publication, the publisher's newer-or-refused rule (WEB-3) alike.

use std::sync::OnceLock;

use brook_common::testkit::signing_key;
use brook_common::web_container::{publication, WebContainer};
use ed25519_dalek::SigningKey;
use freenet_stdlib::prelude::{
    ContractInstanceId, Parameters, State, StateDelta, StateSummary, UpdateData,
};
use libfuzzer_sys::arbitrary::{self, Arbitrary};

use crate::seeded::{mutate, Edit};

/// The one publisher every target signs as.
pub fn publisher() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| signing_key("fuzz-web-publisher", 0))
}

/// Parameters: usually the publisher's key, sometimes anything.
#[derive(Debug, Arbitrary)]
pub enum WebParams {
    Publisher,
    Raw(Vec<u8>),
}

impl WebParams {
    pub fn to_params(&self) -> Parameters<'static> {
        match self {
            WebParams::Publisher => {
                Parameters::from(publisher().verifying_key().to_bytes().to_vec())
            }
            WebParams::Raw(bytes) => Parameters::from(bytes.clone()),
        }
    }
}

/// State (or delta) bytes.
#[derive(Debug, Arbitrary)]
pub enum WebBytes {
    Raw(Vec<u8>),
    Published {
        version: u64,
        archive: Vec<u8>,
        edits: Vec<Edit>,
    },
}

impl WebBytes {
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            WebBytes::Raw(bytes) => bytes.clone(),
            WebBytes::Published {
                version,
                archive,
                edits,
            } => mutate(
                WebContainer::publish(publisher(), *version, archive.clone())
                    .encode()
                    .expect("a web container encodes"),
                edits,
            ),
        }
    }
}

/// `validate_state`, `summarize_state` and `get_state_delta` on one input.
#[derive(Debug, Arbitrary)]
pub struct WebCall {
    pub params: WebParams,
    pub state: WebBytes,
    pub summary: Vec<u8>,
}

impl WebCall {
    pub fn state(&self) -> State<'static> {
        State::from(self.state.to_bytes())
    }

    pub fn summary(&self) -> StateSummary<'static> {
        StateSummary::from(self.summary.clone())
    }
}

/// The arguments of `update_state`: every kind of update the node can deliver.
#[derive(Debug, Arbitrary)]
pub struct WebUpdateCall {
    pub params: WebParams,
    pub state: WebBytes,
    pub updates: Vec<WebUpdate>,
}

#[derive(Debug, Arbitrary)]
pub enum WebUpdate {
    State(WebBytes),
    Delta(WebBytes),
    StateAndDelta(WebBytes, WebBytes),
    RelatedState([u8; 32], WebBytes),
    /// A delta wrapped in the publication mark, as the publisher tool sends it.
    Publication(WebBytes),
}

impl WebUpdateCall {
    pub fn state(&self) -> State<'static> {
        State::from(self.state.to_bytes())
    }

    pub fn updates(&self) -> Vec<UpdateData<'static>> {
        self.updates.iter().map(WebUpdate::to_data).collect()
    }
}

impl WebUpdate {
    fn to_data(&self) -> UpdateData<'static> {
        let state = |b: &WebBytes| State::from(b.to_bytes());
        let delta = |b: &WebBytes| StateDelta::from(b.to_bytes());
        match self {
            WebUpdate::State(s) => UpdateData::State(state(s)),
            WebUpdate::Delta(d) => UpdateData::Delta(delta(d)),
            WebUpdate::StateAndDelta(s, d) => UpdateData::StateAndDelta {
                state: state(s),
                delta: delta(d),
            },
            WebUpdate::RelatedState(c, s) => UpdateData::RelatedState {
                related_to: ContractInstanceId::new(*c),
                state: state(s),
            },
            WebUpdate::Publication(p) => {
                UpdateData::Delta(StateDelta::from(publication(&p.to_bytes())))
            }
        }
    }
}
