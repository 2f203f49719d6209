//! Walks every route of the routing table with every role and anonymously, through the real router,
//! and checks who gets through against an access matrix written here, apart from the policy module.
//! Removing or loosening a line of the policy makes this test fail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::role::Role;
use aiguillage_web::routes::ROUTES;
use axum::http::{Method, StatusCode};
use common::{location, TestApp};

/// Who must get through a route.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expected {
    Everyone,
    SignedIn,
    AdministratorOnly,
    CoordinatorOrAdministrator,
    ManagerOrCoordinator,
    PrescriberOrMediator,
    HelpersOrCoordinator,
    CoordinatorOnly,
    MediatorOnly,
    SteeringRoles,
    /// Exports of the steering figures: managers, coordinators and the administrator (nation).
    SteeringExportRoles,
    /// The open-data file: coordinators (their territory) and the administrator (the nation).
    SteeringOpenDataRoles,
    ManagerOrMediator,
    /// Partner tools with a bearer credential only: no browser session gets through.
    ApiClientsOnly,
    /// Prescribers and mediators, and structure managers (who assign received referrals).
    HelpersOrManager,
    ManagerOnly,
    /// Whoever takes part in voucher campaigns: sponsors, coordinators, prescribers, mediators, managers.
    VoucherRoles,
    /// Those who manage a campaign: its sponsor and the coordinators of its territory.
    SponsorOrCoordinator,
    /// A campaign's managers and the places that redeem (their own statements).
    StatementReaders,
    /// A campaign's managers and the structures holding a book (prescribers, mediators).
    BookPrinters,
    /// The places that redeem: mediators and structure managers.
    RedeemingPlaces,
    /// Who writes sessions of the resource bank: mediators, structure managers, coordinators.
    BankWriters,
}

