//! The rules of the 360° diagnostic (docs/diagnostic.md), checked through the real `profile()`
//! function: realistic people, the typology decision table row by row, the thresholds, the urgency,
//! the override and the progress, properties over arbitrary answers (monotonicity, urgency first,
//! serde round trip), and the CRCN mapping against the framework file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::diagnostic::*;
use aiguillage_domain::directory::{Service, SpecificSupport};
use aiguillage_domain::free_text::{FreeTextError, FreeTextField};
use proptest::prelude::*;
use std::collections::BTreeSet;
use time::macros::date;
use time::{Date, Duration};

use AutonomyLevel as Level;
use SkillAnswer::{Alone, NotAtAll, WithHelp};

/// The diagnostic's date in every example.
const TODAY: Date = date!(2026 - 11 - 23);

/// The CRCN framework as Pix names it (data/referentiels/SOURCE.md).
const CRCN: &str = include_str!("../../../../data/referentiels/pix-crcn-referentiel.json");

// --- Building answers ---

/// The base case: a French speaker at ease with reading and writing, with a smartphone and
/// internet at home, who does everything with help, can travel up to 15 km by bus, accepts remote
/// help, wants to learn, and has no pending procedure.
fn answers() -> Answers {
    Answers {
        equipment: vec![Equipment::Smartphone, Equipment::InternetAtHome],
        skills: every_skill(WithHelp),
        detailed: vec![],
        french_reading: LiteracyLevel::Comfortable,
        french_writing: LiteracyLevel::Comfortable,
        languages: vec![Language::French],
        support_needs: vec![],
        travel_range: TravelRange::UpTo15Km,
        travel_modes: vec![TravelMode::PublicTransport],
        accepts_remote: true,
        availability: vec![Availability::WeekdayMorning],
        willingness: Willingness::Yes,
        levers: vec![],
        urgency: None,
        notes: None,
    }
}

/// The same answer for the five domains.
fn every_skill(answer: SkillAnswer) -> Vec<(SkillDomain, SkillAnswer)> {
    skills([answer; 5])
}

/// One answer per domain, in the questionnaire's order: device, search, messaging, procedure,
/// safety.
fn skills(answers: [SkillAnswer; 5]) -> Vec<(SkillDomain, SkillAnswer)> {
    SkillDomain::ALL.iter().copied().zip(answers).collect()
}

fn urgency(organisation: ProcedureOrganisation, kind: ProcedureKind, days: i64) -> Option<Urgency> {
    Some(Urgency {
        organisation,
        kind,
        deadline: TODAY + Duration::days(days),
    })
}

fn level(profile: &Profile, domain: SkillDomain) -> (u32, AutonomyLevel) {
    let result = profile.domain(domain).expect("every domain has a result");
    (result.percent, result.level)
}

fn helps(profile: &Profile) -> Vec<RecommendedHelp> {
    profile.help.iter().map(|step| step.help).collect()
}

fn services(profile: &Profile) -> Vec<Service> {
    profile.services.iter().map(|need| need.service).collect()
}

/// Every explanation the profile gives.
fn all_reasons(profile: &Profile) -> Vec<&str> {
    let mut reasons: Vec<&str> = profile.domains.iter().map(|d| d.reason.as_str()).collect();
    reasons.extend(profile.overall_reasons.iter().map(String::as_str));
    reasons.push(&profile.typology_reason);
    reasons.extend(profile.help.iter().map(|step| step.reason.as_str()));
    reasons.extend(profile.services.iter().map(|need| need.reason.as_str()));
    reasons.extend(profile.requirements.reasons.iter().map(String::as_str));
    reasons
}

/// An explanation starts with "Parce que" (elided to "Parce qu'" before a vowel, as French
/// requires).
fn explains(reason: &str) -> bool {
    reason.starts_with("Parce que ") || reason.starts_with("Parce qu'")
}

// --- Realistic people ---

/// A person and what the documented rules give for them.
struct Case {
    who: &'static str,
    answers: Answers,
    overall: AutonomyLevel,
    typology: Typology,
    help: Vec<RecommendedHelp>,
    services_include: Vec<Service>,
    services_exclude: Vec<Service>,
    specific_support: Vec<SpecificSupport>,
    remote_possible: bool,
    max_distance_km: u32,
    acts_on_behalf: bool,
}

