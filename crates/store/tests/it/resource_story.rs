//! The resource bank's story on both backends: a mediator drafts a session with a file and a link,
//! a référent designated by the coordinator sends it back then publishes it, the author changes it
//! into a second version (what changed is readable), another mediator adapts it, a third rates it;
//! search finds it in French whatever the plural or the accents; anonymous visitors see the open
//! sessions only and no editable source; nobody sees or touches a draft that is not theirs.

use crate::support::{store_of_maine_et_loire, structure_with_account};
use aiguillage_domain::ids::{AccountId, StructureId};
use aiguillage_domain::pathway::{Theme, WorkshopLevel};
use aiguillage_domain::resource::diff::diff;
use aiguillage_domain::resource::review::{
    ChecklistItem, ReviewDecision, ReviewError, ReviewState,
};
use aiguillage_domain::resource::*;
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_store::{BankActor, MaterialSource, NewMaterial, ResourceQuery, Store, StoreError};
use std::collections::BTreeSet;

const NOW: i64 = 1_790_000_000;
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";

struct World {
    store: Store,
    url: String,
    territory: TerritoryScope,
    author: (i64, i64),
    referent: (i64, i64),
    adapter: (i64, i64),
    coordinator: (i64, i64),
}

impl World {
    fn actor(&self, who: (i64, i64), role: Role) -> BankActor<'_> {
        BankActor {
            account_id: AccountId::new(who.1),
            structure_id: StructureId::new(who.0),
            role,
            territory: &self.territory,
            reason: "test",
        }
    }
}

async fn world() -> World {
    let (store, url) = store_of_maine_et_loire().await;
    let author = structure_with_account(
        &store,
        ("Médiathèque d'Angers", "49007"),
        ("autrice@test.fr", Role::Mediator),
        NOW,
    )
    .await;
    let referent = structure_with_account(
        &store,
        ("Espace numérique de Saumur", "49328"),
        ("referent@test.fr", Role::Mediator),
        NOW,
    )
    .await;
    let adapter = structure_with_account(
        &store,
        ("Centre social de Cholet", "49099"),
        ("adapte@test.fr", Role::Mediator),
        NOW,
    )
    .await;
    let coordinator = structure_with_account(
        &store,
        ("Département de Maine-et-Loire", "49007"),
        ("coord@test.fr", Role::Coordinator),
        NOW,
    )
    .await;
    World {
        store,
        url,
        territory: TerritoryScope::Departement("49".into()),
        author,
        referent,
        adapter,
        coordinator,
    }
}

fn content() -> SessionContent {
    SessionContent {
        title: "Premiers pas avec un smartphone".into(),
        audiences: BTreeSet::from([ResourceAudience::Seniors]),
        level: WorkshopLevel::Beginner,
        duration_minutes: 90,
        competences: BTreeSet::from([Competence::DigitalEnvironment, Competence::Interact]),
        themes: BTreeSet::from([Theme::DeviceHandling]),
        prerequisites: String::new(),
        objectives: "Allumer le téléphone\nEnvoyer un mel à un proche".into(),
        conductor: "Accueil et tour de table\nDémonstration\nPratique en binômes".into(),
        licence: Licence::CcBySa,
        origin: None,
    }
    .check()
    .unwrap()
}

fn memo(bytes: &[u8], name: &str, media_type: &'static str) -> NewMaterial {
    NewMaterial {
        kind: MaterialKind::Memo,
        title: "Mémo : les gestes de base".into(),
        licence: Licence::CcBySa,
        accessibility: BTreeSet::from([AccessibilityFeature::LargePrint]),
        source: MaterialSource::File {
            bytes: bytes.to_vec(),
            media_type,
            file_name: name.into(),
        },
    }
}

fn publish() -> ReviewDecision {
    ReviewDecision {
        publish: true,
        checked: ChecklistItem::ALL.to_vec(),
        comment: None,
    }
}

