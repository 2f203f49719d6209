//! The review before publication: a session's working copy goes draft → submitted → under review →
//! published, or is sent back with comments; the author edits, a référent (a mediator the
//! coordinator designated) reviews, never their own session, and publishes only with every point of
//! the checklist checked.

use serde::{Deserialize, Serialize};

labelled_enum! {
    /// Where a session's working copy stands.
    ReviewState {
        Draft = "draft" => "Brouillon",
        Submitted = "submitted" => "Soumise à relecture",
        UnderReview = "under_review" => "En relecture",
        Returned = "returned" => "Renvoyée à l'auteur",
        Published = "published" => "Publiée",
    }
}

labelled_enum! {
    /// The points a référent checks before publishing.
    ChecklistItem {
        Accuracy = "exactitude" => "Le contenu est exact et à jour",
        Accessibility = "accessibilite" => "Les supports sont accessibles au public visé",
        Licence = "licence" => "La licence est indiquée et permet le partage",
        NoPersonalData = "sans_donnees_personnelles" => "Aucune donnée personnelle (nom, photo, numéro…) n'y figure",
        WorksOffline = "hors_ligne" => "La séance peut se dérouler sans connexion ou avec une connexion faible",
    }
}

/// What someone does to a session's working copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewAction {
    /// The author changes the text or the materials.
    Edit,
    /// The author asks for a review.
    Submit,
    /// A référent takes the review.
    StartReview,
    /// A référent publishes (every checklist point checked).
    Publish,
    /// A référent sends the session back with comments.
    SendBack,
}

/// Who acts, as the review sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reviewer {
    pub is_author: bool,
    pub is_referent: bool,
}

/// Why an action is refused, in French.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("Seuls les auteurs de la séance peuvent la modifier ou la soumettre.")]
    NotAuthor,
    #[error("Seuls les référents désignés par la coordination peuvent relire une séance.")]
    NotReferent,
    #[error("Vous êtes auteur de cette séance : un autre référent doit la relire.")]
    OwnSession,
    #[error("Cette action n'est pas possible : la séance est « {} ».", .0.label())]
    WrongState(ReviewState),
    #[error("Cochez tous les points de la grille de relecture avant de publier.")]
    ChecklistIncomplete,
    #[error("Expliquez à l'auteur ce qu'il faut reprendre.")]
    CommentRequired,
    #[error("Ajoutez au moins un support (mémo, conducteur…) avant de soumettre la séance.")]
    NoMaterial,
}

impl ReviewState {
    /// The state after `action`, or why it is refused.
    pub fn after(self, action: ReviewAction, who: Reviewer) -> Result<ReviewState, ReviewError> {
        use ReviewAction::*;
        use ReviewState::*;
        match action {
            Edit | Submit if !who.is_author => Err(ReviewError::NotAuthor),
            StartReview | Publish | SendBack if !who.is_referent => Err(ReviewError::NotReferent),
            StartReview | Publish | SendBack if who.is_author => Err(ReviewError::OwnSession),
            Edit => match self {
                Draft | Returned | Published => Ok(Draft),
                other => Err(ReviewError::WrongState(other)),
            },
            Submit => match self {
                Draft | Returned => Ok(Submitted),
                other => Err(ReviewError::WrongState(other)),
            },
            StartReview => match self {
                Submitted => Ok(UnderReview),
                other => Err(ReviewError::WrongState(other)),
            },
            Publish => match self {
                UnderReview => Ok(Published),
                other => Err(ReviewError::WrongState(other)),
            },
            SendBack => match self {
                Submitted | UnderReview => Ok(Returned),
                other => Err(ReviewError::WrongState(other)),
            },
        }
    }

    /// Whether the author may change the working copy now.
    pub fn editable(self) -> bool {
        matches!(
            self,
            ReviewState::Draft | ReviewState::Returned | ReviewState::Published
        )
    }
}

/// A review's decision as recorded: the checklist and the comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDecision {
    pub publish: bool,
    pub checked: Vec<ChecklistItem>,
    pub comment: Option<String>,
}

impl ReviewDecision {
    /// Checks a decision: publishing needs every point checked; sending back needs a comment.
    pub fn check(&self) -> Result<(), ReviewError> {
        if self.publish {
            let all = ChecklistItem::ALL
                .iter()
                .all(|item| self.checked.contains(item));
            if !all {
                return Err(ReviewError::ChecklistIncomplete);
            }
        } else if self.comment.is_none() {
            return Err(ReviewError::CommentRequired);
        }
        Ok(())
    }
}
