//! Older files (the MedNum standard before 1.0, data·inclusion v0 vocabularies, hand-typed spellings):
//! `;` instead of `|` between list values, and every old value converted by the published
//! correspondence [`V0_LABELS`], each line naming its source (docs/import-des-lieux.md prints the
//! table). Values are compared case-, accent- and punctuation-blind, so « approfondir ma culture
//! numerique » is « Approfondir ma culture numérique ».

use aiguillage_domain::directory::{
    AccessMode, Audience, Cost, Mobility, NationalProgramme, Service, SpecificSupport, SupportMode,
    TrainingLabel,
};
use aiguillage_domain::territory::search_key;

/// Where a line of the correspondence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingSource {
    /// The cartographie nationale's library, npm `@gouvfr-anct/lieux-de-mediation-numerique` 2.3.0,
    /// `transfer/schema-data-inclusion/from-schema-data-inclusion-fields.js` (its maps from
    /// data·inclusion v0 values to v1 values), applied to the v0 value's label in data·inclusion's
    /// referentials (`schemas/v0/extra/*.json`).
    CartographieNationale,
    /// The same value of the standard spelled as the MedNum standard before 1.0 spelled it (explanations
    /// after « : », other wording) or as the v1.0.2 schema's own descriptions spell it.
    MednumV0Spelling,
    /// A data·inclusion v0 value with no v1 equivalent in any published correspondence: left out, with
    /// a warning naming it.
    NoEquivalent,
}

impl MappingSource {
    /// How the documentation names the source.
    pub fn label(self) -> &'static str {
        match self {
            MappingSource::CartographieNationale => "cartographie nationale",
            MappingSource::MednumV0Spelling => "orthographe v0",
            MappingSource::NoEquivalent => "sans équivalent",
        }
    }
}

/// What an old value becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// The standard's value with this label.
    To(&'static str),
    /// The standard's value with this label, and the offer acts on the person's behalf (an
    /// habilitated helper): the v1 standard has no such value, the offer's help style holds it.
    ToActingOnBehalf(&'static str),
    /// Left out: the standard has no equivalent.
    Dropped,
}

/// One line of the correspondence: in `field`, the old value (label, and data·inclusion code when it
/// has one) becomes `conversion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V0Label {
    pub field: &'static str,
    pub old: &'static str,
    pub code: Option<&'static str>,
    pub conversion: Conversion,
    pub source: MappingSource,
}

const fn line(
    field: &'static str,
    old: &'static str,
    code: Option<&'static str>,
    conversion: Conversion,
    source: MappingSource,
) -> V0Label {
    V0Label {
        field,
        old,
        code,
        conversion,
        source,
    }
}

use Conversion::{Dropped, To, ToActingOnBehalf};
use MappingSource::{CartographieNationale as Cn, MednumV0Spelling as Sp, NoEquivalent as Ne};

const SERVICES: &str = "services";
const PUBLICS: &str = "publics_specifiquement_adresses";
const SUPPORT: &str = "prise_en_charge_specifique";
const COSTS: &str = "frais_a_charge";
const PROGRAMMES: &str = "dispositif_programmes_nationaux";
const TRAINING: &str = "formations_labels";
const MODES: &str = "modalites_accompagnement";

