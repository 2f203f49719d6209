//! A voucher campaign played through the pages, role by role: the sponsor opens it (a wrong form
//! comes back with each refusal), the coordinator qualifies the library (not without the charter),
//! books are printed and allocated, the prescriber confirms receipt and hands a voucher to someone
//! not enrolled, the library redeems it once (a second time and a mistyped number are refused with
//! their reasons), the statement is a PDF and is marked paid; another territory's coordinator finds
//! nothing. `home_vouchers` builds the same records for the object-scope test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::role::Role;
use aiguillage_store::CampaignScope;
use aiguillage_web::Settings;
use axum::http::StatusCode;
use common::journeys::World;
use common::{body_text, location, sign_in_territory, Session};

/// The home campaign's records.
pub struct VoucherIds {
    pub campaign: i64,
    pub book: i64,
    /// A voucher handed, not redeemed.
    pub handed: String,
    /// A voucher the library redeemed.
    pub redeemed: String,
    /// The month of the library's statement (`YYYY-MM`).
    pub month: String,
    /// The sponsor's structure.
    pub sponsor: i64,
}

async fn post(
    world: &World,
    path: &str,
    session: &Session,
    fields: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let mut all = vec![("csrf_token", session.csrf.as_str())];
    all.extend_from_slice(fields);
    let response = world.app.post_form(path, Some(&session.cookie), &all).await;
    let status = response.status();
    let to = location(&response);
    (status, body_text(response).await, to)
}

pub const CAMPAIGN: &[(&str, &str)] = &[
    ("nom", "Pass numérique Anjou"),
    ("valeur", "20"),
    ("paie", "sessions"),
    ("paie_quantite", "1"),
    ("publics", "seniors"),
    ("publics", "everyone"),
    ("aides", "inclusion"),
    ("debut", "01/11/2026"),
    ("fin", "31/12/2027"),
    ("budget", "200"),
];

/// The sponsor opens the campaign, the coordinator qualifies the library, one book of three is
/// printed, allocated to the prescriber's structure and received; one voucher is handed and
/// another handed and redeemed at the library.
pub async fn home_vouchers(world: &World) -> VoucherIds {
    let app = &world.app;
    let sponsor = app.sign_in(Role::Sponsor).await;
    let (status, _, to) = post(world, "/cheques/campagnes/nouvelle", &sponsor, CAMPAIGN).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let campaign_path = to.expect("campaign page");
    let campaign: i64 = campaign_path
        .trim_start_matches("/cheques/campagnes/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let coordinator = app.sign_in(Role::Coordinator).await;
    let library = world.library_id.to_string();
    let qualify = format!("/cheques/campagnes/{campaign}/lieux");
    let (_, _, to) = post(
        world,
        &qualify,
        &coordinator,
        &[("lieu", &library), ("charte", "oui")],
    )
    .await;
    assert!(to.unwrap().ends_with("fait=lieu"));
    let (_, _, to) = post(
        world,
        &format!("/cheques/campagnes/{campaign}/carnets"),
        &sponsor,
        &[("carnets", "1"), ("cheques", "3")],
    )
    .await;
    assert!(to.unwrap().ends_with("fait=imprimes"));
    let book = app.store.books(campaign).await.unwrap()[0].id;
    let holder = app.structure_id.to_string();
    let (_, _, to) = post(
        world,
        &format!("/cheques/carnets/{book}/attribution"),
        &sponsor,
        &[("structure", &holder)],
    )
    .await;
    assert!(to.unwrap().ends_with("fait=attribue"));
    let (_, _, to) = post(
        world,
        &format!("/cheques/carnets/{book}/reception"),
        &world.prescriber,
        &[],
    )
    .await;
    assert!(to.unwrap().ends_with("fait=recu"));
    let (_, _, numbers) = app
        .store
        .book_sheet(book, CampaignScope::All, None)
        .await
        .unwrap();
    for number in &numbers[..2] {
        let hand = [
            ("numero", number.printed()),
            ("tranche", "soixante_dix_plus".to_owned()),
            ("commune", "49007".to_owned()),
            ("public", "seniors".to_owned()),
            ("aide", "inclusion".to_owned()),
        ];
        let hand: Vec<(&str, &str)> = hand.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body, _) = post(world, "/cheques/remise", &world.prescriber, &hand).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            body.contains("remis (campagne « Pass numérique Anjou »)"),
            "{body}"
        );
    }
    let id = campaign.to_string();
    let redeem = [("campagne", id.as_str()), ("numero", numbers[1].as_str())];
    let (status, body, _) = post(world, "/cheques/encaissement", &world.mediator, &redeem).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("encaissé : 20 €"), "{body}");
    let month = aiguillage_domain::calendar::month_of(app.state.now());
    VoucherIds {
        campaign,
        book,
        handed: numbers[0].printed(),
        redeemed: numbers[1].printed(),
        month,
        sponsor: app.store.campaigns(CampaignScope::All).await.unwrap()[0].sponsor_structure_id,
    }
}

