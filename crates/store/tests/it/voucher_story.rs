//! A voucher campaign in storage, on whichever backend the test run names: the Département funds
//! it, a coordinator qualifies two places (another département's cannot), books are printed within
//! the budget and allocated to the CCAS, which hands one voucher from a referral and one
//! anonymously; the library redeems them once, each wrong redemption is refused with its reason,
//! a redemption is cancelled within 48 hours; fifty simultaneous redemptions of one voucher let
//! exactly one win; the ledger's chain verifies and detects a changed entry; the person's erasure
//! leaves no way from the ledger or the vouchers back to them.

use crate::support::{store_of_maine_et_loire, structure_with_account};
use aiguillage_domain::calendar::{parse_iso_date, DAY};
use aiguillage_domain::diagnostic::{profile, SkillAnswer};
use aiguillage_domain::directory::vocabulary::HelpKind;
use aiguillage_domain::directory::Offer;
use aiguillage_domain::ids::{OfferId, StructureId};
use aiguillage_domain::pathway::AgeBand;
use aiguillage_domain::person::{enrolment_consent, sharing_consent, PersonDraft};
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::voucher::ledger::ChainBreak;
use aiguillage_domain::voucher::report::{report, Period};
use aiguillage_domain::voucher::{
    CampaignForm, CampaignTerms, CancelRefusal, CancellationReason, LedgerKind, Refusal,
    TargetAudience, VoucherNumber,
};
use aiguillage_store::testing::{actor, answers_with};
use aiguillage_store::{
    CampaignScope, HandRefusal, HandTo, Handing, LedgerCheck, NewReferral, Store, StoreError,
};
use sqlx::{AnyPool, Row};

const NOW: i64 = 1_795_392_000; // 2026-11-23

fn today() -> time::Date {
    parse_iso_date("2026-11-23").unwrap()
}

struct World {
    store: Store,
    url: String,
    sponsor: (i64, i64),
    ccas: (i64, i64),
    library: (i64, i64),
    segre: (i64, i64),
    other: (i64, i64),
    offer: OfferId,
}

async fn world() -> World {
    let (store, url) = store_of_maine_et_loire().await;
    let mut ids = Vec::new();
    for (name, commune, email, role) in [
        (
            "Département de Maine-et-Loire",
            "49007",
            "cd49@example.fr",
            Role::Sponsor,
        ),
        (
            "CCAS d'Angers",
            "49007",
            "ccas@example.fr",
            Role::Prescriber,
        ),
        (
            "Médiathèque de Saumur",
            "49328",
            "mediatheque@example.fr",
            Role::Mediator,
        ),
        (
            "Espace numérique de Segré",
            "49331",
            "segre@example.fr",
            Role::Mediator,
        ),
        (
            "Tiers-lieu de Cholet",
            "49099",
            "cholet@example.fr",
            Role::Mediator,
        ),
    ] {
        ids.push(structure_with_account(&store, (name, commune), (email, role), NOW).await);
    }
    let offer = store
        .save_offer(
            ids[2].0,
            None,
            &Offer {
                name: "Ateliers premiers pas".into(),
                ..Offer::default()
            },
            None,
            aiguillage_store::PlaceRights::Everything,
            NOW,
        )
        .await
        .unwrap();
    World {
        store,
        url,
        sponsor: ids[0],
        ccas: ids[1],
        library: ids[2],
        segre: ids[3],
        other: ids[4],
        offer: OfferId::new(offer),
    }
}

fn terms(name: &str, budget: &str) -> CampaignTerms {
    CampaignTerms::check(&CampaignForm {
        name: name.into(),
        face_value: "10".into(),
        payment_kind: "sessions".into(),
        payment_amount: "1".into(),
        audiences: vec!["seniors".into(), "everyone".into()],
        help_kinds: vec!["inclusion".into()],
        valid_from: "01/11/2026".into(),
        valid_until: "31/12/2027".into(),
        budget: budget.into(),
    })
    .unwrap()
}

fn maine_et_loire() -> TerritoryScope {
    TerritoryScope::Departement("49".into())
}

