//! Which files the bank accepts: the type is read from the content (magic numbers, by `infer`),
//! never from the name or what the browser claims; the name's extension must agree with it; a
//! program is refused whatever its name; each family of types has its size limit.

use std::fmt;

/// The families of accepted files, each with its size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFamily {
    Document,
    Image,
    Audio,
    Video,
}

impl FileFamily {
    /// The largest file of the family, in bytes.
    pub fn max_bytes(self) -> usize {
        match self {
            FileFamily::Document | FileFamily::Image => 10 * MIB,
            FileFamily::Audio => 20 * MIB,
            FileFamily::Video => 24 * MIB,
        }
    }

    fn name(self) -> &'static str {
        match self {
            FileFamily::Document => "un document",
            FileFamily::Image => "une image",
            FileFamily::Audio => "un fichier audio",
            FileFamily::Video => "une vidéo",
        }
    }
}

const MIB: usize = 1024 * 1024;

/// The largest upload of all, for the web's body limit.
pub const MAX_UPLOAD_BYTES: usize = 24 * MIB;

/// An accepted type: its extension (as `infer` names it), its media type, its family and what
/// people call it.
struct Accepted {
    extension: &'static str,
    other_extensions: &'static [&'static str],
    media_type: &'static str,
    family: FileFamily,
    name: &'static str,
}

const ACCEPTED: &[Accepted] = &[
    accepted("pdf", &[], "application/pdf", FileFamily::Document, "PDF"),
    accepted(
        "odt",
        &[],
        "application/vnd.oasis.opendocument.text",
        FileFamily::Document,
        "texte OpenDocument (ODT)",
    ),
    accepted(
        "ods",
        &[],
        "application/vnd.oasis.opendocument.spreadsheet",
        FileFamily::Document,
        "tableur OpenDocument (ODS)",
    ),
    accepted(
        "odp",
        &[],
        "application/vnd.oasis.opendocument.presentation",
        FileFamily::Document,
        "présentation OpenDocument (ODP)",
    ),
    accepted(
        "docx",
        &[],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        FileFamily::Document,
        "document Word (DOCX)",
    ),
    accepted(
        "xlsx",
        &[],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        FileFamily::Document,
        "classeur Excel (XLSX)",
    ),
    accepted(
        "pptx",
        &[],
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        FileFamily::Document,
        "présentation PowerPoint (PPTX)",
    ),
    accepted("png", &[], "image/png", FileFamily::Image, "image PNG"),
    accepted(
        "jpg",
        &["jpeg"],
        "image/jpeg",
        FileFamily::Image,
        "image JPEG",
    ),
    accepted("gif", &[], "image/gif", FileFamily::Image, "image GIF"),
    accepted("webp", &[], "image/webp", FileFamily::Image, "image WebP"),
    accepted("mp3", &[], "audio/mpeg", FileFamily::Audio, "son MP3"),
    accepted(
        "ogg",
        &["oga", "opus"],
        "audio/ogg",
        FileFamily::Audio,
        "son Ogg",
    ),
    accepted("wav", &[], "audio/wav", FileFamily::Audio, "son WAV"),
    accepted("m4a", &[], "audio/mp4", FileFamily::Audio, "son M4A"),
    accepted("mp4", &["m4v"], "video/mp4", FileFamily::Video, "vidéo MP4"),
    accepted("webm", &[], "video/webm", FileFamily::Video, "vidéo WebM"),
];

const fn accepted(
    extension: &'static str,
    other_extensions: &'static [&'static str],
    media_type: &'static str,
    family: FileFamily,
    name: &'static str,
) -> Accepted {
    Accepted {
        extension,
        other_extensions,
        media_type,
        family,
        name,
    }
}