fn people() -> Vec<Case> {
    use Equipment::*;
    use RecommendedHelp::*;
    use Service::*;
    vec![
        Case {
            // Every domain 1 point of 2 = 50 % (partial); mean 50 %, partial; willing.
            who: "Jeannine, 78, smartphone sans box, fait tout avec de l'aide, veut apprendre",
            answers: Answers {
                equipment: vec![Smartphone],
                travel_range: TravelRange::UpTo5Km,
                travel_modes: vec![TravelMode::Walking],
                levers: vec![Lever::FamilyContact, Lever::Health],
                ..answers()
            },
            overall: Level::Partial,
            typology: Typology::PartlyAutonomousWilling,
            help: vec![Acculturation],
            services_include: vec![
                AdministrativeProcedures,
                EverydayTools,
                SafeUse,
                UnderstandingDigitalWorld,
                InternetAndEquipmentAccess,
            ],
            services_exclude: vec![ProfessionalInsertion, SolidarityEquipment],
            specific_support: vec![],
            remote_possible: true,
            max_distance_km: 5,
            acts_on_behalf: false,
        },
        Case {
            // 100 % everywhere, device and internet: autonomous whatever the willingness.
            who: "Karim, 34, tout seul même au module détaillé, ne sait pas s'il veut apprendre",
            answers: Answers {
                equipment: Equipment::ALL.to_vec(),
                skills: every_skill(Alone),
                detailed: DetailedTask::ALL.iter().map(|t| (*t, Alone)).collect(),
                travel_range: TravelRange::Further,
                travel_modes: vec![TravelMode::Car, TravelMode::Bicycle],
                willingness: Willingness::Unsure,
                levers: vec![Lever::Job],
                ..answers()
            },
            overall: Level::Autonomous,
            typology: Typology::Autonomous,
            help: vec![InformationOnly],
            services_include: vec![ProfessionalInsertion],
            services_exclude: vec![
                AdministrativeProcedures,
                EverydayTools,
                SafeUse,
                UnderstandingDigitalWorld,
                InternetAndEquipmentAccess,
                SolidarityEquipment,
            ],
            specific_support: vec![],
            remote_possible: true,
            max_distance_km: 60,
            acts_on_behalf: false,
        },
        Case {
            // 0 % everywhere and refuses to learn: someone acts for him, after the CAF urgency.
            who: "Marcel, 66, ne sait rien faire, refuse d'apprendre, pièce CAF sous 3 jours",
            answers: Answers {
                equipment: vec![Smartphone],
                skills: every_skill(NotAtAll),
                accepts_remote: false,
                willingness: Willingness::No,
                urgency: urgency(ProcedureOrganisation::Caf, ProcedureKind::SendDocument, 3),
                ..answers()
            },
            overall: Level::NotAutonomous,
            typology: Typology::NotAutonomousUnwilling,
            help: vec![DigitalEmergency, ActOnBehalf],
            services_include: vec![
                AdministrativeProcedures,
                EverydayTools,
                SafeUse,
                InternetAndEquipmentAccess,
            ],
            services_exclude: vec![UnderstandingDigitalWorld, SolidarityEquipment],
            specific_support: vec![],
            remote_possible: false,
            max_distance_km: 15,
            acts_on_behalf: true,
        },
        Case {
            // 100, 50, 100, 0, 50 → mean 60 %, partial; no French: another language is required,
            // and not illiteracy (which is for French speakers).
            who: "Amina, parle seulement arabe, ne lit pas le français, WhatsApp seule",
            answers: Answers {
                skills: skills([Alone, WithHelp, Alone, NotAtAll, WithHelp]),
                french_reading: LiteracyLevel::NotAtAll,
                french_writing: LiteracyLevel::NotAtAll,
                languages: vec![Language::Arabic],
                levers: vec![Lever::ChildrenSchooling],
                ..answers()
            },
            overall: Level::Partial,
            typology: Typology::PartlyAutonomousWilling,
            help: vec![Acculturation],
            services_include: vec![
                AdministrativeProcedures,
                EverydayTools,
                SafeUse,
                Parenting,
                UnderstandingDigitalWorld,
            ],
            services_exclude: vec![InternetAndEquipmentAccess, ProfessionalInsertion],
            specific_support: vec![SpecificSupport::OtherLanguages],
            remote_possible: true,
            max_distance_km: 15,
            acts_on_behalf: false,
        },
        Case {
            // 0 % and unsure (not a refusal): an inclusion pathway that must come to him.
            who: "Gérard, 81, ne se déplace pas, sans appareil, handicap moteur, hésite",
            answers: Answers {
                equipment: vec![],
                skills: every_skill(NotAtAll),
                support_needs: vec![SpecificSupport::MotorDisability],
                travel_range: TravelRange::CannotTravel,
                travel_modes: vec![],
                willingness: Willingness::Unsure,
                levers: vec![Lever::FamilyContact],
                ..answers()
            },
            overall: Level::NotAutonomous,
            typology: Typology::NotAutonomousWilling,
            help: vec![InclusionPathway],
            services_include: vec![
                AdministrativeProcedures,
                EverydayTools,
                SafeUse,
                InternetAndEquipmentAccess,
                SolidarityEquipment,
            ],
            services_exclude: vec![UnderstandingDigitalWorld],
            specific_support: vec![SpecificSupport::MotorDisability],
            remote_possible: false,
            max_distance_km: 0,
            acts_on_behalf: false,
        },
        Case {
            // 100, 100, 100, 50, 100 → mean 90 %, no domain below 40 %: autonomous, even unwilling;
            // the procedure domain alone still calls for help with procedures. English, not French.
            who: "Olena, parle ukrainien et anglais, autonome sauf démarches, refuse d'apprendre",
            answers: Answers {
                equipment: vec![Smartphone, Computer, InternetAtHome, UsableEmail],
                skills: skills([Alone, Alone, Alone, WithHelp, Alone]),
                languages: vec![Language::Ukrainian, Language::English],
                willingness: Willingness::No,
                ..answers()
            },
            overall: Level::Autonomous,
            typology: Typology::Autonomous,
            help: vec![InformationOnly],
            services_include: vec![AdministrativeProcedures],
            services_exclude: vec![
                EverydayTools,
                SafeUse,
                UnderstandingDigitalWorld,
                InternetAndEquipmentAccess,
            ],
            specific_support: vec![SpecificSupport::EnglishLanguage],
            remote_possible: true,
            max_distance_km: 15,
            acts_on_behalf: false,
        },
        Case {
            // 100, 100, 100, 100, 0 → mean 80 % but one domain not mastered: only partial.
            who: "Lucas, 22, fait tout seul mais tombe dans les arnaques, cherche un emploi",
            answers: Answers {
                equipment: vec![
                    Smartphone,
                    Computer,
                    InternetAtHome,
                    UsableEmail,
                    OnlineAccounts,
                ],
                skills: skills([Alone, Alone, Alone, Alone, NotAtAll]),
                levers: vec![Lever::Job, Lever::Leisure],
                ..answers()
            },
            overall: Level::Partial,
            typology: Typology::PartlyAutonomousWilling,
            help: vec![Acculturation],
            services_include: vec![
                SafeUse,
                ProfessionalInsertion,
                LeisureAndCreation,
                UnderstandingDigitalWorld,
            ],
            services_exclude: vec![
                AdministrativeProcedures,
                EverydayTools,
                InternetAndEquipmentAccess,
            ],
            specific_support: vec![],
            remote_possible: true,
            max_distance_km: 15,
            acts_on_behalf: false,
        },
        Case {
            // 100 % but no device: only partial, so no remote help either.
            who: "Nadia, 45, sait tout faire mais on lui a volé son téléphone, seul appareil",
            answers: Answers {
                equipment: vec![UsableEmail, OnlineAccounts],
                skills: every_skill(Alone),
                travel_range: TravelRange::UpTo30Km,
                willingness: Willingness::Unsure,
                ..answers()
            },
            overall: Level::Partial,
            typology: Typology::PartlyAutonomousWilling,
            help: vec![Acculturation],
            services_include: vec![
                UnderstandingDigitalWorld,
                InternetAndEquipmentAccess,
                SolidarityEquipment,
            ],
            services_exclude: vec![AdministrativeProcedures, EverydayTools, SafeUse],
            specific_support: vec![],
            remote_possible: false,
            max_distance_km: 30,
            acts_on_behalf: false,
        },
        Case {
            // 100, 0, 50, 0, 0 → mean 30 %, not autonomous; speaks French but cannot read it:
            // illiteracy; the passed ANTS deadline still comes first.
            who: "Fatou, parle français sans le lire, carte d'identité échue depuis 10 jours",
            answers: Answers {
                equipment: vec![Smartphone],
                skills: skills([Alone, NotAtAll, WithHelp, NotAtAll, NotAtAll]),
                french_reading: LiteracyLevel::NotAtAll,
                french_writing: LiteracyLevel::NotAtAll,
                languages: vec![Language::French, Language::Other],
                urgency: urgency(ProcedureOrganisation::Ants, ProcedureKind::Renew, -10),
                ..answers()
            },
            overall: Level::NotAutonomous,
            typology: Typology::NotAutonomousWilling,
            help: vec![DigitalEmergency, InclusionPathway],
            services_include: vec![
                AdministrativeProcedures,
                EverydayTools,
                SafeUse,
                InternetAndEquipmentAccess,
            ],
            services_exclude: vec![UnderstandingDigitalWorld, SolidarityEquipment],
            specific_support: vec![SpecificSupport::Illiteracy],
            remote_possible: true,
            max_distance_km: 15,
            acts_on_behalf: false,
        },
        Case {
            // Detailed module: messaging (2+0+2)/6 = 66 %, procedure (1+1+0)/6 = 33 %, safety
            // 50 %; mean (100+100+66+33+50)/5 = 69 %, partial. The France Travail account (30 days)
            // comes first.
            who: "Sofiane, 29, sourd, compte France Travail à créer sous 30 jours",
            answers: Answers {
                equipment: vec![Smartphone, InternetAtHome, UsableEmail],
                skills: skills([Alone, Alone, Alone, WithHelp, WithHelp]),
                detailed: vec![
                    (DetailedTask::AttachFile, NotAtAll),
                    (DetailedTask::VideoCall, Alone),
                    (DetailedTask::UseFranceConnect, WithHelp),
                    (DetailedTask::SendScannedDocument, NotAtAll),
                ],
                support_needs: vec![SpecificSupport::Deafness],
                levers: vec![Lever::Job],
                urgency: urgency(
                    ProcedureOrganisation::FranceTravail,
                    ProcedureKind::CreateAccount,
                    30,
                ),
                ..answers()
            },
            overall: Level::Partial,
            typology: Typology::PartlyAutonomousWilling,
            help: vec![DigitalEmergency, Acculturation],
            services_include: vec![
                AdministrativeProcedures,
                EverydayTools,
                ProfessionalInsertion,
                SafeUse,
                UnderstandingDigitalWorld,
            ],
            services_exclude: vec![InternetAndEquipmentAccess, SolidarityEquipment],
            specific_support: vec![SpecificSupport::Deafness],
            remote_possible: true,
            max_distance_km: 15,
            acts_on_behalf: false,
        },
    ]
}

