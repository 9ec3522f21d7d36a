//! Every reference to a document resolves inside the repository.
//!
//! Scanned: every `.rs`, `.md`, `.toml`, `.sh`, `.py` and `.yml` file, and everything in
//! `.ci/`, skipping build output, dependencies and other hidden folders. Checked:
//!
//! - a path ending in `.md` (`docs/design.md`, `README.md`) names a file that exists,
//!   from the repository root or from the citing file's folder;
//! - `§N` after a document (`docs/design.md §4`, `docs/design.md §4, §5`, or a markdown
//!   link followed by `§N`) matches a `## N.` heading of that document; in a document
//!   with numbered headings, a bare `§N` names one of its own;
//! - in markdown, a relative link `[text](path)` names an existing file or folder, and an
//!   anchor (`path#anchor`, `#anchor`) matches a heading's GitHub slug;
//! - nothing refers outside the repository: the team's internal documents (their
//!   uppercase names) and the folder they live in are never cited.
//!
//! The patterns this file looks for are assembled from pieces, so its own text is scanned
//! like any other file.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use brook_repo_checks::{files_under, read, repo_root};

/// Extensions of the text files scanned.
const EXTENSIONS: &[&str] = &[".rs", ".md", ".toml", ".sh", ".py", ".yml"];

/// The only hidden folder scanned (CI scripts have no extension).
const CI_DIR: &str = ".ci";

/// Substrings that refer outside the repository: the internal documents' folder and
/// their names. Built from pieces so this file does not match itself.
fn forbidden() -> Vec<String> {
    let shared = "shared";
    vec![
        format!("../{shared}"),
        format!("{shared}/docs"),
        format!("/work/{shared}"),
        format!("{}.md", "DESIGN"),
        format!("{} §", "DESIGN"),
        format!("{}.md", "RUNTIME"),
        format!("{}.md", "UI-BUILD"),
        format!("{}.md", "STYLE"),
    ]
}

/// One bad reference.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Finding {
    file: String,
    line: usize,
    reference: String,
    problem: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: `{}`: {}",
            self.file, self.line, self.reference, self.problem
        )
    }
}

/// What was checked, so a scanner that silently stopped finding references fails.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    paths: usize,
    sections: usize,
    links: usize,
}

/// The files a reference may name, as `/`-separated paths relative to the root.
trait Repo {
    /// A file or a folder.
    fn exists(&self, path: &str) -> bool;
    fn text(&self, path: &str) -> Option<String>;
}

/// The repository on disk.
struct Disk {
    root: PathBuf,
    texts: RefCell<BTreeMap<String, Option<String>>>,
}

impl Repo for Disk {
    fn exists(&self, path: &str) -> bool {
        path.is_empty() || self.root.join(path).exists()
    }

    fn text(&self, path: &str) -> Option<String> {
        self.texts
            .borrow_mut()
            .entry(path.to_owned())
            .or_insert_with(|| std::fs::read_to_string(self.root.join(path)).ok())
            .clone()
    }
}

/// The folder of `file` (`""` at the root).
fn dir_of(file: &str) -> &str {
    file.rfind('/').map_or("", |i| &file[..i])
}

/// `rel` joined to `base` with `.` and `..` resolved; `None` when it leaves the root.
fn join(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// GitHub's anchor for a heading: lowercase, spaces to `-`, other punctuation dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Whether a markdown line opens or closes a fenced code block.
fn is_fence(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("```") || t.starts_with("~~~")
}

/// A markdown document's headings outside code blocks: every anchor (with GitHub's
/// `-1`, `-2` suffixes for repeats) and the labels `N` of its `## N.` headings.
#[derive(Debug, Default)]
struct Headings {
    anchors: BTreeSet<String>,
    numbered: BTreeSet<String>,
}

fn headings(text: &str) -> Headings {
    let mut out = Headings::default();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut in_fence = false;
    for line in text.lines() {
        if is_fence(line) {
            in_fence = !in_fence;
            continue;
        }
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if in_fence || hashes == 0 || hashes > 6 || !line[hashes..].starts_with(' ') {
            continue;
        }
        let title = line[hashes..].trim().trim_end_matches('#').trim();
        let base = slug(title);
        let n = seen.entry(base.clone()).or_insert(0);
        out.anchors.insert(if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        });
        *n += 1;
        if hashes == 2 {
            if let Some((label, _)) = title
                .split_once(". ")
                .or(title.strip_suffix('.').map(|l| (l, "")))
            {
                if !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric()) {
                    out.numbered.insert(label.to_owned());
                }
            }
        }
    }
    out
}

