//! Connecting a chat command to the user's own node as the Brook web app, and the
//! start-up carry-forward walk when an earlier chat delegate shipped.

use brook_client::artifacts::{CHAT_DELEGATE_WASM, WEB_CONTAINER_WASM};
use brook_client::native_link::NativeLink;
use brook_client::node::{command_url, migration, node_authority};
use brook_client::{Error, Fault, Session};
use freenet_stdlib::prelude::{CodeHash, ContractInstanceId, DelegateKey};

use super::commands::Global;
use crate::keyfile::PublisherKey;

/// Which web container is Brook: `--app`, else the one `cargo make run` publishes
/// (its publisher key in the state dir).
pub fn app_id(global: &Global) -> Result<ContractInstanceId, Error> {
    if let Some(app) = &global.app {
        let app = app.trim();
        // Strict: the id must be a whole 32-byte id, written as the node writes it.
        return app
            .parse::<ContractInstanceId>()
            .ok()
            .filter(|id| id.to_string() == app)
            .ok_or_else(|| {
                Error::BadInput(format!(
                    "--app {app} is not a web container id (the base58 id the node serves Brook at)"
                ))
            });
    }
    let key_path = global.state_dir.join("publisher.key");
    let publisher = PublisherKey::load(&key_path).map_err(|e| {
        Error::BadInput(format!(
            "which Brook app? No --app given and no {} ({e}). Start Brook with `cargo make run` \
             (from the repository) or pass --app <the web container id your node serves Brook at>",
            key_path.display()
        ))
    })?;
    Ok(*crate::publish::contract_key(WEB_CONTAINER_WASM, &publisher).id())
}

/// A session with the user's node as the Brook app, after the carry-forward walk if
/// one may be owed.
pub async fn connect(global: &Global) -> Result<Session<NativeLink>, Error> {
    let authority = node_authority(&global.node).ok_or_else(|| {
        Error::BadInput(format!(
            "--node {}: expected host:port or ws://host:port",
            global.node
        ))
    })?;
    let app = app_id(global)?;
    carry_forward_if_owed(authority, &app).await?;
    let link = NativeLink::connect_committed(authority, app).await?;
    Ok(Session::new(link))
}

/// Every shipped chat delegate that was replaced holds its users' data until this
/// app's delegate carried it forward (docs/design.md §10). With none shipped there is
/// nothing to walk and no round trip; otherwise the walk's journal, kept by the
/// delegate, makes a finished walk a single check.
async fn carry_forward_if_owed(authority: &str, app: &ContractInstanceId) -> Result<(), Error> {
    let legacy = brook_common::legacy::LEGACY_DELEGATES;
    if legacy.is_empty() {
        return Ok(());
    }
    let predecessors: Vec<DelegateKey> = legacy
        .iter()
        .rev()
        .map(|(key, code)| DelegateKey::new(*key, CodeHash::new(*code)))
        .collect();
    let run = migration::carry_forward(
        &command_url(authority),
        &format!("http://{authority}"),
        app,
        CHAT_DELEGATE_WASM,
        &predecessors,
    )
    .await?;
    if !run.is_complete() {
        return Err(Error::Link {
            fault: Fault::Node,
            detail: format!(
                "carrying your data forward from an earlier Brook did not finish ({:?}); \
                 your rooms are safe in the earlier delegate; run the command again",
                run.status()
            ),
        });
    }
    Ok(())
}
