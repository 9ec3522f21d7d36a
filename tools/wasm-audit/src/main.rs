//! `wasm-audit [--max-bytes N] [--no-clock] [--list] [--json] FILE...`
//!
//! Prints one line per file and one `error:` line per problem; exits 1 if any file has a
//! problem, 2 on a usage error.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use brook_wasm_audit::{audit, Policy, Report};
use serde_json::json;

const USAGE: &str = "\
usage: wasm-audit [--max-bytes N] [--no-clock] [--list] [--json] FILE...

Checks guest WASM files before they ship. A file fails when it imports anything the
freenet node does not provide, carries a .debug* custom section, or is larger than N bytes.

  --max-bytes N   size limit per file in bytes (default 330000)
  --no-clock      also reject freenet_time imports (contracts must not read the clock)
  --list          also print every import and custom section
  --json          print a JSON array instead of text";

struct Args {
    policy: Policy,
    list: bool,
    json: bool,
    files: Vec<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        policy: Policy::default(),
        list: false,
        json: false,
        files: Vec::new(),
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-clock" => parsed.policy.no_clock = true,
            "--list" => parsed.list = true,
            "--json" => parsed.json = true,
            "-h" | "--help" => return Err(String::new()),
            "--max-bytes" => {
                let n = args.next().ok_or("--max-bytes needs a value")?;
                parsed.policy.max_bytes = parse_bytes(&n)?;
            }
            "--" => parsed.files.extend(args.by_ref()),
            _ if arg.starts_with("--max-bytes=") => {
                parsed.policy.max_bytes = parse_bytes(&arg["--max-bytes=".len()..])?;
            }
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}")),
            _ => parsed.files.push(arg),
        }
    }
    if parsed.files.is_empty() {
        return Err("no WASM file given".into());
    }
    Ok(parsed)
}

fn parse_bytes(s: &str) -> Result<u64, String> {
    s.parse()
        .map_err(|_| format!("--max-bytes wants a number of bytes, got {s:?}"))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("wasm-audit: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut all_ok = true;
    let mut text = String::new();
    let mut json_reports = Vec::new();
    for file in &args.files {
        let name = Path::new(file)
            .file_name()
            .map_or(file.clone(), |n| n.to_string_lossy().into_owned());
        let report = match std::fs::read(file) {
            Ok(bytes) => audit(&bytes, &args.policy),
            Err(e) => {
                all_ok = false;
                let problem = format!("cannot read {file}: {e}");
                text.push_str(&format!("{name}: {problem}\n"));
                json_reports.push(json!({ "file": file, "ok": false, "problems": [problem] }));
                continue;
            }
        };
        all_ok &= report.is_ok();
        text.push_str(&to_text(&name, &report, args.list));
        json_reports.push(to_json(file, &report));
    }
    if args.json {
        text = format!("{:#}\n", serde_json::Value::Array(json_reports));
    }
    // A closed pipe (`wasm-audit ... | head`) is not worth a panic; the exit code still counts.
    let _ = std::io::stdout().write_all(text.as_bytes());
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn to_text(name: &str, report: &Report, list: bool) -> String {
    let n = report.imports.len();
    let mut lines = vec![format!(
        "{name}: {} bytes ({:.1} KiB), {n} import{}, {}",
        report.bytes,
        report.bytes as f64 / 1024.0,
        if n == 1 { "" } else { "s" },
        if report.is_ok() { "ok" } else { "FAILED" },
    )];
    if list {
        lines.extend(report.imports.iter().map(|i| format!("  import {i}")));
        let sections = report.custom_sections.iter();
        lines.extend(sections.map(|s| format!("  custom section {s:?}")));
    }
    lines.extend(report.problems.iter().map(|p| format!("  error: {p}")));
    lines.join("\n") + "\n"
}

fn to_json(file: &str, report: &Report) -> serde_json::Value {
    let imports: Vec<_> = report
        .imports
        .iter()
        .map(|i| json!({ "module": i.module, "name": i.name, "kind": i.kind }))
        .collect();
    let problems: Vec<_> = report.problems.iter().map(|p| p.to_string()).collect();
    json!({
        "file": file,
        "bytes": report.bytes,
        "imports": imports,
        "custom_sections": report.custom_sections,
        "problems": problems,
        "ok": report.is_ok(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use brook_wasm_audit::DEFAULT_MAX_BYTES;

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn options_and_files_parse() {
        let args = parse(&["--no-clock", "--max-bytes", "10", "a.wasm", "--", "-b.wasm"]).unwrap();
        assert_eq!(
            args.policy,
            Policy {
                max_bytes: 10,
                no_clock: true
            }
        );
        assert_eq!(args.files, ["a.wasm", "-b.wasm"]);
        assert_eq!(
            parse(&["--max-bytes=7", "a.wasm"])
                .unwrap()
                .policy
                .max_bytes,
            7
        );
        assert_eq!(parse(&["a.wasm"]).unwrap().policy, Policy::default());
    }

    #[test]
    fn bad_usage_is_an_error() {
        for bad in [
            &[][..],
            &["--max-bytes"],
            &["--max-bytes", "x", "a.wasm"],
            &["--nope", "a.wasm"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn usage_states_the_real_default() {
        assert!(USAGE.contains(&format!("(default {DEFAULT_MAX_BYTES})")));
    }
}
