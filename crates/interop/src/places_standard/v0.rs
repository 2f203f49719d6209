//! Older ("v0", before 1.0) files: the old labels converted with certainty, `;` instead of `|`
//! between list values, and the warning that names every conversion made on a row.

use aiguillage_domain::directory::{
    AccessMode, Audience, Cost, Mobility, NationalProgramme, Service, SpecificSupport, SupportMode,
    TrainingLabel,
};

/// Old labels converted with certainty: `(field, old label, label of the standard v1.0.2)`.
///
/// Sources: the MedNum standard before 1.0 (`;`-separated lists; its 15 services are data·inclusion
/// v0's `numerique--*` thématiques, its publics and support modes carried explanations after « : »),
/// data·inclusion v0's referentials (`frais`, `labels-nationaux`) and spellings found in the v1.0.2
/// schema's own descriptions. Only one-to-one renames and obvious narrowings are here. Left out on
/// purpose, hence rejected: « S'équiper en matériel informatique » (not necessarily « à prix
/// solidaire »), « Approfondir ma culture numérique » and « Promouvoir la citoyenneté numérique »
/// (compréhension or utilisation sécurisée?), « Créer et développer mon entreprise », « Accompagner les
/// démarches de santé », « Public langues étrangères » (anglais or autres?), « Adultes », « Adhésion »,
/// « A ma place : … » and « Point relais CAF ».
pub const V0_LABELS: &[(&str, &str, &str)] = &[
    (
        "services",
        "Devenir autonome dans les démarches administratives",
        "Aide aux démarches administratives",
    ),
    (
        "services",
        "Réaliser des démarches administratives avec un accompagnement",
        "Aide aux démarches administratives",
    ),
    (
        "services",
        "Prendre en main un smartphone ou une tablette",
        "Maîtrise des outils numériques du quotidien",
    ),
    (
        "services",
        "Prendre en main un ordinateur",
        "Maîtrise des outils numériques du quotidien",
    ),
    (
        "services",
        "Utiliser le numérique au quotidien",
        "Maîtrise des outils numériques du quotidien",
    ),
    (
        "services",
        "Favoriser mon insertion professionnelle",
        "Insertion professionnelle via le numérique",
    ),
    (
        "services",
        "Soutenir la parentalité et l'éducation avec le numérique",
        "Parentalité et éducation avec le numérique",
    ),
    (
        "services",
        "Créer avec le numérique",
        "Loisirs et créations numériques",
    ),
    (
        "services",
        "Accéder à une connexion internet",
        "Accès internet et matériel informatique",
    ),
    (
        "services",
        "Accéder à du matériel",
        "Accès internet et matériel informatique",
    ),
    (
        "services",
        "Comprehension du monde numérique",
        "Compréhension du monde numérique",
    ),
    (
        "publics_specifiquement_adresses",
        "Jeunes (16-26 ans)",
        "Jeunes",
    ),
    (
        "publics_specifiquement_adresses",
        "Seniors (+ 65 ans)",
        "Seniors",
    ),
    (
        "publics_specifiquement_adresses",
        "Familles/enfants",
        "Familles et/ou enfants",
    ),
    (
        "publics_specifiquement_adresses",
        "Uniquement femmes",
        "Femmes",
    ),
    (
        "prise_en_charge_specifique",
        "Handicaps mentaux : déficiences limitant les activités d'une personne",
        "Handicaps mentaux",
    ),
    (
        "prise_en_charge_specifique",
        "Personnes en situation d'illettrisme",
        "Illettrisme",
    ),
    (
        "frais_a_charge",
        "Gratuit sous conditions",
        "Gratuit sous condition",
    ),
    (
        "dispositif_programmes_nationaux",
        "CNFS",
        "Conseillers numériques",
    ),
    (
        "dispositif_programmes_nationaux",
        "Grandes écoles du numérique",
        "Grande école du numérique",
    ),
    (
        "formations_labels",
        "Étapes numériques (La Poste)",
        "Étapes numériques(La Poste)",
    ),
    (
        "modalites_accompagnement",
        "Seul : j'ai accès à du matériel et une connexion",
        "En autonomie",
    ),
    (
        "modalites_accompagnement",
        "Avec de l'aide : je suis accompagné seul dans l'usage du numérique",
        "Accompagnement individuel",
    ),
    (
        "modalites_accompagnement",
        "Dans un atelier : j'apprends collectivement à utiliser le numérique",
        "Dans un atelier collectif",
    ),
    (
        "modalites_accompagnement",
        "Dans un atelier collectif : j'apprends collectivement à utiliser le numérique",
        "Dans un atelier collectif",
    ),
    (
        "modalites_accompagnement",
        "À distance (par téléphone ou en visioconférence)",
        "À distance",
    ),
];

