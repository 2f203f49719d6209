//! The demo's own places (fictitious structures in real communes of Maine-et-Loire), with the facts
//! orientation needs: varied services, audiences, specific support, modes, costs, capacities, delays,
//! levels and support models, so that searching and orienting have real choices to make.

use aiguillage_domain::directory::*;
use aiguillage_interop::france_services::UNKNOWN_PIVOT;

/// A demo place, the support model of its structure and the facts of its offer.
pub struct DemoPlace {
    pub place: Place,
    pub model: Option<SupportModel>,
    pub facts: OfferFacts,
}

/// Where a demo place is: id, name, INSEE code, postal code, commune, address.
type Location<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str);

/// The SIRET of the demo's Saumur place (the structure manager's): fictitious (no SIREN
/// 999 999 999 exists), so that a ProConnect identity of the end-to-end test's provider can name it.
pub const DEMO_SIRET: &str = "99999999900018";

fn located((id, name, insee, postal, commune, address): Location<'_>) -> Place {
    let pivot = if id == "demo-epn-saumur" {
        DEMO_SIRET
    } else {
        UNKNOWN_PIVOT
    };
    Place {
        id: id.into(),
        pivot: pivot.into(),
        name: name.into(),
        commune: commune.into(),
        postal_code: postal.into(),
        insee_code: Some(insee.into()),
        address: address.into(),
        source: Some("démonstration".into()),
        updated_on: "2026-11-01".into(),
        mobility: vec![Mobility::Fixed],
        access_modes: vec![AccessMode::WalkIn, AccessMode::Phone],
        ..Place::default()
    }
}

fn facts(
    capacity: u32,
    delay: u32,
    level: InterventionLevel,
    style: HelpStyle,
    kinds: &[HelpKind],
    status: OfferStatus,
) -> OfferFacts {
    OfferFacts {
        capacity_per_week: Some(capacity),
        first_contact_delay_days: Some(delay),
        intervention_level: Some(level),
        help_style: Some(style),
        help_kinds: kinds.to_vec(),
        status: Some(status),
    }
}

use HelpKind::*;
use HelpStyle::*;
use InterventionLevel::*;
use OfferStatus::*;
use SupportModel::*;

