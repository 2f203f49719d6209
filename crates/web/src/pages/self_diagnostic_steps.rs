//! The public self-diagnostic one question at a time, in easy-to-read French (the FALC rules: « vous »,
//! short sentences, one idea each, common words): the steps, their answers as people say them (the
//! value sent stays the questionnaire's own label, read by `questionnaire::read_answers`), an icon
//! where it helps, and which fields each step owns. Every answer given so far travels in hidden
//! fields, so the form works without JavaScript and going back keeps everything.

use crate::pages::form_fields::{text, Errors, Fields};
use aiguillage_domain::diagnostic::*;
use aiguillage_domain::directory::SpecificSupport;

/// One answer of a step: the value the form sends, the words shown, an optional DSFR icon.
pub struct StepOption {
    pub value: &'static str,
    pub words: &'static str,
    pub icon: Option<&'static str>,
}

/// How a step asks.
pub enum StepKind {
    /// One answer (radio buttons).
    One,
    /// Any number of answers (checkboxes).
    Several,
    /// The urgent procedure: organisation, procedure and deadline, or nothing.
    Urgency,
    /// The commune, typed.
    Commune,
}

/// One question of the self-diagnostic.
pub struct Step {
    /// The field it fills (for `Urgency`: `urgence_organisme`, the first of three).
    pub name: &'static str,
    pub question: &'static str,
    pub hint: &'static str,
    pub kind: StepKind,
    pub options: Vec<StepOption>,
    /// Whether an answer is needed to go on.
    pub required: bool,
}

impl Step {
    /// The fields this step's page shows (the others travel hidden).
    pub fn fields(&self) -> Vec<&'static str> {
        match self.kind {
            StepKind::Urgency => vec!["urgence_organisme", "urgence_demarche", "urgence_echeance"],
            _ => vec![self.name],
        }
    }

    /// The error keys `read_answers` uses for this step.
    pub fn error_keys(&self) -> Vec<&'static str> {
        let mut keys = self.fields();
        if matches!(self.kind, StepKind::Urgency) {
            keys.push("urgence");
        }
        keys
    }

    /// Whether `value` is checked for this step in `values`.
    pub fn is_chosen(&self, values: &Fields, value: &str) -> bool {
        values
            .get(self.name)
            .is_some_and(|chosen| chosen.iter().any(|v| v == value))
    }
}

/// The fields the questionnaire reads, each asked by one step.
#[cfg(test)]
const STEP_NAMES: &[&str] = &[
    "equipement",
    "competence_appareil",
    "competence_recherche",
    "competence_messagerie",
    "competence_demarche",
    "competence_securite",
    "lecture",
    "ecriture",
    "langues",
    "prise_en_charge",
    "deplacement",
    "moyens",
    "a_distance",
    "disponibilites",
    "envie",
    "leviers",
    "urgence_organisme",
    "commune",
];

fn option(value: &'static str, words: &'static str, icon: Option<&'static str>) -> StepOption {
    StepOption { value, words, icon }
}

fn step(
    name: &'static str,
    question: &'static str,
    hint: &'static str,
    kind: StepKind,
    options: Vec<StepOption>,
    required: bool,
) -> Step {
    Step {
        name,
        question,
        hint,
        kind,
        options,
        required,
    }
}

fn equipment_words(item: Equipment) -> (&'static str, &'static str) {
    match item {
        Equipment::Smartphone => (
            "Un téléphone avec internet (smartphone)",
            "fr-icon-smartphone-line",
        ),
        Equipment::Computer => ("Un ordinateur", "fr-icon-computer-line"),
        Equipment::Tablet => ("Une tablette", "fr-icon-tablet-line"),
        Equipment::InternetAtHome => (
            "Internet chez vous (une box ou le wifi)",
            "fr-icon-wifi-line",
        ),
        Equipment::UsableEmail => (
            "Une adresse e-mail que vous savez ouvrir",
            "fr-icon-mail-line",
        ),
        Equipment::OnlineAccounts => (
            "Des comptes sur internet où vous savez entrer. Par exemple : la CAF, les impôts.",
            "fr-icon-account-circle-line",
        ),
    }
}

fn skill_words(answer: SkillAnswer) -> &'static str {
    match answer {
        SkillAnswer::Alone => "Oui, seul",
        SkillAnswer::WithHelp => "Oui, avec de l'aide",
        SkillAnswer::NotAtAll => "Non, pas du tout",
        SkillAnswer::DoesNotKnow => "Je ne sais pas",
    }
}

