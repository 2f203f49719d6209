//! `aiguillage demo`: a fresh SQLite instance with all of France's territory data, a dozen fictitious
//! places in real communes of Maine-et-Loire (49) beside the département's real France Services, one
//! account per role (the sponsor's in a structure of its own) and a voucher campaign under way
//! ([`crate::demo_vouchers`]), a starter resource bank ([`crate::demo_bank`]), served on 127.0.0.1.
//! Structures and people are fictitious; the communes are real. Needs no network.

use crate::demo_directory::demo_places;
use crate::serve::serve;
use crate::territory::import;
use aiguillage_service::accounts::{create_account, AccountRequest, Requester};
use aiguillage_service::Settings;
use aiguillage_store::Store;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct DemoArgs {
    /// Port to serve on (127.0.0.1).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Folder of the demo database (`DIR/aiguillage.db`), recreated at each start.
    #[arg(long, default_value = "aiguillage-demo")]
    data_dir: PathBuf,
}

/// Where a demo account works: one of `demo_places()` (by index), or the sponsor's office, a
/// structure that funds vouchers and is no place of the directory ([`SPONSOR_STRUCTURE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    Place(usize),
    Sponsor,
}

/// The sponsor's structure: name, kind, commune (INSEE).
pub const SPONSOR_STRUCTURE: (&str, &str, &str) = (
    "Département de Maine-et-Loire — Direction de l'action sociale",
    "Collectivité territoriale",
    "49007",
);

/// The TOTP keys of the demo accounts whose role requires a second factor (20 bytes each): printed
/// with the logins, so that a visitor adds them to an authenticator application. Fictitious accounts
/// only: a real instance never shows a key after enrolment.
pub(crate) const DEMO_TOTP_KEYS: &[(&str, &[u8; 20])] = &[
    ("admin@demo.aiguillage.fr", b"demo-admin-totp-2026"),
    ("coordinateur@demo.aiguillage.fr", b"demo-coord-totp-2026"),
];

/// One demo account per role: e-mail, name, role, structure, territory, password.
pub const ACCOUNTS: &[(&str, &str, &str, Home, &str, &str)] = &[
    (
        "prescripteur@demo.aiguillage.fr",
        "Claire Moreau",
        "prescriber",
        Home::Place(1),
        "244900015",
        "lierre-boussole-anjou-2026",
    ),
    (
        "mediateur@demo.aiguillage.fr",
        "Julien Robert",
        "mediator",
        Home::Place(2),
        "244900015",
        "ardoise-tramway-loire-2026",
    ),
    (
        "responsable@demo.aiguillage.fr",
        "Sophie Lefèvre",
        "structure_manager",
        Home::Place(7),
        "200071876",
        "quai-chanvre-saumur-2026",
    ),
    (
        "coordinateur@demo.aiguillage.fr",
        "Marc Dubois",
        "coordinator",
        Home::Place(0),
        "49",
        "viaduc-tuffeau-layon-2026",
    ),
    (
        "admin@demo.aiguillage.fr",
        "Administration de la démo",
        "administrator",
        Home::Place(0),
        "49",
        "phare-cormier-ardoise-2026",
    ),
    (
        "financeur@demo.aiguillage.fr",
        "Hélène Rousseau",
        "sponsor",
        Home::Sponsor,
        "49",
        "gabare-chenin-tuffeau-2026",
    ),
];

