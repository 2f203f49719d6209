//! The pathway through the real router: the receiving mediator records an individual session (the
//! referral moves to « En parcours »), a bad session comes back with every value kept and stores
//! nothing, a collective workshop counts one ticked person and three anonymous participants, closing
//! with rights, a money bracket and a job stores the outcome and shows it to both sides (with the
//! link to a new diagnostic for the structure that enrolled the person), a stale closing is refused,
//! a mediator of another structure is refused, and every new form carries the CSRF token.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;
use aiguillage_domain::ids::{AccountId, ReferralId, StructureId};

use aiguillage_domain::calendar::Date;
use aiguillage_domain::orientation::{ClosingOutcome, ReferralState};
use aiguillage_domain::pathway::{MoneyBracket, RightKind};
use aiguillage_domain::role::Role;
use aiguillage_store::{Actor, NewStructure, PathwaySession};
use aiguillage_web::Settings;
use axum::http::StatusCode;
use common::journeys::{good_session, referral_at_first_contact, world, World, MEDIATOR, TODAY};
use common::{body_text, hidden_csrf, location, sign_in_elsewhere};

fn id_of(referral: &str) -> i64 {
    referral
        .trim_start_matches("/orientations/")
        .parse()
        .expect("referral id")
}

async fn state_of(world: &World, referral: &str) -> ReferralState {
    world
        .app
        .store
        .referral_state(id_of(referral))
        .await
        .expect("read")
        .expect("exists")
        .state
}

/// What the library recorded in 2026, read straight from the store.
async fn library_sessions(world: &World) -> Vec<PathwaySession> {
    let accounts = world.app.store.list_accounts().await.expect("accounts");
    let mediator = accounts
        .iter()
        .find(|a| a.email.as_str() == MEDIATOR)
        .expect("mediator");
    let actor = Actor {
        account_id: AccountId::new(mediator.id),
        structure_id: StructureId::new(world.library_id),
        reason: "test",
    };
    let year = (
        Date::from_calendar_date(2020, time::Month::January, 1).expect("date"),
        Date::from_calendar_date(2030, time::Month::December, 31).expect("date"),
    );
    world
        .app
        .store
        .sessions_of_structure(&actor, year, common::START)
        .await
        .expect("sessions")
}

/// The part of a page from `marker` to the end of its form.
fn form_after<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in page"));
    let rest = &html[start..];
    let end = rest.find("</form>").expect("form end");
    &rest[..end]
}

#[tokio::test]
async fn an_individual_session_starts_the_pathway_and_both_sides_see_it() {
    let world = world(Settings::default()).await;
    let (app, mediator) = (&world.app, &world.mediator);
    let (_, referral) = referral_at_first_contact(&world, "Josiane").await;

    let page = body_text(app.get(&referral, Some(mediator)).await).await;
    assert!(page.contains("Séances du parcours"));
    assert!(page.contains("Aucune séance enregistrée pour l'instant."));
    assert!(page.contains("Enregistrer une séance"));
    assert!(
        page.contains(&format!("name=\"date\" value=\"{TODAY}\"")),
        "the date defaults to today"
    );
    assert!(page.contains("Précisions sur la démarche administrative"));
    assert!(page.contains("Autonomie observée en fin de séance"));
    assert!(page.contains("Aucune donnée sensible"));
    assert!(
        !page.contains("value=\"cloturer\""),
        "the old closing button is gone"
    );

    let response = app
        .post_form(
            &format!("{referral}/seances"),
            Some(&mediator.cookie),
            &good_session(&mediator.csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response).expect("redirect");
    assert_eq!(to, format!("{referral}?seance=enregistree#seances"));
    assert_eq!(state_of(&world, &referral).await, ReferralState::InPathway);

    let page = body_text(app.get(&to, Some(mediator)).await).await;
    assert!(page.contains("Séance enregistrée."));
    assert!(page.contains("En parcours"));
    for shown in [
        "18/11/2026",
        "45 min",
        "Accompagnement individuel",
        "À la structure",
        "E-mail, Aide aux démarches administratives, Logement",
        "Autonome avec guidage en cas de besoin",
        "Revoir la sauvegarde des photos.",
    ] {
        assert!(page.contains(shown), "the mediator sees {shown}");
    }
    assert!(
        !page.contains("La première séance fait passer"),
        "the pathway has started"
    );

    let seen = body_text(app.get(&referral, Some(&world.prescriber)).await).await;
    assert!(seen.contains("Séances du parcours") && seen.contains("45 min"));
    assert!(
        !seen.contains("Revoir la sauvegarde des photos."),
        "the sending side never sees the notes"
    );
    assert!(
        !seen.contains("Enregistrer une séance"),
        "only the receiving side records sessions"
    );
    let sessions = library_sessions(&world).await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].record.duration_minutes, 45);
}

