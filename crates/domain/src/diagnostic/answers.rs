//! The questionnaire of the 360° diagnostic: every question's coded answers (the exact French labels
//! the form shows), and the answers of one diagnostic. Only coded values, yes/no and levels: never a
//! medical detail, an income or the content of a procedure (DATA-PROTECTION.md).

use crate::directory::SpecificSupport;
use crate::free_text::{check_free_text, FreeTextError, FreeTextField};
use serde::{Deserialize, Serialize};
use time::Date;

labelled_enum! {
    /// The five basic skill domains of the questionnaire.
    SkillDomain {
        UsingDevice = "using_device" => "Utiliser un appareil",
        SearchingInformation = "searching_information" => "Chercher une information",
        Messaging = "messaging" => "Courriel et messagerie",
        OnlineProcedure = "online_procedure" => "Faire une démarche en ligne",
        StayingSafe = "staying_safe" => "Se protéger en ligne",
    }
}

impl SkillDomain {
    /// The question asked at the desk.
    pub fn question(self) -> &'static str {
        match self {
            SkillDomain::UsingDevice => {
                "Utiliser un téléphone, une tablette ou un ordinateur (allumer, toucher l'écran, taper au clavier, ouvrir une application)"
            }
            SkillDomain::SearchingInformation => "Chercher une information sur internet",
            SkillDomain::Messaging => "Lire et envoyer des courriels ou des messages",
            SkillDomain::OnlineProcedure => {
                "Faire une démarche en ligne (créer un compte, remplir un formulaire, envoyer un document)"
            }
            SkillDomain::StayingSafe => {
                "Se protéger (repérer une arnaque, garder ses mots de passe secrets)"
            }
        }
    }

    /// The competences of the CRCN (Pix) the domain covers, by their index in the framework.
    pub fn crcn_competences(self) -> &'static [&'static str] {
        match self {
            SkillDomain::UsingDevice => &["5.1", "5.2"],
            SkillDomain::SearchingInformation => &["1.1"],
            SkillDomain::Messaging => &["2.1", "2.2"],
            SkillDomain::OnlineProcedure => &["2.4", "1.2"],
            SkillDomain::StayingSafe => &["4.1", "4.2"],
        }
    }

    /// The form field of the domain's answer.
    pub fn field(self) -> &'static str {
        match self {
            SkillDomain::UsingDevice => "competence_appareil",
            SkillDomain::SearchingInformation => "competence_recherche",
            SkillDomain::Messaging => "competence_messagerie",
            SkillDomain::OnlineProcedure => "competence_demarche",
            SkillDomain::StayingSafe => "competence_securite",
        }
    }
}

labelled_enum! {
    /// How the person does something.
    SkillAnswer {
        Alone = "alone" => "Seul",
        WithHelp = "with_help" => "Avec de l'aide",
        NotAtAll = "not_at_all" => "Pas du tout",
        DoesNotKnow = "does_not_know" => "Ne sait pas",
    }
}

impl SkillAnswer {
    /// Points towards autonomy: alone 2, with help 1, otherwise 0.
    pub fn points(self) -> u32 {
        match self {
            SkillAnswer::Alone => 2,
            SkillAnswer::WithHelp => 1,
            SkillAnswer::NotAtAll | SkillAnswer::DoesNotKnow => 0,
        }
    }
}

labelled_enum! {
    /// The tasks of the detailed module (for mediators), two per domain.
    DetailedTask {
        InstallApp = "install_app" => "Installer ou mettre à jour une application",
        ConnectWifi = "connect_wifi" => "Se connecter à un réseau wifi",
        ChooseReliableResult = "choose_reliable_result" => "Choisir un résultat fiable dans un moteur de recherche",
        FindOfficialSite = "find_official_site" => "Trouver le site officiel d'un organisme",
        AttachFile = "attach_file" => "Joindre un fichier à un courriel",
        VideoCall = "video_call" => "Passer un appel vidéo",
        UseFranceConnect = "use_france_connect" => "Se connecter avec FranceConnect",
        SendScannedDocument = "send_scanned_document" => "Numériser (scanner ou photographier) et envoyer un justificatif",
        RecognisePhishing = "recognise_phishing" => "Reconnaître un message frauduleux (hameçonnage)",
        ManagePasswords = "manage_passwords" => "Créer et retenir des mots de passe sûrs",
    }
}

impl DetailedTask {
    pub fn domain(self) -> SkillDomain {
        match self {
            DetailedTask::InstallApp | DetailedTask::ConnectWifi => SkillDomain::UsingDevice,
            DetailedTask::ChooseReliableResult | DetailedTask::FindOfficialSite => {
                SkillDomain::SearchingInformation
            }
            DetailedTask::AttachFile | DetailedTask::VideoCall => SkillDomain::Messaging,
            DetailedTask::UseFranceConnect | DetailedTask::SendScannedDocument => {
                SkillDomain::OnlineProcedure
            }
            DetailedTask::RecognisePhishing | DetailedTask::ManagePasswords => {
                SkillDomain::StayingSafe
            }
        }
    }

