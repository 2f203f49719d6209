//! Every route of the application, in one table: method, path and the [`Page`] it serves. The router
//! is built from this table, each route behind the policy guard, and the route × role test walks it.
//! Beside it, how large a body each route accepts: [`SMALL_BODY_BYTES`] unless the route is one of
//! the [`UPLOADS`], and then only for an account the policy lets reach it.

use crate::policy::{may_access, Page};
use crate::state::AppState;
use crate::{api, api_people, assets, pages};
use aiguillage_domain::role::Role;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{get, post, MethodRouter};

/// One route: the method and path a request uses, and the page that answers it.
#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub page: Page,
}

const fn route(method: Method, path: &'static str, page: Page) -> Route {
    Route { method, path, page }
}

/// The largest body of every route but the uploads: the biggest form (the self-diagnostic's contact
/// form, which carries every answer back as hidden fields, notes included) stays under 16 KiB.
pub const SMALL_BODY_BYTES: usize = 64 * 1024;
/// The largest body of an upload (a directory file, a territory's indicators).
pub const UPLOAD_BODY_BYTES: usize = 25 * 1024 * 1024;
/// The routes that take a file, and so [`UPLOAD_BODY_BYTES`]; their paths are literal (no `{…}`).
pub const UPLOADS: &[Page] = &[Page::DirectoryImportPreview, Page::TerritoryIndexUpload];

/// The largest body a request may send: an upload's size only on an upload route and for a role
/// the policy lets reach it (decided before any byte is read); the small size otherwise.
pub fn body_limit(method: &Method, path: &str, role: Option<Role>) -> usize {
    let upload = ROUTES.iter().any(|route| {
        UPLOADS.contains(&route.page)
            && route.method == method
            && route.path == path
            && may_access(role, route.page)
    });
    if upload {
        UPLOAD_BODY_BYTES
    } else {
        SMALL_BODY_BYTES
    }
}

