//! The delegate carry-forward walk ([`brook_client::node::migration`], the client core's),
//! with [`carry_forward`] taking a test [`Node`].

pub use brook_client::node::migration::*;

use freenet_stdlib::prelude::{ContractInstanceId, DelegateKey};

use crate::{Node, Result};

/// [`brook_client::node::migration::carry_forward`] on `node`'s client API and gateway.
pub async fn carry_forward(
    node: &Node,
    web_app: &ContractInstanceId,
    successor_wasm: &[u8],
    predecessors: &[DelegateKey],
) -> Result<CarryForward> {
    brook_client::node::migration::carry_forward(
        &node.ws_url(),
        &node.http_base(),
        web_app,
        successor_wasm,
        predecessors,
    )
    .await
}