/// The demo places; the first is the département's mission (no public reception), then in the order
/// the demo accounts refer to them.
pub fn demo_places() -> Vec<DemoPlace> {
    vec![
        DemoPlace {
            place: Place {
                access_modes: vec![AccessMode::NoPublicReception],
                summary: Some("Coordination départementale de l'inclusion numérique.".into()),
                ..located((
                    "demo-departement",
                    "Département de Maine-et-Loire – mission inclusion numérique",
                    "49007",
                    "49000",
                    "Angers",
                    "48 B rue Paul Bert",
                ))
            },
            model: None,
            facts: OfferFacts::default(),
        },
        DemoPlace {
            place: Place {
                services: vec![Service::AdministrativeProcedures],
                audiences: vec![Audience::Seniors, Audience::Families],
                support_modes: vec![SupportMode::Individual],
                costs: vec![Cost::Free],
                programmes: vec![NationalProgramme::AidantsConnect],
                opening_hours: Some("Mo-Fr 08:30-12:30,13:30-17:00".into()),
                phone: Some("+33241000001".into()),
                ..located((
                    "demo-ccas-angers",
                    "CCAS d'Angers",
                    "49007",
                    "49000",
                    "Angers",
                    "3 boulevard de la Résistance",
                ))
            },
            model: Some(BenefitClaimantChannel),
            facts: facts(
                25,
                3,
                FirstLevel,
                ActsOnBehalf,
                &[DigitalEmergency],
                LocalOfficial,
            ),
        },
        DemoPlace {
            place: Place {
                services: vec![
                    Service::EverydayTools,
                    Service::SafeUse,
                    Service::LeisureAndCreation,
                    Service::InternetAndEquipmentAccess,
                ],
                audiences: vec![Audience::Seniors, Audience::Youth],
                specific_support: vec![SpecificSupport::VisualImpairment],
                support_modes: vec![
                    SupportMode::Autonomous,
                    SupportMode::CollectiveWorkshop,
                    SupportMode::Individual,
                ],
                costs: vec![Cost::Free],
                programmes: vec![
                    NationalProgramme::DigitalAdvisers,
                    NationalProgramme::PixCertification,
                ],
                opening_hours: Some("Tu-Fr 10:00-18:00; Sa 10:00-17:00".into()),
                ..located((
                    "demo-mediatheque-toussaint",
                    "Médiathèque Toussaint",
                    "49007",
                    "49100",
                    "Angers",
                    "49 rue Toussaint",
                ))
            },
            model: Some(PlaceOfKnowledge),
            facts: facts(
                40,
                10,
                SecondLevel,
                Teaches,
                &[Inclusion, Acculturation],
                LocalOfficial,
            ),
        },
        DemoPlace {
            place: Place {
                services: vec![
                    Service::EverydayTools,
                    Service::AdministrativeProcedures,
                    Service::Parenting,
                ],
                audiences: vec![Audience::Families, Audience::Women],
                specific_support: vec![
                    SpecificSupport::OtherLanguages,
                    SpecificSupport::Illiteracy,
                ],
                support_modes: vec![SupportMode::Individual, SupportMode::CollectiveWorkshop],
                costs: vec![Cost::FreeUnderConditions],
                opening_hours: Some("Mo-Fr 09:00-12:00,14:00-18:00".into()),
                ..located((
                    "demo-centre-social-monplaisir",
                    "Centre social du quartier Monplaisir",
                    "49007",
                    "49100",
                    "Angers",
                    "12 rue de Normandie",
                ))
            },
            model: Some(Charity),
            facts: facts(15, 7, SecondLevel, Both, &[Inclusion], LocalOfficial),
        },
        DemoPlace {
            place: Place {
                services: vec![Service::ProfessionalInsertion],
                audiences: vec![Audience::Youth],
                support_modes: vec![SupportMode::Individual, SupportMode::CollectiveWorkshop],
                costs: vec![Cost::Free],
                opening_hours: Some("Mo-Fr 08:30-12:30".into()),
                ..located((
                    "demo-france-travail-trelaze",
                    "Agence France Travail de Trélazé",
                    "49353",
                    "49800",
                    "Trélazé",
                    "2 rue Jean Jaurès",
                ))
            },
            model: Some(BenefitClaimantChannel),
            facts: facts(30, 14, FirstLevel, Teaches, &[Inclusion], NationalOfficial),
        },
        DemoPlace {
            place: Place {
                services: vec![Service::AdministrativeProcedures],
                audiences: vec![Audience::Families],
                support_modes: vec![SupportMode::Individual],
                costs: vec![Cost::Free],
                opening_hours: Some("Mo-Fr 09:00-12:30,13:30-17:00".into()),
                ..located((
                    "demo-mds-cholet",
                    "Maison départementale des solidarités de Cholet",
                    "49099",
                    "49300",
                    "Cholet",
                    "24 avenue Maudet",
                ))
            },
            model: Some(HealthLikePublicService),
            facts: facts(
                20,
                5,
                FirstLevel,
                ActsOnBehalf,
                &[DigitalEmergency],
                LocalOfficial,
            ),
        },
        DemoPlace {
            place: Place {
                services: vec![
                    Service::AdministrativeProcedures,
                    Service::InternetAndEquipmentAccess,
                ],
                audiences: vec![Audience::Families],
                support_modes: vec![SupportMode::Individual, SupportMode::Autonomous],
                costs: vec![Cost::Free],
                programmes: vec![NationalProgramme::CafDigitalAccessPoint],
                opening_hours: Some("Mo-Th 08:30-16:30; Fr 08:30-12:00".into()),
                ..located((
                    "demo-caf-cholet",
                    "Accueil CAF de Cholet",
                    "49099",
                    "49300",
                    "Cholet",
                    "10 rue du Planty",
                ))
            },
            model: Some(BenefitClaimantChannel),
            facts: facts(
                50,
                2,
                FirstLevel,
                ActsOnBehalf,
                &[DigitalEmergency],
                NationalOfficial,
            ),
        },
        DemoPlace {
            place: Place {
                services: vec![
                    Service::EverydayTools,
                    Service::SafeUse,
                    Service::UnderstandingDigitalWorld,
                    Service::InternetAndEquipmentAccess,
                ],
                audiences: vec![Audience::Seniors],
                specific_support: vec![SpecificSupport::Deafness, SpecificSupport::MotorDisability],
                support_modes: vec![
                    SupportMode::CollectiveWorkshop,
                    SupportMode::Autonomous,
                    SupportMode::Remote,
                ],
                costs: vec![Cost::Free],
                programmes: vec![NationalProgramme::DigitalAdvisers],
                opening_hours: Some("Mo 14:00-18:00; Tu-Fr 09:30-12:30,14:00-18:00".into()),
                ..located((
                    "demo-epn-saumur",
                    "Espace public numérique de Saumur",
                    "49328",
                    "49400",
                    "Saumur",
                    "1 rue Beaurepaire",
                ))
            },
            model: Some(PlaceOfKnowledge),
            facts: facts(
                24,
                7,
                SecondLevel,
                Teaches,
                &[Inclusion, Acculturation],
                LocalOfficial,
            ),
        },
        DemoPlace {
            place: Place {
                services: vec![
                    Service::EverydayTools,
                    Service::SolidarityEquipment,
                    Service::InternetAndEquipmentAccess,
                ],
                audiences: vec![Audience::Seniors],
                specific_support: vec![SpecificSupport::MentalDisability],
                support_modes: vec![SupportMode::Individual, SupportMode::CollectiveWorkshop],
                costs: vec![Cost::FreeUnderConditions, Cost::Paid],
                programmes: vec![NationalProgramme::EmmausConnectRelay],
                opening_hours: Some("We 14:00-18:00; Sa 09:00-12:00".into()),
                ..located((
                    "demo-lien-numerique-mauges",
                    "Association Lien numérique des Mauges",
                    "49023",
                    "49600",
                    "Beaupréau-en-Mauges",
                    "5 place du Général de Gaulle",
                ))
            },
            model: Some(Charity),
            facts: facts(10, 21, SecondLevel, Teaches, &[Inclusion], Informal),
        },
        DemoPlace {
            place: Place {
                services: vec![Service::EverydayTools, Service::LeisureAndCreation],
                audiences: vec![Audience::Youth, Audience::Seniors],
                support_modes: vec![SupportMode::Autonomous, SupportMode::CollectiveWorkshop],
                costs: vec![Cost::Free],
                opening_hours: Some(
                    "Tu 15:00-18:00; We 10:00-12:00,14:00-18:00; Sa 10:00-12:30".into(),
                ),
                ..located((
                    "demo-bibliotheque-chemille",
                    "Bibliothèque de Chemillé-en-Anjou",
                    "49092",
                    "49120",
                    "Chemillé-en-Anjou",
                    "Rue de l'Arceau",
                ))
            },
            model: Some(PlaceOfKnowledge),
            facts: facts(
                12,
                14,
                SecondLevel,
                Teaches,
                &[Acculturation],
                LocalOfficial,
            ),
        },
        DemoPlace {
            place: Place {
                services: vec![
                    Service::LeisureAndCreation,
                    Service::UnderstandingDigitalWorld,
                    Service::ProfessionalInsertion,
                ],
                audiences: vec![Audience::Youth, Audience::Students],
                support_modes: vec![SupportMode::CollectiveWorkshop],
                costs: vec![Cost::Paid],
                opening_hours: Some("Mo-Fr 09:00-19:00".into()),
                ..located((
                    "demo-tiers-lieu-doue",
                    "Tiers-lieu numérique de Doué-en-Anjou",
                    "49125",
                    "49700",
                    "Doué-en-Anjou",
                    "8 rue des Arènes",
                ))
            },
            model: Some(PersonalService),
            facts: facts(16, 10, SecondLevel, Teaches, &[Acculturation], Informal),
        },
        DemoPlace {
            place: Place {
                services: vec![
                    Service::EverydayTools,
                    Service::AdministrativeProcedures,
                    Service::SafeUse,
                ],
                audiences: vec![Audience::Seniors],
                support_modes: vec![SupportMode::Individual, SupportMode::CollectiveWorkshop],
                costs: vec![Cost::Free],
                mobility: vec![Mobility::Itinerant],
                opening_hours: Some("Tu-Th 09:30-12:30,14:00-17:00".into()),
                summary: Some(
                    "Un bus aménagé qui s'arrête chaque semaine dans les bourgs des Mauges.".into(),
                ),
                ..located((
                    "demo-bus-numerique-mauges",
                    "Bus numérique des Mauges",
                    "49244",
                    "49410",
                    "Mauges-sur-Loire",
                    "Place de l'Église, Saint-Florent-le-Vieil",
                ))
            },
            model: Some(HealthLikePublicService),
            facts: facts(
                18,
                10,
                SecondLevel,
                Both,
                &[Inclusion, DigitalEmergency],
                LocalOfficial,
            ),
        },
    ]
}
