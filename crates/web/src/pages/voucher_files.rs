//! The voucher files (issue 22): a book's printable sheet (PDF, A4, voucher-sized tiles with cut
//! marks, each number in large print and as a QR code), a place's monthly reimbursement statement
//! (PDF and CSV) and the sponsor's report (CSV or Excel, masked like the page). A book is printed by
//! the campaign's managers or the structure holding it; a statement is read by the managers or the
//! place itself.

use crate::auth::Professional;
use crate::error::WebError;
use crate::pages::download::{attachment, tables_download, TableFormat};
use crate::pages::steering_export::long_table;
use crate::pages::vouchers::{month_label, period_of};
use aiguillage_domain::calendar::{date_of, french_date};
use aiguillage_domain::role::Role;
use aiguillage_interop::spreadsheet::{write_csv, Column, Separator, Table, Value};
use aiguillage_interop::voucher_print::{
    book_sheet, statement, BookSheet, Statement, StatementLine,
};
use aiguillage_service::vouchers::{campaign_report, required_scope, scope_of};
use aiguillage_store::{Campaign, StoreError};
use axum::extract::{Path, Query};
use axum::response::Response;
use serde::Deserialize;

/// `GET /cheques/carnets/{id}/pdf`: the book's sheet to print.
pub async fn book_pdf(me: Professional, Path(book): Path<i64>) -> Result<Response, WebError> {
    let account = &me.user.account;
    let scope = scope_of(account).unwrap_or(aiguillage_store::CampaignScope::NoCampaign);
    let holder =
        matches!(account.role, Role::Prescriber | Role::Mediator).then_some(account.structure_id);
    let (book, campaign, numbers) = me.state.store.book_sheet(book, scope, holder).await?;
    let terms = &campaign.terms;
    let sheet = BookSheet {
        campaign_name: terms.name.clone(),
        sponsor_name: campaign.sponsor_name.clone(),
        face_value_euros: terms.face_value_euros,
        pays: terms.payment.describe(),
        valid_until: french_date(terms.valid_until),
        book_label: format!("Carnet n° {}", book.ordinal),
        holder: book.holder.map(|(_, name)| name).unwrap_or_default(),
        vouchers: numbers.iter().map(|n| n.printed()).collect(),
    };
    let name = format!("carnet-{}-{}.pdf", campaign.id, book.ordinal);
    Ok(attachment("application/pdf", &name, book_sheet(&sheet)))
}

/// The statement's form.
#[derive(Debug, Default, Deserialize)]
pub struct StatementQuery {
    #[serde(default)]
    format: String,
}

/// The campaign, when the viewer manages it or is the place the statement is about.
async fn statement_campaign(me: &Professional, id: i64, place: i64) -> Result<Campaign, WebError> {
    let account = &me.user.account;
    if let Some(scope) = scope_of(account) {
        return Ok(me.state.store.campaign(id, scope).await?);
    }
    let own = account.structure_id == place;
    let campaigns = me
        .state
        .store
        .campaigns_of_place(account.structure_id)
        .await?;
    campaigns
        .into_iter()
        .find(|c| own && c.id == id)
        .ok_or(WebError::NotFound)
}

/// `GET /cheques/campagnes/{id}/releves/{lieu}/{mois}?format=pdf|csv`: a place's statement.
pub async fn statement_file(
    me: Professional,
    Path((id, place, month)): Path<(i64, i64, String)>,
    Query(query): Query<StatementQuery>,
) -> Result<Response, WebError> {
    let campaign = statement_campaign(&me, id, place).await?;
    let store = &me.state.store;
    let lines = store
        .statement_lines(id, aiguillage_domain::ids::StructureId::new(place), &month)
        .await?;
    if lines.is_empty() {
        return Err(WebError::NotFound);
    }
    let summary = store
        .statements(id)
        .await?
        .into_iter()
        .find(|s| s.structure_id == place && s.month == month)
        .ok_or(WebError::NotFound)?;
    let stem = format!("releve-cheques-{id}-{place}-{month}");
    let day = |at: i64| french_date(date_of(at));
    if query.format == "csv" {
        let table = Table {
            sheet: "releve".into(),
            title: format!("Relevé de remboursement — {}", campaign.terms.name),
            columns: vec![
                Column::new("numero", "Numéro du chèque"),
                Column::new("encaisse_le", "Date d'encaissement"),
                Column::new("valeur_euros", "Valeur du chèque (euros)"),
            ],
            rows: lines
                .iter()
                .map(|l| {
                    vec![
                        Value::text(l.number.printed()),
                        Value::text(day(l.redeemed_at)),
                        Value::Integer(i64::from(l.face_value_euros)),
                    ]
                })
                .collect(),
        };
        return Ok(attachment(
            "text/csv; charset=utf-8",
            &format!("{stem}.csv"),
            write_csv(&table, Separator::Semicolon),
        ));
    }
    let document = Statement {
        campaign_name: campaign.terms.name.clone(),
        sponsor_name: campaign.sponsor_name.clone(),
        place_name: summary.place_name.clone(),
        month: month_label(&month),
        face_value_euros: campaign.terms.face_value_euros,
        lines: lines
            .iter()
            .map(|l| StatementLine {
                number: l.number.printed(),
                redeemed_on: day(l.redeemed_at),
                value_euros: l.face_value_euros,
            })
            .collect(),
        total_euros: u64::try_from(summary.total_euros).unwrap_or(0),
        paid: summary.paid_at.map(|at| format!("Payé le {}", day(at))),
        issued_on: format!("Édité le {}", day(me.state.now())),
    };
    Ok(attachment(
        "application/pdf",
        &format!("{stem}.pdf"),
        statement(&document),
    ))
}

/// The report's period and form.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    du: String,
    #[serde(default)]
    au: String,
    format: Option<String>,
    separateur: Option<String>,
}

/// `GET /cheques/campagnes/{id}/rapport?format=csv|xlsx`: the sponsor's report, masked.
pub async fn report_file(
    me: Professional,
    Path(id): Path<i64>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let account = &me.user.account;
    let campaign = me
        .state
        .store
        .campaign(id, required_scope(account)?)
        .await?;
    let Some(format) =
        TableFormat::from_query(query.format.as_deref(), query.separateur.as_deref())
    else {
        return Err(WebError::BadRequest(
            "Format inconnu : choisissez csv ou xlsx.".into(),
        ));
    };
    let (period, _, _) = period_of(&campaign, &query.du, &query.au);
    let publication = campaign_report(&me.state, account, id, period)
        .await
        .map_err(|e| match e {
            aiguillage_service::vouchers::ReportError::Store(StoreError::NotFound(_)) => {
                WebError::NotFound
            }
            other => WebError::Internal(other.to_string()),
        })?;
    tables_download(
        &format!("rapport-cheques-{id}"),
        &[long_table(&publication)],
        format,
    )
}
