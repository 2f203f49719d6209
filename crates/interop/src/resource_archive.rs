//! A session of the resource bank as one ZIP archive, to carry it from one instance to another
//! (docs/archive-de-seance.md): `manifest.json` (the format's name and version, the session's content
//! in stable codes, the credit of its structure and authors, each material) and
//! `fichiers/<sha256>-<name>` for each file material.
//!
//! Writing takes a published version already cut to what the caller may read. Reading is strict and
//! in memory: the archive's size, the number of entries, each entry's and the total uncompressed
//! size, the compression ratio (a zip bomb), names that leave the archive (`..`, absolute) and
//! entries the manifest does not name are all refused before anything is decompressed past its
//! limit; then every code, the content ([`SessionContent::check`]), each file by its content
//! ([`check_file`]) and its SHA-256 are checked. Every refusal is a French sentence.

use aiguillage_domain::labelled::Coded;
use aiguillage_domain::pathway::{Theme, WorkshopLevel};
use aiguillage_domain::resource::upload::{check_file, megabytes, safe_file_name};
use aiguillage_domain::resource::{
    check_link, check_material_title, AccessibilityFeature, Competence, Licence, MaterialKind,
    ResourceAudience, SessionContent, MAX_COMMENT_CHARS,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read, Write};

/// The format's name in the manifest.
pub const FORMAT: &str = "aiguillage-seance";
/// The only version of the format this build reads and writes.
pub const VERSION: u32 = 1;
/// The manifest's name in the archive.
pub const MANIFEST: &str = "manifest.json";
/// The folder of the files in the archive.
pub const FILES_FOLDER: &str = "fichiers/";

const MIB: u64 = 1024 * 1024;
/// The largest archive read, in bytes.
pub const MAX_ARCHIVE_BYTES: u64 = 60 * MIB;
/// The most entries an archive may hold (the manifest and the files).
pub const MAX_ENTRIES: usize = 40;
/// The largest manifest, uncompressed.
pub const MAX_MANIFEST_BYTES: u64 = MIB;
/// The largest file, uncompressed: the largest upload the bank accepts.
pub const MAX_FILE_BYTES: u64 = aiguillage_domain::resource::upload::MAX_UPLOAD_BYTES as u64;
/// The largest total of the entries, uncompressed.
pub const MAX_TOTAL_BYTES: u64 = 100 * MIB;
/// The highest ratio of uncompressed to compressed size of an entry over [`RATIO_FLOOR`].
pub const MAX_RATIO: u64 = 100;
/// Entries smaller than this are not checked for their ratio (a short text compresses well).
pub const RATIO_FLOOR: u64 = MIB;

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// When the archive was written, RFC 3339 in UTC.
    #[serde(default)]
    pub exported_at: String,
    /// Where it comes from: the instance's public address, the session and its version there.
    #[serde(default)]
    pub source: Source,
    /// Who wrote it, as credit text only (no address, no account id).
    pub credit: Credit,
    pub session: ManifestSession,
    #[serde(default)]
    pub materials: Vec<ManifestMaterial>,
}

/// The session's place of origin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

/// The credit of a session: its structure and authors' names, and the sentence that credits them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub structure: String,
    #[serde(default)]
    pub authors: Vec<String>,
    pub text: String,
}

/// A session's content in stable codes (never labels).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSession {
    pub title: String,
    pub audiences: Vec<String>,
    pub level: String,
    pub duration_minutes: u32,
    pub competences: Vec<String>,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub prerequisites: String,
    pub objectives: String,
    pub conductor: String,
    pub licence: String,
    /// Whom the session was already credited to, when it was itself imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// A material: what it is, and its link or its file in the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestMaterial {
    pub kind: String,
    pub title: String,
    pub licence: String,
    #[serde(default)]
    pub accessibility: Vec<String>,
    #[serde(flatten)]
    pub target: Target,
}

/// A material's link, or its file with what identifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Target {
    Link {
        link: String,
    },
    File {
        file: String,
        sha256: String,
        media_type: String,
        bytes: u64,
    },
}

/// A file material to write: its entry in a version and its bytes.
#[derive(Debug, Clone)]
pub struct ExportedFile<'a> {
    pub file_name: &'a str,
    pub media_type: &'a str,
    pub bytes: &'a [u8],
}

