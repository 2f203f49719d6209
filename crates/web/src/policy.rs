//! Authorization at the edge: the audiences a route may be open to (each route of `routes::ROUTES`
//! names its own, and the guard checks it before any handler runs). Which *records* an account may
//! touch is decided inside each use case's transaction: by the store's visibility rules, and for the
//! directory by `domain::directory::access`, which the store asks for every place it writes.

use aiguillage_domain::api_client::ApiScope;
use aiguillage_domain::role::Role;

/// Who may reach a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anybody, signed in or not.
    Public,
    /// Any signed-in professional, whatever the role.
    SignedIn,
    /// Signed-in professionals with one of these roles.
    Roles(&'static [Role]),
    /// Partner tools calling with a bearer credential granted this scope; never a browser session.
    ApiClient(ApiScope),
    /// Signed-in professionals with one of these roles, or a partner tool with this scope acting as
    /// one of them (the professional its administrator named).
    RolesOrClient(&'static [Role], ApiScope),
}

/// The roles of [`HELPERS`].
pub const HELPER_ROLES: &[Role] = &[Role::Prescriber, Role::Mediator];

/// Who edits the directory: structure managers (their own place) and coordinators (their territory).
pub const EDITORS: Audience = Audience::Roles(&[Role::StructureManager, Role::Coordinator]);

/// Who enrols and diagnoses people: prescribers and mediators (each sees their structure's people).
pub const HELPERS: Audience = Audience::Roles(HELPER_ROLES);

/// Helpers, or a partner tool following referrals in the name of one of them.
pub const HELPERS_OR_REFERRAL_CLIENTS: Audience =
    Audience::RolesOrClient(HELPER_ROLES, ApiScope::ReferralsWrite);

/// Helpers, or a partner tool writing people in the name of one of them.
pub const HELPERS_OR_PEOPLE_CLIENTS: Audience =
    Audience::RolesOrClient(HELPER_ROLES, ApiScope::PeopleWrite);

/// Who checks and redeems vouchers through the API: a place's mediators and managers, or its own
/// tool acting in the name of one of them (`vouchers:redeem`).
pub const VOUCHER_PLACES_OR_CLIENTS: Audience = Audience::RolesOrClient(
    &[Role::Mediator, Role::StructureManager],
    ApiScope::VouchersRedeem,
);

/// Who reads the steering publication through the API: those who may export it, or a partner tool
/// with `indicators:read`.
pub const STEERING_READERS: Audience = Audience::RolesOrClient(
    &[
        Role::Coordinator,
        Role::StructureManager,
        Role::Administrator,
    ],
    ApiScope::IndicatorsRead,
);

/// Who reads a territory's diagnostic and coverage through the API: any professional (as on the
/// page), or a partner tool with `indicators:read`.
pub const TERRITORY_READERS: Audience =
    Audience::RolesOrClient(&Role::ALL, ApiScope::IndicatorsRead);

/// Who reads the fragility index through the API: coordinators (as on the page), or a partner
/// tool with `indicators:read`.
pub const INDEX_READERS: Audience =
    Audience::RolesOrClient(&[Role::Coordinator], ApiScope::IndicatorsRead);

impl Audience {
    /// Whether someone with `role` (or nobody signed in, `None`) belongs to this audience (an API
    /// client's route admits no session: the guard checks its bearer credential instead).
    pub fn admits(self, role: Option<Role>) -> bool {
        match (self, role) {
            (Audience::Public, _) => true,
            (Audience::SignedIn, Some(_)) => true,
            (Audience::Roles(roles) | Audience::RolesOrClient(roles, _), Some(role)) => {
                roles.contains(&role)
            }
            (Audience::ApiClient(_), _) => false,
            (_, None) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audience_admits_its_roles_and_only_public_ones_admit_anonymous_visitors() {
        assert!(Audience::Public.admits(None));
        assert!(!Audience::SignedIn.admits(None));
        assert!(Audience::SignedIn.admits(Some(Role::Mediator)));
        assert!(HELPERS.admits(Some(Role::Prescriber)));
        assert!(!HELPERS.admits(Some(Role::Coordinator)));
        assert!(!HELPERS.admits(None));
        assert!(!EDITORS.admits(Some(Role::Administrator)));
    }
}
