//! Enrolling and diagnosing, asked of the use cases: a person enrolled twice by the same structure is
//! caught unless the professional confirms a new one, an unknown commune writes nothing, and another
//! structure can neither diagnose nor adjust the diagnosis of a person it did not enrol.

use aiguillage_domain::diagnostic::{ProfileOverride, RecommendedHelp, SkillAnswer, Typology};
use aiguillage_domain::ids::PersonId;
use aiguillage_domain::person::PersonDraft;
use aiguillage_domain::role::Role;
use aiguillage_service::people::{self, DuplicateCheck, EnrolError};
use aiguillage_service::{AppState, Settings};
use aiguillage_store::testing::actor;
use aiguillage_store::testing::{answers_with, store_of_maine_et_loire, structure_with_account};
use aiguillage_store::Actor;

const NOW: i64 = 1_763_892_000;

fn josiane(commune: &str) -> PersonDraft {
    PersonDraft {
        first_name: "Josiane".into(),
        last_name: "Le Goff".into(),
        phone: Some("0612345678".into()),
        email: None,
        no_phone: false,
        commune_code: commune.into(),
        birth_year: Some(1950),
    }
}

async fn people_count(state: &AppState, who: &Actor<'_>) -> usize {
    let found = state.store.search_people(who, "", 50, NOW).await;
    found.expect("search").len()
}

#[tokio::test]
async fn a_person_is_enrolled_once_diagnosed_and_adjusted_only_by_their_structure() {
    let (store, _) = store_of_maine_et_loire().await.expect("store");
    let state = AppState::new(store, Settings::default());
    let ccas = ("CCAS d'Angers", "49007");
    let ccas = structure_with_account(&state.store, ccas, ("c@example.fr", Role::Prescriber), NOW);
    let ccas = actor(ccas.await.expect("ccas"));
    let other = ("Espace social de Segré", "49331");
    let other = structure_with_account(&state.store, other, ("o@example.fr", Role::Mediator), NOW);
    let other = actor(other.await.expect("other"));
    let name = "CCAS d'Angers";

    let unknown = (&josiane("99999"), DuplicateCheck::Ask);
    let refused = people::enrol(&state, &ccas, name, unknown).await;
    assert!(matches!(refused, Err(EnrolError::UnknownCommune(ref code)) if code == "99999"));
    assert_eq!(people_count(&state, &ccas).await, 0, "nothing written");

    let draft = josiane("49007");
    let first = people::enrol(&state, &ccas, name, (&draft, DuplicateCheck::Ask)).await;
    let first: PersonId = first.expect("enrolled");
    let again = people::enrol(&state, &ccas, name, (&draft, DuplicateCheck::Ask)).await;
    let Err(EnrolError::PossibleDuplicates(found)) = again else {
        panic!("the same person twice was not caught: {again:?}")
    };
    assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), [first]);
    assert_eq!(people_count(&state, &ccas).await, 1);
    let confirmed = (&draft, DuplicateCheck::ConfirmedNew);
    let second = people::enrol(&state, &ccas, name, confirmed)
        .await
        .expect("confirmed");
    assert_ne!(second, first);

    let answers = answers_with(SkillAnswer::WithHelp);
    let elsewhere = people::record_diagnostic(&state, &other, first, &answers).await;
    assert_eq!(
        elsewhere.expect("store"),
        None,
        "another structure's person"
    );
    let recorded = people::record_diagnostic(&state, &ccas, first, &answers).await;
    let (diagnostic, profile) = recorded.expect("store").expect("recorded");
    let decision = ProfileOverride {
        typology: Some(Typology::NotAutonomousWilling),
        help: Some(RecommendedHelp::ALL[0]),
        reason: "Vue en entretien : ne lit pas les courriers.".into(),
    };
    let by_other = (first, diagnostic);
    let adjusted = people::override_diagnostic(&state, &other, by_other, &decision).await;
    assert!(
        !adjusted.expect("store"),
        "another structure cannot adjust it"
    );
    let stored = state
        .store
        .diagnostics_of(&ccas, first, NOW)
        .await
        .expect("read");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].profile, profile);
    assert_eq!(stored[0].override_, None);
}