/// A material to write: its stable facts and its link or file.
#[derive(Debug, Clone)]
pub struct ExportedMaterial<'a> {
    pub kind: MaterialKind,
    pub title: &'a str,
    pub licence: Licence,
    pub accessibility: &'a BTreeSet<AccessibilityFeature>,
    pub link: Option<&'a str>,
    pub file: Option<ExportedFile<'a>>,
}

fn codes<T: Coded>(values: impl IntoIterator<Item = T>) -> Vec<String> {
    values.into_iter().map(|v| v.code().to_owned()).collect()
}

impl ManifestSession {
    /// A session's content in codes.
    pub fn of(content: &SessionContent) -> ManifestSession {
        ManifestSession {
            title: content.title.clone(),
            audiences: codes(content.audiences.iter().copied()),
            level: content.level.cra_code().to_owned(),
            duration_minutes: content.duration_minutes,
            competences: codes(content.competences.iter().copied()),
            themes: content
                .themes
                .iter()
                .map(|t| t.cra_code().to_owned())
                .collect(),
            prerequisites: content.prerequisites.clone(),
            objectives: content.objectives.clone(),
            conductor: content.conductor.clone(),
            licence: content.licence.code().to_owned(),
            origin: content.origin.clone(),
        }
    }
}

/// The credit sentence: « Structure (Auteur A, Auteur B) ».
pub fn credit_text(structure: &str, authors: &[String]) -> String {
    if authors.is_empty() {
        structure.to_owned()
    } else {
        format!("{structure} ({})", authors.join(", "))
    }
}

/// The path of a file in the archive: `fichiers/<sha256>-<safe name>`.
pub fn file_path(sha256: &str, file_name: &str) -> String {
    format!("{FILES_FOLDER}{sha256}-{}", safe_file_name(file_name))
}

/// Why an archive could not be written.
#[derive(Debug, thiserror::Error)]
#[error("L'archive n'a pas pu être écrite : {0}")]
pub struct WriteError(String);

/// Writes the archive of a version: the manifest and each file, deflated.
pub fn write_archive(
    header: (Source, Credit, String),
    content: &SessionContent,
    materials: &[ExportedMaterial<'_>],
) -> Result<(Manifest, Vec<u8>), WriteError> {
    let (source, credit, exported_at) = header;
    let mut files = Vec::new();
    let mut listed = Vec::new();
    for material in materials {
        let target = match (&material.file, material.link) {
            (Some(file), _) => {
                let sha256 = hex::encode(Sha256::digest(file.bytes));
                let path = file_path(&sha256, file.file_name);
                files.push((path.clone(), file.bytes));
                Target::File {
                    file: path,
                    sha256,
                    media_type: file.media_type.to_owned(),
                    bytes: file.bytes.len() as u64,
                }
            }
            (None, Some(link)) => Target::Link {
                link: link.to_owned(),
            },
            (None, None) => continue,
        };
        listed.push(ManifestMaterial {
            kind: material.kind.code().to_owned(),
            title: material.title.to_owned(),
            licence: material.licence.code().to_owned(),
            accessibility: codes(material.accessibility.iter().copied()),
            target,
        });
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        version: VERSION,
        exported_at,
        source,
        credit,
        session: ManifestSession::of(content),
        materials: listed,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| WriteError(e.to_string()))?;
    let bytes = zip_entries(&json, &files).map_err(|e| WriteError(e.to_string()))?;
    Ok((manifest, bytes))
}

fn zip_entries(manifest: &[u8], files: &[(String, &[u8])]) -> zip::result::ZipResult<Vec<u8>> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer.start_file(MANIFEST, options)?;
    writer.write_all(manifest)?;
    let mut written = BTreeSet::new();
    for (path, bytes) in files {
        if written.insert(path.as_str()) {
            writer.start_file(path.as_str(), options)?;
            writer.write_all(bytes)?;
        }
    }
    Ok(writer.finish()?.into_inner())
}

