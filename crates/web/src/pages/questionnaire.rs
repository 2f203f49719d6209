//! The diagnostic questionnaire as an HTML form: its sections of radio and checkbox groups (with the
//! professional's or the easy-to-read wording), reading the submitted answers back into
//! `domain::diagnostic::Answers` with a French message per missing or unreadable answer, and the
//! profile as the result pages show it.

use crate::pages::form_fields::{labels, text, Choice, Errors, Fields, Group};
use aiguillage_domain::diagnostic::*;
use aiguillage_domain::directory::SpecificSupport;

/// One titled part of the form.
pub struct Section {
    pub title: &'static str,
    pub hint: &'static str,
    pub groups: Vec<Group>,
}

/// Which wording the form uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wording {
    /// At a desk, asked by a professional about "la personne".
    Professional,
    /// Filled by the person or a relative: short sentences, "vous".
    EasyToRead,
}

/// A group whose checked options are the submitted ones (or none on a blank form).
fn group(
    name: &'static str,
    legend: &'static str,
    multiple: bool,
    options: &[&'static str],
    fields: &Fields,
) -> Group {
    let chosen = fields.get(name);
    Group {
        name,
        legend,
        multiple,
        hand_note: None,
        options: options
            .iter()
            .map(|value| Choice {
                value,
                checked: chosen.is_some_and(|values| values.iter().any(|v| v == value)),
            })
            .collect(),
    }
}

fn labels_of<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|value| label(*value)).collect()
}

fn easy_skill_question(domain: SkillDomain) -> &'static str {
    match domain {
        SkillDomain::UsingDevice => "Savez-vous utiliser un téléphone, une tablette ou un ordinateur ?",
        SkillDomain::SearchingInformation => "Savez-vous chercher une information sur internet ?",
        SkillDomain::Messaging => "Savez-vous lire et envoyer des messages ou des e-mails ?",
        SkillDomain::OnlineProcedure => "Savez-vous faire une démarche sur internet ? Par exemple : créer un compte, remplir un formulaire.",
        SkillDomain::StayingSafe => "Savez-vous reconnaître une arnaque sur internet ?",
    }
}

