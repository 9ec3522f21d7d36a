//! Carrying a user's data forward across chat-delegate versions (docs/design.md §10), client
//! side: freenet-migrate 0.8's journaled, fail-closed walk over Brook's delegate
//! protocol. This module decides nothing about *what* moves (the crate does) nor *how*
//! an entry is taken in (the successor delegate's own import rules do, MIG-1 … MIG-5);
//! it is the two thin adapters between them, and it trusts only answers: a silence, a
//! node error or an unexpected reply is an `Err`, never an empty export or a write.
//!
//! - [`PredecessorIo`] ([`PredecessorSecretsIo`]) reaches an old delegate by key,
//!   without registering it: `Ping` is the executability probe (`Pong` only is
//!   "executable"; the node's typed `DelegateError::Missing` is
//!   [`ProbeVerdict::NotInstalled`]; a timeout is [`ProbeVerdict::NoReply`]), and
//!   `MigrationExport` is the fetch.
//! - [`SuccessorIo`] ([`SuccessorSecretsIo`] + [`JournaledSuccessorIo`]) is the new
//!   delegate: markers (`MigrationMarkers`, `RecordMigrationMarker`, each checked
//!   against the markers it answers), item writes through `MigrationImport`
//!   (`written: false` is "already authoritative": the successor's own entry wins),
//!   and the journal (`MigrationJournal`, `StoreMigrationJournal`, whose echo must be
//!   the bytes stored). After any transport failure it refuses every later call, so a
//!   late answer can never be taken for the next request's.
//!
//! # What the UI calls at start-up
//!
//! [`carry_forward`] is that sequence, over native sockets:
//!
//! 1. register the shipped chat delegate (the successor) on the page's socket and see
//!    it answer `Ping` (its first message also makes the node compile it);
//! 2. build the lineage from `brook_common::legacy::LEGACY_DELEGATES` (oldest first,
//!    `(delegate_key, code_hash)`; generation = position) — [`lineage`] takes the same
//!    keys newest first;
//! 3. on **every** load, `begin_migration_journal` before anything migrated is
//!    written; if its status is incomplete, `migrate_delegate_secrets_journaled` with
//!    [`policy`] and `MigrationAuthorization::app_author_ack()`;
//! 4. send `Retire` to every predecessor the journal resolved (idempotent: an already
//!    retired one answers `Retired { rooms: 0 }`), so exactly one delegate rotates
//!    the user's rooms; then re-ensure the subscriptions of the rooms it owns
//!    (`EnsureRoomSubscription`, which the UI does on every load anyway);
//! 5. until the status is complete, never treat the successor as everything the user
//!    had (`JournalStatus::interrupted_import`, `any_unresponsive`); a predecessor this
//!    node never had stays pending for good (absence never resolves), so the UI may
//!    re-run the walk less often once `JournalStatus::pending_all_absent(n)` holds.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use brook_common::delegate_api::{
    self as api, ApiError, ExportAcknowledgement, Request, Response, StoredEntry,
};
use freenet_migrate::{
    begin_migration_journal, migrate_delegate_secrets_journaled, DelegateLineageEntry, ItemWrite,
    JournalError, JournalStatus, JournaledMigrationReport, JournaledSuccessorIo, MarkerQuery,
    MigrationAuthorization, MigrationMarker, PredecessorMigration, PredecessorSecretsIo,
    ProbeVerdict, RecoveredSecret, RollbackRiskAck, SecretPair, SecretSelectionPolicy,
    SuccessorSecretsIo,
};
use freenet_stdlib::client_api::{DelegateError, ErrorKind, RequestError};
use freenet_stdlib::prelude::{CodeHash, ContractInstanceId, DelegateKey};

use super::app::BrookApp;
use super::connection::Connection;
use super::error::{NodeError as Error, Result};
use super::web::app_socket_url;

/// Why one round trip did not establish what the walk asked. Every variant makes the
/// walk retry later; none is read as "nothing there".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationIoError {
    /// The node answered that it has no such delegate (typed, never a timeout).
    #[error("the node has no delegate {0}")]
    NotInstalled(DelegateKey),
    /// The delegate answered with an error.
    #[error("the delegate refused {request}: {error}")]
    Refused {
        request: &'static str,
        error: ApiError,
    },
    /// The delegate answered something else than the request allows.
    #[error("the delegate answered {request} with {answer}")]
    Unexpected {
        request: &'static str,
        answer: String,
    },
    /// The socket failed, the node refused the request, or nothing came in time.
    #[error(transparent)]
    Transport(#[from] Error),
    /// An earlier call on this connection failed in transport: its answer may still
    /// arrive and be taken for a later one, so the connection is not used again.
    #[error("the connection is not used after an earlier failure ({0})")]
    Abandoned(String),
}

