//! Audit of a guest WASM module before it ships: what it imports, which custom sections it
//! carries, how big it is. It trusts nothing about the file; every finding is a [`Problem`].
//!
//! The rules are the node's own (docs/runtime.md): an import the node does not provide fails
//! instantiation, a `.debug_*` section makes the node reject the code, and each WASM must stay
//! within the size budget ([`DEFAULT_MAX_BYTES`], docs/design.md §12). `no_clock` adds Brook's rule that contracts
//! never read the host clock.

pub mod host_imports;

use std::fmt;

use wasmparser::{Encoding, Parser, Payload, TypeRef};

/// Size budget per shipped WASM file: 330 KB (docs/design.md §12). The one place the
/// number lives: the build enforces it, and the README states it (checked by the test
/// `the_readme_states_the_size_budget_this_constant_sets`).
pub const DEFAULT_MAX_BYTES: u64 = 330_000;

/// What a file must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Largest acceptable file size in bytes.
    pub max_bytes: u64,
    /// Reject `freenet_time` imports (for contracts).
    pub no_clock: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_bytes: DEFAULT_MAX_BYTES,
            no_clock: false,
        }
    }
}

/// One import of the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub module: String,
    pub name: String,
    /// `func`, `table`, `memory`, `global` or `tag`.
    pub kind: &'static str,
}

impl fmt::Display for Import {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.module, self.name)?;
        if self.kind != "func" {
            write!(f, " ({})", self.kind)?;
        }
        Ok(())
    }
}

/// Something that stops the file from shipping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The bytes are not a WebAssembly core module.
    Malformed(String),
    /// The file is larger than the policy allows.
    TooLarge { bytes: u64, max_bytes: u64 },
    /// The node does not provide this import (or not as this kind).
    ImportNotProvided(Import),
    /// A contract imports the host clock.
    ClockImport(Import),
    /// A DWARF section; the node refuses code that carries one.
    DebugSection(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Malformed(e) => write!(f, "not a WebAssembly core module: {e}"),
            Problem::TooLarge { bytes, max_bytes } => {
                write!(f, "{bytes} bytes is over the limit of {max_bytes} bytes")
            }
            Problem::ImportNotProvided(i) => {
                write!(f, "import {i} is not provided by the freenet node")?;
                match host_imports::hint(&i.module, &i.name) {
                    Some(hint) => write!(f, "; hint: {hint}"),
                    None => Ok(()),
                }
            }
            Problem::ClockImport(i) => write!(
                f,
                "import {i} reads the host clock, which a contract must not do (--no-clock)"
            ),
            Problem::DebugSection(name) => write!(
                f,
                "custom section {name:?} is debug info, which the node rejects (build with strip = \"debuginfo\")"
            ),
        }
    }
}

/// What the audit found in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub bytes: u64,
    pub imports: Vec<Import>,
    pub custom_sections: Vec<String>,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Audits the bytes of one WASM file against `policy`.
pub fn audit(wasm: &[u8], policy: &Policy) -> Report {
    let mut report = Report {
        bytes: wasm.len() as u64,
        ..Report::default()
    };
    if report.bytes > policy.max_bytes {
        report.problems.push(Problem::TooLarge {
            bytes: report.bytes,
            max_bytes: policy.max_bytes,
        });
    }
    if let Err(e) = read_sections(wasm, &mut report) {
        report.problems.push(Problem::Malformed(e));
    }
    let mut found: Vec<Problem> = report
        .imports
        .iter()
        .filter_map(|i| judge_import(i, policy))
        .collect();
    found.extend(
        report
            .custom_sections
            .iter()
            .filter(|name| name.starts_with(".debug"))
            .map(|name| Problem::DebugSection(name.clone())),
    );
    report.problems.append(&mut found);
    report
}

fn judge_import(import: &Import, policy: &Policy) -> Option<Problem> {
    if import.kind != "func" || !host_imports::is_provided(&import.module, &import.name) {
        Some(Problem::ImportNotProvided(import.clone()))
    } else if policy.no_clock && import.module == host_imports::CLOCK_MODULE {
        Some(Problem::ClockImport(import.clone()))
    } else {
        None
    }
}

/// Collects imports and custom section names; stops at the first parse error.
fn read_sections(wasm: &[u8], report: &mut Report) -> Result<(), String> {
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            Payload::Version {
                encoding: Encoding::Component,
                ..
            } => return Err("this is a component; the node runs core modules".into()),
            Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    let import = import.map_err(|e| e.to_string())?;
                    report.imports.push(Import {
                        module: import.module.to_owned(),
                        name: import.name.to_owned(),
                        kind: kind(import.ty),
                    });
                }
            }
            Payload::CustomSection(section) => {
                report.custom_sections.push(section.name().to_owned());
            }
            _ => {}
        }
    }
    Ok(())
}