/// The form's sections, their answers checked from `fields` (empty for a blank form).
pub fn sections(fields: &Fields, wording: Wording, detailed: bool) -> Vec<Section> {
    let easy = wording == Wording::EasyToRead;
    let mut sections = vec![Section {
        title: if easy {
            "Votre matériel"
        } else {
            "Équipement et connexion"
        },
        hint: "Cochez tout ce qui est vrai.",
        groups: vec![group(
            "equipement",
            if easy {
                "Vous avez :"
            } else {
                "La personne a :"
            },
            true,
            &labels_of(Equipment::ALL, Equipment::label),
            fields,
        )],
    }];
    let skills = SkillDomain::ALL
        .iter()
        .map(|domain| {
            group(
                domain.field(),
                if easy {
                    easy_skill_question(*domain)
                } else {
                    domain.question()
                },
                false,
                &labels_of(SkillAnswer::ALL, SkillAnswer::label),
                fields,
            )
        })
        .collect();
    sections.push(Section {
        title: if easy { "Ce que vous savez faire" } else { "Compétences de base" },
        hint: if easy {
            "Pour chaque question, choisissez une réponse : seul, avec de l'aide, pas du tout, ou je ne sais pas."
        } else {
            "Une réponse par domaine : seule, avec de l'aide, pas du tout, ne sait pas."
        },
        groups: skills,
    });
    if detailed {
        sections.push(Section {
            title: "Module détaillé (médiateurs)",
            hint: "Facultatif : laissez vide une tâche non évaluée. Chaque réponse affine le niveau du domaine.",
            groups: DetailedTask::ALL
                .iter()
                .map(|task| {
                    group(
                        task.field(),
                        task.label(),
                        false,
                        &labels_of(SkillAnswer::ALL, SkillAnswer::label),
                        fields,
                    )
                })
                .collect(),
        });
    }
    sections.push(Section {
        title: if easy {
            "Lire, écrire, parler"
        } else {
            "Lecture, écriture et langues"
        },
        hint: "",
        groups: vec![
            group(
                "lecture",
                if easy {
                    "Lire le français, pour vous c'est :"
                } else {
                    "Lire le français"
                },
                false,
                &labels_of(LiteracyLevel::ALL, LiteracyLevel::label),
                fields,
            ),
            group(
                "ecriture",
                if easy {
                    "Écrire le français, pour vous c'est :"
                } else {
                    "Écrire le français"
                },
                false,
                &labels_of(LiteracyLevel::ALL, LiteracyLevel::label),
                fields,
            ),
            group(
                "langues",
                if easy {
                    "Dans quelles langues pouvez-vous être aidé ?"
                } else {
                    "Langues dans lesquelles la personne peut être aidée"
                },
                true,
                &labels_of(Language::ALL, Language::label),
                fields,
            ),
        ],
    });
    sections.push(Section {
        title: if easy { "Besoin d'une aide adaptée" } else { "Besoins d'accompagnement spécifique" },
        hint: if easy {
            "Facultatif. Ne donnez aucun détail médical."
        } else {
            "Facultatif, avec l'accord de la personne. Uniquement ces catégories : aucun détail médical."
        },
        groups: vec![group(
            "prise_en_charge",
            if easy { "Vous avez besoin d'une aide adaptée pour :" } else { "Prise en charge spécifique nécessaire" },
            true,
            &labels_of(SpecificSupport::ALL, SpecificSupport::label),
            fields,
        )],
    });
    sections.push(Section {
        title: if easy {
            "Vos déplacements et vos disponibilités"
        } else {
            "Mobilité et disponibilités"
        },
        hint: "",
        groups: vec![
            group(
                "deplacement",
                if easy {
                    "Jusqu'où pouvez-vous aller ?"
                } else {
                    "Jusqu'où la personne peut se déplacer"
                },
                false,
                &labels_of(TravelRange::ALL, TravelRange::label),
                fields,
            ),
            group(
                "moyens",
                if easy {
                    "Comment vous déplacez-vous ?"
                } else {
                    "Comment elle se déplace"
                },
                true,
                &labels_of(TravelMode::ALL, TravelMode::label),
                fields,
            ),
            group(
                "a_distance",
                if easy {
                    "Être aidé par téléphone ou en vidéo, ça vous va ?"
                } else {
                    "Accepte une aide à distance (téléphone, vidéo)"
                },
                false,
                &labels_of(Willingness::ALL, Willingness::label),
                fields,
            ),
            group(
                "disponibilites",
                if easy {
                    "Quand êtes-vous disponible ?"
                } else {
                    "Disponibilités"
                },
                true,
                &labels_of(Availability::ALL, Availability::label),
                fields,
            ),
        ],
    });
    sections.push(Section {
        title: if easy {
            "Votre envie d'apprendre"
        } else {
            "Motivation"
        },
        hint: "",
        groups: vec![
            group(
                "envie",
                if easy {
                    "Avez-vous envie d'apprendre ?"
                } else {
                    "La personne veut-elle apprendre ?"
                },
                false,
                &labels_of(Willingness::ALL, Willingness::label),
                fields,
            ),
            group(
                "leviers",
                if easy {
                    "Qu'est-ce qui compte pour vous ?"
                } else {
                    "Ce qui compte pour elle"
                },
                true,
                &labels_of(Lever::ALL, Lever::label),
                fields,
            ),
        ],
    });
    sections
}

