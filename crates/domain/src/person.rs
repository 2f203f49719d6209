//! A person helped by the platform: what enrolment records (the minimum the help needs, per
//! DATA-PROTECTION.md), how it is checked, how possible duplicates are recognised, and the consent text
//! shown before anything is stored.

use serde::{Deserialize, Serialize};

/// Longest first or last name accepted.
pub const MAX_NAME_CHARS: usize = 80;
/// Youngest age the platform serves (DATA-PROTECTION.md: adults; birth years under 16 are refused).
pub const MIN_AGE_YEARS: i32 = 16;
/// Oldest plausible age.
pub const MAX_AGE_YEARS: i32 = 120;

/// What the professional typed, before checking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonInput {
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub email: String,
    /// The person has no phone: contact goes through the structure or by e-mail.
    pub no_phone: bool,
    pub commune_code: String,
    pub birth_year: String,
}

/// A checked enrolment: every field valid. The commune code still has to exist in the territory data
/// (the storage layer checks it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonDraft {
    pub first_name: String,
    pub last_name: String,
    /// Digits only, with a leading `+` for international numbers.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub no_phone: bool,
    pub commune_code: String,
    pub birth_year: Option<i32>,
}

/// Which field a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PersonField {
    FirstName,
    LastName,
    Phone,
    Email,
    Contact,
    Commune,
    BirthYear,
}

impl PersonField {
    /// The form field's name.
    pub fn name(self) -> &'static str {
        match self {
            PersonField::FirstName => "prenom",
            PersonField::LastName => "nom",
            PersonField::Phone => "telephone",
            PersonField::Email => "courriel",
            PersonField::Contact => "sans_telephone",
            PersonField::Commune => "commune",
            PersonField::BirthYear => "annee_naissance",
        }
    }
}

/// One reason an enrolment is refused, with its French message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PersonError {
    pub field: PersonField,
    pub message: String,
}

fn error(field: PersonField, message: impl Into<String>) -> PersonError {
    PersonError {
        field,
        message: message.into(),
    }
}

/// Checks every field and returns either the draft or every problem found (not just the first).
pub fn check_person(
    input: &PersonInput,
    current_year: i32,
) -> Result<PersonDraft, Vec<PersonError>> {
    let mut errors = Vec::new();
    let first_name = check_name(
        &input.first_name,
        PersonField::FirstName,
        "prénom",
        &mut errors,
    );
    let last_name = check_name(&input.last_name, PersonField::LastName, "nom", &mut errors);
    let phone = check_phone(input.phone.trim(), &mut errors);
    let email = check_email(input.email.trim(), &mut errors);
    if phone.is_none() && email.is_none() && !input.no_phone && errors.is_empty() {
        errors.push(error(
            PersonField::Contact,
            "Indiquez un téléphone ou un courriel, ou cochez « La personne n'a pas de téléphone ».",
        ));
    }
    let commune_code = input.commune_code.trim().to_owned();
    if commune_code.is_empty() {
        errors.push(error(
            PersonField::Commune,
            "Choisissez la commune de résidence.",
        ));
    }
    let birth_year = check_birth_year(input.birth_year.trim(), current_year, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PersonDraft {
        first_name,
        last_name,
        phone,
        email,
        no_phone: input.no_phone,
        commune_code,
        birth_year,
    })
}

fn check_name(text: &str, field: PersonField, what: &str, errors: &mut Vec<PersonError>) -> String {
    let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        errors.push(error(field, format!("Indiquez le {what}.")));
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(error(
            field,
            format!("Le {what} doit faire au plus {MAX_NAME_CHARS} caractères."),
        ));
    } else if !name
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’' | '.'))
    {
        errors.push(error(
            field,
            format!("Le {what} ne peut contenir que des lettres, des espaces, des tirets et des apostrophes."),
        ));
    }
    name
}

/// A French number (10 digits starting with 0, or +33…) or an international one (+ and 8 to 15
/// digits); spaces, dots and dashes are ignored.
fn check_phone(text: &str, errors: &mut Vec<PersonError>) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    match crate::phone::Phone::read(text) {
        Ok(phone) => Some(phone.national()),
        Err(error) => {
            errors.push(self::error(PersonField::Phone, error.to_string()));
            None
        }
    }
}

fn check_email(text: &str, errors: &mut Vec<PersonError>) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    let valid = text.len() <= 254
        && !text.chars().any(char::is_whitespace)
        && text.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        });
    if valid {
        Some(text.to_lowercase())
    } else {
        errors.push(error(
            PersonField::Email,
            "Le courriel n'a pas la forme nom@domaine.fr.",
        ));
        None
    }
}

