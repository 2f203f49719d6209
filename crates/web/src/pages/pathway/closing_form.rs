//! The closing form: the outcome, where the person was sent, and (for the receiving structure
//! closing a pathway) what the person gained; its reading into the domain's `Closing` with a French
//! message on each field in error.

use super::{coded, codes, is_checked, options, Opt};
use crate::pages::form_fields::{text, Errors, Fields};
use aiguillage_domain::free_text::{check_free_text, FreeTextField};
use aiguillage_domain::ids::ReferralId;
use aiguillage_domain::orientation::ClosingOutcome;
use aiguillage_domain::pathway::{
    Closing, ClosingError, Gains, MoneyBracket, RedirectStructure, RightKind, SentElsewhere,
};
use aiguillage_service::pathway::ClosingStep;
use aiguillage_store::ReferralRecord;

/// The value of the money bracket « none or not known ».
const NO_MONEY: &str = "aucun";

/// The closing form, blank or as submitted. With `with_gains` (the receiving structure closing a
/// pathway) it also asks what the person gained.
pub struct ClosingForm {
    pub action: String,
    pub version: i64,
    pub with_gains: bool,
    pub values: Fields,
    pub errors: Errors,
    pub outcomes: Vec<Opt>,
    pub structures: Vec<Opt>,
    pub rights: Vec<Opt>,
    pub brackets: Vec<Opt>,
}

impl ClosingForm {
    pub(super) fn new(
        referral: &ReferralRecord,
        with_gains: bool,
        values: Fields,
        errors: Errors,
    ) -> ClosingForm {
        let mut brackets = options(MoneyBracket::ALL, MoneyBracket::code, MoneyBracket::label);
        brackets.insert(
            0,
            Opt {
                value: NO_MONEY,
                label: "Aucun ou non connu",
            },
        );
        ClosingForm {
            action: format!("/orientations/{}/cloture", referral.id),
            version: referral.version,
            with_gains,
            values,
            errors,
            outcomes: options(
                ClosingOutcome::ALL,
                ClosingOutcome::label,
                ClosingOutcome::label,
            ),
            structures: options(
                RedirectStructure::ALL,
                RedirectStructure::cra_code,
                RedirectStructure::label,
            ),
            rights: options(RightKind::ALL, RightKind::code, RightKind::label),
            brackets,
        }
    }

    pub(super) fn blank(referral: &ReferralRecord, with_gains: bool) -> ClosingForm {
        let mut values = Fields::new();
        values.insert("gain".to_owned(), vec![NO_MONEY.to_owned()]);
        ClosingForm::new(referral, with_gains, values, Errors::new())
    }

    pub fn value(&self, name: &str) -> String {
        text(&self.values, name)
    }

    pub fn checked(&self, name: &str, value: &str) -> bool {
        is_checked(&self.values, name, value)
    }
}

/// The field a broken closing rule belongs to.
pub(super) fn closing_field(error: &ClosingError) -> &'static str {
    match error {
        ClosingError::MissingSentElsewhere | ClosingError::SentElsewhereWithoutThatOutcome => {
            "structure_type"
        }
        ClosingError::Name(_) => "structure_nom",
    }
}

/// A submitted closing form for a referral; `with_gains` when it asks what the person gained
/// (`service::pathway::closing_asks_gains`).
pub(crate) struct SubmittedClosing<'a> {
    pub referral: ReferralId,
    pub values: &'a Fields,
    pub with_gains: bool,
}

impl TryFrom<SubmittedClosing<'_>> for ClosingStep {
    type Error = Errors;

    fn try_from(form: SubmittedClosing<'_>) -> Result<Self, Errors> {
        let (closing, comment) = read_closing(form.values, form.with_gains)?;
        Ok(ClosingStep {
            referral: form.referral,
            // A page always sends the version it showed; without it the closing cannot be checked.
            seen_version: text(form.values, "version").parse().unwrap_or(-1),
            closing,
            comment,
        })
    }
}

/// Reads the closing form: the closing and its comment when every field is right.
pub(super) fn read_closing(values: &Fields, with_gains: bool) -> Result<(Closing, String), Errors> {
    let mut errors = Errors::new();
    let outcome = ClosingOutcome::from_label(&text(values, "issue"));
    if outcome.is_none() {
        errors.insert(
            "issue",
            "Choisissez l'issue de l'accompagnement.".to_owned(),
        );
    }
    let kind = coded(
        values,
        "structure_type",
        RedirectStructure::from_cra_code,
        &mut errors,
    );
    let name = text(values, "structure_nom");
    let gains = if with_gains {
        let money = match text(values, "gain").as_str() {
            "" | NO_MONEY => None,
            code => MoneyBracket::from_code(code).or_else(|| {
                errors.insert("gain", format!("Valeur « {code} » inconnue."));
                None
            }),
        };
        Gains {
            rights: codes(
                values,
                "droits",
                "droits",
                RightKind::from_code,
                &mut errors,
            ),
            money,
            job_or_training: text(values, "emploi") == "oui",
        }
    } else {
        Gains::default()
    };
    let comment = text(values, "commentaire");
    if let Err(error) = check_free_text(FreeTextField::ClosingComment, &comment) {
        errors.insert("commentaire", error.to_string());
    }
    let Some(outcome) = outcome else {
        return Err(errors);
    };
    let sent_elsewhere = match kind {
        Some(kind) => Some(SentElsewhere {
            kind,
            name: (!name.is_empty()).then_some(name),
        }),
        None if !name.is_empty() && outcome != ClosingOutcome::SentElsewhere => {
            errors.insert(
                "structure_nom",
                "Le nom de la structure ne se note que pour l'issue « Orientée ailleurs »."
                    .to_owned(),
            );
            None
        }
        None => None,
    };
    let closing = Closing {
        outcome,
        gains,
        sent_elsewhere,
    };
    match closing.checked() {
        Ok(closing) if errors.is_empty() => Ok((closing, comment)),
        Ok(_) => Err(errors),
        Err(error) => {
            errors
                .entry(closing_field(&error))
                .or_insert_with(|| error.to_string());
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::pathway::tests::form;

    #[test]
    fn a_closing_needs_an_outcome_and_a_place_when_sent_elsewhere() {
        let (closing, comment) = read_closing(
            &form(&[
                ("issue", "Autonomie atteinte"),
                ("droits", "prime_activite"),
                ("gain", "50_150"),
                ("emploi", "oui"),
                ("commentaire", "Très motivée."),
            ]),
            true,
        )
        .expect("valid");
        assert_eq!(closing.outcome, ClosingOutcome::Autonomous);
        assert_eq!(closing.gains.money, Some(MoneyBracket::From50To150));
        assert!(closing.gains.job_or_training);
        assert_eq!(comment, "Très motivée.");
        let errors = read_closing(&form(&[("gain", "aucun")]), true).expect_err("no outcome");
        assert_eq!(errors["issue"], "Choisissez l'issue de l'accompagnement.");
        let errors =
            read_closing(&form(&[("issue", "Orientée ailleurs")]), true).expect_err("no place");
        assert_eq!(
            errors["structure_type"],
            "Indiquez vers quel type de structure la personne a été orientée."
        );
        let (closing, _) = read_closing(
            &form(&[
                ("issue", "Abandon"),
                ("droits", "rsa"),
                ("gain", "plus_300"),
            ]),
            false,
        )
        .expect("valid");
        assert_eq!(closing.gains, Gains::default(), "no gains from the sender");
    }
}
