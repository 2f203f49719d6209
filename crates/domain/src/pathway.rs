//! The pathway ("parcours") after a referral is accepted: the sessions the receiving mediator records,
//! in the vocabulary of the activity report ("compte rendu d'activité", CRA) of La Coop de la
//! médiation numérique, and what the person gained when the referral is closed.
//!
//! Every coded value carries its French label (`label`, as the pages show it) and its CRA `api` code
//! (`cra_code` / `from_cra_code`, as stored and exported: their [`Coded`](crate::labelled::Coded) code); `interop::cra` checks these codes against
//! the shipped CRA file (`data/referentiels/cra-coop-mediation-numerique.json`) in both directions.
//!
//! Nothing here holds an amount of money, a medical fact or the content of a procedure
//! (DATA-PROTECTION.md): gains are coded rights, a monthly bracket and a yes/no for a job or a
//! training; notes are short and checked for national identifiers.

use crate::directory::Audience;
use crate::free_text::{check_free_text, FreeTextError, FreeTextField};
use crate::orientation::ClosingOutcome;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::calendar::{iso_date, Date};

/// Declares the CRA `api` code of every variant of a labelled enumeration (the match is exhaustive:
/// a variant without a code does not compile).
macro_rules! cra_codes {
    ($name:ident { $($variant:ident => $code:literal,)+ }) => {
        impl $name {
            /// The CRA `api` code of this value.
            pub fn cra_code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The value with this CRA `api` code.
            pub fn from_cra_code(code: &str) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        /// The CRA code is the stable code the store keeps.
        impl $crate::labelled::Coded for $name {
            fn all() -> &'static [$name] {
                $name::ALL
            }

            fn code(self) -> &'static str {
                self.cra_code()
            }

            fn label(self) -> &'static str {
                $name::label(self)
            }

            fn from_code(code: &str) -> Option<$name> {
                $name::from_cra_code(code)
            }
        }
    };
}

labelled_enum! {
    /// Individual help or collective workshop (CRA `type`).
    SessionKind {
        Individual => "Accompagnement individuel",
        Collective => "Atelier collectif",
    }
}

cra_codes! {
    SessionKind {
        Individual => "individuel",
        Collective => "collectif",
    }
}

labelled_enum! {
    /// Where the session took place (CRA `type_lieu`).
    SessionPlace {
        AtStructure => "À la structure",
        Home => "À domicile",
        Remote => "À distance",
        Elsewhere => "Autre lieu",
    }
}

cra_codes! {
    SessionPlace {
        AtStructure => "lieu_activite",
        Home => "domicile",
        Remote => "a_distance",
        Elsewhere => "autre",
    }
}

labelled_enum! {
    /// The equipment used during the session (CRA `materiel`).
    Equipment {
        Computer => "Ordinateur",
        Phone => "Téléphone",
        Tablet => "Tablette",
        Other => "Autre",
        NoEquipment => "Pas de matériel",
    }
}

cra_codes! {
    Equipment {
        Computer => "ordinateur",
        Phone => "telephone",
        Tablet => "tablette",
        Other => "autre",
        NoEquipment => "aucun",
    }
}

labelled_enum! {
    /// What the session was about: the CRA digital-mediation themes (`thematiques`), then the
    /// administrative-procedure themes (`thematiques_demarche`), which detail
    /// [`Theme::AdministrativeProcedures`].
    Theme {
        DigitalDiagnostic => "Diagnostic numérique",
        DeviceHandling => "Prendre en main du matériel",
        DeviceMaintenance => "Maintenance de matériel",
        DigitalContent => "Gérer ses contenus numériques",
        WebBrowsing => "Navigation sur internet",
        Email => "E-mail",
        OfficeSoftware => "Bureautique",
        SocialNetworks => "Réseaux sociaux communication",
        Health => "Santé",
        BankingAndShopping => "Banque et achats en ligne",
        Entrepreneurship => "Accompagner un professionnel",
        Employability => "Insertion professionnelle",
        Security => "Prévention en sécurité numérique",
        Parenting => "Parentalité",
        Schooling => "Scolarité et numérique",
        Creating => "Créer avec le numérique",
        DigitalCulture => "Culture numérique",
        ArtificialIntelligence => "Intelligence artificielle (IA)",
        AdministrativeProcedures => "Aide aux démarches administratives",
        IdentityElectionsCitizenship => "Papiers - Élections - Citoyenneté",
        FamilySchooling => "Famille - Scolarité",
        SocialHealth => "Social - Santé",
        WorkTraining => "Travail - Formation - Entreprise",
        Housing => "Logement",
        TransportMobility => "Transports - Mobilité",
        MoneyTaxes => "Argent - Impôts",
        Justice => "Justice",
        ForeignersEurope => "Étrangers - Europe",
        LeisureSportsCulture => "Loisirs - Sports - Culture",
        Associations => "Associations",
    }
}