/// A `§` at `chars[i]`: its label (`12`, `9a`) and the index after it.
fn section_at(chars: &[char], i: usize) -> Option<(String, usize)> {
    if chars.get(i) != Some(&'§') {
        return None;
    }
    let mut j = i + 1;
    while chars.get(j).is_some_and(|c| c.is_ascii_digit()) {
        j += 1;
    }
    if j == i + 1 {
        return None;
    }
    while chars.get(j).is_some_and(|c| c.is_ascii_lowercase()) {
        j += 1;
    }
    Some((chars[i + 1..j].iter().collect(), j))
}

/// The `§` list starting at `chars[i]` (after optional spaces): `§4`, `§4, §5`,
/// `§4 and §5`, `§4–§6`. Returns each label with the index of its `§`.
fn section_list(chars: &[char], mut i: usize) -> Vec<(String, usize)> {
    let skip_ws = |mut k: usize| {
        while chars.get(k).is_some_and(|c| c.is_whitespace()) {
            k += 1;
        }
        k
    };
    let mut out = Vec::new();
    i = skip_ws(i);
    while let Some((label, end)) = section_at(chars, i) {
        out.push((label, i));
        let mut k = skip_ws(end);
        let rest: String = chars[k.min(chars.len())..].iter().take(4).collect();
        if let Some(sep) = [",", "/", "-", "–", "&", "and ", "to "]
            .iter()
            .find(|s| rest.starts_with(**s))
        {
            k = skip_ws(k + sep.chars().count());
        } else {
            break;
        }
        i = k;
    }
    out
}

/// Characters that may form a path token.
fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-')
}

/// Blank out `http(s)://…` so URLs are not read as repository paths.
fn mask_urls(chars: &mut [char]) {
    let text: String = chars.iter().collect();
    for scheme in ["http://", "https://"] {
        let mut from = 0;
        while let Some(at) = text[from..].find(scheme) {
            let start = text[..from + at].chars().count();
            let mut k = start;
            while k < chars.len()
                && !chars[k].is_whitespace()
                && !matches!(chars[k], ')' | '>' | '"' | '\'' | '`')
            {
                chars[k] = ' ';
                k += 1;
            }
            from += at + scheme.len();
        }
    }
}

/// Checks the text of one file. `path` is `/`-separated, relative to the root.
struct Checker<'a> {
    repo: &'a dyn Repo,
    findings: Vec<Finding>,
    counts: Counts,
}

impl<'a> Checker<'a> {
    fn new(repo: &'a dyn Repo) -> Self {
        Checker {
            repo,
            findings: Vec::new(),
            counts: Counts::default(),
        }
    }

    fn report(&mut self, file: &str, line: usize, reference: &str, problem: impl Into<String>) {
        self.findings.push(Finding {
            file: file.to_owned(),
            line,
            reference: reference.to_owned(),
            problem: problem.into(),
        });
    }

