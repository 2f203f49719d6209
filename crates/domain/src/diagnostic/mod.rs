//! The 360° diagnostic: the questionnaire's answers, the profile computed from them (autonomy,
//! typology, help, services, requirements, each explained), the professional's override, and the
//! progress between two diagnostics. The rules are documented in docs/diagnostic.md.

pub mod answers;
pub mod profile;
pub mod public;

pub use answers::*;
pub use profile::*;
pub use public::{PublicOverride, PublicProfile};

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
    /// Too long, or holding a number never to be written.
    #[error("{0}")]
    Reason(#[from] crate::free_text::FreeTextError),
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
    let reason =
        crate::free_text::check_free_text(crate::free_text::FreeTextField::OverrideReason, reason)?
            .unwrap_or_default();
    Ok(ProfileOverride {
        typology,
        help,
        reason,
    })
}
