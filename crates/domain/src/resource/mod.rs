//! The resource bank ("ressourcerie"): teaching sessions ("séances") written for audiences, each with
//! its materials, reviewed before publication, versioned, rated after use and composed into cycles.
//!
//! This module holds the rules only: what a session's content must be ([`SessionContent::check`]),
//! the review's state machine ([`review`]), which uploads are accepted ([`upload`]), what changed
//! between two versions ([`diff`]), the words a search matches ([`search`]) and a cycle's coverage of
//! competences ([`cycle`]).

pub mod cycle;
pub mod diff;
pub mod review;
pub mod search;
pub mod upload;
mod vocabulary;

pub use vocabulary::{AccessibilityFeature, Competence, Licence, MaterialKind, ResourceAudience};

use crate::free_text::forbidden_number;
use crate::pathway::{Theme, WorkshopLevel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The shortest and longest session, in minutes.
pub const SESSION_MINUTES: std::ops::RangeInclusive<u32> = 15..=480;
/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 150;
/// The longest text field (prerequisites, objectives, conductor), in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// The longest review comment or rating comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;

/// What a session says: the text fields a version keeps (its materials are listed beside it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionContent {
    pub title: String,
    pub audiences: BTreeSet<ResourceAudience>,
    pub level: WorkshopLevel,
    pub duration_minutes: u32,
    pub competences: BTreeSet<Competence>,
    pub themes: BTreeSet<Theme>,
    pub prerequisites: String,
    pub objectives: String,
    /// The step-by-step conductor, one step a line.
    pub conductor: String,
    pub licence: Licence,
    /// Whom an imported session credits (its structure, authors and instance of origin): set by
    /// the import, kept by every edit, never typed in the form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// A field of a session's form, to link an error to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionField {
    Title,
    Audiences,
    Level,
    Duration,
    Competences,
    Themes,
    Prerequisites,
    Objectives,
    Conductor,
    Licence,
}

impl SessionField {
    /// The form field's name.
    pub fn name(self) -> &'static str {
        match self {
            SessionField::Title => "titre",
            SessionField::Audiences => "publics",
            SessionField::Level => "niveau",
            SessionField::Duration => "duree",
            SessionField::Competences => "competences",
            SessionField::Themes => "thematiques",
            SessionField::Prerequisites => "prerequis",
            SessionField::Objectives => "objectifs",
            SessionField::Conductor => "deroule",
            SessionField::Licence => "licence",
        }
    }

    /// The field's label in the form.
    pub fn label(self) -> &'static str {
        match self {
            SessionField::Title => "Titre",
            SessionField::Audiences => "Publics",
            SessionField::Level => "Niveau",
            SessionField::Duration => "Durée",
            SessionField::Competences => "Compétences travaillées",
            SessionField::Themes => "Thématiques",
            SessionField::Prerequisites => "Prérequis",
            SessionField::Objectives => "Objectifs",
            SessionField::Conductor => "Déroulé pas à pas",
            SessionField::Licence => "Licence",
        }
    }
}

/// One error of a session's content, with its French message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub field: SessionField,
    pub message: String,
}

impl ContentError {
    fn new(field: SessionField, message: impl Into<String>) -> ContentError {
        ContentError {
            field,
            message: message.into(),
        }
    }
}