cra_codes! {
    Theme {
        DigitalDiagnostic => "diagnostic_numerique",
        DeviceHandling => "prendre_en_main_du_materiel",
        DeviceMaintenance => "maintenance_de_materiel",
        DigitalContent => "gere_ses_contenus_numeriques",
        WebBrowsing => "navigation_sur_internet",
        Email => "email",
        OfficeSoftware => "bureautique",
        SocialNetworks => "reseaux_sociaux",
        Health => "sante",
        BankingAndShopping => "banque_et_achats_en_ligne",
        Entrepreneurship => "entrepreneuriat",
        Employability => "insertion_professionnelle",
        Security => "securite_numerique",
        Parenting => "parentalite",
        Schooling => "scolarite_et_numerique",
        Creating => "creer_avec_le_numerique",
        DigitalCulture => "culture_numerique",
        ArtificialIntelligence => "intelligence_artificielle",
        AdministrativeProcedures => "aide_aux_demarches_administratives",
        IdentityElectionsCitizenship => "papiers_elections_citoyennete",
        FamilySchooling => "famille_scolarite",
        SocialHealth => "social_sante",
        WorkTraining => "travail_formation",
        Housing => "logement",
        TransportMobility => "transports_mobilite",
        MoneyTaxes => "argent_impots",
        Justice => "justice",
        ForeignersEurope => "etrangers_europe",
        LeisureSportsCulture => "loisirs_sports_culture",
        Associations => "associations",
    }
}

impl Theme {
    /// Whether the theme details an administrative procedure (CRA `thematiques_demarche`) rather
    /// than being a digital-mediation theme (CRA `thematiques`).
    pub fn is_procedure_detail(self) -> bool {
        self >= Theme::IdentityElectionsCitizenship
    }

    /// The digital-mediation themes (CRA `thematiques`).
    pub fn mediation() -> impl Iterator<Item = Theme> {
        Theme::ALL
            .iter()
            .copied()
            .filter(|t| !t.is_procedure_detail())
    }

    /// The administrative-procedure themes (CRA `thematiques_demarche`).
    pub fn procedure_details() -> impl Iterator<Item = Theme> {
        Theme::ALL
            .iter()
            .copied()
            .filter(|t| t.is_procedure_detail())
    }
}

labelled_enum! {
    /// The autonomy the mediator observed at the end of an individual session (CRA `autonomie`).
    ObservedAutonomy {
        FullyGuided => "Avec guidage",
        PartlyAutonomous => "Autonome avec guidage en cas de besoin",
        Autonomous => "Autonome",
    }
}

cra_codes! {
    ObservedAutonomy {
        FullyGuided => "entierement_accompagne",
        PartlyAutonomous => "partiellement_autonome",
        Autonomous => "autonome",
    }
}

labelled_enum! {
    /// The level of a collective workshop (CRA `niveau`).
    WorkshopLevel {
        Beginner => "Débutant",
        Intermediate => "Intermédiaire",
        Advanced => "Avancé",
    }
}

cra_codes! {
    WorkshopLevel {
        Beginner => "debutant",
        Intermediate => "intermediaire",
        Advanced => "avance",
    }
}

labelled_enum! {
    /// The kind of structure a person was sent on to (CRA `structure_de_redirection`).
    RedirectStructure {
        Administration => "Administration (mairie, préfecture…)",
        DigitalMediation => "Autre structure de médiation numérique",
        ProcedureOperator => "Opérateur ou organisme en charge de la démarche administrative",
        SocialAid => "Structure d’aide sociale (maison des solidarités, centre social…)",
        Employment => "Structure d’insertion professionnelle (France Travail, mission locale, chambre de commerce…)",
        ProcedureHelp => "Structure d’aide aux démarches administratives (France Services…)",
        Other => "Autre",
    }
}

cra_codes! {
    RedirectStructure {
        Administration => "administration",
        DigitalMediation => "mediation_numerique",
        ProcedureOperator => "operateur_ou_organisme_en_charge",
        SocialAid => "aide_sociale",
        Employment => "insertion_professionnelle",
        ProcedureHelp => "aide_aux_demarches_administratives",
        Other => "autre",
    }
}

labelled_enum! {
    /// An age band of the CRA (`tranche_age`), for statistics and exports instead of a birth year.
    AgeBand {
        Under12 => "Moins de 12 ans",
        From12To17 => "12 - 17 ans",
        From18To24 => "18 - 24 ans",
        From25To39 => "25 - 39 ans",
        From40To59 => "40 - 59 ans",
        From60To69 => "60 - 69 ans",
        From70 => "70 ans et plus",
        Unknown => "Non communiqué",
    }
}

cra_codes! {
    AgeBand {
        Under12 => "moins_de_douze",
        From12To17 => "douze_dix_huit",
        From18To24 => "dix_huit_vingt_quatre",
        From25To39 => "vingt_cinq_trente_neuf",
        From40To59 => "quarante_cinquante_neuf",
        From60To69 => "soixante_soixante_neuf",
        From70 => "soixante_dix_plus",
        Unknown => "non_communique",
    }
}

impl AgeBand {
    /// The band of a person born in `birth_year`, counted in `current_year` as the CRA does
    /// (< 12, < 18, < 25, < 40, < 60, < 70, else 70 and over); `Unknown` without a birth year.
    pub fn of_birth_year(birth_year: Option<i32>, current_year: i32) -> AgeBand {
        let Some(birth_year) = birth_year else {
            return AgeBand::Unknown;
        };
        match current_year - birth_year {
            age if age < 12 => AgeBand::Under12,
            age if age < 18 => AgeBand::From12To17,
            age if age < 25 => AgeBand::From18To24,
            age if age < 40 => AgeBand::From25To39,
            age if age < 60 => AgeBand::From40To59,
            age if age < 70 => AgeBand::From60To69,
            _ => AgeBand::From70,
        }
    }

