//! The layout's invariants, checked on the source tree itself (as rust-analyzer's tidy test does):
//! every Rust file opens with its module comment; SQL (`sqlx`) lives in `store` alone and HTTP
//! (`axum`) in `web` and `app` alone; the SQLite and PostgreSQL migration folders hold the same
//! file names; a lint is silenced in code only by `#[expect(…, reason = "…")]`, never `#[allow]`;
//! no public function of `store` or `service` takes two bare `i64` record ids (they are typed, see
//! `domain::ids`, so that they cannot be swapped).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The workspace's `crates/` folder.
fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates/")
        .to_path_buf()
}

/// Every file under `dir` whose name ends with `suffix`, skipping build outputs and npm folders.
fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("readable folder") {
            let path = entry.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if !matches!(name, "target" | "node_modules" | "fuzz") {
                    pending.push(path);
                }
            } else if name.ends_with(suffix) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The crate (folder under `crates/`) a file belongs to.
fn crate_of(path: &Path) -> String {
    path.strip_prefix(crates_dir())
        .expect("under crates/")
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .unwrap_or("")
        .to_owned()
}

fn relative(path: &Path) -> String {
    path.strip_prefix(crates_dir())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Whether a Rust source uses the crate `name` (a path or a `use`, not a word in a string).
fn uses_crate(source: &str, name: &str) -> bool {
    source.lines().any(|line| {
        let code = code_of(line);
        code.contains(&format!("{name}::")) && !code.contains(&format!("_{name}::"))
    })
}

/// A line without its string literals' contents (escapes understood) and its `//` comment.
fn code_of(line: &str) -> String {
    let mut code = String::new();
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (true, false, _) => {}
            (false, _, '"') => in_string = true,
            (false, _, '/') if chars.peek() == Some(&'/') => break,
            (false, _, c) => code.push(c),
        }
    }
    code
}

/// Whether a manifest depends on the crate `name`.
fn depends_on(manifest: &str, name: &str) -> bool {
    manifest.lines().any(|line| {
        let line = line.trim_start();
        line.starts_with(&format!("{name} ")) || line.starts_with(&format!("{name}."))
    })
}

#[test]
fn every_rust_file_opens_with_its_module_comment() {
    let missing: Vec<String> = files(&crates_dir(), ".rs")
        .iter()
        .filter(|path| {
            let source = std::fs::read_to_string(path).expect("UTF-8 source");
            !source.trim_start().starts_with("//!")
        })
        .map(|path| relative(path))
        .collect();
    assert!(
        missing.is_empty(),
        "files without a module comment (//! …) at the top: {missing:?}"
    );
}

#[test]
fn sql_lives_in_the_store_and_http_in_the_web_and_the_binary() {
    let rules: [(&str, &[&str]); 2] = [("sqlx", &["store"]), ("axum", &["web", "app"])];
    let mut breaches = Vec::new();
    for (library, homes) in rules {
        for path in files(&crates_dir(), ".rs") {
            let source = std::fs::read_to_string(&path).expect("UTF-8 source");
            if !homes.contains(&crate_of(&path).as_str()) && uses_crate(&source, library) {
                breaches.push(format!("{library} in {}", relative(&path)));
            }
        }
        for path in files(&crates_dir(), "Cargo.toml") {
            let manifest = std::fs::read_to_string(&path).expect("UTF-8 manifest");
            if !homes.contains(&crate_of(&path).as_str()) && depends_on(&manifest, library) {
                breaches.push(format!("{library} in {}", relative(&path)));
            }
        }
    }
    assert!(breaches.is_empty(), "layers crossed: {breaches:?}");
}

#[test]
fn the_binary_uses_the_web_crate_only_to_build_the_router_and_the_services_never_use_it() {
    let mut breaches = Vec::new();
    for path in files(&crates_dir(), ".rs") {
        let source = std::fs::read_to_string(&path).expect("UTF-8 source");
        let home = crate_of(&path);
        for (at, _) in source.match_indices("aiguillage_web::") {
            let rest = &source[at + "aiguillage_web::".len()..];
            let allowed = match home.as_str() {
                "web" => true,
                // The binary builds the router; its tests and benches drive it like a client.
                "app" => rest.starts_with("router") || !relative(&path).contains("/src/"),
                _ => false,
            };
            if !allowed {
                breaches.push(relative(&path));
            }
        }
        if ["domain", "interop", "store", "service"].contains(&home.as_str())
            && uses_crate(&source, "aiguillage_service")
            && home != "service"
        {
            breaches.push(format!("{} (below the services)", relative(&path)));
        }
    }
    breaches.dedup();
    assert!(
        breaches.is_empty(),
        "the application layer is bypassed: {breaches:?}"
    );
}

