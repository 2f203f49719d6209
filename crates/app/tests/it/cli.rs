//! The `aiguillage` command line, run as a real process against a fresh database of the backend under
//! test (SQLite, or PostgreSQL when `AIGUILLAGE_TEST_DATABASE_URL` names a server).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_store::testing::{fresh_store, TEST_AUDIT_KEY_HEX};
use aiguillage_store::NewStructure;
use assert_cmd::Command;

pub(crate) fn aiguillage(database_url: &str) -> Command {
    let mut command = Command::cargo_bin("aiguillage").expect("binary");
    command
        .env("AIGUILLAGE_DATABASE_URL", database_url)
        .env("AIGUILLAGE_AUDIT_KEY", TEST_AUDIT_KEY_HEX)
        .env("RUST_LOG", "warn");
    command
}

pub(crate) fn stdout_of(command: &mut Command) -> String {
    let output = command.output().expect("run");
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn territory_import_loads_all_of_france_and_a_second_run_changes_nothing() {
    let (_, url) = fresh_store().await.expect("fresh store");
    let first = stdout_of(aiguillage(&url).args(["territory", "import"]));
    assert!(
        first.contains("communes : 35014 ajoutés, 0 mis à jour, 0 inchangés"),
        "{first}"
    );
    assert!(
        first.contains(
            "34969 communes (+ 45 arrondissements municipaux), 1255 EPCI, 101 départements"
        ),
        "{first}"
    );
    assert!(first.contains("18 régions"), "{first}");
    let second = stdout_of(aiguillage(&url).args(["territory", "import"]));
    assert!(
        second.contains("communes : 0 ajoutés, 0 mis à jour, 35014 inchangés"),
        "{second}"
    );
    assert!(
        second.contains("Référentiel déjà à jour : rien n'a changé."),
        "{second}"
    );
}

#[tokio::test]
async fn user_add_creates_an_account_and_refuses_bad_input_in_french() {
    let (store, url) = fresh_store().await.expect("fresh store");
    let data = aiguillage_interop_subset();
    store
        .import_territory(&data, &|_| {})
        .await
        .expect("territory");
    let structure = NewStructure {
        name: "CCAS de Saumur".into(),
        kind: "CCAS".into(),
        commune_code: "49328".into(),
    };
    let structure_id = store
        .ensure_structure(&structure, 0)
        .await
        .expect("structure")
        .to_string();

    let base = [
        "user",
        "add",
        "--email",
        "lea@saumur.fr",
        "--name",
        "Léa Petit",
        "--structure-id",
        &structure_id,
    ];
    let refused = aiguillage(&url)
        .args(base)
        .args(["--role", "cheffe", "--territory", "49"])
        .write_stdin("soleil\n")
        .output()
        .expect("run");
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("Choisissez un rôle."), "{message}");
    assert!(message.contains("au moins 12 caractères"), "{message}");
    assert!(store.list_accounts().await.expect("accounts").is_empty());

    let created = stdout_of(
        aiguillage(&url)
            .args(base)
            .args(["--role", "mediator", "--territory", "200071876"])
            .write_stdin("lanterne verte au bord du thouet\n"),
    );
    assert!(created.contains("créé pour lea@saumur.fr"), "{created}");
    let accounts = store.list_accounts().await.expect("accounts");
    assert_eq!(accounts.len(), 1);
    assert_eq!(
        accounts[0].territory_name.as_deref(),
        Some("CA Saumur Val de Loire")
    );
}

pub(crate) fn aiguillage_interop_subset() -> aiguillage_interop::territory::TerritoryData {
    aiguillage_interop::territory::embedded()
        .expect("territory files")
        .with_communes_of(&["49"])
}