    /// The publics of the places standard a person of this band belongs to by age alone: young
    /// people under 25, seniors from 60. The other publics (students, families, women) are not
    /// recorded at enrolment, so no figure is cut by them.
    pub fn implied_audiences(self) -> &'static [Audience] {
        match self {
            AgeBand::From12To17 | AgeBand::From18To24 => &[Audience::Youth],
            AgeBand::From60To69 | AgeBand::From70 => &[Audience::Seniors],
            _ => &[],
        }
    }

    /// The publics some age band implies, in the standard's order: the only ones a figure can be
    /// cut by.
    pub fn implied_publics() -> Vec<Audience> {
        Audience::ALL
            .iter()
            .copied()
            .filter(|a| {
                AgeBand::ALL
                    .iter()
                    .any(|b| b.implied_audiences().contains(a))
            })
            .collect()
    }
}

labelled_enum! {
    /// The social status of the CRA (`statut_social`).
    SocialStatus {
        InSchool => "Scolarisé",
        Unemployed => "Sans emploi",
        Employed => "En emploi",
        Retired => "Retraité",
        Unknown => "Non communiqué ou hétérogène",
    }
}

cra_codes! {
    SocialStatus {
        InSchool => "scolarise",
        Unemployed => "sans_emploi",
        Employed => "en_emploi",
        Retired => "retraite",
        Unknown => "non_communique",
    }
}

/// Longest session accepted, in minutes (8 hours).
pub const MAX_SESSION_MINUTES: u32 = 8 * 60;
/// Fewest participants of a collective workshop.
pub const MIN_WORKSHOP_PARTICIPANTS: u32 = 2;
/// Most participants of a collective workshop (beyond, it is surely a typing error).
pub const MAX_WORKSHOP_PARTICIPANTS: u32 = 500;

/// A session as a form or a file gives it: flat, every kind-specific field optional. Checked by
/// [`NewSession::validate`] (or [`NewSession::record`]) into a [`SessionRecord`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSession {
    pub held_on: Date,
    pub duration_minutes: u32,
    pub kind: SessionKind,
    pub place: SessionPlace,
    pub equipment: BTreeSet<Equipment>,
    pub themes: BTreeSet<Theme>,
    /// Individual sessions only, and required for them.
    pub autonomy: Option<ObservedAutonomy>,
    /// Collective sessions only, and required for them: everyone present.
    pub participants: Option<u32>,
    /// Collective sessions only: how many of the participants are not registered people.
    pub anonymous_participants: Option<u32>,
    /// Collective sessions only.
    pub workshop_title: Option<String>,
    /// Collective sessions only.
    pub workshop_level: Option<WorkshopLevel>,
    /// Short, optional; never sensitive data (checked like the diagnostic's notes).
    pub notes: Option<String>,
}

/// What is specific to an individual session or a collective workshop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionFormat {
    Individual {
        autonomy: ObservedAutonomy,
    },
    Collective {
        /// Everyone present (at least 2).
        participants: u32,
        /// Those of them who are not registered people (no more than `participants`).
        anonymous_participants: u32,
        title: Option<String>,
        level: Option<WorkshopLevel>,
    },
}

/// A checked session: every rule of [`SessionRecord::check`] holds when it comes from
/// [`NewSession::record`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub held_on: Date,
    pub duration_minutes: u32,
    pub place: SessionPlace,
    pub equipment: BTreeSet<Equipment>,
    /// At least one; a procedure detail always comes with [`Theme::AdministrativeProcedures`].
    pub themes: BTreeSet<Theme>,
    pub format: SessionFormat,
    pub notes: Option<String>,
}

/// Why a session is refused; the message is the French sentence shown beside the form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("Indiquez la durée de la séance, en minutes.")]
    NoDuration,
    #[error("Une séance dure au plus 8 heures ({MAX_SESSION_MINUTES} minutes) : {minutes} minutes, est-ce une erreur de saisie ?")]
    TooLong { minutes: u32 },
    #[error("La date de la séance ({date}) est dans le futur.")]
    InTheFuture { date: String },
    #[error("Choisissez au moins une thématique.")]
    NoTheme,
    #[error("« Pas de matériel » ne peut pas être coché avec un matériel.")]
    NoEquipmentAndEquipment,
    #[error("Pour un accompagnement individuel, indiquez l'autonomie observée.")]
    MissingAutonomy,
    #[error("L'autonomie observée ne se note que pour un accompagnement individuel, pas pour un atelier collectif.")]
    AutonomyInWorkshop,
    #[error("Le nombre de participants, le titre et le niveau ne se notent que pour un atelier collectif.")]
    WorkshopFieldsForIndividual,
    #[error("Pour un atelier collectif, indiquez le nombre de participants.")]
    MissingParticipants,
    #[error("Un atelier collectif compte au moins {MIN_WORKSHOP_PARTICIPANTS} participants.")]
    TooFewParticipants,
    #[error("Un atelier collectif compte au plus {MAX_WORKSHOP_PARTICIPANTS} participants : {participants}, est-ce une erreur de saisie ?")]
    TooManyParticipants { participants: u32 },
    #[error("Les participants anonymes ({anonymous}) ne peuvent pas être plus nombreux que l'ensemble des participants ({participants}).")]
    MoreAnonymousThanParticipants { anonymous: u32, participants: u32 },
    #[error("Le nombre de participants ({participants}) doit être égal aux personnes inscrites choisies ({registered}) plus les participants anonymes ({anonymous}).")]
    ParticipantsDoNotAddUp {
        participants: u32,
        registered: u32,
        anonymous: u32,
    },
    #[error("Un accompagnement individuel concerne une seule personne inscrite ({registered} choisies).")]
    IndividualNeedsOnePerson { registered: u32 },
    /// The workshop title or the notes: too long, or holding a number never to be written.
    #[error("{0}")]
    Text(#[from] FreeTextError),
}