const MATRIX: &[(&str, &str, Expected)] = &[
    ("GET", "/", Expected::Everyone),
    ("GET", "/connexion", Expected::Everyone),
    ("POST", "/connexion", Expected::Everyone),
    ("POST", "/deconnexion", Expected::SignedIn),
    // ProConnect's start, return and logout return: public (404 where ProConnect is not configured).
    ("GET", "/connexion/proconnect", Expected::Everyone),
    ("GET", "/connexion/proconnect/retour", Expected::Everyone),
    (
        "GET",
        "/connexion/proconnect/deconnexion",
        Expected::Everyone,
    ),
    ("GET", "/equipe/demandes", Expected::ManagerOrCoordinator),
    (
        "POST",
        "/equipe/demandes/{id}",
        Expected::ManagerOrCoordinator,
    ),
    // The second factor's steps: public routes that only a sign-in waiting for that step uses
    // (anyone else is sent back to the login form, which is not the guard turning them away).
    ("GET", "/connexion/code", Expected::Everyone),
    ("POST", "/connexion/code", Expected::Everyone),
    (
        "GET",
        "/connexion/double-authentification",
        Expected::Everyone,
    ),
    (
        "POST",
        "/connexion/double-authentification",
        Expected::Everyone,
    ),
    ("GET", "/mot-de-passe-oublie", Expected::Everyone),
    ("POST", "/mot-de-passe-oublie", Expected::Everyone),
    ("GET", "/mot-de-passe/nouveau/{jeton}", Expected::Everyone),
    ("POST", "/mot-de-passe/nouveau/{jeton}", Expected::Everyone),
    ("GET", "/compte/double-authentification", Expected::SignedIn),
    (
        "POST",
        "/compte/double-authentification",
        Expected::SignedIn,
    ),
    ("GET", "/compte/mot-de-passe", Expected::SignedIn),
    ("POST", "/compte/mot-de-passe", Expected::SignedIn),
    ("POST", "/compte/sessions/{id}/fin", Expected::SignedIn),
    (
        "POST",
        "/administration/comptes/{id}/double-authentification",
        Expected::AdministratorOnly,
    ),
    ("GET", "/compte", Expected::SignedIn),
    ("POST", "/compte/courriels", Expected::SignedIn),
    ("POST", "/compte/agenda", Expected::SignedIn),
    ("POST", "/compte/agenda/revocation", Expected::SignedIn),
    ("GET", "/agenda/{jeton}", Expected::Everyone),
    ("GET", "/ma-structure/creneaux", Expected::ManagerOnly),
    ("POST", "/ma-structure/creneaux", Expected::ManagerOnly),
    (
        "POST",
        "/orientations/{id}/rendez-vous",
        Expected::PrescriberOrMediator,
    ),
    ("POST", "/rendez-vous/{id}", Expected::PrescriberOrMediator),
    ("GET", "/ma-structure", Expected::ManagerOrMediator),
    ("GET", "/equipe", Expected::ManagerOnly),
    ("POST", "/equipe/invitations", Expected::ManagerOnly),
    (
        "POST",
        "/equipe/invitations/{id}/annulation",
        Expected::ManagerOnly,
    ),
    ("POST", "/equipe/membres/{id}/role", Expected::ManagerOnly),
    (
        "POST",
        "/equipe/membres/{id}/retrait",
        Expected::ManagerOnly,
    ),
    (
        "GET",
        "/structures/{id}/inviter-responsable",
        Expected::CoordinatorOnly,
    ),
    (
        "POST",
        "/structures/{id}/inviter-responsable",
        Expected::CoordinatorOnly,
    ),
    // An invitation's link: public (a new account is created there, an existing one signs in).
    ("GET", "/invitation/{jeton}", Expected::Everyone),
    ("POST", "/invitation/{jeton}", Expected::Everyone),
    ("GET", "/compte/structure", Expected::SignedIn),
    ("POST", "/compte/structure", Expected::SignedIn),
    ("GET", "/territoire", Expected::SignedIn),
    ("GET", "/territoire/diagnostic", Expected::SignedIn),
    ("GET", "/territoire/indice", Expected::CoordinatorOnly),
    ("POST", "/territoire/indice", Expected::CoordinatorOnly),
    ("GET", "/pilotage", Expected::SteeringRoles),
    ("GET", "/pilotage/export", Expected::SteeringExportRoles),
    ("GET", "/pilotage/synthese", Expected::SteeringExportRoles),
    (
        "GET",
        "/pilotage/donnees-ouvertes",
        Expected::SteeringOpenDataRoles,
    ),
    (
        "GET",
        "/pilotage/activites-cra",
        Expected::ManagerOrMediator,
    ),
    ("GET", "/structures", Expected::SignedIn),
    ("GET", "/annuaire", Expected::SignedIn),
    ("GET", "/annuaire/{id}", Expected::SignedIn),
    (
        "GET",
        "/annuaire/{id}/offres/nouvelle",
        Expected::ManagerOrCoordinator,
    ),
    (
        "POST",
        "/annuaire/{id}/offres/nouvelle",
        Expected::ManagerOrCoordinator,
    ),
    (
        "GET",
        "/annuaire/{id}/offres/{offre}",
        Expected::ManagerOrCoordinator,
    ),
    (
        "POST",
        "/annuaire/{id}/offres/{offre}",
        Expected::ManagerOrCoordinator,
    ),
    (
        "GET",
        "/annuaire/{id}/modifier",
        Expected::ManagerOrCoordinator,
    ),
    (
        "POST",
        "/annuaire/{id}/modifier",
        Expected::ManagerOrCoordinator,
    ),
    (
        "GET",
        "/annuaire/import",
        Expected::CoordinatorOrAdministrator,
    ),
    (
        "POST",
        "/annuaire/import",
        Expected::CoordinatorOrAdministrator,
    ),
    (
        "POST",
        "/annuaire/import/confirmer",
        Expected::CoordinatorOrAdministrator,
    ),
    ("GET", "/annuaire/conflits", Expected::ManagerOrCoordinator),
    (
        "POST",
        "/annuaire/conflits/{id}",
        Expected::ManagerOrCoordinator,
    ),
    (
        "GET",
        "/administration/comptes",
        Expected::AdministratorOnly,
    ),
    (
        "POST",
        "/administration/comptes",
        Expected::AdministratorOnly,
    ),
    (
        "GET",
        "/administration/journal",
        Expected::AdministratorOnly,
    ),
    (
        "GET",
        "/administration/reglages",
        Expected::AdministratorOnly,
    ),
    (
        "POST",
        "/administration/reglages",
        Expected::AdministratorOnly,
    ),
    (
        "GET",
        "/administration/demandes-droits",
        Expected::AdministratorOnly,
    ),
    (
        "GET",
        "/administration/demandes-droits.csv",
        Expected::AdministratorOnly,
    ),
    (
        "GET",
        "/administration/clients-api",
        Expected::AdministratorOnly,
    ),
    (
        "POST",
        "/administration/clients-api",
        Expected::AdministratorOnly,
    ),
    (
        "POST",
        "/administration/clients-api/{client}/revocation",
        Expected::AdministratorOnly,
    ),
    ("GET", "/cheques", Expected::VoucherRoles),
    (
        "GET",
        "/api/v1/cheques/{numero}",
        Expected::ManagerOrMediator,
    ),
    (
        "POST",
        "/api/v1/cheques/{numero}/encaissement",
        Expected::ManagerOrMediator,
    ),
    (
        "GET",
        "/cheques/campagnes/nouvelle",
        Expected::SponsorOrCoordinator,
    ),
    (
        "POST",
        "/cheques/campagnes/nouvelle",
        Expected::SponsorOrCoordinator,
    ),
    (
        "GET",
        "/cheques/campagnes/{id}",
        Expected::SponsorOrCoordinator,
    ),
    (
        "POST",
        "/cheques/campagnes/{id}/lieux",
        Expected::CoordinatorOnly,
    ),
    (
        "POST",
        "/cheques/campagnes/{id}/carnets",
        Expected::SponsorOrCoordinator,
    ),
    (
        "GET",
        "/cheques/campagnes/{id}/rapport",
        Expected::SponsorOrCoordinator,
    ),
    (
        "GET",
        "/cheques/campagnes/{id}/releves/{lieu}/{mois}",
        Expected::StatementReaders,
    ),
    (
        "POST",
        "/cheques/campagnes/{id}/releves/{lieu}/{mois}/paye",
        Expected::SponsorOrCoordinator,
    ),
    (
        "POST",
        "/cheques/carnets/{id}/attribution",
        Expected::SponsorOrCoordinator,
    ),
    (
        "POST",
        "/cheques/carnets/{id}/annulation",
        Expected::SponsorOrCoordinator,
    ),
    (
        "POST",
        "/cheques/carnets/{id}/reception",
        Expected::PrescriberOrMediator,
    ),
    ("GET", "/cheques/carnets/{id}/pdf", Expected::BookPrinters),
    ("GET", "/cheques/remise", Expected::PrescriberOrMediator),
    ("POST", "/cheques/remise", Expected::PrescriberOrMediator),
    ("GET", "/cheques/encaissement", Expected::RedeemingPlaces),
    ("POST", "/cheques/encaissement", Expected::RedeemingPlaces),
    (
        "POST",
        "/cheques/encaissement/annulation",
        Expected::RedeemingPlaces,
    ),
    ("GET", "/mentions-legales", Expected::Everyone),
    ("GET", "/accessibilite", Expected::Everyone),
    ("GET", "/documentation/{page}", Expected::Everyone),
    ("GET", "/healthz", Expected::Everyone),
    ("GET", "/readyz", Expected::Everyone),
    // The figures: the loopback address or the token's bearer only (404 to anyone else).
    ("GET", "/metrics", Expected::Everyone),
    ("GET", "/api/openapi.json", Expected::Everyone),
    ("GET", "/api/v1/moi", Expected::SignedIn),
    ("GET", "/api/v1/communes", Expected::SignedIn),
    ("GET", "/api/v1/structures", Expected::SignedIn),
    ("GET", "/api/v1/lieux", Expected::SignedIn),
    ("GET", "/api/v1/lieux.geojson", Expected::SignedIn),
    (
        "GET",
        "/api/v1/territoire/communes.geojson",
        Expected::SignedIn,
    ),
    ("GET", "/api/v1/lieux/{id}", Expected::SignedIn),
    ("GET", "/api/v1/offres", Expected::SignedIn),
    ("GET", "/static/{*path}", Expected::Everyone),
    ("GET", "/api/coop/v1/health", Expected::Everyone),
    ("GET", "/api/coop/v1/activites", Expected::ApiClientsOnly),
    ("GET", "/api/coop/v1/utilisateurs", Expected::ApiClientsOnly),
    ("GET", "/api/coop/v1/statistiques", Expected::ApiClientsOnly),
    ("GET", "/api/coop/v1/structures", Expected::ApiClientsOnly),
    (
        "GET",
        "/api/coop/v1/lieux-activite",
        Expected::ApiClientsOnly,
    ),
    ("GET", "/personnes", Expected::PrescriberOrMediator),
    ("GET", "/personnes/inscrire", Expected::PrescriberOrMediator),
    (
        "GET",
        "/personnes/{id}/modifier",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/personnes/{id}/modifier",
        Expected::PrescriberOrMediator,
    ),
    (
        "GET",
        "/personnes/{id}/donnees",
        Expected::PrescriberOrMediator,
    ),
    (
        "GET",
        "/personnes/{id}/donnees.json",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/personnes/{id}/demandes-droits",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/personnes/{id}/demandes-droits/{demande}/reponse",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/personnes/inscrire",
        Expected::PrescriberOrMediator,
    ),
    ("GET", "/personnes/{id}", Expected::PrescriberOrMediator),
    (
        "POST",
        "/personnes/{id}/effacer",
        Expected::PrescriberOrMediator,
    ),
    (
        "GET",
        "/personnes/echeances",
        Expected::PrescriberOrMediator,
    ),
    (
        "GET",
        "/personnes/{id}/conservation",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/personnes/{id}/conservation",
        Expected::PrescriberOrMediator,
    ),
    (
        "GET",
        "/personnes/{id}/diagnostic",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/personnes/{id}/diagnostic",
        Expected::PrescriberOrMediator,
    ),
    (
        "GET",
        "/personnes/{id}/diagnostics/{diagnostic}",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/personnes/{id}/diagnostics/{diagnostic}/ajustement",
        Expected::PrescriberOrMediator,
    ),
    (
        "GET",
        "/personnes/{id}/diagnostics/{diagnostic}/fiche",
        Expected::PrescriberOrMediator,
    ),
    (
        "GET",
        "/diagnostic-sans-enregistrement",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/diagnostic-sans-enregistrement",
        Expected::PrescriberOrMediator,
    ),
    (
        "GET",
        "/personnes/{id}/orientation",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/personnes/{id}/orientation",
        Expected::PrescriberOrMediator,
    ),
    ("GET", "/orientations", Expected::HelpersOrManager),
    (
        "POST",
        "/orientations/{id}/attribution",
        Expected::ManagerOnly,
    ),
    ("GET", "/orientations/{id}", Expected::PrescriberOrMediator),
    (
        "POST",
        "/orientations/{id}/messages",
        Expected::PrescriberOrMediator,
    ),
    (
        "GET",
        "/orientations/{id}/reorientation",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/orientations/{id}/reorientation",
        Expected::PrescriberOrMediator,
    ),
    ("POST", "/orientations/{id}", Expected::PrescriberOrMediator),
    (
        "POST",
        "/orientations/{id}/seances",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/orientations/{id}/cloture",
        Expected::PrescriberOrMediator,
    ),
    (
        "GET",
        "/orientations/{id}/fiche",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/orientations/{id}/fiche",
        Expected::PrescriberOrMediator,
    ),
    (
        "GET",
        "/seances/{id}/modifier",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/seances/{id}/modifier",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/seances/{id}/supprimer",
        Expected::PrescriberOrMediator,
    ),
    ("GET", "/ateliers/nouveau", Expected::MediatorOnly),
    ("POST", "/ateliers/nouveau", Expected::MediatorOnly),
    ("GET", "/file-active", Expected::CoordinatorOnly),
    ("GET", "/file-active/{id}", Expected::CoordinatorOnly),
    (
        "POST",
        "/file-active/{id}/relance",
        Expected::CoordinatorOnly,
    ),
    ("GET", "/territoire/reglages", Expected::CoordinatorOnly),
    ("POST", "/territoire/reglages", Expected::CoordinatorOnly),
    (
        "GET",
        "/territoire/redistribution",
        Expected::CoordinatorOnly,
    ),
    (
        "POST",
        "/territoire/redistribution",
        Expected::CoordinatorOnly,
    ),
    (
        "POST",
        "/territoire/redistribution/{id}/annuler",
        Expected::CoordinatorOnly,
    ),
    ("GET", "/notifications", Expected::SignedIn),
    ("GET", "/auto-diagnostic", Expected::Everyone),
    ("GET", "/ressources", Expected::Everyone),
    ("GET", "/api/v1/ressources", Expected::Everyone),
    ("GET", "/ressources/nouvelle", Expected::BankWriters),
    ("POST", "/ressources/nouvelle", Expected::BankWriters),
    ("GET", "/ressources/mes-seances", Expected::BankWriters),
    ("GET", "/ressources/importer", Expected::BankWriters),
    ("POST", "/ressources/importer", Expected::BankWriters),
    ("GET", "/ressources/relecture", Expected::MediatorOnly),
    ("GET", "/ressources/referents", Expected::CoordinatorOnly),
    ("POST", "/ressources/referents", Expected::CoordinatorOnly),
    (
        "POST",
        "/ressources/referents/{account}/retirer",
        Expected::CoordinatorOnly,
    ),
    ("GET", "/ressources/{id}", Expected::Everyone),
    (
        "GET",
        "/ressources/{id}/versions/{number}",
        Expected::Everyone,
    ),
    (
        "GET",
        "/ressources/{id}/fichiers/{sha256}",
        Expected::Everyone,
    ),
    ("GET", "/ressources/{id}/archive", Expected::Everyone),
    ("GET", "/ressources/{id}/modifier", Expected::BankWriters),
    ("POST", "/ressources/{id}/modifier", Expected::BankWriters),
    ("POST", "/ressources/{id}/supports", Expected::BankWriters),
    (
        "POST",
        "/ressources/{id}/supports/{material}/retirer",
        Expected::BankWriters,
    ),
    ("POST", "/ressources/{id}/soumettre", Expected::BankWriters),
    ("POST", "/ressources/{id}/adapter", Expected::BankWriters),
    ("POST", "/ressources/{id}/relecture", Expected::MediatorOnly),
    ("POST", "/ressources/{id}/decision", Expected::MediatorOnly),
    ("POST", "/ressources/{id}/avis", Expected::ManagerOrMediator),
    (
        "POST",
        "/ressources/{id}/signalement",
        Expected::BankWriters,
    ),
    (
        "POST",
        "/ressources/signalements/{id}/clore",
        Expected::MediatorOnly,
    ),
    ("GET", "/ressources/cycles", Expected::ManagerOrMediator),
    ("POST", "/ressources/cycles", Expected::ManagerOrMediator),
    (
        "GET",
        "/ressources/cycles/{id}",
        Expected::ManagerOrMediator,
    ),
    (
        "POST",
        "/ressources/cycles/{id}",
        Expected::ManagerOrMediator,
    ),
    (
        "GET",
        "/ressources/cycles/{id}/imprimer",
        Expected::ManagerOrMediator,
    ),
    (
        "POST",
        "/ressources/cycles/{id}/seances",
        Expected::ManagerOrMediator,
    ),
    (
        "POST",
        "/ressources/cycles/{id}/seances/{position}",
        Expected::ManagerOrMediator,
    ),
    (
        "POST",
        "/ressources/cycles/{id}/ateliers",
        Expected::MediatorOnly,
    ),
    ("GET", "/lieux", Expected::Everyone),
    ("GET", "/lieux.geojson", Expected::Everyone),
    ("GET", "/lieux/{id}", Expected::Everyone),
    ("GET", "/integration/lieux", Expected::Everyone),
    ("GET", "/integration/lieux/{id}", Expected::Everyone),
    ("POST", "/auto-diagnostic", Expected::Everyone),
    ("POST", "/auto-diagnostic/contact", Expected::Everyone),
    ("GET", "/demandes-contact", Expected::HelpersOrCoordinator),
    (
        "POST",
        "/demandes-contact/{id}/prendre",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/demandes-contact/{id}/cloture",
        Expected::PrescriberOrMediator,
    ),
    ("POST", "/api/v1/personnes", Expected::PrescriberOrMediator),
    (
        "POST",
        "/api/v1/personnes/{id}/diagnostics",
        Expected::PrescriberOrMediator,
    ),
    (
        "GET",
        "/api/v1/personnes/{id}/profil",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/api/v1/personnes/{id}/orientations",
        Expected::PrescriberOrMediator,
    ),
    (
        "GET",
        "/api/v1/orientations",
        Expected::PrescriberOrMediator,
    ),
    ("GET", "/api/v1/pilotage", Expected::SteeringExportRoles),
    ("GET", "/api/v1/territoire/diagnostic", Expected::SignedIn),
    ("GET", "/api/v1/territoire/couverture", Expected::SignedIn),
    (
        "GET",
        "/api/v1/territoire/indice",
        Expected::CoordinatorOnly,
    ),
    (
        "GET",
        "/api/v1/orientations/{id}",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/api/v1/orientations/{id}/etapes",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/api/v1/orientations/{id}/seances",
        Expected::PrescriberOrMediator,
    ),
    (
        "POST",
        "/api/v1/orientations/{id}/cloture",
        Expected::PrescriberOrMediator,
    ),
];

