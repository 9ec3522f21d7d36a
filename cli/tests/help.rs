//! Every `brook` command has help text: walk the command tree through the real binary's
//! `--help`, and require a description for every subcommand and every option, and the
//! bearer-credential warning on the invite commands.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use std::process::Command;

fn help(path: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_brook"))
        .args(path)
        .arg("--help")
        .output()
        .expect("brook runs");
    assert!(out.status.success(), "brook {path:?} --help failed");
    String::from_utf8(out.stdout).expect("UTF-8 help")
}

/// The `(name, description)` rows of a help text's `section` ("Commands:", "Options:",
/// "Arguments:"). Clap writes a row on one line, or (when a description is long) the
/// name alone with the description on the next, more indented line.
fn rows<'a>(text: &'a str, section: &str) -> Vec<(&'a str, &'a str)> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(at) = lines.iter().position(|l| l.starts_with(section)) else {
        return Vec::new();
    };
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut out = Vec::new();
    let mut i = at + 1;
    while let Some(line) = lines.get(i) {
        if line.trim().is_empty() || !line.starts_with(' ') {
            break;
        }
        let trimmed = line.trim_start();
        let (name, mut description) = trimmed.split_once("  ").unwrap_or((trimmed, ""));
        // Lines indented deeper than this row belong to its description.
        let mut j = i + 1;
        while let Some(next) = lines.get(j) {
            if next.trim().is_empty() || indent(next) <= indent(line) {
                break;
            }
            if description.trim().is_empty() {
                description = next.trim();
            }
            j += 1;
        }
        out.push((name.trim(), description.trim()));
        i = j;
    }
    out
}

fn walk(path: &mut Vec<String>, seen: &mut usize) {
    let args: Vec<&str> = path.iter().map(String::as_str).collect();
    let text = help(&args);
    let here = args.join(" ");
    *seen += 1;
    let described = rows(&text, "Options:")
        .into_iter()
        .chain(rows(&text, "Arguments:"));
    for (option, description) in described {
        assert!(
            !description.is_empty(),
            "brook {here} --help: option {option} has no description"
        );
    }
    let commands: Vec<(String, String)> = rows(&text, "Commands:")
        .into_iter()
        .map(|(n, d)| (n.to_owned(), d.to_owned()))
        .collect();
    for (name, description) in commands {
        if name == "help" {
            continue;
        }
        assert!(
            !description.is_empty(),
            "brook {here}: subcommand {name} has no description"
        );
        path.push(name);
        walk(path, seen);
        path.pop();
    }
}

#[test]
fn every_command_and_option_has_help() {
    let mut seen = 0;
    walk(&mut Vec::new(), &mut seen);
    // brook, 7 groups, and their commands: the tree is walked, not a list.
    assert!(seen >= 30, "walked only {seen} help pages");
}

#[test]
fn invite_help_warns_that_a_code_is_a_bearer_credential() {
    let create = help(&["invite", "create"]);
    assert!(create.contains("bearer credential"), "{create}");
    assert!(create.contains("ONE person"), "{create}");
    let export = help(&["identity", "export"]);
    assert!(export.contains("REVEALS YOUR KEYS"), "{export}");
}
