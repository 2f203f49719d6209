//! Tests of the national places standard (schéma des lieux de médiation numérique v1.0.2): the official
//! example, a file of deliberately broken rows, v0 conversions, JSON, round trips and format detection,
//! checked against the fixtures in `tests/fixtures/` (see its SOURCE.md).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::directory::*;
use aiguillage_interop::places_standard::{
    detect_format, read_places, write_csv, write_json, PlacesFormat, PlacesReport, RowError,
    RowWarning, FIELDS, REQUIRED_FIELDS,
};
use serde_json::{json, Value};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn schema() -> Value {
    serde_json::from_slice(&fixture("schema.json")).expect("schema.json is JSON")
}

fn error(line: u64, id: Option<&str>, field: &str, reason: &str) -> RowError {
    RowError {
        line,
        id: id.map(str::to_string),
        field: field.to_string(),
        reason: reason.to_string(),
    }
}

/// The official example as a place, field by field.
fn official_example() -> Place {
    Place {
        id: "structure-1".into(),
        pivot: "43493312300029".into(),
        name: "Anonymal".into(),
        commune: "Reims".into(),
        postal_code: "51100".into(),
        insee_code: Some("51454".into()),
        address: "12 BIS RUE DE LECLERCQ".into(),
        address_complement: Some("Le patio du bois de l'Aulne".into()),
        latitude: Some(43.52609),
        longitude: Some(5.41423),
        typologies: vec!["TIERS_LIEUX".into(), "ASSO".into()],
        phone: Some("+33180059880".into()),
        emails: vec![
            "contact@laquincaillerie.tl".into(),
            "responsable@laquincaillerie.tl".into(),
        ],
        websites: vec![
            "https://www.laquincaillerie.tl/".into(),
            "https://m.facebook.com/laquincaillerienumerique/".into(),
        ],
        opening_hours: Some("Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00".into()),
        summary: Some(
            "Notre association propose des formations aux outils numériques à destination des \
             personnes âgées."
                .into(),
        ),
        detail: Some(
            "Notre parcours d'initiation permet l'acquisition de compétences numériques de base. \
             Nous proposons également un accompagnement à destination des personnes déjà initiées \
             qui souhaiteraient approfondir leurs connaissances. Du matériel informatique est en \
             libre accès pour nos adhérents tous les après-midis. En plus de d'accueillir les \
             personnes dans notre lieu en semaine (sur rendez-vous), nous assurons une permanence \
             le samedi matin dans la médiathèque XX."
                .into(),
        ),
        source: Some("Hubik".into()),
        mobility: vec![Mobility::Itinerant],
        parent_structure: Some("SIRET de la ville pour une bibliothèque.".into()),
        updated_on: "2024-04-02".into(),
        services: vec![
            Service::EverydayTools,
            Service::ProfessionalInsertion,
            Service::LeisureAndCreation,
        ],
        audiences: vec![Audience::Youth, Audience::Women],
        specific_support: vec![
            SpecificSupport::Deafness,
            SpecificSupport::Illiteracy,
            SpecificSupport::EnglishLanguage,
        ],
        costs: vec![Cost::FreeUnderConditions, Cost::Paid],
        programmes: vec![
            NationalProgramme::AidantsConnect,
            NationalProgramme::DigitalAdvisers,
            NationalProgramme::RedCross,
        ],
        training_labels: vec![TrainingLabel::MonEspaceSante, TrainingLabel::ArniaMednumBfc],
        other_labels: vec!["Label et la bête".into()],
        access_modes: vec![AccessMode::WalkIn, AccessMode::Phone],
        support_modes: vec![
            SupportMode::CollectiveWorkshop,
            SupportMode::Remote,
            SupportMode::Autonomous,
            SupportMode::Individual,
        ],
        accessibility_sheet_url: Some(
            "https://acceslibre.beta.gouv.fr/app/29-lampaul-plouarzel/a/bibliotheque-mediatheque/erp/mediatheque-13/"
                .into(),
        ),
        booking_url: Some("https://www.rdv-solidarites.fr/".into()),
        declared_help_style: None,
    }
}

