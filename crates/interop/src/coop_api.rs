//! The resources of La Coop de la médiation numérique's public API v1, in its shape, for what is
//! recorded here: activities (a session as a CRA), structures and places of activity (the directory
//! in the national standard), users (the mediators). Identifiers are stable UUIDs (version 5, from
//! the record's kind and number), so that a client written for La Coop keeps its references.
//! Lists are JSON:API documents (`data`, `links`, `meta`) cut by a cursor ([`page`]).

use crate::cra::{coop_activity_fields, CraActivity};
use aiguillage_domain::calendar::rfc3339;
use aiguillage_domain::directory::Place;
use aiguillage_domain::UnixSeconds;
use serde_json::{json, Map, Value};

/// The namespace of every identifier this instance gives La Coop's resources.
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_bytes([
    0x6a, 0x1f, 0x2c, 0x3e, 0x8b, 0x47, 0x4d, 0x0a, 0x9e, 0x51, 0x3b, 0x72, 0xc4, 0x0d, 0x95, 0x18,
]);

/// The stable UUID of record `id` of `kind` (`activite`, `structure`, `utilisateur`, `mediateur`).
pub fn stable_uuid(kind: &str, id: i64) -> String {
    uuid::Uuid::new_v5(&NAMESPACE, format!("{kind}:{id}").as_bytes()).to_string()
}

/// The themes La Coop's API v1 document enumerates for an activity; the CRA's newer themes
/// (`associations`, `gere_ses_contenus_numeriques`…) go to the activity's free `tags` instead.
pub const API_THEMES: [&str; 28] = [
    "diagnostic_numerique",
    "prendre_en_main_du_materiel",
    "maintenance_de_materiel",
    "navigation_sur_internet",
    "email",
    "bureautique",
    "reseaux_sociaux",
    "sante",
    "banque_et_achats_en_ligne",
    "entrepreneuriat",
    "insertion_professionnelle",
    "securite_numerique",
    "parentalite",
    "scolarite_et_numerique",
    "creer_avec_le_numerique",
    "culture_numerique",
    "intelligence_artificielle",
    "aide_aux_demarches_administratives",
    "papiers_elections_citoyennete",
    "famille_scolarite",
    "social_sante",
    "travail_formation",
    "logement",
    "transports_mobilite",
    "argent_impots",
    "justice",
    "etrangers_europe",
    "loisirs_sports_culture",
];

/// Largest `page[size]`, and the size without one.
pub const MAX_PAGE_SIZE: usize = 500;

/// A page asked for: its size and cursor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageRequest {
    pub size: usize,
    pub after: Option<String>,
    pub before: Option<String>,
}

impl PageRequest {
    /// Reads `page[size]`, `page[after]` and `page[before]`; a size beyond [`MAX_PAGE_SIZE`] or not a
    /// number is refused with the reason.
    pub fn read(
        size: Option<&str>,
        after: Option<&str>,
        before: Option<&str>,
    ) -> Result<PageRequest, String> {
        let size = match size {
            None | Some("") => MAX_PAGE_SIZE,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
                _ => {
                    return Err(format!(
                        "page[size] « {text} » invalide : un entier de 1 à {MAX_PAGE_SIZE}"
                    ))
                }
            },
        };
        let cursor = |c: Option<&str>| c.filter(|c| !c.is_empty()).map(str::to_owned);
        Ok(PageRequest {
            size,
            after: cursor(after),
            before: cursor(before),
        })
    }
}

/// One page of a list of `(id, resource)` ordered by id: the JSON:API document with its links
/// (`self`, `next`, `prev`, built on `base` and the other query parameters `query`) and counts.
pub fn page(items: Vec<(String, Value)>, request: &PageRequest, base: &str, query: &str) -> Value {
    let total = items.len();
    let position = |cursor: &str| items.iter().position(|(id, _)| id == cursor);
    let (start, end) = match (&request.after, &request.before) {
        (Some(after), _) => {
            let start = position(after).map_or(total, |i| i + 1);
            (start, (start + request.size).min(total))
        }
        (None, Some(before)) => {
            let end = position(before).unwrap_or(0);
            (end.saturating_sub(request.size), end)
        }
        (None, None) => (0, request.size.min(total)),
    };
    let link = |cursor: Option<(&str, &str)>| {
        let mut parts: Vec<String> = Vec::new();
        if !query.is_empty() {
            parts.push(query.to_owned());
        }
        parts.push(format!("page[size]={}", request.size));
        if let Some((name, value)) = cursor {
            parts.push(format!("page[{name}]={value}"));
        }
        format!("{base}?{}", parts.join("&"))
    };
    let mut links = Map::new();
    links.insert("self".into(), Value::String(link(None)));
    let has_next = end < total;
    let has_prev = start > 0;
    let slice = &items[start..end];
    if let (true, Some((last, _))) = (has_next, slice.last()) {
        links.insert("next".into(), Value::String(link(Some(("after", last)))));
    }
    if let (true, Some((first, _))) = (has_prev, slice.first()) {
        links.insert("prev".into(), Value::String(link(Some(("before", first)))));
    }
    json!({
        "data": slice.iter().map(|(_, value)| value.clone()).collect::<Vec<_>>(),
        "links": links,
        "meta": {
            "total_count": total,
            "items_per_page": request.size,
            "total_pages": total.div_ceil(request.size),
            "has_next_page": has_next,
            "has_prev_page": has_prev,
        }
    })
}

