//! Every numbered rule has a test that breaks it, and every rule a test names exists.
//!
//! **The rules** are the ids in the first column of each "Where each rule lives" table
//! in `docs/*.md` (today one, in `docs/room.md`). A cell holds ids (`SIG-1`), ranges
//! (`MEM-1..5`, also `MEM-1..MEM-5`) and comma lists of both (`SIG-1, SIG-2`); a cell
//! without a digit (`(acceptance)`, `limits`) names no rule. Their prefixes (`BAN`,
//! `PIPE`, …) are the *rule prefixes*.
//!
//! **A test** is a function with a `#[test]` attribute (or `#[tokio::test]`, any
//! `…::test`), wherever it is: what `cargo test` runs, in `tests/` folders (e2e's too),
//! in `#[cfg(test)]` modules and inside `proptest!` blocks. Build output (`target/`) is
//! skipped, and so is this file, whose own tests feed the checker made-up rules.
//!
//! **A test carries** `X-N` when
//! - its name has the words `x_n`: the prefix in lowercase, then the number as a word of
//!   its own (`ban_3_a_replayed_invitation_is_refused` and `rule_man_8_…` carry `BAN-3`
//!   and `MAN-8`; only rule prefixes count, so `aes_256_…` carries nothing); or
//! - its body (comments, strings, code) spells `X-N` with a rule prefix: `// rule BAN-3`,
//!   `// rules BAN-2 and BAN-6`, `(BAN-5: …)`. A range in a body (`MEM-2..5`) carries
//!   only the ids it spells out; a test breaks one rule at a time.
//!
//! An id must stand alone: `0xAB-1`, `DEADBEEF-2`, `BAN-3a` are not ids, and prefixes
//! outside the tables (`AES-256`, `SHA-2`, `UTF-8`) never count, except after the word
//! `rule` or `rules` (`rule SEAL-1`, `rules X-1 and Y-2`, `rules X-1, Y-2`): there any
//! prefix is a rule reference, so a test naming a rule of a prefix no table lists
//! fails as surely as one naming `BAN-9`.
//!
//! **Checked**: every table id has at least one test carrying it, and every id a test
//! names (in its name, in its body with a rule prefix, or in the `rule X-N` form) is in
//! a table. A failure names the id and the table line that lists it, or the test and
//! the file line where it names an unknown rule.

use std::collections::{BTreeMap, BTreeSet};

use brook_repo_checks::{files_under, read};

/// The heading above a rule table.
const TABLE_HEADING: &str = "where each rule lives";

/// This file: its tests hold made-up tables and tests.
const THIS_FILE: &str = "tools/repo-checks/tests/rule_ids.rs";

/// Where a table lists an id.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    file: String,
    line: usize,
    /// The cell, as written (`MEM-1..5`).
    cell: String,
}

/// The rule tables of the docs.
#[derive(Debug, Default)]
struct Rules {
    ids: BTreeMap<String, Listed>,
    /// Every table found, as `file:line` of its heading.
    tables: Vec<String>,
    /// Cells that hold a digit but no readable id.
    problems: Vec<String>,
}

impl Rules {
    fn prefixes(&self) -> BTreeSet<String> {
        self.ids.keys().map(|id| prefix_of(id).to_owned()).collect()
    }
}

fn prefix_of(id: &str) -> &str {
    id.split_once('-').map_or(id, |(p, _)| p)
}

/// Reads the rule tables of one markdown file into `rules`.
fn read_tables(file: &str, text: &str, rules: &mut Rules) {
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        let heading = line.starts_with('#')
            && line
                .trim_start_matches('#')
                .to_lowercase()
                .contains(TABLE_HEADING);
        i += 1;
        if !heading {
            continue;
        }
        rules.tables.push(format!("{file}:{i}"));
        // The first table after the heading: header, separator, rows.
        while i < lines.len() && !lines[i].trim_start().starts_with('|') {
            if lines[i].trim_start().starts_with('#') {
                break;
            }
            i += 1;
        }
        let mut row = 0;
        while i < lines.len() && lines[i].trim_start().starts_with('|') {
            let cells: Vec<&str> = lines[i].trim().split('|').collect();
            row += 1;
            i += 1;
            if row <= 2 {
                continue; // header and `|---|`
            }
            let cell = cells.get(1).map_or("", |c| c.trim());
            match ids_of_cell(cell) {
                Ok(ids) => {
                    for id in ids {
                        rules.ids.entry(id).or_insert_with(|| Listed {
                            file: file.to_owned(),
                            line: i,
                            cell: cell.to_owned(),
                        });
                    }
                }
                Err(problem) => rules.problems.push(format!("{file}:{i}: {problem}")),
            }
        }
    }
}

