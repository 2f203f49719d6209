//! `aiguillage user add`: creates a professional account from the command line, with the same checks
//! and audit entry as the administrator's page.

use aiguillage_service::accounts::{
    create_account, AccountCreationError, AccountRequest, Requester,
};
use aiguillage_store::Store;
use clap::{Args, Subcommand};
use std::io::BufRead;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input (one line).
    Add(AddArgs),
    /// List the accounts.
    List,
}

#[derive(Args)]
pub struct AddArgs {
    /// E-mail address (the login).
    #[arg(long)]
    email: String,
    /// Name shown in the interface.
    #[arg(long)]
    name: String,
    /// prescriber, mediator, structure_manager, coordinator or administrator.
    #[arg(long)]
    role: String,
    /// Identifier of the structure the account belongs to (see the Structures page or the API).
    #[arg(long)]
    structure_id: i64,
    /// Territory: a département code (49) or an EPCI SIREN (244900015).
    #[arg(long)]
    territory: String,
}

pub async fn run(database_url: &str, command: UserCommand) -> anyhow::Result<()> {
    let store = Store::connect(database_url).await?;
    match command {
        UserCommand::Add(args) => add(&store, args).await,
        UserCommand::List => {
            for account in store.list_accounts().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    account.id,
                    account.email,
                    account.role.code(),
                    account.structure_name,
                    account.territory
                );
            }
            Ok(())
        }
    }
}

async fn add(store: &Store, args: AddArgs) -> anyhow::Result<()> {
    eprintln!("Mot de passe (une ligne sur l'entrée standard) :");
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    let request = AccountRequest {
        email: args.email,
        display_name: args.name,
        role: args.role,
        structure_id: args.structure_id.to_string(),
        territory: args.territory,
        password: password.trim_end_matches(['\r', '\n']).to_owned(),
    };
    let requester = Requester {
        account_id: None,
        reason: "aiguillage user add",
    };
    match create_account(store, &request, requester, crate::now()).await {
        Ok(id) => {
            println!(
                "Compte n° {id} créé pour {}.",
                request.email.trim().to_lowercase()
            );
            Ok(())
        }
        Err(AccountCreationError::Invalid(errors)) => {
            anyhow::bail!(
                "compte non créé :\n  - {}",
                errors.messages().join("\n  - ")
            )
        }
        Err(other) => Err(other.into()),
    }
}
