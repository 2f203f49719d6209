//! Every route of the application, declared once: method, path, handler, who may reach it, and
//! whether it takes a file. The router ([`crate::router`]), the policy guard in front of each handler
//! ([`crate::auth::guard`]), the body limit ([`body_limit`]) and the navigation all read this table;
//! the route × role test (`tests/it/routes_by_role.rs`) checks it against a matrix of its own.
//!
//! Adding a page: write its handler in `pages/`, then add one line below.

use crate::policy::Audience::{self, ApiClient, Public, Roles, SignedIn};
use crate::policy::{
    EDITORS, HELPERS, HELPERS_OR_PEOPLE_CLIENTS, HELPERS_OR_REFERRAL_CLIENTS, INDEX_READERS,
    STEERING_READERS, TERRITORY_READERS, VOUCHER_PLACES_OR_CLIENTS,
};
use crate::{
    api, api_coop, api_indicators, api_people, api_referrals, api_resources, api_vouchers, assets,
    metrics, pages,
};
use aiguillage_domain::api_client::ApiScope::{ActivitiesRead, DirectoryRead};
use aiguillage_domain::role::Role::{
    self, Administrator, Coordinator, Mediator, Prescriber, Sponsor, StructureManager,
};
use aiguillage_service::AppState;
use axum::http::Method;
use axum::routing::{on, MethodFilter, MethodRouter};

/// One route: how a request reaches it, what answers, and who may ask.
#[derive(Clone)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    /// The handler, bound to the method (a function, so that the table can be a constant).
    pub handler: fn() -> MethodRouter<AppState>,
    /// Who may reach the route ([`crate::policy::may_reach`]); the guard answers the others.
    pub who: Audience,
    /// The route takes a file: the largest body for whoever may reach it ([`UPLOAD_BODY_BYTES`],
    /// or [`ARCHIVE_BODY_BYTES`] for a session's archive).
    pub upload: Option<usize>,
}

impl Route {
    /// Whether someone with `role` (or nobody signed in, `None`) may reach this route.
    pub fn allows(&self, role: Option<Role>) -> bool {
        self.who.admits(role)
    }
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({:?})", self.method, self.path, self.who)
    }
}

/// The largest body of every route but the uploads: the biggest form (the self-diagnostic's contact
/// form, which carries every answer back as hidden fields, notes included) stays under 16 KiB.
pub const SMALL_BODY_BYTES: usize = 64 * 1024;
/// The largest body of an upload (a directory file, a territory's indicators).
pub const UPLOAD_BODY_BYTES: usize = 25 * 1024 * 1024;
/// The largest body of a session's archive: the largest archive read, and room for the form.
pub const ARCHIVE_BODY_BYTES: usize =
    aiguillage_interop::resource_archive::MAX_ARCHIVE_BYTES as usize + 64 * 1024;

/// The largest body a request may send: an upload's size only on an upload route and for a role
/// the policy lets reach it (decided before any byte is read); the small size otherwise.
pub fn body_limit(method: &Method, path: &str, role: Option<Role>) -> usize {
    ROUTES
        .iter()
        .filter(|route| {
            route.method == method && template_matches(route.path, path) && route.allows(role)
        })
        .find_map(|route| route.upload)
        .unwrap_or(SMALL_BODY_BYTES)
}

