//! Authorization, decided in one place: which pages each role may reach. Every route of the router is
//! declared in `routes::ROUTES` with the [`Page`] it serves, and the guard asks [`may_access`] before
//! any handler runs. A page missing from [`ACCESS`] is closed to everybody.

use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;

/// Every page or endpoint of the application, one per route and method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    Home,
    LoginForm,
    LoginSubmit,
    Logout,
    MyAccount,
    Territory,
    TerritoryDiagnostic,
    TerritoryIndex,
    TerritoryIndexUpload,
    Steering,
    SteeringExport,
    SteeringOpenData,
    SteeringCra,
    Structures,
    Directory,
    PlaceDetail,
    DirectoryImportForm,
    PlaceEditForm,
    PlaceEditSubmit,
    OfferNewForm,
    OfferCreate,
    OfferEditForm,
    OfferUpdate,
    DirectoryImportPreview,
    DirectoryImportConfirm,
    People,
    PersonEnrolForm,
    PersonEnrol,
    PersonDetail,
    PersonErase,
    DiagnosticForm,
    DiagnosticSubmit,
    DiagnosticResult,
    DiagnosticAdjust,
    DiagnosticSummary,
    UnrecordedDiagnosticForm,
    UnrecordedDiagnosticResult,
    SelfDiagnosticForm,
    SelfDiagnosticResult,
    SelfDiagnosticContact,
    ContactRequests,
    ContactRequestTake,
    ContactRequestClose,
    OrientationCandidates,
    ReferralSend,
    Referrals,
    ReferralDetail,
    ReferralAct,
    SessionRecord,
    ReferralClose,
    WorkshopForm,
    WorkshopRecord,
    Queue,
    TerritorySettingsForm,
    TerritorySettingsSave,
    Redistribution,
    RedistributionConfirm,
    Notifications,
    ApiEnrol,
    ApiDiagnosticSubmit,
    ApiProfile,
    AdminAccounts,
    AdminCreateAccount,
    AdminAuditLog,
    LegalNotice,
    Accessibility,
    Health,
    OpenApi,
    ApiMe,
    ApiCommunes,
    ApiStructures,
    ApiPlaces,
    ApiPlacesGeoJson,
    ApiTerritoryGeoJson,
    ApiOffers,
    ApiPlaceDetail,
    Assets,
}

/// Who may reach a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anybody, signed in or not.
    Public,
    /// Any signed-in professional, whatever the role.
    SignedIn,
    /// Signed-in professionals with one of these roles.
    Roles(&'static [Role]),
}

/// Who edits the directory: structure managers (their own place) and coordinators (their territory).
const EDITORS: Audience = Audience::Roles(&[Role::StructureManager, Role::Coordinator]);

/// Who enrols and diagnoses people: prescribers and mediators (each sees their structure's people).
const HELPERS: Audience = Audience::Roles(&[Role::Prescriber, Role::Mediator]);

