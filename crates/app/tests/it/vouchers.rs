//! `aiguillage vouchers …` run as a real process: a campaign opened from the command line, a place
//! qualified, books printed within the budget, the ledger exported as CSV and verified (and found
//! broken under another key), the vouchers expired past the campaign's end; a wrong campaign
//! prints each refused field's French message, exits non-zero and creates nothing.

use crate::cli::{aiguillage, aiguillage_interop_subset, stdout_of};
use aiguillage_store::testing::{fresh_store, TEST_AUDIT_KEY_HEX};
use aiguillage_store::{CampaignScope, NewStructure, Store};
use assert_cmd::Command;

/// The stderr of a command that must fail.
fn stderr_of_failure(command: &mut Command) -> String {
    let output = command.output().expect("run");
    assert!(
        !output.status.success(),
        "should have failed: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A fresh store with Maine-et-Loire's communes, a sponsor structure and a place: (store, url,
/// sponsor id, place id).
async fn world() -> (Store, String, String, String) {
    let (store, url) = fresh_store().await.expect("fresh store");
    store
        .import_territory(&aiguillage_interop_subset(), &|_| {})
        .await
        .expect("territory");
    let mut ids = Vec::new();
    for (name, commune) in [
        ("Département de Maine-et-Loire", "49007"),
        ("Médiathèque de Saumur", "49328"),
    ] {
        let structure = NewStructure {
            name: name.into(),
            kind: "test".into(),
            commune_code: commune.into(),
        };
        ids.push(
            store
                .ensure_structure(&structure, 0)
                .await
                .expect("structure")
                .to_string(),
        );
    }
    let place = ids.pop().expect("place");
    let sponsor = ids.pop().expect("sponsor");
    (store, url, sponsor, place)
}

fn campaign_args<'a>(sponsor: &'a str, face_value: &'a str, until: &'a str) -> Vec<&'a str> {
    vec![
        "vouchers",
        "campaign",
        "create",
        "--sponsor",
        sponsor,
        "--territory",
        "dep:49",
        "--name",
        "Pass numérique 2027",
        "--face-value",
        face_value,
        "--pays",
        "sessions:1",
        "--audiences",
        "seniors,everyone",
        "--help-kinds",
        "inclusion",
        "--from",
        "01/01/2027",
        "--until",
        until,
        "--budget",
        "5000",
    ]
}

