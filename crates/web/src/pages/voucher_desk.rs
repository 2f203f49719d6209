//! The voucher desks (issue 22): a prescriber hands a voucher of the structure's books, from one of
//! the structure's referrals (`?orientation=ID`: the voucher then follows the pathway) or to
//! someone not enrolled (age band, commune and audience only); a qualified place redeems a voucher
//! by typing or scanning its number, sees why a refusal happened, and may cancel its own redemption
//! within 48 hours with a reason. Both forms work without JavaScript.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::vouchers::Choice;
use crate::pages::{format_time, render};
use aiguillage_domain::calendar::DAY;
use aiguillage_domain::directory::vocabulary::HelpKind;
use aiguillage_domain::labelled::Coded;
use aiguillage_domain::pathway::AgeBand;
use aiguillage_domain::voucher::life::CANCEL_WINDOW_SECONDS;
use aiguillage_domain::voucher::{CancellationReason, TargetAudience, VoucherNumber};
use aiguillage_service::vouchers::{hand as hand_voucher, redeem as redeem_voucher};
use aiguillage_store::{HandTo, Handing};
use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

/// The handing form, as typed.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct HandForm {
    #[serde(default)]
    numero: String,
    #[serde(default)]
    orientation: String,
    #[serde(default)]
    public: String,
    #[serde(default)]
    aide: String,
    #[serde(default)]
    tranche: String,
    #[serde(default)]
    commune: String,
}

#[derive(Template)]
#[template(path = "voucher_hand.html")]
struct HandTemplate {
    layout: Layout,
    form: HandForm,
    errors: std::collections::BTreeMap<String, String>,
    /// The same refusals in the form's order, for the error summary.
    ordered: Vec<(String, String)>,
    done: Option<String>,
    audiences: Vec<Choice>,
    help_kinds: Vec<Choice>,
    age_bands: Vec<Choice>,
    left: i64,
    /// The numbers still to hand, offered as the number field's suggestions.
    numbers: Vec<String>,
}

fn options<T: Coded>(chosen: &str) -> Vec<Choice> {
    T::all()
        .iter()
        .map(|v| Choice {
            code: v.code(),
            label: v.label(),
            checked: v.code() == chosen,
        })
        .collect()
}

