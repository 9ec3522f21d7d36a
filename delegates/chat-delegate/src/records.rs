//! The byte layouts of what the delegate stores and the contexts it hands the node.
//!
//! Fixed little layouts rather than CBOR derives: each derive costs the WASM one to
//! two KB of decoder, and these never travel beyond this delegate. Each starts with a
//! layout byte, so a successor delegate that imports these records can tell versions
//! apart.

use brook_common::delegate_api::{RunOutcome, RunReport};
use brook_common::ids::MemberKey;

const LAYOUT_1: u8 = 1;

/// Reads fixed-size fields off the front of a record.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take::<1>().map(|[b]| b)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_be_bytes)
    }

    fn rest(self) -> &'a [u8] {
        self.0
    }
}

/// That an origin follows a room: the room's owner key and the room contract's code
/// hash (the contract id is derived from both), and whether the origin's identity for
/// the room is the owner's (checked when it asked to follow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Follow {
    pub room: MemberKey,
    pub code_hash: [u8; 32],
    pub owner: bool,
}

impl Follow {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![LAYOUT_1];
        out.extend_from_slice(self.room.as_bytes());
        out.extend_from_slice(&self.code_hash);
        out.push(u8::from(self.owner));
        out
    }

    pub fn decode(bytes: &[u8]) -> Option<Follow> {
        let mut r = Reader(bytes);
        (r.byte()? == LAYOUT_1).then_some(())?;
        let follow = Follow {
            room: MemberKey(r.take()?),
            code_hash: r.take()?,
            owner: r.byte()? == 1,
        };
        r.rest().is_empty().then_some(follow)
    }
}

/// A rotation published but not yet seen in the room's state (rule PIPE-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRotation {
    pub version: u32,
    /// Emissions so far.
    pub attempts: u32,
    /// The exact room delta emitted.
    pub delta: Vec<u8>,
}

impl PendingRotation {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![LAYOUT_1];
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&self.attempts.to_be_bytes());
        out.extend_from_slice(&self.delta);
        out
    }

    pub fn decode(bytes: &[u8]) -> Option<PendingRotation> {
        let mut r = Reader(bytes);
        (r.byte()? == LAYOUT_1).then_some(())?;
        Some(PendingRotation {
            version: r.u32()?,
            attempts: r.u32()?,
            delta: r.rest().to_vec(),
        })
    }
}

pub fn encode_report(report: &RunReport) -> Vec<u8> {
    let mut out = vec![LAYOUT_1];
    out.extend_from_slice(&report.state_hash);
    let (kind, version, members, text) = match &report.outcome {
        RunOutcome::UpToDate => (0, 0, 0, ""),
        RunOutcome::BackFilled { version, members } => (1, *version, *members, ""),
        RunOutcome::Rotated { version, members } => (2, *version, *members, ""),
        RunOutcome::Republished { version } => (3, *version, 0, ""),
        RunOutcome::Failed(reason) => (4, 0, 0, reason.as_str()),
    };
    out.push(kind);
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&members.to_be_bytes());
    // A room admits at most a few hundred members: the count always fits.
    let unreachable = u32::try_from(report.unreachable.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&unreachable.to_be_bytes());
    for key in report.unreachable.iter().take(unreachable as usize) {
        out.extend_from_slice(key.as_bytes());
    }
    out.extend_from_slice(text.as_bytes());
    out
}

pub fn decode_report(bytes: &[u8]) -> Option<RunReport> {
    let mut r = Reader(bytes);
    (r.byte()? == LAYOUT_1).then_some(())?;
    let state_hash = r.take()?;
    let (kind, version, members) = (r.byte()?, r.u32()?, r.u32()?);
    let mut unreachable = Vec::new();
    for _ in 0..r.u32()? {
        unreachable.push(MemberKey(r.take()?));
    }
    let outcome = match kind {
        0 => RunOutcome::UpToDate,
        1 => RunOutcome::BackFilled { version, members },
        2 => RunOutcome::Rotated { version, members },
        3 => RunOutcome::Republished { version },
        4 => RunOutcome::Failed(String::from_utf8(r.rest().to_vec()).ok()?),
        _ => return None,
    };
    Some(RunReport {
        state_hash,
        outcome,
        unreachable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_round_trips_and_damage_is_refused() {
        let follow = Follow {
            room: MemberKey([3; 32]),
            code_hash: [4; 32],
            owner: true,
        };
        assert_eq!(Follow::decode(&follow.encode()), Some(follow.clone()));
        assert_eq!(Follow::decode(&follow.encode()[..40]), None);
        let pending = PendingRotation {
            version: 7,
            attempts: 2,
            delta: vec![9; 10],
        };
        assert_eq!(PendingRotation::decode(&pending.encode()), Some(pending));
        assert_eq!(PendingRotation::decode(&[2, 0, 0]), None);
        for outcome in [
            RunOutcome::UpToDate,
            RunOutcome::BackFilled {
                version: 1,
                members: 2,
            },
            RunOutcome::Rotated {
                version: 3,
                members: 4,
            },
            RunOutcome::Republished { version: 5 },
            RunOutcome::Failed("no".into()),
        ] {
            let report = RunReport {
                state_hash: [1; 32],
                outcome,
                unreachable: vec![MemberKey([5; 32]), MemberKey([6; 32])],
            };
            assert_eq!(decode_report(&encode_report(&report)), Some(report));
        }
        assert_eq!(decode_report(&[1; 10]), None);
    }
}