/// Synthetic people added to the demo so that steering figures exceed the minimum cell size.
const DEMO_POPULATION: usize = 1_500;

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let database = args.data_dir.join("aiguillage.db");
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", database.display()));
        if file.exists() {
            std::fs::remove_file(&file)?;
        }
    }
    let url = format!("sqlite://{}", database.display());
    println!(
        "Création de la base de démonstration {}",
        database.display()
    );
    let store = Store::connect(&url).await?;
    println!("Chargement du référentiel territorial (toute la France)…");
    import(&store, true).await?;
    seed(&store).await?;
    seed_pathways(&store, crate::now()).await?;
    seed_directory(&store).await?;
    let prescriber = demo_account(&store, "prescripteur@demo.aiguillage.fr").await?;
    let (_, managed) = demo_account(&store, "responsable@demo.aiguillage.fr").await?;
    crate::demo_team::seed_manager_team(&store, prescriber, managed, crate::now()).await?;
    let invitations = crate::demo_team::seed_invitations(
        &store,
        demo_account(&store, "responsable@demo.aiguillage.fr").await?,
        crate::now(),
    )
    .await?;
    for email in [
        "mediateur@demo.aiguillage.fr",
        "responsable@demo.aiguillage.fr",
    ] {
        seed_slot_windows(&store, demo_account(&store, email).await?).await?;
    }
    let (_, mediator_structure) = demo_account(&store, "mediateur@demo.aiguillage.fr").await?;
    let (_, manager_structure) = demo_account(&store, "responsable@demo.aiguillage.fr").await?;
    let cast = crate::demo_vouchers::VoucherCast {
        sponsor: demo_account(&store, "financeur@demo.aiguillage.fr").await?,
        coordinator: demo_account(&store, "coordinateur@demo.aiguillage.fr").await?,
        prescriber,
        places: [mediator_structure, manager_structure],
    };
    crate::demo_vouchers::seed_vouchers(&store, &cast, crate::now()).await?;
    let accounts = store.list_accounts().await?;
    let named = |email: &str| {
        accounts
            .iter()
            .find(|a| a.email == email)
            .ok_or_else(|| anyhow::anyhow!("compte de démonstration {email} introuvable"))
    };
    let sessions = crate::demo_bank::seed_bank(
        &store,
        (
            [
                named("ines.garnier@demo.aiguillage.fr")?,
                named("theo.marchand@demo.aiguillage.fr")?,
            ],
            named("mediateur@demo.aiguillage.fr")?,
            named("coordinateur@demo.aiguillage.fr")?,
            named("responsable@demo.aiguillage.fr")?,
        ),
        crate::now(),
    )
    .await?;
    println!(
        "Ressourcerie : {sessions} séances d'atelier, dont 2 à relire par le médiateur (référent)."
    );
    println!("Population synthétique du Maine-et-Loire (pour les indicateurs de pilotage)…");
    let counts = crate::generate::demo_population(
        &store,
        "49",
        DEMO_POPULATION,
        &[mediator_structure, manager_structure],
    )
    .await?;
    println!(
        "{} personnes, {} orientations, {} séances.",
        counts.people, counts.referrals, counts.sessions
    );
    let settings = Settings {
        operator_name: "une instance de démonstration (Maine-et-Loire)".into(),
        operator_contact: "demo@aiguillage.example".into(),
        demo_banner: true,
        public_url: format!("http://127.0.0.1:{}", args.port),
        // ProConnect when the environment names a provider (the end-to-end test's, on loopback).
        proconnect: aiguillage_service::proconnect::ProConnectSettings::from_env(&format!(
            "http://127.0.0.1:{}",
            args.port
        )),
        ..Settings::default()
    };
    serve(store, settings, "127.0.0.1", args.port, |address| {
        print_welcome(address, &url, &invitations)
    })
    .await
}