/// The urgency fields as typed, for re-display.
pub struct UrgencyFields {
    pub organisations: Vec<(&'static str, bool)>,
    pub kinds: Vec<(&'static str, bool)>,
    pub deadline: String,
}

pub fn urgency_fields(fields: &Fields) -> UrgencyFields {
    let organisation = text(fields, "urgence_organisme");
    let kind = text(fields, "urgence_demarche");
    UrgencyFields {
        organisations: ProcedureOrganisation::ALL
            .iter()
            .map(|o| (o.label(), o.label() == organisation))
            .collect(),
        kinds: ProcedureKind::ALL
            .iter()
            .map(|k| (k.label(), k.label() == kind))
            .collect(),
        deadline: text(fields, "urgence_echeance"),
    }
}

fn required<T>(
    fields: &Fields,
    name: &'static str,
    parse: fn(&str) -> Option<T>,
    errors: &mut Errors,
) -> Option<T> {
    let value = text(fields, name);
    if value.is_empty() {
        errors.insert(name, "Choisissez une réponse.".to_owned());
        return None;
    }
    let parsed = parse(&value);
    if parsed.is_none() {
        errors.insert(name, format!("Valeur « {value} » inconnue."));
    }
    parsed
}

fn optional<T>(
    fields: &Fields,
    name: &'static str,
    parse: fn(&str) -> Option<T>,
    errors: &mut Errors,
) -> Option<T> {
    let value = text(fields, name);
    if value.is_empty() {
        return None;
    }
    let parsed = parse(&value);
    if parsed.is_none() {
        errors.insert(name, format!("Valeur « {value} » inconnue."));
    }
    parsed
}

fn read_urgency(fields: &Fields, errors: &mut Errors) -> Option<Urgency> {
    let organisation = optional(
        fields,
        "urgence_organisme",
        ProcedureOrganisation::from_label,
        errors,
    );
    let kind = optional(
        fields,
        "urgence_demarche",
        ProcedureKind::from_label,
        errors,
    );
    let deadline_text = text(fields, "urgence_echeance");
    let deadline = match deadline_text.as_str() {
        "" => None,
        typed => match aiguillage_domain::calendar::parse_typed_date(typed) {
            Some(date) => Some(date),
            None => {
                errors.insert(
                    "urgence_echeance",
                    "Indiquez la date au format JJ/MM/AAAA (par exemple 15/12/2026).".to_owned(),
                );
                None
            }
        },
    };
    match (organisation, kind, deadline) {
        (Some(organisation), Some(kind), Some(deadline)) => Some(Urgency {
            organisation,
            kind,
            deadline,
        }),
        (None, None, None) => None,
        _ => {
            if !errors.contains_key("urgence_echeance") {
                errors.insert(
                    "urgence",
                    "Pour une démarche urgente, indiquez l'organisme, la démarche et la date limite (ou laissez les trois vides).".to_owned(),
                );
            }
            None
        }
    }
}

/// Reads the answers; `None` with messages in `errors` when an answer is missing or unreadable.
pub fn read_answers(fields: &Fields, errors: &mut Errors) -> Option<Answers> {
    let mut skills = Vec::new();
    for domain in SkillDomain::ALL {
        if let Some(answer) = required(fields, domain.field(), SkillAnswer::from_label, errors) {
            skills.push((*domain, answer));
        }
    }
    let mut detailed = Vec::new();
    for task in DetailedTask::ALL {
        if let Some(answer) = optional(fields, task.field(), SkillAnswer::from_label, errors) {
            detailed.push((*task, answer));
        }
    }
    let equipment = labels(fields, "equipement", Equipment::from_label, errors);
    let french_reading = required(fields, "lecture", LiteracyLevel::from_label, errors);
    let french_writing = required(fields, "ecriture", LiteracyLevel::from_label, errors);
    let languages = labels(fields, "langues", Language::from_label, errors);
    let support_needs = labels(
        fields,
        "prise_en_charge",
        SpecificSupport::from_label,
        errors,
    );
    let travel_range = required(fields, "deplacement", TravelRange::from_label, errors);
    let travel_modes = labels(fields, "moyens", TravelMode::from_label, errors);
    let remote = optional(fields, "a_distance", Willingness::from_label, errors);
    let availability = labels(fields, "disponibilites", Availability::from_label, errors);
    let willingness = required(fields, "envie", Willingness::from_label, errors);
    let levers = labels(fields, "leviers", Lever::from_label, errors);
    let urgency = read_urgency(fields, errors);
    let notes = match check_notes(&text(fields, "notes")) {
        Ok(notes) => notes,
        Err(error) => {
            errors.insert("notes", error.to_string());
            None
        }
    };
    if !errors.is_empty() {
        return None;
    }
    Some(Answers {
        equipment,
        skills,
        detailed,
        french_reading: french_reading?,
        french_writing: french_writing?,
        languages,
        support_needs,
        travel_range: travel_range?,
        travel_modes,
        accepts_remote: remote == Some(Willingness::Yes),
        availability,
        willingness: willingness?,
        levers,
        urgency,
        notes,
    })
}

/// The submitted fields again, as hidden inputs (the self-diagnostic's contact form carries the
/// answers this way, so nothing is stored before the person asks).
pub fn hidden_answers(fields: &Fields) -> Vec<(String, String)> {
    fields
        .iter()
        .filter(|(name, _)| name.as_str() != "csrf_token")
        .flat_map(|(name, values)| {
            values
                .iter()
                .map(move |value| (name.clone(), value.clone()))
        })
        .collect()
}

/// The profile as a result page shows it: the effective typology and help (after any override).
pub struct ProfileView {
    pub profile: Profile,
    pub typology: Typology,
    pub first_help: RecommendedHelp,
    pub override_: Option<ProfileOverride>,
    /// Progress by domain against the previous diagnostic, if any.
    pub progress: Vec<DomainProgress>,
    /// Directory search link prepared from the profile (the orientation's starting point).
    pub orientation_link: String,
}

impl ProfileView {
    pub fn new(
        profile: Profile,
        override_: Option<ProfileOverride>,
        previous: Option<&Profile>,
        commune: &str,
    ) -> ProfileView {
        let typology = override_
            .as_ref()
            .and_then(|o| o.typology)
            .unwrap_or(profile.typology);
        let first_help = override_
            .as_ref()
            .and_then(|o| o.help)
            .unwrap_or_else(|| profile.first_help());
        let progress = previous
            .map(|before| aiguillage_domain::diagnostic::progress(before, &profile))
            .unwrap_or_default();
        let orientation_link = orientation_link(&profile, commune);
        ProfileView {
            profile,
            typology,
            first_help,
            override_,
            progress,
            orientation_link,
        }
    }

    /// The urgency's deadline as `28/11/2026`.
    pub fn deadline(&self) -> String {
        self.profile
            .urgency
            .as_ref()
            .map(|u| {
                format!(
                    "{:02}/{:02}/{}",
                    u.deadline.day(),
                    u8::from(u.deadline.month()),
                    u.deadline.year()
                )
            })
            .unwrap_or_default()
    }

    /// The domains the person manages alone, in plain words (for the printable summary).
    pub fn strengths(&self) -> Vec<&'static str> {
        self.domains_at(true)
    }

    /// The domains still hard for the person.
    pub fn difficulties(&self) -> Vec<&'static str> {
        self.domains_at(false)
    }