/// Why an archive is refused, in French.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("L'archive pèse {}, au-delà de la limite de {}.", megabytes(*.0), megabytes(MAX_ARCHIVE_BYTES as usize))]
    TooLarge(usize),
    #[error("Le fichier n'est pas une archive ZIP lisible.")]
    NotZip,
    #[error("L'archive contient {0} éléments : au plus {MAX_ENTRIES} sont acceptés.")]
    TooManyEntries(usize),
    #[error("L'archive contient un chemin interdit (« {0} ») : elle est refusée.")]
    UnsafeName(String),
    #[error("L'archive ne contient pas de manifeste (manifest.json).")]
    NoManifest,
    #[error("Le manifeste n'est pas lisible : {0}.")]
    Manifest(String),
    #[error("Cette archive n'est pas une séance d'aiguillage lisible ici (format « {format} », version {version}) : seule la version {VERSION} du format « {FORMAT} » est lue.")]
    UnknownFormat { format: String, version: u32 },
    #[error("L'archive contient « {0} », que le manifeste ne déclare pas : elle est refusée.")]
    Undeclared(String),
    #[error("Le fichier « {0} » déclaré par le manifeste manque dans l'archive.")]
    Missing(String),
    #[error("L'élément « {name} » de l'archive dépasse {} une fois décompressé : il est refusé.", megabytes(*.limit as usize))]
    EntryTooLarge { name: String, limit: u64 },
    #[error("L'archive dépasse {} une fois décompressée : elle est refusée.", megabytes(MAX_TOTAL_BYTES as usize))]
    TotalTooLarge,
    #[error("L'élément « {0} » se décompresse en bien plus que sa taille dans l'archive (plus de {MAX_RATIO} fois) : l'archive est refusée.")]
    Ratio(String),
}

/// An archive read: its manifest and its files by path.
#[derive(Debug, Clone)]
pub struct ReadArchive {
    pub manifest: Manifest,
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Whether an entry's name stays inside the archive: relative, `/` separators, no `..`, `.` or empty
/// segment, no drive, no control character.
fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && !name.contains(':')
        && !name.chars().any(char::is_control)
        && name
            .split('/')
            .all(|segment| !matches!(segment, "" | "." | ".."))
}

/// Reads an archive with every limit of this module; nothing is decompressed past a limit.
pub fn read_archive(bytes: &[u8]) -> Result<ReadArchive, ArchiveError> {
    if bytes.len() as u64 > MAX_ARCHIVE_BYTES {
        return Err(ArchiveError::TooLarge(bytes.len()));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ArchiveError::NotZip)?;
    if archive.len() > MAX_ENTRIES {
        return Err(ArchiveError::TooManyEntries(archive.len()));
    }
    let names = entry_names(&mut archive)?;
    let manifest_index = names
        .iter()
        .position(|name| name == MANIFEST)
        .ok_or(ArchiveError::NoManifest)?;
    let manifest_bytes = read_entry(&mut archive, manifest_index, MAX_MANIFEST_BYTES)?;
    let manifest = parse_manifest(&manifest_bytes)?;
    let declared: BTreeSet<&str> = manifest
        .materials
        .iter()
        .filter_map(|m| match &m.target {
            Target::File { file, .. } => Some(file.as_str()),
            Target::Link { .. } => None,
        })
        .collect();
    let mut files = BTreeMap::new();
    let mut total = manifest_bytes.len() as u64;
    for (index, name) in names.iter().enumerate() {
        if index == manifest_index {
            continue;
        }
        if !declared.contains(name.as_str()) {
            return Err(ArchiveError::Undeclared(name.clone()));
        }
        let content = read_entry(&mut archive, index, MAX_FILE_BYTES)?;
        total += content.len() as u64;
        if total > MAX_TOTAL_BYTES {
            return Err(ArchiveError::TotalTooLarge);
        }
        files.insert(name.clone(), content);
    }
    if let Some(missing) = declared.iter().find(|path| !files.contains_key(**path)) {
        return Err(ArchiveError::Missing((*missing).to_owned()));
    }
    Ok(ReadArchive { manifest, files })
}

/// Every entry's name, each checked; directories and links are refused like unsafe names.
fn entry_names(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<Vec<String>, ArchiveError> {
    let mut names = Vec::with_capacity(archive.len());
    let mut declared_total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|_| ArchiveError::NotZip)?;
        let name = entry.name().map_err(|_| ArchiveError::NotZip)?.into_owned();
        if !is_safe_name(&name) || entry.is_dir() || entry.is_symlink() || names.contains(&name) {
            return Err(ArchiveError::UnsafeName(name));
        }
        declared_total = declared_total.saturating_add(entry.size());
        if declared_total > MAX_TOTAL_BYTES {
            return Err(ArchiveError::TotalTooLarge);
        }
        names.push(name);
    }
    Ok(names)
}