/// A place using every label of every enumeration, and texts the CSV must quote.
fn every_label_place() -> Place {
    Place {
        id: "lieu-2".into(),
        pivot: "W751234567".into(),
        name: "Café \"numérique\", atelier & bus".into(),
        commune: "Saint-Denis".into(),
        postal_code: "97400".into(),
        insee_code: Some("2A004".into()),
        address: "1 rue de la Paix".into(),
        address_complement: None,
        latitude: Some(-20.882_345_678_9),
        longitude: Some(55.450_1),
        typologies: vec!["BIB".into()],
        phone: Some("+262262123456".into()),
        emails: vec!["accueil@exemple.re".into()],
        websites: vec!["http://exemple.re/page;jsessionid=1".into()],
        opening_hours: None,
        summary: None,
        detail: Some("Deux lignes :\nla seconde, avec une virgule".into()),
        source: None,
        mobility: Mobility::ALL.to_vec(),
        parent_structure: None,
        updated_on: "2024-02-29".into(),
        services: Service::ALL.to_vec(),
        audiences: Audience::ALL.to_vec(),
        specific_support: SpecificSupport::ALL.to_vec(),
        costs: Cost::ALL.to_vec(),
        programmes: NationalProgramme::ALL.to_vec(),
        training_labels: TrainingLabel::ALL.to_vec(),
        other_labels: vec!["Label A".into(), "Label B".into()],
        access_modes: AccessMode::ALL.to_vec(),
        support_modes: SupportMode::ALL.to_vec(),
        accessibility_sheet_url: None,
        booking_url: Some("https://rdv.exemple.re/".into()),
        declared_help_style: None,
    }
}

fn read_csv_text(text: &str) -> PlacesReport {
    read_places(text.as_bytes(), PlacesFormat::Csv)
}

fn read_json_value(value: &Value) -> PlacesReport {
    read_places(value.to_string().as_bytes(), PlacesFormat::Json)
}

fn places_of(report: &PlacesReport) -> Vec<Place> {
    report
        .places
        .iter()
        .map(|(_, place)| place.clone())
        .collect()
}

#[test]
fn the_official_example_reads_without_error_into_the_right_fields() {
    let report = read_places(&fixture("exemple-valide.csv"), PlacesFormat::Csv);
    assert_eq!(report.file_error, None);
    assert_eq!(report.rejected, vec![]);
    assert_eq!(report.warnings, vec![]);
    assert_eq!(report.places, vec![(2, official_example())]);
}

#[test]
fn fields_and_required_fields_are_those_of_schema_json_in_its_order() {
    let schema = schema();
    let fields = schema["fields"].as_array().expect("fields");
    let names: Vec<&str> = fields.iter().filter_map(|f| f["name"].as_str()).collect();
    assert_eq!(names, FIELDS);
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f["constraints"]["required"] == json!(true))
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(required, REQUIRED_FIELDS);
}

#[test]
fn every_label_of_every_schema_pattern_is_accepted() {
    let schema = schema();
    let mut row = json!({
        "id": "x", "pivot": "43493312300029", "nom": "Lieu", "commune": "Reims",
        "code_postal": "51100", "adresse": "1 rue A", "date_maj": "2024-04-02"
    });
    let mut enumerated = 0;
    for field in schema["fields"].as_array().expect("fields") {
        let pattern = field["constraints"]["pattern"].as_str().unwrap_or_default();
        let Some(inner) = pattern
            .strip_prefix("(?:(?:^|\\|)(")
            .and_then(|rest| rest.strip_suffix("))+$"))
        else {
            continue;
        };
        let labels = inner.replace("\\(", "(").replace("\\)", ")");
        row[field["name"].as_str().expect("name")] = json!(labels);
        enumerated += 1;
    }
    assert_eq!(enumerated, 9);
    let report = read_json_value(&json!([row]));
    assert_eq!(report.rejected, vec![]);
    let place = &report.places[0].1;
    assert_eq!(place.services, Service::ALL);
    assert_eq!(place.training_labels, TrainingLabel::ALL);
    assert_eq!(place.programmes, NationalProgramme::ALL);
    assert_eq!(place.specific_support, SpecificSupport::ALL);
    assert_eq!(place.access_modes, AccessMode::ALL);
}

