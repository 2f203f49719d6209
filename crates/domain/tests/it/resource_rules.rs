//! The resource bank's rules: a session's content checks, the review's state machine and its
//! checklist, uploads judged by their content (a program named `.pdf` refused), the search's folding
//! and French stems, a version diff, a cycle's gaps, and the CRCN codes against the framework file.

use aiguillage_domain::pathway::{Theme, WorkshopLevel};
use aiguillage_domain::resource::cycle::coverage;
use aiguillage_domain::resource::diff::{diff, DiffLine, VersionSnapshot};
use aiguillage_domain::resource::review::*;
use aiguillage_domain::resource::search::{fold, fts5_query, stems};
use aiguillage_domain::resource::upload::{check_file, megabytes, safe_file_name, UploadError};
use aiguillage_domain::resource::*;
use std::collections::BTreeSet;

const CRCN: &str = include_str!("../../../../data/referentiels/pix-crcn-referentiel.json");

fn content() -> SessionContent {
    SessionContent {
        title: "  Premiers pas avec un smartphone ".into(),
        audiences: BTreeSet::from([ResourceAudience::Seniors]),
        level: WorkshopLevel::Beginner,
        duration_minutes: 90,
        competences: BTreeSet::from([Competence::DigitalEnvironment]),
        themes: BTreeSet::from([Theme::DeviceHandling]),
        prerequisites: String::new(),
        objectives: "Allumer le téléphone\r\nPasser un appel\n\n".into(),
        conductor: "Accueil\nDémonstration\nPratique".into(),
        licence: Licence::OpenLicence,
        origin: None,
    }
}

#[test]
fn a_complete_session_is_trimmed_and_accepted() {
    let checked = content().check().unwrap();
    assert_eq!(checked.title, "Premiers pas avec un smartphone");
    assert_eq!(checked.objectives, "Allumer le téléphone\nPasser un appel");
    assert_eq!(
        checked.steps(),
        vec!["Accueil", "Démonstration", "Pratique"]
    );
}

#[test]
fn every_missing_field_is_named_at_once() {
    let mut empty = content();
    empty.title = " ".into();
    empty.audiences.clear();
    empty.competences.clear();
    empty.duration_minutes = 5;
    empty.objectives.clear();
    empty.conductor = "IBAN FR76 3000 6000 0112 3456 7890 189".into();
    let errors = empty.check().unwrap_err();
    let fields: Vec<SessionField> = errors.iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        vec![
            SessionField::Title,
            SessionField::Audiences,
            SessionField::Duration,
            SessionField::Competences,
            SessionField::Objectives,
            SessionField::Conductor,
        ]
    );
    assert!(
        errors[5].message.contains("donnée personnelle"),
        "{errors:?}"
    );
}

#[test]
fn the_review_follows_its_states_and_keeps_authors_out_of_it() {
    let author = Reviewer {
        is_author: true,
        is_referent: true,
    };
    let referent = Reviewer {
        is_author: false,
        is_referent: true,
    };
    let colleague = Reviewer {
        is_author: false,
        is_referent: false,
    };
    use ReviewAction::*;
    use ReviewState::*;
    assert_eq!(Draft.after(Submit, author), Ok(Submitted));
    assert_eq!(
        Submitted.after(StartReview, author),
        Err(ReviewError::OwnSession)
    );
    assert_eq!(
        Submitted.after(StartReview, colleague),
        Err(ReviewError::NotReferent)
    );
    assert_eq!(Submitted.after(StartReview, referent), Ok(UnderReview));
    assert_eq!(
        UnderReview.after(Edit, author),
        Err(ReviewError::WrongState(UnderReview))
    );
    assert_eq!(UnderReview.after(SendBack, referent), Ok(Returned));
    assert_eq!(
        Returned.after(Submit, referent),
        Err(ReviewError::NotAuthor)
    );
    assert_eq!(Returned.after(Edit, author), Ok(Draft));
    assert_eq!(
        Draft.after(Publish, referent),
        Err(ReviewError::WrongState(Draft))
    );
    assert_eq!(UnderReview.after(Publish, referent), Ok(Published));
    assert_eq!(Published.after(Edit, author), Ok(Draft));
}