/// Whether a concrete path (`/ressources/12/supports`) is one of a route's template
/// (`/ressources/{id}/supports`): the same segments, a `{…}` segment standing for any non-empty one.
fn template_matches(template: &str, path: &str) -> bool {
    let (mut wanted, mut given) = (template.split('/'), path.split('/'));
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with('{') && w.ends_with('}') && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

/// Whether someone with `role` may reach the route declared with this method and path template
/// (`/personnes/{id}`); an undeclared route is closed to everybody.
pub fn may_reach(role: Option<Role>, method: &Method, path: &str) -> bool {
    ROUTES
        .iter()
        .find(|route| route.method == method && route.path == path)
        .is_some_and(|route| route.allows(role))
}

/// Builds the table: `METHOD "path" => handler, who[, upload | archive];`.
macro_rules! routes {
    ($($method:ident $path:literal => $handler:path, $who:expr $(, $upload:ident)?;)+) => {
        /// The whole routing table.
        pub const ROUTES: &[Route] = &[$(Route {
            method: Method::$method,
            path: $path,
            handler: || on(MethodFilter::$method, $handler),
            who: $who,
            upload: routes!(@upload $($upload)?),
        },)+];
    };
    (@upload upload) => { Some(UPLOAD_BODY_BYTES) };
    (@upload archive) => { Some(ARCHIVE_BODY_BYTES) };
    (@upload) => { None };
}

routes! {
    GET "/" => pages::home::show, Public;
    GET "/connexion" => pages::login::show_login, Public;
    POST "/connexion" => pages::login::submit_login, Public;
    POST "/deconnexion" => pages::login::logout, SignedIn;
    GET "/connexion/proconnect" => pages::proconnect::start, Public;
    GET "/connexion/proconnect/retour" => pages::proconnect::finish, Public;
    GET "/connexion/proconnect/deconnexion" => pages::proconnect::logout_return, Public;
    GET "/connexion/code" => pages::second_factor::show_code, Public;
    POST "/connexion/code" => pages::second_factor::submit_code, Public;
    GET "/connexion/double-authentification" => pages::second_factor::show_sign_in_enrolment, Public;
    POST "/connexion/double-authentification" => pages::second_factor::submit_sign_in_enrolment, Public;
    GET "/mot-de-passe-oublie" => pages::self_service::show_forgotten, Public;
    POST "/mot-de-passe-oublie" => pages::self_service::submit_forgotten, Public;
    GET "/mot-de-passe/nouveau/{jeton}" => pages::self_service::show_reset, Public;
    POST "/mot-de-passe/nouveau/{jeton}" => pages::self_service::submit_reset, Public;
    GET "/compte" => pages::account::show, SignedIn;
    GET "/compte/double-authentification" => pages::second_factor::show_account, SignedIn;
    POST "/compte/double-authentification" => pages::second_factor::submit_account, SignedIn;
    GET "/compte/mot-de-passe" => pages::self_service::show_change, SignedIn;
    POST "/compte/mot-de-passe" => pages::self_service::submit_change, SignedIn;
    POST "/compte/sessions/{id}/fin" => pages::self_service::end_session, SignedIn;
    POST "/compte/courriels" => pages::account::set_digest, SignedIn;
    POST "/compte/agenda" => pages::appointments::create_feed, SignedIn;
    POST "/compte/agenda/revocation" => pages::appointments::revoke_feeds, SignedIn;
    GET "/agenda/{jeton}" => pages::appointments::feed, Public;
    GET "/ma-structure/creneaux" => pages::appointments::slots_form, Roles(&[StructureManager]);
    POST "/ma-structure/creneaux" => pages::appointments::slots_submit, Roles(&[StructureManager]);
    GET "/territoire" => pages::territory::show, SignedIn;
    GET "/territoire/diagnostic" => pages::territory_diagnostic::show, SignedIn;
    GET "/territoire/indice" => pages::territory_index::show, Roles(&[Coordinator]);
    GET "/pilotage" => pages::steering::show, Roles(&[Coordinator, StructureManager, Mediator, Administrator]);
    GET "/pilotage/export" => pages::steering_export::export, Roles(&[Coordinator, StructureManager, Administrator]);
    GET "/pilotage/synthese" => pages::steering_summary::show, Roles(&[Coordinator, StructureManager, Administrator]);
    GET "/pilotage/donnees-ouvertes" => pages::steering_export::open_data, Roles(&[Coordinator, Administrator]);
    GET "/pilotage/activites-cra" => pages::steering_export::cra, Roles(&[StructureManager, Mediator]);
    POST "/territoire/indice" => pages::territory_index::upload, Roles(&[Coordinator]), upload;
    GET "/structures" => pages::structures::list, SignedIn;
    GET "/ma-structure" => pages::my_structure::show, Roles(&[StructureManager, Mediator]);
    GET "/equipe" => pages::team::show, Roles(&[StructureManager]);
    POST "/equipe/invitations" => pages::team::invite, Roles(&[StructureManager]);
    POST "/equipe/invitations/{id}/annulation" => pages::team::cancel_invitation, Roles(&[StructureManager]);
    POST "/equipe/membres/{id}/role" => pages::team::change_role, Roles(&[StructureManager]);
    POST "/equipe/membres/{id}/retrait" => pages::team::remove, Roles(&[StructureManager]);
    GET "/structures/{id}/inviter-responsable" => pages::team::show_manager_invitation, Roles(&[Coordinator]);
    POST "/structures/{id}/inviter-responsable" => pages::team::invite_manager, Roles(&[Coordinator]);
    GET "/invitation/{jeton}" => pages::team::show_invitation, Public;
    POST "/invitation/{jeton}" => pages::team::accept_invitation, Public;
    GET "/compte/structure" => pages::team::show_choice, SignedIn;
    POST "/compte/structure" => pages::team::choose, SignedIn;
    GET "/equipe/demandes" => pages::proconnect::requests, Roles(&[StructureManager, Coordinator]);
    POST "/equipe/demandes/{id}" => pages::proconnect::decide, Roles(&[StructureManager, Coordinator]);
    GET "/annuaire" => pages::directory::search, SignedIn;
    GET "/annuaire/{id}" => pages::directory::show, SignedIn;
    GET "/annuaire/{id}/modifier" => pages::place_edit::show_form, Roles(&[StructureManager, Coordinator]);
    GET "/annuaire/{id}/offres/nouvelle" => pages::offer_edit::show_new, EDITORS;
    POST "/annuaire/{id}/offres/nouvelle" => pages::offer_edit::create, EDITORS;
    GET "/annuaire/{id}/offres/{offre}" => pages::offer_edit::show_existing, EDITORS;
    POST "/annuaire/{id}/offres/{offre}" => pages::offer_edit::update, EDITORS;
    POST "/annuaire/{id}/modifier" => pages::place_edit::submit, Roles(&[StructureManager, Coordinator]);
    GET "/annuaire/import" => pages::directory_import::show_form, Roles(&[Coordinator, Administrator]);
    POST "/annuaire/import" => pages::directory_import::preview, Roles(&[Coordinator, Administrator]), upload;
    POST "/annuaire/import/confirmer" => pages::directory_import::confirm, Roles(&[Coordinator, Administrator]);
    GET "/annuaire/conflits" => pages::import_conflicts::list, Roles(&[StructureManager, Coordinator]);
    POST "/annuaire/conflits/{id}" => pages::import_conflicts::choose, Roles(&[StructureManager, Coordinator]);
    GET "/personnes" => pages::people::list, HELPERS;
    GET "/personnes/inscrire" => pages::people::enrol_form, HELPERS;
    POST "/personnes/inscrire" => pages::people::enrol, HELPERS;
    GET "/personnes/{id}" => pages::people::detail, HELPERS;
    POST "/personnes/{id}/effacer" => pages::people::erase, HELPERS;
    GET "/personnes/echeances" => pages::retention::due, HELPERS;
    GET "/personnes/{id}/conservation" => pages::retention::show, HELPERS;
    POST "/personnes/{id}/conservation" => pages::retention::extend, HELPERS;
    GET "/personnes/{id}/modifier" => pages::people::edit_form, HELPERS;
    POST "/personnes/{id}/modifier" => pages::people::update, HELPERS;
    GET "/personnes/{id}/donnees" => pages::rights::export_page, HELPERS;
    GET "/personnes/{id}/donnees.json" => pages::rights::export_json, HELPERS;
    POST "/personnes/{id}/demandes-droits" => pages::rights::record_request, HELPERS;
    POST "/personnes/{id}/demandes-droits/{demande}/reponse" => pages::rights::answer_request, HELPERS;
    GET "/personnes/{id}/diagnostic" => pages::diagnostic::form, HELPERS;
    POST "/personnes/{id}/diagnostic" => pages::diagnostic::submit, HELPERS;
    GET "/personnes/{id}/diagnostics/{diagnostic}" => pages::diagnostic::result, HELPERS;
    POST "/personnes/{id}/diagnostics/{diagnostic}/ajustement" => pages::diagnostic::adjust, HELPERS;
    GET "/personnes/{id}/diagnostics/{diagnostic}/fiche" => pages::diagnostic::summary, HELPERS;
    GET "/diagnostic-sans-enregistrement" => pages::diagnostic::unrecorded_form, HELPERS;
    POST "/diagnostic-sans-enregistrement" => pages::diagnostic::unrecorded_result, HELPERS;
    GET "/personnes/{id}/orientation" => pages::orientation::candidates, HELPERS;
    POST "/personnes/{id}/orientation" => pages::orientation::send, HELPERS;
    GET "/orientations" => pages::orientation::list, Roles(&[Prescriber, Mediator, StructureManager]);
    POST "/orientations/{id}/attribution" => pages::orientation::assign, Roles(&[StructureManager]);
    GET "/orientations/{id}" => pages::orientation::detail, HELPERS;
    POST "/orientations/{id}" => pages::orientation::act, HELPERS;
    POST "/orientations/{id}/messages" => pages::referral_thread::post, HELPERS;
    GET "/orientations/{id}/reorientation" => pages::reorientation::show, HELPERS;
    POST "/orientations/{id}/reorientation" => pages::reorientation::submit, HELPERS;
    POST "/orientations/{id}/seances" => pages::pathway::record_session, HELPERS;
    POST "/orientations/{id}/cloture" => pages::pathway::close, HELPERS;
    GET "/orientations/{id}/fiche" => pages::take_home::show, HELPERS;
    POST "/orientations/{id}/rendez-vous" => pages::appointments::set, HELPERS;
    POST "/rendez-vous/{id}" => pages::appointments::settle, HELPERS;
    POST "/orientations/{id}/fiche" => pages::take_home::send, HELPERS;
    GET "/seances/{id}/modifier" => pages::pathway::session_edit_form, HELPERS;
    POST "/seances/{id}/modifier" => pages::pathway::correct_session, HELPERS;
    POST "/seances/{id}/supprimer" => pages::pathway::delete_session, HELPERS;
    GET "/ateliers/nouveau" => pages::pathway::workshop_form, Roles(&[Mediator]);
    POST "/ateliers/nouveau" => pages::pathway::record_workshop, Roles(&[Mediator]);
    POST "/file-active/{id}/relance" => pages::queue::nudge, Roles(&[Coordinator]);
    GET "/file-active" => pages::queue::show, Roles(&[Coordinator]);
    GET "/file-active/{id}" => pages::queue::entry, Roles(&[Coordinator]);
    GET "/territoire/reglages" => pages::queue::settings_form, Roles(&[Coordinator]);
    POST "/territoire/reglages" => pages::queue::save_settings, Roles(&[Coordinator]);
    GET "/territoire/redistribution" => pages::redistribution::show, Roles(&[Coordinator]);
    POST "/territoire/redistribution" => pages::redistribution::confirm, Roles(&[Coordinator]);
    POST "/territoire/redistribution/{id}/annuler" => pages::redistribution::undo, Roles(&[Coordinator]);
    GET "/cheques" => pages::vouchers::hub, Roles(&[Sponsor, Coordinator, Prescriber, Mediator, StructureManager]);
    GET "/cheques/campagnes/nouvelle" => pages::vouchers::new_campaign, Roles(&[Sponsor, Coordinator]);
    POST "/cheques/campagnes/nouvelle" => pages::vouchers::create_campaign, Roles(&[Sponsor, Coordinator]);
    GET "/cheques/campagnes/{id}" => pages::vouchers::show, Roles(&[Sponsor, Coordinator]);
    POST "/cheques/campagnes/{id}/lieux" => pages::vouchers::qualify, Roles(&[Coordinator]);
    POST "/cheques/campagnes/{id}/carnets" => pages::vouchers::print, Roles(&[Sponsor, Coordinator]);
    GET "/cheques/campagnes/{id}/rapport" => pages::voucher_files::report_file, Roles(&[Sponsor, Coordinator]);
    GET "/cheques/campagnes/{id}/releves/{lieu}/{mois}" => pages::voucher_files::statement_file, Roles(&[Sponsor, Coordinator, Mediator, StructureManager]);
    POST "/cheques/campagnes/{id}/releves/{lieu}/{mois}/paye" => pages::vouchers::mark_paid, Roles(&[Sponsor, Coordinator]);
    POST "/cheques/carnets/{id}/attribution" => pages::vouchers::allocate, Roles(&[Sponsor, Coordinator]);
    POST "/cheques/carnets/{id}/annulation" => pages::vouchers::cancel_book, Roles(&[Sponsor, Coordinator]);
    POST "/cheques/carnets/{id}/reception" => pages::vouchers::receive, HELPERS;
    GET "/cheques/carnets/{id}/pdf" => pages::voucher_files::book_pdf, Roles(&[Sponsor, Coordinator, Prescriber, Mediator]);
    GET "/cheques/remise" => pages::voucher_desk::hand_form, HELPERS;
    POST "/cheques/remise" => pages::voucher_desk::hand, HELPERS;
    GET "/cheques/encaissement" => pages::voucher_desk::redeem_form, Roles(&[Mediator, StructureManager]);
    POST "/cheques/encaissement" => pages::voucher_desk::redeem, Roles(&[Mediator, StructureManager]);
    POST "/cheques/encaissement/annulation" => pages::voucher_desk::cancel, Roles(&[Mediator, StructureManager]);
    GET "/notifications" => pages::notifications::list, SignedIn;
    GET "/auto-diagnostic" => pages::self_diagnostic::form, Public;
    GET "/ressources" => pages::resources::search, Public;
    GET "/api/v1/ressources" => api_resources::list, Public;
    GET "/ressources/nouvelle" => pages::resource_edit::new_form, Roles(&[Mediator, StructureManager, Coordinator]);
    POST "/ressources/nouvelle" => pages::resource_edit::create, Roles(&[Mediator, StructureManager, Coordinator]);
    GET "/ressources/mes-seances" => pages::resource_edit::mine, Roles(&[Mediator, StructureManager, Coordinator]);
    GET "/ressources/importer" => pages::resource_archive::import_form, Roles(&[Mediator, StructureManager, Coordinator]);
    POST "/ressources/importer" => pages::resource_archive::import, Roles(&[Mediator, StructureManager, Coordinator]), archive;
    GET "/ressources/relecture" => pages::resource_edit::review_queue, Roles(&[Mediator]);
    GET "/ressources/referents" => pages::resource_review::referents, Roles(&[Coordinator]);
    POST "/ressources/referents" => pages::resource_review::designate, Roles(&[Coordinator]);
    POST "/ressources/referents/{account}/retirer" => pages::resource_review::revoke, Roles(&[Coordinator]);
    GET "/ressources/cycles" => pages::resource_cycles::list, Roles(&[Mediator, StructureManager]);
    POST "/ressources/cycles" => pages::resource_cycles::create, Roles(&[Mediator, StructureManager]);
    GET "/ressources/cycles/{id}" => pages::resource_cycles::show, Roles(&[Mediator, StructureManager]);
    POST "/ressources/cycles/{id}" => pages::resource_cycles::update, Roles(&[Mediator, StructureManager]);
    GET "/ressources/cycles/{id}/imprimer" => pages::resource_cycles::print, Roles(&[Mediator, StructureManager]);
    POST "/ressources/cycles/{id}/seances" => pages::resource_cycles::add_session, Roles(&[Mediator, StructureManager]);
    POST "/ressources/cycles/{id}/seances/{position}" => pages::resource_cycles::change_session, Roles(&[Mediator, StructureManager]);
    POST "/ressources/cycles/{id}/ateliers" => pages::resource_cycles::plan_workshops, Roles(&[Mediator]);
    GET "/ressources/{id}" => pages::resources::show, Public;
    GET "/ressources/{id}/versions/{number}" => pages::resources::version, Public;
    GET "/ressources/{id}/fichiers/{sha256}" => pages::resources::file, Public;
    GET "/ressources/{id}/archive" => pages::resource_archive::export, Public;
    GET "/ressources/{id}/modifier" => pages::resource_edit::edit_form, Roles(&[Mediator, StructureManager, Coordinator]);
    POST "/ressources/{id}/modifier" => pages::resource_edit::update, Roles(&[Mediator, StructureManager, Coordinator]);
    POST "/ressources/{id}/supports" => pages::resource_edit::add_material, Roles(&[Mediator, StructureManager, Coordinator]), upload;
    POST "/ressources/{id}/supports/{material}/retirer" => pages::resource_edit::remove_material, Roles(&[Mediator, StructureManager, Coordinator]);
    POST "/ressources/{id}/soumettre" => pages::resource_edit::submit, Roles(&[Mediator, StructureManager, Coordinator]);
    POST "/ressources/{id}/adapter" => pages::resource_edit::adapt, Roles(&[Mediator, StructureManager, Coordinator]);
    POST "/ressources/{id}/relecture" => pages::resource_review::start, Roles(&[Mediator]);
    POST "/ressources/{id}/decision" => pages::resource_review::decide, Roles(&[Mediator]);
    POST "/ressources/{id}/avis" => pages::resources::rate, Roles(&[Mediator, StructureManager]);
    POST "/ressources/{id}/signalement" => pages::resources::report, Roles(&[Mediator, StructureManager, Coordinator]);
    POST "/ressources/signalements/{id}/clore" => pages::resource_edit::close_report, Roles(&[Mediator]);
    GET "/lieux" => pages::public_directory::search, Public;
    GET "/lieux.geojson" => pages::public_directory::geojson, Public;
    GET "/lieux/{id}" => pages::public_directory::place, Public;
    GET "/integration/lieux" => pages::public_directory::embedded_search, Public;
    GET "/integration/lieux/{id}" => pages::public_directory::embedded_place, Public;
    POST "/auto-diagnostic" => pages::self_diagnostic::result, Public;
    POST "/auto-diagnostic/contact" => pages::self_diagnostic::contact, Public;
    GET "/demandes-contact" => pages::contact_requests::list, Roles(&[Prescriber, Mediator, Coordinator]);
    POST "/demandes-contact/{id}/prendre" => pages::contact_requests::take, HELPERS;
    POST "/demandes-contact/{id}/cloture" => pages::contact_requests::close, HELPERS;
    GET "/administration/comptes" => pages::admin::list_accounts, Roles(&[Administrator]);
    POST "/administration/comptes" => pages::admin::create, Roles(&[Administrator]);
    POST "/administration/comptes/{id}/double-authentification" => pages::second_factor::admin_reset, Roles(&[Administrator]);
    GET "/administration/journal" => pages::admin::audit_log, Roles(&[Administrator]);
    GET "/administration/reglages" => pages::admin_settings::show, Roles(&[Administrator]);
    POST "/administration/reglages" => pages::admin_settings::save, Roles(&[Administrator]);
    GET "/administration/demandes-droits" => pages::rights::register, Roles(&[Administrator]);
    GET "/administration/demandes-droits.csv" => pages::rights::register_csv, Roles(&[Administrator]);
    GET "/administration/clients-api" => pages::admin_api_clients::list, Roles(&[Administrator]);
    POST "/administration/clients-api" => pages::admin_api_clients::create, Roles(&[Administrator]);
    POST "/administration/clients-api/{client}/revocation" => pages::admin_api_clients::revoke_client, Roles(&[Administrator]);
    GET "/mentions-legales" => pages::legal::legal_notice, Public;
    GET "/accessibilite" => pages::legal::accessibility, Public;
    GET "/documentation/{page}" => pages::documentation::page, Public;
    GET "/healthz" => api::health, Public;
    GET "/readyz" => api::ready, Public;
    GET "/metrics" => metrics::show, Public;
    GET "/api/openapi.json" => api::openapi, Public;
    GET "/api/v1/moi" => api::me, SignedIn;
    GET "/api/v1/communes" => api::communes, SignedIn;
    GET "/api/v1/structures" => api::structures, SignedIn;
    GET "/api/v1/lieux" => api::places, SignedIn;
    GET "/api/v1/lieux.geojson" => api::places_geojson, SignedIn;
    GET "/api/v1/territoire/communes.geojson" => api::territory_communes_geojson, SignedIn;
    GET "/api/v1/lieux/{id}" => api::place_detail, SignedIn;
    GET "/api/v1/offres" => api::offers, SignedIn;
    POST "/api/v1/personnes" => api_people::enrol, HELPERS_OR_PEOPLE_CLIENTS;
    POST "/api/v1/personnes/{id}/diagnostics" => api_people::submit_diagnostic, HELPERS_OR_PEOPLE_CLIENTS;
    GET "/api/v1/personnes/{id}/profil" => api_people::profile, HELPERS_OR_PEOPLE_CLIENTS;
    POST "/api/v1/personnes/{id}/orientations" => api_referrals::send_referral, HELPERS_OR_REFERRAL_CLIENTS;
    GET "/api/v1/orientations" => api_referrals::referrals, HELPERS_OR_REFERRAL_CLIENTS;
    GET "/api/v1/orientations/{id}" => api_referrals::referral, HELPERS_OR_REFERRAL_CLIENTS;
    GET "/api/v1/cheques/{numero}" => api_vouchers::check, VOUCHER_PLACES_OR_CLIENTS;
    POST "/api/v1/cheques/{numero}/encaissement" => api_vouchers::redeem, VOUCHER_PLACES_OR_CLIENTS;
    POST "/api/v1/orientations/{id}/etapes" => api_referrals::step, HELPERS_OR_REFERRAL_CLIENTS;
    POST "/api/v1/orientations/{id}/seances" => api_referrals::record_session, HELPERS_OR_REFERRAL_CLIENTS;
    POST "/api/v1/orientations/{id}/cloture" => api_referrals::close, HELPERS_OR_REFERRAL_CLIENTS;
    GET "/api/v1/pilotage" => api_indicators::steering, STEERING_READERS;
    GET "/api/v1/territoire/diagnostic" => api_indicators::territory_diagnostic, TERRITORY_READERS;
    GET "/api/v1/territoire/couverture" => api_indicators::coverage, TERRITORY_READERS;
    GET "/api/v1/territoire/indice" => api_indicators::fragility_index, INDEX_READERS;
    GET "/api/coop/v1/health" => api_coop::health, Public;
    GET "/api/coop/v1/activites" => api_coop::activities, ApiClient(ActivitiesRead);
    GET "/api/coop/v1/utilisateurs" => api_coop::users, ApiClient(ActivitiesRead);
    GET "/api/coop/v1/statistiques" => api_coop::statistics, ApiClient(ActivitiesRead);
    GET "/api/coop/v1/structures" => api_coop::structures, ApiClient(DirectoryRead);
    GET "/api/coop/v1/lieux-activite" => api_coop::places_of_activity, ApiClient(DirectoryRead);
    GET "/static/{*path}" => assets::serve, Public;
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
            upload("/ressources/12/supports", Some(Role::Mediator)),
            UPLOAD_BODY_BYTES
        );
        assert_eq!(
            upload("/ressources/12/supports", Some(Role::Prescriber)),
            SMALL_BODY_BYTES
        );
        assert_eq!(
            upload("/ressources/12/supports/x", Some(Role::Mediator)),
            SMALL_BODY_BYTES
        );
        assert_eq!(
            upload("/ressources//supports", Some(Role::Mediator)),
            SMALL_BODY_BYTES
        );
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
            upload("/ressources/importer", Some(Role::Mediator)),
            ARCHIVE_BODY_BYTES
        );
        assert_eq!(
            upload("/ressources/importer", Some(Role::Prescriber)),
            SMALL_BODY_BYTES
        );
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
    fn every_route_is_declared_once_and_the_policy_reads_the_declaration() {
        for (i, route) in ROUTES.iter().enumerate() {
            let twice = ROUTES[i + 1..]
                .iter()
                .any(|other| other.method == route.method && other.path == route.path);
            assert!(!twice, "{} {} declared twice", route.method, route.path);
        }
        assert!(may_reach(None, &Method::GET, "/connexion"));
        assert!(!may_reach(None, &Method::GET, "/personnes"));
        assert!(may_reach(
            Some(Role::Prescriber),
            &Method::GET,
            "/personnes/{id}"
        ));
        assert!(!may_reach(
            Some(Role::Coordinator),
            &Method::GET,
            "/personnes/{id}"
        ));
        assert!(!may_reach(
            Some(Role::Administrator),
            &Method::GET,
            "/pas-de-telle-page"
        ));
    }

    #[test]
    fn every_upload_is_a_routed_post() {
        let uploads: Vec<&Route> = ROUTES.iter().filter(|r| r.upload.is_some()).collect();
        assert_eq!(uploads.len(), 4);
        for route in uploads {
            assert_eq!(route.method, Method::POST);
        }
    }
}