#[test]
fn every_person_gets_the_profile_the_rules_give() {
    let cases = people();
    assert!(cases.len() >= 8);
    for case in cases {
        let who = case.who;
        let profile = profile(&case.answers, TODAY);
        assert_eq!(profile.overall, case.overall, "overall level of {who}");
        assert_eq!(profile.typology, case.typology, "typology of {who}");
        assert_eq!(helps(&profile), case.help, "help of {who}");
        let services = services(&profile);
        for service in &case.services_include {
            assert!(
                services.contains(service),
                "{who} needs « {service} »: {services:?}"
            );
        }
        for service in &case.services_exclude {
            assert!(
                !services.contains(service),
                "{who} does not need « {service} »"
            );
        }
        let requirements = &profile.requirements;
        assert_eq!(
            requirements.specific_support, case.specific_support,
            "support for {who}"
        );
        assert_eq!(
            requirements.remote_possible, case.remote_possible,
            "remote for {who}"
        );
        assert_eq!(
            requirements.max_distance_km, case.max_distance_km,
            "distance for {who}"
        );
        assert_eq!(
            requirements.acts_on_behalf, case.acts_on_behalf,
            "on behalf of {who}"
        );
        for reason in all_reasons(&profile) {
            assert!(
                explains(reason),
                "reason for {who} does not explain: {reason}"
            );
        }
    }
}