fn unexpected(request: &'static str, answer: &Response) -> MigrationIoError {
    match answer {
        Response::Error(error) => MigrationIoError::Refused {
            request,
            error: error.clone(),
        },
        other => MigrationIoError::Unexpected {
            request,
            answer: format!("{other:?}"),
        },
    }
}

fn key_bytes(key: &DelegateKey) -> [u8; 32] {
    **key
}

/// The policy Brook migrates under: the newest predecessor that holds data is the
/// snapshot, older ones are superseded (a key it dropped stays dropped), and a silent
/// or absent predecessor does not stop the walk — on most nodes most old generations
/// were never installed, and halting there would disable migration. The price (the
/// acknowledgement): if a silent one actually held newer data, an older generation's
/// values win.
pub fn policy() -> SecretSelectionPolicy {
    SecretSelectionPolicy::NewestSnapshotWinsContinuePastUnresponsive(
        RollbackRiskAck::i_understand_continuing_past_silence_can_roll_back(),
    )
}

/// The lineage the walk takes (oldest first, as the crate's registries are), from the
/// predecessors' keys newest first: the oldest is generation 0, as it is in
/// `legacy_delegates.toml`, so pass the whole list (of fewer than 2^32 keys: the rest
/// would be left out).
pub fn lineage(newest_first: &[DelegateKey]) -> Vec<DelegateLineageEntry> {
    newest_first
        .iter()
        .rev()
        .zip(0u32..)
        .map(|(key, generation)| DelegateLineageEntry {
            generation,
            code_hash: **key.code_hash(),
            delegate_key: key_bytes(key),
            irregular_key: false,
            note: "",
        })
        .collect()
}

/// The successor delegate, over a connection it is registered on.
pub struct SuccessorIo {
    app: BrookApp,
    abandoned: Option<String>,
    /// Entries offered to `MigrationImport`.
    pub offered: usize,
    /// Entries the successor wrote (the rest it already held, or refused).
    pub written: usize,
}

impl SuccessorIo {
    pub fn new(app: BrookApp) -> SuccessorIo {
        SuccessorIo {
            app,
            abandoned: None,
            offered: 0,
            written: 0,
        }
    }

    async fn ask(&mut self, request: Request) -> Result<Response, MigrationIoError> {
        if let Some(why) = &self.abandoned {
            return Err(MigrationIoError::Abandoned(why.clone()));
        }
        self.app.ask(request).await.map_err(|e| {
            self.abandoned = Some(e.to_string());
            MigrationIoError::Transport(e)
        })
    }
}

fn to_crate(marker: api::MigrationMarker) -> MigrationMarker {
    match marker {
        api::MigrationMarker::InProgress { saw_data } => MigrationMarker::InProgress { saw_data },
        api::MigrationMarker::Done { had_data } => MigrationMarker::Done { had_data },
    }
}

fn to_wire(marker: MigrationMarker) -> api::MigrationMarker {
    match marker {
        MigrationMarker::InProgress { saw_data } => api::MigrationMarker::InProgress { saw_data },
        MigrationMarker::Done { had_data } => api::MigrationMarker::Done { had_data },
    }
}

/// The two stored markers as the walk reads them: `Done` wins, except that an import
/// that saw data and started after an empty seal outranks the seal
/// (`SuccessorSecretsIo::migration_marker`). A marker stored in the wrong slot is a
/// fault, not a guess.
fn read_markers(
    in_progress: Option<api::MigrationMarker>,
    done: Option<api::MigrationMarker>,
) -> Result<Option<MigrationMarker>, MigrationIoError> {
    use api::MigrationMarker::{Done, InProgress};
    let misfiled = || MigrationIoError::Unexpected {
        request: "MigrationMarkers",
        answer: format!("in_progress: {in_progress:?}, done: {done:?}"),
    };
    match (in_progress, done) {
        (Some(Done { .. }), _) | (_, Some(InProgress { .. })) => Err(misfiled()),
        (Some(InProgress { saw_data: true }), Some(Done { had_data: false })) => {
            Ok(Some(MigrationMarker::InProgress { saw_data: true }))
        }
        (_, Some(done)) => Ok(Some(to_crate(done))),
        (in_progress, None) => Ok(in_progress.map(to_crate)),
    }
}