/// Where an activity took place, for its `lieu_*` fields: postal code, commune name, INSEE code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityCommune {
    pub postal_code: String,
    pub name: String,
    pub insee_code: String,
}

/// What an activity resource needs beside the session.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRecord<'a> {
    pub id: i64,
    pub activity: &'a CraActivity,
    pub mediator_account_id: Option<i64>,
    pub structure_id: i64,
    pub commune: Option<ActivityCommune>,
    pub created_at: UnixSeconds,
}

/// An activity (`/activites`): a session as La Coop's CRA.
pub fn activite(record: &ActivityRecord<'_>) -> (String, Value) {
    let id = stable_uuid("activite", record.id);
    let fields = coop_activity_fields(record.activity);
    let at_place = fields.type_lieu == "lieu_activite";
    let commune = record.commune.as_ref().filter(|_| !at_place);
    let (themes, tags): (Vec<String>, Vec<String>) = fields
        .thematiques
        .iter()
        .cloned()
        .partition(|theme| API_THEMES.contains(&theme.as_str()));
    let attributes = json!({
        "type": fields.kind,
        "mediateur_id": stable_uuid("utilisateur", record.mediator_account_id.unwrap_or(0)),
        "accompagnements": fields.accompagnements,
        "date": fields.date,
        "duree": fields.duree,
        "type_lieu": fields.type_lieu,
        "structure_id": at_place.then(|| stable_uuid("structure", record.structure_id)),
        "lieu_code_postal": commune.map(|c| c.postal_code.clone()),
        "lieu_commune": commune.map(|c| c.name.clone()),
        "lieu_code_insee": commune.map(|c| c.insee_code.clone()),
        "creation": rfc3339(record.created_at),
        "modification": rfc3339(record.created_at),
        "suppression": Value::Null,
        "autonomie": fields.autonomie,
        "oriente_vers_structure": Value::Null,
        "structure_de_redirection": Value::Null,
        "materiel": fields.materiel,
        "thematiques": themes,
        "tags": tags,
        "precisions_demarche": Value::Null,
        "titre_atelier": fields.titre_atelier,
        "niveau_atelier": fields.niveau_atelier,
    });
    (
        id.clone(),
        json!({ "type": "activite", "id": id, "attributes": attributes }),
    )
}

/// A structure of the directory, with its creation and last change.
#[derive(Debug, Clone, PartialEq)]
pub struct StructureRecord<'a> {
    pub id: i64,
    pub place: &'a Place,
    pub created_at: UnixSeconds,
    pub changed_at: UnixSeconds,
    pub mediators: usize,
}

fn labels<T: Copy>(values: &[T], label: fn(T) -> &'static str) -> Vec<&'static str> {
    values.iter().map(|v| label(*v)).collect()
}

/// A structure (`/structures`): the place's standard fields as La Coop lists them.
pub fn structure(record: &StructureRecord<'_>) -> (String, Value) {
    let place = record.place;
    let id = stable_uuid("structure", record.id);
    let (siret, rna) = if place.pivot.starts_with('W') {
        (None, Some(place.pivot.clone()))
    } else {
        (Some(place.pivot.clone()).filter(|p| !p.is_empty()), None)
    };
    let joined = |values: &[String]| Some(values.join("|")).filter(|s| !s.is_empty());
    let attributes = json!({
        "id_pg": Value::Null,
        "structure_cartographie_nationale_id": Value::Null,
        "creation": rfc3339(record.created_at),
        "modification": rfc3339(record.changed_at),
        "suppression": Value::Null,
        "nom": place.name,
        "adresse": place.address,
        "commune": place.commune,
        "code_postal": place.postal_code,
        "code_insee": place.insee_code,
        "complement_adresse": place.address_complement,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "siret": siret,
        "rna": rna,
        "visible_pour_cartographie_nationale": true,
        "typologies": place.typologies,
        "presentation_resume": place.summary,
        "presentation_detail": place.detail,
        "site_web": joined(&place.websites),
        "telephone": place.phone,
        "courriels": place.emails,
        "fiche_acces_libre": place.accessibility_sheet_url,
        "horaires": place.opening_hours,
        "prise_rdv": place.booking_url,
        "structure_parente": place.parent_structure,
        "services": labels(&place.services, |v| v.label()),
        "publics_specifiquement_adresses": labels(&place.audiences, |v| v.label()),
        "prise_en_charge_specifique": labels(&place.specific_support, |v| v.label()),
        "frais_a_charge": labels(&place.costs, |v| v.label()),
        "dispositif_programmes_nationaux": labels(&place.programmes, |v| v.label()),
        "formations_labels": labels(&place.training_labels, |v| v.label()),
        "autres_formations_labels": place.other_labels,
        "itinerance": labels(&place.mobility, |v| v.label()),
        "modalites_acces": labels(&place.access_modes, |v| v.label()),
        "modalites_accompagnement": labels(&place.support_modes, |v| v.label()),
        "mediateurs_en_activite": record.mediators,
        "emplois": record.mediators,
    });
    (
        id.clone(),
        json!({ "type": "structure", "id": id, "attributes": attributes }),
    )
}

/// A place of activity (`/lieux-activite`): the place in the national standard, values as the
/// standard writes them (lists joined with `|`), coordinates as numbers.
pub fn lieu_activite(id: i64, place: &Place) -> Value {
    let mut object = match crate::places_standard::write_json(std::slice::from_ref(place)) {
        Value::Array(mut items) => match items.pop() {
            Some(Value::Object(object)) => object,
            _ => Map::new(),
        },
        _ => Map::new(),
    };
    object.insert("id".into(), Value::String(stable_uuid("structure", id)));
    for field in ["latitude", "longitude"] {
        let number = object
            .get(field)
            .and_then(Value::as_str)
            .and_then(|text| text.parse::<f64>().ok());
        match number {
            Some(number) => object.insert(field.into(), json!(number)),
            None => object.remove(field),
        };
    }
    Value::Object(object)
}

/// A mediator who recorded activities, as La Coop's `/utilisateurs` lists users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub account_id: i64,
    pub display_name: String,
    pub email: String,
    pub structure_id: i64,
    pub created_at: UnixSeconds,
    pub deactivated: bool,
}