    /// The form field of the task's answer.
    pub fn field(self) -> &'static str {
        const FIELDS: [&str; 10] = [
            "tache_1", "tache_2", "tache_3", "tache_4", "tache_5", "tache_6", "tache_7", "tache_8",
            "tache_9", "tache_10",
        ];
        let index = DetailedTask::ALL
            .iter()
            .position(|task| *task == self)
            .unwrap_or_default();
        FIELDS[index.min(FIELDS.len() - 1)]
    }
}

labelled_enum! {
    /// The person's equipment and access (each a yes/no answer).
    Equipment {
        Smartphone = "smartphone" => "Un smartphone",
        Computer = "computer" => "Un ordinateur",
        Tablet = "tablet" => "Une tablette",
        InternetAtHome = "internet_at_home" => "Internet à la maison",
        UsableEmail = "usable_email" => "Une adresse e-mail qu'elle sait ouvrir",
        OnlineAccounts = "online_accounts" => "Des comptes en ligne où elle sait se connecter",
    }
}

labelled_enum! {
    /// A functional level of reading or writing French.
    LiteracyLevel {
        Comfortable = "comfortable" => "À l'aise",
        WithDifficulty = "with_difficulty" => "Avec difficulté",
        NotAtAll = "not_at_all" => "Pas du tout",
    }
}

labelled_enum! {
    /// Languages in which the person can be helped.
    Language {
        French = "french" => "Français",
        English = "english" => "Anglais",
        Arabic = "arabic" => "Arabe",
        Spanish = "spanish" => "Espagnol",
        Portuguese = "portuguese" => "Portugais",
        Turkish = "turkish" => "Turc",
        Romanian = "romanian" => "Roumain",
        Russian = "russian" => "Russe",
        Ukrainian = "ukrainian" => "Ukrainien",
        Other = "other" => "Autre langue",
    }
}

labelled_enum! {
    /// How far the person can travel to get help.
    TravelRange {
        CannotTravel = "cannot_travel" => "Ne peut pas se déplacer",
        UpTo5Km = "up_to_5_km" => "Jusqu'à 5 km",
        UpTo15Km = "up_to_15_km" => "Jusqu'à 15 km",
        UpTo30Km = "up_to_30_km" => "Jusqu'à 30 km",
        Further = "further" => "Plus de 30 km",
    }
}

impl TravelRange {
    /// The greatest distance, in kilometres, orientation may propose (0: only home or remote help).
    pub fn max_km(self) -> u32 {
        match self {
            TravelRange::CannotTravel => 0,
            TravelRange::UpTo5Km => 5,
            TravelRange::UpTo15Km => 15,
            TravelRange::UpTo30Km => 30,
            TravelRange::Further => 60,
        }
    }
}

labelled_enum! {
    /// How the person travels.
    TravelMode {
        Walking = "walking" => "À pied",
        PublicTransport = "public_transport" => "En transports en commun",
        Car = "car" => "En voiture",
        DrivenByRelative = "driven_by_relative" => "Accompagnée par un proche",
        Bicycle = "bicycle" => "À vélo",
    }
}

labelled_enum! {
    /// When the person is available.
    Availability {
        WeekdayMorning = "weekday_morning" => "En semaine le matin",
        WeekdayAfternoon = "weekday_afternoon" => "En semaine l'après-midi",
        WeekdayEvening = "weekday_evening" => "En semaine en soirée",
        Saturday = "saturday" => "Le samedi",
    }
}

labelled_enum! {
    /// Whether the person wants to learn.
    Willingness {
        Yes = "yes" => "Oui",
        Unsure = "unsure" => "Ne sait pas",
        No = "no" => "Non",
    }
}

labelled_enum! {
    /// What makes learning worth it for the person.
    Lever {
        FamilyContact = "family_contact" => "Garder le contact avec ses proches",
        Health = "health" => "Santé",
        Job = "job" => "Emploi",
        RightsAndBenefits = "rights_and_benefits" => "Droits et prestations",
        ChildrenSchooling = "children_schooling" => "Scolarité des enfants",
        Money = "money" => "Budget et argent",
        Leisure = "leisure" => "Loisirs",
    }
}