fn skill_question(domain: SkillDomain) -> &'static str {
    match domain {
        SkillDomain::UsingDevice => {
            "Savez-vous utiliser un téléphone, une tablette ou un ordinateur ?"
        }
        SkillDomain::SearchingInformation => "Savez-vous chercher une information sur internet ?",
        SkillDomain::Messaging => "Savez-vous lire et envoyer un message ou un e-mail ?",
        SkillDomain::OnlineProcedure => "Savez-vous faire une démarche sur internet ?",
        SkillDomain::StayingSafe => "Savez-vous reconnaître une arnaque sur internet ?",
    }
}

fn skill_hint(domain: SkillDomain) -> &'static str {
    match domain {
        SkillDomain::UsingDevice => "Par exemple : allumer l'appareil, ouvrir une application.",
        SkillDomain::SearchingInformation => "Par exemple : trouver les horaires de la mairie.",
        SkillDomain::Messaging => "Par exemple : répondre à un message de votre famille.",
        SkillDomain::OnlineProcedure => "Par exemple : créer un compte, remplir un formulaire.",
        SkillDomain::StayingSafe => {
            "Par exemple : un faux message qui vous demande votre code de carte bancaire."
        }
    }
}

fn literacy_words(level: LiteracyLevel, writing: bool) -> &'static str {
    match (level, writing) {
        (LiteracyLevel::Comfortable, _) => "Oui, c'est facile",
        (LiteracyLevel::WithDifficulty, _) => "C'est difficile",
        (LiteracyLevel::NotAtAll, false) => "Je ne lis pas le français",
        (LiteracyLevel::NotAtAll, true) => "Je n'écris pas le français",
    }
}

fn support_words(support: SpecificSupport) -> (&'static str, Option<&'static str>) {
    match support {
        SpecificSupport::Deafness => ("J'entends mal ou je n'entends pas", None),
        SpecificSupport::MotorDisability => ("J'ai du mal à bouger ou à me déplacer", None),
        SpecificSupport::MentalDisability => (
            "J'ai besoin d'explications simples et de plus de temps",
            None,
        ),
        SpecificSupport::Illiteracy => (
            "J'ai du mal à lire et à écrire",
            Some("fr-icon-book-2-line"),
        ),
        SpecificSupport::EnglishLanguage => (
            "Je parle anglais mieux que français",
            Some("fr-icon-translate-2"),
        ),
        SpecificSupport::OtherLanguages => (
            "Je parle une autre langue mieux que français",
            Some("fr-icon-translate-2"),
        ),
        SpecificSupport::VisualImpairment => {
            ("Je vois mal ou je ne vois pas", Some("fr-icon-eye-line"))
        }
    }
}

fn travel_words(range: TravelRange) -> &'static str {
    match range {
        TravelRange::CannotTravel => "Je ne peux pas me déplacer",
        TravelRange::UpTo5Km => "Pas loin : moins de 5 km",
        TravelRange::UpTo15Km => "Jusqu'à 15 km",
        TravelRange::UpTo30Km => "Jusqu'à 30 km",
        TravelRange::Further => "Plus loin que 30 km",
    }
}

fn mode_words(mode: TravelMode) -> (&'static str, &'static str) {
    match mode {
        TravelMode::Walking => ("À pied", "fr-icon-map-pin-2-line"),
        TravelMode::PublicTransport => ("En bus, en tram ou en train", "fr-icon-bus-line"),
        TravelMode::Car => ("En voiture", "fr-icon-car-line"),
        TravelMode::DrivenByRelative => ("Un proche m'emmène", "fr-icon-team-line"),
        TravelMode::Bicycle => ("À vélo", "fr-icon-bike-line"),
    }
}

fn availability_words(slot: Availability) -> &'static str {
    match slot {
        Availability::WeekdayMorning => "En semaine, le matin",
        Availability::WeekdayAfternoon => "En semaine, l'après-midi",
        Availability::WeekdayEvening => "En semaine, le soir",
        Availability::Saturday => "Le samedi",
    }
}

fn willingness_words(answer: Willingness) -> &'static str {
    match answer {
        Willingness::Yes => "Oui",
        Willingness::Unsure => "Je ne sais pas",
        Willingness::No => "Non",
    }
}