#[test]
fn the_detailed_tasks_count_as_much_as_the_main_answer() {
    let sofiane = people()
        .into_iter()
        .find(|case| case.who.starts_with("Sofiane"))
        .expect("Sofiane is among the people");
    let profile = profile(&sofiane.answers, TODAY);
    // Main answer and each task: 2 points alone, 1 with help, 0 otherwise, out of 2 each.
    assert_eq!(
        level(&profile, SkillDomain::UsingDevice),
        (100, Level::Autonomous)
    );
    assert_eq!(
        level(&profile, SkillDomain::Messaging),
        (66, Level::Partial)
    );
    assert_eq!(
        level(&profile, SkillDomain::OnlineProcedure),
        (33, Level::NotAutonomous)
    );
    assert_eq!(
        level(&profile, SkillDomain::StayingSafe),
        (50, Level::Partial)
    );
    assert_eq!(profile.overall_percent, 69);
    let messaging = profile.domain(SkillDomain::Messaging).unwrap();
    assert!(messaging
        .reason
        .contains("fait seule 1 des 2 tâches détaillées"));
}

#[test]
fn do_not_know_counts_as_not_at_all_and_asks_for_a_check() {
    let mut unsure = answers();
    unsure.skills = skills([
        SkillAnswer::DoesNotKnow,
        WithHelp,
        WithHelp,
        WithHelp,
        WithHelp,
    ]);
    let mut not_at_all = answers();
    not_at_all.skills = skills([NotAtAll, WithHelp, WithHelp, WithHelp, WithHelp]);
    let unsure = profile(&unsure, TODAY);
    let not_at_all = profile(&not_at_all, TODAY);
    assert_eq!(
        level(&unsure, SkillDomain::UsingDevice),
        (0, Level::NotAutonomous)
    );
    assert_eq!(unsure.overall_percent, not_at_all.overall_percent);
    let device = unsure.domain(SkillDomain::UsingDevice).unwrap();
    assert!(device.reason.contains("à vérifier avec un médiateur"));
    let device = not_at_all.domain(SkillDomain::UsingDevice).unwrap();
    assert!(!device.reason.contains("à vérifier"));
}

#[test]
fn a_missing_domain_answer_counts_as_do_not_know() {
    let mut answers = answers();
    answers
        .skills
        .retain(|(domain, _)| *domain != SkillDomain::StayingSafe);
    let profile = profile(&answers, TODAY);
    assert_eq!(profile.domains.len(), 5);
    assert_eq!(
        level(&profile, SkillDomain::StayingSafe),
        (0, Level::NotAutonomous)
    );
    // (50 × 4 + 0) / 5
    assert_eq!(profile.overall_percent, 40);
}

// --- Thresholds and the overall rules ---

#[test]
fn the_levels_are_ordered_from_not_autonomous_to_autonomous() {
    assert!(Level::NotAutonomous < Level::Partial && Level::Partial < Level::Autonomous);
}

#[test]
fn a_domain_thresholds_are_inclusive() {
    // One detailed task: the domain has 4 possible points, so 25 % steps.
    let domain_with = |main: SkillAnswer, task: SkillAnswer| {
        let mut answers = answers();
        answers.skills = every_skill(Alone);
        answers.skills[0].1 = main;
        answers.detailed = vec![(DetailedTask::InstallApp, task)];
        level(&profile(&answers, TODAY), SkillDomain::UsingDevice)
    };
    assert_eq!(AUTONOMOUS_FROM_PERCENT, 75);
    assert_eq!(domain_with(Alone, WithHelp), (75, Level::Autonomous));
    assert_eq!(domain_with(WithHelp, WithHelp), (50, Level::Partial));
    assert_eq!(domain_with(WithHelp, NotAtAll), (25, Level::NotAutonomous));
}

/// Overall result when each domain's main answer and detailed tasks are given.
fn overall_with(main: [SkillAnswer; 5], detailed: &[(DetailedTask, SkillAnswer)]) -> Profile {
    let mut answers = answers();
    answers.skills = skills(main);
    answers.detailed = detailed.to_vec();
    profile(&answers, TODAY)
}

