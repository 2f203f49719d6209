//! The words a search matches, the same on both backends: text in lower case with French accents
//! folded (« mél » and « mel » meet), and, for SQLite's FTS5 index, each word reduced to its French
//! stem by the Snowball stemmer (« smartphones » and « smartphone » meet). PostgreSQL stems the folded
//! text itself with its `french` configuration.

use rust_stemmers::{Algorithm, Stemmer};

/// Lower case, French accents and ligatures folded, every other character than a letter or digit a
/// space.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'œ' => folded.push_str("oe"),
            'æ' => folded.push_str("ae"),
            c if c.is_alphanumeric() => folded.push(crate::person::fold_accent(c)),
            _ => folded.push(' '),
        }
    }
    folded
}

/// The folded words of a text, each reduced to its French stem.
pub fn stems(text: &str) -> Vec<String> {
    let stemmer = Stemmer::create(Algorithm::French);
    fold(text)
        .split_whitespace()
        .map(|word| stemmer.stem(word).into_owned())
        .collect()
}

/// The text an index keeps for a document: its stems, space-separated.
pub fn indexed_text(text: &str) -> String {
    stems(text).join(" ")
}

/// An FTS5 query matching documents holding every stem of the search (each quoted, so no word of
/// the search is read as an FTS5 operator); `None` when the search has no word.
pub fn fts5_query(search: &str) -> Option<String> {
    let stems = stems(search);
    if stems.is_empty() {
        return None;
    }
    Some(
        stems
            .iter()
            .map(|stem| format!("\"{}\"*", stem.replace('"', "")))
            .collect::<Vec<_>>()
            .join(" AND "),
    )
}
