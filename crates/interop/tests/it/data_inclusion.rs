//! Tests of the data·inclusion reader: structures (and their services) of the fixtures
//! `data-inclusion-structures.json` and `data-inclusion-services.json` turned into places of the
//! national standard, the warnings for values without an equivalent, the rejected structures, and the
//! recognition of a data·inclusion file.
//!
//! The structures fixture holds, by line: 1 a complete v1 structure (two services), 2 a structure of a
//! source whose ids are not prefixed (RNA, overseas phone, date-time, long description, one service),
//! 3 and 4 broken structures, 5 a structure in v0 field names with unusable contact values, 6 a text.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::directory::*;
use aiguillage_interop::data_inclusion::{looks_like_data_inclusion, read_data_inclusion};
use aiguillage_interop::places_standard::{
    read_places, write_csv, write_json, PlacesFormat, PlacesReport, RowError, RowWarning,
};
use serde_json::json;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn structures() -> Vec<u8> {
    fixture("data-inclusion-structures.json")
}

fn services() -> Vec<u8> {
    fixture("data-inclusion-services.json")
}

fn full_report() -> PlacesReport {
    read_data_inclusion(&structures(), Some(&services()))
}

fn place_at(report: &PlacesReport, line: u64) -> Place {
    report
        .places
        .iter()
        .find(|(l, _)| *l == line)
        .map(|(_, place)| place.clone())
        .unwrap_or_else(|| panic!("no place at line {line}: {report:#?}"))
}

fn warnings_at(report: &PlacesReport, line: u64) -> Vec<(String, String)> {
    report
        .warnings
        .iter()
        .filter(|warning| warning.line == line)
        .map(|warning| (warning.field.clone(), warning.message.clone()))
        .collect()
}

fn warning(field: &str, message: &str) -> (String, String) {
    (field.to_string(), message.to_string())
}

fn error(line: u64, id: Option<&str>, field: &str, reason: &str) -> RowError {
    RowError {
        line,
        id: id.map(str::to_string),
        field: field.to_string(),
        reason: reason.to_string(),
    }
}

fn unmapped(di_field: &str, values: &str) -> String {
    format!(
        "valeurs « {di_field} » de data·inclusion sans équivalent dans le standard, ignorées : {values}"
    )
}

/// Structure 1 with its two services, field by field.
fn grand_parc() -> Place {
    Place {
        id: "dora--epn-grand-parc".into(),
        pivot: "12345678900017".into(),
        name: "Espace public numérique du Grand Parc".into(),
        commune: "Bordeaux".into(),
        postal_code: "33300".into(),
        insee_code: Some("33063".into()),
        address: "12 rue Pierre Trébod".into(),
        address_complement: Some("Bâtiment B, rez-de-chaussée".into()),
        latitude: Some(44.8637),
        longitude: Some(-0.5736),
        phone: Some("+33556123456".into()),
        emails: vec!["epn.grandparc@exemple.fr".into()],
        websites: vec!["https://epn-grandparc.exemple.fr".into()],
        opening_hours: Some("Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00".into()),
        summary: Some(
            "Ateliers d'initiation au numérique, accès libre à des ordinateurs et à internet, \
             aide en ligne."
                .into(),
        ),
        source: Some("data·inclusion – dora".into()),
        updated_on: "2025-03-14".into(),
        services: vec![Service::EverydayTools, Service::InternetAndEquipmentAccess],
        audiences: vec![Audience::Seniors, Audience::Youth],
        costs: vec![Cost::Free, Cost::Paid],
        programmes: vec![NationalProgramme::DigitalAdvisers],
        training_labels: vec![TrainingLabel::FabriquesDeTerritoire],
        access_modes: vec![AccessMode::WalkIn, AccessMode::Phone],
        support_modes: vec![SupportMode::Remote, SupportMode::CollectiveWorkshop],
        accessibility_sheet_url: Some(
            "https://acceslibre.beta.gouv.fr/app/33-bordeaux/a/espace-numerique/erp/epn-grand-parc/"
                .into(),
        ),
        ..Place::default()
    }
}