#[test]
fn written_csv_has_the_32_columns_and_reads_back_the_same_places() {
    let places = vec![official_example(), every_label_place()];
    let csv = write_csv(&places);
    let header = csv.lines().next().expect("header");
    assert_eq!(header, FIELDS.join(","));
    assert!(csv.contains("\"Café \"\"numérique\"\", atelier & bus\""));
    let report = read_csv_text(&csv);
    assert_eq!(report.rejected, vec![]);
    assert_eq!(report.file_error, None);
    assert_eq!(places_of(&report), places);
    // The second record starts on line 3: the first one is on a single line.
    assert_eq!(report.places[1].0, 3);
}

#[test]
fn written_json_omits_absent_fields_and_reads_back_the_same_places() {
    let places = vec![official_example(), every_label_place()];
    let json = write_json(&places);
    let second = &json[1];
    assert_eq!(second["latitude"], json!("-20.8823456789"));
    assert_eq!(second["itinerance"], json!("Itinérant|Fixe"));
    assert!(second.get("complement_adresse").is_none());
    assert_eq!(second.as_object().map(|o| o.len()), Some(26));
    let report = read_json_value(&json);
    assert_eq!(report.rejected, vec![]);
    assert_eq!(places_of(&report), places);
}

#[test]
fn rows_that_cannot_be_a_place_are_rejected_each_with_its_exact_reasons() {
    let report = read_places(&fixture("broken.csv"), PlacesFormat::Csv);
    assert_eq!(report.file_error, None);
    let expected = vec![
        error(4, Some("sans-nom"), "nom", "champ obligatoire absent"),
        error(
            6,
            Some("service-inconnu"),
            "services",
            "aucun service utilisable : le lieu n'offrirait rien vers quoi orienter",
        ),
        error(
            10,
            Some("date-fausse"),
            "date_maj",
            "date « 2024-02-30 » invalide : date réelle au format AAAA-MM-JJ attendue",
        ),
        error(
            13,
            Some("bon-1"),
            "id",
            "identifiant « bon-1 » déjà utilisé ligne 2",
        ),
    ];
    assert_eq!(report.rejected, expected);
}

#[test]
fn the_rest_of_a_broken_file_comes_through_repaired_or_without_what_breaks_the_standard() {
    let report = read_places(&fixture("broken.csv"), PlacesFormat::Csv);
    let lines_and_ids: Vec<(u64, &str)> = report
        .places
        .iter()
        .map(|(line, place)| (*line, place.id.as_str()))
        .collect();
    assert_eq!(
        lines_and_ids,
        vec![
            (2, "bon-1"),
            (5, "cp-faux"),
            (7, "latitude-fausse"),
            (8, "longitude-seule"),
            (9, "separateur"),
            (11, "deux-erreurs"),
            (12, "bon-2")
        ]
    );
    let place = |id: &str| {
        &report
            .places
            .iter()
            .find(|(_, place)| place.id == id)
            .expect("accepted")
            .1
    };
    assert_eq!(
        place("bon-1").detail.as_deref(),
        Some("Accueil sur deux lignes :\nle mardi et le jeudi")
    );
    assert_eq!(place("cp-faux").postal_code, "04910");
    assert_eq!(place("latitude-fausse").latitude, None);
    assert_eq!(place("latitude-fausse").longitude, None);
    assert_eq!(
        place("separateur").services,
        vec![
            Service::AdministrativeProcedures,
            Service::ProfessionalInsertion
        ]
    );
    assert_eq!(place("deux-erreurs").pivot, "");
    assert_eq!(place("deux-erreurs").updated_on, "2024-04-02");
    assert_eq!(place("bon-2").latitude, Some(-20.8823));
    let warnings_of = |line: u64| -> Vec<(&str, &str)> {
        report
            .warnings
            .iter()
            .filter(|w| w.line == line)
            .map(|w| (w.field.as_str(), w.message.as_str()))
            .collect()
    };
    assert!(warnings_of(2).is_empty());
    assert_eq!(
        warnings_of(5)[0],
        (
            "code_postal",
            "code postal « 4910 » complété en « 04910 » (zéro initial perdu)"
        )
    );
    assert_eq!(
        warnings_of(7)[..2],
        [
            (
                "latitude",
                "latitude « 91.2 » hors de [-90, 90] : valeur laissée de côté"
            ),
            (
                "latitude",
                "une seule des deux coordonnées est utilisable : position laissée de côté, le centre de la commune est utilisé"
            )
        ]
    );
    assert_eq!(
        warnings_of(11)[..2],
        [
            (
                "pivot",
                "pivot « 123 » invalide : 9 à 14 lettres ou chiffres attendus (SIRET ou RNA) : valeur laissée de côté"
            ),
            ("date_maj", "date « 02/04/2024 » écrite « 2024-04-02 »")
        ]
    );
}

