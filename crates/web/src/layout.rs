//! What every page's frame needs: the viewer's name and role, the navigation they may use (derived
//! from the policy, so nobody sees a link they cannot follow), the CSRF token and the footer.

use crate::auth::Viewer;
use crate::routes::may_reach;
use aiguillage_service::state::AppState;
use axum::http::Method;

/// One entry of the main navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
    /// A count shown beside the label (the unread notifications), when there is one.
    pub count: Option<i64>,
}

/// The main navigation, in order: each entry's label and the page (a `GET` route) it leads to.
pub const NAVIGATION: &[(&str, &str)] = &[
    ("Accueil", "/"),
    ("Personnes", "/personnes"),
    ("Orientations", "/orientations"),
    ("Ma structure", "/ma-structure"),
    ("File active", "/file-active"),
    ("Demandes de contact", "/demandes-contact"),
    ("Annuaire", "/annuaire"),
    ("Importer des lieux", "/annuaire/import"),
    ("Conflits d'import", "/annuaire/conflits"),
    ("Chèques numériques", "/cheques"),
    ("Ressourcerie", "/ressources"),
    ("Pilotage", "/pilotage"),
    ("Mon territoire", "/territoire"),
    ("Structures", "/structures"),
    ("Comptes", "/administration/comptes"),
    ("Journal d'audit", "/administration/journal"),
    ("Demandes de droits", "/administration/demandes-droits"),
    ("Clients d'API", "/administration/clients-api"),
    ("Réglages", "/administration/reglages"),
    ("Notifications", "/notifications"),
    ("Mon compte", "/compte"),
];

/// The signed-in professional, as the header shows them.
#[derive(Debug, Clone)]
pub struct UserBadge {
    pub name: String,
    pub role_label: &'static str,
    /// The structure the session acts for, when the account belongs to several (« Mon compte »
    /// then links to the page that changes it).
    pub switch_structure: Option<String>,
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
    /// Drawn inside another site's frame (the embeddable directory): no header, menu nor footer.
    pub embedded: bool,
}

impl Layout {
    pub fn new(state: &AppState, viewer: &Viewer, current_path: &str, title: &str) -> Layout {
        let role = viewer.role();
        let nav = match role {
            None => Vec::new(),
            Some(_) => NAVIGATION
                .iter()
                .filter(|(_, href)| may_reach(role, &Method::GET, href))
                .map(|(label, href)| NavLink {
                    label,
                    href,
                    current: *href == current_path,
                    count: viewer
                        .0
                        .as_ref()
                        .filter(|user| *href == "/notifications" && user.unread_notifications > 0)
                        .map(|user| user.unread_notifications),
                })
                .collect(),
        };
        Layout {
            title: title.to_owned(),
            user: viewer.0.as_ref().map(|user| UserBadge {
                name: user.account.display_name.clone(),
                role_label: user.account.role.label(),
                switch_structure: (user.structure_count > 1)
                    .then(|| user.account.structure_name.clone()),
            }),
            nav,
            csrf_token: viewer
                .0
                .as_ref()
                .map(|user| user.csrf_token.clone())
                .unwrap_or_default(),
            operator_name: state.settings.operator_name.clone(),
            demo_banner: state.settings.demo_banner,
            embedded: false,
        }
    }

    /// The frame of a page drawn inside another site: nobody signed in, no header, menu nor footer.
    pub fn embedded(state: &AppState, title: &str) -> Layout {
        Layout {
            embedded: true,
            ..Layout::new(state, &Viewer(None), "", title)
        }
    }

    /// The same frame with the CSRF token of the login form (before any session exists).
    pub fn with_csrf_token(mut self, token: String) -> Layout {
        self.csrf_token = token;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::ROUTES;

    #[test]
    fn every_navigation_entry_leads_to_a_declared_page() {
        for (label, href) in NAVIGATION {
            let declared = ROUTES
                .iter()
                .any(|r| r.method == Method::GET && r.path == *href);
            assert!(declared, "« {label} » leads to {href}, which is not routed");
        }
    }
}