impl SuccessorSecretsIo for SuccessorIo {
    type Error = MigrationIoError;

    // Brook never wrote freenet-migrate's generation-keyed legacy markers, so
    // `query.legacy_bridge` has nothing to bridge.
    async fn migration_marker(
        &mut self,
        query: &MarkerQuery<'_>,
    ) -> Result<Option<MigrationMarker>, MigrationIoError> {
        let predecessor = key_bytes(query.predecessor);
        match self.ask(Request::MigrationMarkers { predecessor }).await? {
            Response::Markers { in_progress, done } => read_markers(in_progress, done),
            other => Err(unexpected("MigrationMarkers", &other)),
        }
    }

    /// Durable when answered; the answer must show the marker recorded (an in-progress
    /// marker may read `saw_data: true` where `false` was asked: never downgraded).
    async fn record_marker(
        &mut self,
        predecessor: &DelegateKey,
        marker: MigrationMarker,
    ) -> Result<(), MigrationIoError> {
        let request = Request::RecordMigrationMarker {
            predecessor: key_bytes(predecessor),
            marker: to_wire(marker),
        };
        let answer = self.ask(request).await?;
        let recorded = match (&answer, marker) {
            (
                Response::Markers {
                    in_progress: Some(api::MigrationMarker::InProgress { saw_data: stored }),
                    ..
                },
                MigrationMarker::InProgress { saw_data },
            ) => *stored || !saw_data,
            (
                Response::Markers {
                    done: Some(api::MigrationMarker::Done { had_data: stored }),
                    ..
                },
                MigrationMarker::Done { had_data },
            ) => *stored == had_data,
            _ => false,
        };
        if recorded {
            Ok(())
        } else {
            Err(unexpected("RecordMigrationMarker", &answer))
        }
    }

    /// The successor's own import rules decide; `BadImport` (an entry it can never
    /// take) is permanent, every other failure retryable.
    async fn write_secret(&mut self, item: &RecoveredSecret<'_>) -> ItemWrite<MigrationIoError> {
        self.offered += 1;
        let request = Request::MigrationImport {
            predecessor: key_bytes(item.predecessor),
            entry: StoredEntry {
                name: item.key.to_vec(),
                value: item.value.to_vec(),
            },
        };
        match self.ask(request).await {
            Ok(Response::Imported { written: true }) => {
                self.written += 1;
                ItemWrite::written()
            }
            Ok(Response::Imported { written: false }) => ItemWrite::already_authoritative(),
            Ok(answer @ Response::Error(ApiError::BadImport(_))) => {
                ItemWrite::permanent(unexpected("MigrationImport", &answer))
            }
            Ok(answer) => ItemWrite::retryable(unexpected("MigrationImport", &answer)),
            Err(e) => ItemWrite::retryable(e),
        }
    }
}

impl JournaledSuccessorIo for SuccessorIo {
    async fn load_journal(&mut self) -> Result<Option<Vec<u8>>, MigrationIoError> {
        match self.ask(Request::MigrationJournal).await? {
            Response::Journal { journal } => Ok(journal),
            other => Err(unexpected("MigrationJournal", &other)),
        }
    }

    async fn store_journal(&mut self, journal: &[u8]) -> Result<(), MigrationIoError> {
        let request = Request::StoreMigrationJournal {
            journal: journal.to_vec(),
        };
        match self.ask(request).await? {
            Response::Journal {
                journal: Some(stored),
            } if stored == journal => Ok(()),
            other => Err(unexpected("StoreMigrationJournal", &other)),
        }
    }
}

/// The predecessors, reached by key on web-app sockets that never register them: one
/// connection per predecessor, dropped after a transport failure.
pub struct PredecessorIo {
    url: String,
    apps: HashMap<[u8; 32], BrookApp>,
}

impl PredecessorIo {
    /// `url`: a web app socket URL (the predecessors keep that web app's data).
    pub fn new(url: String) -> PredecessorIo {
        PredecessorIo {
            url,
            apps: HashMap::new(),
        }
    }

