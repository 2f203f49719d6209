//! The steering dashboard and its exports through the real router: a pathway recorded and closed by
//! the library's mediator shows in the coordinator's indicators (exact with a minimum cell size of
//! 1, « secret » with the default 11), in the mediator's own activity, in the CSV/JSON exports and
//! the open-data file (masked), and in the CRA export of the mediator's activities.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::role::Role;
use aiguillage_web::Settings;
use axum::http::StatusCode;
use common::journeys::{good_session, referral_at_first_contact, sent_referral, world, World};
use common::{body_text, location};

/// One person's pathway: a session, then closed with autonomy reached and a right obtained.
async fn one_closed_pathway(world: &World) {
    let (app, mediator) = (&world.app, &world.mediator);
    let (_, referral) = referral_at_first_contact(world, "Josiane").await;
    let response = app
        .post_form(
            &format!("{referral}/seances"),
            Some(&mediator.cookie),
            &good_session(&mediator.csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let closed = app
        .post_form(
            &format!("{referral}/cloture"),
            Some(&mediator.cookie),
            &[
                ("csrf_token", &mediator.csrf),
                ("version", "4"),
                ("issue", "Autonomie atteinte"),
                ("droits", "prime_activite"),
                ("gain", "50_150"),
            ],
        )
        .await;
    assert_eq!(
        closed.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        location(&closed)
    );
}

/// The journey's world with a minimum cell size of 1 (every count shown) and one closed pathway.
async fn exact_world_with_one_pathway() -> World {
    let settings = Settings {
        min_cell_size: 1,
        ..Settings::default()
    };
    let world = world(settings).await;
    one_closed_pathway(&world).await;
    world
}

fn row<'a>(html: &'a str, label: &str) -> &'a str {
    html.split("<tr>")
        .find(|r| r.contains(&format!("<th scope=\"row\">{label}</th>")))
        .unwrap_or("")
}

#[tokio::test]
async fn a_closed_pathway_shows_in_the_coordinator_s_indicators_and_the_mediator_s_activity() {
    let world = exact_world_with_one_pathway().await;
    let app = &world.app;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let page = body_text(app.get("/pilotage", Some(&coordinator)).await).await;
    assert!(page.contains("Pilotage : Maine-et-Loire"), "{page}");
    assert!(page.contains("Parcours des personnes repérées sur la période"));
    assert!(page.contains("<svg"), "charts are drawn on the server");
    let outcome = row(&page, "Autonomie atteinte");
    assert!(outcome.contains("<td>1</td>"), "{outcome}");
    assert!(page.contains("Comparaison") && page.contains("France"));

    let activity = body_text(app.get("/pilotage", Some(&world.mediator)).await).await;
    assert!(activity.contains("Mes séances par mois"));
    assert!(
        activity.contains("<td>1</td><td>0</td><td>1</td><td>0 h 45</td>"),
        "{activity}"
    );

    let cra = body_text(
        app.get("/pilotage/activites-cra?format=csv", Some(&world.mediator))
            .await,
    )
    .await;
    let mut lines = cra.lines();
    assert!(lines
        .next()
        .is_some_and(|h| h.starts_with("\u{feff}date,type,duree")));
    let session = lines.next().expect("one activity");
    assert!(
        session.contains("individuel") && session.contains("email"),
        "{session}"
    );
    assert_eq!(lines.next(), None);

    let csv = body_text(
        app.get(
            "/pilotage/export?format=csv&tableau=issues",
            Some(&coordinator),
        )
        .await,
    )
    .await;
    assert!(
        csv.starts_with("\u{feff}ligne,Orientations closes,Part des clôtures"),
        "{csv}"
    );
    assert!(csv.contains("Autonomie atteinte,1,"), "{csv}");
    let open = body_text(
        app.get("/pilotage/donnees-ouvertes", Some(&coordinator))
            .await,
    )
    .await;
    let document = aiguillage_interop::indicators_export::read_json(&open).expect("open data");
    assert_eq!(document.seuil_secret, 1);
    assert_eq!(document.territoire.code.as_deref(), Some("49"));
    assert!(document.tableaux.iter().any(|t| t.id == "entonnoir"));
}

