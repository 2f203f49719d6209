//! A campaign's terms: what a sponsor funds (face value, what a voucher pays, for whom, when, how
//! much in all), checked field by field from what a form or the command line typed, each refusal a
//! French message tied to its field.

use crate::calendar::{french_date, parse_typed_date};
use crate::directory::vocabulary::HelpKind;
use time::Date;

labelled_enum! {
    /// Who a campaign's vouchers are meant for (the prescriber picks one when handing a voucher).
    TargetAudience {
        Everyone = "everyone" => "Tout public",
        Seniors = "seniors" => "Seniors",
        Youth = "youth" => "Jeunes",
        Families = "families" => "Familles",
        JobSeekers = "job_seekers" => "Demandeurs d'emploi",
        Disability = "disability" => "Personnes en situation de handicap",
        Illiteracy = "illiteracy" => "Personnes en situation d'illettrisme",
        ForeignLanguage = "foreign_language" => "Personnes allophones",
    }
}

/// What one voucher pays at the place that redeems it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payment {
    /// A number of mediation sessions.
    Sessions(u8),
    /// A share of one service, in percent.
    Share(u8),
}

impl Payment {
    /// The stable code stored (`sessions` or `share`) and the amount.
    pub fn parts(self) -> (&'static str, i64) {
        match self {
            Payment::Sessions(n) => ("sessions", i64::from(n)),
            Payment::Share(percent) => ("share", i64::from(percent)),
        }
    }

    /// Rebuilds a payment from its stored parts.
    pub fn from_parts(code: &str, amount: i64) -> Option<Payment> {
        let amount = u8::try_from(amount).ok()?;
        match code {
            "sessions" if (1..=20).contains(&amount) => Some(Payment::Sessions(amount)),
            "share" if (1..=100).contains(&amount) => Some(Payment::Share(amount)),
            _ => None,
        }
    }

    /// What the voucher pays, in French (« 2 séances d'accompagnement »).
    pub fn describe(self) -> String {
        match self {
            Payment::Sessions(1) => "1 séance d'accompagnement".to_owned(),
            Payment::Sessions(n) => format!("{n} séances d'accompagnement"),
            Payment::Share(100) => "la totalité d'une prestation de médiation".to_owned(),
            Payment::Share(percent) => format!("{percent} % d'une prestation de médiation"),
        }
    }
}

/// A campaign's terms, every field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignTerms {
    pub name: String,
    pub face_value_euros: u32,
    pub payment: Payment,
    pub audiences: Vec<TargetAudience>,
    pub help_kinds: Vec<HelpKind>,
    pub valid_from: Date,
    pub valid_until: Date,
    pub budget_euros: u64,
}

/// The fields as typed (a form, the command line).
#[derive(Debug, Clone, Default)]
pub struct CampaignForm {
    pub name: String,
    pub face_value: String,
    pub payment_kind: String,
    pub payment_amount: String,
    pub audiences: Vec<String>,
    pub help_kinds: Vec<String>,
    pub valid_from: String,
    pub valid_until: String,
    pub budget: String,
}

/// One refused field: its form name and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignError {
    pub field: &'static str,
    pub message: String,
}

/// The largest face value (euros): a voucher pays mediation, not equipment.
pub const MAX_FACE_VALUE: u32 = 500;
/// The largest budget (euros) one campaign may hold.
pub const MAX_BUDGET: u64 = 10_000_000;

fn refuse(field: &'static str, message: impl Into<String>) -> CampaignError {
    CampaignError {
        field,
        message: message.into(),
    }
}

fn whole_euros(text: &str) -> Option<u64> {
    let text = text
        .trim()
        .trim_end_matches('€')
        .trim()
        .replace([' ', '\u{a0}', '\u{202f}'], "");
    text.parse().ok()
}

fn check_name(text: &str) -> Result<String, CampaignError> {
    let name = text.trim();
    if name.is_empty() {
        return Err(refuse(
            "nom",
            "Donnez un nom à la campagne (par exemple « Pass numérique 2027 »).",
        ));
    }
    if name.chars().count() > 120 || name.chars().any(char::is_control) {
        return Err(refuse(
            "nom",
            "Le nom de la campagne ne doit pas dépasser 120 caractères.",
        ));
    }
    Ok(name.to_owned())
}

fn check_face_value(text: &str) -> Result<u32, CampaignError> {
    match whole_euros(text).and_then(|v| u32::try_from(v).ok()) {
        Some(value) if (1..=MAX_FACE_VALUE).contains(&value) => Ok(value),
        _ => Err(refuse(
            "valeur",
            format!("La valeur d'un chèque est un nombre entier d'euros, de 1 à {MAX_FACE_VALUE}."),
        )),
    }
}

fn check_payment(kind: &str, amount: &str) -> Result<Payment, CampaignError> {
    let amount: Option<i64> = amount.trim().trim_end_matches('%').trim().parse().ok();
    match kind {
        "sessions" => amount
            .and_then(|n| Payment::from_parts("sessions", n))
            .ok_or_else(|| refuse("paie_quantite", "Indiquez un nombre de séances de 1 à 20.")),
        "share" => amount
            .and_then(|n| Payment::from_parts("share", n))
            .ok_or_else(|| refuse("paie_quantite", "Indiquez une part de 1 à 100 %.")),
        _ => Err(refuse(
            "paie",
            "Choisissez ce que paie un chèque : des séances ou une part d'une prestation.",
        )),
    }
}