fn may_pass(expected: Expected, role: Option<Role>) -> bool {
    match expected {
        Expected::Everyone => true,
        Expected::ApiClientsOnly => false,
        Expected::HelpersOrManager => matches!(
            role,
            Some(Role::Prescriber | Role::Mediator | Role::StructureManager)
        ),
        Expected::ManagerOnly => role == Some(Role::StructureManager),
        Expected::SignedIn => role.is_some(),
        Expected::AdministratorOnly => role == Some(Role::Administrator),
        Expected::ManagerOrCoordinator => {
            matches!(role, Some(Role::StructureManager | Role::Coordinator))
        }
        Expected::CoordinatorOnly => role == Some(Role::Coordinator),
        Expected::MediatorOnly => role == Some(Role::Mediator),
        Expected::SteeringRoles => matches!(
            role,
            Some(Role::Coordinator | Role::StructureManager | Role::Mediator | Role::Administrator)
        ),
        Expected::SteeringExportRoles => matches!(
            role,
            Some(Role::Coordinator | Role::StructureManager | Role::Administrator)
        ),
        Expected::SteeringOpenDataRoles => {
            matches!(role, Some(Role::Coordinator | Role::Administrator))
        }
        Expected::ManagerOrMediator => {
            matches!(role, Some(Role::StructureManager | Role::Mediator))
        }
        Expected::PrescriberOrMediator => matches!(role, Some(Role::Prescriber | Role::Mediator)),
        Expected::HelpersOrCoordinator => matches!(
            role,
            Some(Role::Prescriber | Role::Mediator | Role::Coordinator)
        ),
        Expected::CoordinatorOrAdministrator => {
            matches!(role, Some(Role::Coordinator | Role::Administrator))
        }
        Expected::VoucherRoles => !matches!(role, None | Some(Role::Administrator)),
        Expected::SponsorOrCoordinator => matches!(role, Some(Role::Sponsor | Role::Coordinator)),
        Expected::StatementReaders => matches!(
            role,
            Some(Role::Sponsor | Role::Coordinator | Role::Mediator | Role::StructureManager)
        ),
        Expected::BookPrinters => matches!(
            role,
            Some(Role::Sponsor | Role::Coordinator | Role::Prescriber | Role::Mediator)
        ),
        Expected::RedeemingPlaces => matches!(role, Some(Role::Mediator | Role::StructureManager)),
        Expected::BankWriters => matches!(
            role,
            Some(Role::Mediator | Role::StructureManager | Role::Coordinator)
        ),
    }
}

