//! What the person takes home once oriented, in plain French: who will contact them and within how
//! many days, how the receiving place can be reached, what to bring, and a national helpline for
//! the meantime. The web draws it as a printable sheet and the e-mail carries the same words.

use crate::diagnostic::{ProcedureKind, Profile};
use crate::directory::AccessMode;

/// A helpline the sheet gives for the meantime. The instance may set its own (a département's
/// number, a France services line); the default is the national one the field knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helpline {
    pub name: String,
    pub phone: String,
    pub hours: String,
    pub website: String,
}

impl Default for Helpline {
    /// Solidarité numérique, the national helpline for everyday digital tasks run for the State
    /// (ANCT / La MedNum): its number is free of surcharge; its website keeps step-by-step guides.
    fn default() -> Self {
        Helpline {
            name: "Solidarité numérique".to_owned(),
            phone: "01 70 772 372".to_owned(),
            hours: "du lundi au vendredi, de 9 h à 18 h (prix d'un appel local)".to_owned(),
            website: "solidarite-numerique.fr".to_owned(),
        }
    }
}

/// Who contacts the person and when, as the sheet says it: the receiving place, within the offer's
/// usual delay, or the territory's target delays when the offer gives none.
pub fn contact_promise(receiver: &str, delay_days: u32) -> String {
    match delay_days {
        0 | 1 => format!("{receiver} vous appelle ou vous écrit dans les prochains jours."),
        days => format!("{receiver} vous appelle ou vous écrit d'ici {days} jours."),
    }
}

/// How the place may be reached, one sentence per way the directory records, in the order people
/// use them.
pub fn ways_in(modes: &[AccessMode]) -> Vec<&'static str> {
    let order = [
        (
            AccessMode::WalkIn,
            "Vous pouvez venir sur place aux heures d'ouverture.",
        ),
        (AccessMode::Phone, "Vous pouvez téléphoner."),
        (
            AccessMode::OnlineBooking,
            "Vous pouvez prendre rendez-vous en ligne.",
        ),
        (AccessMode::Email, "Vous pouvez écrire un courriel."),
    ];
    order
        .iter()
        .filter(|(mode, _)| modes.contains(mode))
        .map(|(_, sentence)| *sentence)
        .collect()
}

/// What to bring to the first meeting, from the profile: always the device the person uses (if
/// any) and their glasses; their identifiers when they have online accounts or an e-mail address;
/// the papers of the urgent procedure; an identity document when a procedure asks to create an
/// account or renew a document.
pub fn what_to_bring(profile: &Profile, has_device: bool, has_accounts: bool) -> Vec<String> {
    let mut list = Vec::new();
    if has_device {
        list.push(
            "Votre téléphone, votre tablette ou votre ordinateur portable, chargé.".to_owned(),
        );
    }
    if has_accounts {
        list.push(
            "Vos identifiants : adresse e-mail, mots de passe ou codes que vous avez notés."
                .to_owned(),
        );
    }
    if let Some(urgency) = &profile.urgency {
        list.push(format!(
            "Les papiers de votre démarche avec {} : le courrier reçu, votre numéro de dossier ou d'allocataire.",
            urgency.organisation.label()
        ));
        if matches!(
            urgency.kind,
            ProcedureKind::CreateAccount | ProcedureKind::Renew | ProcedureKind::Claim
        ) {
            list.push("Une pièce d'identité et un justificatif de domicile.".to_owned());
        }
    }
    list.push("Vos lunettes si vous en portez.".to_owned());
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{
        profile, Answers, LiteracyLevel, SkillAnswer, SkillDomain, TravelRange, Willingness,
    };

    fn answers() -> Answers {
        Answers {
            equipment: vec![],
            skills: SkillDomain::ALL
                .iter()
                .map(|d| (*d, SkillAnswer::WithHelp))
                .collect(),
            detailed: vec![],
            french_reading: LiteracyLevel::Comfortable,
            french_writing: LiteracyLevel::Comfortable,
            languages: vec![],
            support_needs: vec![],
            travel_range: TravelRange::UpTo5Km,
            travel_modes: vec![],
            accepts_remote: false,
            availability: vec![],
            willingness: Willingness::Yes,
            levers: vec![],
            urgency: None,
            notes: None,
        }
    }

    #[test]
    fn the_promise_names_the_receiving_place_and_its_delay() {
        assert_eq!(
            contact_promise("Médiathèque Toussaint", 5),
            "Médiathèque Toussaint vous appelle ou vous écrit d'ici 5 jours."
        );
        assert_eq!(
            contact_promise("Médiathèque Toussaint", 1),
            "Médiathèque Toussaint vous appelle ou vous écrit dans les prochains jours."
        );
    }

    #[test]
    fn ways_in_follow_the_directory_in_a_fixed_order() {
        let ways = ways_in(&[
            AccessMode::Email,
            AccessMode::WalkIn,
            AccessMode::NoPublicReception,
        ]);
        assert_eq!(
            ways,
            [
                "Vous pouvez venir sur place aux heures d'ouverture.",
                "Vous pouvez écrire un courriel."
            ]
        );
    }

    #[test]
    fn the_urgent_procedure_s_papers_are_on_the_list() {
        let mut computed = profile(&answers(), time::macros::date!(2026 - 11 - 23));
        assert_eq!(
            what_to_bring(&computed, false, false),
            ["Vos lunettes si vous en portez."]
        );
        computed.urgency = Some(crate::diagnostic::UrgencySummary {
            organisation: crate::diagnostic::ProcedureOrganisation::Caf,
            kind: ProcedureKind::Claim,
            deadline: time::macros::date!(2026 - 12 - 01),
            days_left: 8,
            very_urgent: false,
        });
        let list = what_to_bring(&computed, true, true);
        assert_eq!(list.len(), 5, "{list:?}");
        assert!(list[2].contains("CAF ou MSA"), "{list:?}");
        assert!(list[3].contains("pièce d'identité"), "{list:?}");
    }
}
