//! The migration manifests (`legacy_delegates.toml`, `legacy_room_contracts.toml`): parse,
//! validate, append.
//!
//! Each file is freenet-migrate-build's `[[entry]]` schema, which brook-common's build
//! script turns into constants (and so refuses to build on a bad file). That parser is
//! lenient where a mistake would go unnoticed: it ignores unknown fields (a misspelt
//! `params` would silently mean "no params") and takes `V<n>` labels as generation
//! numbers. So the files are also read here strictly, rule by rule, by `check-migration`
//! and by this crate's tests:
//!
//! - MAN-1: every field present, none unknown (`delegate_key` and `params_hex` in the
//!   delegate manifest only);
//! - MAN-2: `version` non-empty, unique, and not `V<n>`: an entry's generation is its
//!   position in the file, which append-only editing never changes;
//! - MAN-3: `date` is YYYY-MM-DD and entries are in date order;
//! - MAN-4: `description` is one non-empty line;
//! - MAN-5: `code_hash` is 64 lowercase hex digits, unique in the file;
//! - MAN-6: `params_hex` is lowercase hex of whole bytes (empty for no params);
//! - MAN-7: `delegate_key` is 64 lowercase hex digits and equals
//!   `blake3(code_hash ‖ params)`;
//! - MAN-8: freenet-migrate-build accepts the file (the same parse the build runs).

use std::fmt::Write as _;
use std::path::Path;

use freenet_migrate_build::{Component, Registry};
use serde::Deserialize;

use crate::artifacts::{instance_key, Kind};

/// One validated manifest entry: a build that shipped and was replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub version: String,
    pub date: String,
    pub description: String,
    pub code_hash: [u8; 32],
    /// Delegate manifest only.
    pub delegate: Option<DelegateFields>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelegateFields {
    pub key: [u8; 32],
    pub params: Vec<u8>,
}

/// A validated manifest; the entry at index `i` has generation `i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub kind: Kind,
    pub entries: Vec<Entry>,
    /// The same file as freenet-migrate-build reads it, for its hash guard.
    pub registry: Registry,
}

impl Manifest {
    /// The entry recording this code hash, with its generation.
    pub fn find(&self, code_hash: &[u8; 32]) -> Option<(usize, &Entry)> {
        self.entries
            .iter()
            .enumerate()
            .find(|(_, e)| &e.code_hash == code_hash)
    }

    pub fn component(&self) -> Component {
        match self.kind {
            Kind::Delegate => Component::Delegate,
            _ => Component::Contract,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    entry: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    version: Option<String>,
    date: Option<String>,
    description: Option<String>,
    code_hash: Option<String>,
    delegate_key: Option<String>,
    params_hex: Option<String>,
}

/// Reads and validates a manifest file. The error lists every problem found, one per line.
pub fn load(path: &Path, kind: Kind) -> Result<Manifest, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text, kind).map_err(|e| format!("{}: {e}", path.display()))
}

