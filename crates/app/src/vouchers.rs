//! `aiguillage vouchers …`: the digital inclusion vouchers (« chèques numériques », issue 22) from
//! the operator's command line: open a campaign (its terms checked field by field by the domain,
//! every refusal printed in French with its option), list the campaigns, qualify a place, print
//! books, export the ledger as CSV and verify its chain, mark the vouchers of ended campaigns
//! expired. The operator acts on every campaign ([`CampaignScope::All`]) and qualifies places as
//! the coordinator of the campaign's own territory; every change goes through the store, which
//! writes the ledger in the same transaction.

use aiguillage_domain::calendar::{french_date, local_date, parse_iso_date, rfc3339, Date};
use aiguillage_domain::directory::vocabulary::HelpKind;
use aiguillage_domain::labelled::Coded;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::voucher::{CampaignError, CampaignForm, CampaignTerms, TargetAudience};
use aiguillage_domain::UnixSeconds;
use aiguillage_store::{Campaign, CampaignScope, LedgerCheck, Store, StoreError};
use anyhow::Context;
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum VouchersCommand {
    /// Campagnes de chèques : en ouvrir une, les lister.
    Campaign {
        #[command(subcommand)]
        command: CampaignCommand,
    },
    /// Lieux qualifiés pour encaisser les chèques d'une campagne.
    Places {
        #[command(subcommand)]
        command: PlacesCommand,
    },
    /// Carnets de chèques.
    Books {
        #[command(subcommand)]
        command: BooksCommand,
    },
    /// Registre des chèques (écritures chaînées par empreintes) : l'exporter, le vérifier.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Marque expirés les chèques non encaissés des campagnes terminées et affiche leur nombre.
    Expire {
        /// Date du jour retenue (AAAA-MM-JJ) ; par défaut, la date du jour la moins avancée des
        /// territoires français (aucun chèque n'expire avant la fin de son dernier jour, outre-mer
        /// compris). Expirer est irréversible : une date future expire des chèques encore valables.
        #[arg(long, value_name = "AAAA-MM-JJ")]
        now: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum CampaignCommand {
    /// Ouvre une campagne ; chaque champ refusé est signalé avec son message, et rien n'est créé.
    Create(Box<CreateArgs>),
    /// Liste les campagnes : identifiant, nom, financeur, territoire, valeur faciale, validité.
    List,
}

#[derive(Args)]
pub struct CreateArgs {
    /// Identifiant de la structure qui finance (obligatoire ; voir `aiguillage structure list`).
    #[arg(long, value_name = "STRUCTURE_ID")]
    sponsor: Option<String>,
    /// Territoire de la campagne (obligatoire) : dep:CODE (dep:49) ou epci:SIREN (epci:244900015).
    #[arg(long, value_name = "TERRITOIRE")]
    territory: Option<String>,
    /// Nom de la campagne (obligatoire), par exemple « Pass numérique 2027 ».
    #[arg(long, value_name = "NOM")]
    name: Option<String>,
    /// Valeur d'un chèque en euros entiers, de 1 à 500 (obligatoire).
    #[arg(long, value_name = "EUROS")]
    face_value: Option<String>,
    /// Ce que paie un chèque (obligatoire) : sessions:N (N séances, de 1 à 20) ou share:P (P % d'une
    /// prestation, de 1 à 100).
    #[arg(long, value_name = "sessions:N|share:P")]
    pays: Option<String>,
    /// Publics visés, séparés par des virgules (obligatoire) : everyone, seniors, youth, families,
    /// job_seekers, disability, illiteracy, foreign_language.
    #[arg(long, value_name = "PUBLICS", value_delimiter = ',')]
    audiences: Vec<String>,
    /// Types d'aide financés, séparés par des virgules (obligatoire) : digital_emergency,
    /// inclusion, acculturation.
    #[arg(long, value_name = "AIDES", value_delimiter = ',')]
    help_kinds: Vec<String>,
    /// Premier jour de validité, JJ/MM/AAAA (obligatoire).
    #[arg(long, value_name = "JJ/MM/AAAA")]
    from: Option<String>,
    /// Dernier jour de validité, JJ/MM/AAAA (obligatoire ; trois ans au plus après le début).
    #[arg(long, value_name = "JJ/MM/AAAA")]
    until: Option<String>,
    /// Budget total en euros entiers (obligatoire) : il borne le nombre de chèques imprimés.
    #[arg(long, value_name = "EUROS")]
    budget: Option<String>,
}

#[derive(Subcommand)]
pub enum PlacesCommand {
    /// Qualifie un lieu du territoire de la campagne pour encaisser ses chèques.
    Qualify {
        /// Identifiant de la campagne (voir `aiguillage vouchers campaign list`).
        #[arg(long, value_name = "ID")]
        campaign: i64,
        /// Identifiant de la structure du lieu (voir `aiguillage structure list`).
        #[arg(long, value_name = "ID")]
        structure: i64,
    },
    /// Liste les lieux qualifiés d'une campagne.
    List {
        /// Identifiant de la campagne.
        #[arg(long, value_name = "ID")]
        campaign: i64,
    },
}

#[derive(Subcommand)]
pub enum BooksCommand {
    /// Imprime des carnets (dans la limite du budget de la campagne) et affiche leurs identifiants.
    Print {
        /// Identifiant de la campagne.
        #[arg(long, value_name = "ID")]
        campaign: i64,
        /// Nombre de carnets, de 1 à 100.
        #[arg(long, value_name = "NOMBRE")]
        count: i64,
        /// Nombre de chèques par carnet, de 1 à 100.
        #[arg(long, value_name = "NOMBRE")]
        size: i64,
    },
}

#[derive(Subcommand)]
pub enum LedgerCommand {
    /// Exporte le registre en CSV (sur la sortie standard sans --output).
    Export {
        /// Les seules écritures de cette campagne (toutes sinon).
        #[arg(long, value_name = "ID")]
        campaign: Option<i64>,
        /// Fichier à écrire.
        #[arg(long, value_name = "FICHIER")]
        output: Option<PathBuf>,
    },
    /// Recalcule la chaîne du registre avec la clé de l'instance ; code de sortie 1 si elle est
    /// rompue.
    Verify,
}

/// The header of the ledger's CSV export, in the order of its columns.
pub const LEDGER_HEADER: [&str; 9] = [
    "sequence",
    "at",
    "number",
    "campaign_id",
    "kind",
    "structure_id",
    "detail",
    "prev_hash",
    "hash",
];

/// Smallest and largest count of books, and of vouchers per book, printed at once.
const PRINT_RANGE: std::ops::RangeInclusive<i64> = 1..=100;

pub async fn run(database_url: &str, command: VouchersCommand) -> anyhow::Result<()> {
    let store = Store::connect(database_url).await?;
    let now = crate::now();
    match command {
        VouchersCommand::Campaign {
            command: CampaignCommand::Create(args),
        } => create_campaign(&store, *args, now).await,
        VouchersCommand::Campaign {
            command: CampaignCommand::List,
        } => list_campaigns(&store).await,
        VouchersCommand::Places {
            command:
                PlacesCommand::Qualify {
                    campaign,
                    structure,
                },
        } => qualify(&store, campaign, structure, now).await,
        VouchersCommand::Places {
            command: PlacesCommand::List { campaign },
        } => list_places(&store, campaign).await,
        VouchersCommand::Books {
            command:
                BooksCommand::Print {
                    campaign,
                    count,
                    size,
                },
        } => print_books(&store, campaign, (count, size), now).await,
        VouchersCommand::Ledger {
            command: LedgerCommand::Export { campaign, output },
        } => export_ledger(&store, campaign, output).await,
        VouchersCommand::Ledger {
            command: LedgerCommand::Verify,
        } => verify_ledger(&store).await,
        VouchersCommand::Expire { now: day } => expire(&store, day.as_deref(), now).await,
    }
}

/// The option a field of the campaign form was typed in.
fn option_of(field: &str) -> &'static str {
    match field {
        "nom" => "--name",
        "valeur" => "--face-value",
        "paie" | "paie_quantite" => "--pays",
        "publics" => "--audiences",
        "aides" => "--help-kinds",
        "debut" => "--from",
        "fin" => "--until",
        "budget" => "--budget",
        _ => "",
    }
}

fn codes_of<T: Coded>() -> String {
    T::all()
        .iter()
        .map(|value| value.code())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A refusal as the command line prints it: the option, the message, and for a list the codes
/// it accepts.
fn refusal_line(error: &CampaignError) -> String {
    let accepted = match error.field {
        "publics" => format!(" Valeurs possibles : {}.", codes_of::<TargetAudience>()),
        "aides" => format!(" Valeurs possibles : {}.", codes_of::<HelpKind>()),
        _ => String::new(),
    };
    format!("{} : {}{accepted}", option_of(error.field), error.message)
}

/// The form as typed: `--pays sessions:1` splits into its kind and amount.
fn form_of(args: &CreateArgs) -> CampaignForm {
    let (payment_kind, payment_amount) = match args.pays.as_deref().map(str::trim) {
        Some(text) => match text.split_once(':') {
            Some((kind, amount)) => (kind.trim().to_owned(), amount.trim().to_owned()),
            None => (text.to_owned(), String::new()),
        },
        None => (String::new(), String::new()),
    };
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    CampaignForm {
        name: text(&args.name),
        face_value: text(&args.face_value),
        payment_kind,
        payment_amount,
        audiences: args
            .audiences
            .iter()
            .filter(|code| !code.trim().is_empty())
            .cloned()
            .collect(),
        help_kinds: args
            .help_kinds
            .iter()
            .filter(|code| !code.trim().is_empty())
            .cloned()
            .collect(),
        valid_from: text(&args.from),
        valid_until: text(&args.until),
        budget: text(&args.budget),
    }
}

/// The sponsor structure typed, when it exists.
async fn sponsor_of(store: &Store, typed: Option<&str>) -> anyhow::Result<Result<i64, String>> {
    let Some(id) = typed.and_then(|text| text.trim().parse::<i64>().ok()) else {
        return Ok(Err(
            "--sponsor : Indiquez l'identifiant de la structure qui finance (voir « aiguillage structure list »).".into(),
        ));
    };
    match store.structure(id).await {
        Ok(_) => Ok(Ok(id)),
        Err(StoreError::NotFound(_)) => Ok(Err(format!(
            "--sponsor : Aucune structure ne porte l'identifiant {id} (voir « aiguillage structure list »)."
        ))),
        Err(other) => Err(other.into()),
    }
}

/// The territory typed, when it is in the instance's reference data.
async fn territory_of(
    store: &Store,
    typed: Option<&str>,
) -> anyhow::Result<Result<TerritoryScope, String>> {
    let Some(typed) = typed.filter(|text| !text.trim().is_empty()) else {
        return Ok(Err(
            "--territory : Indiquez le territoire de la campagne : dep:CODE (dep:49) ou epci:SIREN."
                .into(),
        ));
    };
    let scope = match typed.parse::<TerritoryScope>() {
        Ok(scope) => scope,
        Err(error) => return Ok(Err(format!("--territory : {error}."))),
    };
    Ok(match store.territory_name(&scope).await? {
        Some(_) => Ok(scope),
        None => Err(format!(
            "--territory : Le territoire {scope} n'existe pas dans le référentiel de l'instance (aiguillage territory import)."
        )),
    })
}

async fn create_campaign(store: &Store, args: CreateArgs, now: UnixSeconds) -> anyhow::Result<()> {
    let sponsor = sponsor_of(store, args.sponsor.as_deref()).await?;
    let territory = territory_of(store, args.territory.as_deref()).await?;
    let terms = CampaignTerms::check(&form_of(&args));
    let (sponsor, territory, terms) = match (sponsor, territory, terms) {
        (Ok(sponsor), Ok(territory), Ok(terms)) => (sponsor, territory, terms),
        (sponsor, territory, terms) => {
            let lines: Vec<String> = [sponsor.err(), territory.err()]
                .into_iter()
                .flatten()
                .chain(terms.err().iter().flatten().map(refusal_line))
                .collect();
            anyhow::bail!("campagne non créée :\n  - {}", lines.join("\n  - "))
        }
    };
    let id = store
        .create_campaign(sponsor, &territory, &terms, None, now)
        .await
        .context("création de la campagne")?;
    println!(
        "Campagne n° {id} créée : « {} », chèques de {} € ({}), {} chèques au plus, valables du {} au {}.",
        terms.name,
        terms.face_value_euros,
        terms.payment.describe(),
        terms.voucher_budget(),
        french_date(terms.valid_from),
        french_date(terms.valid_until)
    );
    Ok(())
}

async fn list_campaigns(store: &Store) -> anyhow::Result<()> {
    let campaigns = store.campaigns(CampaignScope::All).await?;
    if campaigns.is_empty() {
        eprintln!("Aucune campagne de chèques.");
    }
    for campaign in campaigns {
        println!(
            "{}\t{}\t{} (n° {})\t{}\t{} €\t{} – {}",
            campaign.id,
            campaign.terms.name,
            campaign.sponsor_name,
            campaign.sponsor_structure_id,
            campaign.territory,
            campaign.terms.face_value_euros,
            french_date(campaign.terms.valid_from),
            french_date(campaign.terms.valid_until)
        );
    }
    Ok(())
}

/// The campaign with this id, or a French error naming it.
async fn campaign(store: &Store, id: i64) -> anyhow::Result<Campaign> {
    match store.campaign(id, CampaignScope::All).await {
        Err(StoreError::NotFound(_)) => anyhow::bail!(
            "aucune campagne de chèques ne porte l'identifiant {id} (voir « aiguillage vouchers campaign list »)"
        ),
        other => Ok(other?),
    }
}

async fn qualify(
    store: &Store,
    campaign_id: i64,
    structure_id: i64,
    now: UnixSeconds,
) -> anyhow::Result<()> {
    let campaign = campaign(store, campaign_id).await?;
    let structure = match store.structure(structure_id).await {
        Err(StoreError::NotFound(_)) => anyhow::bail!(
            "aucune structure ne porte l'identifiant {structure_id} (voir « aiguillage structure list »)"
        ),
        other => other?,
    };
    let name = &campaign.terms.name;
    match store
        .qualify_place(
            campaign_id,
            aiguillage_domain::ids::StructureId::new(structure_id),
            &campaign.territory,
            None,
            now,
        )
        .await
    {
        Ok(true) => println!(
            "« {} » ({}) qualifié pour encaisser les chèques de « {name} ».",
            structure.name, structure.commune_name
        ),
        Ok(false) => println!(
            "« {} » ({}) était déjà qualifié pour « {name} ».",
            structure.name, structure.commune_name
        ),
        Err(StoreError::NotFound(_)) => anyhow::bail!(
            "« {} » ({}) n'est pas dans le territoire de la campagne « {name} » ({}) : il ne peut pas y être qualifié",
            structure.name,
            structure.commune_name,
            campaign.territory
        ),
        Err(other) => return Err(other.into()),
    }
    Ok(())
}

async fn list_places(store: &Store, campaign_id: i64) -> anyhow::Result<()> {
    let campaign = campaign(store, campaign_id).await?;
    let places = store.qualified_places(campaign_id).await?;
    if places.is_empty() {
        eprintln!(
            "Aucun lieu qualifié pour « {} » (aiguillage vouchers places qualify).",
            campaign.terms.name
        );
    }
    for place in places {
        println!("{}\t{}\t{}", place.structure_id, place.name, place.commune);
    }
    Ok(())
}

async fn print_books(
    store: &Store,
    campaign_id: i64,
    (count, size): (i64, i64),
    now: UnixSeconds,
) -> anyhow::Result<()> {
    let mut wrong = Vec::new();
    if !PRINT_RANGE.contains(&count) {
        wrong.push(format!(
            "--count : Le nombre de carnets va de {} à {} (vu {count}).",
            PRINT_RANGE.start(),
            PRINT_RANGE.end()
        ));
    }
    if !PRINT_RANGE.contains(&size) {
        wrong.push(format!(
            "--size : Un carnet compte de {} à {} chèques (vu {size}).",
            PRINT_RANGE.start(),
            PRINT_RANGE.end()
        ));
    }
    if !wrong.is_empty() {
        anyhow::bail!("aucun carnet imprimé :\n  - {}", wrong.join("\n  - "));
    }
    let campaign = campaign(store, campaign_id).await?;
    let ids = match store
        .print_books(campaign_id, CampaignScope::All, (count, size), None, now)
        .await
    {
        Err(StoreError::Conflict(message)) => anyhow::bail!("aucun carnet imprimé : {message}"),
        other => other?,
    };
    let books = store.books(campaign_id).await?;
    println!(
        "{} de {size} chèques imprimé{} pour « {} » (identifiant, numéro dans la campagne) :",
        plural(ids.len(), "carnet", "carnets"),
        if ids.len() > 1 { "s" } else { "" },
        campaign.terms.name
    );
    for book in books.iter().filter(|book| ids.contains(&book.id)) {
        println!("{}\tcarnet n° {}", book.id, book.ordinal);
    }
    Ok(())
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count > 1 { many } else { one })
}

/// The ledger's entries as CSV, with [`LEDGER_HEADER`].
fn ledger_csv(entries: &[aiguillage_domain::voucher::LedgerEntry]) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(LEDGER_HEADER)?;
    for entry in entries {
        writer.write_record([
            entry.sequence.to_string(),
            rfc3339(entry.at),
            entry.number.clone(),
            entry.campaign_id.to_string(),
            entry.kind.code().to_owned(),
            entry
                .structure_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            entry.detail.clone(),
            entry.prev_hash.clone(),
            entry.hash.clone(),
        ])?;
    }
    writer
        .into_inner()
        .map_err(|error| anyhow::anyhow!("écriture du CSV : {error}"))
}