#[test]
fn the_overall_thresholds_are_inclusive() {
    assert_eq!(PARTIAL_FROM_PERCENT, 40);
    // 100 + 100 + 0 + 0 + 0 = 200, mean 40 %.
    let forty = overall_with([Alone, Alone, NotAtAll, NotAtAll, NotAtAll], &[]);
    assert_eq!((forty.overall_percent, forty.overall), (40, Level::Partial));
    // 100 + 66 + 33 + 0 + 0 = 199, mean 39 %.
    let thirty_nine = overall_with(
        [Alone, Alone, WithHelp, NotAtAll, NotAtAll],
        &[
            (DetailedTask::ChooseReliableResult, Alone),
            (DetailedTask::FindOfficialSite, NotAtAll),
            (DetailedTask::AttachFile, WithHelp),
            (DetailedTask::VideoCall, NotAtAll),
        ],
    );
    assert_eq!(
        (thirty_nine.overall_percent, thirty_nine.overall),
        (39, Level::NotAutonomous)
    );
    // 100 + 100 + 50 + 75 + 50 = 375, mean 75 %, no domain below 40 %.
    let seventy_five = overall_with(
        [Alone, Alone, WithHelp, Alone, WithHelp],
        &[(DetailedTask::UseFranceConnect, WithHelp)],
    );
    assert_eq!(
        (seventy_five.overall_percent, seventy_five.overall),
        (75, Level::Autonomous)
    );
    assert_eq!(seventy_five.overall_reasons.len(), 1);
    // 100 + 100 + 50 + 66 + 50 = 366, mean 73 %.
    let seventy_three = overall_with(
        [Alone, Alone, WithHelp, Alone, WithHelp],
        &[
            (DetailedTask::UseFranceConnect, WithHelp),
            (DetailedTask::SendScannedDocument, WithHelp),
        ],
    );
    assert_eq!(
        (seventy_three.overall_percent, seventy_three.overall),
        (73, Level::Partial)
    );
}

#[test]
fn a_domain_not_mastered_lowers_an_autonomous_mean_to_partial_and_says_which() {
    let profile = overall_with([Alone, Alone, Alone, Alone, NotAtAll], &[]);
    assert_eq!(profile.overall_percent, 80);
    assert_eq!(profile.overall, Level::Partial);
    assert_eq!(profile.overall_reasons.len(), 2);
    assert!(profile.overall_reasons[1].contains("se protéger en ligne"));
    // A partial domain does not lower it.
    let partial_domain = overall_with([Alone, Alone, Alone, Alone, WithHelp], &[]);
    assert_eq!(partial_domain.overall, Level::Autonomous);
}

#[test]
fn having_no_device_lowers_an_autonomous_mean_to_partial() {
    let mut without_device = answers();
    without_device.skills = every_skill(Alone);
    without_device.equipment = vec![Equipment::InternetAtHome, Equipment::UsableEmail];
    let profile_without = profile(&without_device, TODAY);
    assert_eq!(profile_without.overall_percent, 100);
    assert_eq!(profile_without.overall, Level::Partial);
    assert!(
        profile_without.overall_reasons[1].contains("ni smartphone, ni ordinateur, ni tablette")
    );
    for device in [
        Equipment::Smartphone,
        Equipment::Computer,
        Equipment::Tablet,
    ] {
        let mut with_device = without_device.clone();
        with_device.equipment.push(device);
        assert_eq!(
            profile(&with_device, TODAY).overall,
            Level::Autonomous,
            "{device}"
        );
    }
}

// --- The typology decision table ---

/// The table as PRODUCT.md and docs/diagnostic.md state it, written independently of the code.
const DOCUMENTED_TABLE: [(AutonomyLevel, Willingness, Typology); 9] = [
    (Level::Autonomous, Willingness::Yes, Typology::Autonomous),
    (Level::Autonomous, Willingness::Unsure, Typology::Autonomous),
    (Level::Autonomous, Willingness::No, Typology::Autonomous),
    (
        Level::Partial,
        Willingness::Yes,
        Typology::PartlyAutonomousWilling,
    ),
    (
        Level::Partial,
        Willingness::Unsure,
        Typology::PartlyAutonomousWilling,
    ),
    (
        Level::Partial,
        Willingness::No,
        Typology::NotAutonomousUnwilling,
    ),
    (
        Level::NotAutonomous,
        Willingness::Yes,
        Typology::NotAutonomousWilling,
    ),
    (
        Level::NotAutonomous,
        Willingness::Unsure,
        Typology::NotAutonomousWilling,
    ),
    (
        Level::NotAutonomous,
        Willingness::No,
        Typology::NotAutonomousUnwilling,
    ),
];

#[test]
fn every_autonomy_and_willingness_pair_is_in_the_table_exactly_once() {
    assert_eq!(
        TYPOLOGY_TABLE.len(),
        Level::ALL.len() * Willingness::ALL.len()
    );
    for autonomy in Level::ALL {
        for willingness in Willingness::ALL {
            let rows = TYPOLOGY_TABLE
                .iter()
                .filter(|row| row.autonomy == *autonomy && row.willingness == *willingness)
                .count();
            assert_eq!(rows, 1, "{autonomy} × {willingness}");
        }
    }
}

#[test]
fn the_table_gives_the_documented_typology_and_explains_it() {
    for (autonomy, willingness, typology) in DOCUMENTED_TABLE {
        let row = typology_row(autonomy, willingness);
        assert_eq!(row.typology, typology, "{autonomy} × {willingness}");
        assert!(explains(row.reason), "{}", row.reason);
    }
}

#[test]
fn profile_reaches_every_row_of_the_table() {
    for (autonomy, willingness, typology) in DOCUMENTED_TABLE {
        // Alone everywhere: 100 %; with help: 50 %; not at all: 0 %.
        let skill = match autonomy {
            Level::Autonomous => Alone,
            Level::Partial => WithHelp,
            Level::NotAutonomous => NotAtAll,
        };
        let answers = Answers {
            skills: every_skill(skill),
            willingness,
            ..answers()
        };
        let profile = profile(&answers, TODAY);
        assert_eq!(profile.overall, autonomy, "{autonomy} × {willingness}");
        assert_eq!(profile.typology, typology, "{autonomy} × {willingness}");
        assert_eq!(
            profile.typology_reason,
            typology_row(autonomy, willingness).reason
        );
        assert_eq!(
            helps(&profile),
            vec![default_help(typology).0],
            "{autonomy} × {willingness}"
        );
    }
}