async fn seed(store: &Store) -> anyhow::Result<()> {
    let now = crate::now();
    let demo = demo_places();
    let places: Vec<(u64, aiguillage_domain::directory::Place)> = demo
        .iter()
        .enumerate()
        .map(|(index, demo)| (index as u64 + 1, demo.place.clone()))
        .collect();
    let report = store
        .import_places("démonstration", &places, None, now, &|_, _| {})
        .await?;
    if let Some(rejection) = report.rejected.first() {
        anyhow::bail!(
            "lieu de démonstration {} refusé : {}",
            rejection.id,
            rejection.reason
        );
    }
    let mut structure_ids = Vec::with_capacity(demo.len());
    for demo_place in &demo {
        let id = store
            .place_id("démonstration", &demo_place.place.id)
            .await?
            .ok_or_else(|| {
                anyhow::anyhow!("lieu de démonstration {} introuvable", demo_place.place.id)
            })?;
        store.set_support_model(id, demo_place.model).await?;
        if let Some(stored) = store.offers_of(id).await?.into_iter().next() {
            let offer = aiguillage_domain::directory::Offer {
                facts: demo_place.facts.clone(),
                ..stored.offer
            };
            store
                .save_offer(
                    id,
                    Some(stored.id),
                    &offer,
                    None,
                    aiguillage_store::PlaceRights::Everything,
                    now,
                )
                .await?;
        }
        structure_ids.push(id);
    }
    let (sponsor_name, sponsor_kind, sponsor_commune) = SPONSOR_STRUCTURE;
    let sponsor = store
        .ensure_structure(
            &aiguillage_store::NewStructure {
                name: sponsor_name.into(),
                kind: sponsor_kind.into(),
                commune_code: sponsor_commune.into(),
            },
            now,
        )
        .await?;
    for (email, name, role, home, territory, password) in ACCOUNTS {
        let structure = match home {
            Home::Place(index) => *structure_ids.get(*index).ok_or_else(|| {
                anyhow::anyhow!("compte de démonstration {email} : lieu n° {index} absent")
            })?,
            Home::Sponsor => sponsor,
        };
        let request = AccountRequest {
            email: (*email).into(),
            display_name: (*name).into(),
            role: (*role).into(),
            structure_id: structure.to_string(),
            territory: (*territory).into(),
            password: (*password).into(),
        };
        let requester = Requester {
            account_id: None,
            reason: "aiguillage demo",
        };
        let id = create_account(store, &request, requester, now)
            .await
            .map_err(|error| anyhow::anyhow!("compte de démonstration {email} : {error:?}"))?;
        if let Some((_, key)) = DEMO_TOTP_KEYS.iter().find(|(e, _)| e == email) {
            aiguillage_service::second_factor::enrol_known_secret(
                store,
                aiguillage_domain::ids::AccountId::new(id),
                key.as_slice(),
                "aiguillage demo",
                now,
            )
            .await
            .map_err(|error| anyhow::anyhow!("double authentification de {email} : {error}"))?;
        }
    }
    println!(
        "{} structures et {} comptes de démonstration créés.",
        demo.len() + 1,
        ACCOUNTS.len()
    );
    Ok(())
}

/// A demo person referred by the prescriber's structure to the mediator's, and how far it went:
/// first name, last name, commune (INSEE), birth year, days ago it was sent, the individual sessions
/// (days ago, minutes, themes, observed autonomy) and the closing (days ago, outcome and gains).
struct DemoPathway {
    first_name: &'static str,
    last_name: &'static str,
    commune: &'static str,
    birth_year: i32,
    sent_days_ago: i64,
    steps: &'static [aiguillage_domain::orientation::ReferralEvent],
    sessions: &'static [(i64, u32, &'static [Theme], ObservedAutonomy)],
    closing: Option<(i64, fn() -> Closing)>,
}

use aiguillage_domain::orientation::ReferralEvent as Step;
use aiguillage_domain::pathway::{
    Closing, Equipment, Gains, MoneyBracket, NewSession, ObservedAutonomy, RightKind, SessionKind,
    SessionPlace, Theme, WorkshopLevel,
};

use aiguillage_domain::calendar::DAY;

fn autonomy_reached() -> Closing {
    Closing {
        outcome: aiguillage_domain::orientation::ClosingOutcome::Autonomous,
        gains: Gains {
            rights: [RightKind::ActivityBonus, RightKind::EnergyCheque].into(),
            money: Some(MoneyBracket::From50To150),
            job_or_training: false,
        },
        sent_elsewhere: None,
    }
}

fn helped_on_behalf() -> Closing {
    Closing {
        outcome: aiguillage_domain::orientation::ClosingOutcome::HelpedOnBehalf,
        gains: Gains {
            rights: [RightKind::HousingAid].into(),
            money: Some(MoneyBracket::From150To300),
            job_or_training: true,
        },
        sent_elsewhere: None,
    }
}