async fn export_ledger(
    store: &Store,
    campaign_id: Option<i64>,
    output: Option<PathBuf>,
) -> anyhow::Result<()> {
    if let Some(id) = campaign_id {
        campaign(store, id).await?;
    }
    let entries = store.voucher_ledger(campaign_id).await?;
    let text = ledger_csv(&entries)?;
    match output {
        Some(path) => {
            std::fs::write(&path, text)
                .with_context(|| format!("écriture de {}", path.display()))?;
            eprintln!(
                "{} du registre des chèques écrites dans {}.",
                plural(entries.len(), "écriture", "écritures"),
                path.display()
            );
        }
        None => std::io::stdout().write_all(&text)?,
    }
    Ok(())
}

async fn verify_ledger(store: &Store) -> anyhow::Result<()> {
    match store.verify_voucher_ledger().await? {
        LedgerCheck::Intact { entries } => {
            println!(
                "Registre des chèques intact : {}",
                plural(entries, "écriture", "écritures")
            );
            Ok(())
        }
        LedgerCheck::Broken(broken) => anyhow::bail!("registre des chèques rompu : {broken}"),
    }
}

/// The date it is in the French territory where the day began last (Polynesia, UTC−10): a
/// campaign's last day is over everywhere once this date is past it.
pub(crate) fn latest_starting_date(now: UnixSeconds) -> Date {
    ["49", "971", "973", "974", "976", "986", "987", "988"]
        .iter()
        .map(|departement| local_date(now, departement))
        .min()
        .unwrap_or_else(|| local_date(now, "49"))
}

