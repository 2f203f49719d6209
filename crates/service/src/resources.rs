//! The resource bank's use cases: write a session and attach its materials (files checked by their
//! content, links checked), ask for a review, review (take, publish, send back), adapt a published
//! session, rate it after use, report a problem, designate référents, export a published session
//! as one archive and import one as a draft (`interop::resource_archive`). The people concerned are
//! told in the app: the référents of a submitted session or of a problem reported, the authors of a
//! decision, the source's authors of an adaptation, the reporter when the problem is dealt with.
//! Scope is checked by the store inside each transaction ([`BankActor`]).

use crate::state::AppState;
use aiguillage_domain::calendar::rfc3339;
use aiguillage_domain::ids::{AccountId, ResourceSessionId, StructureId};
use aiguillage_domain::resource::review::{ReviewDecision, ReviewError};
use aiguillage_domain::resource::upload::{check_file, UploadError};
use aiguillage_domain::resource::{
    check_comment, check_link, check_material_title, AccessibilityFeature, Licence, MaterialEntry,
    MaterialKind,
};
use aiguillage_domain::role::Role;
use aiguillage_interop::resource_archive::{
    self, credit_text, write_archive, Credit, ExportedFile, ExportedMaterial, ImportedSource,
    Source, WriteError,
};
use aiguillage_store::{Account, BankActor, MaterialSource, NewMaterial, ServedFile, StoreError};
use std::collections::BTreeSet;

/// The bank's actor for a signed-in account and the route it acts through.
pub fn bank_actor<'a>(account: &'a Account, reason: &'a str) -> BankActor<'a> {
    BankActor {
        account_id: AccountId::new(account.id),
        structure_id: StructureId::new(account.structure_id),
        role: account.role,
        territory: &account.territory,
        reason,
    }
}

/// Who may write sessions: the professionals who run or prepare them.
pub fn may_write(role: Role) -> bool {
    matches!(
        role,
        Role::Mediator | Role::StructureManager | Role::Coordinator
    )
}

/// A material as a form gives it: a file (name and bytes) or a link.
#[derive(Debug, Clone)]
pub struct MaterialForm {
    pub kind: MaterialKind,
    pub title: String,
    pub licence: Licence,
    pub accessibility: BTreeSet<AccessibilityFeature>,
    pub file: Option<(String, Vec<u8>)>,
    pub link: String,
}