    fn domains_at(&self, autonomous: bool) -> Vec<&'static str> {
        self.profile
            .domains
            .iter()
            .filter(|d| (d.level == AutonomyLevel::Autonomous) == autonomous)
            .map(|d| d.domain.label())
            .collect()
    }
}

/// The directory search that starts orientation: the first service needed, the first specific
/// support, around the person's commune within the distance they can travel.
fn orientation_link(profile: &Profile, commune: &str) -> String {
    let mut query = vec![format!("commune={}", urlencoding::encode(commune))];
    if let Some(need) = profile.services.first() {
        query.push(format!(
            "besoin={}",
            urlencoding::encode(need.service.label())
        ));
    }
    if let Some(support) = profile.requirements.specific_support.first() {
        query.push(format!(
            "accompagnement_specifique={}",
            urlencoding::encode(support.label())
        ));
    }
    let radius = profile.requirements.max_distance_km.clamp(5, 100);
    query.push(format!("rayon={radius}"));
    format!("/annuaire?{}", query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::form_fields::fields;

    const COMPLETE: &[u8] = "competence_appareil=Seul&competence_recherche=Avec+de+l%27aide&competence_messagerie=Seul\
&competence_demarche=Pas+du+tout&competence_securite=Ne+sait+pas&lecture=%C3%80+l%27aise&ecriture=Avec+difficult%C3%A9\
&deplacement=Jusqu%27%C3%A0+5+km&envie=Oui&equipement=Un+smartphone&leviers=Sant%C3%A9&tache_1=Seul".as_bytes();

    #[test]
    fn a_complete_form_reads_into_answers() {
        let mut errors = Errors::new();
        let answers = read_answers(&fields(COMPLETE), &mut errors).expect("answers");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            answers.skill(SkillDomain::OnlineProcedure),
            SkillAnswer::NotAtAll
        );
        assert_eq!(answers.equipment, vec![Equipment::Smartphone]);
        assert_eq!(
            answers.detailed,
            vec![(DetailedTask::InstallApp, SkillAnswer::Alone)]
        );
        assert_eq!(answers.travel_range, TravelRange::UpTo5Km);
        assert!(!answers.accepts_remote);
    }

    #[test]
    fn missing_answers_and_half_an_urgency_are_each_explained() {
        let mut errors = Errors::new();
        let body = [COMPLETE, b"&urgence_organisme=Imp%C3%B4ts"].concat();
        let trimmed = String::from_utf8(body)
            .expect("utf8")
            .replace("envie=Oui&", "");
        assert!(read_answers(&fields(trimmed.as_bytes()), &mut errors).is_none());
        assert_eq!(
            errors.get("envie").map(String::as_str),
            Some("Choisissez une réponse.")
        );
        assert!(errors.contains_key("urgence"));
    }

    #[test]
    fn the_form_shows_back_what_was_checked() {
        let sections = sections(&fields(COMPLETE), Wording::Professional, true);
        let equipment = &sections[0].groups[0];
        assert!(equipment
            .options
            .iter()
            .any(|o| o.value == "Un smartphone" && o.checked));
        assert!(equipment
            .options
            .iter()
            .any(|o| o.value == "Un ordinateur" && !o.checked));
        assert_eq!(sections[2].title, "Module détaillé (médiateurs)");
    }
}
