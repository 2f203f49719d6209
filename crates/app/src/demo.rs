//! `aiguillage demo`: a fresh SQLite instance with all of France's territory data, a dozen fictitious
//! places in real communes of Maine-et-Loire (49) beside the département's real France Services, and one
//! account per role, served on 127.0.0.1.
//! Structures and people are fictitious; the communes are real. Needs no network.

use crate::demo_directory::demo_places;
use crate::serve::serve;
use crate::territory::import;
use aiguillage_store::Store;
use aiguillage_web::accounts::{create_account, AccountRequest, Requester};
use aiguillage_web::Settings;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct DemoArgs {
    /// Port to serve on (127.0.0.1).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Folder of the demo database (`DIR/aiguillage.db`), recreated at each start.
    #[arg(long, default_value = "aiguillage-demo")]
    data_dir: PathBuf,
}

/// One demo account per role: e-mail, name, role, index in `demo_places()`, territory, password.
pub const ACCOUNTS: &[(&str, &str, &str, usize, &str, &str)] = &[
    (
        "prescripteur@demo.aiguillage.fr",
        "Claire Moreau",
        "prescriber",
        1,
        "244900015",
        "prescripteur-anjou-demo-2026",
    ),
    (
        "mediateur@demo.aiguillage.fr",
        "Julien Robert",
        "mediator",
        2,
        "244900015",
        "mediateur-anjou-demo-2026",
    ),
    (
        "responsable@demo.aiguillage.fr",
        "Sophie Lefèvre",
        "structure_manager",
        7,
        "200071876",
        "responsable-anjou-demo-2026",
    ),
    (
        "coordinateur@demo.aiguillage.fr",
        "Marc Dubois",
        "coordinator",
        0,
        "49",
        "coordinateur-anjou-demo-2026",
    ),
    (
        "admin@demo.aiguillage.fr",
        "Administration de la démo",
        "administrator",
        0,
        "49",
        "administrateur-anjou-demo-2026",
    ),
];

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let database = args.data_dir.join("aiguillage.db");
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", database.display()));
        if file.exists() {
            std::fs::remove_file(&file)?;
        }
    }
    let url = format!("sqlite://{}", database.display());
    println!(
        "Création de la base de démonstration {}",
        database.display()
    );
    let store = Store::connect(&url).await?;
    println!("Chargement du référentiel territorial (toute la France)…");
    import(&store, true).await?;
    seed(&store).await?;
    seed_directory(&store).await?;
    let settings = Settings {
        operator_name: "une instance de démonstration (Maine-et-Loire)".into(),
        operator_contact: "demo@aiguillage.example".into(),
        demo_banner: true,
        ..Settings::default()
    };
    serve(store, settings, "127.0.0.1", args.port, |address| {
        print_welcome(address, &url)
    })
    .await
}

async fn seed(store: &Store) -> anyhow::Result<()> {
    let now = crate::now();
    let demo = demo_places();
    let places: Vec<(u64, aiguillage_domain::directory::Place)> = demo
        .iter()
        .enumerate()
        .map(|(index, demo)| (index as u64 + 1, demo.place.clone()))
        .collect();
    let report = store
        .import_places("démonstration", &places, None, now, &|_, _| {})
        .await?;
    if let Some(rejection) = report.rejected.first() {
        anyhow::bail!(
            "lieu de démonstration {} refusé : {}",
            rejection.id,
            rejection.reason
        );
    }
    let mut structure_ids = Vec::with_capacity(demo.len());
    for demo_place in &demo {
        let id = store
            .place_id("démonstration", &demo_place.place.id)
            .await?
            .ok_or_else(|| {
                anyhow::anyhow!("lieu de démonstration {} introuvable", demo_place.place.id)
            })?;
        store.set_support_model(id, demo_place.model).await?;
        if let Some(stored) = store.offers_of(id).await?.into_iter().next() {
            let offer = aiguillage_domain::directory::Offer {
                facts: demo_place.facts.clone(),
                ..stored.offer
            };
            store
                .save_offer(id, Some(stored.id), &offer, None, now)
                .await?;
        }
        structure_ids.push(id);
    }
    for (email, name, role, structure, territory, password) in ACCOUNTS {
        let request = AccountRequest {
            email: (*email).into(),
            display_name: (*name).into(),
            role: (*role).into(),
            structure_id: structure_ids[*structure].to_string(),
            territory: (*territory).into(),
            password: (*password).into(),
        };
        let requester = Requester {
            account_id: None,
            reason: "aiguillage demo",
        };
        create_account(store, &request, requester, now)
            .await
            .map_err(|error| anyhow::anyhow!("compte de démonstration {email} : {error:?}"))?;
    }
    println!(
        "{} structures et {} comptes de démonstration créés.",
        demo.len(),
        ACCOUNTS.len()
    );
    Ok(())
}

/// The official France Services list shipped with the product (see data/directory/SOURCE.md).
const FRANCE_SERVICES_CSV: &[u8] = include_bytes!("../../../data/directory/liste-fs-20240801.csv");

/// Puts the real France Services of Maine-et-Loire in the directory.
async fn seed_directory(store: &Store) -> anyhow::Result<()> {
    let report = aiguillage_interop::france_services::read_france_services(FRANCE_SERVICES_CSV);
    let in_49: Vec<_> = report
        .places
        .into_iter()
        .filter(|(_, place)| place.postal_code.starts_with("49"))
        .collect();
    let stored = store
        .import_places("demo", &in_49, None, crate::now(), &|_, _| {})
        .await?;
    println!(
        "{} France services de Maine-et-Loire ajoutées à l'annuaire ({} rejetées).",
        stored.inserted,
        stored.rejected.len()
    );
    Ok(())
}

fn print_welcome(address: std::net::SocketAddr, url: &str) {
    println!();
    println!("Aiguillage (démonstration) est prêt : http://{address}/");
    println!("Comptes de démonstration (adresse / mot de passe) :");
    for (email, _, role, _, _, password) in ACCOUNTS {
        let label = role
            .parse::<aiguillage_domain::role::Role>()
            .map(|r| r.label())
            .unwrap_or(role);
        println!("  {label:<26} {email:<34} {password}");
    }
    println!("Autres commandes sur cette base : AIGUILLAGE_DATABASE_URL={url} aiguillage …");
    println!("Arrêt : Ctrl-C.");
}
