//! Authorization, decided in one place: which pages each role may reach. Every route of the router is
//! declared in `routes::ROUTES` with the [`Page`] it serves, and the guard asks [`may_access`] before
//! any handler runs. A page missing from [`ACCESS`] is closed to everybody.

use aiguillage_domain::role::Role;

/// Every page or endpoint of the application, one per route and method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    Home,
    LoginForm,
    LoginSubmit,
    Logout,
    MyAccount,
    Territory,
    Structures,
    Directory,
    PlaceDetail,
    DirectoryImportForm,
    DirectoryImportPreview,
    DirectoryImportConfirm,
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

/// The access table: one line per page.
pub const ACCESS: &[(Page, Audience)] = &[
    (Page::Home, Audience::SignedIn),
    (Page::LoginForm, Audience::Public),
    (Page::LoginSubmit, Audience::Public),
    (Page::Logout, Audience::SignedIn),
    (Page::MyAccount, Audience::SignedIn),
    (Page::Territory, Audience::SignedIn),
    (Page::Structures, Audience::SignedIn),
    (Page::Directory, Audience::SignedIn),
    (Page::PlaceDetail, Audience::SignedIn),
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
    fn anonymous_visitors_reach_only_public_pages() {
        assert!(may_access(None, Page::LoginForm));
        assert!(!may_access(None, Page::Home));
        assert!(requires_sign_in(Page::Home));
    }
}