/// A concrete URL for a route pattern.
fn concrete(path: &str) -> String {
    match path {
        "/static/{*path}" => "/static/app.css".to_owned(),
        "/api/v1/communes" => "/api/v1/communes?q=angers".to_owned(),
        "/annuaire/{id}" => "/annuaire/1".to_owned(),
        "/api/v1/lieux/{id}" => "/api/v1/lieux/1".to_owned(),
        "/annuaire/{id}/offres/nouvelle" => "/annuaire/1/offres/nouvelle".to_owned(),
        "/annuaire/{id}/offres/{offre}" => "/annuaire/1/offres/1".to_owned(),
        "/annuaire/{id}/modifier" => "/annuaire/1/modifier".to_owned(),
        "/annuaire/conflits/{id}" => "/annuaire/conflits/1".to_owned(),
        "/agenda/{jeton}" => "/agenda/pas-un-jeton".to_owned(),
        "/mot-de-passe/nouveau/{jeton}" => "/mot-de-passe/nouveau/pas-un-jeton".to_owned(),
        "/invitation/{jeton}" => "/invitation/pas-un-jeton".to_owned(),
        "/compte/sessions/{id}/fin" => "/compte/sessions/pas-une-session/fin".to_owned(),
        "/documentation/{page}" => "/documentation/indicateurs".to_owned(),
        "/api/v1/cheques/{numero}" => "/api/v1/cheques/7KQ4M2XD9TRBHW3F?campagne=1".to_owned(),
        "/api/v1/cheques/{numero}/encaissement" => {
            "/api/v1/cheques/7KQ4M2XD9TRBHW3F/encaissement".to_owned()
        }
        "/cheques/campagnes/{id}/releves/{lieu}/{mois}" => {
            "/cheques/campagnes/1/releves/1/2026-11".to_owned()
        }
        "/cheques/campagnes/{id}/releves/{lieu}/{mois}/paye" => {
            "/cheques/campagnes/1/releves/1/2026-11/paye".to_owned()
        }
        "/ressources/{id}/fichiers/{sha256}" => {
            format!("/ressources/1/fichiers/{}", "ab".repeat(32))
        }
        other => other
            .replace("{id}", "1")
            .replace("{number}", "1")
            .replace("{account}", "1")
            .replace("{material}", "1")
            .replace("{position}", "1")
            .replace("{diagnostic}", "1")
            .replace("{demande}", "1"),
    }
}