/// One entry's bytes, refused past `limit` or past the ratio, whatever its header declares.
fn read_entry(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    index: usize,
    limit: u64,
) -> Result<Vec<u8>, ArchiveError> {
    let entry = archive.by_index(index).map_err(|_| ArchiveError::NotZip)?;
    let name = entry.name().map_err(|_| ArchiveError::NotZip)?.into_owned();
    let compressed = entry.compressed_size();
    let too_large = || ArchiveError::EntryTooLarge {
        name: name.clone(),
        limit,
    };
    if entry.size() > limit {
        return Err(too_large());
    }
    check_ratio(&name, entry.size(), compressed)?;
    let mut content = Vec::new();
    entry
        .take(limit + 1)
        .read_to_end(&mut content)
        .map_err(|_| ArchiveError::NotZip)?;
    if content.len() as u64 > limit {
        return Err(too_large());
    }
    check_ratio(&name, content.len() as u64, compressed)?;
    Ok(content)
}

fn check_ratio(name: &str, size: u64, compressed: u64) -> Result<(), ArchiveError> {
    if size > RATIO_FLOOR && size > compressed.saturating_mul(MAX_RATIO) {
        return Err(ArchiveError::Ratio(name.to_owned()));
    }
    Ok(())
}

fn parse_manifest(bytes: &[u8]) -> Result<Manifest, ArchiveError> {
    #[derive(Deserialize)]
    struct Header {
        #[serde(default)]
        format: String,
        #[serde(default)]
        version: u32,
    }
    let header: Header =
        serde_json::from_slice(bytes).map_err(|e| ArchiveError::Manifest(e.to_string()))?;
    if header.format != FORMAT || header.version != VERSION {
        return Err(ArchiveError::UnknownFormat {
            format: header.format,
            version: header.version,
        });
    }
    serde_json::from_slice(bytes).map_err(|e| ArchiveError::Manifest(e.to_string()))
}

/// A material ready to store: checked, with its link or its checked file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedMaterial {
    pub kind: MaterialKind,
    pub title: String,
    pub licence: Licence,
    pub accessibility: BTreeSet<AccessibilityFeature>,
    pub source: ImportedSource,
}

/// An imported material's link, or its file with the media type read from its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportedSource {
    Link(String),
    File {
        bytes: Vec<u8>,
        media_type: &'static str,
        file_name: String,
    },
}

/// A session ready to store as a draft: its checked content (crediting its origin) and materials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedSession {
    pub content: SessionContent,
    pub materials: Vec<ImportedMaterial>,
}

/// Reads and checks an archive: every refusal at once (or the archive's own), each in French.
pub fn import_archive(bytes: &[u8]) -> Result<ImportedSession, Vec<String>> {
    let ReadArchive {
        manifest,
        mut files,
    } = read_archive(bytes).map_err(|e| vec![e.to_string()])?;
    let mut errors = Vec::new();
    let content = session_content(&manifest, &mut errors);
    let mut materials = Vec::new();
    for (rank, material) in manifest.materials.iter().enumerate() {
        if let Some(material) = imported_material(rank + 1, material, &mut files, &mut errors) {
            materials.push(material);
        }
    }
    match content {
        Some(content) if errors.is_empty() => Ok(ImportedSession { content, materials }),
        _ => Err(errors),
    }
}

fn code_of<T: Coded>(code: &str, what: &str, errors: &mut Vec<String>) -> Option<T> {
    let found = T::from_code(code);
    if found.is_none() {
        errors.push(format!("{what} : le code « {code} » est inconnu."));
    }
    found
}

fn codes_of<T: Coded + Ord>(list: &[String], what: &str, errors: &mut Vec<String>) -> BTreeSet<T> {
    list.iter()
        .filter_map(|code| code_of::<T>(code, what, errors))
        .collect()
}

