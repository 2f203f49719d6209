//! `aiguillage structure list`: the structures of the instance with their identifiers.

use aiguillage_store::Store;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum StructureCommand {
    /// List the structures: identifier, name, kind, commune.
    List,
}

pub async fn run(database_url: &str, command: StructureCommand) -> anyhow::Result<()> {
    let store = Store::connect(database_url).await?;
    match command {
        StructureCommand::List => {
            for structure in store.list_structures().await? {
                println!(
                    "{}\t{}\t{}\t{} ({})",
                    structure.id,
                    structure.name,
                    structure.kind,
                    structure.commune_name,
                    structure.commune_code
                );
            }
        }
    }
    Ok(())
}