/// The correspondence from old values to the standard v1.0.2.
pub const V0_LABELS: &[V0Label] = &[
    // services ← data·inclusion v0 thématiques `numerique--*` (THEMATIQUES_TO_SERVICES).
    line(SERVICES, "Accéder à du matériel", Some("numerique--acceder-a-du-materiel"), To("Accès internet et matériel informatique"), Cn),
    line(SERVICES, "Accéder à une connexion internet", Some("numerique--acceder-a-une-connexion-internet"), To("Accès internet et matériel informatique"), Cn),
    line(SERVICES, "Accompagner les démarches de santé", Some("numerique--accompagner-les-demarches-de-sante"), To("Aide aux démarches administratives"), Cn),
    line(SERVICES, "Approfondir ma culture numérique", Some("numerique--approfondir-ma-culture-numerique"), To("Compréhension du monde numérique"), Cn),
    line(SERVICES, "Créer avec le numérique", Some("numerique--creer-avec-le-numerique"), To("Loisirs et créations numériques"), Cn),
    line(SERVICES, "Créer et développer mon entreprise", Some("numerique--creer-et-developper-mon-entreprise"), To("Insertion professionnelle via le numérique"), Cn),
    line(SERVICES, "Devenir autonome dans les démarches administratives", Some("numerique--devenir-autonome-dans-les-demarches-administratives"), To("Aide aux démarches administratives"), Cn),
    line(SERVICES, "Favoriser mon insertion professionnelle", Some("numerique--favoriser-mon-insertion-professionnelle"), To("Insertion professionnelle via le numérique"), Cn),
    line(SERVICES, "Prendre en main un ordinateur", Some("numerique--prendre-en-main-un-ordinateur"), To("Maîtrise des outils numériques du quotidien"), Cn),
    line(SERVICES, "Prendre en main un smartphone ou une tablette", Some("numerique--prendre-en-main-un-smartphone-ou-une-tablette"), To("Maîtrise des outils numériques du quotidien"), Cn),
    line(SERVICES, "Promouvoir la citoyenneté numérique", Some("numerique--promouvoir-la-citoyennete-numerique"), To("Compréhension du monde numérique"), Cn),
    line(SERVICES, "Réaliser des démarches administratives avec un accompagnement", Some("numerique--realiser-des-demarches-administratives-avec-un-accompagnement"), To("Aide aux démarches administratives"), Cn),
    line(SERVICES, "S’équiper en matériel informatique", Some("numerique--s-equiper-en-materiel-informatique"), To("Acquisition de matériel informatique à prix solidaire"), Cn),
    line(SERVICES, "Soutenir la parentalité et l’éducation avec le numérique", Some("numerique--soutenir-la-parentalite-et-l-education-avec-le-numerique"), To("Parentalité et éducation avec le numérique"), Cn),
    line(SERVICES, "Utiliser le numérique au quotidien", Some("numerique--utiliser-le-numerique-au-quotidien"), To("Maîtrise des outils numériques du quotidien"), Cn),
    line(SERVICES, "Acquérir un équipement numérique", Some("numerique--acquerir-un-equipement"), Dropped, Ne),
    line(SERVICES, "Comprehension du monde numérique", None, To("Compréhension du monde numérique"), Sp),
    // publics and prise en charge ← data·inclusion v0 profils (PROFILS_TO_PUBLICS_SPECIFIQUEMENT_ADRESSES,
    // PROFILS_TO_PRISES_EN_CHARGE_SPECIFIQUE).
    line(PUBLICS, "Jeunes (16-26 ans)", Some("jeunes-16-26"), To("Jeunes"), Cn),
    line(PUBLICS, "Familles/enfants", Some("familles-enfants"), To("Familles et/ou enfants"), Cn),
    line(PUBLICS, "Seniors (+ 65 ans)", Some("seniors-65"), To("Seniors"), Cn),
    line(PUBLICS, "Uniquement femmes", None, To("Femmes"), Sp),
    line(PUBLICS, "Adultes", Some("adultes"), Dropped, Ne),
    line(PUBLICS, "Tout publics", Some("tous-publics"), Dropped, Ne),
    line(PUBLICS, "Tous publics", None, Dropped, Ne),
    line(PUBLICS, "Demandeurs ou demandeuses d’emploi", Some("demandeurs-demploi"), Dropped, Ne),
    line(PUBLICS, "Bénéficiaires du Revenu de Solidarité Active (RSA)", Some("beneficiaires-rsa"), Dropped, Ne),
    line(PUBLICS, "Personnes de nationalité étrangère", Some("personnes-de-nationalite-etrangere"), Dropped, Ne),
    line(PUBLICS, "Retraités", Some("retraites"), Dropped, Ne),
    line(PUBLICS, "Salariés", Some("salaries"), Dropped, Ne),
    line(SUPPORT, "Handicaps mentaux : déficiences limitant les activités d’une personne", Some("handicaps-mentaux"), To("Handicaps mentaux"), Cn),
    line(SUPPORT, "Personnes en situation d’illettrisme", Some("personnes-en-situation-illettrisme"), To("Illettrisme"), Cn),
    line(SUPPORT, "Public langues étrangères", Some("public-langues-etrangeres"), To("Langues étrangères (autres)"), Cn),
    line(SUPPORT, "Surdité", Some("surdite"), To("Surdité"), Cn),
    line(SUPPORT, "Déficience visuelle", Some("deficience-visuelle"), To("Déficience visuelle"), Cn),
    line(SUPPORT, "Handicaps psychiques : troubles psychiatriques donnant lieu à des atteintes comportementales", Some("handicaps-psychiques"), Dropped, Ne),
    // frais ← data·inclusion v0 frais (FRAIS_TO_CONDITION_ACCES).
    line(COSTS, "Gratuit sous conditions", Some("gratuit-sous-conditions"), To("Gratuit sous condition"), Cn),
    line(COSTS, "Adhésion", Some("adhesion"), To("Payant"), Cn),
    line(COSTS, "Accepte le pass numérique", Some("pass-numerique"), To("Gratuit sous condition"), Cn),
    line(COSTS, "Pass numérique", None, To("Gratuit sous condition"), Sp),
    // dispositifs and labels ← data·inclusion v0 labels nationaux (DISPOSITIF_PROGRAMMES_NATIONAUX_MAP,
    // FORMATIONS_LABELS_MAP).
    line(PROGRAMMES, "Aidants Connect", Some("aidants-connect"), To("Aidants Connect"), Cn),
    line(PROGRAMMES, "Conseiller numérique", Some("conseiller-numerique"), To("Conseillers numériques"), Cn),
    line(PROGRAMMES, "CNFS", None, To("Conseillers numériques"), Sp),
    line(PROGRAMMES, "France service", Some("france-service"), To("France Services"), Cn),
    line(PROGRAMMES, "Grandes écoles du numérique", Some("grandes-ecoles-du-numerique"), To("Grande école du numérique"), Cn),
    line(PROGRAMMES, "CAF", Some("caf"), To("Point d'accès numérique CAF"), Cn),
    line(PROGRAMMES, "Point relais CAF", None, To("Point d'accès numérique CAF"), Sp),
    line(TRAINING, "Fabrique de Territoire", Some("fabrique-de-territoire"), To("Fabriques de Territoire"), Cn),
    line(TRAINING, "Étapes numériques (La Poste)", Some("etapes-numeriques"), To("Étapes numériques(La Poste)"), Cn),
    // modalités d'accompagnement ← the MedNum v0 modalities and data·inclusion v0 types
    // (TYPES_TO_MODALITES_ACCOMPAGNEMENT_MAP; `delegation` is individual help given on the person's behalf).
    line(MODES, "Seul : j'ai accès à du matériel et une connexion", Some("autonomie"), To("En autonomie"), Cn),
    line(MODES, "Avec de l'aide : je suis accompagné seul dans l'usage du numérique", Some("accompagnement"), To("Accompagnement individuel"), Cn),
    line(MODES, "Dans un atelier : j'apprends collectivement à utiliser le numérique", Some("atelier"), To("Dans un atelier collectif"), Cn),
    line(MODES, "Dans un atelier collectif : j'apprends collectivement à utiliser le numérique", None, To("Dans un atelier collectif"), Sp),
    line(MODES, "A ma place : une personne habilitée fait les démarches à ma place", Some("delegation"), ToActingOnBehalf("Accompagnement individuel"), Cn),
    line(MODES, "Délégation", None, ToActingOnBehalf("Accompagnement individuel"), Cn),
    line(MODES, "À distance (par téléphone ou en visioconférence)", Some("a-distance"), To("À distance"), Sp),
];