    /// The repository path `reference` names from `file`, or why it names none.
    fn resolve(&self, file: &str, reference: &str) -> Result<String, &'static str> {
        let relative = reference.starts_with("./") || reference.starts_with("../");
        let candidates = [
            (!relative).then(|| join("", reference)).flatten(),
            join(dir_of(file), reference),
        ];
        if candidates.iter().all(Option::is_none) {
            return Err("points outside the repository");
        }
        candidates
            .into_iter()
            .flatten()
            .find(|p| self.repo.exists(p))
            .ok_or("no such file in the repository")
    }

    /// Check `§` labels against `doc`'s `## N.` headings.
    fn check_sections(&mut self, file: &str, line: usize, doc: &str, labels: &[(String, usize)]) {
        let known = self
            .repo
            .text(doc)
            .map(|t| headings(&t).numbered)
            .unwrap_or_default();
        for (label, _) in labels {
            self.counts.sections += 1;
            if !known.contains(label) {
                self.report(
                    file,
                    line,
                    &format!("{doc} §{label}"),
                    format!("{doc} has no heading `## {label}.`"),
                );
            }
        }
    }

    fn check_file(&mut self, file: &str, text: &str) {
        let markdown = file.ends_with(".md");
        let own = markdown.then(|| headings(text));
        let forbidden = forbidden();
        let mut in_fence = false;
        for (index, line) in text.lines().enumerate() {
            let n = index + 1;
            for bad in &forbidden {
                if line.contains(bad.as_str()) {
                    self.report(file, n, bad, "refers outside the repository");
                }
            }
            if markdown && is_fence(line) {
                in_fence = !in_fence;
                continue;
            }
            if in_fence {
                continue;
            }
            let mut chars: Vec<char> = line.chars().collect();
            mask_urls(&mut chars);
            let mut attached: BTreeSet<usize> = BTreeSet::new();
            if markdown {
                self.check_links(file, n, &mut chars, own.as_ref(), &mut attached);
            }
            self.check_paths(file, n, &chars, &forbidden, &mut attached);
            // A bare `§N` in a numbered document names one of its own sections.
            if let Some(own) = own.as_ref().filter(|h| !h.numbered.is_empty()) {
                for i in 0..chars.len() {
                    if attached.contains(&i) {
                        continue;
                    }
                    if let Some((label, _)) = section_at(&chars, i) {
                        self.counts.sections += 1;
                        if !own.numbered.contains(&label) {
                            self.report(
                                file,
                                n,
                                &format!("§{label}"),
                                format!("{file} has no heading `## {label}.`"),
                            );
                        }
                    }
                }
            }
        }
    }

    /// Markdown links: target exists, anchor matches, `§` after the link matches. Link
    /// text and target are blanked so the path scan does not read them again.
    fn check_links(
        &mut self,
        file: &str,
        n: usize,
        chars: &mut [char],
        own: Option<&Headings>,
        attached: &mut BTreeSet<usize>,
    ) {
        let mut i = 0;
        while i + 1 < chars.len() {
            if !(chars[i] == ']' && chars[i + 1] == '(') {
                i += 1;
                continue;
            }
            let Some(close) = chars[i + 2..]
                .iter()
                .position(|c| *c == ')')
                .map(|p| i + 2 + p)
            else {
                break;
            };
            let inner: String = chars[i + 2..close].iter().collect();
            let target = inner
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_matches(['<', '>']);
            let open = chars[..i].iter().rposition(|c| *c == '[').unwrap_or(i);
            if !target.is_empty() && !target.contains("://") && !target.starts_with("mailto:") {
                self.counts.links += 1;
                let (path, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p, Some(a)),
                    None => (target, None),
                };
                let doc = if path.is_empty() {
                    Some(file.to_owned())
                } else {
                    match join(dir_of(file), path) {
                        None => {
                            self.report(file, n, target, "points outside the repository");
                            None
                        }
                        Some(p) if !self.repo.exists(&p) => {
                            self.report(file, n, target, "no such file in the repository");
                            None
                        }
                        Some(p) => Some(p),
                    }
                };
                if let (Some(doc), Some(anchor)) = (&doc, anchor) {
                    let anchors = if doc == file {
                        own.map(|h| h.anchors.clone()).unwrap_or_default()
                    } else {
                        self.repo
                            .text(doc)
                            .map(|t| headings(&t).anchors)
                            .unwrap_or_default()
                    };
                    if !anchors.contains(anchor) {
                        self.report(
                            file,
                            n,
                            target,
                            format!("{doc} has no heading with anchor `#{anchor}`"),
                        );
                    }
                }
                let sections = section_list(chars, close + 1);
                attached.extend(sections.iter().map(|(_, at)| *at));
                if let Some(doc) = doc.filter(|_| !sections.is_empty()) {
                    self.check_sections(file, n, &doc, &sections);
                }
            }
            for c in &mut chars[open..close] {
                *c = ' ';
            }
            i = close + 1;
        }
    }

    /// Path tokens ending in `.md`, and the `§` list after each.
    fn check_paths(
        &mut self,
        file: &str,
        n: usize,
        chars: &[char],
        forbidden: &[String],
        attached: &mut BTreeSet<usize>,
    ) {
        let mut i = 0;
        while i < chars.len() {
            if !path_char(chars[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && path_char(chars[i]) {
                i += 1;
            }
            let end = i;
            let token: String = chars[start..end].iter().collect();
            let token = token.trim_end_matches('.');
            let stem = token.rsplit('/').next().unwrap_or("").strip_suffix(".md");
            // `docs/<name>.md`, `{stem}.md`, `$DIR/x.md`: a pattern, not a reference.
            let templated =
                start > 0 && matches!(chars[start - 1], '<' | '>' | '{' | '}' | '$' | '*' | '%');
            if stem.is_none_or(|s| s.is_empty()) || templated || token.starts_with("//") {
                continue;
            }
            if forbidden.iter().any(|bad| token.contains(bad.as_str())) {
                continue; // already reported
            }
            self.counts.paths += 1;
            let doc = match self.resolve(file, token) {
                Ok(doc) => doc,
                Err(problem) => {
                    self.report(file, n, token, problem);
                    continue;
                }
            };
            let sections = section_list(chars, end);
            attached.extend(sections.iter().map(|(_, at)| *at));
            if !sections.is_empty() {
                self.check_sections(file, n, &doc, &sections);
            }
        }
    }
}

/// Every text file the check reads, relative to the root.
fn scanned_files() -> Vec<PathBuf> {
    let mut files = files_under("", EXTENSIONS);
    if let Ok(entries) = std::fs::read_dir(repo_root().join(CI_DIR)) {
        for entry in entries.flatten() {
            if entry.path().is_file() {
                files.push(Path::new(CI_DIR).join(entry.file_name()));
            }
        }
    }
    files.sort();
    files.dedup();
    files
}

fn findings_text(findings: &[Finding]) -> String {
    findings.iter().map(|f| format!("  {f}\n")).collect()
}

#[test]
fn every_doc_reference_in_the_repository_resolves() {
    let repo = Disk {
        root: repo_root(),
        texts: RefCell::default(),
    };
    let mut checker = Checker::new(&repo);
    let files = scanned_files();
    for file in &files {
        let name = file.to_string_lossy().replace('\\', "/");
        checker.check_file(&name, &read(file));
    }
    let counts = checker.counts;
    println!(
        "doc references: {} files, {} document paths, {} § references, {} markdown links",
        files.len(),
        counts.paths,
        counts.sections,
        counts.links
    );
    assert!(
        checker.findings.is_empty(),
        "{} bad document reference(s):\n{}",
        checker.findings.len(),
        findings_text(&checker.findings)
    );
    // The code cites the design by section; a scanner that finds none is broken.
    assert!(
        counts.paths >= 20 && counts.sections >= 20 && counts.links >= 5,
        "the scan found too few references to be working: {counts:?}"
    );
}

/// An in-memory repository for the checker's own tests.
struct Fake(BTreeMap<String, String>);

impl Repo for Fake {
    fn exists(&self, path: &str) -> bool {
        self.0.contains_key(path) || self.0.keys().any(|k| k.starts_with(&format!("{path}/")))
    }

    fn text(&self, path: &str) -> Option<String> {
        self.0.get(path).cloned()
    }
}

/// `<stem>.md`, spelled so this file's own scan does not take it for a reference.
fn md(stem: &str) -> String {
    format!("{stem}.md")
}

fn fake() -> Fake {
    let design = "# Design\n\n## 1. One\n\n## 2. Two\n\n```\n## 9. In a code block\n```\n";
    let room = "# Room\n\n## Threat model\n\n### Known gaps, being fixed\n";
    Fake(BTreeMap::from([
        (md("docs/design"), design.to_owned()),
        (md("docs/room"), room.to_owned()),
        (md("README"), "# Brook\n".to_owned()),
        ("cli/src/main.rs".to_owned(), String::new()),
    ]))
}

fn check(file: &str, text: &str) -> Vec<Finding> {
    let repo = fake();
    let mut checker = Checker::new(&repo);
    checker.check_file(file, text);
    checker.findings
}

fn references(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.reference.as_str()).collect()
}

