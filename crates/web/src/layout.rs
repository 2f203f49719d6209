//! What every page's frame needs: the viewer's name and role, the navigation they may use (derived
//! from the policy, so nobody sees a link they cannot follow), the CSRF token and the footer.

use crate::auth::Viewer;
use crate::policy::{may_access, Page};
use crate::state::AppState;

/// One entry of the main navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
}

/// The main navigation, in order, with the page each entry leads to.
pub const NAVIGATION: &[(&str, &str, Page)] = &[
    ("Accueil", "/", Page::Home),
    ("Personnes", "/personnes", Page::People),
    ("Orientations", "/orientations", Page::Referrals),
    ("File active", "/file-active", Page::Queue),
    (
        "Demandes de contact",
        "/demandes-contact",
        Page::ContactRequests,
    ),
    ("Annuaire", "/annuaire", Page::Directory),
    (
        "Importer des lieux",
        "/annuaire/import",
        Page::DirectoryImportForm,
    ),
    ("Pilotage", "/pilotage", Page::Steering),
    ("Mon territoire", "/territoire", Page::Territory),
    ("Structures", "/structures", Page::Structures),
    ("Comptes", "/administration/comptes", Page::AdminAccounts),
    (
        "Journal d'audit",
        "/administration/journal",
        Page::AdminAuditLog,
    ),
    ("Notifications", "/notifications", Page::Notifications),
    ("Mon compte", "/compte", Page::MyAccount),
];

/// The signed-in professional, as the header shows them.
#[derive(Debug, Clone)]
pub struct UserBadge {
    pub name: String,
    pub role_label: &'static str,
}

/// The frame of a page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub user: Option<UserBadge>,
    pub nav: Vec<NavLink>,
    pub csrf_token: String,
    pub operator_name: String,
    pub demo_banner: bool,
}

impl Layout {
    pub fn new(state: &AppState, viewer: &Viewer, current_path: &str, title: &str) -> Layout {
        let role = viewer.role();
        let nav = match role {
            None => Vec::new(),
            Some(_) => NAVIGATION
                .iter()
                .filter(|(_, _, page)| may_access(role, *page))
                .map(|(label, href, _)| NavLink {
                    label,
                    href,
                    current: *href == current_path,
                })
                .collect(),
        };
        Layout {
            title: title.to_owned(),
            user: viewer.0.as_ref().map(|user| UserBadge {
                name: user.account.display_name.clone(),
                role_label: user.account.role.label(),
            }),
            nav,
            csrf_token: viewer
                .0
                .as_ref()
                .map(|user| user.csrf_token.clone())
                .unwrap_or_default(),
            operator_name: state.settings.operator_name.clone(),
            demo_banner: state.settings.demo_banner,
        }
    }

    /// The same frame with the CSRF token of the login form (before any session exists).
    pub fn with_csrf_token(mut self, token: String) -> Layout {
        self.csrf_token = token;
        self
    }
}