/// Trims an optional text; empty becomes `None`.
fn trimmed(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

impl NewSession {
    /// Checks every rule, the date included: not after `today`, the date it is where the session's
    /// structure is ([`crate::calendar::local_date`]), and gives the checked record.
    pub fn validate(&self, today: Date) -> Result<SessionRecord, SessionError> {
        if self.held_on > today {
            return Err(SessionError::InTheFuture {
                date: iso_date(self.held_on),
            });
        }
        self.record()
    }

    /// Checks every rule but the date's (for files of past activities), and gives the checked
    /// record: texts trimmed, and [`Theme::AdministrativeProcedures`] added when a procedure detail
    /// is chosen.
    pub fn record(&self) -> Result<SessionRecord, SessionError> {
        let workshop_fields = self.participants.is_some()
            || self.anonymous_participants.is_some()
            || trimmed(self.workshop_title.as_deref()).is_some()
            || self.workshop_level.is_some();
        let format = match self.kind {
            SessionKind::Individual => {
                if workshop_fields {
                    return Err(SessionError::WorkshopFieldsForIndividual);
                }
                SessionFormat::Individual {
                    autonomy: self.autonomy.ok_or(SessionError::MissingAutonomy)?,
                }
            }
            SessionKind::Collective => {
                if self.autonomy.is_some() {
                    return Err(SessionError::AutonomyInWorkshop);
                }
                SessionFormat::Collective {
                    participants: self.participants.ok_or(SessionError::MissingParticipants)?,
                    anonymous_participants: self.anonymous_participants.unwrap_or(0),
                    title: match self.workshop_title.as_deref() {
                        Some(title) => check_free_text(FreeTextField::WorkshopTitle, title)?,
                        None => None,
                    },
                    level: self.workshop_level,
                }
            }
        };
        let mut themes = self.themes.clone();
        if themes.iter().any(|t| t.is_procedure_detail()) {
            themes.insert(Theme::AdministrativeProcedures);
        }
        let notes = match self.notes.as_deref() {
            Some(notes) => check_free_text(FreeTextField::SessionNotes, notes)?,
            None => None,
        };
        let record = SessionRecord {
            held_on: self.held_on,
            duration_minutes: self.duration_minutes,
            place: self.place,
            equipment: self.equipment.clone(),
            themes,
            format,
            notes,
        };
        record.check()?;
        Ok(record)
    }
}

impl SessionRecord {
    pub fn kind(&self) -> SessionKind {
        match self.format {
            SessionFormat::Individual { .. } => SessionKind::Individual,
            SessionFormat::Collective { .. } => SessionKind::Collective,
        }
    }

    /// The autonomy observed, for an individual session.
    pub fn autonomy(&self) -> Option<ObservedAutonomy> {
        match self.format {
            SessionFormat::Individual { autonomy } => Some(autonomy),
            SessionFormat::Collective { .. } => None,
        }
    }

    /// `(participants, anonymous participants)` of a collective workshop.
    pub fn participants(&self) -> Option<(u32, u32)> {
        match self.format {
            SessionFormat::Individual { .. } => None,
            SessionFormat::Collective {
                participants,
                anonymous_participants,
                ..
            } => Some((participants, anonymous_participants)),
        }
    }

    /// The rules every stored session meets (the date aside).
    pub fn check(&self) -> Result<(), SessionError> {
        if self.duration_minutes == 0 {
            return Err(SessionError::NoDuration);
        }
        if self.duration_minutes > MAX_SESSION_MINUTES {
            return Err(SessionError::TooLong {
                minutes: self.duration_minutes,
            });
        }
        if self.themes.is_empty() {
            return Err(SessionError::NoTheme);
        }
        if self.equipment.contains(&Equipment::NoEquipment) && self.equipment.len() > 1 {
            return Err(SessionError::NoEquipmentAndEquipment);
        }
        if let SessionFormat::Collective {
            participants,
            anonymous_participants,
            title,
            ..
        } = &self.format
        {
            if *participants < MIN_WORKSHOP_PARTICIPANTS {
                return Err(SessionError::TooFewParticipants);
            }
            if *participants > MAX_WORKSHOP_PARTICIPANTS {
                return Err(SessionError::TooManyParticipants {
                    participants: *participants,
                });
            }
            if anonymous_participants > participants {
                return Err(SessionError::MoreAnonymousThanParticipants {
                    anonymous: *anonymous_participants,
                    participants: *participants,
                });
            }
            if let Some(title) = title {
                check_free_text(FreeTextField::WorkshopTitle, title)?;
            }
        }
        if let Some(notes) = &self.notes {
            check_free_text(FreeTextField::SessionNotes, notes)?;
        }
        Ok(())
    }

    /// Checks the number of registered people the session is recorded for: exactly one for an
    /// individual session; for a collective workshop, everyone present is counted once (the
    /// registered people chosen plus the anonymous participants make the participants).
    pub fn check_registered(&self, registered: usize) -> Result<(), SessionError> {
        let registered = u32::try_from(registered).unwrap_or(u32::MAX);
        match self.format {
            SessionFormat::Individual { .. } if registered == 1 => Ok(()),
            SessionFormat::Individual { .. } => {
                Err(SessionError::IndividualNeedsOnePerson { registered })
            }
            SessionFormat::Collective {
                participants,
                anonymous_participants,
                ..
            } if registered.checked_add(anonymous_participants) == Some(participants) => Ok(()),
            SessionFormat::Collective {
                participants,
                anonymous_participants,
                ..
            } => Err(SessionError::ParticipantsDoNotAddUp {
                participants,
                registered,
                anonymous: anonymous_participants,
            }),
        }
    }

    /// The flat form of the record (as a form or a file shows it).
    pub fn to_new(&self) -> NewSession {
        let (participants, anonymous, title, level) = match &self.format {
            SessionFormat::Individual { .. } => (None, None, None, None),
            SessionFormat::Collective {
                participants,
                anonymous_participants,
                title,
                level,
            } => (
                Some(*participants),
                Some(*anonymous_participants),
                title.clone(),
                *level,
            ),
        };
        NewSession {
            held_on: self.held_on,
            duration_minutes: self.duration_minutes,
            kind: self.kind(),
            place: self.place,
            equipment: self.equipment.clone(),
            themes: self.themes.clone(),
            autonomy: self.autonomy(),
            participants,
            anonymous_participants: anonymous,
            workshop_title: title,
            workshop_level: level,
            notes: self.notes.clone(),
        }
    }
}

labelled_enum! {
    /// A right or benefit the person obtained (or had renewed) during the pathway. Rights that
    /// reveal a health condition or a disability are deliberately absent (DATA-PROTECTION.md: no
    /// medical information); they count as `Other`.
    RightKind {
        Rsa = "rsa" => "Revenu de solidarité active (RSA)",
        ActivityBonus = "prime_activite" => "Prime d'activité",
        HousingAid = "aide_logement" => "Aide au logement (APL, ALS, ALF)",
        SolidarityHealthCover = "complementaire_sante_solidaire" => "Complémentaire santé solidaire (C2S)",
        HealthInsurance = "assurance_maladie" => "Ouverture des droits à l'Assurance maladie",
        FamilyAllowances = "prestations_familiales" => "Prestations familiales (allocations familiales, complément familial…)",
        Retirement = "retraite" => "Retraite (demande ou liquidation)",
        OldAgeMinimum = "aspa" => "Allocation de solidarité aux personnes âgées (ASPA)",
        UnemploymentBenefit = "allocation_chomage" => "Allocation chômage (ARE, ASS)",
        EnergyCheque = "cheque_energie" => "Chèque énergie",
        TaxRefund = "impot" => "Remboursement, crédit ou réduction d'impôt",
        StudentGrant = "bourse_etudes" => "Bourse d'études ou aide étudiante",
        SocialTransportFare = "tarif_social_transports" => "Tarif social des transports",
        Other = "autre" => "Autre droit ou aide",
    }
}

labelled_enum! {
    /// Money gained or saved each month thanks to the pathway, as a bracket: never an amount.
    MoneyBracket {
        LessThan50 = "moins_50" => "Moins de 50 € par mois",
        From50To150 = "50_150" => "De 50 à 150 € par mois",
        From150To300 = "150_300" => "De 150 à 300 € par mois",
        MoreThan300 = "plus_300" => "Plus de 300 € par mois",
    }
}

/// What the person gained, recorded when the referral is closed. All of it may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gains {
    pub rights: BTreeSet<RightKind>,
    /// Monthly money gained or saved, if any.
    pub money: Option<MoneyBracket>,
    /// The person found a job or entered a training.
    pub job_or_training: bool,
}

