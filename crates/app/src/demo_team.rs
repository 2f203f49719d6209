//! The demo structure manager's team and queue: two mediators of the manager's structure (they do
//! not sign in: their password is a random secret nobody knows) and referrals the demo prescriber sent to that
//! structure, waiting for an answer, so that the manager has referrals to give to its mediators.

use aiguillage_domain::account::{DisplayName, Email, NewAccount};
use aiguillage_domain::calendar::{date_of, DAY};
use aiguillage_domain::diagnostic::{profile, SkillAnswer};
use aiguillage_domain::ids::{AccountId, OfferId, StructureId};
use aiguillage_domain::person::{enrolment_consent, sharing_consent, PersonDraft};
use aiguillage_domain::role::Role;
use aiguillage_store::{Actor, NewReferral, Store};

/// The manager's mediators: (e-mail, name).
const TEAM: &[(&str, &str)] = &[
    ("ines.garnier@demo.aiguillage.fr", "Inès Garnier"),
    ("theo.marchand@demo.aiguillage.fr", "Théo Marchand"),
];

/// People the prescriber sends to the manager's structure: (first name, last name, commune, days ago).
const WAITING: &[(&str, &str, &str, i64)] = &[
    ("Monique", "Bertin", "49328", 2),
    ("Yannick", "Chevalier", "49328", 1),
    ("Fatou", "Diallo", "49328", 0),
];

pub async fn seed_manager_team(
    store: &Store,
    (prescriber_id, sender): (i64, i64),
    manager_structure: i64,
    now: i64,
) -> anyhow::Result<()> {
    // A random secret nobody knows: these accounts exist to be given referrals, not to sign in.
    let secret = aiguillage_service::credentials::random_token();
    let unusable = aiguillage_service::credentials::hash_password(&secret)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for (email, name) in TEAM {
        store
            .create_account(
                &NewAccount {
                    email: Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?,
                    display_name: DisplayName::parse(name).map_err(|e| anyhow::anyhow!("{e}"))?,
                    role: Role::Mediator,
                    structure_id: manager_structure,
                    territory: "epci:200071876"
                        .parse()
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                },
                &unusable,
                now,
            )
            .await?;
    }
    let prescriber = Actor {
        account_id: AccountId::new(prescriber_id),
        structure_id: StructureId::new(sender),
        reason: "aiguillage demo",
    };
    let offer = store
        .offers_of(manager_structure)
        .await?
        .first()
        .map(|o| OfferId::new(o.id))
        .ok_or_else(|| anyhow::anyhow!("la structure du responsable n'a pas d'offre"))?;
    let (_, receiver_name, offer_name) = store
        .offer_owner(offer)
        .await?
        .ok_or_else(|| anyhow::anyhow!("offre {offer} introuvable"))?;
    let sender_name = store.account(prescriber_id).await?.structure_name;
    for (first_name, last_name, commune, days_ago) in WAITING {
        let at = now - days_ago * DAY - DAY / 2;
        let person = store
            .enrol_person(
                &prescriber,
                &PersonDraft {
                    first_name: (*first_name).into(),
                    last_name: (*last_name).into(),
                    phone: Some("0241000000".into()),
                    email: None,
                    no_phone: false,
                    commune_code: (*commune).into(),
                    birth_year: Some(1958),
                },
                &enrolment_consent(&sender_name),
                at - DAY / 4,
            )
            .await?;
        let answers = crate::demo::demo_answers(SkillAnswer::WithHelp);
        let computed = profile(&answers, date_of(at));
        store
            .add_diagnostic(&prescriber, person, &answers, &computed, at - DAY / 4)
            .await?;
        store
            .send_referral(
                &prescriber,
                &NewReferral {
                    person_id: person,
                    offer_id: offer,
                    profile: &computed,
                    message: "Souhaite être accompagnée pour ses démarches en ligne.",
                    consent: &sharing_consent(&receiver_name, &offer_name),
                    why_again: "",
                    appointment: None,
                },
                at,
            )
            .await?
            .ok_or_else(|| anyhow::anyhow!("orientation de démonstration non envoyée"))?;
    }
    Ok(())
}

/// Two invitations of the demo structure manager, waiting, whose links the demo prints (it has no
/// mail relay): one to a new address (the account's creation page), one to the demo mediator (who
/// joins a second structure by signing in, then chooses the one they act for). Returns the links'
/// tokens: (new address, mediator).
pub async fn seed_invitations(
    store: &Store,
    (manager, manager_structure): (i64, i64),
    now: i64,
) -> anyhow::Result<(String, String)> {
    let actor = aiguillage_store::TeamActor {
        account_id: AccountId::new(manager),
        structure_id: StructureId::new(manager_structure),
        reason: "aiguillage demo",
    };
    let mut tokens = Vec::new();
    for (email, role) in [
        ("nouvelle.recrue@exemple.fr", Role::Mediator),
        ("mediateur@demo.aiguillage.fr", Role::Mediator),
    ] {
        let token = aiguillage_service::credentials::random_token();
        let hash = aiguillage_service::credentials::token_hash(&token);
        let invitation = aiguillage_store::NewInvitation {
            email,
            structure_id: StructureId::new(manager_structure),
            role,
            token_hash: &hash,
            expires_at: now + aiguillage_domain::team::INVITATION_LIFETIME_SECONDS,
        };
        store.create_invitation(&actor, &invitation, now).await?;
        tokens.push(token);
    }
    let mediator = tokens.pop().unwrap_or_default();
    let newcomer = tokens.pop().unwrap_or_default();
    Ok((newcomer, mediator))
}