#[tokio::test]
async fn a_bad_session_keeps_every_value_and_stores_nothing() {
    let world = world(Settings::default()).await;
    let (app, mediator) = (&world.app, &world.mediator);
    let (_, referral) = referral_at_first_contact(&world, "Josiane").await;

    let response = app
        .post_form(
            &format!("{referral}/seances"),
            Some(&mediator.cookie),
            &[
                ("csrf_token", &mediator.csrf),
                ("date", TODAY),
                ("duree", "autre"),
                ("duree_autre", "0"),
                ("lieu", "domicile"),
                ("materiel", "tablette"),
                ("autonomie", "autonome"),
                ("notes", "Apporter la tablette chargée."),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(response).await;
    assert!(page.contains("Séance non enregistrée"));
    assert!(page.contains("Choisissez au moins une thématique."));
    assert!(page.contains("Indiquez la durée de la séance, en minutes."));
    assert!(page.contains("fr-fieldset fr-fieldset--error\" id=\"seance-thematiques\""));
    assert!(page.contains("aria-describedby=\"seance-thematiques-erreur\""));
    assert!(page.contains("id=\"seance-thematiques-erreur\""));
    assert!(page.contains("aria-describedby=\"seance-duree-erreur\""));
    for kept in [
        "value=\"domicile\" checked",
        "value=\"tablette\" checked",
        "value=\"autonome\" checked",
        "value=\"autre\" selected",
        "name=\"duree_autre\" value=\"0\"",
        &format!("name=\"date\" value=\"{TODAY}\""),
        "Apporter la tablette chargée.</textarea>",
    ] {
        assert!(page.contains(kept), "the form keeps {kept}");
    }
    assert!(page.contains("Aucune séance enregistrée pour l'instant."));
    assert_eq!(
        state_of(&world, &referral).await,
        ReferralState::FirstContact
    );
    assert!(library_sessions(&world).await.is_empty(), "nothing stored");

    let response = app
        .post_form(
            &format!("{referral}/seances"),
            Some(&mediator.cookie),
            &[
                ("csrf_token", &mediator.csrf),
                ("date", "2027-02-01"),
                ("duree", "60"),
                ("lieu", "lieu_activite"),
                ("thematiques", "email"),
                ("autonomie", "autonome"),
                ("notes", "NIR 2 85 05 49 007 123 45"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(response).await;
    assert!(page.contains("La date de la séance (2027-02-01) est dans le futur."));
    assert!(page
        .contains("Le champ « Notes de la séance » semble contenir un numéro de sécurité sociale"));
    assert!(library_sessions(&world).await.is_empty(), "nothing stored");
}

#[tokio::test]
async fn a_workshop_counts_one_ticked_person_and_three_anonymous_participants() {
    let world = world(Settings::default()).await;
    let (app, mediator) = (&world.app, &world.mediator);
    let (_, referral) = referral_at_first_contact(&world, "Josiane").await;
    let referral_id = id_of(&referral).to_string();

    let list = body_text(app.get("/orientations", Some(mediator)).await).await;
    assert!(list.contains("href=\"/ateliers/nouveau\""));
    let form = body_text(app.get("/ateliers/nouveau", Some(mediator)).await).await;
    assert!(form.contains("Enregistrer un atelier collectif"));
    assert!(form.contains("Josiane Le Goff"));
    assert!(form.contains(&format!("name=\"personnes\" value=\"{referral_id}\"")));
    assert!(
        !form.contains("Autonomie observée"),
        "no observed autonomy in a workshop"
    );

    let too_few = app
        .post_form(
            "/ateliers/nouveau",
            Some(&mediator.cookie),
            &[
                ("csrf_token", &mediator.csrf),
                ("titre", "Déjouer les arnaques"),
                ("date", TODAY),
                ("duree", "120"),
                ("lieu", "lieu_activite"),
                ("thematiques", "securite_numerique"),
                ("personnes", &referral_id),
                ("anonymes", "0"),
            ],
        )
        .await;
    assert_eq!(too_few.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(too_few).await;
    assert!(page.contains("Un atelier collectif compte au moins 2 participants."));
    assert!(page.contains(&format!("value=\"{referral_id}\" checked")));
    assert!(page.contains("value=\"Déjouer les arnaques\""));
    assert!(library_sessions(&world).await.is_empty());

    let response = app
        .post_form(
            "/ateliers/nouveau",
            Some(&mediator.cookie),
            &[
                ("csrf_token", &mediator.csrf),
                ("titre", "Déjouer les arnaques"),
                ("niveau", "debutant"),
                ("date", TODAY),
                ("duree", "120"),
                ("lieu", "lieu_activite"),
                ("materiel", "tablette"),
                ("thematiques", "securite_numerique"),
                ("personnes", &referral_id),
                ("anonymes", "3"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response).as_deref(),
        Some("/ateliers/nouveau?enregistre=1")
    );
    let sessions = library_sessions(&world).await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].record.participants(), Some((4, 3)));
    assert_eq!(
        sessions[0].registered_referrals,
        vec![ReferralId::new(id_of(&referral))]
    );
    assert_eq!(
        state_of(&world, &referral).await,
        ReferralState::InPathway,
        "the workshop starts the pathway"
    );
    let page = body_text(
        app.get("/ateliers/nouveau?enregistre=1", Some(mediator))
            .await,
    )
    .await;
    assert!(page.contains("Atelier enregistré"));
    assert!(page.contains("4 (1 inscrite, 3 anonymes)"));
    let detail = body_text(app.get(&referral, Some(mediator)).await).await;
    assert!(detail.contains("Atelier collectif « Déjouer les arnaques » (4 participants)"));
}

#[tokio::test]
async fn closing_with_gains_stores_the_outcome_and_shows_it() {
    let world = world(Settings::default()).await;
    let (app, mediator) = (&world.app, &world.mediator);
    let (person, referral) = referral_at_first_contact(&world, "Josiane").await;
    let response = app
        .post_form(
            &format!("{referral}/seances"),
            Some(&mediator.cookie),
            &good_session(&mediator.csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let page = body_text(app.get(&referral, Some(mediator)).await).await;
    let form = form_after(&page, "id=\"formulaire-cloture\"");
    assert!(page.contains("Clore le parcours"));
    for outcome in ClosingOutcome::ALL {
        assert!(form.contains(outcome.label()), "outcome {outcome}");
    }
    assert!(form.contains("Prime d'activité") && form.contains("Aucun ou non connu"));
    assert!(
        form.contains("value=\"aucun\" checked"),
        "no money by default"
    );
    let version = form
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("version")
        .to_owned();

    let missing_place = app
        .post_form(
            &format!("{referral}/cloture"),
            Some(&mediator.cookie),
            &[
                ("csrf_token", &mediator.csrf),
                ("version", &version),
                ("issue", "Orientée ailleurs"),
                ("structure_nom", "France Services de Segré"),
                ("droits", "rsa"),
                ("gain", "moins_50"),
            ],
        )
        .await;
    assert_eq!(missing_place.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(missing_place).await;
    assert!(page.contains("Indiquez vers quel type de structure la personne a été orientée."));
    assert!(page.contains("value=\"France Services de Segré\""));
    assert!(page.contains("value=\"rsa\" checked") && page.contains("value=\"moins_50\" checked"));
    assert_eq!(state_of(&world, &referral).await, ReferralState::InPathway);

    let stale = app
        .post_form(
            &format!("{referral}/cloture"),
            Some(&mediator.cookie),
            &[
                ("csrf_token", &mediator.csrf),
                ("version", "1"),
                ("issue", "Autonomie atteinte"),
            ],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert!(body_text(stale)
        .await
        .contains("Quelqu'un a modifié cette orientation juste avant vous"));
    assert_eq!(state_of(&world, &referral).await, ReferralState::InPathway);

    let closed = app
        .post_form(
            &format!("{referral}/cloture"),
            Some(&mediator.cookie),
            &[
                ("csrf_token", &mediator.csrf),
                ("version", &version),
                ("issue", "Autonomie atteinte"),
                ("droits", "prime_activite"),
                ("droits", "aide_logement"),
                ("gain", "50_150"),
                ("emploi", "oui"),
                ("commentaire", "Fait ses démarches seule désormais."),
            ],
        )
        .await;
    assert_eq!(closed.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&world, &referral).await, ReferralState::Closed);
    let accounts = app.store.list_accounts().await.expect("accounts");
    let account = accounts
        .iter()
        .find(|a| a.email.as_str() == MEDIATOR)
        .expect("mediator");
    let stored = app
        .store
        .referral_closing(
            &Actor {
                account_id: AccountId::new(account.id),
                structure_id: StructureId::new(world.library_id),
                reason: "test",
            },
            ReferralId::new(id_of(&referral)),
            common::START,
        )
        .await
        .expect("read")
        .expect("closed with an outcome");
    assert_eq!(stored.closing.outcome, ClosingOutcome::Autonomous);
    assert_eq!(
        stored.closing.gains.rights,
        [RightKind::ActivityBonus, RightKind::HousingAid].into()
    );
    assert_eq!(stored.closing.gains.money, Some(MoneyBracket::From50To150));
    assert!(stored.closing.gains.job_or_training);

    let rediagnose = format!("href=\"/personnes/{person}/diagnostic\"");
    for (who, session) in [("mediator", mediator), ("prescriber", &world.prescriber)] {
        let page = body_text(app.get(&referral, Some(session)).await).await;
        for shown in [
            "Issue du parcours",
            "Autonomie atteinte",
            "Prime d'activité",
            "Aide au logement (APL, ALS, ALF)",
            "De 50 à 150 € par mois",
            "Oui : emploi trouvé ou formation commencée",
            "Fait ses démarches seule désormais.",
        ] {
            assert!(page.contains(shown), "the {who} sees {shown}");
        }
        assert!(!page.contains("id=\"formulaire-cloture\""), "closed once");
        assert!(
            !page.contains("id=\"formulaire-seance\""),
            "no more sessions"
        );
        assert_eq!(
            page.contains(&rediagnose),
            who == "prescriber",
            "only the structure that enrolled the person may diagnose them again ({who})"
        );
    }
    let page = body_text(app.get(&referral, Some(&world.prescriber)).await).await;
    assert!(page.contains("Refaire le diagnostic pour mesurer les progrès"));
}

#[tokio::test]
async fn a_mediator_of_another_structure_is_refused_and_nothing_is_written() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    let (_, referral) = referral_at_first_contact(&world, "Josiane").await;
    let elsewhere = app
        .store
        .ensure_structure(
            &NewStructure {
                name: "France services de Saumur".into(),
                kind: "France Services".into(),
                commune_code: "49328".into(),
            },
            0,
        )
        .await
        .expect("structure");
    let stranger = sign_in_elsewhere(app, elsewhere, "autre@example.fr", Role::Mediator).await;
    let mut session = good_session(&stranger.csrf);
    session[0] = ("csrf_token", &stranger.csrf);
    let response = app
        .post_form(
            &format!("{referral}/seances"),
            Some(&stranger.cookie),
            &session,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app
        .post_form(
            &format!("{referral}/cloture"),
            Some(&stranger.cookie),
            &[
                ("csrf_token", &stranger.csrf),
                ("version", "3"),
                ("issue", "Abandon"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let form = body_text(app.get("/ateliers/nouveau", Some(&stranger)).await).await;
    assert!(
        !form.contains("Josiane"),
        "another structure's people are not listed"
    );
    let referral_id = id_of(&referral).to_string();
    let response = app
        .post_form(
            "/ateliers/nouveau",
            Some(&stranger.cookie),
            &[
                ("csrf_token", &stranger.csrf),
                ("date", TODAY),
                ("duree", "60"),
                ("lieu", "lieu_activite"),
                ("thematiques", "email"),
                ("personnes", &referral_id),
                ("anonymes", "3"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(response)
        .await
        .contains("n'a plus d'orientation en cours dans votre structure"));
    assert_eq!(
        state_of(&world, &referral).await,
        ReferralState::FirstContact
    );
    assert!(library_sessions(&world).await.is_empty());

    // The sending prescriber may not record a session either (the receiving side does).
    let prescriber = &world.prescriber;
    let mut session = good_session(&prescriber.csrf);
    session[0] = ("csrf_token", &prescriber.csrf);
    let response = app
        .post_form(
            &format!("{referral}/seances"),
            Some(&prescriber.cookie),
            &session,
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(body_text(response)
        .await
        .contains("Seule la structure qui reçoit l'orientation enregistre des séances"));
    assert!(library_sessions(&world).await.is_empty());
    let workshop = app.get("/ateliers/nouveau", Some(prescriber)).await;
    assert_eq!(workshop.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_new_form_carries_the_csrf_token_and_a_post_without_it_is_refused() {
    let world = world(Settings::default()).await;
    let (app, mediator) = (&world.app, &world.mediator);
    let (_, referral) = referral_at_first_contact(&world, "Josiane").await;
    let page = body_text(app.get(&referral, Some(mediator)).await).await;
    for marker in ["id=\"formulaire-seance\"", "id=\"formulaire-cloture\""] {
        let form = form_after(&page, marker);
        assert_eq!(
            hidden_csrf(form).as_deref(),
            Some(mediator.csrf.as_str()),
            "{marker}"
        );
    }
    let workshop = body_text(app.get("/ateliers/nouveau", Some(mediator)).await).await;
    let form = form_after(&workshop, "id=\"formulaire-atelier\"");
    assert_eq!(hidden_csrf(form).as_deref(), Some(mediator.csrf.as_str()));

    let mut without = good_session(&mediator.csrf);
    without.remove(0);
    for path in [
        format!("{referral}/seances"),
        format!("{referral}/cloture"),
        "/ateliers/nouveau".to_owned(),
    ] {
        let response = app.post_form(&path, Some(&mediator.cookie), &without).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert!(library_sessions(&world).await.is_empty());
    assert_eq!(
        state_of(&world, &referral).await,
        ReferralState::FirstContact
    );
}
