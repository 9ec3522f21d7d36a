//! What the room contract and the web container contract shells share with each other
//! and nothing else: turning the node's update items into the states and deltas their
//! cores merge, the refusal of related contracts (neither has any), and logging to the
//! node. No rule lives here.

use freenet_stdlib::prelude::{ContractError, UpdateData};

/// One update item, as the contract cores take them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A whole state, from a peer or a client: merged.
    State(Vec<u8>),
    /// A delta: applied.
    Delta(Vec<u8>),
}

/// The node's update items in order, a `StateAndDelta` as its state then its delta.
/// `contract` names the caller in the error for related-contract items, which neither
/// Brook contract asks for.
pub fn incoming(data: Vec<UpdateData<'_>>, contract: &str) -> Result<Vec<Incoming>, ContractError> {
    let mut out = Vec::with_capacity(data.len());
    for item in data {
        match item {
            UpdateData::State(s) => out.push(Incoming::State(s.into_bytes())),
            UpdateData::Delta(d) => out.push(Incoming::Delta(d.into_bytes())),
            UpdateData::StateAndDelta { state, delta } => {
                out.push(Incoming::State(state.into_bytes()));
                out.push(Incoming::Delta(delta.into_bytes()));
            }
            _ => {
                return Err(ContractError::Other(format!(
                    "{contract} has no related contracts"
                )))
            }
        }
    }
    Ok(out)
}

/// A line in the node's log (a no-op natively).
pub fn log(message: &str) {
    #[cfg(target_family = "wasm")]
    freenet_stdlib::log::info(message);
    #[cfg(not(target_family = "wasm"))]
    let _ = message;
}

#[cfg(test)]
mod tests {
    use freenet_stdlib::prelude::{State, StateDelta};

    use super::*;

    #[test]
    fn state_and_delta_split_in_order() {
        let items = vec![
            UpdateData::Delta(StateDelta::from(vec![1])),
            UpdateData::StateAndDelta {
                state: State::from(vec![2]),
                delta: StateDelta::from(vec![3]),
            },
            UpdateData::State(State::from(vec![4])),
        ];
        assert_eq!(
            incoming(items, "test").unwrap(),
            vec![
                Incoming::Delta(vec![1]),
                Incoming::State(vec![2]),
                Incoming::Delta(vec![3]),
                Incoming::State(vec![4]),
            ]
        );
    }

    #[test]
    fn related_contract_items_are_refused_by_name() {
        let related = UpdateData::RelatedState {
            related_to: freenet_stdlib::prelude::ContractInstanceId::new([0; 32]),
            state: State::from(vec![]),
        };
        let err = incoming(vec![related], "the room contract").unwrap_err();
        assert!(err
            .to_string()
            .contains("the room contract has no related contracts"));
    }
}