fn lever_words(lever: Lever) -> (&'static str, &'static str) {
    match lever {
        Lever::FamilyContact => ("Parler avec ma famille et mes amis", "fr-icon-team-line"),
        Lever::Health => ("Ma santé", "fr-icon-heart-line"),
        Lever::Job => ("Trouver un travail", "fr-icon-briefcase-line"),
        Lever::RightsAndBenefits => ("Mes droits et mes aides", "fr-icon-file-text-line"),
        Lever::ChildrenSchooling => ("L'école de mes enfants", "fr-icon-book-2-line"),
        Lever::Money => ("Mon argent et mon budget", "fr-icon-money-euro-circle-line"),
        Lever::Leisure => ("Mes loisirs", "fr-icon-star-line"),
    }
}

/// Every step, in order.
pub fn steps() -> Vec<Step> {
    let mut all = vec![step(
        "equipement",
        "Qu'avez-vous pour aller sur internet ?",
        "Cochez tout ce que vous avez. Vous pouvez ne rien cocher.",
        StepKind::Several,
        Equipment::ALL
            .iter()
            .map(|item| {
                let (words, icon) = equipment_words(*item);
                option(item.label(), words, Some(icon))
            })
            .collect(),
        false,
    )];
    all.extend(SkillDomain::ALL.iter().map(|domain| {
        step(
            domain.field(),
            skill_question(*domain),
            skill_hint(*domain),
            StepKind::One,
            SkillAnswer::ALL
                .iter()
                .map(|answer| option(answer.label(), skill_words(*answer), None))
                .collect(),
            true,
        )
    }));
    for (name, question, writing) in [
        (
            "lecture",
            "Lire le français, c'est facile pour vous ?",
            false,
        ),
        (
            "ecriture",
            "Écrire le français, c'est facile pour vous ?",
            true,
        ),
    ] {
        all.push(step(
            name,
            question,
            "Choisissez une réponse.",
            StepKind::One,
            LiteracyLevel::ALL
                .iter()
                .map(|level| option(level.label(), literacy_words(*level, writing), None))
                .collect(),
            true,
        ));
    }
    all.push(step(
        "langues",
        "Dans quelle langue voulez-vous être aidé ?",
        "Vous pouvez en choisir plusieurs.",
        StepKind::Several,
        Language::ALL
            .iter()
            .map(|language| option(language.label(), language.label(), None))
            .collect(),
        false,
    ));
    all.push(step(
        "prise_en_charge",
        "Avez-vous besoin d'une aide adaptée ?",
        "Cochez ce qui est vrai pour vous. Vous pouvez ne rien cocher. Ne dites rien sur votre santé.",
        StepKind::Several,
        SpecificSupport::ALL
            .iter()
            .map(|support| {
                let (words, icon) = support_words(*support);
                option(support.label(), words, icon)
            })
            .collect(),
        false,
    ));
    all.push(step(
        "deplacement",
        "Jusqu'où pouvez-vous aller pour être aidé ?",
        "Choisissez une réponse.",
        StepKind::One,
        TravelRange::ALL
            .iter()
            .map(|range| option(range.label(), travel_words(*range), None))
            .collect(),
        true,
    ));
    all.push(step(
        "moyens",
        "Comment vous déplacez-vous ?",
        "Vous pouvez en choisir plusieurs.",
        StepKind::Several,
        TravelMode::ALL
            .iter()
            .map(|mode| {
                let (words, icon) = mode_words(*mode);
                option(mode.label(), words, Some(icon))
            })
            .collect(),
        false,
    ));
    all.push(willingness_step(
        "a_distance",
        "Être aidé par téléphone ou en vidéo, cela vous va ?",
        "Quelqu'un vous aide sans que vous vous déplaciez.",
        false,
    ));
    all.push(step(
        "disponibilites",
        "Quand êtes-vous libre ?",
        "Vous pouvez en choisir plusieurs.",
        StepKind::Several,
        Availability::ALL
            .iter()
            .map(|slot| {
                option(
                    slot.label(),
                    availability_words(*slot),
                    Some("fr-icon-calendar-line"),
                )
            })
            .collect(),
        false,
    ));
    all.push(willingness_step(
        "envie",
        "Avez-vous envie d'apprendre ?",
        "Si vous dites non, quelqu'un peut faire les démarches avec vous.",
        true,
    ));
    all.push(step(
        "leviers",
        "Pourquoi voulez-vous utiliser internet ?",
        "Vous pouvez en choisir plusieurs. Vous pouvez ne rien cocher.",
        StepKind::Several,
        Lever::ALL
            .iter()
            .map(|lever| {
                let (words, icon) = lever_words(*lever);
                option(lever.label(), words, Some(icon))
            })
            .collect(),
        false,
    ));
    all.push(step(
        "urgence_organisme",
        "Avez-vous une démarche urgente à faire ?",
        "Par exemple : un dossier à envoyer avant une date. Dites seulement à qui, quoi et pour quand. Sinon, passez.",
        StepKind::Urgency,
        Vec::new(),
        false,
    ));
    all.push(step(
        "commune",
        "Où habitez-vous ?",
        "Votre commune ou votre code postal. Pour vous montrer les lieux d'aide près de chez vous. Vous pouvez passer.",
        StepKind::Commune,
        Vec::new(),
        false,
    ));
    all
}