#[test]
fn a_complete_structure_and_its_services_land_field_by_field() {
    let report = full_report();
    assert_eq!(report.file_error, None);
    assert_eq!(place_at(&report, 1), grand_parc());
}

#[test]
fn without_services_only_the_structures_own_fields_are_mapped() {
    let report = read_data_inclusion(&structures(), None);
    let place = place_at(&report, 1);
    assert_eq!(place.services, vec![]);
    assert_eq!(place.audiences, vec![]);
    assert_eq!(place.costs, vec![]);
    assert_eq!(place.access_modes, vec![]);
    assert_eq!(place.support_modes, vec![]);
    assert_eq!(place.programmes, vec![NationalProgramme::DigitalAdvisers]);
    assert_eq!(
        warnings_at(&report, 1),
        vec![warning(
            "dispositif_programmes_nationaux",
            &unmapped("reseaux_porteurs", "« espaces-publics-numeriques »"),
        )]
    );
    assert_eq!(warnings_at(&report, 0), vec![]);
    // The v0 structure carries its own thématiques.
    assert_eq!(place_at(&report, 5).services, vec![Service::EverydayTools]);
}

#[test]
fn ids_pivots_phones_dates_and_long_descriptions_are_converted() {
    let report = full_report();
    let place = place_at(&report, 2);
    let description = "L’association accompagne les habitants de Saint-Denis";
    assert_eq!(place.id, "emplois-de-linclusion-17");
    assert_eq!(place.pivot, "W974001234");
    assert_eq!(place.phone.as_deref(), Some("+262262123456"));
    assert_eq!(place.emails, Vec::<String>::new());
    assert_eq!(place.updated_on, "2024-11-05");
    assert_eq!(
        place.source.as_deref(),
        Some("data·inclusion – emplois-de-linclusion")
    );
    assert_eq!(place.summary, None);
    assert!(place
        .detail
        .as_deref()
        .is_some_and(|detail| detail.starts_with(description) && detail.chars().count() == 300));
    assert_eq!(place.services, vec![Service::InternetAndEquipmentAccess]);
    assert_eq!(place.audiences, vec![Audience::Families]);
    assert_eq!(place.costs, vec![Cost::Free]);
    assert_eq!(place.access_modes, vec![AccessMode::Email]);
    assert_eq!(place.support_modes, vec![]);
    let no_source = place_at(&report, 5);
    assert_eq!(no_source.id, "mairie-talence");
    assert_eq!(no_source.source.as_deref(), Some("data·inclusion"));
    assert_eq!(no_source.pivot, "00000000000000");
    assert_eq!(no_source.typologies, vec!["MUNI".to_string()]);
    assert_eq!(
        no_source.programmes,
        vec![NationalProgramme::AidantsConnect]
    );
}

#[test]
fn values_without_an_equivalent_are_dropped_with_a_warning_naming_them() {
    let report = full_report();
    assert_eq!(
        warnings_at(&report, 1),
        vec![
            warning(
                "services",
                &unmapped(
                    "thematiques",
                    "« numerique--acceder-a-des-services-en-ligne », \
                     « numerique--acquerir-un-equipement », « logement-hebergement--louer-un-logement »",
                ),
            ),
            warning(
                "modalites_accompagnement",
                &unmapped("type", "« accompagnement »")
            ),
            warning(
                "modalites_acces",
                &unmapped("modes_mobilisation", "« utiliser-lien-mobilisation »"),
            ),
            warning(
                "dispositif_programmes_nationaux",
                &unmapped("reseaux_porteurs", "« espaces-publics-numeriques »"),
            ),
        ]
    );
    assert_eq!(
        warnings_at(&report, 2),
        vec![
            warning(
                "presentation_detail",
                "texte de 300 caractères, trop long pour presentation_resume (280 au plus) : \
                 placé dans presentation_detail",
            ),
            warning(
                "services",
                &unmapped(
                    "thematiques",
                    "« difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives »",
                ),
            ),
            warning(
                "publics_specifiquement_adresses",
                &unmapped("publics", "« personnes-en-situation-de-handicap »"),
            ),
        ]
    );
}