#[test]
fn each_type_gets_the_default_help_of_product_md() {
    let documented = [
        (Typology::Autonomous, RecommendedHelp::InformationOnly),
        (
            Typology::PartlyAutonomousWilling,
            RecommendedHelp::Acculturation,
        ),
        (
            Typology::NotAutonomousWilling,
            RecommendedHelp::InclusionPathway,
        ),
        (
            Typology::NotAutonomousUnwilling,
            RecommendedHelp::ActOnBehalf,
        ),
    ];
    assert_eq!(documented.len(), Typology::ALL.len());
    for (typology, help) in documented {
        let (given, reason) = default_help(typology);
        assert_eq!(given, help, "{typology}");
        assert!(explains(reason), "{reason}");
    }
}

// --- Urgency, requirements, override, progress ---

#[test]
fn a_deadline_within_seven_days_or_passed_is_very_urgent() {
    assert_eq!(VERY_URGENT_WITHIN_DAYS, 7);
    for (days, very_urgent) in [(-30, true), (0, true), (7, true), (8, false), (90, false)] {
        let answers = Answers {
            urgency: urgency(ProcedureOrganisation::Taxes, ProcedureKind::Declare, days),
            ..answers()
        };
        let profile = profile(&answers, TODAY);
        let summary = profile.urgency.as_ref().expect("the urgency is summarised");
        assert_eq!(summary.days_left, days);
        assert_eq!(summary.very_urgent, very_urgent, "{days} days");
        // Very urgent or not, the procedure comes first.
        assert_eq!(profile.first_help(), RecommendedHelp::DigitalEmergency);
    }
}

#[test]
fn the_urgency_step_names_the_organisation_and_whether_the_deadline_passed() {
    let passed = Answers {
        urgency: urgency(ProcedureOrganisation::Ants, ProcedureKind::Renew, -10),
        ..answers()
    };
    let reason = &profile(&passed, TODAY).help[0].reason;
    assert!(
        reason.contains(ProcedureOrganisation::Ants.label()),
        "{reason}"
    );
    assert!(reason.contains("passée depuis 10 jours"), "{reason}");
    let coming = Answers {
        urgency: urgency(ProcedureOrganisation::Caf, ProcedureKind::Claim, 3),
        ..answers()
    };
    let reason = &profile(&coming, TODAY).help[0].reason;
    assert!(reason.contains("à faire dans 3 jours"), "{reason}");
}

#[test]
fn support_needs_stated_and_implied_are_listed_once_in_the_standards_order() {
    let arabic_speaker = Answers {
        languages: vec![Language::Arabic],
        support_needs: vec![
            SpecificSupport::VisualImpairment,
            SpecificSupport::OtherLanguages,
        ],
        ..answers()
    };
    assert_eq!(
        profile(&arabic_speaker, TODAY)
            .requirements
            .specific_support,
        vec![
            SpecificSupport::OtherLanguages,
            SpecificSupport::VisualImpairment
        ]
    );
    let cannot_read = Answers {
        french_reading: LiteracyLevel::NotAtAll,
        support_needs: vec![SpecificSupport::Illiteracy],
        ..answers()
    };
    assert_eq!(
        profile(&cannot_read, TODAY).requirements.specific_support,
        vec![SpecificSupport::Illiteracy]
    );
    // No language given: nothing is implied.
    let unknown = Answers {
        languages: vec![],
        ..answers()
    };
    assert!(profile(&unknown, TODAY)
        .requirements
        .specific_support
        .is_empty());
}

#[test]
fn remote_help_needs_a_connected_device_and_the_persons_agreement() {
    let remote = |equipment: Vec<Equipment>, accepts_remote: bool| {
        let answers = Answers {
            equipment,
            accepts_remote,
            ..answers()
        };
        profile(&answers, TODAY).requirements.remote_possible
    };
    assert!(remote(vec![Equipment::Smartphone], true));
    assert!(remote(
        vec![Equipment::Computer, Equipment::InternetAtHome],
        true
    ));
    assert!(
        !remote(vec![Equipment::Computer], true),
        "a computer without internet"
    );
    assert!(
        !remote(vec![Equipment::InternetAtHome], true),
        "internet without a device"
    );
    assert!(
        !remote(vec![Equipment::Smartphone], false),
        "the person refuses"
    );
}