async fn referral(world: &World) -> (i64, aiguillage_domain::ids::PersonId) {
    let ccas = actor(world.ccas);
    let person = world
        .store
        .enrol_person(
            &ccas,
            &PersonDraft {
                first_name: "Josiane".into(),
                last_name: "Le Goff".into(),
                phone: Some("0612345678".into()),
                email: None,
                no_phone: false,
                commune_code: "49007".into(),
                birth_year: Some(1951),
            },
            &enrolment_consent("CCAS d'Angers"),
            NOW,
        )
        .await
        .unwrap();
    let answers = answers_with(SkillAnswer::WithHelp);
    let computed = profile(&answers, today());
    let id = world
        .store
        .send_referral(
            &ccas,
            &NewReferral {
                person_id: person,
                offer_id: world.offer,
                profile: &computed,
                message: "Premiers pas",
                consent: &sharing_consent("Médiathèque de Saumur", "Ateliers premiers pas"),
                why_again: "",
                appointment: None,
            },
            NOW,
        )
        .await
        .unwrap()
        .unwrap();
    (id.get(), person)
}

fn handing(number: &VoucherNumber, to: HandTo) -> Handing {
    Handing {
        number: number.clone(),
        to,
        audience: TargetAudience::Seniors,
        help_kind: HelpKind::Inclusion,
    }
}

/// A campaign with both places qualified and its first book of five received by the CCAS: the
/// campaign's id and the book's numbers.
async fn campaign_with_received_book(world: &World, name: &str) -> (i64, Vec<VoucherNumber>) {
    let store = &world.store;
    let campaign = store
        .create_campaign(
            world.sponsor.0,
            &maine_et_loire(),
            &terms(name, "100"),
            Some(world.sponsor.1),
            NOW,
        )
        .await
        .unwrap();
    for place in [world.library.0, world.segre.0] {
        assert!(store
            .qualify_place(
                campaign,
                StructureId::new(place),
                &maine_et_loire(),
                None,
                NOW
            )
            .await
            .unwrap());
    }
    let sponsor = CampaignScope::Sponsor(world.sponsor.0);
    let books = store
        .print_books(campaign, sponsor, (1, 5), Some(world.sponsor.0), NOW)
        .await
        .unwrap();
    store
        .allocate_book(
            books[0],
            StructureId::new(world.ccas.0),
            sponsor,
            (Some(world.sponsor.1), Some(world.sponsor.0)),
            NOW,
        )
        .await
        .unwrap();
    assert!(store
        .receive_book(books[0], (world.ccas.1, world.ccas.0), NOW)
        .await
        .unwrap());
    let (_, _, numbers) = store
        .book_sheet(books[0], CampaignScope::Sponsor(world.sponsor.0), None)
        .await
        .unwrap();
    (campaign, numbers)
}