/// How an item of a list field was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reading<T> {
    /// The standard's own label, exactly.
    Exact(T),
    /// Converted: the standard's label it became, whether the offer acts on the person's behalf.
    Converted(T, &'static str, bool),
    /// A known old value with no equivalent.
    NoEquivalent,
    /// Unknown.
    Unknown,
}

/// How `item` of `field` reads: the standard's label, an old value of [`V0_LABELS`] or a spelling of
/// either that differs only by case, accents, apostrophes or spaces.
pub(super) fn read_label<T>(
    field: &str,
    item: &str,
    from_label: fn(&str) -> Option<T>,
) -> Reading<T> {
    if let Some(value) = from_label(item) {
        return Reading::Exact(value);
    }
    let key = search_key(item);
    if let Some(entry) = V0_LABELS.iter().find(|entry| {
        entry.field == field
            && (search_key(entry.old) == key
                || entry.code.is_some_and(|code| search_key(code) == key))
    }) {
        return match entry.conversion {
            Conversion::To(new) => converted(new, from_label, false),
            Conversion::ToActingOnBehalf(new) => converted(new, from_label, true),
            Conversion::Dropped => Reading::NoEquivalent,
        };
    }
    match standard_label(field, |label| search_key(label) == key) {
        Some(new) => converted(new, from_label, false),
        None => Reading::Unknown,
    }
}

fn converted<T>(
    new: &'static str,
    from_label: fn(&str) -> Option<T>,
    on_behalf: bool,
) -> Reading<T> {
    match from_label(new) {
        Some(value) => Reading::Converted(value, new, on_behalf),
        None => Reading::Unknown,
    }
}