#[test]
fn broken_structures_are_rejected_with_exact_line_field_and_reason() {
    let report = full_report();
    assert_eq!(
        report.rejected,
        vec![
            error(
                3,
                Some("soliguide--4321"),
                "code_postal",
                "code postal « 3300 » invalide : 5 chiffres attendus",
            ),
            error(
                3,
                Some("soliguide--4321"),
                "code_insee",
                "code INSEE « 33O63 » invalide : 5 caractères attendus, chiffres (2A ou 2B pour la Corse)",
            ),
            error(3, Some("soliguide--4321"), "adresse", "champ obligatoire absent"),
            error(4, Some("dora--sans-nom"), "nom", "champ obligatoire absent"),
            error(
                4,
                Some("dora--sans-nom"),
                "latitude",
                "latitude « 145.2 » hors de [-90, 90]",
            ),
            error(
                4,
                Some("dora--sans-nom"),
                "date_maj",
                "date « 2024-02-30 » invalide : date réelle au format AAAA-MM-JJ attendue",
            ),
            error(6, None, "", "objet JSON attendu, texte trouvé"),
        ]
    );
    let lines: Vec<u64> = report.places.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, vec![1, 2, 5]);
}

#[test]
fn unusable_optional_values_are_dropped_with_a_warning_not_a_rejection() {
    let report = full_report();
    let place = place_at(&report, 5);
    assert_eq!(place.phone, None);
    assert_eq!(place.emails, Vec::<String>::new());
    assert_eq!(place.websites, Vec::<String>::new());
    assert_eq!(
        place.summary.as_deref(),
        Some("Permanences numériques à la mairie.")
    );
    assert_eq!(
        warnings_at(&report, 5),
        vec![
            warning(
                "pivot",
                "SIRET « 1234 » invalide : 14 chiffres attendus ; ignoré"
            ),
            warning(
                "telephone",
                "téléphone « 3939 » non reconnu : numéro français à 10 chiffres ou format \
                 international attendu ; ignoré",
            ),
            warning(
                "courriels",
                "courriel « accueil[at]talence.exemple.fr » invalide : adresse avec un « @ » \
                 attendue ; ignoré",
            ),
            warning(
                "site_web",
                "adresse web « www.talence.exemple.fr » invalide : doit commencer par http:// ou \
                 https:// ; ignoré",
            ),
            warning(
                "services",
                &unmapped(
                    "thematiques",
                    "« numerique--s-equiper-en-materiel-informatique »"
                ),
            ),
        ]
    );
}

#[test]
fn services_link_by_structure_id_and_source_and_the_others_are_reported() {
    let report = full_report();
    assert_eq!(
        warnings_at(&report, 0),
        vec![
            warning(
                "structure_id",
                "service n° 6 du fichier des services : objet JSON avec un « structure_id » \
                 attendu ; ignoré",
            ),
            warning(
                "structure_id",
                "service « dora--aide-emploi » (n° 4 du fichier des services) : structure « 17 » \
                 de la source « dora » absente du fichier des structures ; service ignoré",
            ),
        ]
    );
    // The dora service pointing at "17" did not reach the emplois-de-linclusion structure "17".
    let line_2 = warnings_at(&report, 2);
    assert!(!line_2
        .iter()
        .any(|(_, message)| message.contains("trouver-un-emploi")));
}