#[tokio::test]
async fn with_the_default_minimum_cell_size_small_counts_are_secret_everywhere() {
    let world = world(Settings::default()).await;
    one_closed_pathway(&world).await;
    let app = &world.app;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let page = body_text(app.get("/pilotage", Some(&coordinator)).await).await;
    assert!(page.contains("inférieur à 11"));
    assert!(row(&page, "Autonomie atteinte").contains("<td>secret</td>"));
    let all = body_text(
        app.get("/pilotage/export?format=csv", Some(&coordinator))
            .await,
    )
    .await;
    assert!(all.starts_with("\u{feff}tableau,ligne,colonne,valeur"));
    assert!(
        all.contains("issues,Autonomie atteinte,Orientations closes,secret"),
        "{all}"
    );
    let json = body_text(
        app.get("/pilotage/export?format=json", Some(&coordinator))
            .await,
    )
    .await;
    assert!(
        !json.contains("\"valeurs\": [\n            1,"),
        "no count of one is published"
    );
    // A structure manager sees their structure; a period the wrong way round is said and replaced.
    let manager = app.sign_in(Role::StructureManager).await;
    let page = body_text(
        app.get("/pilotage?du=2026-12-01&au=2026-01-01", Some(&manager))
            .await,
    )
    .await;
    assert!(page.contains("Pilotage : Ma structure"));
    assert!(page.contains("La période commence après sa fin"));
    let prescriber = app.get("/pilotage", Some(&world.prescriber)).await;
    assert_eq!(prescriber.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_administrator_steers_the_nation_and_any_area_of_it() {
    let world = exact_world_with_one_pathway().await;
    let app = &world.app;
    let admin = app.sign_in(Role::Administrator).await;
    let page = body_text(app.get("/pilotage", Some(&admin)).await).await;
    assert!(page.contains("Pilotage : France"), "{page}");
    assert!(row(&page, "Autonomie atteinte").contains("<td>1</td>"));
    // Nationally, reach is detailed by département, and nothing is compared with itself.
    assert!(page.contains("Personnes repérées et communes fragiles, par département"));
    assert!(!page.contains("<h2>Comparaison</h2>"));
    assert!(page.contains("Commune, intercommunalité ou département"));

    // Another département (no one enrolled there): its name, and France to compare with.
    let elsewhere = body_text(app.get("/pilotage?territoire=44", Some(&admin)).await).await;
    assert!(
        elsewhere.contains("Pilotage : Loire-Atlantique"),
        "{elsewhere}"
    );
    assert!(row(&elsewhere, "Autonomie atteinte").contains("<td>0</td>"));
    assert!(elsewhere.contains("<h2>Comparaison</h2>"));
    // An unknown area is said, and France shown.
    let unknown = body_text(app.get("/pilotage?territoire=99999", Some(&admin)).await).await;
    assert!(
        unknown.contains("Aucun territoire ne correspond à « 99999 »"),
        "{unknown}"
    );
    assert!(unknown.contains("Pilotage : France"));

    let open = body_text(app.get("/pilotage/donnees-ouvertes", Some(&admin)).await).await;
    let document = aiguillage_interop::indicators_export::read_json(&open).expect("open data");
    assert_eq!(document.territoire.niveau, "national");
    assert!(document
        .tableaux
        .iter()
        .any(|t| t.id == "portee_departement"));
}

#[tokio::test]
async fn publics_come_from_age_and_only_those_are_offered() {
    let settings = Settings {
        min_cell_size: 1,
        ..Settings::default()
    };
    let world = world(settings).await;
    let (app, prescriber) = (&world.app, &world.prescriber);
    for (first_name, year) in [("Odette", "1948"), ("Marcel", "1952"), ("Inès", "2004")] {
        let response = app
            .post_form(
                "/personnes/inscrire",
                Some(&prescriber.cookie),
                &[
                    ("csrf_token", prescriber.csrf.as_str()),
                    ("prenom", first_name),
                    ("nom", "Martin"),
                    ("telephone", "0612345678"),
                    ("annee_naissance", year),
                    ("commune_recherche", "Angers"),
                    ("consentement", "oui"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{first_name}");
    }
    let coordinator = app.sign_in(Role::Coordinator).await;
    let page = body_text(app.get("/pilotage", Some(&coordinator)).await).await;
    // The cut offers the publics an age implies, and no other.
    assert!(page.contains("<option value=\"Seniors\""), "{page}");
    assert!(page.contains("<option value=\"Jeunes\""), "{page}");
    assert!(!page.contains("<option value=\"Femmes\""), "{page}");
    // The reach table counts two seniors and one young woman, lists no public nobody is in.
    let seniors = row(&page, "Seniors");
    assert!(seniors.contains("<td>2</td>"), "{seniors}");
    assert!(row(&page, "Jeunes").contains("<td>1</td>"));
    assert_eq!(row(&page, "Femmes"), "");
    // Cut by seniors: two people enrolled.
    let cut = body_text(
        app.get("/pilotage?public=Seniors", Some(&coordinator))
            .await,
    )
    .await;
    let enrolled = row(&cut, "Ensemble");
    assert!(enrolled.contains("<td>2</td>"), "{enrolled}");
    // A public typed by hand that nothing records is refused, in words.
    let refused = body_text(app.get("/pilotage?public=Femmes", Some(&coordinator)).await).await;
    assert!(
        refused.contains("seuls les publics déduits de l&#39;âge")
            || refused.contains("seuls les publics déduits de l'âge"),
        "{refused}"
    );
}

#[tokio::test]
async fn an_area_is_cut_by_its_name_as_on_the_territory_page() {
    let world = exact_world_with_one_pathway().await;
    let app = &world.app;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let page = |query: &'static str| {
        let coordinator = coordinator.clone();
        async move {
            body_text(
                app.get(&format!("/pilotage?territoire={query}"), Some(&coordinator))
                    .await,
            )
            .await
        }
    };
    let angers = page("angers").await;
    assert!(angers.contains("Pilotage : Angers"), "{angers}");
    // Capacity rows are named by the directory, never « Offre 12 » or « Structure 3 ».
    let everywhere = page("").await;
    let offer_row = format!("<th scope=\"row\">Offre {}</th>", world.offer_id);
    let structure_row = format!("<th scope=\"row\">Structure {}</th>", world.library_id);
    assert!(!everywhere.contains(&offer_row), "{everywhere}");
    assert!(!everywhere.contains(&structure_row), "{everywhere}");
    assert!(everywhere.contains("Places occupées par structure"));
    // Josiane lives in Angers: her closed pathway counts there.
    assert!(row(&angers, "Autonomie atteinte").contains("<td>1</td>"));
    assert!(
        angers.contains("value=\"49007\""),
        "the field keeps the code"
    );
    let saumur = page("Saumur").await;
    assert!(saumur.contains("Pilotage : Saumur"), "{saumur}");
    // Compared with its département, named.
    assert!(
        saumur.contains("<th scope=\"col\">Maine-et-Loire</th>"),
        "{saumur}"
    );
    assert!(row(&saumur, "Autonomie atteinte").contains("<td>0</td>"));
    // Outside the territory, or unknown: said, and the whole territory shown under its own name.
    let nantes = page("Nantes").await;
    assert!(nantes.contains("Territoire « Nantes »"), "{nantes}");
    assert!(nantes.contains("Pilotage : Maine-et-Loire"));
    let nowhere = page("Atlantide").await;
    assert!(
        nowhere.contains("Aucun territoire ne correspond à « Atlantide »"),
        "{nowhere}"
    );
}

#[tokio::test]
async fn the_elected_officials_summary_says_the_key_figures_of_the_same_cut() {
    let world = exact_world_with_one_pathway().await;
    let app = &world.app;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let full = body_text(app.get("/pilotage", Some(&coordinator)).await).await;
    assert!(
        full.contains("href=\"/pilotage/synthese?"),
        "linked from the dashboard"
    );
    let summary = body_text(app.get("/pilotage/synthese", Some(&coordinator)).await).await;
    assert!(
        summary.contains("Inclusion numérique : Maine-et-Loire"),
        "{summary}"
    );
    // Josiane's pathway: one person found, oriented, started, closed autonomous.
    assert!(
        summary.contains("<span class=\"aig-key-figure\">1</span> personnes repérées et inscrites"),
        "{summary}"
    );
    assert!(
        row(&summary, "Autonomie atteinte").contains("<td>1</td>"),
        "{summary}"
    );
    assert!(
        summary.contains("href=\"/pilotage?"),
        "back to the full dashboard"
    );
    // The same cut by name: Saumur, where nobody was helped.
    let saumur = body_text(
        app.get("/pilotage/synthese?territoire=Saumur", Some(&coordinator))
            .await,
    )
    .await;
    assert!(saumur.contains("Inclusion numérique : Saumur"), "{saumur}");
    assert!(saumur.contains("Aucun accompagnement clos sur la période."));
    // A mediator has no summary of a territory.
    let refused = app.get("/pilotage/synthese", Some(&world.mediator)).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

/// A restart of a large instance serves the sealed copy its records were last written to, with
/// what was written since applied by difference: the records and figures of a full load, without
/// one.
#[tokio::test]
async fn a_restart_serves_the_sealed_copy_with_what_changed_since_applied() {
    use aiguillage_domain::indicators::{standard_publication, Cut, Params};
    use aiguillage_service::steering::{fragile_communes, IndicatorCache};
    use aiguillage_store::IndicatorSnapshot;
    use std::sync::Arc;

    let world = exact_world_with_one_pathway().await;
    let (app, store) = (&world.app, &world.app.store);
    if store.indicator_snapshot_file().is_none() {
        return; // PostgreSQL keeps no copy unless configured.
    }
    let now = app.now();
    let before = store
        .indicator_dataset(now, &fragile_communes())
        .await
        .expect("load");
    store
        .write_indicator_snapshot(IndicatorSnapshot {
            dataset: Arc::new(before.dataset.clone()),
            watermark: before.watermark,
            marks: before.marks,
            dropped: before.dropped,
            fully_loaded_at: now,
            load_millis: 90_000,
        })
        .await
        .expect("written");
    sent_referral(&world, "Gisèle").await;

    let restarted = Arc::new(IndicatorCache::default());
    restarted.clone().warm(store.clone(), now).await;
    let loaded = restarted.get(store, now).await.expect("served");
    assert_eq!(loaded.load_millis, 90_000, "from the copy, not a full load");
    let full = store
        .indicator_dataset(now, &fragile_communes())
        .await
        .expect("full load");
    assert_eq!(loaded.watermark, full.watermark);
    assert_eq!(
        loaded.dataset.people().count(),
        before.dataset.people().count() + 1
    );
    assert!(loaded.dataset.referrals().eq(full.dataset.referrals()));
    let params = Params {
        now,
        targets: Default::default(),
    };
    assert_eq!(
        standard_publication(&loaded.dataset, &Cut::default(), &params),
        standard_publication(&full.dataset, &Cut::default(), &params)
    );
    store.remove_indicator_snapshot().await;
}