/// Why a material was not attached; every message is French and names what to change.
#[derive(Debug, thiserror::Error)]
pub enum MaterialError {
    #[error("{0}")]
    Title(String),
    #[error("{0}")]
    Upload(#[from] UploadError),
    #[error("{0}")]
    Link(String),
    #[error("Joignez un fichier ou indiquez un lien, pas les deux.")]
    Both,
    #[error("Joignez un fichier ou indiquez un lien.")]
    Neither,
    #[error("{0}")]
    Review(#[from] ReviewError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks a material (the file by its content) and attaches it. Nothing is stored on a refusal.
pub async fn add_material(
    state: &AppState,
    actor: &BankActor<'_>,
    session: ResourceSessionId,
    form: MaterialForm,
) -> Result<i64, MaterialError> {
    let title = check_material_title(&form.title).map_err(MaterialError::Title)?;
    let link = form.link.trim();
    let source = match (form.file, link.is_empty()) {
        (Some(_), false) => return Err(MaterialError::Both),
        (None, true) => return Err(MaterialError::Neither),
        (Some((name, bytes)), true) => {
            let checked = check_file(&name, &bytes)?;
            MaterialSource::File {
                bytes,
                media_type: checked.media_type,
                file_name: checked.file_name,
            }
        }
        (None, false) => MaterialSource::Link(check_link(link).map_err(MaterialError::Link)?),
    };
    let material = NewMaterial {
        kind: form.kind,
        title,
        licence: form.licence,
        accessibility: form.accessibility,
        source,
    };
    let id = state
        .store
        .add_resource_material(actor, session, &material, state.now())
        .await??;
    Ok(id)
}

/// Asks for a review and tells the référents who may give it.
pub async fn submit(
    state: &AppState,
    actor: &BankActor<'_>,
    session: ResourceSessionId,
) -> Result<Result<usize, ReviewError>, StoreError> {
    let now = state.now();
    let referents = match state.store.submit_resource(actor, session, now).await? {
        Ok(referents) => referents,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let link = format!("/ressources/{session}");
    for referent in &referents {
        state
            .store
            .notify(
                (Some(referent.get()), None),
                "Une séance de la ressourcerie attend votre relecture",
                &link,
                now,
            )
            .await?;
    }
    Ok(Ok(referents.len()))
}

/// Records a référent's decision and tells the authors.
pub async fn decide(
    state: &AppState,
    actor: &BankActor<'_>,
    session: ResourceSessionId,
    decision: &ReviewDecision,
) -> Result<Result<Option<i64>, ReviewError>, StoreError> {
    let now = state.now();
    let (authors, version) = match state
        .store
        .decide_resource_review(actor, session, decision, now)
        .await?
    {
        Ok(decided) => decided,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let text = match version {
        Some(_) => "Votre séance a été publiée dans la ressourcerie",
        None => "Votre séance vous est renvoyée avec des commentaires de relecture",
    };
    let link = format!("/ressources/{session}");
    for author in authors {
        state
            .store
            .notify((Some(author.get()), None), text, &link, now)
            .await?;
    }
    Ok(Ok(version))
}

/// Adapts a published session into the actor's draft and tells the source's authors.
pub async fn adapt(
    state: &AppState,
    actor: &BankActor<'_>,
    source: ResourceSessionId,
) -> Result<ResourceSessionId, StoreError> {
    let now = state.now();
    let (draft, authors) = state
        .store
        .adapt_resource_session(actor, source, now)
        .await?;
    let link = format!("/ressources/{source}");
    for author in authors {
        if author != actor.account_id {
            state
                .store
                .notify(
                    (Some(author.get()), None),
                    "Une de vos séances publiées vient d'être adaptée par un autre professionnel",
                    &link,
                    now,
                )
                .await?;
        }
    }
    Ok(draft)
}

/// Why a session's archive was not written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The archive of a session's last published version, as the viewer may read it (`None`: an
/// anonymous visitor, who gets sessions under an open licence only, without their editable
/// sources). An unpublished session is `NotFound`, whoever asks.
pub async fn export_archive(
    state: &AppState,
    viewer: Option<&BankActor<'_>>,
    session: ResourceSessionId,
) -> Result<Vec<u8>, ExportError> {
    let sheet = state.store.resource_sheet(viewer, session).await?;
    let Some((number, snapshot)) = sheet.published else {
        return Err(StoreError::NotFound("séance".into()).into());
    };
    let mut served = Vec::new();
    for entry in &snapshot.materials {
        served.push(match &entry.sha256 {
            Some(sha256) => match state.store.resource_file(viewer, session, sha256).await {
                Ok(file) => Some(file),
                Err(StoreError::OutOfScope(_)) => None,
                Err(error) => return Err(error.into()),
            },
            None => None,
        });
    }
    let materials = exported_materials(&snapshot.materials, &served);
    let credit = Credit {
        text: credit_text(&sheet.structure_name, &sheet.authors),
        structure: sheet.structure_name,
        authors: sheet.authors,
    };
    let public_url = state.settings.public_url.trim_end_matches('/');
    let source = Source {
        instance: (!public_url.is_empty()).then(|| public_url.to_owned()),
        session: Some(session.get()),
        version: Some(number),
    };
    let header = (source, credit, rfc3339(state.now()));
    let (_, bytes) = write_archive(header, &snapshot.content, &materials)?;
    Ok(bytes)
}

/// The materials to write, each beside its file when it has one (`served`, in the version's order:
/// a file material whose file the viewer may not have is left out).
fn exported_materials<'a>(
    entries: &'a [MaterialEntry],
    served: &'a [Option<ServedFile>],
) -> Vec<ExportedMaterial<'a>> {
    entries
        .iter()
        .zip(served)
        .filter(|(entry, file)| entry.sha256.is_none() || file.is_some())
        .map(|(entry, file)| ExportedMaterial {
            kind: entry.kind,
            title: &entry.title,
            licence: entry.licence,
            accessibility: &entry.accessibility,
            link: entry.url.as_deref(),
            file: file.as_ref().map(|file| ExportedFile {
                file_name: &file.file_name,
                media_type: &file.media_type,
                bytes: &file.bytes,
            }),
        })
        .collect()
}

/// Why an archive was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Every reason, each a French sentence; nothing was stored.
    #[error("{}", .0.join(" "))]
    Refused(Vec<String>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads and checks an archive (off the async threads: it decompresses and hashes), then stores
/// one draft of the actor's structure with all its materials, or nothing.
pub async fn import_archive(
    state: &AppState,
    actor: &BankActor<'_>,
    bytes: Vec<u8>,
) -> Result<ResourceSessionId, ImportError> {
    let imported = tokio::task::spawn_blocking(move || resource_archive::import_archive(&bytes))
        .await
        .map_err(|_| ImportError::Refused(vec!["L'archive n'a pas pu être lue.".into()]))?
        .map_err(ImportError::Refused)?;
    let materials: Vec<NewMaterial> = imported
        .materials
        .into_iter()
        .map(|material| NewMaterial {
            kind: material.kind,
            title: material.title,
            licence: material.licence,
            accessibility: material.accessibility,
            source: match material.source {
                ImportedSource::Link(url) => MaterialSource::Link(url),
                ImportedSource::File {
                    bytes,
                    media_type,
                    file_name,
                } => MaterialSource::File {
                    bytes,
                    media_type,
                    file_name,
                },
            },
        })
        .collect();
    let id = state
        .store
        .import_resource_session(actor, &imported.content, &materials, state.now())
        .await?;
    Ok(id)
}

/// Why a problem report wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportRefusal {
    /// The comment is empty, too long or holds a personal number (the French message).
    Comment(String),
    NotPublished,
}

/// Records a problem reported on a published session and tells the référents who review it.
pub async fn report(
    state: &AppState,
    actor: &BankActor<'_>,
    session: ResourceSessionId,
    comment: &str,
) -> Result<Result<usize, ReportRefusal>, StoreError> {
    let comment = match check_comment(comment) {
        Ok(Some(comment)) => comment,
        Ok(None) => {
            return Ok(Err(ReportRefusal::Comment(
                "Décrivez le problème constaté.".to_owned(),
            )))
        }
        Err(message) => return Ok(Err(ReportRefusal::Comment(message))),
    };
    let now = state.now();
    let Some(referents) = state
        .store
        .report_resource(actor, session, &comment, now)
        .await?
    else {
        return Ok(Err(ReportRefusal::NotPublished));
    };
    for referent in &referents {
        state
            .store
            .notify(
                (Some(referent.get()), None),
                "Un problème est signalé sur une séance de la ressourcerie",
                "/ressources/relecture",
                now,
            )
            .await?;
    }
    Ok(Ok(referents.len()))
}

/// Closes a report the actor reviews as référent and tells who reported it.
pub async fn close_report(
    state: &AppState,
    actor: &BankActor<'_>,
    report: i64,
) -> Result<(), StoreError> {
    let now = state.now();
    let (session, reporter) = state.store.close_report(actor, report, now).await?;
    state
        .store
        .notify(
            (Some(reporter.get()), None),
            "Le problème que vous avez signalé sur une séance a été traité",
            &format!("/ressources/{session}"),
            now,
        )
        .await?;
    Ok(())
}