/// The reason given when a list uses `;` and cannot be converted.
pub(super) const SEMICOLON_REASON: &str = "séparateur « ; » utilisé au lieu de « | »";

/// The value of an old label: from [`V0_LABELS`], or the same label with typographic apostrophes
/// (’) instead of straight ones. Returns the value and the standard's label.
pub(super) fn converted_label<T>(
    field: &str,
    label: &str,
    from_label: fn(&str) -> Option<T>,
) -> Option<(T, &'static str)> {
    let straight = label.replace('’', "'");
    let standard = |candidate: &str| {
        V0_LABELS
            .iter()
            .find(|(f, old, _)| *f == field && *old == candidate)
            .map(|(_, _, new)| *new)
            .or_else(|| standard_label(field, candidate))
    };
    let new = standard(label).or_else(|| standard(&straight))?;
    Some((from_label(new)?, new))
}

/// The standard's own spelling of `label` in `field`, when it is one.
fn standard_label(field: &str, label: &str) -> Option<&'static str> {
    fn find<T: Copy>(all: &[T], name: fn(T) -> &'static str, label: &str) -> Option<&'static str> {
        all.iter().map(|v| name(*v)).find(|l| *l == label)
    }
    match field {
        "itinerance" => find(Mobility::ALL, Mobility::label, label),
        "services" => find(Service::ALL, Service::label, label),
        "publics_specifiquement_adresses" => find(Audience::ALL, Audience::label, label),
        "prise_en_charge_specifique" => find(SpecificSupport::ALL, SpecificSupport::label, label),
        "frais_a_charge" => find(Cost::ALL, Cost::label, label),
        "dispositif_programmes_nationaux" => {
            find(NationalProgramme::ALL, NationalProgramme::label, label)
        }
        "formations_labels" => find(TrainingLabel::ALL, TrainingLabel::label, label),
        "modalites_acces" => find(AccessMode::ALL, AccessMode::label, label),
        "modalites_accompagnement" => find(SupportMode::ALL, SupportMode::label, label),
        _ => None,
    }
}

pub(super) fn v0_message(semicolon: bool, renamed: &[(&str, &str)]) -> String {
    let mut parts = Vec::new();
    if semicolon {
        parts.push("séparateur « ; » remplacé par « | »".to_string());
    }
    parts.extend(
        renamed
            .iter()
            .map(|(old, new)| format!("« {old} » remplacé par « {new} »")),
    );
    format!("ancien format (v0) converti : {}", parts.join(" ; "))
}

pub(super) fn dedup<T: PartialEq>(values: &mut Vec<T>) {
    let mut kept: Vec<T> = Vec::with_capacity(values.len());
    for value in values.drain(..) {
        if !kept.contains(&value) {
            kept.push(value);
        }
    }
    *values = kept;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::places_standard::FIELDS;

    #[test]
    fn every_v0_label_converts_to_a_label_of_its_field_and_is_not_one_itself() {
        for (field, old, new) in V0_LABELS {
            assert!(FIELDS.contains(field), "{field}");
            assert_eq!(standard_label(field, new), Some(*new), "{field}: {new}");
            assert_eq!(standard_label(field, old), None, "{field}: {old}");
        }
    }
}