/// The whole routing table.
pub const ROUTES: &[Route] = &[
    route(Method::GET, "/", Page::Home),
    route(Method::GET, "/connexion", Page::LoginForm),
    route(Method::POST, "/connexion", Page::LoginSubmit),
    route(Method::POST, "/deconnexion", Page::Logout),
    route(Method::GET, "/compte", Page::MyAccount),
    route(Method::GET, "/territoire", Page::Territory),
    route(
        Method::GET,
        "/territoire/diagnostic",
        Page::TerritoryDiagnostic,
    ),
    route(Method::GET, "/territoire/indice", Page::TerritoryIndex),
    route(Method::GET, "/pilotage", Page::Steering),
    route(Method::GET, "/pilotage/export", Page::SteeringExport),
    route(
        Method::GET,
        "/pilotage/donnees-ouvertes",
        Page::SteeringOpenData,
    ),
    route(Method::GET, "/pilotage/activites-cra", Page::SteeringCra),
    route(
        Method::POST,
        "/territoire/indice",
        Page::TerritoryIndexUpload,
    ),
    route(Method::GET, "/structures", Page::Structures),
    route(Method::GET, "/annuaire", Page::Directory),
    route(Method::GET, "/annuaire/{id}", Page::PlaceDetail),
    route(Method::GET, "/annuaire/{id}/modifier", Page::PlaceEditForm),
    route(
        Method::GET,
        "/annuaire/{id}/offres/nouvelle",
        Page::OfferNewForm,
    ),
    route(
        Method::POST,
        "/annuaire/{id}/offres/nouvelle",
        Page::OfferCreate,
    ),
    route(
        Method::GET,
        "/annuaire/{id}/offres/{offre}",
        Page::OfferEditForm,
    ),
    route(
        Method::POST,
        "/annuaire/{id}/offres/{offre}",
        Page::OfferUpdate,
    ),
    route(
        Method::POST,
        "/annuaire/{id}/modifier",
        Page::PlaceEditSubmit,
    ),
    route(Method::GET, "/annuaire/import", Page::DirectoryImportForm),
    route(
        Method::POST,
        "/annuaire/import",
        Page::DirectoryImportPreview,
    ),
    route(
        Method::POST,
        "/annuaire/import/confirmer",
        Page::DirectoryImportConfirm,
    ),
    route(Method::GET, "/personnes", Page::People),
    route(Method::GET, "/personnes/inscrire", Page::PersonEnrolForm),
    route(Method::POST, "/personnes/inscrire", Page::PersonEnrol),
    route(Method::GET, "/personnes/{id}", Page::PersonDetail),
    route(Method::POST, "/personnes/{id}/effacer", Page::PersonErase),
    route(
        Method::GET,
        "/personnes/{id}/diagnostic",
        Page::DiagnosticForm,
    ),
    route(
        Method::POST,
        "/personnes/{id}/diagnostic",
        Page::DiagnosticSubmit,
    ),
    route(
        Method::GET,
        "/personnes/{id}/diagnostics/{diagnostic}",
        Page::DiagnosticResult,
    ),
    route(
        Method::POST,
        "/personnes/{id}/diagnostics/{diagnostic}/ajustement",
        Page::DiagnosticAdjust,
    ),
    route(
        Method::GET,
        "/personnes/{id}/diagnostics/{diagnostic}/fiche",
        Page::DiagnosticSummary,
    ),
    route(
        Method::GET,
        "/diagnostic-sans-enregistrement",
        Page::UnrecordedDiagnosticForm,
    ),
    route(
        Method::POST,
        "/diagnostic-sans-enregistrement",
        Page::UnrecordedDiagnosticResult,
    ),
    route(
        Method::GET,
        "/personnes/{id}/orientation",
        Page::OrientationCandidates,
    ),
    route(
        Method::POST,
        "/personnes/{id}/orientation",
        Page::ReferralSend,
    ),
    route(Method::GET, "/orientations", Page::Referrals),
    route(Method::GET, "/orientations/{id}", Page::ReferralDetail),
    route(Method::POST, "/orientations/{id}", Page::ReferralAct),
    route(
        Method::POST,
        "/orientations/{id}/seances",
        Page::SessionRecord,
    ),
    route(
        Method::POST,
        "/orientations/{id}/cloture",
        Page::ReferralClose,
    ),
    route(Method::GET, "/ateliers/nouveau", Page::WorkshopForm),
    route(Method::POST, "/ateliers/nouveau", Page::WorkshopRecord),
    route(Method::GET, "/file-active", Page::Queue),
    route(
        Method::GET,
        "/territoire/reglages",
        Page::TerritorySettingsForm,
    ),
    route(
        Method::POST,
        "/territoire/reglages",
        Page::TerritorySettingsSave,
    ),
    route(
        Method::GET,
        "/territoire/redistribution",
        Page::Redistribution,
    ),
    route(
        Method::POST,
        "/territoire/redistribution",
        Page::RedistributionConfirm,
    ),
    route(Method::GET, "/notifications", Page::Notifications),
    route(Method::GET, "/auto-diagnostic", Page::SelfDiagnosticForm),
    route(Method::POST, "/auto-diagnostic", Page::SelfDiagnosticResult),
    route(
        Method::POST,
        "/auto-diagnostic/contact",
        Page::SelfDiagnosticContact,
    ),
    route(Method::GET, "/demandes-contact", Page::ContactRequests),
    route(
        Method::POST,
        "/demandes-contact/{id}/prendre",
        Page::ContactRequestTake,
    ),
    route(
        Method::POST,
        "/demandes-contact/{id}/cloture",
        Page::ContactRequestClose,
    ),
    route(Method::GET, "/administration/comptes", Page::AdminAccounts),
    route(
        Method::POST,
        "/administration/comptes",
        Page::AdminCreateAccount,
    ),
    route(Method::GET, "/administration/journal", Page::AdminAuditLog),
    route(Method::GET, "/mentions-legales", Page::LegalNotice),
    route(Method::GET, "/accessibilite", Page::Accessibility),
    route(Method::GET, "/healthz", Page::Health),
    route(Method::GET, "/api/openapi.json", Page::OpenApi),
    route(Method::GET, "/api/v1/moi", Page::ApiMe),
    route(Method::GET, "/api/v1/communes", Page::ApiCommunes),
    route(Method::GET, "/api/v1/structures", Page::ApiStructures),
    route(Method::GET, "/api/v1/lieux", Page::ApiPlaces),
    route(Method::GET, "/api/v1/lieux.geojson", Page::ApiPlacesGeoJson),
    route(
        Method::GET,
        "/api/v1/territoire/communes.geojson",
        Page::ApiTerritoryGeoJson,
    ),
    route(Method::GET, "/api/v1/lieux/{id}", Page::ApiPlaceDetail),
    route(Method::GET, "/api/v1/offres", Page::ApiOffers),
    route(Method::POST, "/api/v1/personnes", Page::ApiEnrol),
    route(
        Method::POST,
        "/api/v1/personnes/{id}/diagnostics",
        Page::ApiDiagnosticSubmit,
    ),
    route(
        Method::GET,
        "/api/v1/personnes/{id}/profil",
        Page::ApiProfile,
    ),
    route(Method::GET, "/static/{*path}", Page::Assets),
];