/// The access table: one line per page.
pub const ACCESS: &[(Page, Audience)] = &[
    (Page::Home, Audience::Public),
    (Page::LoginForm, Audience::Public),
    (Page::LoginSubmit, Audience::Public),
    (Page::Logout, Audience::SignedIn),
    (Page::MyAccount, Audience::SignedIn),
    (Page::Territory, Audience::SignedIn),
    (Page::TerritoryDiagnostic, Audience::SignedIn),
    (Page::TerritoryIndex, Audience::Roles(&[Role::Coordinator])),
    (
        Page::TerritoryIndexUpload,
        Audience::Roles(&[Role::Coordinator]),
    ),
    (
        Page::Steering,
        Audience::Roles(&[
            Role::Coordinator,
            Role::StructureManager,
            Role::Mediator,
            Role::Administrator,
        ]),
    ),
    (
        Page::SteeringExport,
        Audience::Roles(&[
            Role::Coordinator,
            Role::StructureManager,
            Role::Administrator,
        ]),
    ),
    (
        Page::SteeringOpenData,
        Audience::Roles(&[Role::Coordinator, Role::Administrator]),
    ),
    (
        Page::SteeringCra,
        Audience::Roles(&[Role::StructureManager, Role::Mediator]),
    ),
    (Page::Structures, Audience::SignedIn),
    (Page::Directory, Audience::SignedIn),
    (Page::PlaceDetail, Audience::SignedIn),
    (
        Page::PlaceEditForm,
        Audience::Roles(&[Role::StructureManager, Role::Coordinator]),
    ),
    (
        Page::PlaceEditSubmit,
        Audience::Roles(&[Role::StructureManager, Role::Coordinator]),
    ),
    (Page::OfferNewForm, EDITORS),
    (Page::OfferCreate, EDITORS),
    (Page::OfferEditForm, EDITORS),
    (Page::OfferUpdate, EDITORS),
    (
        Page::DirectoryImportForm,
        Audience::Roles(&[Role::Coordinator, Role::Administrator]),
    ),
    (
        Page::DirectoryImportPreview,
        Audience::Roles(&[Role::Coordinator, Role::Administrator]),
    ),
    (
        Page::DirectoryImportConfirm,
        Audience::Roles(&[Role::Coordinator, Role::Administrator]),
    ),
    (Page::People, HELPERS),
    (Page::PersonEnrolForm, HELPERS),
    (Page::PersonEnrol, HELPERS),
    (Page::PersonDetail, HELPERS),
    (Page::PersonErase, HELPERS),
    (Page::DiagnosticForm, HELPERS),
    (Page::DiagnosticSubmit, HELPERS),
    (Page::DiagnosticResult, HELPERS),
    (Page::DiagnosticAdjust, HELPERS),
    (Page::DiagnosticSummary, HELPERS),
    (Page::UnrecordedDiagnosticForm, HELPERS),
    (Page::UnrecordedDiagnosticResult, HELPERS),
    (Page::SelfDiagnosticForm, Audience::Public),
    (Page::SelfDiagnosticResult, Audience::Public),
    (Page::SelfDiagnosticContact, Audience::Public),
    (
        Page::ContactRequests,
        Audience::Roles(&[Role::Prescriber, Role::Mediator, Role::Coordinator]),
    ),
    (Page::ContactRequestTake, HELPERS),
    (Page::ContactRequestClose, HELPERS),
    (Page::OrientationCandidates, HELPERS),
    (Page::ReferralSend, HELPERS),
    (Page::Referrals, HELPERS),
    (Page::ReferralDetail, HELPERS),
    (Page::ReferralAct, HELPERS),
    (Page::SessionRecord, HELPERS),
    (Page::ReferralClose, HELPERS),
    (Page::WorkshopForm, Audience::Roles(&[Role::Mediator])),
    (Page::WorkshopRecord, Audience::Roles(&[Role::Mediator])),
    (Page::Queue, Audience::Roles(&[Role::Coordinator])),
    (
        Page::TerritorySettingsForm,
        Audience::Roles(&[Role::Coordinator]),
    ),
    (
        Page::TerritorySettingsSave,
        Audience::Roles(&[Role::Coordinator]),
    ),
    (Page::Redistribution, Audience::Roles(&[Role::Coordinator])),
    (
        Page::RedistributionConfirm,
        Audience::Roles(&[Role::Coordinator]),
    ),
    (Page::Notifications, Audience::SignedIn),
    (Page::ApiEnrol, HELPERS),
    (Page::ApiDiagnosticSubmit, HELPERS),
    (Page::ApiProfile, HELPERS),
    (Page::AdminAccounts, Audience::Roles(&[Role::Administrator])),
    (
        Page::AdminCreateAccount,
        Audience::Roles(&[Role::Administrator]),
    ),
    (Page::AdminAuditLog, Audience::Roles(&[Role::Administrator])),
    (Page::LegalNotice, Audience::Public),
    (Page::Accessibility, Audience::Public),
    (Page::Health, Audience::Public),
    (Page::OpenApi, Audience::Public),
    (Page::ApiMe, Audience::SignedIn),
    (Page::ApiCommunes, Audience::SignedIn),
    (Page::ApiStructures, Audience::SignedIn),
    (Page::ApiPlaces, Audience::SignedIn),
    (Page::ApiPlacesGeoJson, Audience::SignedIn),
    (Page::ApiTerritoryGeoJson, Audience::SignedIn),
    (Page::ApiOffers, Audience::SignedIn),
    (Page::ApiPlaceDetail, Audience::SignedIn),
    (Page::Assets, Audience::Public),
];

/// Whether someone with `role` (or nobody signed in, `None`) may reach `page`.
pub fn may_access(role: Option<Role>, page: Page) -> bool {
    let audience = ACCESS
        .iter()
        .find(|(listed, _)| *listed == page)
        .map(|(_, audience)| *audience);
    match (audience, role) {
        (Some(Audience::Public), _) => true,
        (Some(Audience::SignedIn), Some(_)) => true,
        (Some(Audience::Roles(roles)), Some(role)) => roles.contains(&role),
        _ => false,
    }
}

/// Where a place of the directory is, for the row-level rule below.
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
        Role::Prescriber | Role::Mediator | Role::Administrator => false,
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

/// Whether the page needs a signed-in professional at all (anonymous visitors are sent to log in).
pub fn requires_sign_in(page: Page) -> bool {
    !may_access(None, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_administrators_reach_the_audit_log() {
        assert!(may_access(Some(Role::Administrator), Page::AdminAuditLog));
        for role in [
            Role::Prescriber,
            Role::Mediator,
            Role::StructureManager,
            Role::Coordinator,
        ] {
            assert!(!may_access(Some(role), Page::AdminAuditLog), "{role}");
        }
        assert!(!may_access(None, Page::AdminAuditLog));
    }

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

    #[test]
    fn anonymous_visitors_reach_only_public_pages() {
        assert!(may_access(None, Page::LoginForm));
        assert!(may_access(None, Page::SelfDiagnosticForm));
        assert!(!may_access(None, Page::People));
        assert!(requires_sign_in(Page::People));
        assert!(!may_access(Some(Role::Coordinator), Page::PersonDetail));
        assert!(!may_access(Some(Role::Administrator), Page::People));
    }
}
