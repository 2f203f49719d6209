//! `aiguillage api-client add|list|revoke`: the partner tools that call the API. `add` prints the
//! bearer credential `client-id:client-secret` once (only the hash of the secret is kept).

use aiguillage_domain::api_client::read_scopes;
use aiguillage_domain::ids::AccountId;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_service::accounts::Requester;
use aiguillage_service::api_clients::{issue, revoke, ClientGrant};
use aiguillage_store::Store;
use anyhow::Context;
use clap::{Args, Subcommand};

#[derive(Subcommand)]
pub enum ApiClientCommand {
    /// Create a client and print its credential once.
    Add(AddArgs),
    /// List the clients (never their secrets).
    List,
    /// Revoke a client: its credential stops working at once.
    Revoke {
        /// The client's identifier (`aig-…`).
        client_id: String,
    },
}

#[derive(Args)]
pub struct AddArgs {
    /// The partner tool's name, as the audit journal shows it.
    #[arg(long)]
    name: String,
    /// What it may do: directory:read, indicators:read, activities:read, people:write,
    /// referrals:write (several with commas or repeated).
    #[arg(long = "scope", required = true)]
    scopes: Vec<String>,
    /// The professional it acts as, a prescriber or mediator whose structure is the client's (needed
    /// by people:write and referrals:write; see `aiguillage user list`).
    #[arg(long)]
    account: Option<i64>,
    /// The territory it reads: a département code (49) or an EPCI SIREN; the whole instance if absent.
    #[arg(long)]
    territory: Option<String>,
}

pub async fn run(database_url: &str, command: ApiClientCommand) -> anyhow::Result<()> {
    let store = Store::connect(database_url).await?;
    match command {
        ApiClientCommand::Add(args) => add(&store, args).await,
        ApiClientCommand::List => {
            for client in store.api_clients().await? {
                let scopes: Vec<&str> = client.scopes.iter().map(|s| s.code()).collect();
                let state = if client.revoked_at.is_some() {
                    "révoqué"
                } else {
                    "actif"
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    client.client_id,
                    client.name,
                    scopes.join(","),
                    client
                        .territory
                        .map(|t| t.to_string())
                        .unwrap_or_else(|| "instance".into()),
                    state
                );
            }
            Ok(())
        }
        ApiClientCommand::Revoke { client_id } => {
            let by = Requester {
                account_id: None,
                reason: "aiguillage api-client revoke",
            };
            if revoke(&store, &client_id, by, crate::now()).await? {
                println!("Client {client_id} révoqué.");
                Ok(())
            } else {
                anyhow::bail!("aucun client actif « {client_id} »")
            }
        }
    }
}

async fn add(store: &Store, args: AddArgs) -> anyhow::Result<()> {
    let scopes = read_scopes(&args.scopes, args.account.is_some())?;
    let territory = args
        .territory
        .map(|text| text.parse::<TerritoryScope>())
        .transpose()
        .map_err(|e| anyhow::anyhow!("territoire illisible : {e}"))?;
    let grant = ClientGrant {
        name: args.name,
        scopes,
        account_id: args.account.map(AccountId::new),
        territory,
    };
    let by = Requester {
        account_id: None,
        reason: "aiguillage api-client add",
    };
    let issued = issue(store, grant, by, crate::now())
        .await
        .context("création du client d'API")?;
    println!(
        "Client d'API « {} » créé : {}",
        issued.record.name, issued.record.client_id
    );
    println!("Jeton (à transmettre une seule fois, il ne sera plus affiché) :");
    println!("{}", issued.credential);
    println!("Usage : Authorization: Bearer {}", issued.credential);
    Ok(())
}