#[tokio::test]
async fn a_campaign_is_played_through_the_pages_role_by_role() {
    let world = common::journeys::world(Settings::default()).await;
    let app = &world.app;
    let sponsor = app.sign_in(Role::Sponsor).await;

    // A wrong form comes back with each refusal, and nothing is opened.
    let mut wrong: Vec<(&str, &str)> = CAMPAIGN.to_vec();
    wrong[1] = ("valeur", "0");
    wrong[8] = ("fin", "01/01/2026");
    let (status, body, _) = post(&world, "/cheques/campagnes/nouvelle", &sponsor, &wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("nombre entier d'euros, de 1 à 500"), "{body}");
    assert!(body.contains("précède son début"), "{body}");
    assert!(
        body.contains("href=\"#valeur\""),
        "the summary links the field"
    );
    let (valeur, fin) = (body.find("href=\"#valeur\""), body.find("href=\"#fin\""));
    assert!(valeur < fin, "the summary follows the form's order");
    assert!(app
        .store
        .campaigns(CampaignScope::All)
        .await
        .unwrap()
        .is_empty());

    // Qualifying needs the charter.
    let ids = home_vouchers(&world).await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let qualify = format!("/cheques/campagnes/{}/lieux", ids.campaign);
    let (_, _, to) = post(
        &world,
        &qualify,
        &coordinator,
        &[("lieu", &app.structure_id.to_string())],
    )
    .await;
    assert!(to.unwrap().contains("erreur="));
    assert_eq!(
        app.store
            .qualified_places(ids.campaign)
            .await
            .unwrap()
            .len(),
        1
    );

    // A second redemption and a mistyped number are refused with their reasons.
    let (_, _, numbers) = app
        .store
        .book_sheet(ids.book, CampaignScope::All, None)
        .await
        .unwrap();
    let id = ids.campaign.to_string();
    let again = [("campagne", id.as_str()), ("numero", numbers[1].as_str())];
    let (status, body, _) = post(&world, "/cheques/encaissement", &world.mediator, &again).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("a déjà été encaissé le"), "{body}");
    let mut typo: Vec<char> = numbers[0].as_str().chars().collect();
    typo[3] = if typo[3] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    let mistyped = [("campagne", id.as_str()), ("numero", typo.as_str())];
    let (status, body, _) = post(&world, "/cheques/encaissement", &world.mediator, &mistyped).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("faute de frappe"), "{body}");
    // A voucher not handed yet cannot be redeemed.
    let unhanded = [("campagne", id.as_str()), ("numero", numbers[2].as_str())];
    let (_, body, _) = post(&world, "/cheques/encaissement", &world.mediator, &unhanded).await;
    assert!(body.contains("n'a pas été remis"), "{body}");

    // The place reads its statement on its desk, and cancels a redemption with a reason code.
    let desk = body_text(
        app.get("/cheques/encaissement", Some(&world.mediator))
            .await,
    )
    .await;
    assert!(desk.contains("Vos relevés de remboursement") && desk.contains("Pass numérique Anjou"));
    let no_reason = [("numero", numbers[1].as_str()), ("raison", "")];
    let (status, body, _) = post(
        &world,
        "/cheques/encaissement/annulation",
        &world.mediator,
        &no_reason,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Choisissez la raison"), "{body}");
    let cancel = [("numero", numbers[1].as_str()), ("raison", "wrong_entry")];
    let (status, body, _) = post(
        &world,
        "/cheques/encaissement/annulation",
        &world.mediator,
        &cancel,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("peut de nouveau être encaissé"), "{body}");
    let (status, _, _) = post(&world, "/cheques/encaissement", &world.mediator, &again).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "redeemed again after the cancellation"
    );

    // The sponsor's page: figures and the statement, a PDF, then marked paid.
    let page = body_text(
        app.get(
            &format!("/cheques/campagnes/{}", ids.campaign),
            Some(&sponsor),
        )
        .await,
    )
    .await;
    assert!(
        page.contains("Médiathèque Toussaint"),
        "the qualified place and its statement"
    );
    assert!(page.contains("Relevés de remboursement"));
    let statement = format!(
        "/cheques/campagnes/{}/releves/{}/{}",
        ids.campaign, world.library_id, ids.month
    );
    let pdf = app
        .get(&format!("{statement}?format=pdf"), Some(&sponsor))
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    let bytes = body_text(pdf).await;
    assert!(bytes.starts_with("%PDF-"));
    let csv = body_text(
        app.get(&format!("{statement}?format=csv"), Some(&world.mediator))
            .await,
    )
    .await;
    assert!(
        csv.contains(&numbers[1].printed()),
        "the place reads its own statement"
    );
    let (_, _, to) = post(&world, &format!("{statement}/paye"), &sponsor, &[]).await;
    assert!(to.unwrap().ends_with("fait=paye"));
    let book = app
        .get(
            &format!("/cheques/carnets/{}/pdf", ids.book),
            Some(&world.prescriber),
        )
        .await;
    assert_eq!(book.status(), StatusCode::OK, "the holder prints its book");
    let report = body_text(
        app.get(
            &format!("/cheques/campagnes/{}/rapport?format=csv", ids.campaign),
            Some(&sponsor),
        )
        .await,
    )
    .await;
    assert!(report.contains("cheques_suivi"), "{report}");

    // Another territory's coordinator finds nothing.
    let data = aiguillage_interop::territory::embedded()
        .expect("territory files")
        .with_communes_of(&["44", "49"]);
    app.store
        .import_territory(&data, &|_| {})
        .await
        .expect("territory");
    let nantes = sign_in_territory(
        app,
        (Role::Coordinator, "44", "44109"),
        "coordination.nantes@example.fr",
    )
    .await;
    let page = app
        .get(
            &format!("/cheques/campagnes/{}", ids.campaign),
            Some(&nantes),
        )
        .await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let hub = body_text(app.get("/cheques", Some(&nantes)).await).await;
    assert!(!hub.contains("Pass numérique Anjou"));
}