    async fn ask(
        &mut self,
        predecessor: &DelegateKey,
        request: Request,
    ) -> Result<Response, MigrationIoError> {
        let id = key_bytes(predecessor);
        let app = match self.apps.entry(id) {
            Entry::Occupied(app) => app.into_mut(),
            Entry::Vacant(slot) => {
                let mut connection = Connection::connect_url(&self.url).await?;
                // Brook's chat delegate takes no parameters.
                connection.address_delegate(predecessor.clone(), vec![]);
                slot.insert(BrookApp {
                    connection,
                    delegate: predecessor.clone(),
                })
            }
        };
        match app.ask(request).await {
            Ok(answer) => Ok(answer),
            Err(e) if is_missing(&e) => Err(MigrationIoError::NotInstalled(predecessor.clone())),
            Err(e) => {
                self.apps.remove(&id);
                Err(MigrationIoError::Transport(e))
            }
        }
    }

    /// Tell `predecessor` its successor took over: it stops following this web app's
    /// rooms (it keeps the identities). Idempotent.
    pub async fn retire(&mut self, predecessor: &DelegateKey) -> Retirement {
        match self.ask(predecessor, Request::Retire).await {
            Ok(Response::Retired { rooms }) => Retirement::Retired { rooms },
            Ok(other) => Retirement::Failed(unexpected("Retire", &other).to_string()),
            Err(MigrationIoError::NotInstalled(_)) => Retirement::NotInstalled,
            Err(e) => Retirement::Failed(e.to_string()),
        }
    }
}

fn is_missing(error: &Error) -> bool {
    matches!(
        error,
        Error::NodeRefused { error, .. }
            if matches!(
                error.kind(),
                ErrorKind::RequestError(RequestError::DelegateError(DelegateError::Missing(_)))
            )
    )
}

impl PredecessorSecretsIo for PredecessorIo {
    type Error = MigrationIoError;

    async fn probe_executable(&mut self, predecessor: &DelegateKey) -> Result<bool, Self::Error> {
        Ok(self.probe_verdict(predecessor).await? == ProbeVerdict::Executable)
    }

    /// `Ping`: executable only if it answers `Pong`.
    async fn probe_verdict(
        &mut self,
        predecessor: &DelegateKey,
    ) -> Result<ProbeVerdict, Self::Error> {
        match self.ask(predecessor, Request::Ping).await {
            Ok(Response::Pong { .. }) => Ok(ProbeVerdict::Executable),
            Ok(other) => Err(unexpected("Ping", &other)),
            Err(MigrationIoError::NotInstalled(_)) => Ok(ProbeVerdict::NotInstalled),
            Err(MigrationIoError::Transport(Error::Timeout { .. })) => Ok(ProbeVerdict::NoReply),
            Err(e) => Err(e),
        }
    }

    /// Only an answered `Exported` is an export, empty or not.
    async fn fetch_secrets(
        &mut self,
        predecessor: &DelegateKey,
    ) -> Result<Vec<SecretPair>, Self::Error> {
        match self
            .ask(
                predecessor,
                Request::MigrationExport {
                    acknowledge: ExportAcknowledgement::IUnderstandThisRevealsMySecretKey,
                },
            )
            .await?
        {
            Response::Exported { entries } => Ok(entries
                .into_iter()
                .map(|entry| (entry.name, entry.value))
                .collect()),
            other => Err(unexpected("MigrationExport", &other)),
        }
    }
}

/// What a predecessor answered to `Retire`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retirement {
    /// It stopped following this many rooms (0: it followed none, or was retired).
    Retired { rooms: u32 },
    /// This node does not have it: nothing of it runs here.
    NotInstalled,
    /// No answer established it (it may still be following: retried on the next run).
    Failed(String),
}

/// What [`carry_forward`] did.
#[derive(Debug)]
pub struct CarryForward {
    /// The lineage walked, oldest first.
    pub lineage: Vec<DelegateLineageEntry>,
    /// `begin_migration_journal`'s status at the start (an `Err` refused the run).
    pub begun: std::result::Result<JournalStatus, JournalError>,
    /// The walk, when the journal at the start was incomplete.
    pub walk: Option<JournaledMigrationReport>,
    /// Entries offered to the successor's `MigrationImport`, and how many it wrote.
    pub offered: usize,
    pub written: usize,
    /// The predecessors told to stand down, and their answers.
    pub retired: Vec<(DelegateKey, Retirement)>,
    /// Registering the successor and its first answer.
    pub successor_took: Duration,
    pub begin_took: Duration,
    pub walk_took: Duration,
    pub retire_took: Duration,
}