#[test]
fn v0_semicolon_lists_and_old_labels_are_converted_with_a_warning() {
    let csv = "id,pivot,nom,commune,code_postal,adresse,date_maj,services,courriels,\
               dispositif_programmes_nationaux,publics_accueillis\n\
               v0-1,43493312300029,Lieu,Reims,51100,1 rue A,2022-06-02,\
               Prendre en main un ordinateur;Utiliser le numérique au quotidien;Accéder à du matériel,\
               a@exemple.fr;b@exemple.fr,CNFS|Point d’accès numérique CAF,Adultes\n";
    let report = read_csv_text(csv);
    assert_eq!(report.rejected, vec![]);
    let place = &report.places[0].1;
    assert_eq!(
        place.services,
        vec![Service::EverydayTools, Service::InternetAndEquipmentAccess]
    );
    assert_eq!(place.emails, vec!["a@exemple.fr", "b@exemple.fr"]);
    assert_eq!(
        place.programmes,
        vec![
            NationalProgramme::DigitalAdvisers,
            NationalProgramme::CafDigitalAccessPoint
        ]
    );
    let warning = |line, field: &str, message: &str| RowWarning {
        line,
        field: field.to_string(),
        message: message.to_string(),
    };
    assert_eq!(
        report.warnings,
        vec![
            warning(1, "publics_accueillis", "colonne inconnue du standard, ignorée"),
            warning(
                2,
                "courriels",
                "ancien format (v0) converti : séparateur « ; » remplacé par « | »"
            ),
            warning(
                2,
                "services",
                "ancien format (v0) converti : séparateur « ; » remplacé par « | » ; \
                 « Prendre en main un ordinateur » remplacé par « Maîtrise des outils numériques du quotidien » ; \
                 « Utiliser le numérique au quotidien » remplacé par « Maîtrise des outils numériques du quotidien » ; \
                 « Accéder à du matériel » remplacé par « Accès internet et matériel informatique »"
            ),
            warning(
                2,
                "dispositif_programmes_nationaux",
                "ancien format (v0) converti : « CNFS » remplacé par « Conseillers numériques » ; \
                 « Point d’accès numérique CAF » remplacé par « Point d'accès numérique CAF »"
            ),
        ]
    );
}

#[test]
fn a_v0_value_without_equivalent_is_left_out_with_a_warning_and_the_row_kept() {
    let csv = "id,pivot,nom,commune,code_postal,adresse,date_maj,publics_specifiquement_adresses,services\n\
               v0-2,43493312300029,Lieu,Reims,51100,1 rue A,2022-06-02,Seniors (+ 65 ans);Adultes;Surdité,\
               approfondir ma culture numerique|Promouvoir la citoyenneté numérique\n";
    let report = read_csv_text(csv);
    assert_eq!(report.rejected, vec![]);
    let place = &report.places[0].1;
    assert_eq!(place.audiences, vec![Audience::Seniors]);
    assert_eq!(place.specific_support, vec![SpecificSupport::Deafness]);
    assert_eq!(place.services, vec![Service::UnderstandingDigitalWorld]);
    let messages: Vec<&str> = report.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "ancien format (v0) converti : « approfondir ma culture numerique » remplacé par \
             « Compréhension du monde numérique » ; « Promouvoir la citoyenneté numérique » remplacé par \
             « Compréhension du monde numérique »",
            "« Adultes » n'a pas d'équivalent dans le standard v1 : valeur laissée de côté",
            "ancien format (v0) converti : séparateur « ; » remplacé par « | » ; \
             « Seniors (+ 65 ans) » remplacé par « Seniors »",
            "« Surdité » déplacé vers prise_en_charge_specifique",
        ]
    );
}