/// The demo referrals to the mediator's structure (Médiathèque Toussaint): one accepted and
/// waiting for its first contact, two in pathway with sessions, two closed with gains; plus one
/// collective workshop. Fictitious people; times relative to the demo's start.
const DEMO_PATHWAYS: &[DemoPathway] = &[
    DemoPathway {
        first_name: "Odette",
        last_name: "Bernard",
        commune: "49007",
        birth_year: 1946,
        sent_days_ago: 3,
        steps: &[Step::Accept],
        sessions: &[],
        closing: None,
    },
    DemoPathway {
        first_name: "Gérard",
        last_name: "Petit",
        commune: "49007",
        birth_year: 1958,
        sent_days_ago: 24,
        steps: &[Step::Accept, Step::RecordFirstContact],
        sessions: &[
            (
                18,
                60,
                &[Theme::DeviceHandling],
                ObservedAutonomy::FullyGuided,
            ),
            (11, 45, &[Theme::Email], ObservedAutonomy::PartlyAutonomous),
        ],
        closing: None,
    },
    DemoPathway {
        first_name: "Yvette",
        last_name: "Marchand",
        commune: "49007",
        birth_year: 1951,
        sent_days_ago: 16,
        steps: &[Step::Accept, Step::RecordFirstContact],
        sessions: &[(
            9,
            60,
            &[Theme::AdministrativeProcedures, Theme::MoneyTaxes],
            ObservedAutonomy::FullyGuided,
        )],
        closing: None,
    },
    DemoPathway {
        first_name: "Rachid",
        last_name: "Benali",
        commune: "49007",
        birth_year: 1979,
        sent_days_ago: 52,
        steps: &[Step::Accept, Step::RecordFirstContact],
        sessions: &[
            (
                46,
                60,
                &[Theme::DigitalDiagnostic, Theme::WebBrowsing],
                ObservedAutonomy::FullyGuided,
            ),
            (
                39,
                60,
                &[Theme::AdministrativeProcedures, Theme::WorkTraining],
                ObservedAutonomy::PartlyAutonomous,
            ),
            (
                32,
                45,
                &[Theme::Security, Theme::Email],
                ObservedAutonomy::Autonomous,
            ),
        ],
        closing: Some((30, autonomy_reached)),
    },
    DemoPathway {
        first_name: "Monique",
        last_name: "Lefort",
        commune: "49007",
        birth_year: 1962,
        sent_days_ago: 40,
        steps: &[Step::Accept, Step::RecordFirstContact],
        sessions: &[
            (35, 90, &[Theme::Housing], ObservedAutonomy::FullyGuided),
            (
                28,
                30,
                &[Theme::Housing, Theme::Email],
                ObservedAutonomy::FullyGuided,
            ),
        ],
        closing: Some((27, helped_on_behalf)),
    },
];

pub(crate) fn demo_answers(
    skill: aiguillage_domain::diagnostic::SkillAnswer,
) -> aiguillage_domain::diagnostic::Answers {
    use aiguillage_domain::diagnostic::*;
    Answers {
        equipment: vec![Equipment::Smartphone],
        skills: SkillDomain::ALL.iter().map(|d| (*d, skill)).collect(),
        detailed: vec![],
        french_reading: LiteracyLevel::Comfortable,
        french_writing: LiteracyLevel::WithDifficulty,
        languages: vec![],
        support_needs: vec![],
        travel_range: TravelRange::UpTo15Km,
        travel_modes: vec![],
        accepts_remote: false,
        availability: vec![],
        willingness: Willingness::Yes,
        levers: vec![],
        urgency: None,
        notes: None,
    }
}

/// The demo account with this e-mail: (account id, structure id).
/// First-appointment windows for a demo structure: Tuesday and Thursday afternoons, 14 h – 17 h,
/// half-hour appointments, two at a time — what prescribers see as free slots when sending.
async fn seed_slot_windows(store: &Store, (account, structure): (i64, i64)) -> anyhow::Result<()> {
    let actor = aiguillage_store::Actor {
        account_id: aiguillage_domain::ids::AccountId::new(account),
        structure_id: aiguillage_domain::ids::StructureId::new(structure),
        reason: "aiguillage demo",
    };
    for weekday in [1, 3] {
        let window = aiguillage_domain::appointment::SlotWindow {
            weekday,
            start_minute: 14 * 60,
            end_minute: 17 * 60,
            length_minutes: 30,
            capacity: 2,
        }
        .checked()?;
        store.add_slot_window(&actor, &window, crate::now()).await?;
    }
    Ok(())
}

async fn demo_account(store: &Store, email: &str) -> anyhow::Result<(i64, i64)> {
    store
        .list_accounts()
        .await?
        .into_iter()
        .find(|a| a.email == email)
        .map(|a| (a.id, a.structure_id))
        .ok_or_else(|| anyhow::anyhow!("compte de démonstration {email} introuvable"))
}

