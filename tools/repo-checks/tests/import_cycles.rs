//! No module import cycles in the crates whose layering matters: `common/src`,
//! `delegates/chat-delegate/src` and (once it exists) `client/src`.
//!
//! A module is a file (`a.rs` or `a/mod.rs` is `a`, `a/b.rs` is `a::b`, `lib.rs` is the
//! crate root). Module `m` depends on `n` when m's code outside `#[cfg(test)]` names a
//! path `crate::…` (or `super::…`) whose longest prefix that is a module is `n`. `mod`
//! declarations are not dependencies; `pub use` re-exports are.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use brook_repo_checks::{files_under, read};

/// Crate source folders checked, and whether each must exist today.
const CRATES: [(&str, bool); 3] = [
    ("common/src", true),
    ("delegates/chat-delegate/src", true),
    ("client/src", false),
];

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The module path of `file`, relative to its crate's `src` folder.
fn module_of(file: &Path) -> String {
    let parts: Vec<String> = file
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    let parts: Vec<&str> = match parts.last().map(String::as_str) {
        Some("lib") | Some("main") if parts.len() == 1 => return "crate".into(),
        Some("mod") => parts[..parts.len() - 1]
            .iter()
            .map(String::as_str)
            .collect(),
        _ => parts.iter().map(String::as_str).collect(),
    };
    parts.join("::")
}

/// The code of a file without its `#[cfg(test)]` items (a test module may import
/// anything), comments and string literals.
fn shipped_code(text: &str) -> String {
    let mut out = String::new();
    let mut skip_depth: Option<i32> = None;
    let mut depth = 0i32;
    let mut pending_test_attr = false;
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let trimmed = code.trim();
        if skip_depth.is_none() && trimmed.starts_with("#[cfg(test)]") {
            pending_test_attr = true;
            continue;
        }
        if pending_test_attr && trimmed.starts_with("#[") {
            continue; // further attributes of the skipped item
        }
        if pending_test_attr && !trimmed.is_empty() {
            pending_test_attr = false;
            if code.contains('{') || !code.trim_end().ends_with(';') {
                skip_depth = Some(depth);
            } else {
                continue; // a one-line item (`mod tests;`, `use …;`)
            }
        }
        for c in code.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
        }
        match skip_depth {
            Some(start) if depth <= start && code.contains('}') => skip_depth = None,
            Some(_) => {}
            None => {
                out.push_str(code);
                out.push('\n');
            }
        }
    }
    out
}

/// Every path named from `crate::` or `super::` in `code`, as segments, with grouped
/// imports (`crate::a::{b, c::d}`) expanded. `module` resolves `super`.
fn named_paths(code: &str, module: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let text: String = chars.iter().collect();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(pos) = text[from..].find(start) {
            let at = from + pos;
            from = at + start.len();
            let before = text[..at].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue; // `$crate::`, `foo_crate::`, `a::super::`
            }
            let base: Vec<String> = if start == "crate::" {
                vec![]
            } else {
                let mut parent: Vec<String> = if module == "crate" {
                    vec![]
                } else {
                    module.split("::").map(String::from).collect()
                };
                parent.pop();
                parent
            };
            for tail in expand(&text[from..]) {
                let mut path = base.clone();
                path.extend(tail);
                out.push(path);
            }
        }
    }
    out
}

/// The paths at the start of `rest` (after `crate::`): `a::b::c` or `a::{b, c::d}`.
fn expand(rest: &str) -> Vec<Vec<String>> {
    let mut segments = Vec::new();
    let mut chars = rest.char_indices().peekable();
    let mut current = String::new();
    while let Some((i, c)) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            current.push(c);
        } else if c == ':' && chars.peek().map(|(_, c)| *c) == Some(':') {
            chars.next();
            segments.push(std::mem::take(&mut current));
        } else if c == '{' && current.is_empty() {
            let inner = group(&rest[i + 1..]);
            let mut out = Vec::new();
            for item in split_top_level(inner) {
                for tail in expand(item.trim()) {
                    let mut path = segments.clone();
                    path.extend(tail);
                    out.push(path);
                }
            }
            return out;
        } else {
            break;
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    vec![segments]
}

/// The text up to the brace closing a group that starts just before `rest`.
fn group(rest: &str) -> &str {
    let mut depth = 1;
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &rest[..i];
                }
            }
            _ => {}
        }
    }
    rest
}