fn check_birth_year(text: &str, current_year: i32, errors: &mut Vec<PersonError>) -> Option<i32> {
    if text.is_empty() {
        return None;
    }
    match text.parse::<i32>() {
        Ok(year) if year > current_year - MIN_AGE_YEARS => {
            errors.push(error(
                PersonField::BirthYear,
                format!(
                    "La personne doit avoir au moins {MIN_AGE_YEARS} ans : la plateforme accompagne des adultes."
                ),
            ));
            None
        }
        Ok(year) if year >= current_year - MAX_AGE_YEARS => Some(year),
        _ => {
            errors.push(error(
                PersonField::BirthYear,
                format!(
                    "Indiquez une année de naissance sur 4 chiffres, entre {} et {}.",
                    current_year - MAX_AGE_YEARS,
                    current_year - MIN_AGE_YEARS
                ),
            ));
            None
        }
    }
}

/// The key under which two enrolments of the same person meet: first and last name in lower case,
/// without accents, punctuation or extra spaces.
pub fn name_key(first_name: &str, last_name: &str) -> String {
    let folded: String = format!("{first_name} {last_name}")
        .chars()
        .flat_map(char::to_lowercase)
        .map(fold_accent)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn fold_accent(c: char) -> char {
    match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' => 'a',
        'ç' => 'c',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'î' | 'ï' | 'í' | 'ì' => 'i',
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
        'ù' | 'û' | 'ü' | 'ú' => 'u',
        'ÿ' => 'y',
        'œ' => 'o',
        'æ' => 'a',
        other => other,
    }
}

/// Initials for pseudonymised lists ("M. D.").
pub fn initials(first_name: &str, last_name: &str) -> String {
    let initial = |name: &str| {
        name.chars()
            .next()
            .map(|c| format!("{}.", c.to_uppercase()))
            .unwrap_or_default()
    };
    format!("{} {}", initial(first_name), initial(last_name))
        .trim()
        .to_owned()
}

/// The keyed pseudonym under which a coordinator sees a person (`P-1a2b3c4d`): stable for the
/// instance, meaningless without its key.
pub fn pseudonym(key: &str, person_id: i64) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{key}:{person_id}").as_bytes());
    format!("P-{}", &hex::encode(digest)[..8])
}

/// A consent text as shown to the person: its version and its words. The record keeps both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentText {
    pub version: String,
    pub text: String,
}

/// The version of the enrolment consent text; change it whenever the words change.
pub const ENROLMENT_CONSENT_VERSION: &str = "inscription-2026-11-v1";

/// How long a record is kept after the last contact (CNIL reference framework for social support).
pub const RETENTION_MONTHS: u32 = 24;

/// The enrolment consent, in plain French, for the structure that enrols.
pub fn enrolment_consent(structure_name: &str) -> ConsentText {
    let text = format!(
        "Ce que nous gardons : votre nom, votre prénom, un moyen de vous joindre, votre commune, \
         votre année de naissance si vous la donnez, et vos réponses au diagnostic (votre matériel, \
         ce que vous savez faire sur internet, vos besoins d'accompagnement). \
         Qui les garde : {structure_name}, la structure qui vous inscrit. Personne d'autre ne les voit \
         sans votre nouvel accord. \
         Pourquoi : pour trouver l'aide au numérique qui vous convient et suivre vos progrès. \
         Combien de temps : {RETENTION_MONTHS} mois après notre dernier contact, puis elles sont \
         effacées. Vous pouvez les voir, les corriger ou les faire effacer à tout moment, en le \
         demandant à {structure_name}."
    );
    ConsentText {
        version: ENROLMENT_CONSENT_VERSION.to_owned(),
        text,
    }
}

/// The version of the consent text for sharing with a receiving structure.
pub const SHARING_CONSENT_VERSION: &str = "partage-2026-11-v1";

/// What a referral shares with the receiving structure.
pub const SHARED_DATA: &str = "identite|contact|commune|profil";

/// The consent to share the person's data with the structure of the chosen offer.
pub fn sharing_consent(receiver_name: &str, offer_name: &str) -> ConsentText {
    ConsentText {
        version: SHARING_CONSENT_VERSION.to_owned(),
        text: format!(
            "Pour que {receiver_name} puisse vous accompagner (« {offer_name} »), nous lui \
             transmettons : votre nom et votre prénom, votre moyen de contact, votre commune et le \
             résultat de votre diagnostic (ce que vous savez faire, vos besoins). Rien d'autre : pas les \
             notes. {receiver_name} y a accès tant que l'accompagnement dure, puis 3 mois après. Vous \
             pouvez refuser : nous chercherons une autre solution avec vous."
        ),
    }
}

