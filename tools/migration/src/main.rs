//! `brook-migration info | check | add | sync` — see USAGE.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: brook-migration [--root DIR] COMMAND

Brook's shipped guest WASM (ui/public/contracts/) against the build (target/brook-wasm/)
and the migration manifests (legacy_delegates.toml, legacy_room_contracts.toml).

  info    each committed artifact's size, code hash and key
  check   fail when the build would replace a committed chat delegate or room contract
          that its manifest does not record, or any other committed artifact
  add --version LABEL --description TEXT [--date YYYY-MM-DD]
          record each committed artifact the build would replace (env MIGRATION_VERSION,
          MIGRATION_DESCRIPTION, MIGRATION_DATE; the date defaults to today, UTC)
  sync    copy the build over the committed artifacts

  --root DIR   the repository (default: the one this tool was built from)";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(Failure::Usage(e)) => {
            eprintln!("brook-migration: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(e)) => {
            eprint!("{e}");
            if !e.ends_with('\n') {
                eprintln!();
            }
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    Usage(String),
    Failed(String),
}

fn run(args: Vec<String>) -> Result<String, Failure> {
    let mut root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut command = None;
    let mut version = std::env::var("MIGRATION_VERSION").ok();
    let mut description = std::env::var("MIGRATION_DESCRIPTION").ok();
    let mut date = std::env::var("MIGRATION_DATE").ok();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| Failure::Usage(format!("{name} needs a value")))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(format!("{USAGE}\n")),
            "--root" => root = PathBuf::from(value("--root")?),
            "--version" => version = Some(value("--version")?),
            "--description" => description = Some(value("--description")?),
            "--date" => date = Some(value("--date")?),
            "info" | "check" | "add" | "sync" if command.is_none() => command = Some(arg),
            _ => return Err(Failure::Usage(format!("unexpected argument {arg:?}"))),
        }
    }
    let root = root.as_path();
    let failed = Failure::Failed;
    match command.as_deref() {
        Some("info") => brook_migration::info(root).map_err(failed),
        Some("check") => brook_migration::check(root)
            .map(|report| format!("{report}check-migration: passed\n"))
            .map_err(|report| Failure::Failed(format!("{report}check-migration: FAILED\n"))),
        Some("add") => {
            let need = |v: Option<String>, flag: &str, env: &str| {
                v.filter(|v| !v.trim().is_empty()).ok_or_else(|| {
                    Failure::Usage(format!(
                        "add needs {flag} (or {env}), e.g. `cargo make add-migration --version 0.1.0 \
                         --description \"first release\"`"
                    ))
                })
            };
            let version = need(version, "--version", "MIGRATION_VERSION")?;
            let description = need(description, "--description", "MIGRATION_DESCRIPTION")?;
            let date = date.unwrap_or_else(brook_migration::manifest::today_utc);
            brook_migration::add(root, &version, &date, &description).map_err(failed)
        }
        Some("sync") => brook_migration::sync(root).map_err(failed),
        _ => Err(Failure::Usage("no command given".into())),
    }
}
