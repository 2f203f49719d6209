//! The standard's columns: its 32 fields in order, the required ones, the ones holding lists, and
//! the lookup of a column name among them.

/// The standard's 32 fields, in its order.
pub const FIELDS: [&str; 32] = [
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
];

/// The fields the standard requires (`constraints.required`).
pub const REQUIRED_FIELDS: [&str; 7] = [
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "adresse",
    "date_maj",
];

/// The fields holding several values joined with `|`.
pub(super) const LIST_FIELDS: [&str; 13] = [
    "typologie",
    "courriels",
    "site_web",
    "itinerance",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
];

pub(super) fn standard_field(name: &str) -> Option<&'static str> {
    FIELDS.iter().copied().find(|field| *field == name)
}

/// The title schema.json gives each field, in the order of [`FIELDS`] (the columns' descriptions in
/// a spreadsheet).
pub const FIELD_TITLES: [&str; 32] = [
    "Identifiant unique local du lieu",
    "SIRET ou RNA ou RIDET",
    "Nom",
    "Commune",
    "Code postal",
    "Code INSEE",
    "Adresse",
    "Complément d'adresse",
    "Latitude",
    "Longitude",
    "Typologie",
    "Numéro de téléphone",
    "Courriel(s)",
    "Site web",
    "Horaires",
    "Présentation résumé",
    "Présentation détaillée",
    "Structure collectant la donnée",
    "Itinérance",
    "Structure parente",
    "Date de mise à jour",
    "Services",
    "Publics spécifiquement adressés",
    "Prise en charge spécifique",
    "Frais à charge",
    "Dispositifs et programmes nationaux",
    "Formations et labels",
    "Autres formations et labels",
    "Modalités d'accès",
    "Modalités d'accompagnement",
    "Fiche Accès libre",
    "Prise de rdv",
];