impl CarryForward {
    /// The journal's status after this run; `None` when not known to be stored.
    pub fn status(&self) -> Option<&JournalStatus> {
        match &self.walk {
            Some(walk) => walk.status.as_ref(),
            None => self.begun.as_ref().ok(),
        }
    }

    /// Every predecessor is resolved.
    pub fn is_complete(&self) -> bool {
        self.status().is_some_and(JournalStatus::is_complete)
    }

    /// The journal was already complete at the start: nothing was walked or written.
    pub fn already_migrated(&self) -> bool {
        self.walk.is_none() && matches!(&self.begun, Ok(status) if status.is_complete())
    }

    /// The walk's row for each predecessor, newest first (empty when nothing walked).
    pub fn rows(&self) -> &[PredecessorMigration] {
        self.walk
            .as_ref()
            .map_or(&[], |walk| walk.report.predecessors.as_slice())
    }

    /// The predecessors the journal resolved, newest first: their data is in the
    /// successor, or superseded, or they held none.
    fn resolved(&self) -> Vec<DelegateKey> {
        let keys = self
            .lineage
            .iter()
            .rev()
            .map(|e| DelegateKey::new(e.delegate_key, CodeHash::new(e.code_hash)));
        match self.status() {
            Some(JournalStatus::Complete { .. }) => keys.collect(),
            Some(JournalStatus::Incomplete { pending, .. }) => keys
                .filter(|k| !pending.iter().any(|p| p.key == *k))
                .collect(),
            // Not known to be stored: only what this walk saw sealed.
            _ => self
                .rows()
                .iter()
                .filter(|row| {
                    matches!(
                        row,
                        PredecessorMigration::Imported { .. }
                            | PredecessorMigration::NoData { .. }
                            | PredecessorMigration::AlreadyMigrated { .. }
                    )
                })
                .map(|row| row.key().clone())
                .collect(),
        }
    }
}

/// Carry `web_app`'s data from `predecessors` (delegate keys, newest first, the whole
/// lineage) into `successor_wasm`, registering it on a socket of `web_app` on the node
/// whose client API is `ws_url` (its [`command_url`](super::web::command_url)) and whose
/// gateway is `http_base`; then retire every predecessor the journal resolved. The
/// start-up sequence of the module docs.
///
/// `Err` only when the client cannot reach the node, or register the successor and
/// have it answer `Ping`; what the migration itself established (or refused) is in the
/// [`CarryForward`].
pub async fn carry_forward(
    ws_url: &str,
    http_base: &str,
    web_app: &ContractInstanceId,
    successor_wasm: &[u8],
    predecessors: &[DelegateKey],
) -> Result<CarryForward> {
    let start = Instant::now();
    let url = app_socket_url(ws_url, http_base, web_app).await?;
    let mut app = BrookApp::connect(&url, successor_wasm).await?;
    // The successor must run before anything is asked of it (the node compiles a new
    // delegate on its first message: that time is not the migration's).
    match app.ask(Request::Ping).await? {
        Response::Pong { .. } => {}
        other => {
            return Err(Error::Unexpected {
                request: "Ping to the successor".into(),
                detail: format!("{other:?}"),
            })
        }
    }
    let successor_took = start.elapsed();
    let mut successor = SuccessorIo::new(app);
    let mut io = PredecessorIo::new(url);
    let lineage = lineage(predecessors);

    let start = Instant::now();
    let begun = begin_migration_journal(&mut successor, &lineage, &policy()).await;
    let begin_took = start.elapsed();

    let start = Instant::now();
    let walk = match &begun {
        Ok(status) if !status.is_complete() => Some(
            migrate_delegate_secrets_journaled(
                &mut successor,
                &mut io,
                &lineage,
                MigrationAuthorization::app_author_ack(),
                policy(),
            )
            .await,
        ),
        _ => None,
    };
    let walk_took = start.elapsed();

    let mut report = CarryForward {
        lineage,
        begun,
        walk,
        offered: successor.offered,
        written: successor.written,
        retired: vec![],
        successor_took,
        begin_took,
        walk_took,
        retire_took: Duration::ZERO,
    };
    let start = Instant::now();
    for predecessor in report.resolved() {
        let answer = io.retire(&predecessor).await;
        report.retired.push((predecessor, answer));
    }
    report.retire_took = start.elapsed();
    Ok(report)
}