/// Whom the draft credits: the manifest's credit, and the origin it already had.
fn origin_of(manifest: &Manifest) -> String {
    let mut origin = format!("Séance importée : {}", manifest.credit.text.trim());
    if let Some(instance) = &manifest.source.instance {
        origin.push_str(&format!(", depuis {}", instance.trim()));
    }
    if let Some(earlier) = &manifest.session.origin {
        origin.push_str(&format!(" ; auparavant : {}", earlier.trim()));
    }
    origin.chars().take(MAX_COMMENT_CHARS).collect()
}

fn session_content(manifest: &Manifest, errors: &mut Vec<String>) -> Option<SessionContent> {
    let session = &manifest.session;
    if manifest.credit.text.trim().is_empty() {
        errors
            .push("Le manifeste ne crédite personne : le texte de crédit est obligatoire.".into());
    }
    let level = code_of::<WorkshopLevel>(&session.level, "Niveau", errors);
    let licence = code_of::<Licence>(&session.licence, "Licence", errors);
    let content = SessionContent {
        title: session.title.clone(),
        audiences: codes_of::<ResourceAudience>(&session.audiences, "Publics", errors),
        level: level.unwrap_or(WorkshopLevel::Beginner),
        duration_minutes: session.duration_minutes,
        competences: codes_of::<Competence>(&session.competences, "Compétences", errors),
        themes: codes_of::<Theme>(&session.themes, "Thématiques", errors),
        prerequisites: session.prerequisites.clone(),
        objectives: session.objectives.clone(),
        conductor: session.conductor.clone(),
        licence: licence.unwrap_or(Licence::AllRightsReserved),
        origin: Some(origin_of(manifest)),
    };
    match content.check() {
        Ok(content) => Some(content),
        Err(found) => {
            errors.extend(found.into_iter().map(|e| e.message));
            None
        }
    }
}

fn imported_material(
    rank: usize,
    material: &ManifestMaterial,
    files: &mut BTreeMap<String, Vec<u8>>,
    errors: &mut Vec<String>,
) -> Option<ImportedMaterial> {
    let before = errors.len();
    let what = format!("Support {rank}");
    let kind = code_of::<MaterialKind>(&material.kind, &what, errors);
    let licence = code_of::<Licence>(&material.licence, &what, errors);
    let accessibility = codes_of::<AccessibilityFeature>(&material.accessibility, &what, errors);
    let title = check_material_title(&material.title)
        .map_err(|e| errors.push(format!("{what} : {e}")))
        .ok();
    let source = match &material.target {
        Target::Link { link } => check_link(link)
            .map(ImportedSource::Link)
            .map_err(|e| errors.push(format!("{what} : {e}")))
            .ok(),
        Target::File { file, sha256, .. } => {
            let bytes = files.remove(file).unwrap_or_default();
            imported_file(file, sha256, bytes, errors)
        }
    };
    if errors.len() > before {
        return None;
    }
    Some(ImportedMaterial {
        kind: kind?,
        title: title?,
        licence: licence?,
        accessibility,
        source: source?,
    })
}