/// The standard's label in `field` that `matches`, when there is one.
fn standard_label(field: &str, matches: impl Fn(&str) -> bool) -> Option<&'static str> {
    fn find<T: Copy>(
        all: &[T],
        name: fn(T) -> &'static str,
        matches: &dyn Fn(&str) -> bool,
    ) -> Option<&'static str> {
        all.iter().map(|v| name(*v)).find(|l| matches(l))
    }
    let matches: &dyn Fn(&str) -> bool = &matches;
    match field {
        "itinerance" => find(Mobility::ALL, Mobility::label, matches),
        SERVICES => find(Service::ALL, Service::label, matches),
        PUBLICS => find(Audience::ALL, Audience::label, matches),
        SUPPORT => find(SpecificSupport::ALL, SpecificSupport::label, matches),
        COSTS => find(Cost::ALL, Cost::label, matches),
        PROGRAMMES => find(NationalProgramme::ALL, NationalProgramme::label, matches),
        TRAINING => find(TrainingLabel::ALL, TrainingLabel::label, matches),
        "modalites_acces" => find(AccessMode::ALL, AccessMode::label, matches),
        MODES => find(SupportMode::ALL, SupportMode::label, matches),
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
    fn every_converted_value_is_a_label_of_its_field_and_no_old_value_is_one() {
        for entry in V0_LABELS {
            assert!(FIELDS.contains(&entry.field), "{}", entry.field);
            if let Conversion::To(new) | Conversion::ToActingOnBehalf(new) = entry.conversion {
                assert_eq!(
                    standard_label(entry.field, |l| l == new),
                    Some(new),
                    "{new}"
                );
            }
            let same = matches!(entry.conversion, Conversion::To(new) if new == entry.old);
            if !same {
                assert_eq!(
                    standard_label(entry.field, |l| l == entry.old),
                    None,
                    "{}",
                    entry.old
                );
            }
            assert_eq!(
                entry.source == MappingSource::NoEquivalent,
                entry.conversion == Conversion::Dropped
            );
        }
    }

    #[test]
    fn old_values_are_read_whatever_their_case_accents_or_apostrophes() {
        let reading = read_label(
            SERVICES,
            "approfondir ma culture numerique",
            Service::from_label,
        );
        assert_eq!(
            reading,
            Reading::Converted(
                Service::UnderstandingDigitalWorld,
                "Compréhension du monde numérique",
                false
            )
        );
        let reading = read_label(
            SERVICES,
            "numerique--s-equiper-en-materiel-informatique",
            Service::from_label,
        );
        assert_eq!(
            reading,
            Reading::Converted(
                Service::SolidarityEquipment,
                "Acquisition de matériel informatique à prix solidaire",
                false
            )
        );
        let reading = read_label(
            MODES,
            "A ma place : une personne habilitée fait les démarches à ma place",
            SupportMode::from_label,
        );
        assert_eq!(
            reading,
            Reading::Converted(SupportMode::Individual, "Accompagnement individuel", true)
        );
        assert_eq!(
            read_label(PUBLICS, "Adultes", Audience::from_label),
            Reading::NoEquivalent
        );
        assert_eq!(
            read_label(PUBLICS, "Cyclistes", Audience::from_label),
            Reading::Unknown
        );
        assert_eq!(
            read_label(
                SERVICES,
                "AIDE AUX DEMARCHES ADMINISTRATIVES",
                Service::from_label
            ),
            Reading::Converted(
                Service::AdministrativeProcedures,
                "Aide aux démarches administratives",
                false
            )
        );
    }
}

#[cfg(test)]
mod documentation {
    use super::*;

    const DOC: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/import-des-lieux.md"
    );
    const START: &str = "<!-- début de la table -->\n";
    const END: &str = "<!-- fin de la table -->";

    fn table() -> String {
        let mut text = String::from(
            "| Champ | Ancienne valeur | Code data·inclusion v0 | Valeur du standard v1.0.2 | Source |\n\
             | --- | --- | --- | --- | --- |\n",
        );
        for entry in V0_LABELS {
            let new = match entry.conversion {
                Conversion::To(new) => new.to_owned(),
                Conversion::ToActingOnBehalf(new) => {
                    format!("{new} + style d'aide « fait pour la personne »")
                }
                Conversion::Dropped => "— (écartée)".to_owned(),
            };
            text.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                entry.field,
                entry.old,
                entry
                    .code
                    .map(|code| format!("`{code}`"))
                    .unwrap_or_default(),
                new,
                entry.source.label()
            ));
        }
        text
    }

    #[test]
    fn the_correspondence_table_of_the_documentation_is_the_one_the_code_applies() {
        let doc = std::fs::read_to_string(DOC).expect("docs/import-des-lieux.md");
        let (Some(start), Some(end)) = (doc.find(START), doc.find(END)) else {
            panic!("markers missing in {DOC}");
        };
        let written = &doc[start + START.len()..end];
        if written != table() && std::env::var_os("AIGUILLAGE_UPDATE_DOCS").is_some() {
            let updated = format!("{}{START}{}{}", &doc[..start], table(), &doc[end..]);
            std::fs::write(DOC, updated).expect("write docs");
            return;
        }
        assert_eq!(
            written,
            table(),
            "run with AIGUILLAGE_UPDATE_DOCS=1 to rewrite the table"
        );
    }
}
