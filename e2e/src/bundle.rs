//! Writer for freenet's conformance replay bundle (`freenet::conformance::bundle`,
//! schema 1), the corpus format `fdev verify-merge --bundle` reads.
//!
//! The format is `b"FRNTCNF1" ‖ schema (u16 LE) ‖ bincode-1(ReplayBundle)`. bincode 1's
//! default layout is simple enough to write directly (u64 LE lengths, a one-byte tag
//! for `Option`, fixed arrays inline), which spares the test suite a dependency on the
//! node library just to serialize a struct.

/// One observed `base + delta → result` step, with the summary the delta was made for.
#[derive(Debug, Clone)]
pub struct BundleTransition {
    pub base_state: Vec<u8>,
    pub delta: Option<Vec<u8>>,
    pub summary: Option<Vec<u8>>,
    pub result_state: Vec<u8>,
}

/// A replay corpus for one contract (code embedded, so the bundle names its WASM).
#[derive(Debug, Clone, Default)]
pub struct ReplayBundle {
    pub code: Vec<u8>,
    pub parameters: Vec<u8>,
    pub states: Vec<Vec<u8>>,
    pub deltas: Vec<Vec<u8>>,
    pub summaries: Vec<Vec<u8>>,
    pub transitions: Vec<BundleTransition>,
    pub note: Option<String>,
}

const MAGIC: &[u8; 8] = b"FRNTCNF1";
const SCHEMA: u16 = 1;

fn bytes(out: &mut Vec<u8>, value: &[u8]) {
    out.extend_from_slice(&(value.len() as u64).to_le_bytes());
    out.extend_from_slice(value);
}

fn option_bytes(out: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        None => out.push(0),
        Some(v) => {
            out.push(1);
            bytes(out, v);
        }
    }
}

fn list(out: &mut Vec<u8>, values: &[Vec<u8>]) {
    out.extend_from_slice(&(values.len() as u64).to_le_bytes());
    for v in values {
        bytes(out, v);
    }
}

impl ReplayBundle {
    /// The bundle's bytes, field by field in `ReplayBundle`'s declaration order.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.code.len() + 1024);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&SCHEMA.to_le_bytes());
        out.extend_from_slice(&SCHEMA.to_le_bytes()); // schema_version
        option_bytes(&mut out, Some(&self.code)); // code
        out.push(1); // code_hash: Some([u8; 32]), inline
        out.extend_from_slice(blake3::hash(&self.code).as_bytes());
        bytes(&mut out, &self.parameters);
        out.push(0); // instance: None
        list(&mut out, &self.states);
        list(&mut out, &self.deltas);
        list(&mut out, &self.summaries);
        out.extend_from_slice(&(self.transitions.len() as u64).to_le_bytes());
        for t in &self.transitions {
            bytes(&mut out, &t.base_state);
            option_bytes(&mut out, t.delta.as_deref());
            option_bytes(&mut out, None); // incoming_state
            option_bytes(&mut out, t.summary.as_deref());
            bytes(&mut out, &t.result_state);
        }
        out.extend_from_slice(&0u64.to_le_bytes()); // related: empty
        option_bytes(&mut out, self.note.as_deref().map(str::as_bytes));
        out
    }
}