#[test]
fn the_services_follow_the_standards_order() {
    for case in people() {
        let services = services(&profile(&case.answers, TODAY));
        let positions: Vec<usize> = services
            .iter()
            .map(|s| Service::ALL.iter().position(|a| a == s).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{}", case.who);
    }
}

#[test]
fn an_override_must_change_something_and_say_why() {
    let computed = profile(&answers(), TODAY);
    assert_eq!(computed.typology, Typology::PartlyAutonomousWilling);
    let other = Some(Typology::NotAutonomousWilling);
    assert_eq!(
        check_override(&computed, None, None, "raison valable"),
        Err(OverrideError::NothingChanged)
    );
    assert_eq!(
        check_override(
            &computed,
            Some(computed.typology),
            Some(computed.first_help()),
            "raison valable"
        ),
        Err(OverrideError::NothingChanged)
    );
    assert_eq!(
        check_override(&computed, other, None, "  ok  "),
        Err(OverrideError::ReasonMissing)
    );
    let limit = FreeTextField::OverrideReason.max_chars();
    let too_long = "a".repeat(limit + 1);
    assert_eq!(
        check_override(&computed, other, None, &too_long),
        Err(OverrideError::Reason(FreeTextError::TooLong {
            field: FreeTextField::OverrideReason,
            length: limit + 1
        }))
    );
    assert_eq!(
        check_override(&computed, other, None, "NIR 1.85.05.49.007.123.45"),
        Err(OverrideError::Reason(FreeTextError::NationalIdentifier {
            field: FreeTextField::OverrideReason
        }))
    );
    let longest = "é".repeat(limit);
    assert!(check_override(&computed, other, None, &longest).is_ok());
    // What equals the computed value is dropped; the reason is trimmed.
    assert_eq!(
        check_override(
            &computed,
            other,
            Some(computed.first_help()),
            "  Elle ne lit pas encore les messages.  "
        ),
        Ok(ProfileOverride {
            typology: other,
            help: None,
            reason: "Elle ne lit pas encore les messages.".to_owned(),
        })
    );
}

#[test]
fn progress_compares_each_domain_between_two_diagnostics() {
    let before = profile(
        &Answers {
            skills: skills([WithHelp, WithHelp, NotAtAll, NotAtAll, WithHelp]),
            ..answers()
        },
        TODAY,
    );
    let after = profile(
        &Answers {
            skills: skills([Alone, WithHelp, WithHelp, NotAtAll, NotAtAll]),
            ..answers()
        },
        TODAY + Duration::days(90),
    );
    let progress = progress(&before, &after);
    assert_eq!(progress.len(), 5);
    let expected = [
        (Level::Partial, Level::Autonomous, 50, "Progrès"),
        (Level::Partial, Level::Partial, 0, "Stable"),
        (Level::NotAutonomous, Level::Partial, 50, "Progrès"),
        (Level::NotAutonomous, Level::NotAutonomous, 0, "Stable"),
        (Level::Partial, Level::NotAutonomous, -50, "Recul"),
    ];
    for (domain, expected) in progress.iter().zip(expected) {
        assert_eq!(
            (domain.before, domain.after, domain.change, domain.trend()),
            expected,
            "{}",
            domain.domain
        );
    }
}

// --- The CRCN mapping ---

#[test]
fn crcn_competences_exist_in_the_framework() {
    let framework: serde_json::Value = serde_json::from_str(CRCN).expect("the CRCN file is JSON");
    let indexes: BTreeSet<&str> = framework["domaines"]
        .as_array()
        .expect("domaines is a list")
        .iter()
        .flat_map(|domain| domain["competences"].as_array().expect("competences"))
        .map(|competence| competence["index"].as_str().expect("index"))
        .collect();
    assert_eq!(indexes.len(), 16, "the CRCN has 16 competences");
    for domain in SkillDomain::ALL {
        let competences = domain.crcn_competences();
        assert!(!competences.is_empty(), "{domain} has no CRCN competence");
        for index in competences {
            assert!(
                indexes.contains(index),
                "{domain}: {index} is not in the CRCN"
            );
        }
    }
}

// --- Properties over arbitrary answers ---

fn one_of<T: Clone + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    prop::sample::select(all)
}

fn some_of<T: Clone + std::fmt::Debug + 'static>(
    all: &'static [T],
) -> impl Strategy<Value = Vec<T>> {
    prop::sample::subsequence(all, 0..=all.len())
}

fn date_between(first: Date, last: Date) -> impl Strategy<Value = Date> {
    (first.to_julian_day()..=last.to_julian_day())
        .prop_map(|day| Date::from_julian_day(day).expect("a day in range"))
}

/// A diagnostic's date.
fn today_strategy() -> impl Strategy<Value = Date> {
    date_between(date!(2020 - 01 - 01), date!(2035 - 12 - 31))
}

/// Any deadline: mostly around the diagnostic dates, sometimes anywhere in the calendar.
fn deadline_strategy() -> impl Strategy<Value = Date> {
    prop_oneof![
        3 => date_between(date!(2019 - 01 - 01), date!(2037 - 12 - 31)),
        1 => date_between(Date::MIN, Date::MAX),
    ]
}

fn urgency_strategy() -> impl Strategy<Value = Urgency> {
    (
        one_of(ProcedureOrganisation::ALL),
        one_of(ProcedureKind::ALL),
        deadline_strategy(),
    )
        .prop_map(|(organisation, kind, deadline)| Urgency {
            organisation,
            kind,
            deadline,
        })
}

fn skills_strategy() -> impl Strategy<Value = Vec<(SkillDomain, SkillAnswer)>> {
    prop::collection::vec(one_of(SkillAnswer::ALL), SkillDomain::ALL.len())
        .prop_map(|answers| SkillDomain::ALL.iter().copied().zip(answers).collect())
}

fn detailed_strategy() -> impl Strategy<Value = Vec<(DetailedTask, SkillAnswer)>> {
    some_of(DetailedTask::ALL).prop_flat_map(|tasks| {
        prop::collection::vec(one_of(SkillAnswer::ALL), tasks.len())
            .prop_map(move |answers| tasks.iter().copied().zip(answers).collect())
    })
}