labelled_enum! {
    /// The organisation of a pending procedure (coded, never the content).
    ProcedureOrganisation {
        Caf = "caf" => "CAF ou MSA",
        FranceTravail = "france_travail" => "France Travail",
        HealthInsurance = "health_insurance" => "Assurance maladie",
        Taxes = "taxes" => "Impôts",
        Ants = "ants" => "ANTS (papiers d'identité, permis, carte grise)",
        Pension = "pension" => "Caisse de retraite",
        Housing = "housing" => "Logement",
        EnergyOrWater = "energy_or_water" => "Énergie ou eau",
        BankOrInsurance = "bank_or_insurance" => "Banque ou assurance",
        School = "school" => "École ou université",
        Other = "other" => "Autre organisme",
    }
}

labelled_enum! {
    /// What the pending procedure is (coded).
    ProcedureKind {
        CreateAccount = "create_account" => "Créer un compte",
        Declare = "declare" => "Faire une déclaration",
        Claim = "claim" => "Demander une aide ou un droit",
        Renew = "renew" => "Renouveler un document ou un droit",
        SendDocument = "send_document" => "Envoyer un justificatif",
        Appointment = "appointment" => "Prendre un rendez-vous",
        Other = "other" => "Autre démarche",
    }
}

/// A pending procedure with a deadline: handled first, whatever the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Urgency {
    pub organisation: ProcedureOrganisation,
    pub kind: ProcedureKind,
    pub deadline: Date,
}

/// Longest notes field accepted.
pub const MAX_NOTES_CHARS: usize = 500; // FreeTextField::DiagnosticNotes.max_chars()

/// The answers of one diagnostic. The five domain answers are required; everything else may be empty
/// (an empty list means "none").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answers {
    pub equipment: Vec<Equipment>,
    /// One answer per domain, in [`SkillDomain::ALL`] order.
    pub skills: Vec<(SkillDomain, SkillAnswer)>,
    /// The detailed module's answers (only the tasks asked).
    pub detailed: Vec<(DetailedTask, SkillAnswer)>,
    pub french_reading: LiteracyLevel,
    pub french_writing: LiteracyLevel,
    pub languages: Vec<Language>,
    pub support_needs: Vec<SpecificSupport>,
    pub travel_range: TravelRange,
    pub travel_modes: Vec<TravelMode>,
    /// The person accepts help by phone or video.
    pub accepts_remote: bool,
    pub availability: Vec<Availability>,
    pub willingness: Willingness,
    pub levers: Vec<Lever>,
    pub urgency: Option<Urgency>,
    pub notes: Option<String>,
}

impl Answers {
    pub fn has(&self, item: Equipment) -> bool {
        self.equipment.contains(&item)
    }

    /// The answer given for a domain (`DoesNotKnow` if the domain is missing).
    pub fn skill(&self, domain: SkillDomain) -> SkillAnswer {
        self.skills
            .iter()
            .find(|(d, _)| *d == domain)
            .map_or(SkillAnswer::DoesNotKnow, |(_, answer)| *answer)
    }

    /// Whether the person has any device to go online with.
    pub fn has_device(&self) -> bool {
        self.has(Equipment::Smartphone)
            || self.has(Equipment::Computer)
            || self.has(Equipment::Tablet)
    }
}

/// Checks the optional notes through the free-text check ([`crate::free_text`]): short, and without
/// a social security number, bank or card number, whatever the separators. `None` for empty notes.
pub fn check_notes(text: &str) -> Result<Option<String>, FreeTextError> {
    check_free_text(FreeTextField::DiagnosticNotes, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_with_a_social_security_number_are_refused() {
        let refused = Err(FreeTextError::NationalIdentifier {
            field: FreeTextField::DiagnosticNotes,
        });
        assert_eq!(check_notes("NIR 1 85 05 49 007 123 45"), refused);
        assert_eq!(check_notes("NIR 1-85-05-49-007-123-45"), refused);
        assert_eq!(check_notes("NIR 1.85.05.49.007.123.45"), refused);
        assert_eq!(
            check_notes("  rappeler mardi 14 h  "),
            Ok(Some("rappeler mardi 14 h".to_owned()))
        );
        assert_eq!(check_notes(""), Ok(None));
        assert_eq!(
            check_notes(&"a".repeat(501)),
            Err(FreeTextError::TooLong {
                field: FreeTextField::DiagnosticNotes,
                length: 501
            })
        );
    }

    #[test]
    fn every_detailed_task_has_its_own_field_and_two_tasks_per_domain() {
        let fields: std::collections::BTreeSet<&str> =
            DetailedTask::ALL.iter().map(|t| t.field()).collect();
        assert_eq!(fields.len(), DetailedTask::ALL.len());
        for domain in SkillDomain::ALL {
            let count = DetailedTask::ALL
                .iter()
                .filter(|t| t.domain() == *domain)
                .count();
            assert_eq!(count, 2, "{domain}");
        }
    }
}