/// A user (`/utilisateurs`): a mediator, the structure they work in.
pub fn utilisateur(user: &UserRecord) -> (String, Value) {
    let id = stable_uuid("utilisateur", user.account_id);
    let created = rfc3339(user.created_at);
    let (first, last) = match user.display_name.split_once(' ') {
        Some((first, last)) => (Some(first.to_owned()), Some(last.to_owned())),
        None => (None, Some(user.display_name.clone())),
    };
    let structure = stable_uuid("structure", user.structure_id);
    let attributes = json!({
        "email": user.email,
        "prenom": first,
        "nom": last,
        "inscription_validee": created,
        "telephone": Value::Null,
        "creation": created,
        "modification": created,
        "suppression": Value::Null,
        "dataspace_id": Value::Null,
        "emplois": [{
            "id": stable_uuid("emploi", user.account_id),
            "structure_id": structure,
            "debut": created,
            "fin": Value::Null,
            "creation": created,
            "modification": created,
            "suppression": Value::Null,
        }],
        "mediateur": {
            "id": stable_uuid("mediateur", user.account_id),
            "creation": created,
            "modification": created,
            "en_activite": [{
                "id": stable_uuid("en-activite", user.account_id),
                "structure_id": structure,
                "debut": created,
                "fin": Value::Null,
                "creation": created,
                "modification": created,
                "suppression": Value::Null,
            }],
        },
    });
    let _ = user.deactivated;
    (
        id.clone(),
        json!({ "type": "utilisateur", "id": id, "attributes": attributes }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<(String, Value)> {
        (0..n).map(|i| (format!("id{i}"), json!(i))).collect()
    }

    #[test]
    fn uuids_are_stable_and_distinct_per_kind() {
        assert_eq!(stable_uuid("activite", 7), stable_uuid("activite", 7));
        assert_ne!(stable_uuid("activite", 7), stable_uuid("structure", 7));
        assert_eq!(stable_uuid("activite", 7).len(), 36);
    }

    #[test]
    fn cursors_walk_forward_and_back() {
        let request = PageRequest::read(Some("2"), None, None).expect("size");
        let first = page(items(5), &request, "/x", "");
        assert_eq!(first["data"], json!([0, 1]));
        assert_eq!(first["meta"]["total_pages"], json!(3));
        assert_eq!(
            first["links"]["next"],
            json!("/x?page[size]=2&page[after]=id1")
        );
        assert!(first["links"].get("prev").is_none());
        let second = page(
            items(5),
            &PageRequest::read(Some("2"), Some("id1"), None).unwrap(),
            "/x",
            "",
        );
        assert_eq!(second["data"], json!([2, 3]));
        assert_eq!(
            second["links"]["prev"],
            json!("/x?page[size]=2&page[before]=id2")
        );
        let back = page(
            items(5),
            &PageRequest::read(Some("2"), None, Some("id2")).unwrap(),
            "/x",
            "",
        );
        assert_eq!(back["data"], json!([0, 1]));
        let last = page(
            items(5),
            &PageRequest::read(Some("2"), Some("id3"), None).unwrap(),
            "/x",
            "",
        );
        assert_eq!(last["data"], json!([4]));
        assert_eq!(last["meta"]["has_next_page"], json!(false));
        assert!(PageRequest::read(Some("501"), None, None).is_err());
        assert!(PageRequest::read(Some("zéro"), None, None).is_err());
    }
}