fn split_top_level(inner: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
}

/// The module a path resolves to: its longest prefix that is a module.
fn resolve(path: &[String], modules: &BTreeSet<String>) -> String {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| modules.contains(m))
        .unwrap_or_else(|| "crate".into())
}

/// The dependency graph of a crate given `(module, source text)` pairs.
fn graph(sources: &[(String, String)]) -> Graph {
    let modules: BTreeSet<String> = sources.iter().map(|(m, _)| m.clone()).collect();
    let mut graph = Graph::new();
    for (module, text) in sources {
        let deps = graph.entry(module.clone()).or_default();
        for path in named_paths(&shipped_code(text), module) {
            let target = resolve(&path, &modules);
            if target != *module {
                deps.insert(target);
            }
        }
    }
    graph
}

/// One cycle in `graph`, as the modules along it (first repeated at the end), if any.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let from = stack.iter().position(|m| m == node).unwrap_or(0);
                let mut cycle = stack[from..].to_vec();
                cycle.push(node.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.to_string(), Mark::Open);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        marks.insert(node.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut marks, &mut Vec::new()))
}

fn crate_sources(src: &str) -> Vec<(String, String)> {
    files_under(src, &[".rs"])
        .into_iter()
        .map(|file| {
            let relative = file.strip_prefix(src).unwrap_or(&file).to_path_buf();
            (module_of(&relative), read(&file))
        })
        .collect()
}

#[test]
fn no_module_import_cycles() {
    let mut checked = 0;
    for (src, required) in CRATES {
        let sources = crate_sources(src);
        if sources.is_empty() {
            assert!(!required, "{src} has no Rust files");
            continue;
        }
        checked += 1;
        let graph = graph(&sources);
        if let Some(cycle) = find_cycle(&graph) {
            panic!("{src}: module import cycle {}", cycle.join(" -> "));
        }
    }
    assert!(checked >= 2, "the layered crates were not found");
}

#[test]
fn the_checker_sees_imports_and_finds_a_cycle() {
    let sources = vec![
        (
            "crate".to_string(),
            "pub mod a;\npub mod b;\npub mod c;".to_string(),
        ),
        ("a".to_string(), "use crate::b::Thing;\n".to_string()),
        (
            "b".to_string(),
            "use crate::{c::{self, Other}, ids};\nfn f() { super::a::g(); }".to_string(),
        ),
        ("c".to_string(), "pub struct Other;".to_string()),
    ];
    let g = graph(&sources);
    assert_eq!(g["a"], BTreeSet::from(["b".to_string()]));
    // `ids` is no module here: it resolves to the root.
    assert!(g["b"].contains("c") && g["b"].contains("a"), "{:?}", g["b"]);
    let cycle = find_cycle(&g).expect("a -> b -> a is a cycle");
    assert!(cycle.contains(&"a".to_string()) && cycle.contains(&"b".to_string()));
}

#[test]
fn test_modules_and_comments_are_not_dependencies() {
    let sources = vec![
        ("crate".to_string(), String::new()),
        (
            "a".to_string(),
            "// uses crate::b::x in prose only\n#[cfg(test)]\nmod tests {\n    use crate::b::X;\n}\n"
                .to_string(),
        ),
        ("b".to_string(), "use crate::a::Y;\n".to_string()),
    ];
    let g = graph(&sources);
    assert!(g["a"].is_empty(), "{:?}", g["a"]);
    assert_eq!(find_cycle(&g), None);
}

#[test]
fn nested_modules_resolve_to_the_longest_module_prefix() {
    let sources = vec![
        ("crate".to_string(), String::new()),
        (
            "rotation".to_string(),
            "pub mod core;\npub mod pipeline;".to_string(),
        ),
        (
            "rotation::core".to_string(),
            "use crate::store::Kind;".to_string(),
        ),
        (
            "rotation::pipeline".to_string(),
            "use super::core::next;\nuse crate::rotation::core::Action;".to_string(),
        ),
        (
            "store".to_string(),
            "use crate::rotation::pipeline::run;".to_string(),
        ),
    ];
    let g = graph(&sources);
    assert_eq!(
        g["rotation::pipeline"],
        BTreeSet::from(["rotation::core".to_string()])
    );
    let cycle = find_cycle(&g).expect("store -> pipeline -> core -> store");
    assert!(cycle.contains(&"store".to_string()), "{cycle:?}");
}