#[test]
fn acting_on_the_persons_behalf_becomes_individual_help_and_the_offers_help_style() {
    let csv = "id,pivot,nom,commune,code_postal,adresse,date_maj,services,modalites_accompagnement\n\
               v0-3,43493312300029,Lieu,Reims,51100,1 rue A,2022-06-02,Accompagner les démarches de santé,\
               A ma place : une personne habilitée fait les démarches à ma place\n";
    let report = read_csv_text(csv);
    let place = &report.places[0].1;
    assert_eq!(place.services, vec![Service::AdministrativeProcedures]);
    assert_eq!(place.support_modes, vec![SupportMode::Individual]);
    assert_eq!(place.declared_help_style, Some(HelpStyle::ActsOnBehalf));
    assert_eq!(
        Offer::mirroring(place).facts.help_style,
        Some(HelpStyle::ActsOnBehalf)
    );
}

#[test]
fn rows_without_what_a_place_needs_are_rejected_with_a_precise_reason() {
    let cases: Vec<(&str, Value, &str)> = vec![
        ("nom", json!("   "), "champ obligatoire absent"),
        (
            "code_postal",
            json!(51100),
            "valeur JSON de type nombre : texte attendu",
        ),
        (
            "code_postal",
            json!("511"),
            "code postal « 511 » invalide : 5 chiffres attendus",
        ),
        ("adresse", json!(""), "champ obligatoire absent"),
        (
            "date_maj",
            json!("2023-02-29"),
            "date « 2023-02-29 » invalide : date réelle au format AAAA-MM-JJ attendue",
        ),
        (
            "nom",
            json!(["Lieu"]),
            "valeur JSON de type tableau : texte attendu",
        ),
        (
            "services",
            json!("Cours de cuisine"),
            "aucun service utilisable : le lieu n'offrirait rien vers quoi orienter",
        ),
    ];
    for (field, value, reason) in cases {
        let mut row = json!({
            "id": "base", "pivot": "43493312300029", "nom": "Lieu", "commune": "Reims",
            "code_postal": "51100", "adresse": "1 rue A", "date_maj": "2024-04-02"
        });
        row[field] = value;
        let report = read_json_value(&json!([row]));
        assert_eq!(report.places, vec![], "{field}");
        assert_eq!(
            report.rejected,
            vec![error(1, Some("base"), field, reason)],
            "{field}"
        );
    }
}

#[test]
fn values_that_break_the_standard_are_repaired_or_left_out_and_the_row_kept() {
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "code_insee",
            json!("20004"),
            "code INSEE « 20004 » invalide : 5 caractères attendus, chiffres (2A ou 2B pour la Corse) : valeur laissée de côté",
        ),
        (
            "telephone",
            json!("01 80 05 98 80"),
            "téléphone « 01 80 05 98 80 » écrit « +33180059880 »",
        ),
        (
            "telephone",
            json!("appeler la mairie"),
            "téléphone « appeler la mairie » non reconnu : 10 chiffres commençant par 0, ou + et l'indicatif du pays : valeur laissée de côté",
        ),
        (
            "courriels",
            json!("contact-at-exemple.fr"),
            "courriel « contact-at-exemple.fr » invalide : adresse avec un « @ » attendue : valeur laissée de côté",
        ),
        (
            "site_web",
            json!(["https://ok.fr/", "www.exemple.fr"]),
            "adresse web « www.exemple.fr » complétée en « https://www.exemple.fr »",
        ),
        (
            "presentation_resume",
            json!("a".repeat(281)),
            "résumé trop long : 281 caractères pour 280 au plus : valeur laissée de côté",
        ),
        (
            "itinerance",
            json!("Mobile"),
            "itinérance inconnue « Mobile » : valeur laissée de côté",
        ),
        (
            "frais_a_charge",
            json!("Gratuit|Adhésion"),
            "ancien format (v0) converti : « Adhésion » remplacé par « Payant »",
        ),
        (
            "modalites_acces",
            json!(["Se présenter", 3]),
            "tableau JSON contenant un nombre : textes attendus : valeur laissée de côté",
        ),
        (
            "pivot",
            json!(""),
            "",
        ),
    ];
    for (field, value, message) in cases {
        let mut row = json!({
            "id": "base", "pivot": "43493312300029", "nom": "Lieu", "commune": "Reims",
            "code_postal": "51100", "adresse": "1 rue A", "date_maj": "2024-04-02",
            "services": "Aide aux démarches administratives"
        });
        row[field] = value;
        let report = read_json_value(&json!([row]));
        assert_eq!(report.rejected, vec![], "{field}");
        assert_eq!(report.places.len(), 1, "{field}");
        let messages: Vec<&str> = report.warnings.iter().map(|w| w.message.as_str()).collect();
        let expected: Vec<&str> = Some(message)
            .filter(|m| !m.is_empty())
            .into_iter()
            .collect();
        assert_eq!(messages, expected, "{field}");
    }
}