/// The extensions a file input may propose, for its `accept` attribute.
pub fn accept_attribute() -> String {
    ACCEPTED
        .iter()
        .flat_map(|a| std::iter::once(a.extension).chain(a.other_extensions.iter().copied()))
        .map(|extension| format!(".{extension}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// An accepted file: its media type (from the content) and family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedFile {
    pub media_type: &'static str,
    pub family: FileFamily,
    /// The name to serve it under: the name given, reduced to safe characters.
    pub file_name: String,
}

/// Why a file is refused; the message names the file, in French.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadError {
    Empty {
        name: String,
    },
    Program {
        name: String,
    },
    UnknownType {
        name: String,
    },
    WrongExtension {
        name: String,
        actual: &'static str,
    },
    TooLarge {
        name: String,
        family: FileFamily,
        bytes: usize,
    },
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadError::Empty { name } => write!(f, "Le fichier « {name} » est vide."),
            UploadError::Program { name } => write!(
                f,
                "Le fichier « {name} » est un programme exécutable, quel que soit son nom : il est refusé et n'a pas été enregistré."
            ),
            UploadError::UnknownType { name } => write!(
                f,
                "Le fichier « {name} » n'est pas d'un type accepté. Types acceptés : PDF, ODT, ODS, ODP, DOCX, XLSX, PPTX, images PNG, JPEG, GIF ou WebP, sons MP3, Ogg, WAV ou M4A, vidéos MP4 ou WebM."
            ),
            UploadError::WrongExtension { name, actual } => write!(
                f,
                "Le nom du fichier « {name} » ne correspond pas à son contenu, qui est un {actual} : renommez-le ou choisissez le bon fichier."
            ),
            UploadError::TooLarge { name, family, bytes } => write!(
                f,
                "Le fichier « {name} » pèse {} : pour {}, la limite est {}.",
                megabytes(*bytes),
                family.name(),
                megabytes(family.max_bytes())
            ),
        }
    }
}

impl std::error::Error for UploadError {}

/// A size in megabytes, as people read it (« 12,4 Mo »).
pub fn megabytes(bytes: usize) -> String {
    let tenths = (bytes as u64 * 10 + (MIB as u64 / 2)) / MIB as u64;
    if tenths.is_multiple_of(10) {
        format!("{} Mo", tenths / 10)
    } else {
        format!("{},{} Mo", tenths / 10, tenths % 10)
    }
}

/// The name a file is kept and served under: its last path segment, letters, digits, dot, dash and
/// underscore only, at most 100 characters.
pub fn safe_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = last
        .chars()
        .flat_map(char::to_lowercase)
        .map(crate::person::fold_accent)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c| c == '.' || c == '_');
    let skip = trimmed.len().saturating_sub(100);
    match &trimmed[skip..] {
        "" => "fichier".to_owned(),
        short => short.to_owned(),
    }
}

/// The starts of the programs the bank refuses whatever their name: Windows (`MZ`), Linux (ELF),
/// macOS (Mach-O, fat binaries), scripts (`#!`), and whatever else `infer` knows as an application.
fn looks_like_program(bytes: &[u8]) -> bool {
    const STARTS: &[&[u8]] = &[
        b"MZ",
        b"\x7fELF",
        b"#!",
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
        b"\xca\xfe\xba\xbe",
    ];
    STARTS.iter().any(|start| bytes.starts_with(start)) || infer::is_app(bytes)
}

/// Checks a file by its content and its name.
pub fn check_file(name: &str, bytes: &[u8]) -> Result<CheckedFile, UploadError> {
    let file_name = safe_file_name(name);
    let name = name.to_owned();
    if bytes.is_empty() {
        return Err(UploadError::Empty { name });
    }
    if looks_like_program(bytes) {
        return Err(UploadError::Program { name });
    }
    let Some(kind) = infer::get(bytes) else {
        return Err(UploadError::UnknownType { name });
    };
    let Some(accepted) = ACCEPTED.iter().find(|a| a.extension == kind.extension()) else {
        return Err(UploadError::UnknownType { name });
    };
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    let agrees =
        extension == accepted.extension || accepted.other_extensions.contains(&extension.as_str());
    if !agrees {
        return Err(UploadError::WrongExtension {
            name,
            actual: accepted.name,
        });
    }
    if bytes.len() > accepted.family.max_bytes() {
        return Err(UploadError::TooLarge {
            name,
            family: accepted.family,
            bytes: bytes.len(),
        });
    }
    Ok(CheckedFile {
        media_type: accepted.media_type,
        family: accepted.family,
        file_name,
    })
}