#[tokio::test]
async fn directory_import_reports_broken_rows_is_idempotent_and_export_reads_back() {
    let (store, url) = fresh_store().await.expect("fresh store");
    let data = aiguillage_interop::territory::embedded()
        .expect("territory")
        .with_communes_of(&["51", "49"]);
    store
        .import_territory(&data, &|_| {})
        .await
        .expect("territory");
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../interop/tests/fixtures");

    let example = stdout_of(aiguillage(&url).args([
        "directory",
        "import",
        &format!("{fixtures}/exemple-valide.csv"),
    ]));
    assert!(
        example.contains("1 lieux ajoutés, 0 mis à jour, 0 inchangés ; 0 lignes rejetées."),
        "{example}"
    );
    assert!(
        example.contains("Import sans restriction de territoire, en tant qu'exploitant"),
        "{example}"
    );
    let imported = store
        .place_id("Hubik", "structure-1")
        .await
        .expect("query")
        .expect("imported");
    let changes = store.place_changes(imported, 5).await.expect("changes");
    assert_eq!(
        changes[0].account_name, None,
        "the command line has no account"
    );
    assert_eq!(
        changes[0].summary,
        "Import en ligne de commande du fichier « exemple-valide.csv » : lieu ajouté"
    );
    let again = stdout_of(aiguillage(&url).args([
        "directory",
        "import",
        &format!("{fixtures}/exemple-valide.csv"),
    ]));
    assert!(
        again.contains("0 lieux ajoutés, 0 mis à jour, 1 inchangés"),
        "{again}"
    );

    let broken = stdout_of(aiguillage(&url).args([
        "directory",
        "import",
        &format!("{fixtures}/broken.csv"),
    ]));
    assert!(
        broken.contains("ligne 5 (cp-faux) · commune : commune « Angers » (04910) rattachée à Angers (49007) : nom porté par une seule commune de France"),
        "{broken}"
    );
    assert!(
        broken.contains(
            "REJET ligne 6 (service-inconnu) · services : aucun service utilisable : le lieu n'offrirait rien vers quoi orienter"
        ),
        "{broken}"
    );

    let exported = stdout_of(aiguillage(&url).args([
        "directory",
        "export",
        "--format",
        "json",
        "--territory",
        "51",
    ]));
    let places: serde_json::Value = serde_json::from_str(&exported).expect("json export");
    let ids: Vec<&str> = places
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert!(ids.contains(&"structure-1"), "{ids:?}");
    let csv = stdout_of(aiguillage(&url).args(["directory", "export"]));
    let reread = aiguillage_interop::places_standard::read_places(
        csv.as_bytes(),
        aiguillage_interop::places_standard::PlacesFormat::Csv,
    );
    assert!(reread.rejected.is_empty(), "{:?}", reread.rejected);
    assert_eq!(
        reread.places.len(),
        store.places(None).await.expect("places").len()
    );
}

#[tokio::test]
async fn data_inclusion_structures_are_imported_with_their_services() {
    let (store, url) = fresh_store().await.expect("fresh store");
    let data = aiguillage_interop::territory::embedded().expect("territory");
    store
        .import_territory(&data, &|_| {})
        .await
        .expect("territory");
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../interop/tests/fixtures");
    let structures = format!("{fixtures}/data-inclusion-structures.json");
    let services = format!("{fixtures}/data-inclusion-services.json");
    let without = read_places_count(&store).await;
    let output = stdout_of(aiguillage(&url).args([
        "directory",
        "import",
        &structures,
        "--services",
        &services,
    ]));
    assert!(output.contains("lieux ajoutés"), "{output}");
    assert!(
        output.contains("REJET"),
        "the broken structures of the fixture are reported: {output}"
    );
    assert!(read_places_count(&store).await > without);
    let again = stdout_of(aiguillage(&url).args([
        "directory",
        "import",
        &structures,
        "--services",
        &services,
    ]));
    assert!(again.contains("0 lieux ajoutés, 0 mis à jour"), "{again}");
}

async fn read_places_count(store: &aiguillage_store::Store) -> usize {
    store.places(None).await.expect("places").len()
}

#[tokio::test]
async fn generate_writes_the_asked_synthetic_population_and_the_same_seed_draws_the_same_communes()
{
    let mut communes_per_run = Vec::new();
    for _ in 0..2 {
        let (store, url) = fresh_store().await.expect("fresh store");
        let out = stdout_of(aiguillage(&url).args([
            "generate",
            "--scale",
            "department",
            "--departement",
            "49",
            "--people",
            "300",
            "--offers",
            "20",
            "--seed",
            "7",
        ]));
        assert!(out.contains("300 personnes, 300 diagnostics"), "{out}");
        let counts = store.personal_row_counts().await.expect("counts");
        assert_eq!((counts.people, counts.diagnostics), (300, 300));
        let queue = store
            .territory_queue(&aiguillage_domain::territory::TerritoryScope::Departement(
                "49".into(),
            ))
            .await
            .expect("queue");
        assert!(!queue.is_empty(), "some referrals are still open");
        let mut communes: Vec<String> = queue.iter().map(|e| e.commune_name.clone()).collect();
        communes.sort();
        communes_per_run.push(communes);
    }
    assert_eq!(communes_per_run[0], communes_per_run[1]);
}