fn kind(ty: TypeRef) -> &'static str {
    match ty {
        TypeRef::Func(_) | TypeRef::FuncExact(_) => "func",
        TypeRef::Table(_) => "table",
        TypeRef::Memory(_) => "memory",
        TypeRef::Global(_) => "global",
        TypeRef::Tag(_) => "tag",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(body: &str) -> Vec<u8> {
        wat::parse_str(format!("(module {body})")).expect("test WAT parses")
    }

    fn import(module_name: &str, name: &str) -> Vec<u8> {
        module(&format!(r#"(import "{module_name}" "{name}" (func))"#))
    }

    fn problems(wasm: &[u8], policy: Policy) -> Vec<Problem> {
        audit(wasm, &policy).problems
    }

    #[test]
    fn every_host_import_passes() {
        for (m, n) in host_imports::HOST_IMPORTS {
            let report = audit(&import(m, n), &Policy::default());
            assert!(report.is_ok(), "{m}::{n}: {:?}", report.problems);
            assert_eq!(report.imports.len(), 1);
        }
    }

    #[test]
    fn wasm_bindgen_imports_fail() {
        for (m, n) in [
            ("wbg", "__wbg_random_1234"),
            ("__wbindgen_placeholder__", "__wbindgen_describe"),
        ] {
            let found = problems(&import(m, n), Policy::default());
            assert!(
                matches!(&found[..], [Problem::ImportNotProvided(i)] if i.module == m),
                "{found:?}"
            );
            assert!(found[0].to_string().contains("wasm-bindgen"));
        }
    }

    #[test]
    fn wasi_imports_fail() {
        let found = problems(
            &import("wasi_snapshot_preview1", "fd_write"),
            Policy::default(),
        );
        assert!(
            matches!(&found[..], [Problem::ImportNotProvided(_)]),
            "{found:?}"
        );
    }

    #[test]
    fn a_provided_name_in_the_wrong_module_or_kind_fails() {
        let wrong_module = import("env", "__frnt__logger__info");
        let wrong_kind = module(r#"(import "freenet_log" "__frnt__logger__info" (global i32))"#);
        for wasm in [wrong_module, wrong_kind] {
            let found = problems(&wasm, Policy::default());
            assert!(
                matches!(&found[..], [Problem::ImportNotProvided(_)]),
                "{found:?}"
            );
        }
    }

    #[test]
    fn debug_sections_fail_and_other_custom_sections_pass() {
        let wasm = module(r#"(@custom ".debug_info" "\00") (@custom "name" "")"#);
        let report = audit(&wasm, &Policy::default());
        assert_eq!(report.custom_sections, [".debug_info", "name"]);
        assert_eq!(
            report.problems,
            [Problem::DebugSection(".debug_info".into())]
        );
    }

    #[test]
    fn the_size_limit_is_enforced() {
        let wasm = import("freenet_log", "__frnt__logger__info");
        let bytes = wasm.len() as u64;
        let at_limit = Policy {
            max_bytes: bytes,
            ..Policy::default()
        };
        assert!(audit(&wasm, &at_limit).is_ok());
        let under = Policy {
            max_bytes: bytes - 1,
            ..Policy::default()
        };
        assert_eq!(
            problems(&wasm, under),
            [Problem::TooLarge {
                bytes,
                max_bytes: bytes - 1
            }]
        );
    }

    #[test]
    fn no_clock_rejects_the_time_import() {
        let wasm = import("freenet_time", "__frnt__time__utc_now");
        assert!(audit(&wasm, &Policy::default()).is_ok());
        let contract = Policy {
            no_clock: true,
            ..Policy::default()
        };
        assert!(matches!(
            &problems(&wasm, contract)[..],
            [Problem::ClockImport(_)]
        ));
        let log = import("freenet_log", "__frnt__logger__info");
        assert!(audit(&log, &contract).is_ok());
    }

    #[test]
    fn garbage_and_truncated_files_fail() {
        let wasm = import("freenet_log", "__frnt__logger__info");
        for bytes in [&b"not wasm"[..], &wasm[..wasm.len() - 3]] {
            assert!(matches!(
                &problems(bytes, Policy::default())[..],
                [Problem::Malformed(_)]
            ));
        }
    }
}