/// Whether the response is the guard turning the viewer away.
fn was_turned_away(path: &str, status: StatusCode, location: Option<&str>) -> bool {
    let to_login =
        location.is_some_and(|l| l == "/connexion" || l.starts_with("/connexion?suivant="));
    status == StatusCode::FORBIDDEN
        || (status == StatusCode::SEE_OTHER && to_login)
        || (status == StatusCode::UNAUTHORIZED && path.starts_with("/api/"))
}

#[tokio::test]
async fn every_route_lets_through_exactly_the_roles_of_the_matrix() {
    let app = TestApp::new().await;
    for route in ROUTES {
        assert!(
            MATRIX
                .iter()
                .any(|(m, p, _)| *m == route.method.as_str() && *p == route.path),
            "route {} {} is missing from the test matrix",
            route.method,
            route.path
        );
    }
    let viewers: Vec<Option<Role>> = std::iter::once(None)
        .chain(Role::ALL.into_iter().map(Some))
        .collect();
    let mut mismatches = Vec::new();
    for (method, path, expected) in MATRIX {
        assert!(
            ROUTES
                .iter()
                .any(|r| r.method.as_str() == *method && r.path == *path),
            "{method} {path} not routed"
        );
        for role in &viewers {
            let session = match role {
                Some(role) => Some(app.sign_in(*role).await),
                None => None,
            };
            let url = concrete(path);
            let response = if *method == Method::POST.as_str() {
                let (cookie, token) = match &session {
                    // The login form carries its own one-time nonce, whoever posts it.
                    Some(session) if *path == "/connexion" => {
                        let (nonce_cookie, nonce) = app.login_form().await;
                        (format!("{}; {nonce_cookie}", session.cookie), nonce)
                    }
                    Some(session) => (session.cookie.clone(), session.csrf.clone()),
                    None => app.login_form().await,
                };
                app.post_form(&url, Some(&cookie), &[("csrf_token", &token)])
                    .await
            } else {
                app.get(&url, session.as_ref()).await
            };
            let turned_away =
                was_turned_away(path, response.status(), location(&response).as_deref());
            if turned_away == may_pass(*expected, *role) {
                mismatches.push(format!(
                    "{method} {path} as {role:?}: status {}, expected {}",
                    response.status(),
                    if may_pass(*expected, *role) {
                        "through"
                    } else {
                        "turned away"
                    }
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "policy mismatches:\n{}",
        mismatches.join("\n")
    );
}