/// Validates manifest text (rules MAN-1 … MAN-8).
pub fn parse(text: &str, kind: Kind) -> Result<Manifest, String> {
    let component = match kind {
        Kind::Delegate => Component::Delegate,
        Kind::RoomContract => Component::Contract,
        Kind::Unguarded => return Err("this artifact has no manifest".into()),
    };
    // MAN-1
    let raw: RawFile = toml::from_str(text).map_err(|e| format!("rule MAN-1: {e}"))?;
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    for (i, raw) in raw.entry.into_iter().enumerate() {
        let mut problem = |rule: &str, what: String| {
            let label = raw.version.as_deref().unwrap_or("?");
            problems.push(format!("entry {} ({label:?}): rule {rule}: {what}", i + 1));
        };
        let mut field = |name: &str, value: &Option<String>, wanted: bool| -> String {
            match (value, wanted) {
                (Some(v), true) => v.clone(),
                (None, true) => {
                    problem("MAN-1", format!("missing field `{name}`"));
                    String::new()
                }
                (Some(_), false) => {
                    problem(
                        "MAN-1",
                        format!("field `{name}` belongs in the delegate manifest only"),
                    );
                    String::new()
                }
                (None, false) => String::new(),
            }
        };
        let delegate = kind == Kind::Delegate;
        let version = field("version", &raw.version, true);
        let date = field("date", &raw.date, true);
        let description = field("description", &raw.description, true);
        let code_hash = field("code_hash", &raw.code_hash, true);
        let delegate_key = field("delegate_key", &raw.delegate_key, delegate);
        let params_hex = field("params_hex", &raw.params_hex, delegate);
        if raw.version.is_none() || raw.date.is_none() || raw.code_hash.is_none() {
            continue;
        }

        // MAN-2
        if version.trim().is_empty() {
            problem("MAN-2", "`version` is empty".into());
        } else if is_generation_label(&version) {
            problem(
                "MAN-2",
                format!(
                    "`version` {version:?} looks like V<n>, which freenet-migrate-build \
                     would read as a generation number; use a release label such as \"0.1.0\""
                ),
            );
        } else if entries.iter().any(|e: &Entry| e.version == version) {
            problem("MAN-2", format!("`version` {version:?} appears twice"));
        }
        // MAN-3
        if !is_date(&date) {
            problem("MAN-3", format!("`date` {date:?} is not YYYY-MM-DD"));
        } else if let Some(prev) = entries.last().filter(|e: &&Entry| e.date > date) {
            problem(
                "MAN-3",
                format!(
                    "`date` {date} is before the previous entry's {}: entries are appended, oldest first",
                    prev.date
                ),
            );
        }
        // MAN-4
        if description.trim().is_empty() || description.contains(['\n', '\r']) {
            problem("MAN-4", "`description` must be one non-empty line".into());
        }
        // MAN-5
        let Some(hash) = hex32(&code_hash) else {
            problem(
                "MAN-5",
                format!("`code_hash` {code_hash:?} is not 64 lowercase hex digits"),
            );
            continue;
        };
        if entries.iter().any(|e: &Entry| e.code_hash == hash) {
            problem("MAN-5", format!("`code_hash` {code_hash} appears twice"));
        }
        let delegate = if delegate {
            // MAN-6
            let params = match lower_hex(&params_hex) {
                Some(p) => p,
                None => {
                    problem(
                        "MAN-6",
                        format!("`params_hex` {params_hex:?} is not lowercase hex of whole bytes"),
                    );
                    continue;
                }
            };
            // MAN-7
            let derived = instance_key(&hash, &params);
            match hex32(&delegate_key) {
                None => problem(
                    "MAN-7",
                    format!("`delegate_key` {delegate_key:?} is not 64 lowercase hex digits"),
                ),
                Some(key) if key != derived => problem(
                    "MAN-7",
                    format!(
                        "`delegate_key` {delegate_key} is not blake3(code_hash ‖ params) = {}",
                        hex::encode(derived)
                    ),
                ),
                Some(_) => {}
            }
            Some(DelegateFields {
                key: derived,
                params,
            })
        } else {
            None
        };
        entries.push(Entry {
            version,
            date,
            description,
            code_hash: hash,
            delegate,
        });
    }
    // MAN-8
    let registry = Registry::from_entry_toml_str(text, component)
        .and_then(|r| r.validate().map(|()| r))
        .map_err(|e| format!("rule MAN-8: freenet-migrate-build rejects the file: {e}"));
    match registry {
        Ok(registry) if problems.is_empty() => Ok(Manifest {
            kind,
            entries,
            registry,
        }),
        Ok(_) => Err(problems.join("\n")),
        Err(e) => {
            problems.push(e);
            Err(problems.join("\n"))
        }
    }
}

/// The text `append` adds for one entry: a `[[entry]]` table in the documented field order.
pub fn entry_toml(entry: &Entry) -> String {
    let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let mut out = String::from("\n[[entry]]\n");
    let _ = writeln!(out, "version = {}", quote(&entry.version));
    let _ = writeln!(out, "date = {}", quote(&entry.date));
    let _ = writeln!(out, "description = {}", quote(&entry.description));
    let _ = writeln!(out, "code_hash = \"{}\"", hex::encode(entry.code_hash));
    if let Some(d) = &entry.delegate {
        let _ = writeln!(out, "delegate_key = \"{}\"", hex::encode(d.key));
        let _ = writeln!(out, "params_hex = \"{}\"", hex::encode(&d.params));
    }
    out
}

/// Appends `entry` to the manifest at `path` (comments and earlier entries untouched) and
/// returns the validated result; on any problem the file is left as it was.
pub fn append(path: &Path, kind: Kind, entry: &Entry) -> Result<Manifest, String> {
    let before = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut after = before.clone();
    if !after.is_empty() && !after.ends_with('\n') {
        after.push('\n');
    }
    after.push_str(&entry_toml(entry));
    let manifest = parse(&after, kind).map_err(|e| {
        format!(
            "{}: the new entry would make the manifest invalid:\n{e}",
            path.display()
        )
    })?;
    std::fs::write(path, after).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(manifest)
}