fn check_codes<T: crate::labelled::Coded + Ord>(
    codes: &[String],
    field: &'static str,
    missing: &str,
) -> Result<Vec<T>, CampaignError> {
    let mut values = Vec::new();
    for code in codes {
        let value = T::from_code(code.trim())
            .ok_or_else(|| refuse(field, format!("Valeur inconnue « {} ».", code.trim())))?;
        if !values.contains(&value) {
            values.push(value);
        }
    }
    if values.is_empty() {
        return Err(refuse(field, missing));
    }
    values.sort();
    Ok(values)
}

fn check_dates(from: &str, until: &str) -> Result<(Date, Date), CampaignError> {
    let start = parse_typed_date(from).ok_or_else(|| {
        refuse(
            "debut",
            "La date de début est attendue au format JJ/MM/AAAA.",
        )
    })?;
    let end = parse_typed_date(until)
        .ok_or_else(|| refuse("fin", "La date de fin est attendue au format JJ/MM/AAAA."))?;
    if end < start {
        return Err(refuse(
            "fin",
            format!(
                "La fin de validité ({}) précède son début ({}).",
                french_date(end),
                french_date(start)
            ),
        ));
    }
    if (end - start).whole_days() > 3 * 366 {
        return Err(refuse("fin", "Une campagne dure au plus trois ans."));
    }
    Ok((start, end))
}

fn check_budget(text: &str, face_value: Option<u32>) -> Result<u64, CampaignError> {
    let budget = whole_euros(text)
        .filter(|b| (1..=MAX_BUDGET).contains(b))
        .ok_or_else(|| {
            refuse(
                "budget",
                "Le budget est un nombre entier d'euros (au plus 10 000 000).",
            )
        })?;
    if let Some(face) = face_value {
        if budget < u64::from(face) {
            return Err(refuse(
                "budget",
                format!("Le budget ({budget} €) ne paie pas un seul chèque de {face} €."),
            ));
        }
    }
    Ok(budget)
}

impl CampaignTerms {
    /// Checks every field; all refusals at once, in the form's order.
    pub fn check(form: &CampaignForm) -> Result<CampaignTerms, Vec<CampaignError>> {
        let name = check_name(&form.name);
        let face = check_face_value(&form.face_value);
        let payment = check_payment(&form.payment_kind, &form.payment_amount);
        let audiences = check_codes(
            &form.audiences,
            "publics",
            "Cochez au moins un public visé.",
        );
        let help_kinds = check_codes(&form.help_kinds, "aides", "Cochez au moins un type d'aide.");
        let dates = check_dates(&form.valid_from, &form.valid_until);
        let budget = check_budget(&form.budget, face.as_ref().ok().copied());
        match (name, face, payment, audiences, help_kinds, dates, budget) {
            (
                Ok(name),
                Ok(face_value_euros),
                Ok(payment),
                Ok(audiences),
                Ok(help_kinds),
                Ok((valid_from, valid_until)),
                Ok(budget_euros),
            ) => Ok(CampaignTerms {
                name,
                face_value_euros,
                payment,
                audiences,
                help_kinds,
                valid_from,
                valid_until,
                budget_euros,
            }),
            (name, face, payment, audiences, help_kinds, dates, budget) => Err([
                name.err(),
                face.err(),
                payment.err(),
                audiences.err(),
                help_kinds.err(),
                dates.err(),
                budget.err(),
            ]
            .into_iter()
            .flatten()
            .collect()),
        }
    }

    /// How many vouchers the budget pays.
    pub fn voucher_budget(&self) -> u64 {
        self.budget_euros / u64::from(self.face_value_euros.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CampaignForm {
        CampaignForm {
            name: "Pass numérique 2027".into(),
            face_value: "10".into(),
            payment_kind: "sessions".into(),
            payment_amount: "1".into(),
            audiences: vec!["seniors".into(), "everyone".into()],
            help_kinds: vec!["inclusion".into()],
            valid_from: "01/01/2027".into(),
            valid_until: "31/12/2027".into(),
            budget: "5 000 €".into(),
        }
    }

    #[test]
    fn good_terms_are_kept_with_their_voucher_budget() {
        let terms = CampaignTerms::check(&form()).unwrap();
        assert_eq!(terms.budget_euros, 5000);
        assert_eq!(terms.voucher_budget(), 500);
        assert_eq!(
            terms.audiences,
            vec![TargetAudience::Everyone, TargetAudience::Seniors]
        );
        assert_eq!(terms.payment.describe(), "1 séance d'accompagnement");
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let mut bad = form();
        bad.name = " ".into();
        bad.face_value = "10,50".into();
        bad.audiences.clear();
        bad.valid_until = "31/12/2026".into();
        let fields: Vec<&str> = CampaignTerms::check(&bad)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["nom", "valeur", "publics", "fin"]);
    }

    #[test]
    fn a_budget_below_one_voucher_and_an_unknown_audience_are_refused() {
        let mut bad = form();
        bad.budget = "5".into();
        bad.audiences = vec!["martiens".into()];
        let errors = CampaignTerms::check(&bad).unwrap_err();
        assert!(errors
            .iter()
            .any(|e| e.field == "budget" && e.message.contains("un seul chèque")));
        assert!(errors.iter().any(|e| e.message.contains("« martiens »")));
    }

    #[test]
    fn a_payment_reads_back_from_its_stored_parts() {
        for payment in [Payment::Sessions(3), Payment::Share(50)] {
            let (code, amount) = payment.parts();
            assert_eq!(Payment::from_parts(code, amount), Some(payment));
        }
        assert_eq!(Payment::from_parts("share", 0), None);
        assert_eq!(
            Payment::Share(50).describe(),
            "50 % d'une prestation de médiation"
        );
    }
}