#[test]
fn the_two_migration_folders_hold_the_same_files() {
    let names = |backend: &str| -> BTreeSet<String> {
        let folder = crates_dir().join("store/migrations").join(backend);
        files(&folder, ".sql")
            .iter()
            .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
            .collect()
    };
    let (sqlite, postgres) = (names("sqlite"), names("postgres"));
    assert!(!sqlite.is_empty(), "migrations found");
    assert_eq!(
        sqlite, postgres,
        "every migration exists for both backends, under the same name"
    );
}

#[test]
fn lints_are_silenced_only_with_a_reasoned_expect() {
    let mut allows = Vec::new();
    for path in files(&crates_dir(), ".rs") {
        let in_sources = path.components().any(|c| c.as_os_str() == "src");
        let source = std::fs::read_to_string(&path).expect("UTF-8 source");
        for (number, line) in source.lines().enumerate() {
            let line = line.trim_start();
            if in_sources && (line.starts_with("#[allow(") || line.starts_with("#![allow(")) {
                allows.push(format!("{}:{}", relative(&path), number + 1));
            }
            if line.starts_with("#[expect(") && !expect_has_reason(&source, number) {
                allows.push(format!("{}:{} (no reason)", relative(&path), number + 1));
            }
        }
    }
    assert!(
        allows.is_empty(),
        "use #[expect(lint, reason = \"…\")] instead: {allows:?}"
    );
}

/// Whether the `#[expect(` attribute starting at line `start` gives a reason before it closes.
fn expect_has_reason(source: &str, start: usize) -> bool {
    source
        .lines()
        .skip(start)
        .take(6)
        .take_while(|line| !line.trim_start().starts_with("fn ") && !line.contains("pub "))
        .any(|line| line.contains("reason ="))
}

/// The public function signatures of a source (from `pub fn`/`pub async fn` to the body's brace).
fn public_signatures(source: &str) -> Vec<String> {
    let mut signatures = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find("pub ") {
        let after = &rest[start..];
        let head = after
            .trim_start_matches("pub ")
            .trim_start_matches("async ");
        let end = after.find(['{', ';']).unwrap_or(after.len());
        if head.starts_with("fn ") {
            signatures.push(
                after[..end]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        rest = &after[end.max(4)..];
    }
    signatures
}

/// How many parameters of a signature are bare `i64` record ids (`id: i64`, `…_id: i64`).
fn bare_ids(signature: &str) -> usize {
    signature
        .split([',', '('])
        .filter_map(|parameter| parameter.trim().split_once(':'))
        .filter(|(name, kind)| {
            let name = name.trim();
            (name == "id" || name.ends_with("_id")) && kind.trim().trim_end_matches(')') == "i64"
        })
        .count()
}

#[test]
fn no_public_use_case_or_store_call_takes_two_bare_record_ids() {
    let mut offenders = Vec::new();
    for krate in ["store", "service"] {
        for path in files(&crates_dir().join(krate).join("src"), ".rs") {
            let source = std::fs::read_to_string(&path).expect("readable source");
            for signature in public_signatures(&source) {
                if bare_ids(&signature) >= 2 {
                    offenders.push(format!("{}: {signature}", relative(&path)));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "take typed ids (domain::ids) instead:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_checks_see_what_they_look_for() {
    let two = "pub async fn f(&self, id: i64, account_id: i64, now: i64) -> X {";
    assert_eq!(public_signatures(two).len(), 1);
    assert_eq!(bare_ids(&public_signatures(two)[0]), 2);
    assert_eq!(bare_ids("pub fn f(id: ReferralId, version: i64)"), 0);
    assert_eq!(bare_ids("pub fn f(structure_id: i64)"), 1);
    assert!(uses_crate("use sqlx::Row;", "sqlx"));
    assert!(uses_crate("    let x = axum::Router::new();", "axum"));
    assert!(!uses_crate(
        "EnvFilter::new(\"info,sqlx::query=warn\")",
        "sqlx"
    ));
    assert!(!uses_crate("use aiguillage_sqlx::Thing;", "sqlx"));
    assert!(depends_on(
        "[dependencies]\nsqlx.workspace = true\n",
        "sqlx"
    ));
    assert!(depends_on("sqlx = { workspace = true }", "sqlx"));
    assert!(!depends_on("aiguillage-store.workspace = true", "sqlx"));
    assert!(expect_has_reason(
        "#[expect(\n    clippy::x,\n    reason = \"why\"\n)]\nfn f() {}",
        0
    ));
    assert!(!expect_has_reason("#[expect(clippy::x)]\nfn f() {}", 0));
}