fn is_generation_label(version: &str) -> bool {
    let digits = version
        .strip_prefix('V')
        .or_else(|| version.strip_prefix('v'));
    digits.is_some_and(|d| d.parse::<u32>().is_ok())
}

/// YYYY-MM-DD with a real month and a day that month has.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock (days-to-civil conversion of
/// Howard Hinnant's `chrono`-compatible algorithm).
pub fn today_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// 64 lowercase hex digits as 32 bytes.
fn hex32(s: &str) -> Option<[u8; 32]> {
    lower_hex(s)?.try_into().ok()
}

/// Lowercase hex (the manifests' one spelling, what `b3sum` prints) as bytes.
fn lower_hex(s: &str) -> Option<Vec<u8>> {
    if s.bytes().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    hex::decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: [u8; 32] = [0xab; 32];

    fn delegate_entry(version: &str, date: &str, code: [u8; 32], params: &[u8]) -> String {
        format!(
            "[[entry]]\nversion = \"{version}\"\ndate = \"{date}\"\ndescription = \"a build\"\n\
             code_hash = \"{}\"\ndelegate_key = \"{}\"\nparams_hex = \"{}\"\n",
            hex::encode(code),
            hex::encode(instance_key(&code, params)),
            hex::encode(params),
        )
    }

    fn rejects(text: &str, kind: Kind, rule: &str) {
        let err = parse(text, kind).expect_err("must be rejected");
        assert!(err.contains(&format!("rule {rule}")), "{rule}: got {err}");
    }

    #[test]
    fn empty_and_comment_only_manifests_are_valid() {
        assert!(parse("", Kind::Delegate).unwrap().entries.is_empty());
        assert!(parse("# nothing yet\n", Kind::RoomContract)
            .unwrap()
            .entries
            .is_empty());
    }

    #[test]
    fn a_correct_delegate_entry_is_accepted_with_its_generation() {
        let text = delegate_entry("0.1.0", "2026-11-21", CODE, &[])
            + &delegate_entry("0.2.0", "2026-11-22", [8; 32], b"p");
        let m = parse(&text, Kind::Delegate).unwrap();
        assert_eq!(m.entries.len(), 2);
        assert_eq!(
            m.find(&[8; 32]).map(|(g, e)| (g, e.version.as_str())),
            Some((1, "0.2.0"))
        );
        assert_eq!(m.entries[1].delegate.as_ref().unwrap().params, b"p");
    }

    #[test]
    fn rule_man_1_missing_unknown_and_misplaced_fields() {
        let text = delegate_entry("0.1.0", "2026-11-21", CODE, &[]);
        rejects(
            &text.replace("params_hex", "params"),
            Kind::Delegate,
            "MAN-1",
        );
        rejects(
            &text.replace("date = \"2026-11-21\"\n", ""),
            Kind::Delegate,
            "MAN-1",
        );
        rejects(&text, Kind::RoomContract, "MAN-1");
    }

    #[test]
    fn rule_man_2_labels() {
        let one = delegate_entry("0.1.0", "2026-11-21", CODE, &[]);
        rejects(&one.replace("0.1.0", "V3"), Kind::Delegate, "MAN-2");
        rejects(&one.replace("0.1.0", " "), Kind::Delegate, "MAN-2");
        let twice = one.clone() + &delegate_entry("0.1.0", "2026-11-21", [8; 32], &[]);
        rejects(&twice, Kind::Delegate, "MAN-2");
    }

    #[test]
    fn rule_man_3_dates() {
        rejects(
            &delegate_entry("0.1.0", "2026-02-30", CODE, &[]),
            Kind::Delegate,
            "MAN-3",
        );
        rejects(
            &delegate_entry("0.1.0", "21.11.2026", CODE, &[]),
            Kind::Delegate,
            "MAN-3",
        );
        let backwards = delegate_entry("0.1.0", "2026-11-21", CODE, &[])
            + &delegate_entry("0.2.0", "2026-11-20", [8; 32], &[]);
        rejects(&backwards, Kind::Delegate, "MAN-3");
        assert!(is_date("2028-02-29") && !is_date("2026-02-29"));
    }

    #[test]
    fn rule_man_4_description() {
        let text = delegate_entry("0.1.0", "2026-11-21", CODE, &[]);
        rejects(
            &text.replace("a build", "two\\nlines"),
            Kind::Delegate,
            "MAN-4",
        );
        rejects(&text.replace("a build", ""), Kind::Delegate, "MAN-4");
    }

    #[test]
    fn rule_man_5_code_hashes() {
        let text = delegate_entry("0.1.0", "2026-11-21", CODE, &[]);
        let upper = text.replace(&hex::encode(CODE), &hex::encode(CODE).to_uppercase());
        rejects(&upper, Kind::Delegate, "MAN-5");
        let twice = text.clone() + &delegate_entry("0.2.0", "2026-11-21", CODE, &[]);
        rejects(&twice, Kind::Delegate, "MAN-5");
    }

    #[test]
    fn rule_man_6_params() {
        let text = delegate_entry("0.1.0", "2026-11-21", CODE, &[]);
        rejects(
            &text.replace("params_hex = \"\"", "params_hex = \"abc\""),
            Kind::Delegate,
            "MAN-6",
        );
    }

    #[test]
    fn rule_man_7_delegate_key_is_recomputed() {
        let text = delegate_entry("0.1.0", "2026-11-21", CODE, &[]);
        // The key derived without the params a row states is wrong for that row.
        let wrong = text.replace("params_hex = \"\"", "params_hex = \"00\"");
        rejects(&wrong, Kind::Delegate, "MAN-7");
        let garbage = text.replace(&hex::encode(instance_key(&CODE, &[])), "00");
        rejects(&garbage, Kind::Delegate, "MAN-7");
    }

    #[test]
    fn rule_man_8_what_the_build_parser_refuses_is_refused() {
        // Files freenet-migrate-build rejects, each for its own reason. Our stricter rules
        // flag them too, but the build's verdict is reported in its own words: it is the
        // parse brook-common's build script runs, and a rule of ours may miss what it
        // rejects.
        let one = delegate_entry("0.1.0", "2026-11-21", CODE, &[]);
        let generation_label = delegate_entry("V1", "2026-11-21", [8; 32], &[]);
        let cases = [
            // A `V<n>` label beside a release label: the build refuses the mix.
            (
                one.clone() + &generation_label,
                Kind::Delegate,
                "mixed version formats",
            ),
            // A delegate row in the contract manifest.
            (one.clone(), Kind::RoomContract, "has delegate_key"),
            // A delegate row without its key.
            (
                one.replace(
                    &format!(
                        "delegate_key = \"{}\"\n",
                        hex::encode(instance_key(&CODE, &[]))
                    ),
                    "",
                ),
                Kind::Delegate,
                "missing delegate_key",
            ),
        ];
        for (text, kind, reason) in cases {
            let component = match kind {
                Kind::Delegate => Component::Delegate,
                _ => Component::Contract,
            };
            assert!(
                Registry::from_entry_toml_str(&text, component).is_err(),
                "the build must reject this case: {text}"
            );
            let err = parse(&text, kind).expect_err("must be rejected");
            let line = err
                .lines()
                .find(|l| l.starts_with("rule MAN-8: freenet-migrate-build rejects the file: "))
                .unwrap_or_else(|| panic!("no MAN-8 verdict for {reason:?}: {err}"));
            assert!(line.contains(reason), "{reason:?}: {line}");
        }
        // A file the build accepts gets no MAN-8 verdict.
        assert!(parse(&one, Kind::Delegate).is_ok());
    }

    #[test]
    fn append_round_trips_and_refuses_an_invalid_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("legacy.toml");
        std::fs::write(&path, "# header kept\n").unwrap();
        let mut entry = Entry {
            version: "0.1.0".into(),
            date: "2026-11-21".into(),
            description: "first \"release\"".into(),
            code_hash: CODE,
            delegate: Some(DelegateFields {
                key: instance_key(&CODE, &[]),
                params: vec![],
            }),
        };
        let m = append(&path, Kind::Delegate, &entry).unwrap();
        assert_eq!(m.entries, vec![entry.clone()]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# header kept\n"));

        entry.version = "0.2.0".into();
        let err = append(&path, Kind::Delegate, &entry).unwrap_err();
        assert!(err.contains("MAN-5"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn today_is_a_date() {
        assert!(is_date(&today_utc()), "{}", today_utc());
    }
}