/// A JSON request with a bearer credential.
async fn bearer(
    app: &common::TestApp,
    (method, path, json): (&str, &str, &str),
    credential: &str,
) -> (StatusCode, serde_json::Value) {
    let request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header(
            axum::http::header::AUTHORIZATION,
            format!("Bearer {credential}"),
        )
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(json.to_owned()))
        .unwrap();
    let response = app.send(request).await;
    let status = response.status();
    let text = body_text(response).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn the_place_s_own_tool_checks_and_redeems_a_voucher_once_through_the_api() {
    use aiguillage_domain::api_client::ApiScope;
    use aiguillage_service::api_clients::{issue, ClientGrant};
    let world = common::journeys::world(Settings::default()).await;
    let app = &world.app;
    let ids = home_vouchers(&world).await;
    let mediator = app
        .store
        .mediators_of(world.library_id)
        .await
        .unwrap()
        .first()
        .map(|a| a.id)
        .expect("the library's mediator");
    let grant = |scopes: Vec<ApiScope>| ClientGrant {
        name: "Caisse de la médiathèque".into(),
        scopes,
        account_id: Some(aiguillage_domain::ids::AccountId::new(mediator)),
        territory: None,
    };
    let by = aiguillage_service::accounts::Requester {
        account_id: None,
        reason: "test",
    };
    let till = issue(
        &app.store,
        grant(vec![ApiScope::VouchersRedeem]),
        by,
        common::START,
    )
    .await
    .unwrap()
    .credential;
    let number = ids.handed.to_lowercase().replace('-', "");
    let check = format!("/api/v1/cheques/{number}?campagne={}", ids.campaign);
    let (status, answer) = bearer(app, ("GET", &check, ""), &till).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["encaissable"], true);
    assert_eq!(answer["valeur_euros"], 20);
    let redeem = format!("/api/v1/cheques/{number}/encaissement");
    let body = format!(r#"{{"campagne":{}}}"#, ids.campaign);
    let (status, answer) = bearer(app, ("POST", &redeem, &body), &till).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = bearer(app, ("POST", &redeem, &body), &till).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer["motif"]
        .as_str()
        .unwrap()
        .contains("déjà été encaissé"));
    let (status, _) = bearer(app, ("GET", "/api/v1/cheques/7KQ4?campagne=1", ""), &till).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a short number");
    let reader = issue(
        &app.store,
        grant(vec![ApiScope::DirectoryRead]),
        aiguillage_service::accounts::Requester {
            account_id: None,
            reason: "test",
        },
        common::START,
    )
    .await
    .unwrap()
    .credential;
    let (status, _) = bearer(app, ("GET", &check, ""), &reader).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "without vouchers:redeem");
}