impl SessionContent {
    /// Trims the texts and checks every field; all the errors at once, in the form's order.
    pub fn check(mut self) -> Result<SessionContent, Vec<ContentError>> {
        let mut errors = Vec::new();
        self.title = self.title.trim().to_owned();
        if self.title.is_empty() {
            errors.push(ContentError::new(
                SessionField::Title,
                "Donnez un titre à la séance.",
            ));
        }
        check_length(
            &mut errors,
            SessionField::Title,
            &self.title,
            MAX_TITLE_CHARS,
        );
        if self.audiences.is_empty() {
            errors.push(ContentError::new(
                SessionField::Audiences,
                "Choisissez au moins un public.",
            ));
        }
        if !SESSION_MINUTES.contains(&self.duration_minutes) {
            errors.push(ContentError::new(
                SessionField::Duration,
                format!(
                    "La durée doit être comprise entre {} et {} minutes.",
                    SESSION_MINUTES.start(),
                    SESSION_MINUTES.end()
                ),
            ));
        }
        if self.competences.is_empty() {
            errors.push(ContentError::new(
                SessionField::Competences,
                "Choisissez au moins une compétence travaillée.",
            ));
        }
        for (field, text, required) in [
            (SessionField::Prerequisites, &mut self.prerequisites, false),
            (SessionField::Objectives, &mut self.objectives, true),
            (SessionField::Conductor, &mut self.conductor, true),
        ] {
            *text = normalise_text(text);
            if required && text.is_empty() {
                errors.push(ContentError::new(
                    field,
                    format!("Le champ « {} » est obligatoire.", field.label()),
                ));
            }
            check_length(&mut errors, field, text, MAX_TEXT_CHARS);
        }
        if let Some(origin) = self.origin.take() {
            match check_comment(&origin) {
                Ok(kept) => self.origin = kept,
                Err(message) => errors.push(ContentError::new(
                    SessionField::Title,
                    format!("Le crédit de la séance d'origine est refusé : {message}"),
                )),
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    /// The conductor's steps, one a line, without empty lines.
    pub fn steps(&self) -> Vec<&str> {
        lines(&self.conductor)
    }

    /// The objectives, one a line.
    pub fn objective_lines(&self) -> Vec<&str> {
        lines(&self.objectives)
    }
}

fn lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
}

/// Line endings as `\n`, trailing spaces and the text's leading and trailing blank lines removed.
fn normalise_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// Refuses a text too long or holding a number the platform never keeps (no personal data in a
/// resource meant for everyone).
fn check_length(errors: &mut Vec<ContentError>, field: SessionField, text: &str, max: usize) {
    let length = text.chars().count();
    if length > max {
        errors.push(ContentError::new(
            field,
            format!(
                "Le champ « {} » doit faire au plus {max} caractères ({length} saisis).",
                field.label()
            ),
        ));
    } else if forbidden_number(text).is_some() {
        errors.push(ContentError::new(
            field,
            format!(
                "Le champ « {} » semble contenir un numéro personnel (sécurité sociale, IBAN, carte bancaire) : une ressource partagée ne doit contenir aucune donnée personnelle.",
                field.label()
            ),
        ));
    }
}

/// Checks a free comment (review, rating, report): trimmed, at most [`MAX_COMMENT_CHARS`], with no
/// personal number. `None` when empty.
pub fn check_comment(text: &str) -> Result<Option<String>, String> {
    let text = normalise_text(text);
    if text.is_empty() {
        return Ok(None);
    }
    let length = text.chars().count();
    if length > MAX_COMMENT_CHARS {
        return Err(format!(
            "Le commentaire doit faire au plus {MAX_COMMENT_CHARS} caractères ({length} saisis)."
        ));
    }
    if forbidden_number(&text).is_some() {
        return Err("Le commentaire semble contenir un numéro personnel (sécurité sociale, IBAN, carte bancaire) : retirez-le.".to_owned());
    }
    Ok(Some(text))
}

/// A material as a version lists it: what it is, its title, and the file or link it points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialEntry {
    pub kind: MaterialKind,
    pub title: String,
    pub licence: Licence,
    pub accessibility: BTreeSet<AccessibilityFeature>,
    /// The file's SHA-256 (hex) when it is a file, `None` for a link.
    pub sha256: Option<String>,
    pub file_name: Option<String>,
    pub url: Option<String>,
}

impl MaterialEntry {
    /// How two versions' material lists are compared: kind, title and content.
    pub fn identity(&self) -> (MaterialKind, &str, Option<&str>, Option<&str>) {
        (
            self.kind,
            self.title.as_str(),
            self.sha256.as_deref(),
            self.url.as_deref(),
        )
    }
}

/// Checks a material link: an `https://` (or `http://`) address of at most 2 000 characters.
pub fn check_link(url: &str) -> Result<String, String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.len() < 12 {
        return Err("Le lien doit être une adresse web complète, commençant par https://.".into());
    }
    if url.len() > 2_000 || url.chars().any(char::is_whitespace) {
        return Err("Le lien ne doit pas contenir d'espace ni dépasser 2 000 caractères.".into());
    }
    Ok(url.to_owned())
}

/// Checks a material's title: 1 to 150 characters.
pub fn check_material_title(title: &str) -> Result<String, String> {
    let title = title.trim();
    if title.is_empty() {
        return Err("Donnez un titre au support.".into());
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(format!(
            "Le titre du support doit faire au plus {MAX_TITLE_CHARS} caractères."
        ));
    }
    Ok(title.to_owned())
}

/// A rating after use: 1 (did not work) to 4 (worked very well).
pub const RATINGS: std::ops::RangeInclusive<u8> = 1..=4;

/// The words of a rating.
pub fn rating_label(rating: u8) -> &'static str {
    match rating {
        1 => "N'a pas fonctionné",
        2 => "A peu fonctionné",
        3 => "A bien fonctionné",
        _ => "A très bien fonctionné",
    }
}