/// The ids of a first-column cell: `X-1`, `X-1..5`, `X-1..X-5`, comma lists of those;
/// nothing for a cell without a digit.
fn ids_of_cell(cell: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for part in cell.split(',') {
        let part = part.trim().trim_matches('`').trim();
        if !part.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        let bad = || format!("cannot read `{part}` as a rule id (`X-1`) or range (`X-1..5`)");
        let (first, last) = match part.split_once("..").or_else(|| part.split_once('…')) {
            Some((a, b)) => (a.trim(), Some(b.trim())),
            None => (part, None),
        };
        let (prefix, from) = split_id(first).ok_or_else(bad)?;
        let to = match last {
            None => from,
            Some(last) => match split_id(last) {
                Some((p, n)) if p == prefix => n,
                Some(_) => return Err(bad()),
                None => last.parse().map_err(|_| bad())?,
            },
        };
        if to < from {
            return Err(bad());
        }
        out.extend((from..=to).map(|n| format!("{prefix}-{n}")));
    }
    Ok(out)
}

/// `BAN-3` as `("BAN", 3)`: 2 to 5 uppercase letters, `-`, a number.
fn split_id(s: &str) -> Option<(&str, u32)> {
    let (prefix, number) = s.split_once('-')?;
    let prefix_ok =
        (2..=5).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_uppercase());
    if !prefix_ok || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((prefix, number.parse().ok()?))
}

/// One test function.
#[derive(Debug, Clone)]
struct TestFn {
    file: String,
    /// The line of `fn`.
    line: usize,
    name: String,
    /// The text between the body's braces.
    body: String,
    /// The line the body starts on.
    body_line: usize,
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// For each char of Rust source, whether it is code (not in a comment, a string or a
/// char literal), so braces and attributes are only read where the compiler reads them.
fn code_mask(chars: &[char]) -> Vec<bool> {
    let mut mask = vec![true; chars.len()];
    let at = |k: usize| chars.get(k).copied();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let end = if c == '/' && at(i + 1) == Some('/') {
            let mut k = i;
            while k < chars.len() && chars[k] != '\n' {
                k += 1;
            }
            k
        } else if c == '/' && at(i + 1) == Some('*') {
            let (mut k, mut depth) = (i + 2, 1);
            while k < chars.len() && depth > 0 {
                if chars[k] == '/' && at(k + 1) == Some('*') {
                    depth += 1;
                    k += 1;
                } else if chars[k] == '*' && at(k + 1) == Some('/') {
                    depth -= 1;
                    k += 1;
                }
                k += 1;
            }
            k
        } else if c == 'r'
            && (i == 0
                || !is_ident(chars[i - 1])
                || (chars[i - 1] == 'b' && (i < 2 || !is_ident(chars[i - 2]))))
            && matches!(at(i + 1), Some('#') | Some('"'))
        {
            let mut k = i + 1;
            let mut hashes = 0;
            while at(k) == Some('#') {
                hashes += 1;
                k += 1;
            }
            if at(k) != Some('"') {
                i += 1; // `r#ident`
                continue;
            }
            k += 1;
            loop {
                if k >= chars.len() {
                    break k;
                }
                if chars[k] == '"' && (1..=hashes).all(|h| at(k + h) == Some('#')) {
                    break k + 1 + hashes;
                }
                k += 1;
            }
        } else if c == '"' {
            let mut k = i + 1;
            while k < chars.len() && chars[k] != '"' {
                k += if chars[k] == '\\' { 2 } else { 1 };
            }
            k + 1
        } else if c == '\'' && at(i + 1) == Some('\\') {
            let mut k = i + 3;
            while k < chars.len() && chars[k] != '\'' {
                k += 1;
            }
            k + 1
        } else if c == '\'' && at(i + 2) == Some('\'') {
            i + 3
        } else {
            i += 1; // code, or a lifetime's `'`
            continue;
        };
        let end = end.min(chars.len());
        for m in &mut mask[start..end] {
            *m = false;
        }
        i = end.max(start + 1);
    }
    mask
}

