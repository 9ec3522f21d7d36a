//! `brook`: publish Brook's web container and run a local node for development.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use brook_cli::chat::{self, render::Format, ChatCommand, Global};
use brook_cli::dev::{self, DevRun};
use brook_cli::keyfile::PublisherKey;
use brook_cli::pack::pack_dir;
use brook_cli::publish::{self, contract_key, read_floor, record_published, VersionChoice};
use brook_cli::{CliError, Result};
use brook_client::node::{command_url, node_authority, web_url};
use clap::{Parser, Subcommand};

/// Where `cargo make build-wasm` leaves the web container contract.
const DEFAULT_WASM: &str = "target/brook-wasm/web_container.wasm";

#[derive(Parser)]
#[command(
    name = "brook",
    version,
    about = "Brook: private group chat on Freenet"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Chat(ChatCommand),
    /// Publish Brook's UI as a web container contract
    #[command(subcommand)]
    Publish(PublishCommand),
    /// Development helpers
    #[command(subcommand)]
    Dev(DevCommand),
}

#[derive(Subcommand)]
enum PublishCommand {
    /// Create a publisher key (ed25519, file mode 0600; never overwrites)
    Keygen {
        /// Where to write the key (refused if it exists)
        #[arg(long)]
        out: PathBuf,
    },
    /// Pack a UI directory into a deterministic tar.xz
    Pack {
        /// The UI directory
        dir: PathBuf,
        /// Where to write the archive
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the web container's contract id for a publisher key
    Id {
        /// The publisher key file
        #[arg(long)]
        key: PathBuf,
        /// The web container contract
        #[arg(long, default_value = DEFAULT_WASM)]
        wasm: PathBuf,
    },
    /// Sign an archive as the next version and PUT/UPDATE it on a node
    Put {
        /// The publisher key file
        #[arg(long)]
        key: PathBuf,
        /// The archive to publish (`brook publish pack`)
        #[arg(long)]
        archive: PathBuf,
        /// The web container contract
        #[arg(long, default_value = DEFAULT_WASM)]
        wasm: PathBuf,
        /// Version to sign [default: above the node's and the last one published]
        #[arg(long)]
        version: Option<u64>,
    },
}

#[derive(Subcommand)]
enum DevCommand {
    /// Start a local node (data in .brook/node), publish the UI, serve until Ctrl-C
    Run {
        /// Client API port (HTTP + WebSocket) on 127.0.0.1
        #[arg(long, env = "BROOK_WS_PORT", default_value_t = 7509)]
        ws_port: u16,
        /// Peer network port (UDP) on 127.0.0.1, unused by a lone gateway
        #[arg(long, env = "BROOK_NETWORK_PORT", default_value_t = 7510)]
        network_port: u16,
        /// The directory published as the UI
        #[arg(long, env = "BROOK_UI_DIR", default_value = "ui/placeholder")]
        ui: PathBuf,
        /// The web container contract
        #[arg(long, default_value = DEFAULT_WASM)]
        wasm: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("brook: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Command::Chat(command) = cli.command {
        return run_chat(&runtime, &cli.global, command);
    }
    match runtime.block_on(execute(&cli.global, cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("brook: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A chat command: its output, or its error on stderr (a JSON object in JSON mode) with
/// the exit code of whose fault it is (docs/cli.md).
fn run_chat(runtime: &tokio::runtime::Runtime, global: &Global, command: ChatCommand) -> ExitCode {
    match runtime.block_on(chat::run(global, command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = chat::exit_code(e.fault());
            match global.format {
                Format::Human => eprintln!("brook: error: {e}"),
                Format::Json => eprintln!(
                    "{}",
                    serde_json::json!({"type": "error", "error": {
                        "message": e.to_string(),
                        "fault": format!("{:?}", e.fault()).to_lowercase(),
                        "exit_code": code,
                    }})
                ),
            }
            ExitCode::from(code)
        }
    }
}

async fn execute(global: &Global, command: Command) -> Result<()> {
    match command {
        Command::Chat(_) => Ok(()), // run_chat
        Command::Publish(PublishCommand::Keygen { out }) => {
            let key = PublisherKey::create(&out)?;
            println!("wrote {} (mode 0600)", out.display());
            println!("params: {}", hex::encode(key.params()));
            Ok(())
        }
        Command::Publish(PublishCommand::Pack { dir, out }) => {
            let archive = pack_dir(&dir)?;
            std::fs::write(&out, &archive)
                .map_err(|e| io_error(format!("write {}", out.display()), e))?;
            println!("wrote {} ({} bytes)", out.display(), archive.len());
            Ok(())
        }
        Command::Publish(PublishCommand::Id { key, wasm }) => {
            let publisher = PublisherKey::load(&key)?;
            println!("{}", contract_key(&read_wasm(&wasm)?, &publisher).id());
            Ok(())
        }
        Command::Publish(PublishCommand::Put {
            key,
            archive,
            wasm,
            version,
        }) => {
            let authority = node_authority(&global.node).ok_or_else(|| {
                CliError::Usage(format!(
                    "--node {:?}: expected ws://127.0.0.1:PORT",
                    global.node
                ))
            })?;
            let publisher = PublisherKey::load(&key)?;
            let archive = std::fs::read(&archive)
                .map_err(|e| io_error(format!("read {}", archive.display()), e))?;
            let choice = match version {
                Some(v) => VersionChoice::Exact(v),
                None => VersionChoice::Next {
                    floor: read_floor(&key)?,
                },
            };
            let mut api = publish::connect(&command_url(authority)).await?;
            let published =
                publish::publish(&mut api, &read_wasm(&wasm)?, &publisher, archive, choice).await?;
            record_published(&key, published.version)?;
            println!("id: {}", published.key.id());
            println!("version: {}", published.version);
            println!("url: {}", web_url(authority, published.key.id()));
            Ok(())
        }
        Command::Dev(DevCommand::Run {
            ws_port,
            network_port,
            ui,
            wasm,
        }) => {
            dev::run(&DevRun {
                state_dir: global.state_dir.clone(),
                ws_port,
                network_port,
                ui_dir: ui,
                wasm,
            })
            .await
        }
    }
}

fn read_wasm(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        io_error(
            format!(
                "read the web container contract {} (build it with `cargo make build-wasm`)",
                path.display()
            ),
            e,
        )
    })
}

fn io_error(context: String, source: std::io::Error) -> CliError {
    CliError::Io { context, source }
}
