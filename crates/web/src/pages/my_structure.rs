//! « Ma structure » (`/ma-structure`): the viewer's own structure at a glance — its place as the
//! directory shows it, its offers, its team and its figures (counts only) — with the way to each
//! page where they are changed, as far as the viewer's role may go there.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::render;
use crate::routes::may_reach;
use aiguillage_store::{Account, StructureFigures};
use askama::Template;
use axum::http::Method;
use axum::response::Response;

/// One offer of the structure, with its page.
struct OfferLine {
    name: String,
    capacity: String,
    delay: String,
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "my_structure.html")]
struct MyStructureTemplate {
    layout: Layout,
    name: String,
    address: String,
    /// The directory page, and its edit page when the viewer may edit.
    place_href: String,
    edit_href: Option<String>,
    new_offer_href: Option<String>,
    offers: Vec<OfferLine>,
    team: Vec<Account>,
    figures: StructureFigures,
    /// The queue page, when the viewer may open it.
    queue_href: Option<String>,
    /// The page of the appointment windows, when the viewer may open it.
    slots_href: Option<String>,
    /// The team page (invitations, roles, removals), when the viewer may open it.
    team_href: Option<String>,
}

/// `GET /ma-structure`.
pub async fn show(me: Professional) -> Result<Response, WebError> {
    let structure_id = me.user.account.structure_id;
    let store = &me.state.store;
    let stored = store.place(structure_id).await?;
    let role = Some(me.user.account.role);
    let editable = aiguillage_service::directory_edit::may_edit(&me.user.account, &stored);
    let place_href = format!("/annuaire/{structure_id}");
    let edit_href = format!("{place_href}/modifier");
    let offers = stored
        .offers
        .iter()
        .zip(&stored.offer_ids)
        .map(|(offer, id)| OfferLine {
            name: offer.name.clone(),
            capacity: offer
                .facts
                .capacity_per_week
                .map(|c| format!("{c} personnes par semaine"))
                .unwrap_or_else(|| "non indiquée".to_owned()),
            delay: offer
                .facts
                .first_contact_delay_days
                .map(|d| format!("{d} jours"))
                .unwrap_or_else(|| "non indiqué".to_owned()),
            href: editable.then(|| format!("{place_href}/offres/{id}")),
        })
        .collect();
    let place = &stored.place;
    render(&MyStructureTemplate {
        layout: me.layout("/ma-structure", "Ma structure"),
        name: place.name.clone(),
        address: format!("{}, {} {}", place.address, place.postal_code, place.commune),
        edit_href: (editable && may_reach(role, &Method::GET, &edit_href)).then_some(edit_href),
        new_offer_href: editable.then(|| format!("{place_href}/offres/nouvelle")),
        place_href,
        offers,
        team: store.team_of(structure_id).await?,
        figures: store.structure_figures(structure_id, me.now()).await?,
        queue_href: may_reach(role, &Method::GET, "/orientations")
            .then(|| "/orientations".to_owned()),
        slots_href: may_reach(role, &Method::GET, "/ma-structure/creneaux")
            .then(|| "/ma-structure/creneaux".to_owned()),
        team_href: may_reach(role, &Method::GET, "/equipe").then(|| "/equipe".to_owned()),
    })
}