fn answers_strategy() -> impl Strategy<Value = Answers> {
    let person = (
        some_of(Equipment::ALL),
        skills_strategy(),
        detailed_strategy(),
        one_of(LiteracyLevel::ALL),
        one_of(LiteracyLevel::ALL),
        some_of(Language::ALL),
        some_of(SpecificSupport::ALL),
    );
    let situation = (
        one_of(TravelRange::ALL),
        some_of(TravelMode::ALL),
        any::<bool>(),
        some_of(Availability::ALL),
        one_of(Willingness::ALL),
        some_of(Lever::ALL),
        prop::option::of(urgency_strategy()),
        prop::option::of("[a-z ]{0,30}"),
    );
    (person, situation).prop_map(
        |(
            (equipment, skills, detailed, french_reading, french_writing, languages, support_needs),
            (
                travel_range,
                travel_modes,
                accepts_remote,
                availability,
                willingness,
                levers,
                urgency,
                notes,
            ),
        )| Answers {
            equipment,
            skills,
            detailed,
            french_reading,
            french_writing,
            languages,
            support_needs,
            travel_range,
            travel_modes,
            accepts_remote,
            availability,
            willingness,
            levers,
            urgency,
            notes,
        },
    )
}

/// Every answers obtained by turning one skill answer into "Seul": a domain's main answer, a
/// detailed task's answer, or a detailed task not asked yet, added as done alone.
fn one_more_alone(answers: &Answers) -> Vec<Answers> {
    let mut variants = Vec::new();
    for index in 0..answers.skills.len() {
        let mut variant = answers.clone();
        variant.skills[index].1 = Alone;
        variants.push(variant);
    }
    for index in 0..answers.detailed.len() {
        let mut variant = answers.clone();
        variant.detailed[index].1 = Alone;
        variants.push(variant);
    }
    for task in DetailedTask::ALL {
        if !answers.detailed.iter().any(|(asked, _)| asked == task) {
            let mut variant = answers.clone();
            variant.detailed.push((*task, Alone));
            variants.push(variant);
        }
    }
    variants
}

proptest! {
    #[test]
    fn answering_alone_never_lowers_autonomy(
        answers in answers_strategy(),
        today in today_strategy(),
    ) {
        let before = profile(&answers, today);
        for variant in one_more_alone(&answers) {
            let after = profile(&variant, today);
            for domain in SkillDomain::ALL {
                let (was, now) = (before.domain(*domain), after.domain(*domain));
                let (was, now) = (was.expect("a result"), now.expect("a result"));
                prop_assert!(now.percent >= was.percent, "{domain} {}", was.percent);
                prop_assert!(now.level >= was.level, "{domain} {} → {}", was.level, now.level);
            }
            prop_assert!(after.overall_percent >= before.overall_percent);
            prop_assert!(after.overall >= before.overall, "{} → {}", before.overall, after.overall);
        }
    }

    #[test]
    fn a_pending_procedure_always_comes_first(
        answers in answers_strategy(),
        urgency in urgency_strategy(),
        today in today_strategy(),
    ) {
        let with_urgency = Answers { urgency: Some(urgency), ..answers.clone() };
        let profile_with = profile(&with_urgency, today);
        prop_assert_eq!(profile_with.help[0].help, RecommendedHelp::DigitalEmergency);
        prop_assert_eq!(profile_with.help.len(), 2);
        prop_assert_eq!(profile_with.help[1].help, default_help(profile_with.typology).0);
        let summary = profile_with.urgency.as_ref().expect("summarised");
        prop_assert_eq!(summary.days_left, (urgency.deadline - today).whole_days());
        prop_assert_eq!(summary.very_urgent, summary.days_left <= VERY_URGENT_WITHIN_DAYS);

        let without_urgency = Answers { urgency: None, ..answers };
        let profile_without = profile(&without_urgency, today);
        prop_assert!(profile_without.urgency.is_none());
        prop_assert!(profile_without
            .help
            .iter()
            .all(|step| step.help != RecommendedHelp::DigitalEmergency));
        // The urgency changes the help, not the person's autonomy or type.
        prop_assert_eq!(profile_without.typology, profile_with.typology);
        prop_assert_eq!(profile_without.overall, profile_with.overall);
    }

    #[test]
    fn the_profile_survives_serde_json(answers in answers_strategy(), today in today_strategy()) {
        let profile = profile(&answers, today);
        let json = serde_json::to_string(&profile).expect("serialised");
        let back: Profile = serde_json::from_str(&json).expect("deserialised");
        prop_assert_eq!(back, profile);
        let json = serde_json::to_string(&answers).expect("serialised");
        let back: Answers = serde_json::from_str(&json).expect("deserialised");
        prop_assert_eq!(back, answers);
    }

    #[test]
    fn every_profile_is_explained_and_consistent(
        answers in answers_strategy(),
        today in today_strategy(),
    ) {
        let profile = profile(&answers, today);
        for reason in all_reasons(&profile) {
            prop_assert!(explains(reason), "{}", reason);
        }
        prop_assert_eq!(profile.domains.len(), SkillDomain::ALL.len());
        prop_assert!(profile.domains.iter().all(|d| d.percent <= 100));
        let expected = DOCUMENTED_TABLE
            .iter()
            .find(|(autonomy, willingness, _)| {
                *autonomy == profile.overall && *willingness == answers.willingness
            })
            .map(|(_, _, typology)| *typology);
        prop_assert_eq!(Some(profile.typology), expected);
        prop_assert_eq!(profile.requirements.max_distance_km, answers.travel_range.max_km());
        prop_assert_eq!(
            profile.requirements.acts_on_behalf,
            profile.typology == Typology::NotAutonomousUnwilling
        );
        let services: BTreeSet<Service> =
            profile.services.iter().map(|need| need.service).collect();
        prop_assert_eq!(services.len(), profile.services.len(), "a service is listed twice");
    }
}