#[tokio::test]
async fn a_campaign_from_printing_to_redemption_with_every_refusal() {
    let world = world().await;
    let store = &world.store;
    let campaign = store
        .create_campaign(
            world.sponsor.0,
            &maine_et_loire(),
            &terms("Pass numérique 2027", "100"),
            Some(world.sponsor.1),
            NOW,
        )
        .await
        .unwrap();
    let loire_atlantique = TerritoryScope::Departement("44".into());
    let refused = store
        .qualify_place(
            campaign,
            StructureId::new(world.library.0),
            &loire_atlantique,
            None,
            NOW,
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::NotFound(_))),
        "{refused:?}"
    );
    assert!(store.qualified_places(campaign).await.unwrap().is_empty());
    assert!(store
        .qualify_place(
            campaign,
            StructureId::new(world.library.0),
            &maine_et_loire(),
            None,
            NOW
        )
        .await
        .unwrap());
    assert!(!store
        .qualify_place(
            campaign,
            StructureId::new(world.library.0),
            &maine_et_loire(),
            None,
            NOW
        )
        .await
        .unwrap());

    // Within the budget of ten vouchers of 10 €: two books of five, and not one more.
    let sponsor = CampaignScope::Sponsor(world.sponsor.0);
    let books = store
        .print_books(campaign, sponsor, (2, 5), None, NOW)
        .await
        .unwrap();
    let over = store
        .print_books(campaign, sponsor, (1, 1), None, NOW)
        .await;
    assert!(
        matches!(over, Err(StoreError::Conflict(ref m)) if m.contains("paie 10 chèques")),
        "{over:?}"
    );
    let stranger = CampaignScope::Sponsor(world.ccas.0);
    assert!(matches!(
        store
            .print_books(campaign, stranger, (1, 1), None, NOW)
            .await,
        Err(StoreError::NotFound(_))
    ));
    let (_, _, numbers) = store.book_sheet(books[0], sponsor, None).await.unwrap();
    assert_eq!(numbers.len(), 5);
    assert!(matches!(
        store
            .book_sheet(books[0], stranger, Some(world.ccas.0))
            .await,
        Err(StoreError::NotFound(_))
    ));

    // The CCAS cannot hand a voucher before its book is allocated to it and received.
    let (referral, _) = referral(&world).await;
    let first = handing(&numbers[0], HandTo::Referral(referral));
    assert_eq!(
        store
            .hand_voucher(&first, world.ccas.0, (NOW, today()))
            .await
            .unwrap(),
        Err(HandRefusal::NotYours)
    );
    store
        .allocate_book(
            books[0],
            StructureId::new(world.ccas.0),
            sponsor,
            (None, None),
            NOW,
        )
        .await
        .unwrap();
    assert!(store.held_books(world.ccas.0).await.unwrap().len() == 1);
    assert_eq!(
        store
            .hand_voucher(&first, world.ccas.0, (NOW, today()))
            .await
            .unwrap(),
        Err(HandRefusal::NotReceived(1))
    );
    assert!(matches!(
        store
            .receive_book(books[0], (world.library.1, world.library.0), NOW)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store
        .receive_book(books[0], (world.ccas.1, world.ccas.0), NOW)
        .await
        .unwrap());
    assert!(
        store
            .book_sheet(books[0], stranger, Some(world.ccas.0))
            .await
            .is_ok(),
        "the holder prints its book"
    );

    // Handed from the referral, then anonymously; a voucher is handed once.
    let handed = store
        .hand_voucher(&first, world.ccas.0, (NOW, today()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(handed.campaign_name, "Pass numérique 2027");
    assert!(matches!(
        store
            .hand_voucher(&first, world.ccas.0, (NOW, today()))
            .await
            .unwrap(),
        Err(HandRefusal::AlreadyHanded(_))
    ));
    let anonymous = HandTo::Anonymous {
        age_band: AgeBand::From70,
        commune_code: "49328".into(),
    };
    let second = handing(&numbers[1], anonymous.clone());
    store
        .hand_voucher(&second, world.ccas.0, (NOW, today()))
        .await
        .unwrap()
        .unwrap();
    let mut youth = handing(&numbers[2], anonymous);
    youth.audience = TargetAudience::Youth;
    assert!(matches!(
        store
            .hand_voucher(&youth, world.ccas.0, (NOW, today()))
            .await
            .unwrap(),
        Err(HandRefusal::Audience(_))
    ));
    assert_eq!(store.vouchers_of_referral(referral).await.unwrap().len(), 1);

    // Redemption: each refusal names its reason; the voucher goes through once.
    let at = (NOW + DAY, parse_iso_date("2026-11-24").unwrap());
    let redeem = |number: &VoucherNumber, campaign: i64, place: i64| {
        let number = number.clone();
        async move {
            store
                .redeem_voucher(&number, campaign, StructureId::new(place), at)
                .await
                .unwrap()
        }
    };
    let unknown = VoucherNumber::from_random([7; 15]);
    assert_eq!(
        redeem(&unknown, campaign, world.library.0).await,
        Err(Refusal::Unknown)
    );
    assert_eq!(
        redeem(&numbers[0], campaign, world.other.0).await,
        Err(Refusal::UnqualifiedPlace("Pass numérique 2027".into()))
    );
    assert_eq!(
        redeem(&numbers[2], campaign, world.library.0).await,
        Err(Refusal::NotHanded)
    );
    let (other_campaign, _) = campaign_with_received_book(&world, "Pass jeunes").await;
    assert_eq!(
        redeem(&numbers[0], other_campaign, world.library.0).await,
        Err(Refusal::WrongCampaign("Pass numérique 2027".into()))
    );
    let redeemed = redeem(&numbers[0], campaign, world.library.0)
        .await
        .unwrap();
    assert_eq!(
        (redeemed.face_value_euros, redeemed.pays.as_str()),
        (10, "1 séance d'accompagnement")
    );
    assert_eq!(
        redeem(&numbers[0], campaign, world.library.0).await,
        Err(Refusal::AlreadyRedeemed("24/11/2026".into()))
    );

    // Cancelled by its place only, within 48 hours, with a reason; then redeemed again.
    let cancel = |place: i64, reason: Option<CancellationReason>, now: i64| {
        let number = numbers[0].clone();
        async move {
            store
                .cancel_redemption(&number, place, reason, now)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        cancel(
            world.segre.0,
            Some(CancellationReason::WrongEntry),
            NOW + DAY
        )
        .await,
        Err(CancelRefusal::OtherPlace)
    );
    assert_eq!(
        cancel(
            world.library.0,
            Some(CancellationReason::WrongEntry),
            NOW + 4 * DAY
        )
        .await,
        Err(CancelRefusal::TooLate)
    );
    assert_eq!(
        cancel(world.library.0, None, NOW + 2 * DAY).await,
        Err(CancelRefusal::NoReason)
    );
    assert_eq!(
        cancel(
            world.library.0,
            Some(CancellationReason::WrongEntry),
            NOW + 2 * DAY
        )
        .await,
        Ok(())
    );
    let cancelled = store.voucher_ledger(Some(campaign)).await.unwrap();
    let cancelled = cancelled
        .iter()
        .rev()
        .find(|e| e.kind == LedgerKind::RedemptionCancelled);
    assert_eq!(cancelled.map(|e| e.detail.as_str()), Some("wrong_entry"));
    assert!(store
        .place_redemptions(world.library.0, NOW)
        .await
        .unwrap()
        .is_empty());
    redeem(&numbers[0], campaign, world.library.0)
        .await
        .unwrap();
    redeem(&numbers[1], campaign, world.library.0)
        .await
        .unwrap();

    // The statement of November: two vouchers, 20 €, paid once.
    let statements = store.statements(campaign).await.unwrap();
    assert_eq!(statements.len(), 1);
    assert_eq!(
        (
            statements[0].vouchers,
            statements[0].total_euros,
            statements[0].month.as_str()
        ),
        (2, 20, "2026-11")
    );
    assert!(store
        .mark_statement_paid(
            (campaign, world.library.0, "2026-11"),
            sponsor,
            None,
            NOW + 5 * DAY
        )
        .await
        .unwrap());
    assert!(!store
        .mark_statement_paid(
            (campaign, world.library.0, "2026-11"),
            sponsor,
            None,
            NOW + 5 * DAY
        )
        .await
        .unwrap());
    assert!(matches!(
        store
            .mark_statement_paid((campaign, world.library.0, "2026-11"), stranger, None, NOW)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.statements(campaign).await.unwrap()[0]
        .paid_at
        .is_some());

    // The report counts what happened (no masking at k = 1).
    let records = store.voucher_records(campaign).await.unwrap();
    let published = report(
        &records,
        Period {
            from: NOW - DAY,
            until: NOW + 30 * DAY,
        },
        1,
    )
    .unwrap();
    let follow = &published.tables[0];
    assert_eq!(
        follow
            .at("imprimes", 0)
            .and_then(|c| c.count_value().or(match c {
                aiguillage_domain::indicators::Cell::Amount { value } => Some(*value),
                _ => None,
            })),
        Some(10)
    );
    assert_eq!(follow.at("remis", 0).and_then(|c| c.count_value()), Some(2));
    assert_eq!(
        follow.at("encaisses", 0).and_then(|c| c.count_value()),
        Some(2)
    );

    // Past the campaign's end, what is left expires; a voucher then reads « expiré ».
    let after = parse_iso_date("2028-01-02").unwrap();
    let expired = store.expire_vouchers(after, NOW + 400 * DAY).await.unwrap();
    assert_eq!(
        expired,
        8 + 5,
        "eight left here, five in the other campaign"
    );
    assert_eq!(
        store
            .redeem_voucher(
                &numbers[2],
                campaign,
                StructureId::new(world.library.0),
                (NOW + 400 * DAY, after)
            )
            .await
            .unwrap(),
        Err(Refusal::Expired("31/12/2027".into()))
    );
    assert_eq!(
        store.verify_voucher_ledger().await.unwrap(),
        LedgerCheck::Intact {
            entries: store.voucher_ledger(None).await.unwrap().len()
        }
    );
}

#[tokio::test]
async fn fifty_simultaneous_redemptions_of_one_voucher_let_exactly_one_win() {
    let world = world().await;
    let (campaign, numbers) = campaign_with_received_book(&world, "Pass numérique 2027").await;
    let anonymous = HandTo::Anonymous {
        age_band: AgeBand::From60To69,
        commune_code: "49007".into(),
    };
    world
        .store
        .hand_voucher(
            &handing(&numbers[0], anonymous),
            world.ccas.0,
            (NOW, today()),
        )
        .await
        .unwrap()
        .unwrap();
    let mut tasks = Vec::new();
    for attempt in 0..50 {
        let store = world.store.clone();
        let number = numbers[0].clone();
        let place = if attempt % 2 == 0 {
            world.library.0
        } else {
            world.segre.0
        };
        tasks.push(tokio::spawn(async move {
            store
                .redeem_voucher(
                    &number,
                    campaign,
                    StructureId::new(place),
                    (NOW + 60, today()),
                )
                .await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Ok(_) => won += 1,
            Err(Refusal::AlreadyRedeemed(_)) => {}
            Err(other) => panic!("unexpected refusal {other:?}"),
        }
    }
    assert_eq!(won, 1);
    let redeemed = world.store.voucher_ledger(Some(campaign)).await.unwrap();
    let redemptions = redeemed
        .iter()
        .filter(|e| e.kind == aiguillage_domain::voucher::LedgerKind::Redeemed)
        .count();
    assert_eq!(redemptions, 1);
    assert!(matches!(
        world.store.verify_voucher_ledger().await.unwrap(),
        LedgerCheck::Intact { .. }
    ));
}

#[tokio::test]
async fn the_ledger_detects_a_changed_entry_and_erasure_leaves_no_way_back_to_the_person() {
    let world = world().await;
    let (_, numbers) = campaign_with_received_book(&world, "Pass numérique 2027").await;
    let (referral, person) = referral(&world).await;
    let store = &world.store;
    store
        .hand_voucher(
            &handing(&numbers[0], HandTo::Referral(referral)),
            world.ccas.0,
            (NOW, today()),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(store
        .erase_person(&actor(world.ccas), person, NOW + DAY)
        .await
        .unwrap());
    assert!(store
        .vouchers_of_referral(referral)
        .await
        .unwrap()
        .is_empty());
    let pool = AnyPool::connect(&world.url).await.unwrap();
    let links: i64 = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM vouchers WHERE referral_id IS NOT NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap()
    .try_get("n")
    .unwrap();
    assert_eq!(links, 0);
    let ledger = store.voucher_ledger(None).await.unwrap();
    let handed: Vec<_> = ledger
        .iter()
        .filter(|e| e.kind == aiguillage_domain::voucher::LedgerKind::Handed)
        .collect();
    assert_eq!(handed.len(), 1);
    assert_eq!(
        handed[0].detail, "referral",
        "the kind of handing only, no id"
    );
    assert!(ledger
        .iter()
        .all(|e| !e.detail.contains(&referral.to_string()) || e.detail.is_empty()));
    assert!(matches!(
        store.verify_voucher_ledger().await.unwrap(),
        LedgerCheck::Intact { .. }
    ));

    sqlx::query("UPDATE voucher_ledger SET structure_id = 999 WHERE sequence = 3")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        store.verify_voucher_ledger().await.unwrap(),
        LedgerCheck::Broken(ChainBreak::Altered(3))
    );
}

#[tokio::test]
async fn a_cancelled_book_s_vouchers_are_refused_and_the_ledger_says_so() {
    let world = world().await;
    let (campaign, numbers) = campaign_with_received_book(&world, "Pass numérique 2027").await;
    let store = &world.store;
    let anonymous = HandTo::Anonymous {
        age_band: AgeBand::From70,
        commune_code: "49007".into(),
    };
    store
        .hand_voucher(
            &handing(&numbers[0], anonymous.clone()),
            world.ccas.0,
            (NOW, today()),
        )
        .await
        .unwrap()
        .unwrap();
    store
        .hand_voucher(
            &handing(&numbers[1], anonymous.clone()),
            world.ccas.0,
            (NOW, today()),
        )
        .await
        .unwrap()
        .unwrap();
    let place = StructureId::new(world.library.0);
    store
        .redeem_voucher(&numbers[1], campaign, place, (NOW, today()))
        .await
        .unwrap()
        .unwrap();
    let book = store.books(campaign).await.unwrap()[0].id;
    let stranger = CampaignScope::Sponsor(world.ccas.0);
    assert!(matches!(
        store.cancel_book(book, stranger, None, NOW).await,
        Err(StoreError::NotFound(_))
    ));
    let sponsor = CampaignScope::Sponsor(world.sponsor.0);
    assert_eq!(
        store
            .cancel_book(book, sponsor, None, NOW + 60)
            .await
            .unwrap(),
        4,
        "all but the redeemed one"
    );
    assert_eq!(
        store
            .redeem_voucher(&numbers[0], campaign, place, (NOW + 120, today()))
            .await
            .unwrap(),
        Err(Refusal::Cancelled)
    );
    assert!(matches!(
        store
            .hand_voucher(
                &handing(&numbers[2], anonymous),
                world.ccas.0,
                (NOW, today())
            )
            .await
            .unwrap(),
        Err(HandRefusal::Spent(_))
    ));
    let cancelled = store
        .voucher_ledger(Some(campaign))
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == aiguillage_domain::voucher::LedgerKind::Cancelled)
        .count();
    assert_eq!(cancelled, 4);
    assert!(matches!(
        store.verify_voucher_ledger().await.unwrap(),
        LedgerCheck::Intact { .. }
    ));
}