/// The version of the self-diagnostic contact request's consent text.
pub const CONTACT_REQUEST_CONSENT_VERSION: &str = "demande-contact-2026-11-v2";

/// The consent a person gives when they ask to be contacted after a self-diagnostic.
pub fn contact_request_consent() -> ConsentText {
    let days = crate::contact_request::CONTACT_REQUEST_LIFETIME_DAYS;
    ConsentText {
        version: CONTACT_REQUEST_CONSENT_VERSION.to_owned(),
        text: format!(
            "J'accepte que les professionnels de l'aide au numérique de mon territoire voient mon \
             prénom, mon moyen de contact, ma commune et mes réponses, pour m'appeler ou m'écrire et \
             me proposer une aide. Dès qu'une structure prend ma demande en charge, elle seule les \
             voit. Ces informations sont effacées quand cette structure clôt ma demande, au plus \
             tard {days} jours après l'avoir prise en charge, ou {days} jours après ma demande si \
             personne ne l'a prise en charge. Je peux demander à tout moment qu'elles soient \
             effacées plus tôt."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> PersonInput {
        PersonInput {
            first_name: " Josiane ".into(),
            last_name: "Le  Goff".into(),
            phone: "06 12 34 56 78".into(),
            email: String::new(),
            no_phone: false,
            commune_code: "49007".into(),
            birth_year: "1951".into(),
        }
    }

    #[test]
    fn a_complete_enrolment_is_accepted_and_normalised() {
        let draft = check_person(&input(), 2026).expect("valid");
        assert_eq!(draft.first_name, "Josiane");
        assert_eq!(draft.last_name, "Le Goff");
        assert_eq!(draft.phone.as_deref(), Some("0612345678"));
        assert_eq!(draft.birth_year, Some(1951));
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let bad = PersonInput {
            first_name: "J0siane".into(),
            last_name: String::new(),
            phone: "12345".into(),
            email: "pas-un-courriel".into(),
            no_phone: false,
            commune_code: String::new(),
            birth_year: "2015".into(),
        };
        let errors = check_person(&bad, 2026).expect_err("invalid");
        let fields: Vec<PersonField> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![
                PersonField::FirstName,
                PersonField::LastName,
                PersonField::Phone,
                PersonField::Email,
                PersonField::Commune,
                PersonField::BirthYear
            ]
        );
        assert!(errors[5].message.contains("au moins 16 ans"));
    }

    #[test]
    fn a_way_to_reach_the_person_or_no_phone_is_required() {
        let mut no_contact = input();
        no_contact.phone.clear();
        let errors = check_person(&no_contact, 2026).expect_err("no contact");
        assert_eq!(errors[0].field, PersonField::Contact);
        no_contact.no_phone = true;
        assert!(check_person(&no_contact, 2026).is_ok());
        let mut international = input();
        international.phone = "+32 470 12 34 56".into();
        assert_eq!(
            check_person(&international, 2026)
                .expect("valid")
                .phone
                .as_deref(),
            Some("+32470123456")
        );
    }

    #[test]
    fn names_meet_without_accents_case_or_spaces() {
        assert_eq!(
            name_key("Hélène", "LE  GOFF"),
            name_key("helene", "Le-Goff")
        );
        assert_ne!(name_key("Hélène", "Goff"), name_key("Helena", "Goff"));
        assert_eq!(initials("hélène", "Le Goff"), "H. L.");
    }

    #[test]
    fn pseudonyms_are_stable_per_key_and_differ_across_keys() {
        assert_eq!(pseudonym("k", 12), pseudonym("k", 12));
        assert_ne!(pseudonym("k", 12), pseudonym("k", 13));
        assert_ne!(pseudonym("k", 12), pseudonym("autre", 12));
        assert_eq!(pseudonym("k", 12).len(), 10);
    }

    #[test]
    fn the_consent_text_names_the_structure_and_the_duration() {
        let consent = enrolment_consent("CCAS d'Angers");
        assert_eq!(consent.version, ENROLMENT_CONSENT_VERSION);
        assert!(consent.text.contains("CCAS d'Angers"));
        assert!(consent.text.contains("24 mois"));
    }
}