#[test]
fn a_row_without_id_gets_the_same_derived_id_at_every_reading() {
    let row = json!({
        "pivot": "43493312300029", "nom": "Lieu", "commune": "Reims",
        "code_postal": "51100", "adresse": "1 rue A", "date_maj": "2024-04-02",
        "services": "Aide aux démarches administratives"
    });
    let first = read_json_value(&json!([row.clone()]));
    let second = read_json_value(&json!([row]));
    let id = &first.places[0].1.id;
    assert!(id.starts_with("sans-id-"), "{id}");
    assert_eq!(id, &second.places[0].1.id);
    assert_eq!(first.warnings[0].field, "id");
}

#[test]
fn coordinates_are_numbers_in_range_given_together() {
    let base = json!({
        "id": "c", "pivot": "43493312300029", "nom": "Lieu", "commune": "Reims",
        "code_postal": "51100", "adresse": "1 rue A", "date_maj": "2024-04-02",
        "services": "Aide aux démarches administratives"
    });
    let with = |latitude: Value, longitude: Value| {
        let mut row = base.clone();
        row["latitude"] = latitude;
        row["longitude"] = longitude;
        let report = read_json_value(&json!([row]));
        assert_eq!(report.rejected, vec![]);
        let place = &report.places[0].1;
        let warnings: Vec<String> = report.warnings.iter().map(|w| w.message.clone()).collect();
        ((place.latitude, place.longitude), warnings)
    };
    assert_eq!(
        with(json!(49.25), json!(-4.03)),
        ((Some(49.25), Some(-4.03)), vec![])
    );
    let (position, warnings) = with(json!("43,5"), json!("4.0"));
    assert_eq!(position, (Some(43.5), Some(4.0)));
    assert_eq!(
        warnings,
        vec!["virgule décimale de « 43,5 » remplacée par un point"]
    );
    let (position, warnings) = with(json!("49"), json!("-181"));
    assert_eq!(position, (None, None));
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    let (position, _) = with(json!("NaN"), json!(null));
    assert_eq!(position, (None, None));
}

#[test]
fn json_lines_are_object_indexes_and_non_objects_are_rejected() {
    let good = json!({
        "id": "j", "pivot": "43493312300029", "nom": "Lieu", "commune": "Reims",
        "code_postal": "51100", "adresse": "1 rue A", "date_maj": "2024-04-02",
        "services": ["Aide aux démarches administratives"], "ancien_champ": "x"
    });
    let report = read_json_value(&json!(["pas un objet", good]));
    assert_eq!(
        report.rejected,
        vec![error(1, None, "", "objet JSON attendu, texte trouvé")]
    );
    assert_eq!(report.places.len(), 1);
    assert_eq!(report.places[0].0, 2);
    assert_eq!(
        report.places[0].1.services,
        vec![Service::AdministrativeProcedures]
    );
    assert_eq!(report.warnings[0].field, "ancien_champ");
}

#[test]
fn unreadable_files_are_file_errors() {
    let cases: Vec<(&[u8], PlacesFormat, &str)> = vec![
        (
            b"id,nom,commune,code_postal,adresse\nx,Lieu,Reims,51100,1 rue A\n",
            PlacesFormat::Csv,
            "colonnes obligatoires absentes de l'en-tête : date_maj",
        ),
        (
            b"id,pivot,nom,commune,code_postal,adresse,date_maj,nom\n",
            PlacesFormat::Csv,
            "colonne « nom » en double dans l'en-tête",
        ),
        (
            b"[{\"nom\": \"Caf\xe9\"}]",
            PlacesFormat::Json,
            "fichier non UTF-8 : octet invalide ligne 1 (octet n° 14) ; enregistrez-le en UTF-8",
        ),
        (b"  \n", PlacesFormat::Csv, "fichier vide"),
        (
            b"{\"id\": \"x\"}",
            PlacesFormat::Json,
            "tableau JSON d'objets attendu",
        ),
        (
            b"[{\"id\": }]",
            PlacesFormat::Json,
            "JSON invalide ligne 1, colonne 9",
        ),
    ];
    for (bytes, format, reason) in cases {
        let report = read_places(bytes, format);
        assert_eq!(report.file_error.as_deref(), Some(reason));
        assert_eq!(report.places, vec![]);
    }
}

