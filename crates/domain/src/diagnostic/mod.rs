//! The 360° diagnostic: the questionnaire's answers, the profile computed from them (autonomy,
//! typology, help, services, requirements, each explained), the professional's override, and the
//! progress between two diagnostics. The rules are documented in docs/diagnostic.md.

pub mod answers;
pub mod profile;

pub use answers::*;
pub use profile::*;

/// Longest override reason accepted.
pub const MAX_OVERRIDE_REASON_CHARS: usize = 500;

/// The professional's decision to set another typology or help than the computed ones: orientation
/// stays a human decision, and the reason is recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProfileOverride {
    pub typology: Option<Typology>,
    pub help: Option<RecommendedHelp>,
    pub reason: String,
}

/// Why an override was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    #[error("Choisissez une autre typologie ou une autre aide que celles calculées.")]
    NothingChanged,
    #[error("Expliquez en quelques mots pourquoi vous ajustez le profil.")]
    ReasonMissing,
    #[error("La raison doit faire au plus {MAX_OVERRIDE_REASON_CHARS} caractères.")]
    ReasonTooLong,
}

/// Checks an override against the computed profile: it must change something and say why.
pub fn check_override(
    computed: &Profile,
    typology: Option<Typology>,
    help: Option<RecommendedHelp>,
    reason: &str,
) -> Result<ProfileOverride, OverrideError> {
    let typology = typology.filter(|t| *t != computed.typology);
    let help = help.filter(|h| *h != computed.first_help());
    if typology.is_none() && help.is_none() {
        return Err(OverrideError::NothingChanged);
    }
    let reason = reason.trim();
    if reason.chars().count() < 3 {
        return Err(OverrideError::ReasonMissing);
    }
    if reason.chars().count() > MAX_OVERRIDE_REASON_CHARS {
        return Err(OverrideError::ReasonTooLong);
    }
    Ok(ProfileOverride {
        typology,
        help,
        reason: reason.to_owned(),
    })
}