#[test]
fn duplicate_ids_and_values_of_the_wrong_type_reject_the_structure() {
    let structure = json!({
        "source": "dora", "id": "dora--1", "nom": "Lieu", "commune": "Pau", "code_postal": "64000",
        "adresse": "1 place Royale", "date_maj": "2024-04-02"
    });
    let mut wrong_types = structure.clone();
    wrong_types["id"] = json!("dora--2");
    wrong_types["code_postal"] = json!(64000);
    wrong_types["latitude"] = json!("43.29");
    wrong_types["longitude"] = json!(-0.37);
    let file = json!([structure, structure, wrong_types]).to_string();
    let report = read_data_inclusion(file.as_bytes(), None);
    assert_eq!(report.places.len(), 1);
    assert_eq!(
        report.rejected,
        vec![
            error(
                2,
                Some("dora--1"),
                "id",
                "identifiant « dora--1 » déjà utilisé ligne 1"
            ),
            error(
                3,
                Some("dora--2"),
                "code_postal",
                "valeur JSON de type nombre : texte attendu"
            ),
            error(
                3,
                Some("dora--2"),
                "latitude",
                "valeur JSON de type texte : nombre attendu"
            ),
        ]
    );
}

#[test]
fn malformed_json_or_anything_but_an_array_is_a_file_error() {
    let file_error = |structures: &[u8], services: Option<&[u8]>| {
        let report = read_data_inclusion(structures, services);
        assert!(report.places.is_empty() && report.rejected.is_empty());
        report.file_error
    };
    assert_eq!(
        file_error(b"[{\"id\": \"a\",}]", None).as_deref(),
        Some("fichier des structures : JSON invalide ligne 1, colonne 13")
    );
    assert_eq!(
        file_error(b"{\"id\": \"a\"}", None).as_deref(),
        Some("fichier des structures : tableau JSON d'objets attendu, objet trouvé")
    );
    assert_eq!(
        file_error(b"  \n", None).as_deref(),
        Some("fichier des structures vide")
    );
    assert_eq!(
        file_error(&structures(), Some(b"[{\"id\": ")).as_deref(),
        Some("fichier des services : JSON invalide ligne 1, colonne 8")
    );
    assert_eq!(
        file_error(&structures(), Some(b"\"services\"")).as_deref(),
        Some("fichier des services : tableau JSON d'objets attendu, texte trouvé")
    );
}

#[test]
fn every_accepted_place_passes_the_standard_reader_unchanged() {
    let report = full_report();
    let places: Vec<Place> = report.places.iter().map(|(_, p)| p.clone()).collect();
    let read_back = read_places(
        write_json(&places).to_string().as_bytes(),
        PlacesFormat::Json,
    );
    assert_eq!(read_back.rejected, vec![]);
    assert_eq!(read_back.warnings, Vec::<RowWarning>::new());
    let read_back: Vec<Place> = read_back.places.into_iter().map(|(_, p)| p).collect();
    assert_eq!(read_back, places);
}

#[test]
fn data_inclusion_structures_are_recognised_and_nothing_else() {
    assert!(looks_like_data_inclusion(&structures()));
    assert!(looks_like_data_inclusion(
        b"\xEF\xBB\xBF [{\"_di_surrogate_id\": \"x\", \"id\": \"a\"}, 1, 2"
    ));
    // The services file, the standard's JSON and CSV forms, and other content are not.
    assert!(!looks_like_data_inclusion(&services()));
    let standard = vec![place_at(&full_report(), 1)];
    assert!(!looks_like_data_inclusion(
        write_json(&standard).to_string().as_bytes()
    ));
    assert!(!looks_like_data_inclusion(write_csv(&standard).as_bytes()));
    assert!(!looks_like_data_inclusion(
        br#"[{"id": "x", "pivot": "12345678900017", "nom": "Lieu", "siret": "12345678900017"}]"#
    ));
    assert!(!looks_like_data_inclusion(b"[]"));
    assert!(!looks_like_data_inclusion(b"[\"siret\"]"));
    assert!(!looks_like_data_inclusion(
        b"{\"siret\": \"12345678900017\"}"
    ));
    assert!(!looks_like_data_inclusion(b"id_fs,lib_fs\n1,Maison"));
}
