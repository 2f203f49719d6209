//! Every table download as a user opens it: the `.xlsx` of the indicators, the CRA activities, the
//! active queue, the directory, the territory diagnostic (coverage) and the fragility index open in a
//! spreadsheet reader with typed cells and the sheet describing the columns; the CSV for Excel
//! carries a byte order mark and `;`; an unknown format is refused in French.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::role::Role;
use aiguillage_web::Settings;
use axum::body::to_bytes;
use axum::http::{header, StatusCode};
use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use common::journeys::{good_session, referral_at_first_contact, world};
use common::{body_text, Session, TestApp};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The workbook a page downloads, after checking its media type.
async fn workbook(app: &TestApp, path: &str, who: &Session) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    let response = app.get(path, Some(who)).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let kind = response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(kind, XLSX, "{path}");
    let disposition = response.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.ends_with(".xlsx\""), "{disposition}");
    let bytes = to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap()
        .to_vec();
    open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a workbook calamine opens")
}

fn sheet(book: &mut Xlsx<std::io::Cursor<Vec<u8>>>, name: &str) -> Range<Data> {
    book.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
}

/// The row whose first cell is `label`.
fn row_of<'a>(range: &'a Range<Data>, label: &str) -> Vec<&'a Data> {
    range
        .rows()
        .find(|row| row.first() == Some(&Data::String(label.into())))
        .unwrap_or_else(|| panic!("row « {label} » in {range:?}"))
        .iter()
        .collect()
}

#[tokio::test]
async fn every_table_export_opens_as_a_workbook_with_typed_cells() {
    let world = world(Settings {
        min_cell_size: 1,
        ..Settings::default()
    })
    .await;
    let app = &world.app;
    let (_, referral) = referral_at_first_contact(&world, "Josiane").await;
    let session = good_session(&world.mediator.csrf);
    let recorded = app
        .post_form(
            &format!("{referral}/seances"),
            Some(&world.mediator.cookie),
            &session,
        )
        .await;
    assert_eq!(recorded.status(), StatusCode::SEE_OTHER);
    let coordinator = app.sign_in(Role::Coordinator).await;

    let mut indicators = workbook(app, "/pilotage/export?format=xlsx", &coordinator).await;
    let names = indicators.sheet_names();
    assert!(names.contains(&"entonnoir".to_owned()), "{names:?}");
    assert_eq!(names.last().map(String::as_str), Some("Colonnes"));
    let columns = sheet(&mut indicators, "Colonnes");
    assert_eq!(
        columns.get_value((0, 2)),
        Some(&Data::String("Description".into()))
    );
    let funnel = sheet(&mut indicators, "entonnoir");
    assert_eq!(
        funnel.get_value((0, 0)),
        Some(&Data::String("ligne".into()))
    );
    assert!(
        funnel
            .rows()
            .skip(1)
            .any(|row| matches!(row.get(1), Some(Data::Float(n)) if *n >= 1.0)),
        "counts are numbers: {funnel:?}"
    );

    let mut activities =
        workbook(app, "/pilotage/activites-cra?format=xlsx", &world.mediator).await;
    let sheet_of_activities = sheet(&mut activities, "activites");
    assert!(
        matches!(
            sheet_of_activities.get_value((1, 0)),
            Some(Data::DateTime(_))
        ),
        "the date is a date: {sheet_of_activities:?}"
    );
    assert_eq!(
        sheet_of_activities.get_value((1, 2)),
        Some(&Data::Float(45.0)),
        "minutes"
    );

    let mut queue = workbook(app, "/file-active?format=xlsx", &coordinator).await;
    let lines = sheet(&mut queue, "file-active");
    assert_eq!(
        lines.get_value((0, 0)),
        Some(&Data::String("pseudonyme".into()))
    );
    assert!(
        lines.height() >= 2,
        "the referral is in the queue: {lines:?}"
    );
    assert!(matches!(lines.get_value((1, 8)), Some(Data::DateTime(_))));
    let flat: String = format!("{lines:?}");
    assert!(!flat.contains("Josiane"), "the queue is pseudonymised");

    let mut places = workbook(app, "/annuaire?format=xlsx", &coordinator).await;
    let directory = sheet(&mut places, "lieux");
    let library = row_of(&directory, "mediatheque-angers");
    assert_eq!(library[2], &Data::String("Médiathèque Toussaint".into()));

    let mut diagnostic = workbook(app, "/territoire/diagnostic?format=xlsx", &coordinator).await;
    assert_eq!(
        diagnostic.sheet_names(),
        ["couverture", "modeles", "aides", "lieux", "Colonnes"]
            .map(String::from)
            .to_vec()
    );
    let coverage = sheet(&mut diagnostic, "couverture");
    let angers = row_of(&coverage, "49007");
    assert_eq!(angers[1], &Data::String("Angers".into()));
    assert!(
        matches!(angers[2], Data::Float(p) if *p > 100_000.0),
        "population: {angers:?}"
    );

    let mut index = workbook(app, "/territoire/indice?format=xlsx", &coordinator).await;
    let communes = sheet(&mut index, "indice");
    assert_eq!(
        communes.get_value((0, 0)),
        Some(&Data::String("code_insee".into()))
    );
    assert!(communes.height() > 100, "every commune of Maine-et-Loire");
}

#[tokio::test]
async fn csv_for_excel_has_a_byte_order_mark_and_semicolons_and_unknown_formats_are_refused() {
    let app = TestApp::new().await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let csv = body_text(
        app.get(
            "/pilotage/export?format=csv&separateur=point-virgule",
            Some(&coordinator),
        )
        .await,
    )
    .await;
    assert!(
        csv.starts_with("\u{feff}tableau;ligne;colonne;valeur"),
        "{csv}"
    );
    let plain = body_text(
        app.get("/territoire/indice?format=csv", Some(&coordinator))
            .await,
    )
    .await;
    assert!(plain.starts_with("\u{feff}code_insee,"), "{plain}");
    let refused = app.get("/file-active?format=pdf", Some(&coordinator)).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(body_text(refused).await.contains("Format « pdf » inconnu"));
}