/// Referrals from the prescriber's structure to the mediator's, taken through their states by the
/// ordinary store methods (with consent, audited), with sessions, a workshop and closings.
async fn seed_pathways(store: &Store, now: i64) -> anyhow::Result<()> {
    use aiguillage_domain::calendar::date_of;
    use aiguillage_domain::ids::{AccountId, OfferId, StructureId};
    use aiguillage_domain::person::{enrolment_consent, sharing_consent, PersonDraft};
    use aiguillage_store::{Actor, Applied, CloseOutcome, NewReferral, SessionOutcome};
    let (prescriber_id, sender) = demo_account(store, ACCOUNTS[0].0).await?;
    let (mediator_id, receiver) = demo_account(store, ACCOUNTS[1].0).await?;
    let prescriber = Actor {
        account_id: AccountId::new(prescriber_id),
        structure_id: StructureId::new(sender),
        reason: "aiguillage demo",
    };
    let mediator = Actor {
        account_id: AccountId::new(mediator_id),
        structure_id: StructureId::new(receiver),
        reason: "aiguillage demo",
    };
    let offer_id = store
        .offers_of(receiver)
        .await?
        .first()
        .map(|o| OfferId::new(o.id))
        .ok_or_else(|| anyhow::anyhow!("la structure du médiateur n'a pas d'offre"))?;
    let (_, receiver_name, offer_name) = store
        .offer_owner(offer_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("offre {offer_id} introuvable"))?;
    let sender_name = store.account(prescriber_id).await?.structure_name;
    let mut in_pathway = Vec::new();
    for demo in DEMO_PATHWAYS {
        let sent_at = now - demo.sent_days_ago * DAY;
        let person = store
            .enrol_person(
                &prescriber,
                &PersonDraft {
                    first_name: demo.first_name.into(),
                    last_name: demo.last_name.into(),
                    phone: Some("0241000000".into()),
                    email: None,
                    no_phone: false,
                    commune_code: demo.commune.into(),
                    birth_year: Some(demo.birth_year),
                },
                &enrolment_consent(&sender_name),
                sent_at - DAY,
            )
            .await?;
        let answers = demo_answers(aiguillage_domain::diagnostic::SkillAnswer::WithHelp);
        let computed = aiguillage_domain::diagnostic::profile(&answers, date_of(sent_at));
        store
            .add_diagnostic(&prescriber, person, &answers, &computed, sent_at - DAY)
            .await?;
        let referral = store
            .send_referral(
                &prescriber,
                &NewReferral {
                    person_id: person,
                    offer_id,
                    profile: &computed,
                    message: "Souhaite gagner en autonomie pour ses démarches en ligne.",
                    consent: &sharing_consent(&receiver_name, &offer_name),
                    why_again: "",
                    appointment: None,
                },
                sent_at,
            )
            .await?
            .ok_or_else(|| anyhow::anyhow!("orientation de démonstration non envoyée"))?;
        for (index, event) in demo.steps.iter().enumerate() {
            let (current, side) = store
                .referral(&mediator, referral, now)
                .await?
                .ok_or_else(|| anyhow::anyhow!("orientation {referral} invisible"))?;
            let at = sent_at + (index as i64 + 1) * DAY;
            let applied = store
                .apply_referral_event(
                    &mediator,
                    (referral, current.version),
                    (side, event),
                    "",
                    at,
                )
                .await?;
            match applied {
                Applied::Done { .. } => {}
                Applied::Refused(e) => anyhow::bail!("démonstration : {e}"),
                Applied::StaleVersion => anyhow::bail!("orientation {referral} modifiée"),
            }
        }
        for (days_ago, minutes, themes, autonomy) in demo.sessions {
            let at = now - days_ago * DAY;
            let session = NewSession {
                held_on: date_of(at),
                duration_minutes: *minutes,
                kind: SessionKind::Individual,
                place: SessionPlace::AtStructure,
                equipment: [Equipment::Phone].into(),
                themes: themes.iter().copied().collect(),
                autonomy: Some(*autonomy),
                participants: None,
                anonymous_participants: None,
                workshop_title: None,
                workshop_level: None,
                notes: None,
            };
            let outcome = store
                .record_session(&mediator, referral, &session, at)
                .await?;
            anyhow::ensure!(
                matches!(outcome, SessionOutcome::Recorded { .. }),
                "séance de démonstration refusée : {outcome:?}"
            );
        }
        match demo.closing {
            Some((days_ago, closing)) => {
                let (current, _) = store
                    .referral(&mediator, referral, now)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("orientation {referral} invisible"))?;
                let outcome = store
                    .close_referral(
                        &mediator,
                        (referral, current.version),
                        &closing(),
                        "",
                        now - days_ago * DAY,
                    )
                    .await?;
                anyhow::ensure!(
                    outcome == CloseOutcome::Closed,
                    "clôture de démonstration refusée : {outcome:?}"
                );
            }
            None if !demo.sessions.is_empty() => in_pathway.push(referral),
            None => {}
        }
    }
    let workshop_at = now - 6 * DAY;
    let workshop = NewSession {
        held_on: date_of(workshop_at),
        duration_minutes: 120,
        kind: SessionKind::Collective,
        place: SessionPlace::AtStructure,
        equipment: [Equipment::Tablet].into(),
        themes: [Theme::Security].into(),
        autonomy: None,
        participants: Some(in_pathway.len() as u32 + 6),
        anonymous_participants: Some(6),
        workshop_title: Some("Déjouer les arnaques en ligne".into()),
        workshop_level: Some(WorkshopLevel::Beginner),
        notes: None,
    };
    let outcome = store
        .record_collective_session(&mediator, &in_pathway, &workshop, workshop_at)
        .await?;
    anyhow::ensure!(
        matches!(outcome, SessionOutcome::Recorded { .. }),
        "atelier de démonstration refusé : {outcome:?}"
    );
    println!(
        "{} orientations de démonstration vers {receiver_name}, avec séances, un atelier et deux parcours clos.",
        DEMO_PATHWAYS.len()
    );
    Ok(())
}