#[test]
fn catches_a_dangling_path_and_a_bad_section() {
    let design = md("docs/design");
    let text = format!(
        "// fine: {design} §2\n// dangling: see {} for more.\n// bad section: ({design} §{}, 300 KB)\n",
        md("docs/nope"),
        9
    );
    let findings = check("cli/src/main.rs", &text);
    assert_eq!(
        references(&findings),
        [md("docs/nope"), format!("{design} §9")],
        "{}",
        findings_text(&findings)
    );
    assert_eq!(
        (findings[0].file.as_str(), findings[0].line),
        ("cli/src/main.rs", 2)
    );
    assert_eq!(findings[1].line, 3);
    assert!(
        findings[1].problem.contains("no heading `## 9.`"),
        "{}",
        findings[1]
    );
    // The failure message names file, line and reference.
    assert_eq!(
        findings[0].to_string(),
        format!(
            "cli/src/main.rs:2: `{}`: no such file in the repository",
            md("docs/nope")
        )
    );
}

#[test]
fn checks_every_section_of_a_list() {
    let design = md("docs/design");
    let ok = check(
        "cli/src/main.rs",
        &format!("x ({design} §1, §2) and {design} §1 and §2\n"),
    );
    assert!(ok.is_empty(), "{}", findings_text(&ok));
    let bad = check(
        "cli/src/main.rs",
        &format!("x ({design} §1, §{}–§{})\n", 3, 4),
    );
    assert_eq!(
        references(&bad),
        [format!("{design} §3"), format!("{design} §4")]
    );
}

