//! The mapping tables from data·inclusion's referentials to the standard's vocabularies (only the
//! conversions that are certain), the values the standard implies, and the lookup in a table.

use aiguillage_domain::directory::{
    AccessMode, Audience, Cost, NationalProgramme, Service, SupportMode, TrainingLabel,
};

/// `thematiques` (v1, and v0 `numerique--*`) → `services`.
pub(super) const THEMATIQUES: &[(&str, Service)] = &[
    (
        "numerique--maitriser-les-fondamentaux-du-numerique",
        Service::EverydayTools,
    ),
    (
        "numerique--prendre-en-main-un-ordinateur",
        Service::EverydayTools,
    ),
    (
        "numerique--prendre-en-main-un-smartphone-ou-une-tablette",
        Service::EverydayTools,
    ),
    (
        "numerique--utiliser-le-numerique-au-quotidien",
        Service::EverydayTools,
    ),
    (
        "numerique--acceder-a-une-connexion-internet",
        Service::InternetAndEquipmentAccess,
    ),
    (
        "numerique--acceder-a-du-materiel",
        Service::InternetAndEquipmentAccess,
    ),
    (
        "numerique--devenir-autonome-dans-les-demarches-administratives",
        Service::AdministrativeProcedures,
    ),
    (
        "numerique--realiser-des-demarches-administratives-avec-un-accompagnement",
        Service::AdministrativeProcedures,
    ),
    (
        "numerique--favoriser-mon-insertion-professionnelle",
        Service::ProfessionalInsertion,
    ),
    (
        "numerique--soutenir-la-parentalite-et-l-education-avec-le-numerique",
        Service::Parenting,
    ),
    (
        "numerique--creer-avec-le-numerique",
        Service::LeisureAndCreation,
    ),
];

/// `publics` → `publics_specifiquement_adresses`.
pub(super) const PUBLICS: &[(&str, Audience)] = &[
    ("jeunes", Audience::Youth),
    ("etudiants", Audience::Students),
    ("familles", Audience::Families),
    ("seniors", Audience::Seniors),
    ("femmes", Audience::Women),
];

/// `frais` → `frais_a_charge`.
pub(super) const FRAIS: &[(&str, Cost)] = &[
    ("gratuit", Cost::Free),
    ("payant", Cost::Paid),
    ("gratuit-sous-conditions", Cost::FreeUnderConditions),
];

/// `modes_accueil` → `modalites_accompagnement`.
pub(super) const MODES_ACCUEIL: &[(&str, SupportMode)] = &[("a-distance", SupportMode::Remote)];

/// `type` (of service) → `modalites_accompagnement`.
pub(super) const TYPES: &[(&str, SupportMode)] = &[("atelier", SupportMode::CollectiveWorkshop)];

/// `modes_mobilisation` → `modalites_acces`.
pub(super) const MODES_MOBILISATION: &[(&str, AccessMode)] = &[
    ("se-presenter", AccessMode::WalkIn),
    ("telephoner", AccessMode::Phone),
    ("envoyer-un-courriel", AccessMode::Email),
];

/// `reseaux_porteurs` (v0 `labels_nationaux`) → `dispositif_programmes_nationaux`.
pub(super) const RESEAUX: &[(&str, NationalProgramme)] = &[
    ("aidants-connect", NationalProgramme::AidantsConnect),
    ("conseillers-numeriques", NationalProgramme::DigitalAdvisers),
    ("conseiller-numerique", NationalProgramme::DigitalAdvisers),
    ("france-service", NationalProgramme::FranceServices),
    ("croix-rouge", NationalProgramme::RedCross),
    (
        "grandes-ecoles-du-numerique",
        NationalProgramme::GrandeEcoleDuNumerique,
    ),
];

/// `reseaux_porteurs` (v0 `labels_nationaux`) → `formations_labels`.
pub(super) const RESEAUX_LABELS: &[(&str, TrainingLabel)] = &[(
    "fabrique-de-territoire",
    TrainingLabel::FabriquesDeTerritoire,
)];

/// Values the standard implies (every place is open to all and receives in person unless it says
/// otherwise): dropped without a warning.
pub(super) const IMPLIED: [&str; 2] = ["tous-publics", "en-presentiel"];

pub(super) fn lookup<T: Copy>(table: &[(&str, T)], value: &str) -> Option<T> {
    table
        .iter()
        .find(|(key, _)| *key == value)
        .map(|(_, standard)| *standard)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The data·inclusion referentials (values only), copied into the fixtures.
    fn referentials() -> Value {
        let path = format!(
            "{}/tests/fixtures/data-inclusion-referentiels.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
        serde_json::from_slice(&bytes).unwrap_or_else(|error| panic!("{path}: {error}"))
    }

    fn assert_known<T>(table: &[(&str, T)], referentials: &Value, names: &[&str]) {
        for (value, _) in table {
            let known = names.iter().any(|name| {
                let list = referentials[*name].as_array();
                list.is_some_and(|list| list.iter().any(|v| v == *value))
            });
            assert!(known, "« {value} » is in none of {names:?}");
        }
    }

    #[test]
    fn every_mapped_value_is_a_value_of_a_data_inclusion_referential() {
        let r = referentials();
        assert_known(THEMATIQUES, &r, &["v1/thematiques", "v0/thematiques"]);
        assert_known(PUBLICS, &r, &["v1/publics"]);
        assert_known(FRAIS, &r, &["v1/frais", "v0/frais"]);
        assert_known(MODES_ACCUEIL, &r, &["v1/modes-accueil"]);
        assert_known(TYPES, &r, &["v1/types-de-services"]);
        assert_known(MODES_MOBILISATION, &r, &["v1/modes-mobilisation"]);
        let reseaux = ["v1/reseaux-porteurs", "v0/labels-nationaux"];
        assert_known(RESEAUX, &r, &reseaux);
        assert_known(RESEAUX_LABELS, &r, &reseaux);
        let implied: Vec<(&str, ())> = IMPLIED.iter().map(|value| (*value, ())).collect();
        assert_known(&implied, &r, &["v1/publics", "v1/modes-accueil"]);
    }
}
