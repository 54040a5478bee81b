//! The layout's promises, checked: no module (source file) imports another
//! that imports it back, however indirectly; the JSON API holds no queries;
//! rules are pure; every stored enum is sent as it is stored; and every
//! staff page names the staff roles it admits.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every source file under `src/`, as a module path (`registrations::ops`).
fn modules() -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                walk(&path, &format!("{prefix}{name}::"), out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let module = match name.as_str() {
                    "mod" => prefix.trim_end_matches("::").to_owned(),
                    "lib" | "main" if prefix.is_empty() => "crate".to_owned(),
                    _ => format!("{prefix}{name}"),
                };
                out.insert(module, path);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        "",
        &mut out,
    );
    out
}

/// Source without `#[cfg(test)]` modules (tests may reach anywhere).
fn production_source(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The modules a file refers to: every `crate::a::b…` and `super::…` path,
/// resolved to the deepest module that exists.
fn imports(module: &str, source: &str, known: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    // `super` names the module's parent: `a` for `a/b.rs` (`a::b`), the
    // crate for `a/mod.rs` (`a`).
    let mut parent: Vec<&str> = module.split("::").collect();
    parent.pop();
    let mut out = BTreeSet::new();
    let words: Vec<&str> = source
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '$'))
        .filter(|w| w.contains("::"))
        .collect();
    for word in words {
        let segments: Vec<&str> = word.split("::").filter(|s| !s.is_empty()).collect();
        let (base, rest): (Vec<&str>, &[&str]) = match segments.first() {
            Some(&"crate") | Some(&"$crate") => (vec![], &segments[1..]),
            Some(&"super") => (parent.clone(), &segments[1..]),
            _ => continue,
        };
        let mut path = base.clone();
        let mut found = None;
        for s in rest {
            path.push(s);
            let candidate = path.join("::");
            if known.contains_key(&candidate) {
                found = Some(candidate);
            } else {
                break;
            }
        }
        if let Some(target) = found.or_else(|| (!base.is_empty()).then(|| base.join("::"))) {
            if target != module && known.contains_key(&target) {
                out.insert(target);
            }
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let known = modules();
    known
        .iter()
        .map(|(m, path)| (m.clone(), imports(m, &production_source(path), &known)))
        .collect()
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = graph();
    // Depth-first search for a back edge, reporting the cycle found.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|s| s == m) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(m.to_owned());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.to_owned());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(m.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        if let Some(cycle) = visit(m, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_api_holds_no_queries_and_rules_are_pure() {
    for (module, path) in modules() {
        let source = production_source(&path);
        if module.starts_with("api::") || module == "api" {
            for forbidden in ["diesel::", "db::schema", "::store::", "DbConnection"] {
                assert!(
                    !source.contains(forbidden),
                    "{module} uses {forbidden}: handlers call operations, not queries"
                );
            }
        }
        if module.ends_with("::rules") || module == "values" || module == "values::money" {
            for forbidden in [
                "DbConnection",
                "::store",
                "::ops",
                "diesel::prelude",
                "state::",
            ] {
                assert!(
                    !source.contains(forbidden),
                    "{module} uses {forbidden}: rules are pure"
                );
            }
        }
    }
}

#[test]
fn every_stored_enum_is_sent_as_it_is_stored() {
    fn texts_match<T: serde::Serialize + std::fmt::Display>(all: &[T]) {
        for v in all {
            assert_eq!(
                serde_json::to_value(v).unwrap(),
                serde_json::Value::String(v.to_string())
            );
        }
    }
    use plenary::registrations::rules as r;
    use plenary::submissions::rules as s;
    texts_match(plenary::accounts::UserRole::ALL);
    texts_match(plenary::audit::AuditAction::ALL);
    texts_match(plenary::ops::role::StaffRole::ALL);
    texts_match(plenary::deadlines::rules::DeadlineKey::ALL);
    texts_match(plenary::organisations::OrganisationKind::ALL);
    texts_match(r::PaymentMethod::ALL);
    texts_match(r::PaymentChannel::ALL);
    texts_match(r::PaymentStatus::ALL);
    texts_match(r::DelegateStatus::ALL);
    texts_match(s::SubmissionKind::ALL);
    texts_match(s::SubmissionStatus::ALL);
    texts_match(s::NomineeKind::ALL);
    texts_match(s::Timeliness::ALL);
}

/// The staff extractors (`Staff<R>`, `Caller<R>`, `StaffUser<R>`,
/// `Uploaded<R>`) cannot be named without the roles they admit; a staff
/// page must not fall back on the bare session (`SignedIn`), which admits
/// any staff member whatever their roles.
#[test]
fn every_staff_page_names_its_roles() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/pages/staff");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let source = production_source(&path);
        let words: Vec<&str> = source.split_whitespace().collect();
        for pair in words.windows(2) {
            assert!(
                !(pair[0].ends_with(':')
                    && (pair[1].starts_with("SignedIn,") || pair[1].starts_with("SignedIn)"))),
                "{} takes the bare session ({} {}): name the roles with StaffUser<role::…>",
                path.display(),
                pair[0],
                pair[1]
            );
        }
    }
}

/// Diesel orders and records migrations by the version before the first
/// `_`: two with the same version would leave one unapplied. Both backends
/// have the same migrations, by name.
#[test]
fn migrations_have_distinct_versions_and_match_across_backends() {
    let names = |backend: &str| -> BTreeSet<String> {
        std::fs::read_dir(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(backend),
        )
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
    };
    let (sqlite, postgres) = (names("sqlite"), names("postgres"));
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres differ"
    );
    let mut versions = BTreeMap::new();
    for name in &sqlite {
        let version = name.split('_').next().unwrap().replace('-', "");
        if let Some(other) = versions.insert(version.clone(), name.clone()) {
            panic!("{other} and {name} share the version {version}");
        }
    }
}