/// The index of the code char closing the bracket opened at `open`.
fn closing(chars: &[char], mask: &[bool], open: usize) -> Option<usize> {
    let (o, c) = (chars[open], matching(chars[open]));
    let mut depth = 0usize;
    for k in open..chars.len() {
        if !mask[k] {
            continue;
        }
        if chars[k] == o {
            depth += 1;
        } else if chars[k] == c {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

fn matching(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// The test functions of one Rust source file.
fn tests_in(file: &str, text: &str) -> Vec<TestFn> {
    let chars: Vec<char> = text.chars().collect();
    let mask = code_mask(&chars);
    let line_of = |k: usize| chars[..k].iter().filter(|c| **c == '\n').count() + 1;
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        // An outer attribute `#[path…]` in code.
        if !(mask[i] && chars[i] == '#' && chars.get(i + 1) == Some(&'[')) {
            i += 1;
            continue;
        }
        let Some(close) = closing(&chars, &mask, i + 1) else {
            break;
        };
        let attribute: String = chars[i + 2..close]
            .iter()
            .filter(|c| !c.is_whitespace())
            .collect();
        let path = attribute.split(['(', '=']).next().unwrap_or("");
        i = close + 1;
        if path != "test" && !path.ends_with("::test") {
            continue;
        }
        if let Some(test) = test_after(&chars, &mask, close + 1, file, &line_of) {
            i = test.1;
            out.push(test.0);
        }
    }
    out
}

/// The function a test attribute ending before `from` marks, and where it ends.
fn test_after(
    chars: &[char],
    mask: &[bool],
    from: usize,
    file: &str,
    line_of: &dyn Fn(usize) -> usize,
) -> Option<(TestFn, usize)> {
    // Skip further attributes and qualifiers up to the keyword `fn`.
    let mut k = from;
    let fn_at = loop {
        if k >= chars.len() {
            return None;
        }
        if !mask[k] {
            k += 1;
            continue;
        }
        match chars[k] {
            '#' if chars.get(k + 1) == Some(&'[') => k = closing(chars, mask, k + 1)? + 1,
            '{' | '}' | ';' => return None,
            'f' if chars.get(k + 1) == Some(&'n')
                && (k == 0 || !is_ident(chars[k - 1]))
                && !chars.get(k + 2).copied().is_some_and(is_ident) =>
            {
                break k
            }
            _ => k += 1,
        }
    };
    let mut k = fn_at + 2;
    while k < chars.len() && chars[k].is_whitespace() {
        k += 1;
    }
    let name_start = k;
    while k < chars.len() && is_ident(chars[k]) {
        k += 1;
    }
    let name: String = chars[name_start..k].iter().collect();
    let params = (k..chars.len()).find(|&p| mask[p] && chars[p] == '(')?;
    let after_params = closing(chars, mask, params)? + 1;
    let open = (after_params..chars.len()).find(|&p| mask[p] && matches!(chars[p], '{' | ';'))?;
    if chars[open] == ';' {
        return None;
    }
    let close = closing(chars, mask, open)?;
    let test = TestFn {
        file: file.to_owned(),
        line: line_of(fn_at),
        name,
        body: chars[open + 1..close].iter().collect(),
        body_line: line_of(open),
    };
    Some((test, close + 1))
}

/// Every standalone `X-N` in `text` (2 to 5 uppercase letters), with its byte offset.
fn ids_in(text: &str) -> Vec<(String, usize)> {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_uppercase() || (i > 0 && (word(bytes[i - 1]) || bytes[i - 1] == b'-'))
        {
            i += 1;
            continue;
        }
        let mut k = i;
        while k < bytes.len() && bytes[k].is_ascii_uppercase() {
            k += 1;
        }
        let letters = k - i;
        let dash = k;
        let mut end = dash + 1;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
        let standalone = end == bytes.len() || !word(bytes[end]);
        if (2..=5).contains(&letters)
            && bytes.get(dash) == Some(&b'-')
            && end > dash + 1
            && standalone
        {
            out.push((text[i..end].to_owned(), i));
        }
        i = k.max(i + 1);
    }
    out
}

/// The ids named after the word `rule` or `rules`: `rule X-1`, `rules X-1 and Y-2`,
/// `rules X-1, Y-2, Z-3`, `rules X-1/X-2`. Any prefix.
fn rule_form_ids(text: &str) -> Vec<String> {
    let ids = ids_in(text);
    let at: BTreeMap<usize, &str> = ids.iter().map(|(id, k)| (*k, id.as_str())).collect();
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = lower[from..].find("rule") {
        let start = from + found;
        from = start + 4;
        if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
            continue;
        }
        let mut k = start + 4;
        if bytes.get(k) == Some(&b's') {
            k += 1;
        }
        let spaces = lower[k..].len() - lower[k..].trim_start_matches([' ', '\t']).len();
        if spaces == 0 {
            continue;
        }
        k += spaces;
        // An id, then (separator, id)*.
        while let Some(id) = at.get(&k) {
            out.push((*id).to_owned());
            k += id.len();
            let rest = &lower[k..];
            let trimmed = rest.trim_start();
            let sep = [",", "and ", "or ", "/", "&", "..", "…"]
                .iter()
                .find(|s| trimmed.starts_with(**s));
            let Some(sep) = sep else { break };
            let after = &trimmed[sep.len()..];
            k += rest.len() - after.trim_start().len();
        }
    }
    out
}

/// The ids a test name carries: words `x_n` with `X` a rule prefix.
fn name_ids(name: &str, prefixes: &BTreeSet<String>) -> Vec<String> {
    let words: Vec<&str> = name.split('_').collect();
    words
        .windows(2)
        .filter(|w| prefixes.contains(&w[0].to_ascii_uppercase()))
        .filter_map(|w| {
            let n: u32 = w[1].parse().ok()?;
            Some(format!("{}-{n}", w[0].to_ascii_uppercase()))
        })
        .collect()
}

/// What one test carries and names.
#[derive(Debug, Default)]
struct Mentions {
    /// Ids with a rule prefix, in the name or the body: what the test carries.
    carried: BTreeSet<String>,
    /// Every id the test names, with the file line that names it.
    named: BTreeMap<String, usize>,
}

fn mentions(test: &TestFn, prefixes: &BTreeSet<String>) -> Mentions {
    let mut m = Mentions::default();
    for id in name_ids(&test.name, prefixes) {
        m.carried.insert(id.clone());
        m.named.entry(id).or_insert(test.line);
    }
    let line_at = |offset: usize| test.body_line + test.body[..offset].matches('\n').count();
    for (id, offset) in ids_in(&test.body) {
        if prefixes.contains(prefix_of(&id)) {
            m.carried.insert(id.clone());
            m.named.entry(id).or_insert_with(|| line_at(offset));
        }
    }
    for id in rule_form_ids(&test.body) {
        let offset = test.body.find(&id).unwrap_or(0);
        m.named.entry(id).or_insert_with(|| line_at(offset));
    }
    m
}

/// Everything wrong, one message per problem: table cells that do not read, table ids
/// no test carries, ids tests name that no table lists.
fn check(rules: &Rules, tests: &[TestFn]) -> Vec<String> {
    let mut problems = rules.problems.clone();
    if rules.tables.is_empty() {
        problems.push(
            "no \"Where each rule lives\" table found in docs/*.md: nothing to check against"
                .to_owned(),
        );
        return problems;
    }
    let prefixes = rules.prefixes();
    let mut carriers: BTreeMap<&str, usize> = BTreeMap::new();
    for test in tests {
        let m = mentions(test, &prefixes);
        for id in &m.carried {
            if let Some((id, _)) = rules.ids.get_key_value(id) {
                *carriers.entry(id.as_str()).or_default() += 1;
            }
        }
        for (id, line) in &m.named {
            if !rules.ids.contains_key(id) {
                problems.push(format!(
                    "{}:{line}: test `{}` names rule {id}, which no rule table lists \
                     (tables: {}); a retired or misspelt rule?",
                    test.file,
                    test.name,
                    rules.tables.join(", ")
                ));
            }
        }
    }
    for (id, listed) in &rules.ids {
        if !carriers.contains_key(id.as_str()) {
            problems.push(format!(
                "{id}: no test carries it ({}:{} lists it as `{}`); write `// rule {id}` \
                 in a test that breaks it, or name that test `{}_…`",
                listed.file,
                listed.line,
                listed.cell,
                id.to_ascii_lowercase().replace('-', "_")
            ));
        }
    }
    problems
}

fn slash(path: &std::path::Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

#[test]
fn every_rule_has_a_test_and_every_rule_a_test_names_exists() {
    let mut rules = Rules::default();
    for doc in files_under("docs", &[".md"]) {
        read_tables(&slash(&doc), &read(&doc), &mut rules);
    }
    let mut tests = Vec::new();
    let mut files = 0;
    for source in files_under("", &[".rs"]) {
        let name = slash(&source);
        if name == THIS_FILE {
            continue;
        }
        files += 1;
        tests.extend(tests_in(&name, &read(&source)));
    }
    println!(
        "rule ids: {} rules in {} table(s), {} tests in {files} Rust files",
        rules.ids.len(),
        rules.tables.len(),
        tests.len()
    );
    let problems = check(&rules, &tests);
    assert!(
        problems.is_empty(),
        "{} rule id problem(s):\n{}",
        problems.len(),
        problems
            .iter()
            .map(|p| format!("  {p}\n"))
            .collect::<String>()
    );
    // A scanner that silently stopped finding things would pass: it must not.
    assert!(
        rules.ids.len() >= 40 && tests.len() >= 100,
        "the scan found too little to be working: {} rules, {} tests",
        rules.ids.len(),
        tests.len()
    );
}

// The checker's own tests, on made-up docs and sources.

const TABLE: &str = "# Room\n\n## Where each rule lives\n\n\
    | rules | module | decides |\n|---|---|---|\n\
    | SIG-1, SIG-2 | `sign.rs` | signatures |\n\
    | (acceptance) | `batch_verify.rs` | acceptance |\n\
    | BAN-1..3 | `bans.rs` | bans |\n\
    | limits | `limits.rs` | bounds |\n\n\
    Text after the table, naming BAN-9 in passing.\n";

fn rules_of(text: &str) -> Rules {
    let mut rules = Rules::default();
    read_tables("docs/room.md", text, &mut rules);
    rules
}

fn names(tests: &[TestFn]) -> Vec<&str> {
    tests.iter().map(|t| t.name.as_str()).collect()
}

#[test]
fn reads_ids_ranges_and_lists_and_skips_other_cells() {
    let rules = rules_of(TABLE);
    assert_eq!(
        rules.ids.keys().collect::<Vec<_>>(),
        ["BAN-1", "BAN-2", "BAN-3", "SIG-1", "SIG-2"]
    );
    assert_eq!(rules.tables, ["docs/room.md:3"]);
    assert_eq!(rules.ids["BAN-2"].line, 9);
    assert_eq!(rules.ids["BAN-2"].cell, "BAN-1..3");
    assert!(rules.problems.is_empty(), "{:?}", rules.problems);
    assert_eq!(
        ids_of_cell("`MEM-1..MEM-3`, CFG-2").unwrap(),
        ["MEM-1", "MEM-2", "MEM-3", "CFG-2"]
    );
    let bad = rules_of(&TABLE.replace("BAN-1..3", "BAN-3..1"));
    assert_eq!(bad.problems.len(), 1, "{:?}", bad.problems);
    assert!(bad.problems[0].starts_with("docs/room.md:9: "));
    assert!(rules_of("| A-1 |\n|---|\n| BAN-1 |\n").tables.is_empty());
}

#[test]
fn finds_test_functions_and_nothing_else() {
    let source = r####"
        /// A helper with `#[test]` in its doc and a rule in its body is no test.
        fn helper() { let _ = "rule BAN-1"; }

        #[test]
        fn plain() { let _ = "}"; let _ = '{'; /* } */ }

        #[cfg(test)]
        mod tests {
            #[test]
            #[should_panic(expected = "{")]
            fn inner<'a>() -> Result<(), Box<dyn std::error::Error + 'a>> {
                let _ = r#"}"#; // }
                Ok(())
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::default())]
            #[test]
            fn property(x in 0..10u8, v in prop::collection::vec(any::<u8>(), 0..3)) {
                prop_assert!(x < 10 && v.len() < 3);
            }
        }

        #[tokio::test(flavor = "multi_thread")]
        async fn on_a_node() {}

        // #[test]
        // fn commented_out() {}
        const TEXT: &str = "#[test] fn in_a_string() {}";
        #[test_case::case]
        fn not_a_test() {}
    "####;
    let tests = tests_in("x/tests/t.rs", source);
    assert_eq!(names(&tests), ["plain", "inner", "property", "on_a_node"]);
    assert_eq!(tests[0].line, 6);
    assert_eq!(
        tests[1].body.trim(),
        "let _ = r#\"}\"#; // }\n                Ok(())"
    );
    assert!(tests[2].body.contains("prop_assert!"));
}

#[test]
fn ids_come_from_names_bodies_and_the_rule_form_only() {
    let prefixes: BTreeSet<String> = ["BAN", "SIG", "MAN"].map(String::from).into();
    assert_eq!(
        name_ids("ban_3_a_replay_is_refused_and_sig_1", &prefixes),
        ["BAN-3", "SIG-1"]
    );
    assert_eq!(
        name_ids("rule_man_8_the_build_parser", &prefixes),
        ["MAN-8"]
    );
    assert!(name_ids("aes_256_gcm_and_ban_list_and_sha_2", &prefixes).is_empty());

    let text = "AES-256, SHA-2, UTF-8, 0xAB-1, DEADBEEF-2, BAN-3a, X-1, MAX-1 and BAN-4.";
    assert_eq!(
        ids_in(text)
            .into_iter()
            .map(|(id, _)| id)
            .collect::<Vec<_>>(),
        ["AES-256", "SHA-2", "UTF-8", "MAX-1", "BAN-4"]
    );
    assert_eq!(
        rule_form_ids("// rules BAN-2 and SEAL-6, SIG-1/SIG-2 or MAN-1..MAN-8; see UTF-8"),
        ["BAN-2", "SEAL-6", "SIG-1", "SIG-2", "MAN-1", "MAN-8"]
    );
    assert_eq!(rule_form_ids("a rule ID-1 (and BAN-5)"), ["ID-1"]);
    assert!(rule_form_ids("rule: BAN-1; overruled UPG-1; rulesBAN-2").is_empty());
}

fn fake_tests(source: &str) -> Vec<TestFn> {
    tests_in("common/tests/fake.rs", source)
}

#[test]
fn catches_a_rule_no_test_carries() {
    let rules = rules_of(TABLE);
    let all = "#[test]\nfn sig_1_and_sig_2_are_bound() {}\n\
               #[test]\nfn ban_1_forged() {}\n\
               #[test]\nfn replay() {\n    // rule BAN-3 (and BAN-2: the chain).\n}\n";
    assert_eq!(check(&rules, &fake_tests(all)), Vec::<String>::new());

    // Without its BAN-2 mention, nothing carries BAN-2; a helper mentioning it is no test.
    let missing = all.replace("(and BAN-2: the chain)", "") + "fn helper() { /* BAN-2 */ }\n";
    let problems = check(&rules, &fake_tests(&missing));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        problems[0],
        "BAN-2: no test carries it (docs/room.md:9 lists it as `BAN-1..3`); write \
         `// rule BAN-2` in a test that breaks it, or name that test `ban_2_…`"
    );
    // An empty repository carries nothing.
    assert_eq!(check(&rules, &[]).len(), 5);
    // No table at all is a failure, not a pass.
    assert_eq!(check(&Rules::default(), &fake_tests(all)).len(), 1);
}

#[test]
fn catches_a_test_naming_an_unknown_rule() {
    let rules = rules_of(TABLE);
    let source = "#[test]\nfn sig_1_and_sig_2_and_ban_1() {\n    // rules BAN-2 and BAN-3\n}\n\
                  #[test]\nfn ban_7_retired() {}\n\
                  #[test]\nfn sealed() {\n    let _ = \"AES-256\";\n    // rule SEAL-1\n}\n\
                  #[test]\nfn gone() {\n    // BAN-9 is gone\n}\n";
    let problems = check(&rules, &fake_tests(source));
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert_eq!(
        problems[0],
        "common/tests/fake.rs:6: test `ban_7_retired` names rule BAN-7, which no rule \
         table lists (tables: docs/room.md:3); a retired or misspelt rule?"
    );
    assert!(problems[1].starts_with("common/tests/fake.rs:10: test `sealed` names rule SEAL-1,"));
    assert!(problems[2].starts_with("common/tests/fake.rs:14: test `gone` names rule BAN-9,"));
}
