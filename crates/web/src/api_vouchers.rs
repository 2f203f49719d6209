//! The vouchers part of the JSON API, for a place's own tools (a till, a booking tool) acting in the
//! name of one of its professionals (`vouchers:redeem`), or a signed-in mediator or manager: check
//! whether a voucher can be redeemed at the place for a campaign, and redeem it — once, with the
//! same checks and the same French reasons as the redemption desk.

use crate::auth::Professional;
use crate::error::WebError;
use aiguillage_domain::ids::StructureId;
use aiguillage_domain::voucher::{Refusal, VoucherNumber};
use aiguillage_service::vouchers::{redeem as redeem_voucher, today};
use aiguillage_store::Redeemed;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The voucher endpoints' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(check, redeem),
    components(schemas(VoucherAnswer, RedeemRequest))
)]
pub struct VouchersApiDoc;

/// What the place learns of a voucher.
#[derive(Serialize, ToSchema)]
pub struct VoucherAnswer {
    /// The number in its printed form (`7KQ4-M2XD-9TRB-HW3F`).
    numero: String,
    /// Whether the voucher can be redeemed now at this place for this campaign (for a check), or
    /// was just redeemed (for a redemption).
    encaissable: bool,
    /// The voucher's face value, when it can be redeemed.
    valeur_euros: Option<u32>,
    /// What the voucher pays, when it can be redeemed.
    paie: Option<String>,
    /// The campaign's name, when it can be redeemed.
    campagne: Option<String>,
    /// Why it cannot be, in French, as the desk says it.
    motif: Option<String>,
}

impl VoucherAnswer {
    fn of(number: &VoucherNumber, result: Result<Redeemed, Refusal>) -> VoucherAnswer {
        match result {
            Ok(redeemed) => VoucherAnswer {
                numero: number.printed(),
                encaissable: true,
                valeur_euros: Some(redeemed.face_value_euros),
                paie: Some(redeemed.pays),
                campagne: Some(redeemed.campaign_name),
                motif: None,
            },
            Err(refusal) => VoucherAnswer {
                numero: number.printed(),
                encaissable: false,
                valeur_euros: None,
                paie: None,
                campagne: None,
                motif: Some(refusal.to_string()),
            },
        }
    }
}

/// The campaign a check is for.
#[derive(Deserialize, IntoParams)]
pub struct CheckQuery {
    /// The campaign the place redeems for (one it is qualified for).
    campagne: i64,
}

/// A redemption.
#[derive(Deserialize, ToSchema)]
pub struct RedeemRequest {
    /// The campaign the place redeems for.
    campagne: i64,
}

fn number_of(text: &str) -> Result<VoucherNumber, WebError> {
    VoucherNumber::parse(text).map_err(|e| WebError::BadRequest(e.to_string()))
}

#[utoipa::path(get, path = "/api/v1/cheques/{numero}", tag = "chèques",
    params(("numero" = String, Path, description = "Le numéro du chèque, tirets et casse indifférents"), CheckQuery),
    responses((status = 200, body = VoucherAnswer, description = "Encaissable ou non, avec le motif"),
              (status = 400, description = "Numéro mal formé ou faute de frappe (clé de contrôle)"),
              (status = 401, description = "Connexion ou jeton requis")))]
pub async fn check(
    me: Professional,
    Path(numero): Path<String>,
    Query(query): Query<CheckQuery>,
) -> Result<Response, WebError> {
    let number = number_of(&numero)?;
    let place = StructureId::new(me.user.account.structure_id);
    let result = me
        .state
        .store
        .check_voucher(&number, query.campagne, place, today(&me.state))
        .await?;
    Ok((StatusCode::OK, Json(VoucherAnswer::of(&number, result))).into_response())
}

#[utoipa::path(post, path = "/api/v1/cheques/{numero}/encaissement", tag = "chèques",
    params(("numero" = String, Path, description = "Le numéro du chèque")),
    request_body = RedeemRequest,
    responses((status = 200, body = VoucherAnswer, description = "Chèque encaissé"),
              (status = 400, description = "Numéro mal formé, faute de frappe ou corps illisible"),
              (status = 401, description = "Connexion ou jeton requis"),
              (status = 422, body = VoucherAnswer, description = "Refusé (déjà encaissé, expiré, annulé, inconnu, autre campagne, lieu non qualifié, non remis) : rien n'est écrit")))]
pub async fn redeem(
    me: Professional,
    Path(numero): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let number = number_of(&numero)?;
    let asked: RedeemRequest = serde_json::from_slice(&body)
        .map_err(|e| WebError::BadRequest(format!("Corps JSON illisible : {e}")))?;
    let result = redeem_voucher(&me.state, &me.user.account, &number, asked.campagne).await?;
    let status = if result.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(VoucherAnswer::of(&number, result))).into_response())
}