/// A file checked by its content and its SHA-256; its name without the hash prefix.
fn imported_file(
    path: &str,
    sha256: &str,
    bytes: Vec<u8>,
    errors: &mut Vec<String>,
) -> Option<ImportedSource> {
    let name = path.trim_start_matches(FILES_FOLDER);
    let name = match name.split_once('-') {
        Some((prefix, rest)) if prefix.len() == 64 => rest,
        _ => name,
    };
    let actual = hex::encode(Sha256::digest(&bytes));
    if !actual.eq_ignore_ascii_case(sha256.trim()) {
        errors.push(format!(
            "L'empreinte SHA-256 du fichier « {name} » ne correspond pas au manifeste : le fichier a été modifié ou abîmé."
        ));
        return None;
    }
    match check_file(name, &bytes) {
        Ok(checked) => Some(ImportedSource::File {
            bytes,
            media_type: checked.media_type,
            file_name: checked.file_name,
        }),
        Err(refusal) => {
            errors.push(refusal.to_string());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";

    fn content() -> SessionContent {
        SessionContent {
            title: "Premiers pas".into(),
            audiences: [ResourceAudience::Seniors].into(),
            level: WorkshopLevel::Beginner,
            duration_minutes: 90,
            competences: [Competence::Interact].into(),
            themes: [Theme::Email].into(),
            prerequisites: String::new(),
            objectives: "Envoyer un mél".into(),
            conductor: "Accueil\nPratique".into(),
            licence: Licence::CcBySa,
            origin: None,
        }
    }

    fn archive() -> Vec<u8> {
        let features = BTreeSet::from([AccessibilityFeature::LargePrint]);
        let materials = [
            ExportedMaterial {
                kind: MaterialKind::Memo,
                title: "Mémo",
                licence: Licence::CcBySa,
                accessibility: &features,
                link: None,
                file: Some(ExportedFile {
                    file_name: "mémo.pdf",
                    media_type: "application/pdf",
                    bytes: PDF,
                }),
            },
            ExportedMaterial {
                kind: MaterialKind::Video,
                title: "Capsule",
                licence: Licence::CcBy,
                accessibility: &features,
                link: Some("https://example.org/capsule"),
                file: None,
            },
        ];
        let credit = Credit {
            structure: "EPN".into(),
            authors: vec!["Ada".into()],
            text: credit_text("EPN", &["Ada".into()]),
        };
        write_archive(
            (Source::default(), credit, "2026-01-01T00:00:00Z".into()),
            &content(),
            &materials,
        )
        .unwrap()
        .1
    }

    #[test]
    fn an_archive_reads_back_as_the_same_session_crediting_its_origin() {
        let imported = import_archive(&archive()).unwrap();
        let mut expected = content();
        expected.origin = Some("Séance importée : EPN (Ada)".into());
        assert_eq!(imported.content, expected);
        assert_eq!(imported.materials.len(), 2);
        assert_eq!(
            imported.materials[0].source,
            ImportedSource::File {
                bytes: PDF.to_vec(),
                media_type: "application/pdf",
                file_name: "memo.pdf".into()
            }
        );
        assert_eq!(
            imported.materials[1].source,
            ImportedSource::Link("https://example.org/capsule".into())
        );
    }

    #[test]
    fn the_manifest_holds_codes_never_labels() {
        let read = read_archive(&archive()).unwrap();
        let json = serde_json::to_string(&read.manifest).unwrap();
        for code in [
            "\"seniors\"",
            "\"debutant\"",
            "\"2.1\"",
            "\"email\"",
            "\"cc_by_sa_4\"",
            "\"gros_caracteres\"",
        ] {
            assert!(json.contains(code), "{code} in {json}");
        }
        assert!(!json.contains("Débutant"));
    }

    #[test]
    fn unsafe_names_are_refused() {
        for name in [
            "../evil",
            "/etc/passwd",
            "a/../../b",
            "c:\\x",
            "fichiers//x",
            "./x",
        ] {
            assert!(!is_safe_name(name), "{name}");
        }
        assert!(is_safe_name("fichiers/abc-memo.pdf"));
    }

    fn rezipped(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn manifest_and_path() -> (Vec<u8>, String) {
        let read = read_archive(&archive()).unwrap();
        let path = read.files.keys().next().unwrap().clone();
        (serde_json::to_vec(&read.manifest).unwrap(), path)
    }

    #[test]
    fn an_entry_that_inflates_a_hundredfold_is_refused_under_the_size_limit() {
        let (manifest, path) = manifest_and_path();
        let zeros = vec![0u8; 2 * MIB as usize];
        let bomb = rezipped(&[(MANIFEST, &manifest), (&path, &zeros)]);
        assert_eq!(
            read_archive(&bomb).unwrap_err(),
            ArchiveError::Ratio(path.clone())
        );
    }

    #[test]
    fn too_many_entries_are_refused_before_any_is_read() {
        let (manifest, _) = manifest_and_path();
        let names: Vec<String> = (0..MAX_ENTRIES).map(|i| format!("fichiers/{i}")).collect();
        let mut entries: Vec<(&str, &[u8])> = vec![(MANIFEST, &manifest)];
        entries.extend(names.iter().map(|n| (n.as_str(), PDF)));
        assert_eq!(
            read_archive(&rezipped(&entries)).unwrap_err(),
            ArchiveError::TooManyEntries(MAX_ENTRIES + 1)
        );
    }

    #[test]
    fn not_a_zip_is_refused_in_french() {
        assert_eq!(
            import_archive(b"juste du texte").unwrap_err(),
            vec![ArchiveError::NotZip.to_string()]
        );
    }
}