async fn hand_page(
    me: &Professional,
    form: HandForm,
    errors: Vec<(String, String)>,
    done: Option<String>,
) -> Result<Response, WebError> {
    let books = me
        .state
        .store
        .held_books(me.user.account.structure_id)
        .await?;
    let numbers = me
        .state
        .store
        .numbers_to_hand(me.user.account.structure_id)
        .await?
        .iter()
        .map(|n| n.printed())
        .collect();
    let left = books
        .iter()
        .filter(|(b, _)| b.received_at.is_some())
        .map(|(b, _)| b.left)
        .sum();
    let page = HandTemplate {
        layout: me.layout(super::vouchers::VOUCHERS_PATH, "Remettre un chèque"),
        audiences: options::<TargetAudience>(&form.public),
        help_kinds: options::<HelpKind>(&form.aide),
        age_bands: options::<AgeBand>(&form.tranche),
        form,
        errors: errors.iter().cloned().collect(),
        ordered: errors,
        done,
        left,
        numbers,
    };
    let mut response = render(&page)?;
    if !page.errors.is_empty() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /cheques/remise[?orientation=ID]`.
pub async fn hand_form(
    me: Professional,
    Query(form): Query<HandForm>,
) -> Result<Response, WebError> {
    hand_page(&me, form, Vec::new(), None).await
}

/// Reads the form into a handing, or the refusals per field.
fn handing_of(form: &HandForm) -> Result<Handing, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let number = VoucherNumber::parse(&form.numero)
        .map_err(|e| errors.push(("numero".to_owned(), e.to_string())))
        .ok();
    let to = if let Ok(referral) = form.orientation.trim().parse::<i64>() {
        Some(HandTo::Referral(referral))
    } else {
        let band = AgeBand::from_code(&form.tranche);
        if band.is_none() {
            errors.push((
                "tranche".into(),
                "Choisissez la tranche d'âge de la personne.".into(),
            ));
        }
        let commune = form.commune.trim();
        if commune.len() != 5 {
            errors.push((
                "commune".into(),
                "Indiquez le code de la commune de la personne (5 caractères, par exemple 49007)."
                    .into(),
            ));
        }
        band.map(|age_band| HandTo::Anonymous {
            age_band,
            commune_code: commune.to_owned(),
        })
    };
    let audience = TargetAudience::from_code(&form.public);
    if audience.is_none() {
        errors.push((
            "public".into(),
            "Choisissez le public de la personne.".into(),
        ));
    }
    let help_kind = HelpKind::from_code(&form.aide);
    if help_kind.is_none() {
        errors.push((
            "aide".into(),
            "Choisissez le type d'aide que paie le chèque.".into(),
        ));
    }
    match (number, audience, help_kind, to) {
        (Some(number), Some(audience), Some(help_kind), Some(to)) if errors.is_empty() => {
            Ok(Handing {
                number,
                to,
                audience,
                help_kind,
            })
        }
        _ => Err(errors),
    }
}

/// `POST /cheques/remise`: hands the voucher, or the form again with the reason of the refusal.
pub async fn hand(me: Professional, Form(form): Form<HandForm>) -> Result<Response, WebError> {
    let handing = match handing_of(&form) {
        Ok(handing) => handing,
        Err(errors) => return hand_page(&me, form, errors, None).await,
    };
    match hand_voucher(&me.state, &me.user.account, &handing).await? {
        Ok(handed) => {
            let done = format!(
                "Chèque {} remis (campagne « {} »). Donnez-le à la personne, ou notez son numéro pour elle : elle le présentera au lieu de médiation.",
                handed.number.printed(),
                handed.campaign_name
            );
            let next = HandForm {
                orientation: String::new(),
                ..HandForm::default()
            };
            hand_page(&me, next, Vec::new(), Some(done)).await
        }
        Err(refusal) => {
            let field = match refusal {
                aiguillage_store::HandRefusal::Audience(_) => "public",
                aiguillage_store::HandRefusal::HelpKind(_) => "aide",
                aiguillage_store::HandRefusal::UnknownCommune => "commune",
                aiguillage_store::HandRefusal::ReferralNotFound => "orientation",
                _ => "numero",
            };
            hand_page(
                &me,
                form,
                vec![(field.to_owned(), refusal.to_string())],
                None,
            )
            .await
        }
    }
}

/// The redemption form.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct RedeemForm {
    #[serde(default)]
    numero: String,
    #[serde(default)]
    campagne: String,
    #[serde(default)]
    raison: String,
}

/// A redemption still cancellable.
struct RecentLine {
    number: String,
    campaign: String,
    value: u32,
    at: String,
    cancellable: bool,
}

#[derive(Template)]
#[template(path = "voucher_redeem.html")]
struct RedeemTemplate {
    layout: Layout,
    form: RedeemForm,
    campaigns: Vec<(i64, String, bool)>,
    error: Option<String>,
    done: Option<String>,
    recent: Vec<RecentLine>,
    /// The reasons a redemption may be cancelled for (code, words).
    reasons: Vec<(&'static str, &'static str)>,
    /// The place's monthly statements, newest first.
    statements: Vec<PlaceStatement>,
}

/// One of the place's monthly statements.
struct PlaceStatement {
    href: String,
    campaign: String,
    month: String,
    vouchers: i64,
    total: i64,
    paid: Option<String>,
}

async fn redeem_page(
    me: &Professional,
    form: RedeemForm,
    (error, done): (Option<String>, Option<String>),
) -> Result<Response, WebError> {
    let store = &me.state.store;
    let place = me.user.account.structure_id;
    let now = me.state.now();
    let campaigns = store.campaigns_of_place(place).await?;
    let chosen = form
        .campagne
        .parse::<i64>()
        .ok()
        .or(campaigns.first().map(|c| c.id));
    let recent = store.place_redemptions(place, now - 31 * DAY).await?;
    let mut statements = Vec::new();
    for campaign in &campaigns {
        for line in store.statements(campaign.id).await? {
            if line.structure_id == place {
                statements.push(PlaceStatement {
                    href: format!(
                        "/cheques/campagnes/{}/releves/{place}/{}",
                        campaign.id, line.month
                    ),
                    campaign: campaign.terms.name.clone(),
                    month: crate::pages::vouchers::month_label(&line.month),
                    vouchers: line.vouchers,
                    total: line.total_euros,
                    paid: line.paid_at.map(format_time),
                });
            }
        }
    }
    let failed = error.is_some();
    let page = RedeemTemplate {
        layout: me.layout(super::vouchers::VOUCHERS_PATH, "Encaisser un chèque"),
        campaigns: campaigns
            .iter()
            .map(|c| (c.id, c.terms.name.clone(), Some(c.id) == chosen))
            .collect(),
        recent: recent
            .into_iter()
            .map(|r| RecentLine {
                number: r.number.printed(),
                campaign: r.campaign_name,
                value: r.face_value_euros,
                at: format_time(r.redeemed_at),
                cancellable: now - r.redeemed_at <= CANCEL_WINDOW_SECONDS,
            })
            .collect(),
        form,
        error,
        done,
        statements,
        reasons: CancellationReason::ALL
            .iter()
            .map(|r| (r.code(), r.label()))
            .collect(),
    };
    let mut response = render(&page)?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /cheques/encaissement`.
pub async fn redeem_form(me: Professional) -> Result<Response, WebError> {
    redeem_page(&me, RedeemForm::default(), (None, None)).await
}

/// `POST /cheques/encaissement`: redeems the voucher, or says which check refused it.
pub async fn redeem(me: Professional, Form(form): Form<RedeemForm>) -> Result<Response, WebError> {
    let number = match VoucherNumber::parse(&form.numero) {
        Ok(number) => number,
        Err(error) => return redeem_page(&me, form, (Some(error.to_string()), None)).await,
    };
    let Ok(campaign) = form.campagne.parse::<i64>() else {
        let message = "Choisissez la campagne du chèque.".to_owned();
        return redeem_page(&me, form, (Some(message), None)).await;
    };
    match redeem_voucher(&me.state, &me.user.account, &number, campaign).await? {
        Ok(redeemed) => {
            let done = format!(
                "Chèque {} encaissé : {} € pour {} (campagne « {} »). Il figurera sur votre relevé du mois.",
                redeemed.number.printed(),
                redeemed.face_value_euros,
                redeemed.pays,
                redeemed.campaign_name
            );
            let next = RedeemForm {
                campagne: form.campagne,
                ..RedeemForm::default()
            };
            redeem_page(&me, next, (None, Some(done))).await
        }
        Err(refusal) => redeem_page(&me, form, (Some(refusal.to_string()), None)).await,
    }
}

/// `POST /cheques/encaissement/annulation`: cancels the place's own redemption within 48 hours.
pub async fn cancel(me: Professional, Form(form): Form<RedeemForm>) -> Result<Response, WebError> {
    let number = match VoucherNumber::parse(&form.numero) {
        Ok(number) => number,
        Err(error) => return redeem_page(&me, form, (Some(error.to_string()), None)).await,
    };
    let place = me.user.account.structure_id;
    let cancelled = me
        .state
        .store
        .cancel_redemption(
            &number,
            place,
            CancellationReason::from_code(&form.raison),
            me.state.now(),
        )
        .await?;
    match cancelled {
        Ok(()) => {
            let done = format!(
                "Encaissement du chèque {} annulé : le chèque peut de nouveau être encaissé.",
                number.printed()
            );
            redeem_page(&me, RedeemForm::default(), (None, Some(done))).await
        }
        Err(refusal) => redeem_page(&me, form, (Some(refusal.to_string()), None)).await,
    }
}