fn willingness_step(
    name: &'static str,
    question: &'static str,
    hint: &'static str,
    required: bool,
) -> Step {
    step(
        name,
        question,
        hint,
        StepKind::One,
        Willingness::ALL
            .iter()
            .map(|answer| option(answer.label(), willingness_words(*answer), None))
            .collect(),
        required,
    )
}

/// The French message of a step left without its needed answer, or holding a value it does not
/// offer (a tampered form): `None` when the step may be left.
pub fn step_error(step: &Step, values: &Fields) -> Option<(&'static str, String)> {
    let chosen = values.get(step.name).cloned().unwrap_or_default();
    match step.kind {
        StepKind::One | StepKind::Several => {
            let offered = |value: &String| step.options.iter().any(|o| o.value == value);
            if let Some(unknown) = chosen.iter().find(|value| !offered(value)) {
                return Some((
                    step.name,
                    format!(
                        "La réponse « {unknown} » n'est pas proposée. Choisissez dans la liste."
                    ),
                ));
            }
            let missing = step.required && chosen.iter().all(|value| value.trim().is_empty());
            missing.then(|| {
                (
                    step.name,
                    "Choisissez une réponse pour continuer.".to_owned(),
                )
            })
        }
        StepKind::Urgency => {
            let mut errors = Errors::new();
            let _ = crate::pages::questionnaire::read_answers(values, &mut errors);
            step.error_keys()
                .into_iter()
                .find_map(|key| errors.get(key).map(|message| (key, message.clone())))
        }
        StepKind::Commune => {
            let typed = text(values, "commune");
            (typed.chars().count() > 100).then(|| {
                (
                    "commune",
                    "Écrivez seulement le nom de votre commune ou son code postal.".to_owned(),
                )
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> Fields {
        let mut fields = Fields::new();
        for (name, value) in pairs {
            fields
                .entry((*name).to_owned())
                .or_default()
                .push((*value).to_owned());
        }
        fields
    }

    #[test]
    fn every_answer_the_questionnaire_reads_has_a_step_and_plain_words() {
        let all = steps();
        for name in STEP_NAMES {
            assert!(all.iter().any(|s| s.name == *name), "{name}");
        }
        for step in &all {
            for option in &step.options {
                assert!(!option.words.contains("Handicaps"), "{}", option.words);
                assert!(!option.words.contains("Illettrisme"), "{}", option.words);
                assert!(
                    !option.words.contains("qu'elle sait"),
                    "« vous », not « elle »: {}",
                    option.words
                );
            }
        }
    }

    #[test]
    fn a_needed_answer_stops_the_step_and_an_unknown_one_is_refused() {
        let all = steps();
        let reading = all.iter().find(|s| s.name == "lecture").expect("step");
        assert!(step_error(reading, &values(&[])).is_some());
        assert_eq!(
            step_error(reading, &values(&[("lecture", "À l'aise")])),
            None
        );
        let (field, message) =
            step_error(reading, &values(&[("lecture", "Couramment")])).expect("refused");
        assert_eq!(field, "lecture");
        assert!(message.contains("n'est pas proposée"), "{message}");
        let optional = all.iter().find(|s| s.name == "langues").expect("step");
        assert_eq!(step_error(optional, &values(&[])), None);
        let urgency = all
            .iter()
            .find(|s| matches!(s.kind, StepKind::Urgency))
            .expect("step");
        assert_eq!(
            step_error(urgency, &values(&[])),
            None,
            "no urgency is fine"
        );
        assert!(step_error(urgency, &values(&[("urgence_organisme", "Impôts")])).is_some());
    }
}
