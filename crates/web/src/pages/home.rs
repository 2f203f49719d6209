//! The home page of each role: what this professional can do on the platform, with links to the
//! pages they may open (taken from the navigation, hence from the policy).

use crate::auth::Viewer;
use crate::error::WebError;
use crate::layout::{Layout, NAVIGATION};
use crate::pages::account::territory_name;
use crate::pages::render;
use crate::routes::may_reach;
use aiguillage_domain::role::Role;
use aiguillage_service::state::AppState;
use aiguillage_store::Account;
use askama::Template;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;

/// What a role is for, in the words of the people who hold it.
struct RoleGuide {
    mission: &'static str,
    tasks: &'static [&'static str],
}

fn guide(role: Role) -> RoleGuide {
    match role {
        Role::Prescriber => RoleGuide {
            mission: "Vous rencontrez des personnes en difficulté avec le numérique. Aiguillage vous aide à les repérer, à évaluer leur autonomie et à les orienter vers l'accompagnement qui leur convient, puis à suivre ce qu'il advient de chaque orientation.",
            tasks: &[
                "Inscrire une personne avec son consentement et réaliser son diagnostic en quelques minutes.",
                "Orienter la personne vers l'offre adaptée (compétence, public, accessibilité, format, distance) et suivre l'orientation.",
                "Retrouver les personnes que vous ou votre structure avez inscrites.",
                "Consulter l'annuaire des structures et le référentiel des communes de votre territoire.",
            ],
        },
        Role::Mediator => RoleGuide {
            mission: "Vous accompagnez les personnes orientées vers votre structure. Aiguillage tient votre file d'orientations à traiter, de l'acceptation au premier contact puis au parcours.",
            tasks: &[
                "Accepter ou refuser (avec un motif) les orientations reçues par votre structure.",
                "Contacter la personne, enregistrer les séances et refaire le diagnostic pour mesurer les progrès.",
                "Clore le parcours en notant son issue : autonomie atteinte, démarche faite pour la personne, réorientation…",
                "Consulter l'annuaire des structures et le référentiel des communes.",
            ],
        },
        Role::StructureManager => RoleGuide {
            mission: "Vous dirigez une structure d'accompagnement. Aiguillage fait connaître vos offres aux prescripteurs du territoire et vous montre la charge de votre équipe.",
            tasks: &[
                "Décrire les offres de votre structure : services, publics, accessibilité, horaires, capacités.",
                "Suivre le nombre d'orientations reçues, acceptées et en attente.",
                "Gérer l'équipe de médiateurs rattachée à votre structure.",
                "Consulter l'annuaire des structures et le référentiel des communes.",
            ],
        },
        Role::Coordinator => RoleGuide {
            mission: "Vous pilotez l'inclusion numérique de votre territoire. Aiguillage vous donne une vue d'ensemble de la file active, des indicateurs communs et de la couverture du territoire.",
            tasks: &[
                "Suivre la file active du territoire (données pseudonymisées) et les orientations en attente au-delà des délais cibles.",
                "Répartir la file entre les offres selon leurs capacités réelles.",
                "Consulter les indicateurs de pilotage et la carte de fragilité et de couverture.",
                "Tenir à jour l'annuaire « qui fait quoi » du territoire.",
            ],
        },
        Role::Administrator => RoleGuide {
            mission: "Vous administrez cette instance d'Aiguillage. Vous gérez les comptes des professionnels, le référentiel territorial et les réglages ; vous ne voyez pas les dossiers des personnes accompagnées.",
            tasks: &[
                "Créer les comptes des professionnels et leur attribuer un rôle, une structure et un territoire.",
                "Consulter le journal d'audit des consultations et modifications de données personnelles.",
                "Importer le référentiel des communes (commande aiguillage territory import).",
            ],
        },
        Role::Sponsor => RoleGuide {
            mission: "Vous financez l'accompagnement au numérique par des chèques. Aiguillage tient vos campagnes, de l'impression des carnets à leur encaissement par les lieux qualifiés, et vous rend compte de leur usage sans jamais vous montrer les personnes.",
            tasks: &[
                "Ouvrir une campagne de chèques : valeur, ce qu'un chèque paie, publics visés, dates de validité, budget.",
                "Suivre les chèques imprimés, remis et encaissés, par lieu, commune, public et tranche d'âge (chiffres masqués sous le seuil de diffusion).",
                "Recevoir chaque mois le relevé de remboursement de chaque lieu et le marquer payé.",
            ],
        },
    }
}

/// A link from the home page to a page the viewer may open.
struct Shortcut {
    label: &'static str,
    href: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTemplate {
    layout: Layout,
    name: String,
    role_label: &'static str,
    structure_name: String,
    territory_name: String,
    mission: &'static str,
    tasks: &'static [&'static str],
    shortcuts: Vec<Shortcut>,
}

#[derive(Template)]
#[template(path = "welcome.html")]
struct WelcomeTemplate {
    layout: Layout,
}

/// `GET /`: the role's home for a professional; for a visitor without an account, the public
/// welcome that leads to the self-diagnostic and to the professionals' login.
pub async fn show(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let layout = Layout::new(&state, &viewer, "/", "Accueil");
    match &viewer.0 {
        None => render(&WelcomeTemplate { layout }),
        Some(user) => render(&HomeTemplate::of(layout, &user.account)),
    }
}

/// The pages of the navigation the role may open, but the home itself.
fn shortcuts(role: Role) -> Vec<Shortcut> {
    NAVIGATION
        .iter()
        .filter(|(_, href)| *href != "/" && may_reach(Some(role), &Method::GET, href))
        .map(|(label, href)| Shortcut { label, href })
        .collect()
}

impl HomeTemplate {
    fn of(layout: Layout, account: &Account) -> HomeTemplate {
        let role_guide = guide(account.role);
        HomeTemplate {
            layout,
            name: account.display_name.clone(),
            role_label: account.role.label(),
            structure_name: account.structure_name.clone(),
            territory_name: territory_name(account),
            mission: role_guide.mission,
            tasks: role_guide.tasks,
            shortcuts: shortcuts(account.role),
        }
    }
}