/// Where a person was sent on to, when the referral closes with [`ClosingOutcome::SentElsewhere`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentElsewhere {
    pub kind: RedirectStructure,
    /// The structure's name, e.g. « France Services de Segré » (optional, short).
    pub name: Option<String>,
}

/// How a referral ends and what it brought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closing {
    pub outcome: ClosingOutcome,
    pub gains: Gains,
    /// Required when, and only when, the outcome is [`ClosingOutcome::SentElsewhere`].
    pub sent_elsewhere: Option<SentElsewhere>,
}

/// Why a closing is refused; the message is the French sentence shown beside the form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClosingError {
    #[error("Indiquez vers quel type de structure la personne a été orientée.")]
    MissingSentElsewhere,
    #[error("La structure vers laquelle la personne a été orientée ne se note que pour l'issue « Orientée ailleurs ».")]
    SentElsewhereWithoutThatOutcome,
    /// The structure's name: too long, or holding a number never to be written.
    #[error("{0}")]
    Name(#[from] FreeTextError),
}

impl Closing {
    /// Checks the closing and gives it back with the structure's name trimmed (empty: none).
    pub fn checked(&self) -> Result<Closing, ClosingError> {
        let sent_elsewhere = match (self.outcome, &self.sent_elsewhere) {
            (ClosingOutcome::SentElsewhere, None) => {
                return Err(ClosingError::MissingSentElsewhere)
            }
            (ClosingOutcome::SentElsewhere, Some(place)) => {
                let name = match place.name.as_deref() {
                    Some(name) => check_free_text(FreeTextField::RedirectName, name)?,
                    None => None,
                };
                Some(SentElsewhere {
                    kind: place.kind,
                    name,
                })
            }
            (_, Some(_)) => return Err(ClosingError::SentElsewhereWithoutThatOutcome),
            (_, None) => None,
        };
        Ok(Closing {
            outcome: self.outcome,
            gains: self.gains.clone(),
            sent_elsewhere,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    fn individual() -> NewSession {
        NewSession {
            held_on: date!(2026 - 11 - 20),
            duration_minutes: 60,
            kind: SessionKind::Individual,
            place: SessionPlace::AtStructure,
            equipment: [Equipment::Phone].into(),
            themes: [Theme::Email].into(),
            autonomy: Some(ObservedAutonomy::PartlyAutonomous),
            participants: None,
            anonymous_participants: None,
            workshop_title: None,
            workshop_level: None,
            notes: Some("  Revoir la sauvegarde des photos.  ".into()),
        }
    }

    fn workshop() -> NewSession {
        NewSession {
            kind: SessionKind::Collective,
            autonomy: None,
            participants: Some(8),
            anonymous_participants: Some(5),
            workshop_title: Some("Premiers pas sur la tablette".into()),
            workshop_level: Some(WorkshopLevel::Beginner),
            notes: None,
            ..individual()
        }
    }

    #[test]
    fn a_session_may_be_dated_today_but_not_tomorrow() {
        let today = NewSession {
            held_on: TODAY,
            ..individual()
        };
        assert!(today.validate(TODAY).is_ok());
        let tomorrow = NewSession {
            held_on: date!(2026 - 11 - 24),
            ..individual()
        };
        assert_eq!(
            tomorrow.validate(TODAY).map(|_| ()),
            Err(SessionError::InTheFuture {
                date: "2026-11-24".into()
            })
        );
    }

    #[test]
    fn a_good_individual_session_is_recorded_with_its_notes_trimmed() {
        let record = individual().validate(TODAY).expect("valid");
        assert_eq!(record.kind(), SessionKind::Individual);
        assert_eq!(record.autonomy(), Some(ObservedAutonomy::PartlyAutonomous));
        assert_eq!(
            record.notes.as_deref(),
            Some("Revoir la sauvegarde des photos.")
        );
        assert_eq!(record.to_new().record(), Ok(record.clone()));
        assert_eq!(record.check_registered(1), Ok(()));
        assert_eq!(
            record.check_registered(2).map_err(|e| e.to_string()),
            Err(
                "Un accompagnement individuel concerne une seule personne inscrite (2 choisies)."
                    .into()
            )
        );
    }

    #[test]
    fn a_good_workshop_is_recorded_and_counts_everyone_once() {
        let record = workshop().validate(TODAY).expect("valid");
        assert_eq!(record.participants(), Some((8, 5)));
        assert_eq!(record.autonomy(), None);
        assert_eq!(record.check_registered(3), Ok(()));
        let error = record.check_registered(2).expect_err("8 ≠ 2 + 5");
        assert_eq!(
            error.to_string(),
            "Le nombre de participants (8) doit être égal aux personnes inscrites choisies (2) plus \
             les participants anonymes (5)."
        );
        assert_eq!(record.to_new().record(), Ok(record));
    }

    #[test]
    fn each_broken_rule_has_its_own_french_message() {
        let cases: Vec<(NewSession, SessionError, &str)> = vec![
            (
                NewSession {
                    duration_minutes: 0,
                    ..individual()
                },
                SessionError::NoDuration,
                "Indiquez la durée de la séance, en minutes.",
            ),
            (
                NewSession {
                    duration_minutes: 481,
                    ..individual()
                },
                SessionError::TooLong { minutes: 481 },
                "Une séance dure au plus 8 heures (480 minutes) : 481 minutes, est-ce une erreur de saisie ?",
            ),
            (
                NewSession {
                    held_on: date!(2026 - 11 - 25),
                    ..individual()
                },
                SessionError::InTheFuture {
                    date: "2026-11-25".into(),
                },
                "La date de la séance (2026-11-25) est dans le futur.",
            ),
            (
                NewSession {
                    themes: BTreeSet::new(),
                    ..individual()
                },
                SessionError::NoTheme,
                "Choisissez au moins une thématique.",
            ),
            (
                NewSession {
                    equipment: [Equipment::NoEquipment, Equipment::Tablet].into(),
                    ..individual()
                },
                SessionError::NoEquipmentAndEquipment,
                "« Pas de matériel » ne peut pas être coché avec un matériel.",
            ),
            (
                NewSession {
                    autonomy: None,
                    ..individual()
                },
                SessionError::MissingAutonomy,
                "Pour un accompagnement individuel, indiquez l'autonomie observée.",
            ),
            (
                NewSession {
                    participants: Some(3),
                    ..individual()
                },
                SessionError::WorkshopFieldsForIndividual,
                "Le nombre de participants, le titre et le niveau ne se notent que pour un atelier collectif.",
            ),
            (
                NewSession {
                    autonomy: Some(ObservedAutonomy::Autonomous),
                    ..workshop()
                },
                SessionError::AutonomyInWorkshop,
                "L'autonomie observée ne se note que pour un accompagnement individuel, pas pour un atelier collectif.",
            ),
            (
                NewSession {
                    participants: None,
                    ..workshop()
                },
                SessionError::MissingParticipants,
                "Pour un atelier collectif, indiquez le nombre de participants.",
            ),
            (
                NewSession {
                    participants: Some(1),
                    anonymous_participants: Some(0),
                    ..workshop()
                },
                SessionError::TooFewParticipants,
                "Un atelier collectif compte au moins 2 participants.",
            ),
            (
                NewSession {
                    participants: Some(501),
                    ..workshop()
                },
                SessionError::TooManyParticipants { participants: 501 },
                "Un atelier collectif compte au plus 500 participants : 501, est-ce une erreur de saisie ?",
            ),
            (
                NewSession {
                    participants: Some(4),
                    anonymous_participants: Some(5),
                    ..workshop()
                },
                SessionError::MoreAnonymousThanParticipants {
                    anonymous: 5,
                    participants: 4,
                },
                "Les participants anonymes (5) ne peuvent pas être plus nombreux que l'ensemble des participants (4).",
            ),
            (
                NewSession {
                    workshop_title: Some("a".repeat(121)),
                    ..workshop()
                },
                SessionError::Text(FreeTextError::TooLong {
                    field: FreeTextField::WorkshopTitle,
                    length: 121,
                }),
                "Le champ « Titre de l'atelier » doit faire au plus 120 caractères (121 saisis).",
            ),
            (
                NewSession {
                    notes: Some("a".repeat(501)),
                    ..individual()
                },
                SessionError::Text(FreeTextError::TooLong {
                    field: FreeTextField::SessionNotes,
                    length: 501,
                }),
                "Le champ « Notes de la séance » doit faire au plus 500 caractères (501 saisis).",
            ),
            (
                NewSession {
                    notes: Some("NIR 2 85 05 49 007 123 45".into()),
                    ..individual()
                },
                SessionError::Text(FreeTextError::NationalIdentifier {
                    field: FreeTextField::SessionNotes,
                }),
                "Le champ « Notes de la séance » semble contenir un numéro de sécurité sociale ou un \
                 autre numéro d'identification (13 chiffres ou plus, même séparés par des espaces, \
                 points, tirets ou barres) : il ne doit jamais être noté.",
            ),
            (
                NewSession {
                    notes: Some("sécu 2-85-05-49-007-123-45".into()),
                    ..individual()
                },
                SessionError::Text(FreeTextError::NationalIdentifier {
                    field: FreeTextField::SessionNotes,
                }),
                "Le champ « Notes de la séance » semble contenir un numéro de sécurité sociale ou un \
                 autre numéro d'identification (13 chiffres ou plus, même séparés par des espaces, \
                 points, tirets ou barres) : il ne doit jamais être noté.",
            ),
        ];
        for (session, expected, message) in cases {
            let error = session.validate(TODAY).expect_err(message);
            assert_eq!(error, expected);
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn the_limits_themselves_are_accepted() {
        let longest = NewSession {
            duration_minutes: MAX_SESSION_MINUTES,
            held_on: TODAY,
            ..individual()
        };
        assert!(longest.validate(TODAY).is_ok());
        let smallest = NewSession {
            participants: Some(2),
            anonymous_participants: Some(2),
            workshop_title: Some("   ".into()),
            ..workshop()
        };
        let record = smallest
            .validate(TODAY)
            .expect("two anonymous participants");
        assert!(matches!(
            record.format,
            SessionFormat::Collective { title: None, .. }
        ));
        assert_eq!(
            NewSession {
                equipment: [Equipment::NoEquipment].into(),
                ..individual()
            }
            .validate(TODAY)
            .map(|r| r.equipment.len()),
            Ok(1)
        );
    }

    #[test]
    fn a_procedure_detail_brings_its_parent_theme() {
        let record = NewSession {
            themes: [Theme::Housing].into(),
            ..individual()
        }
        .validate(TODAY)
        .expect("valid");
        assert_eq!(
            record.themes,
            [Theme::AdministrativeProcedures, Theme::Housing].into()
        );
        assert_eq!(Theme::mediation().count(), 19);
        assert_eq!(Theme::procedure_details().count(), 11);
        assert!(!Theme::AdministrativeProcedures.is_procedure_detail());
        assert!(Theme::IdentityElectionsCitizenship.is_procedure_detail());
    }

    fn codes_round_trip<T: Copy + PartialEq + std::fmt::Debug>(
        all: &[T],
        code: fn(T) -> &'static str,
        back: fn(&str) -> Option<T>,
    ) {
        let mut seen = BTreeSet::new();
        for value in all {
            assert_eq!(back(code(*value)), Some(*value));
            assert!(seen.insert(code(*value)), "code {} twice", code(*value));
        }
        assert_eq!(back("inconnu"), None);
    }

    #[test]
    fn every_code_reads_back_to_its_value() {
        codes_round_trip(
            SessionKind::ALL,
            SessionKind::cra_code,
            SessionKind::from_cra_code,
        );
        codes_round_trip(
            SessionPlace::ALL,
            SessionPlace::cra_code,
            SessionPlace::from_cra_code,
        );
        codes_round_trip(
            Equipment::ALL,
            Equipment::cra_code,
            Equipment::from_cra_code,
        );
        codes_round_trip(Theme::ALL, Theme::cra_code, Theme::from_cra_code);
        codes_round_trip(
            ObservedAutonomy::ALL,
            ObservedAutonomy::cra_code,
            ObservedAutonomy::from_cra_code,
        );
        codes_round_trip(
            WorkshopLevel::ALL,
            WorkshopLevel::cra_code,
            WorkshopLevel::from_cra_code,
        );
        codes_round_trip(
            RedirectStructure::ALL,
            RedirectStructure::cra_code,
            RedirectStructure::from_cra_code,
        );
        codes_round_trip(AgeBand::ALL, AgeBand::cra_code, AgeBand::from_cra_code);
        codes_round_trip(
            SocialStatus::ALL,
            SocialStatus::cra_code,
            SocialStatus::from_cra_code,
        );
        codes_round_trip(RightKind::ALL, RightKind::code, RightKind::from_code);
        codes_round_trip(
            MoneyBracket::ALL,
            MoneyBracket::code,
            MoneyBracket::from_code,
        );
        assert_eq!(Theme::ALL.len(), 30);
    }

    #[test]
    fn labels_are_distinct_within_each_enumeration() {
        fn distinct(labels: impl Iterator<Item = &'static str>) -> bool {
            let labels: Vec<_> = labels.collect();
            labels.len() == labels.iter().collect::<BTreeSet<_>>().len()
        }
        assert!(distinct(Theme::ALL.iter().map(|t| t.label())));
        assert!(distinct(RightKind::ALL.iter().map(|r| r.label())));
        assert!(distinct(RedirectStructure::ALL.iter().map(|r| r.label())));
    }

    #[test]
    fn age_bands_follow_the_cra_rule() {
        let band = |year| AgeBand::of_birth_year(Some(year), 2026);
        assert_eq!(band(2015), AgeBand::Under12);
        assert_eq!(band(2014), AgeBand::From12To17);
        assert_eq!(band(2009), AgeBand::From12To17);
        assert_eq!(band(2008), AgeBand::From18To24);
        assert_eq!(band(2002), AgeBand::From18To24);
        assert_eq!(band(2001), AgeBand::From25To39);
        assert_eq!(band(1967), AgeBand::From40To59);
        assert_eq!(band(1957), AgeBand::From60To69);
        assert_eq!(band(1956), AgeBand::From70);
        assert_eq!(AgeBand::of_birth_year(None, 2026), AgeBand::Unknown);
    }

    fn closing(outcome: ClosingOutcome, sent: Option<SentElsewhere>) -> Closing {
        Closing {
            outcome,
            gains: Gains {
                rights: [RightKind::ActivityBonus, RightKind::HousingAid].into(),
                money: Some(MoneyBracket::From150To300),
                job_or_training: false,
            },
            sent_elsewhere: sent,
        }
    }

    #[test]
    fn a_place_to_go_is_required_exactly_when_sent_elsewhere() {
        let france_services = SentElsewhere {
            kind: RedirectStructure::ProcedureHelp,
            name: Some("  France Services de Segré ".into()),
        };
        let checked = closing(ClosingOutcome::SentElsewhere, Some(france_services.clone()))
            .checked()
            .expect("valid");
        assert_eq!(
            checked.sent_elsewhere.and_then(|s| s.name).as_deref(),
            Some("France Services de Segré")
        );
        assert!(closing(ClosingOutcome::Autonomous, None).checked().is_ok());

        let cases = [
            (
                closing(ClosingOutcome::SentElsewhere, None),
                ClosingError::MissingSentElsewhere,
                "Indiquez vers quel type de structure la personne a été orientée.",
            ),
            (
                closing(ClosingOutcome::DroppedOut, Some(france_services)),
                ClosingError::SentElsewhereWithoutThatOutcome,
                "La structure vers laquelle la personne a été orientée ne se note que pour l'issue « Orientée ailleurs ».",
            ),
            (
                closing(
                    ClosingOutcome::SentElsewhere,
                    Some(SentElsewhere {
                        kind: RedirectStructure::Other,
                        name: Some("x".repeat(151)),
                    }),
                ),
                ClosingError::Name(FreeTextError::TooLong {
                    field: FreeTextField::RedirectName,
                    length: 151,
                }),
                "Le champ « Nom de la structure » doit faire au plus 150 caractères (151 saisis).",
            ),
        ];
        for (closing, expected, message) in cases {
            let error = closing.checked().expect_err(message);
            assert_eq!(error, expected);
            assert_eq!(error.to_string(), message);
        }
        let blank = closing(
            ClosingOutcome::SentElsewhere,
            Some(SentElsewhere {
                kind: RedirectStructure::Administration,
                name: Some("   ".into()),
            }),
        )
        .checked()
        .expect("the name is optional");
        assert_eq!(blank.sent_elsewhere.and_then(|s| s.name), None);
    }
}