#[tokio::test]
async fn a_campaign_is_opened_its_books_printed_and_its_ledger_exported_and_verified() {
    let (store, url, sponsor, place) = world().await;
    let created = stdout_of(aiguillage(&url).args(campaign_args(&sponsor, "10", "31/12/2027")));
    let campaigns = store
        .campaigns(CampaignScope::All)
        .await
        .expect("campaigns");
    assert_eq!(campaigns.len(), 1);
    let id = campaigns[0].id.to_string();
    assert!(
        created.contains(&format!("Campagne n° {id} créée : « Pass numérique 2027 »")),
        "{created}"
    );
    assert!(created.contains("500 chèques au plus"), "{created}");
    let listed = stdout_of(aiguillage(&url).args(["vouchers", "campaign", "list"]));
    assert!(
        listed.contains(&format!(
            "{id}\tPass numérique 2027\tDépartement de Maine-et-Loire (n° {sponsor})\tdep:49\t10 €\t01/01/2027 – 31/12/2027"
        )),
        "{listed}"
    );

    let qualify = ["vouchers", "places", "qualify", "--campaign", &id];
    let qualified = stdout_of(aiguillage(&url).args(qualify).args(["--structure", &place]));
    assert!(
        qualified.contains("« Médiathèque de Saumur » (Saumur) qualifié pour encaisser"),
        "{qualified}"
    );
    let again = stdout_of(aiguillage(&url).args(qualify).args(["--structure", &place]));
    assert!(again.contains("était déjà qualifié"), "{again}");
    let unknown = stderr_of_failure(aiguillage(&url).args(qualify).args(["--structure", "999"]));
    assert!(
        unknown.contains("aucune structure ne porte l'identifiant 999"),
        "{unknown}"
    );

    let print = ["vouchers", "books", "print", "--campaign", &id];
    let printed = stdout_of(
        aiguillage(&url)
            .args(print)
            .args(["--count", "2", "--size", "5"]),
    );
    let books = store.books(campaigns[0].id).await.expect("books");
    assert_eq!(books.len(), 2);
    for book in &books {
        assert!(
            printed.contains(&format!("{}\tcarnet n° {}", book.id, book.ordinal)),
            "{printed}"
        );
    }
    let out_of_range = stderr_of_failure(
        aiguillage(&url)
            .args(print)
            .args(["--count", "0", "--size", "101"]),
    );
    assert!(
        out_of_range.contains("--count : Le nombre de carnets va de 1 à 100 (vu 0).")
            && out_of_range.contains("--size : Un carnet compte de 1 à 100 chèques (vu 101)."),
        "{out_of_range}"
    );
    let over_budget = stderr_of_failure(
        aiguillage(&url)
            .args(print)
            .args(["--count", "100", "--size", "5"]),
    );
    assert!(
        over_budget.contains("aucun carnet imprimé : le budget de la campagne paie 500 chèques"),
        "{over_budget}"
    );
    assert_eq!(store.books(campaigns[0].id).await.expect("books").len(), 2);

    let csv = stdout_of(aiguillage(&url).args(["vouchers", "ledger", "export"]));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        vec![
            "sequence",
            "at",
            "number",
            "campaign_id",
            "kind",
            "structure_id",
            "detail",
            "prev_hash",
            "hash"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 10, "two books of five");
    assert!(rows.iter().all(|row| &row[4] == "issued" && row[3] == id));
    assert!(
        rows[0][1].ends_with('Z') && rows[0][1].contains('T'),
        "{rows:?}"
    );
    assert_eq!(&rows[0][0], "1");
    assert_eq!(
        rows[1][7], rows[0][8],
        "each entry is chained to the one before"
    );

    let file = std::env::temp_dir().join(format!("registre-{}.csv", std::process::id()));
    let file_name = file.display().to_string();
    let output = aiguillage(&url)
        .args(["vouchers", "ledger", "export", "--campaign", &id])
        .args(["--output", &file_name])
        .output()
        .expect("run");
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("10 écritures"));
    assert_eq!(std::fs::read_to_string(&file).expect("file"), csv);
    std::fs::remove_file(&file).expect("remove");
    let missing = stderr_of_failure(aiguillage(&url).args([
        "vouchers",
        "ledger",
        "export",
        "--campaign",
        "999",
    ]));
    assert!(
        missing.contains("aucune campagne de chèques ne porte l'identifiant 999"),
        "{missing}"
    );

    let verified = stdout_of(aiguillage(&url).args(["vouchers", "ledger", "verify"]));
    assert_eq!(
        verified.trim(),
        "Registre des chèques intact : 10 écritures"
    );
    let other_key = format!("75{}", &TEST_AUDIT_KEY_HEX[2..]);
    let broken = stderr_of_failure(
        aiguillage(&url)
            .env("AIGUILLAGE_AUDIT_KEY", other_key)
            .args(["vouchers", "ledger", "verify"]),
    );
    assert!(
        broken.contains(
            "registre des chèques rompu : L'écriture n° 1 a été modifiée après son inscription."
        ),
        "{broken}"
    );

    let expired = stdout_of(aiguillage(&url).args(["vouchers", "expire", "--now", "2028-01-02"]));
    assert!(
        expired.contains("10 chèques marqués expirés (campagnes terminées avant le 02/01/2028)."),
        "{expired}"
    );
    let nothing_left = stdout_of(aiguillage(&url).args(["vouchers", "expire"]));
    assert!(
        nothing_left.contains("0 chèque marqué expiré"),
        "{nothing_left}"
    );
    let unreadable =
        stderr_of_failure(aiguillage(&url).args(["vouchers", "expire", "--now", "02/01/2028"]));
    assert!(
        unreadable.contains("attendue au format AAAA-MM-JJ"),
        "{unreadable}"
    );
    let verified = stdout_of(aiguillage(&url).args(["vouchers", "ledger", "verify"]));
    assert_eq!(
        verified.trim(),
        "Registre des chèques intact : 20 écritures"
    );
}

#[tokio::test]
async fn a_bad_campaign_prints_every_refused_field_in_french_and_creates_nothing() {
    let (store, url, sponsor, _) = world().await;
    let refused =
        stderr_of_failure(aiguillage(&url).args(campaign_args(&sponsor, "0", "31/12/2026")));
    assert!(refused.contains("campagne non créée"), "{refused}");
    assert!(
        refused.contains(
            "--face-value : La valeur d'un chèque est un nombre entier d'euros, de 1 à 500."
        ),
        "{refused}"
    );
    assert!(
        refused
            .contains("--until : La fin de validité (31/12/2026) précède son début (01/01/2027)."),
        "{refused}"
    );
    let mut unknown_sponsor = campaign_args("999", "10", "31/12/2027");
    unknown_sponsor.extend(["--audiences", "martiens"]);
    let refused = stderr_of_failure(aiguillage(&url).args(unknown_sponsor));
    assert!(
        refused.contains("--sponsor : Aucune structure ne porte l'identifiant 999"),
        "{refused}"
    );
    assert!(
        refused.contains("--audiences : Valeur inconnue « martiens ».")
            && refused.contains("Valeurs possibles : everyone, seniors"),
        "{refused}"
    );
    let missing = stderr_of_failure(aiguillage(&url).args(["vouchers", "campaign", "create"]));
    for option in ["--sponsor", "--territory", "--name", "--pays", "--budget"] {
        assert!(missing.contains(&format!("  - {option} : ")), "{missing}");
    }
    assert!(store
        .campaigns(CampaignScope::All)
        .await
        .expect("campaigns")
        .is_empty());
    assert!(
        store.voucher_ledger(None).await.expect("ledger").is_empty(),
        "nothing written"
    );
}