/// The handler of each page.
pub fn handler(page: Page) -> MethodRouter<AppState> {
    match page {
        Page::Home => get(pages::home::show),
        Page::LoginForm => get(pages::login::show_login),
        Page::LoginSubmit => post(pages::login::submit_login),
        Page::Logout => post(pages::login::logout),
        Page::MyAccount => get(pages::account::show),
        Page::Territory => get(pages::territory::show),
        Page::TerritoryDiagnostic => get(pages::territory_diagnostic::show),
        Page::TerritoryIndex => get(pages::territory_index::show),
        Page::Steering => get(pages::steering::show),
        Page::SteeringExport => get(pages::steering_export::export),
        Page::SteeringOpenData => get(pages::steering_export::open_data),
        Page::SteeringCra => get(pages::steering_export::cra),
        Page::TerritoryIndexUpload => {
            post(pages::territory_index::upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_BYTES))
        }
        Page::Structures => get(pages::structures::list),
        Page::Directory => get(pages::directory::search),
        Page::PlaceDetail => get(pages::directory::show),
        Page::PlaceEditForm => get(pages::place_edit::show_form),
        Page::PlaceEditSubmit => post(pages::place_edit::submit),
        Page::OfferNewForm => get(pages::offer_edit::show_new),
        Page::OfferCreate => post(pages::offer_edit::create),
        Page::OfferEditForm => get(pages::offer_edit::show_existing),
        Page::OfferUpdate => post(pages::offer_edit::update),
        Page::DirectoryImportForm => get(pages::directory_import::show_form),
        Page::DirectoryImportPreview => {
            post(pages::directory_import::preview).layer(DefaultBodyLimit::max(UPLOAD_BODY_BYTES))
        }
        Page::DirectoryImportConfirm => post(pages::directory_import::confirm),
        Page::People => get(pages::people::list),
        Page::PersonEnrolForm => get(pages::people::enrol_form),
        Page::PersonEnrol => post(pages::people::enrol),
        Page::PersonDetail => get(pages::people::detail),
        Page::PersonErase => post(pages::people::erase),
        Page::DiagnosticForm => get(pages::diagnostic::form),
        Page::DiagnosticSubmit => post(pages::diagnostic::submit),
        Page::DiagnosticResult => get(pages::diagnostic::result),
        Page::DiagnosticAdjust => post(pages::diagnostic::adjust),
        Page::DiagnosticSummary => get(pages::diagnostic::summary),
        Page::UnrecordedDiagnosticForm => get(pages::diagnostic::unrecorded_form),
        Page::UnrecordedDiagnosticResult => post(pages::diagnostic::unrecorded_result),
        Page::SelfDiagnosticForm => get(pages::self_diagnostic::form),
        Page::SelfDiagnosticResult => post(pages::self_diagnostic::result),
        Page::SelfDiagnosticContact => post(pages::self_diagnostic::contact),
        Page::ContactRequests => get(pages::contact_requests::list),
        Page::ContactRequestTake => post(pages::contact_requests::take),
        Page::ContactRequestClose => post(pages::contact_requests::close),
        Page::OrientationCandidates => get(pages::orientation::candidates),
        Page::ReferralSend => post(pages::orientation::send),
        Page::Referrals => get(pages::orientation::list),
        Page::ReferralDetail => get(pages::orientation::detail),
        Page::ReferralAct => post(pages::orientation::act),
        Page::SessionRecord => post(pages::pathway::record_session),
        Page::ReferralClose => post(pages::pathway::close),
        Page::WorkshopForm => get(pages::pathway::workshop_form),
        Page::WorkshopRecord => post(pages::pathway::record_workshop),
        Page::Queue => get(pages::queue::show),
        Page::TerritorySettingsForm => get(pages::queue::settings_form),
        Page::TerritorySettingsSave => post(pages::queue::save_settings),
        Page::Redistribution => get(pages::redistribution::show),
        Page::RedistributionConfirm => post(pages::redistribution::confirm),
        Page::Notifications => get(pages::notifications::list),
        Page::ApiEnrol => post(api_people::enrol),
        Page::ApiDiagnosticSubmit => post(api_people::submit_diagnostic),
        Page::ApiProfile => get(api_people::profile),
        Page::AdminAccounts => get(pages::admin::list_accounts),
        Page::AdminCreateAccount => post(pages::admin::create),
        Page::AdminAuditLog => get(pages::admin::audit_log),
        Page::LegalNotice => get(pages::legal::legal_notice),
        Page::Accessibility => get(pages::legal::accessibility),
        Page::Health => get(api::health),
        Page::OpenApi => get(api::openapi),
        Page::ApiMe => get(api::me),
        Page::ApiCommunes => get(api::communes),
        Page::ApiStructures => get(api::structures),
        Page::ApiPlaces => get(api::places),
        Page::ApiPlacesGeoJson => get(api::places_geojson),
        Page::ApiTerritoryGeoJson => get(api::territory_communes_geojson),
        Page::ApiPlaceDetail => get(api::place_detail),
        Page::ApiOffers => get(api::offers),
        Page::Assets => get(assets::serve),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_allowed_account_gets_the_upload_size_on_an_upload_route() {
        let upload = |path, role| body_limit(&Method::POST, path, role);
        assert_eq!(
            upload("/annuaire/import", Some(Role::Coordinator)),
            UPLOAD_BODY_BYTES
        );
        assert_eq!(
            upload("/territoire/indice", Some(Role::Coordinator)),
            UPLOAD_BODY_BYTES
        );
        assert_eq!(upload("/annuaire/import", None), SMALL_BODY_BYTES);
        assert_eq!(
            upload("/annuaire/import", Some(Role::Mediator)),
            SMALL_BODY_BYTES
        );
        assert_eq!(
            upload("/territoire/indice", Some(Role::Prescriber)),
            SMALL_BODY_BYTES
        );
        assert_eq!(upload("/auto-diagnostic/contact", None), SMALL_BODY_BYTES);
        assert_eq!(
            upload("/personnes/inscrire", Some(Role::Prescriber)),
            SMALL_BODY_BYTES
        );
        assert_eq!(
            body_limit(&Method::GET, "/annuaire/import", Some(Role::Coordinator)),
            SMALL_BODY_BYTES
        );
    }

    #[test]
    fn every_upload_is_a_routed_post_with_a_literal_path() {
        for page in UPLOADS {
            let route = ROUTES.iter().find(|r| r.page == *page).expect("routed");
            assert_eq!(route.method, Method::POST);
            assert!(!route.path.contains('{'), "{}", route.path);
        }
    }
}
