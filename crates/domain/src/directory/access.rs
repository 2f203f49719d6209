//! Who may write which place of the directory: a structure manager their own structure's place, a
//! coordinator the places of their territory (département or EPCI), the administrator any place by
//! import. The store asks these rules for every place it writes, inside its transaction.

use crate::role::Role;
use crate::territory::TerritoryScope;

/// Where a place of the directory is, for the rules below.
pub struct PlaceLocation<'a> {
    pub structure_id: i64,
    pub departement_code: &'a str,
    pub epci_code: Option<&'a str>,
}

/// Whether an account may edit a place: a structure manager edits their own structure only, a
/// coordinator the places of their territory (département or EPCI); nobody else.
pub fn may_edit_place(
    role: Role,
    own_structure_id: i64,
    territory: &TerritoryScope,
    place: &PlaceLocation<'_>,
) -> bool {
    match role {
        Role::StructureManager => own_structure_id == place.structure_id,
        Role::Coordinator => match territory {
            TerritoryScope::Departement(code) => code == place.departement_code,
            TerritoryScope::Epci(code) => Some(code.as_str()) == place.epci_code,
        },
        Role::Prescriber | Role::Mediator | Role::Administrator | Role::Sponsor => false,
    }
}

/// Whether an import by this account may write a place: the administrator any place; anyone else an
/// existing place (`structure_id` given) only if they may edit it ([`may_edit_place`]), and a new
/// place only as a coordinator, inside their territory. `area` is the département and EPCI of the
/// place's commune; the import asks for an existing place both where it is and where the file puts it.
pub fn may_import_place(
    role: Role,
    own_structure_id: i64,
    territory: &TerritoryScope,
    structure_id: Option<i64>,
    area: (&str, Option<&str>),
) -> bool {
    let (departement_code, epci_code) = area;
    match (role, structure_id) {
        (Role::Administrator, _) => true,
        (_, Some(structure_id)) => {
            let location = PlaceLocation {
                structure_id,
                departement_code,
                epci_code,
            };
            may_edit_place(role, own_structure_id, territory, &location)
        }
        (Role::Coordinator, None) => match territory {
            TerritoryScope::Departement(code) => code == departement_code,
            TerritoryScope::Epci(code) => Some(code.as_str()) == epci_code,
        },
        (_, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managers_edit_their_own_place_and_coordinators_the_places_of_their_territory() {
        let place = PlaceLocation {
            structure_id: 7,
            departement_code: "49",
            epci_code: Some("244900015"),
        };
        let dep_49 = TerritoryScope::Departement("49".into());
        let dep_44 = TerritoryScope::Departement("44".into());
        let angers = TerritoryScope::Epci("244900015".into());
        let saumur = TerritoryScope::Epci("200071876".into());
        assert!(may_edit_place(Role::StructureManager, 7, &dep_44, &place));
        assert!(!may_edit_place(Role::StructureManager, 8, &dep_49, &place));
        assert!(may_edit_place(Role::Coordinator, 1, &dep_49, &place));
        assert!(may_edit_place(Role::Coordinator, 1, &angers, &place));
        assert!(!may_edit_place(Role::Coordinator, 1, &dep_44, &place));
        assert!(!may_edit_place(Role::Coordinator, 1, &saumur, &place));
        assert!(!may_edit_place(Role::Mediator, 7, &dep_49, &place));
        assert!(!may_edit_place(Role::Administrator, 7, &dep_49, &place));
    }
}