#[test]
fn catches_references_outside_the_repository() {
    let text = format!(
        "a ../{s}/docs/x\nb {}\nc {} §4\nd {}\n",
        md("RUNTIME"),
        "DESIGN",
        md("UI-BUILD"),
        s = "shared"
    );
    let findings = check("cli/src/main.rs", &text);
    let lines: Vec<usize> = findings.iter().map(|f| f.line).collect();
    assert_eq!(lines, [1, 1, 2, 3, 4], "{}", findings_text(&findings));
    assert!(findings
        .iter()
        .all(|f| f.problem == "refers outside the repository"));
}

#[test]
fn checks_markdown_links_and_anchors() {
    let text = format!(
        "[room]({r}#threat-model) [gaps]({r}#known-gaps-being-fixed) [up](../{readme})\n\
         [gone]({gone}) [anchor]({r}#no-such-heading) [self](#design-notes)\n\
         [design]({d}) §2 and [design]({d}) §{bad}\n\
         [web](https://example.org/{gone}) `{gone_code}`\n\
         ```\n[in a code block]({gone})\n```\n\
         ## Design notes\n",
        r = md("room"),
        d = md("design"),
        readme = md("README"),
        gone = md("gone"),
        gone_code = md("docs/gone"),
        bad = 7,
    );
    let findings = check(&md("docs/notes"), &text);
    assert_eq!(
        references(&findings),
        [
            md("gone"),
            format!("{}#no-such-heading", md("room")),
            format!("{} §7", md("docs/design")),
            md("docs/gone"),
        ],
        "{}",
        findings_text(&findings)
    );
    assert_eq!(
        findings.iter().map(|f| f.line).collect::<Vec<_>>(),
        [2, 2, 3, 4]
    );
}

#[test]
fn bare_sections_of_a_numbered_document_name_its_own_headings() {
    let text = "## 1. One\n\nSee §1 and §3.\n\n## 2. Two\n";
    let findings = check(&md("docs/design"), text);
    assert_eq!(
        references(&findings),
        ["§3"],
        "{}",
        findings_text(&findings)
    );
}

#[test]
fn slugs_follow_github() {
    assert_eq!(slug("3. Cryptography"), "3-cryptography");
    assert_eq!(slug("Known gaps, being fixed"), "known-gaps-being-fixed");
    assert_eq!(slug("Brook — design"), "brook--design");
    assert_eq!(
        slug("`docs/` and Merge-law conformance"),
        "docs-and-merge-law-conformance"
    );
    let h = headings("# A\n## A\n## 12. Performance\n```\n## 13. Not a heading\n```\n");
    assert!(h.anchors.contains("a") && h.anchors.contains("a-1"));
    assert_eq!(h.numbered.into_iter().collect::<Vec<_>>(), ["12"]);
}