/// The official France Services list shipped with the product (see data/directory/SOURCE.md).
const FRANCE_SERVICES_CSV: &[u8] = include_bytes!("../../../data/directory/liste-fs-20240801.csv");

/// Puts the real France Services of Maine-et-Loire in the directory.
async fn seed_directory(store: &Store) -> anyhow::Result<()> {
    let report = aiguillage_interop::france_services::read_france_services(FRANCE_SERVICES_CSV);
    let in_49: Vec<_> = report
        .places
        .into_iter()
        .filter(|(_, place)| place.postal_code.starts_with("49"))
        .collect();
    let stored = store
        .import_places("demo", &in_49, None, crate::now(), &|_, _| {})
        .await?;
    println!(
        "{} France services de Maine-et-Loire ajoutées à l'annuaire ({} rejetées).",
        stored.inserted,
        stored.rejected.len()
    );
    Ok(())
}

fn print_welcome(address: std::net::SocketAddr, url: &str, invitations: &(String, String)) {
    println!();
    println!("Aiguillage (démonstration) est prêt : http://{address}/");
    println!("Comptes de démonstration (adresse / mot de passe) :");
    for (email, _, role, _, _, password) in ACCOUNTS {
        let label = role
            .parse::<aiguillage_domain::role::Role>()
            .map(|r| r.label())
            .unwrap_or(role);
        println!("  {label:<26} {email:<34} {password}");
        if let Some((_, key)) = DEMO_TOTP_KEYS.iter().find(|(e, _)| e == email) {
            let key = aiguillage_domain::second_factor::secret_for_typing(key.as_slice());
            println!("    clé TOTP ({email}) : {key}");
        }
    }
    println!("Les clés TOTP s'ajoutent à une application d'authentification (FreeOTP, Aegis…) : « saisir une clé », compte basé sur le temps.");
    println!("Invitations du responsable de structure (sans serveur de messagerie, leurs liens sont affichés ici ; 72 heures, une fois) :");
    println!(
        "  nouvelle adresse : http://{address}/invitation/{}",
        invitations.0
    );
    println!(
        "  médiateur (2e structure, après connexion) : http://{address}/invitation/{}",
        invitations.1
    );
    println!("Autres commandes sur cette base : AIGUILLAGE_DATABASE_URL={url} aiguillage …");
    println!("Arrêt : Ctrl-C.");
}

#[cfg(test)]
mod tests {
    use super::ACCOUNTS;
    use aiguillage_domain::password::{account_words, check_new_password};

    #[test]
    fn every_demo_password_passes_the_rules_of_a_new_account() {
        for (email, name, _, _, _, password) in ACCOUNTS {
            assert_eq!(
                check_new_password(password, &account_words(email, name)),
                Ok(()),
                "{email}"
            );
        }
    }
}