async fn expire(store: &Store, day: Option<&str>, now: UnixSeconds) -> anyhow::Result<()> {
    let today = match day {
        Some(text) => parse_iso_date(text).ok_or_else(|| {
            anyhow::anyhow!(
                "--now : date « {text} » illisible : attendue au format AAAA-MM-JJ (par exemple 2028-01-01)"
            )
        })?,
        None => latest_starting_date(now),
    };
    let expired = store.expire_vouchers(today, now).await?;
    let count = usize::try_from(expired).unwrap_or(usize::MAX);
    println!(
        "{} expiré{} (campagnes terminées avant le {}).",
        plural(count, "chèque marqué", "chèques marqués"),
        if count > 1 { "s" } else { "" },
        french_date(today)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pays: &str) -> CreateArgs {
        CreateArgs {
            sponsor: Some("1".into()),
            territory: Some("dep:49".into()),
            name: Some("Pass".into()),
            face_value: Some("10".into()),
            pays: Some(pays.into()),
            audiences: vec!["seniors".into(), " ".into()],
            help_kinds: vec!["inclusion".into()],
            from: Some("01/01/2027".into()),
            until: Some("31/12/2027".into()),
            budget: None,
        }
    }

    #[test]
    fn the_payment_splits_into_kind_and_amount_and_blanks_are_dropped() {
        let form = form_of(&args(" share : 50 "));
        assert_eq!(
            (form.payment_kind.as_str(), form.payment_amount.as_str()),
            ("share", "50")
        );
        assert_eq!(form.audiences, vec!["seniors".to_owned()]);
        assert_eq!(form.budget, "");
        let bare = form_of(&args("sessions"));
        assert_eq!(
            (bare.payment_kind.as_str(), bare.payment_amount.as_str()),
            ("sessions", "")
        );
    }

    #[test]
    fn each_refusal_names_its_option_and_lists_name_the_accepted_codes() {
        let mut typed = args("sessions:0");
        typed.audiences = vec!["martiens".into()];
        let errors = CampaignTerms::check(&form_of(&typed)).unwrap_err();
        let lines: Vec<String> = errors.iter().map(refusal_line).collect();
        assert!(
            lines.iter().any(|l| l.starts_with("--pays : ")),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(
                |l| l.starts_with("--audiences : Valeur inconnue « martiens »")
                    && l.contains("job_seekers")
            ),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|l| l.starts_with("--budget : ")),
            "{lines:?}"
        );
    }

    #[test]
    fn the_default_day_is_the_last_to_begin_in_france() {
        // 2027-12-31 at 23:00 UTC: already 2028 in Paris, still 31 December in Polynesia.
        let now = 1_830_294_000;
        assert_eq!(iso(local_date(now, "49")), "2028-01-01");
        assert_eq!(iso(latest_starting_date(now)), "2027-12-31");
    }

    fn iso(date: Date) -> String {
        aiguillage_domain::calendar::iso_date(date)
    }
}