async fn count(url: &str, table: &str) -> i64 {
    use sqlx::Row;
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query(&format!(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}"
    ))
    .fetch_one(&pool)
    .await
    .unwrap()
    .try_get("n")
    .unwrap()
}

#[tokio::test]
async fn a_session_goes_from_draft_to_two_versions_and_an_adaptation() {
    let w = world().await;
    let author = w.actor(w.author, Role::Mediator);
    let referent = w.actor(w.referent, Role::Mediator);
    let adapter = w.actor(w.adapter, Role::Mediator);
    let coordinator = w.actor(w.coordinator, Role::Coordinator);
    let store = &w.store;

    let id = store
        .create_resource_session(&author, &content(), NOW)
        .await
        .unwrap();
    // Nothing to submit without a material; nobody else sees the draft.
    assert_eq!(
        store.submit_resource(&author, id, NOW).await.unwrap(),
        Err(ReviewError::NoMaterial)
    );
    assert!(matches!(
        store.resource_sheet(Some(&adapter), id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.resource_sheet(None, id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .update_resource_content(&adapter, id, &content(), NOW)
            .await,
        Err(StoreError::NotFound(_))
    ));

    store
        .add_resource_material(&author, id, &memo(PDF, "memo.pdf", "application/pdf"), NOW)
        .await
        .unwrap()
        .unwrap();
    let link = NewMaterial {
        kind: MaterialKind::Video,
        title: "Capsule : allumer son téléphone".into(),
        licence: Licence::CcBy,
        accessibility: BTreeSet::from([AccessibilityFeature::Captions]),
        source: MaterialSource::Link("https://exemple.fr/capsule".into()),
    };
    store
        .add_resource_material(&author, id, &link, NOW)
        .await
        .unwrap()
        .unwrap();

    // The référent is designated by the coordinator of the territory.
    assert_eq!(
        store.submit_resource(&author, id, NOW + 10).await.unwrap(),
        Ok(vec![])
    );
    assert!(matches!(
        store.start_resource_review(&referent, id, NOW + 20).await,
        Err(StoreError::NotFound(_))
    ));
    store
        .designate_referent(&coordinator, AccountId::new(w.referent.1), NOW)
        .await
        .unwrap();
    let elsewhere = TerritoryScope::Epci("244900015".into());
    let foreign = BankActor {
        territory: &elsewhere,
        ..w.actor(w.coordinator, Role::Coordinator)
    };
    assert!(matches!(
        store
            .designate_referent(&foreign, AccountId::new(w.adapter.1), NOW)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store
        .is_referent(AccountId::new(w.referent.1))
        .await
        .unwrap());
    assert_eq!(store.resources_to_review(&referent).await.unwrap().len(), 1);
    assert!(store.resources_to_review(&author).await.unwrap().is_empty());

    // Sent back with a comment, changed, published.
    store
        .start_resource_review(&referent, id, NOW + 30)
        .await
        .unwrap()
        .unwrap();
    let back = ReviewDecision {
        publish: false,
        checked: vec![ChecklistItem::Accuracy],
        comment: Some("Ajoutez un mémo en gros caractères.".into()),
    };
    let (told, version) = store
        .decide_resource_review(&referent, id, &back, NOW + 40)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((told, version), (vec![AccountId::new(w.author.1)], None));
    assert_eq!(
        store
            .search_resources(&ResourceQuery::default(), true, 0, 50)
            .await
            .unwrap()
            .1,
        0
    );
    store
        .submit_resource(&author, id, NOW + 50)
        .await
        .unwrap()
        .unwrap();
    store
        .start_resource_review(&referent, id, NOW + 60)
        .await
        .unwrap()
        .unwrap();
    let incomplete = ReviewDecision {
        checked: ChecklistItem::ALL[1..].to_vec(),
        ..publish()
    };
    assert_eq!(
        store
            .decide_resource_review(&referent, id, &incomplete, NOW + 70)
            .await
            .unwrap(),
        Err(ReviewError::ChecklistIncomplete)
    );
    let (_, version) = store
        .decide_resource_review(&referent, id, &publish(), NOW + 70)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(version, Some(1));

    // Found in French, by everyone (the licence is open).
    for words in [
        "smartphones",
        "SMARTPHONE",
        "mél",
        "mels",
        "binôme",
        "gros caractères",
    ] {
        let query = ResourceQuery {
            words: words.into(),
            ..Default::default()
        };
        let (found, total) = store.search_resources(&query, false, 0, 50).await.unwrap();
        if words == "gros caractères" {
            assert_eq!(total, 0, "the review's comment is not indexed");
            continue;
        }
        assert_eq!(
            (total, found.first().map(|r| r.id)),
            (1, Some(id)),
            "{words}"
        );
    }
    let seniors = ResourceQuery {
        audience: Some(ResourceAudience::Seniors),
        level: Some(WorkshopLevel::Beginner),
        ..Default::default()
    };
    assert_eq!(
        store
            .search_resources(&seniors, true, 0, 50)
            .await
            .unwrap()
            .1,
        1
    );
    let youth = ResourceQuery {
        audience: Some(ResourceAudience::Youth),
        ..Default::default()
    };
    assert_eq!(
        store.search_resources(&youth, true, 0, 50).await.unwrap().1,
        0
    );
    let short = ResourceQuery {
        max_minutes: Some(60),
        ..Default::default()
    };
    assert_eq!(
        store.search_resources(&short, true, 0, 50).await.unwrap().1,
        0
    );
    let public = store.resource_sheet(None, id).await.unwrap();
    assert!(public.working.is_none() && public.reviews.is_empty());
    assert_eq!(public.published.as_ref().unwrap().0, 1);

    // The author changes it: the working copy is a draft again, version 1 stays published.
    let mut changed = content();
    changed.conductor =
        "Accueil et tour de table\nDémonstration guidée\nPratique en binômes".into();
    store
        .update_resource_content(&author, id, &changed, NOW + 100)
        .await
        .unwrap()
        .unwrap();
    let docx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00";
    let mut docx = docx.to_vec();
    docx.extend_from_slice(b"[Content_Types].xml word/document.xml");
    store
        .add_resource_material(
            &author,
            id,
            &memo(
                &docx,
                "memo.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            NOW + 100,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .resource_sheet(None, id)
            .await
            .unwrap()
            .published
            .unwrap()
            .0,
        1
    );
    store
        .submit_resource(&author, id, NOW + 110)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .update_resource_content(&author, id, &changed, NOW + 115)
            .await
            .unwrap(),
        Err(ReviewError::WrongState(ReviewState::Submitted))
    );
    store
        .start_resource_review(&referent, id, NOW + 120)
        .await
        .unwrap()
        .unwrap();
    let (_, version) = store
        .decide_resource_review(&referent, id, &publish(), NOW + 130)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(version, Some(2));
    let (two, one) = store.resource_version(Some(&adapter), id, 2).await.unwrap();
    let changes = diff(&one.unwrap(), &two);
    assert_eq!(changes.fields.len(), 1);
    assert_eq!(changes.materials_added.len(), 1);
    assert!(changes.materials_removed.is_empty());

    // The source (DOCX) is for professionals; the PDF for everyone.
    let docx_sha = two
        .materials
        .iter()
        .find_map(|m| {
            m.file_name
                .as_deref()
                .filter(|n| n.ends_with("docx"))
                .and(m.sha256.clone())
        })
        .unwrap();
    let pdf_sha = two.materials[0].sha256.clone().unwrap();
    assert!(matches!(
        store.resource_file(None, id, &docx_sha).await,
        Err(StoreError::OutOfScope(_))
    ));
    assert_eq!(
        store
            .resource_file(Some(&adapter), id, &docx_sha)
            .await
            .unwrap()
            .bytes,
        docx
    );
    assert_eq!(
        store.resource_file(None, id, &pdf_sha).await.unwrap().bytes,
        PDF
    );
    assert!(matches!(
        store.resource_file(None, id, &"0".repeat(64)).await,
        Err(StoreError::NotFound(_))
    ));

    // Adapted by another mediator: a draft crediting the source, with the same files stored once.
    let files_before = count(&w.url, "resource_files").await;
    let (adapted, source_authors) = store
        .adapt_resource_session(&adapter, id, NOW + 200)
        .await
        .unwrap();
    assert_eq!(source_authors, vec![AccountId::new(w.author.1)]);
    let sheet = store.resource_sheet(Some(&adapter), adapted).await.unwrap();
    assert!(sheet.viewer_is_author);
    assert_eq!(sheet.source.as_ref().unwrap().id, id);
    assert_eq!(
        sheet.source.unwrap().authors,
        vec!["Camille Martin".to_owned()]
    );
    assert_eq!(sheet.working.as_ref().unwrap().materials.len(), 3);
    assert!(sheet
        .working
        .unwrap()
        .content
        .title
        .ends_with("(adaptation)"));
    assert_eq!(count(&w.url, "resource_files").await, files_before);
    assert!(matches!(
        store.resource_sheet(Some(&author), adapted).await,
        Err(StoreError::NotFound(_))
    ));

    // Rated after use.
    store
        .rate_resource(
            &adapter,
            id,
            4,
            &[ResourceAudience::Seniors],
            Some("Très clair"),
            NOW + 300,
        )
        .await
        .unwrap()
        .unwrap();
    store
        .rate_resource(&referent, id, 2, &[], None, NOW + 300)
        .await
        .unwrap()
        .unwrap();
    assert!(store
        .rate_resource(&referent, id, 5, &[], None, NOW)
        .await
        .unwrap()
        .is_err());
    assert!(store
        .rate_resource(&referent, adapted, 3, &[], None, NOW)
        .await
        .unwrap()
        .is_err());
    let uses = store.resource_uses(id).await.unwrap();
    assert_eq!((uses.ratings, uses.average), (2, Some(3.0)));
    assert_eq!(uses.per_audience, vec![(ResourceAudience::Seniors, 1, 4.0)]);
    let rated = ResourceQuery {
        min_rating: Some(3),
        ..Default::default()
    };
    assert_eq!(
        store.search_resources(&rated, true, 0, 50).await.unwrap().1,
        1
    );
}

#[tokio::test]
async fn a_closed_licence_is_for_professionals_only() {
    let w = world().await;
    let author = w.actor(w.author, Role::Mediator);
    let referent = w.actor(w.referent, Role::Mediator);
    let coordinator = w.actor(w.coordinator, Role::Coordinator);
    let store = &w.store;
    store
        .designate_referent(&coordinator, AccountId::new(w.referent.1), NOW)
        .await
        .unwrap();
    let closed = SessionContent {
        licence: Licence::AllRightsReserved,
        ..content()
    };
    let id = store
        .create_resource_session(&author, &closed, NOW)
        .await
        .unwrap();
    store
        .add_resource_material(&author, id, &memo(PDF, "memo.pdf", "application/pdf"), NOW)
        .await
        .unwrap()
        .unwrap();
    store
        .submit_resource(&author, id, NOW)
        .await
        .unwrap()
        .unwrap();
    // The author, designated référent too, may not review their own session.
    store
        .designate_referent(&coordinator, AccountId::new(w.author.1), NOW)
        .await
        .unwrap();
    assert_eq!(
        store.start_resource_review(&author, id, NOW).await.unwrap(),
        Err(ReviewError::OwnSession)
    );
    store
        .start_resource_review(&referent, id, NOW)
        .await
        .unwrap()
        .unwrap();
    store
        .decide_resource_review(&referent, id, &publish(), NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .search_resources(&ResourceQuery::default(), true, 0, 50)
            .await
            .unwrap()
            .1,
        1
    );
    assert_eq!(
        store
            .search_resources(&ResourceQuery::default(), false, 0, 50)
            .await
            .unwrap()
            .1,
        0
    );
    assert!(matches!(
        store.resource_sheet(None, id).await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn an_imported_session_is_one_draft_with_all_its_materials_or_nothing() {
    let w = world().await;
    let importer = w.actor(w.adapter, Role::Mediator);
    let author = w.actor(w.author, Role::Mediator);
    let store = &w.store;
    let content = SessionContent {
        origin: Some("Séance importée : EPN de Brest (Ada)".into()),
        ..content()
    };
    let link = NewMaterial {
        kind: MaterialKind::Video,
        title: "Capsule".into(),
        licence: Licence::CcBy,
        accessibility: BTreeSet::new(),
        source: MaterialSource::Link("https://video.example.org/capsule".into()),
    };
    let materials = [memo(PDF, "memo.pdf", "application/pdf"), link];
    let id = store
        .import_resource_session(&importer, &content, &materials, NOW)
        .await
        .unwrap();
    let sheet = store.resource_sheet(Some(&importer), id).await.unwrap();
    let copy = sheet.working.unwrap();
    assert_eq!(copy.state, ReviewState::Draft);
    assert_eq!(copy.structure_id, StructureId::new(w.adapter.0));
    assert_eq!(copy.content, content, "the origin's credit kept");
    assert_eq!(copy.materials.len(), 2);
    assert_eq!(
        copy.materials[0].media_type.as_deref(),
        Some("application/pdf")
    );
    assert_eq!(
        copy.materials[1].entry.url.as_deref(),
        Some("https://video.example.org/capsule")
    );
    assert!(sheet.viewer_is_author);
    assert!(matches!(
        store.resource_sheet(Some(&author), id).await,
        Err(StoreError::NotFound(_))
    ));
    // Imported again: a second draft, the file still stored once.
    store
        .import_resource_session(&importer, &content, &materials, NOW)
        .await
        .unwrap();
    assert_eq!(count(&w.url, "resource_sessions").await, 2);
    assert_eq!(count(&w.url, "resource_materials").await, 4);
    assert_eq!(count(&w.url, "resource_files").await, 1);
    // A write failing inside the transaction (an account that does not exist) leaves nothing.
    let ghost = BankActor {
        account_id: AccountId::new(999_999),
        ..importer.clone()
    };
    assert!(store
        .import_resource_session(&ghost, &content, &materials, NOW)
        .await
        .is_err());
    assert_eq!(count(&w.url, "resource_sessions").await, 2);
    assert_eq!(count(&w.url, "resource_materials").await, 4);
}

/// Publishes a session of `content` written by the author, reviewed by the référent.
async fn published(
    w: &World,
    content: SessionContent,
) -> aiguillage_domain::ids::ResourceSessionId {
    let store = &w.store;
    let author = w.actor(w.author, Role::Mediator);
    let referent = w.actor(w.referent, Role::Mediator);
    let id = store
        .create_resource_session(&author, &content, NOW)
        .await
        .unwrap();
    store
        .add_resource_material(&author, id, &memo(PDF, "memo.pdf", "application/pdf"), NOW)
        .await
        .unwrap()
        .unwrap();
    store
        .submit_resource(&author, id, NOW)
        .await
        .unwrap()
        .unwrap();
    if !store
        .is_referent(AccountId::new(w.referent.1))
        .await
        .unwrap()
    {
        store
            .designate_referent(
                &w.actor(w.coordinator, Role::Coordinator),
                AccountId::new(w.referent.1),
                NOW,
            )
            .await
            .unwrap();
    }
    store
        .start_resource_review(&referent, id, NOW)
        .await
        .unwrap()
        .unwrap();
    store
        .decide_resource_review(&referent, id, &publish(), NOW)
        .await
        .unwrap()
        .unwrap();
    id
}

#[tokio::test]
async fn a_cycle_is_composed_planned_and_its_workshops_recorded_with_their_session() {
    use aiguillage_domain::calendar::parse_iso_date;
    use aiguillage_domain::pathway::{Equipment, NewSession, SessionKind, SessionPlace};
    use aiguillage_domain::resource::cycle::{CycleError, CycleHeader};
    use aiguillage_store::{ItemChange, SessionOutcome};

    let w = world().await;
    let store = &w.store;
    let first = published(&w, content()).await;
    let second = published(
        &w,
        SessionContent {
            title: "Créer et sécuriser son adresse mél".into(),
            competences: BTreeSet::from([Competence::Interact, Competence::ProtectData]),
            duration_minutes: 120,
            ..content()
        },
    )
    .await;
    let draft = w
        .store
        .create_resource_session(&w.actor(w.author, Role::Mediator), &content(), NOW)
        .await
        .unwrap();

    // The adapter's mediator composes a cycle aiming at three competences.
    let mediator = w.actor(w.adapter, Role::Mediator);
    let header = CycleHeader {
        title: "Premiers pas".into(),
        group: "Seniors du jeudi".into(),
        aimed: BTreeSet::from([
            Competence::Interact,
            Competence::ProtectData,
            Competence::DigitalEnvironment,
            Competence::SharePublish,
        ]),
        shared: false,
    };
    let cycle = store.create_cycle(&mediator, &header, NOW).await.unwrap();
    for (session, week) in [(first, 1), (second, 3), (first, 4)] {
        store
            .add_cycle_session(&mediator, cycle, session, week, NOW)
            .await
            .unwrap()
            .unwrap();
    }
    assert_eq!(
        store
            .add_cycle_session(&mediator, cycle, draft, 5, NOW)
            .await
            .unwrap(),
        Err(CycleError::NotPublished)
    );
    store
        .change_cycle_item(&mediator, cycle, 3, ItemChange::Remove, NOW)
        .await
        .unwrap()
        .unwrap();
    store
        .change_cycle_item(&mediator, cycle, 2, ItemChange::Up, NOW)
        .await
        .unwrap()
        .unwrap();
    store
        .change_cycle_item(&mediator, cycle, 2, ItemChange::Week(2), NOW)
        .await
        .unwrap()
        .unwrap();
    let seen = store.cycle(&mediator, cycle).await.unwrap();
    let order: Vec<_> = seen.items.iter().map(|i| (i.session, i.week)).collect();
    // Moved up, the second session takes the first's slot (week 1); then its follower goes to week 2.
    assert_eq!(order, vec![(second, 1), (first, 2)]);
    assert!(seen.mine);
    assert!(matches!(
        store
            .change_cycle_item(&mediator, cycle, 9, ItemChange::Up, NOW)
            .await,
        Err(StoreError::NotFound(_))
    ));

    // Not shared: a colleague of another structure, or of none, sees nothing and changes nothing.
    let author = w.actor(w.author, Role::Mediator);
    assert!(matches!(
        store.cycle(&author, cycle).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.update_cycle(&author, cycle, &header, NOW).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .create_cycle_workshops(&author, cycle, parse_iso_date("2026-09-01").unwrap(), NOW)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.cycles_of(&author).await.unwrap().is_empty());
    assert_eq!(store.cycles_of(&mediator).await.unwrap().len(), 1);

    // The workshops: the first on the day chosen, the next one in its week (one week later).
    let planned = store
        .create_cycle_workshops(&mediator, cycle, parse_iso_date("2026-09-01").unwrap(), NOW)
        .await
        .unwrap();
    assert_eq!(planned, Ok(2));
    assert_eq!(
        store
            .create_cycle_workshops(&mediator, cycle, parse_iso_date("2026-09-01").unwrap(), NOW)
            .await
            .unwrap(),
        Err(CycleError::WorkshopsExist)
    );
    let to_record = store.planned_workshops(&mediator).await.unwrap();
    let days: Vec<_> = to_record
        .iter()
        .map(|p| (p.session, p.planned_on.to_string()))
        .collect();
    // Week 1's workshop is on the day chosen, week 2's a week later.
    assert_eq!(
        days,
        vec![
            (second, "2026-09-01".to_owned()),
            (first, "2026-09-08".to_owned())
        ]
    );
    assert!(store.planned_workshops(&author).await.unwrap().is_empty());
    assert!(matches!(
        store.planned_workshop(&author, to_record[0].id).await,
        Err(StoreError::NotFound(_))
    ));

    // Recording one: the workshop names the session it ran; recording it again writes nothing.
    let plan = to_record.iter().find(|p| p.session == second).unwrap();
    let workshop = NewSession {
        held_on: plan.planned_on,
        duration_minutes: plan.duration_minutes,
        kind: SessionKind::Collective,
        place: SessionPlace::AtStructure,
        equipment: [Equipment::Phone].into(),
        themes: plan.themes.clone(),
        autonomy: None,
        participants: Some(6),
        anonymous_participants: Some(6),
        workshop_title: Some(plan.title.clone()),
        workshop_level: Some(plan.level),
        notes: None,
    };
    let as_pathway = aiguillage_store::Actor {
        account_id: AccountId::new(w.adapter.1),
        structure_id: StructureId::new(w.adapter.0),
        reason: "test",
    };
    let recorded = store
        .record_planned_workshop(&as_pathway, plan.id, &[], &workshop, NOW)
        .await
        .unwrap();
    assert!(matches!(recorded, SessionOutcome::Recorded { .. }));
    let sessions_before = count(&w.url, "pathway_sessions").await;
    assert_eq!(
        store
            .record_planned_workshop(&as_pathway, plan.id, &[], &workshop, NOW)
            .await
            .unwrap(),
        SessionOutcome::PlanGone
    );
    let foreign = aiguillage_store::Actor {
        account_id: AccountId::new(w.author.1),
        structure_id: StructureId::new(w.author.0),
        reason: "test",
    };
    let other = to_record.iter().find(|p| p.session == first).unwrap();
    assert_eq!(
        store
            .record_planned_workshop(&foreign, other.id, &[], &workshop, NOW)
            .await
            .unwrap(),
        SessionOutcome::PlanGone
    );
    assert_eq!(count(&w.url, "pathway_sessions").await, sessions_before);
    let uses = store.resource_uses(second).await.unwrap();
    assert_eq!((uses.workshops, uses.participants), (1, 6));
    assert_eq!(store.resource_uses(first).await.unwrap().workshops, 0);
    assert_eq!(store.planned_workshops(&mediator).await.unwrap().len(), 1);
    let seen = store.cycle(&mediator, cycle).await.unwrap();
    assert_eq!(
        seen.workshops
            .iter()
            .map(|p| p.recorded.map(|r| r.1))
            .collect::<Vec<_>>(),
        vec![Some(6), None]
    );

    // A problem reported on a published session reaches the référent, who closes it.
    let told = store
        .report_resource(&mediator, first, "Le lien de la capsule est cassé", NOW)
        .await
        .unwrap();
    assert_eq!(told, Some(vec![AccountId::new(w.referent.1)]));
    assert_eq!(
        store
            .report_resource(&mediator, draft, "x", NOW)
            .await
            .unwrap(),
        None
    );
    let referent = w.actor(w.referent, Role::Mediator);
    let open = store.open_reports(&referent).await.unwrap();
    assert_eq!(open.len(), 1);
    assert!(store.open_reports(&mediator).await.unwrap().is_empty());
    assert!(matches!(
        store.close_report(&mediator, open[0].id, NOW).await,
        Err(StoreError::NotFound(_))
    ));
    let (session, reporter) = store
        .close_report(&referent, open[0].id, NOW)
        .await
        .unwrap();
    assert_eq!((session, reporter), (first, AccountId::new(w.adapter.1)));
    assert!(store.open_reports(&referent).await.unwrap().is_empty());
}