#[test]
fn an_excel_file_with_semicolons_in_windows_1252_is_read_with_warnings() {
    let mut bytes = b"id;pivot;nom;commune;code_postal;adresse;date_maj;services\n".to_vec();
    bytes.extend_from_slice(b"x;43493312300029;M\xe9diath\xe8que;Reims;51100;1 rue A;02/04/2024;");
    bytes.extend_from_slice(b"Aide aux d\xe9marches administratives\n");
    let report = read_places(&bytes, PlacesFormat::Csv);
    assert_eq!(report.file_error, None);
    assert_eq!(report.rejected, vec![]);
    let place = &report.places[0].1;
    assert_eq!(place.name, "Médiathèque");
    assert_eq!(place.services, vec![Service::AdministrativeProcedures]);
    let file_warnings: Vec<&str> = report
        .warnings
        .iter()
        .filter(|w| w.line == 1)
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        file_warnings,
        vec![
            "fichier non UTF-8 lu comme Windows-1252 (enregistrement Excel) : vérifiez les accents",
            "colonnes séparées par « ; » (enregistrement Excel) au lieu de la virgule du standard : fichier lu quand même"
        ]
    );
}

#[test]
fn a_bom_is_stripped_and_columns_may_come_in_any_order() {
    let csv = "\u{feff}date_maj,nom,id,adresse,pivot,code_postal,commune,services\n\
               2024-04-02,Lieu,b,1 rue A,43493312300029,51100,Reims,Aide aux démarches administratives\n";
    let report = read_csv_text(csv);
    assert_eq!(report.rejected, vec![]);
    assert_eq!(report.warnings, vec![]);
    let place = &report.places[0].1;
    assert_eq!(
        (
            place.id.as_str(),
            place.name.as_str(),
            place.updated_on.as_str()
        ),
        ("b", "Lieu", "2024-04-02")
    );
}

#[test]
fn the_format_is_detected_from_the_first_bytes() {
    assert_eq!(
        detect_format(&fixture("exemple-valide.csv")),
        Some(PlacesFormat::Csv)
    );
    assert_eq!(
        detect_format(write_csv(&[]).as_bytes()),
        Some(PlacesFormat::Csv)
    );
    assert_eq!(
        detect_format(b"\xEF\xBB\xBFid;pivot;nom\n"),
        Some(PlacesFormat::Csv)
    );
    let json = write_json(&[official_example()]).to_string();
    assert_eq!(detect_format(json.as_bytes()), Some(PlacesFormat::Json));
    assert_eq!(
        detect_format(b"\xEF\xBB\xBF\n  [ ]"),
        Some(PlacesFormat::Json)
    );
    assert_eq!(detect_format(b"code,libelle\n01,Ain\n"), None);
    assert_eq!(detect_format(b"   "), None);
    assert_eq!(detect_format(b""), None);
}

#[test]
fn cells_read_as_formulas_are_quoted_and_read_back_with_their_quote_while_numbers_are_untouched() {
    let mut place = official_example();
    place.name = "=HYPERLINK(\"http://x\",\"Lieu\")".into();
    place.detail = Some("@SUM(A1:A9) puis -2+3".into());
    place.phone = Some("+33180059880".into());
    let csv = write_csv(std::slice::from_ref(&place));
    let line = csv.lines().nth(1).expect("row");
    assert!(
        line.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"Lieu\"\")\""),
        "{line}"
    );
    assert!(line.contains("'@SUM(A1:A9) puis -2+3"), "{line}");
    assert!(
        line.contains(",+33180059880,"),
        "the phone stays readable: {line}"
    );
    assert!(line.contains(",43.52609,5.41423,"), "{line}");

    let report = read_csv_text(&csv);
    assert_eq!(report.rejected, vec![]);
    let read = &places_of(&report)[0];
    assert_eq!(
        read.name,
        format!("'{}", place.name),
        "the quote is kept, nothing else"
    );
    assert_eq!(read.detail.as_deref(), Some("'@SUM(A1:A9) puis -2+3"));
    assert_eq!(read.phone, place.phone);
    assert_eq!(read.latitude, place.latitude);
    assert_eq!(read.commune, place.commune);
}