#[test]
fn publishing_needs_the_whole_checklist_and_sending_back_a_comment() {
    let mut decision = ReviewDecision {
        publish: true,
        checked: ChecklistItem::ALL[..4].to_vec(),
        comment: None,
    };
    assert_eq!(decision.check(), Err(ReviewError::ChecklistIncomplete));
    decision.checked = ChecklistItem::ALL.to_vec();
    assert_eq!(decision.check(), Ok(()));
    let back = ReviewDecision {
        publish: false,
        checked: vec![],
        comment: None,
    };
    assert_eq!(back.check(), Err(ReviewError::CommentRequired));
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";

#[test]
fn uploads_are_judged_by_their_content() {
    let pdf = check_file("Mémo séance 1.pdf", PDF).unwrap();
    assert_eq!(pdf.media_type, "application/pdf");
    assert_eq!(pdf.file_name, "memo_seance_1.pdf");
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec();
    exe.resize(512, 0);
    exe[0x3c] = 0x80;
    let refused = check_file("memo.pdf", &exe).unwrap_err();
    assert!(
        matches!(refused, UploadError::Program { .. }),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("programme exécutable"));
    let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00";
    assert!(matches!(
        check_file("guide.pdf", elf),
        Err(UploadError::Program { .. })
    ));
    assert!(matches!(
        check_file("x.pdf", b"#!/bin/sh\nrm -rf /\n"),
        Err(UploadError::Program { .. })
    ));
    let text = check_file("notes.pdf", b"juste du texte").unwrap_err();
    assert!(matches!(text, UploadError::UnknownType { .. }));
    let renamed = check_file("photo.png", PDF).unwrap_err();
    assert!(
        renamed
            .to_string()
            .contains("ne correspond pas à son contenu"),
        "{renamed}"
    );
    let mut big = PDF.to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let too_large = check_file("gros.pdf", &big).unwrap_err();
    assert_eq!(
        too_large.to_string(),
        "Le fichier « gros.pdf » pèse 10 Mo : pour un document, la limite est 10 Mo."
    );
    assert!(matches!(
        check_file("vide.pdf", b""),
        Err(UploadError::Empty { .. })
    ));
}

#[test]
fn file_names_are_made_safe() {
    assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
    assert_eq!(
        safe_file_name("C:\\Users\\a\\Guide médiateur.odt"),
        "guide_mediateur.odt"
    );
    assert_eq!(safe_file_name("\"><script>.pdf"), "script_.pdf");
    assert_eq!(safe_file_name("..."), "fichier");
    assert_eq!(megabytes(1_300_000), "1,2 Mo");
}

#[test]
fn search_folds_accents_and_reduces_words_to_french_stems() {
    assert_eq!(fold("Mél, É-mail"), "mel  e mail");
    assert_eq!(stems("smartphones"), stems("smartphone"));
    assert_eq!(stems("mél"), stems("mel"));
    assert_eq!(stems("démarches"), stems("démarche"));
    assert_eq!(fts5_query("  "), None);
    let query = fts5_query("smartphones \"OR\" NEAR").unwrap();
    assert!(query.starts_with("\"smartphon\"*"), "{query}");
    assert!(!query.contains("\"\""), "{query}");
}

#[test]
fn a_version_diff_names_the_changed_fields_and_materials() {
    let material = |title: &str| MaterialEntry {
        kind: MaterialKind::Memo,
        title: title.into(),
        licence: Licence::CcBy,
        accessibility: BTreeSet::new(),
        sha256: Some(title.repeat(2)),
        file_name: Some("m.pdf".into()),
        url: None,
    };
    let old = VersionSnapshot {
        content: content().check().unwrap(),
        materials: vec![material("Mémo"), material("Quiz")],
    };
    let mut new = old.clone();
    new.content.conductor = "Accueil\nDémonstration guidée\nPratique".into();
    new.materials = vec![material("Mémo"), material("Jeu")];
    let changes = diff(&old, &new);
    assert_eq!(changes.fields.len(), 1);
    assert_eq!(changes.fields[0].label, "Déroulé pas à pas");
    assert_eq!(
        changes.fields[0].lines,
        vec![
            DiffLine::Same("Accueil".into()),
            DiffLine::Removed("Démonstration".into()),
            DiffLine::Added("Démonstration guidée".into()),
            DiffLine::Same("Pratique".into()),
        ]
    );
    assert_eq!(changes.materials_added[0].title, "Jeu");
    assert_eq!(changes.materials_removed[0].title, "Quiz");
    assert!(diff(&old, &old).is_empty());
}

#[test]
fn a_cycle_names_the_competences_aimed_at_and_not_covered() {
    let first = BTreeSet::from([Competence::DigitalEnvironment, Competence::Interact]);
    let second = BTreeSet::from([Competence::SecureEnvironment]);
    let aimed = BTreeSet::from([
        Competence::Interact,
        Competence::ProtectData,
        Competence::SecureEnvironment,
    ]);
    let result = coverage([(&first, 90), (&second, 60)], &aimed);
    assert_eq!(result.total_minutes, 150);
    assert_eq!(result.gaps, BTreeSet::from([Competence::ProtectData]));
    assert_eq!(result.covered.len(), 3);
}

#[test]
fn the_competences_are_the_crcn_framework_s() {
    let framework: serde_json::Value = serde_json::from_str(CRCN).unwrap();
    let mut in_file = Vec::new();
    for domain in framework["domaines"].as_array().unwrap() {
        for competence in domain["competences"].as_array().unwrap() {
            in_file.push((
                competence["index"].as_str().unwrap().to_owned(),
                competence["nom"].as_str().unwrap().to_owned(),
            ));
        }
    }
    let ours: Vec<(String, String)> = Competence::ALL
        .iter()
        .map(|c| {
            (
                c.code().to_owned(),
                c.label().split_once(' ').unwrap().1.to_owned(),
            )
        })
        .collect();
    assert_eq!(ours, in_file);
}
