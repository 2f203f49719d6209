//! The voucher pages of those who run campaigns (issue 22): `/cheques`, each role's entry (a
//! sponsor's or coordinator's campaigns; a prescriber's books; a place's desk), the new campaign
//! form, and a campaign's page — its terms, the qualified places (a coordinator qualifies more),
//! its books (printed within the budget, allocated to a prescriber structure, each a PDF), the
//! sponsor's report over a period (masked like every published figure, downloadable) and the
//! places' monthly statements, marked paid. The scope of every record is asked by the store.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::steering::cell_text;
use crate::pages::{format_time, render};
use aiguillage_domain::calendar::{french_date, midnight_of, parse_typed_date, DAY};
use aiguillage_domain::directory::vocabulary::HelpKind;
use aiguillage_domain::ids::StructureId;
use aiguillage_domain::indicators::Publication;
use aiguillage_domain::role::Role;
use aiguillage_domain::voucher::report::Period;
use aiguillage_domain::voucher::{CampaignForm, CampaignTerms, TargetAudience};
use aiguillage_service::vouchers::{campaign_report, open_campaign, required_scope, scope_of};
use aiguillage_store::{Book, Campaign, StoreError};
use askama::Template;
use axum::extract::{Path, Query, RawForm};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

/// The entry page's path.
pub const VOUCHERS_PATH: &str = "/cheques";

/// A campaign as the lists show it.
pub(crate) struct CampaignLine {
    pub id: i64,
    pub name: String,
    pub sponsor: String,
    pub value: String,
    pub dates: String,
}

impl CampaignLine {
    pub(crate) fn of(campaign: &Campaign) -> CampaignLine {
        let terms = &campaign.terms;
        CampaignLine {
            id: campaign.id,
            name: terms.name.clone(),
            sponsor: campaign.sponsor_name.clone(),
            value: format!(
                "{} € — {}",
                terms.face_value_euros,
                terms.payment.describe()
            ),
            dates: format!(
                "du {} au {}",
                french_date(terms.valid_from),
                french_date(terms.valid_until)
            ),
        }
    }
}

/// A book held by the viewer's structure.
struct HeldBook {
    id: i64,
    label: String,
    campaign: String,
    left: i64,
    received: Option<String>,
}

#[derive(Template)]
#[template(path = "vouchers.html")]
struct HubTemplate {
    layout: Layout,
    notice: Option<&'static str>,
    manages: bool,
    campaigns: Vec<CampaignLine>,
    hands: bool,
    books: Vec<HeldBook>,
    redeems: bool,
}

/// What was just done, by the code the redirection carries.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    fait: String,
}

fn hub_notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "recu" => "Réception du carnet confirmée : ses chèques peuvent être remis.",
        "deja-recu" => "Ce carnet était déjà reçu : rien n'a changé.",
        _ => return None,
    })
}

fn hands(role: Role) -> bool {
    matches!(role, Role::Prescriber | Role::Mediator)
}

fn redeems(role: Role) -> bool {
    matches!(role, Role::Mediator | Role::StructureManager)
}

/// `GET /cheques`: each role's entry to vouchers.
pub async fn hub(me: Professional, Query(query): Query<DoneQuery>) -> Result<Response, WebError> {
    let account = &me.user.account;
    let campaigns = match scope_of(account) {
        Some(scope) => me.state.store.campaigns(scope).await?,
        None => Vec::new(),
    };
    let books = if hands(account.role) {
        me.state.store.held_books(account.structure_id).await?
    } else {
        Vec::new()
    };
    render(&HubTemplate {
        layout: me.layout(VOUCHERS_PATH, "Chèques numériques"),
        notice: hub_notice(&query.fait),
        manages: scope_of(account).is_some(),
        campaigns: campaigns.iter().map(CampaignLine::of).collect(),
        hands: hands(account.role),
        books: books
            .into_iter()
            .map(|(book, campaign)| HeldBook {
                id: book.id,
                label: format!("Carnet n° {}", book.ordinal),
                campaign: campaign.terms.name,
                left: book.left,
                received: book.received_at.map(format_time),
            })
            .collect(),
        redeems: redeems(account.role),
    })
}

/// `POST /cheques/carnets/{id}/reception`: the holder confirms a book's receipt.
pub async fn receive(me: Professional, Path(book): Path<i64>) -> Result<Response, WebError> {
    let account = &me.user.account;
    let received = me
        .state
        .store
        .receive_book(book, (account.id, account.structure_id), me.state.now())
        .await?;
    let code = if received { "recu" } else { "deja-recu" };
    Ok(Redirect::to(&format!("{VOUCHERS_PATH}?fait={code}")).into_response())
}

/// One choice of a list of boxes.
pub(crate) struct Choice {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "voucher_campaign_form.html")]
struct CampaignFormTemplate {
    layout: Layout,
    errors: std::collections::BTreeMap<String, String>,
    /// The same refusals in the form's order, for the error summary.
    ordered: Vec<(String, String)>,
    form: CampaignForm,
    /// A coordinator chooses the sponsor among these.
    sponsors: Vec<(i64, String)>,
    audiences: Vec<Choice>,
    help_kinds: Vec<Choice>,
}

fn choices<T: aiguillage_domain::labelled::Coded>(checked: &[String]) -> Vec<Choice> {
    T::all()
        .iter()
        .map(|value| Choice {
            code: value.code(),
            label: value.label(),
            checked: checked.iter().any(|c| c == value.code()),
        })
        .collect()
}

async fn campaign_form_page(
    me: &Professional,
    form: CampaignForm,
    errors: Vec<(String, String)>,
) -> Result<Response, WebError> {
    let account = &me.user.account;
    let sponsors = if account.role == Role::Coordinator {
        me.state.store.sponsors_in(&account.territory).await?
    } else {
        Vec::new()
    };
    let page = CampaignFormTemplate {
        layout: me.layout(VOUCHERS_PATH, "Ouvrir une campagne de chèques"),
        audiences: choices::<TargetAudience>(&form.audiences),
        help_kinds: choices::<HelpKind>(&form.help_kinds),
        errors: errors.iter().cloned().collect(),
        ordered: errors,
        form,
        sponsors,
    };
    let mut response = render(&page)?;
    if !page.errors.is_empty() {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /cheques/campagnes/nouvelle`.
pub async fn new_campaign(me: Professional) -> Result<Response, WebError> {
    let form = CampaignForm {
        payment_kind: "sessions".into(),
        payment_amount: "1".into(),
        ..CampaignForm::default()
    };
    campaign_form_page(&me, form, Vec::new()).await
}

/// The campaign form's fields as posted (the boxes repeat their name).
fn read_campaign_form(body: &[u8]) -> (CampaignForm, Option<i64>) {
    let mut form = CampaignForm::default();
    let mut sponsor = None;
    for (name, value) in form_urlencoded::parse(body) {
        let value = value.into_owned();
        match name.as_ref() {
            "nom" => form.name = value,
            "valeur" => form.face_value = value,
            "paie" => form.payment_kind = value,
            "paie_quantite" => form.payment_amount = value,
            "publics" => form.audiences.push(value),
            "aides" => form.help_kinds.push(value),
            "debut" => form.valid_from = value,
            "fin" => form.valid_until = value,
            "budget" => form.budget = value,
            "financeur" => sponsor = value.parse().ok(),
            _ => {}
        }
    }
    (form, sponsor)
}

/// `POST /cheques/campagnes/nouvelle`: opens the campaign, or the form again with each refusal.
pub async fn create_campaign(
    me: Professional,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let (form, sponsor) = read_campaign_form(&body);
    let mut errors: Vec<(String, String)> = Vec::new();
    if me.user.account.role == Role::Coordinator && sponsor.is_none() {
        errors.push((
            "financeur".into(),
            "Choisissez le financeur de la campagne.".into(),
        ));
    }
    let terms = match CampaignTerms::check(&form) {
        Ok(terms) => Some(terms),
        Err(refused) => {
            errors.extend(refused.into_iter().map(|e| (e.field.to_owned(), e.message)));
            None
        }
    };
    let Some(terms) = terms.filter(|_| errors.is_empty()) else {
        return campaign_form_page(&me, form, errors).await;
    };
    match open_campaign(&me.state, &me.user.account, sponsor, &terms).await {
        Ok(id) => {
            Ok(Redirect::to(&format!("/cheques/campagnes/{id}?fait=ouverte")).into_response())
        }
        Err(StoreError::NotFound(_)) => {
            let errors = vec![(
                "financeur".to_owned(),
                "Ce financeur n'est pas une structure de votre territoire.".to_owned(),
            )];
            campaign_form_page(&me, form, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

/// A book as the campaign page shows it.
struct BookLine {
    id: i64,
    ordinal: i64,
    size: i64,
    holder: String,
    allocated: bool,
    received: String,
    left: i64,
}

fn book_line(book: Book) -> BookLine {
    BookLine {
        id: book.id,
        ordinal: book.ordinal,
        size: book.size,
        holder: book
            .holder
            .map(|(_, name)| name)
            .unwrap_or_else(|| "non attribué".into()),
        allocated: book.allocated_at.is_some(),
        received: book
            .received_at
            .map(format_time)
            .unwrap_or_else(|| "non".into()),
        left: book.left,
    }
}

/// A table of the report, as the page writes it.
pub(crate) struct ShownTable {
    pub id: &'static str,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<(String, Vec<String>)>,
}

pub(crate) fn shown_tables(publication: &Publication) -> Vec<ShownTable> {
    publication
        .tables
        .iter()
        .map(|table| ShownTable {
            id: table.id,
            title: table.title.clone(),
            columns: table.columns.clone(),
            rows: table
                .rows
                .iter()
                .map(|row| (row.label.clone(), row.cells.iter().map(cell_text).collect()))
                .collect(),
        })
        .collect()
}

/// A statement line of the campaign page.
struct StatementLine {
    place_id: i64,
    place: String,
    month: String,
    month_label: String,
    vouchers: i64,
    total: i64,
    paid: Option<String>,
}

#[derive(Template)]
#[template(path = "voucher_campaign.html")]
struct CampaignTemplate {
    layout: Layout,
    notice: Option<String>,
    error: Option<String>,
    campaign: CampaignLine,
    audiences: String,
    help_kinds: String,
    budget: String,
    territory: String,
    coordinator: bool,
    places: Vec<(String, String)>,
    candidates: Vec<(i64, String)>,
    books: Vec<BookLine>,
    holders: Vec<(i64, String)>,
    left_to_print: i64,
    from: String,
    until: String,
    tables: Vec<ShownTable>,
    min_cell: u64,
    statements: Vec<StatementLine>,
}

/// The report's period from the query, by default the campaign's validity.
#[derive(Debug, Default, Deserialize)]
pub struct CampaignQuery {
    #[serde(default)]
    fait: String,
    #[serde(default)]
    du: String,
    #[serde(default)]
    au: String,
    #[serde(default)]
    erreur: String,
}

fn campaign_notice(code: &str) -> Option<String> {
    Some(
        match code {
            "ouverte" => "Campagne ouverte. Faites qualifier les lieux qui encaisseront ses chèques, puis imprimez les carnets.",
            "lieu" => "Lieu qualifié : il peut encaisser les chèques de cette campagne.",
            "deja-lieu" => "Ce lieu était déjà qualifié.",
            "imprimes" => "Carnets imprimés : téléchargez chacun en PDF pour l'impression.",
            "attribue" => "Carnet attribué : la structure confirmera sa réception avant de remettre des chèques.",
            "paye" => "Relevé marqué payé.",
            "annule" => "Carnet annulé : ses chèques non encaissés sont refusés désormais, à la remise comme à l'encaissement.",
            "deja-paye" => "Ce relevé était déjà marqué payé.",
            _ => return None,
        }
        .to_owned(),
    )
}

/// The period `[du, au]` typed (whole days), or the campaign's validity.
pub(crate) fn period_of(campaign: &Campaign, du: &str, au: &str) -> (Period, String, String) {
    let from = parse_typed_date(du).unwrap_or(campaign.terms.valid_from);
    let until = parse_typed_date(au).unwrap_or(campaign.terms.valid_until);
    let period = Period {
        from: midnight_of(from),
        until: midnight_of(until) + DAY,
    };
    (period, french_date(from), french_date(until))
}

/// A `YYYY-MM` month as people say it (« novembre 2026 »).
pub(crate) fn month_label(month: &str) -> String {
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let (year, number) = month.split_once('-').unwrap_or((month, "0"));
    let index = number.parse::<usize>().unwrap_or(0);
    match MONTHS.get(index.wrapping_sub(1)) {
        Some(name) => format!("{name} {year}"),
        None => month.to_owned(),
    }
}

fn labels<T: aiguillage_domain::labelled::Coded>(values: &[T]) -> String {
    values
        .iter()
        .map(|v| v.label())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `GET /cheques/campagnes/{id}`: a campaign its sponsor or a coordinator of its territory manages.
pub async fn show(
    me: Professional,
    Path(id): Path<i64>,
    Query(query): Query<CampaignQuery>,
) -> Result<Response, WebError> {
    let account = &me.user.account;
    let store = &me.state.store;
    let campaign = store.campaign(id, required_scope(account)?).await?;
    let (period, from, until) = period_of(&campaign, &query.du, &query.au);
    let publication = campaign_report(&me.state, account, id, period)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let places = store.qualified_places(id).await?;
    let coordinator = account.role == Role::Coordinator;
    let candidates = if coordinator {
        store
            .structures_in(&campaign.territory, None)
            .await?
            .into_iter()
            .filter(|(sid, _)| !places.iter().any(|p| p.structure_id == *sid))
            .collect()
    } else {
        Vec::new()
    };
    let books = store.books(id).await?;
    let printed: i64 = books.iter().map(|b| b.size).sum();
    let budget = i64::try_from(campaign.terms.voucher_budget()).unwrap_or(i64::MAX);
    let statements = store.statements(id).await?;
    let terms = &campaign.terms;
    render(&CampaignTemplate {
        layout: me.layout(VOUCHERS_PATH, &terms.name),
        notice: campaign_notice(&query.fait),
        error: (!query.erreur.is_empty()).then(|| query.erreur.clone()),
        audiences: labels(&terms.audiences),
        help_kinds: labels(&terms.help_kinds),
        budget: format!(
            "{} € ({} chèques)",
            crate::pages::format_count(i64::try_from(terms.budget_euros).unwrap_or(i64::MAX)),
            budget
        ),
        territory: account
            .territory_name
            .clone()
            .filter(|_| account.territory == campaign.territory)
            .unwrap_or_else(|| campaign.territory.to_string()),
        coordinator,
        places: places.into_iter().map(|p| (p.name, p.commune)).collect(),
        candidates,
        holders: store
            .structures_in(&campaign.territory, Some("prescriber"))
            .await?,
        books: books.into_iter().map(book_line).collect(),
        left_to_print: (budget - printed).max(0),
        from,
        until,
        tables: shown_tables(&publication),
        min_cell: aiguillage_service::instance::min_cell_size(&me.state).await?,
        statements: statements
            .into_iter()
            .map(|s| StatementLine {
                place_id: s.structure_id,
                place: s.place_name,
                month_label: month_label(&s.month),
                month: s.month,
                vouchers: s.vouchers,
                total: s.total_euros,
                paid: s.paid_at.map(format_time),
            })
            .collect(),
        campaign: CampaignLine::of(&campaign),
    })
}

/// The place a coordinator qualifies.
#[derive(Debug, Default, Deserialize)]
pub struct PlaceForm {
    #[serde(default)]
    lieu: String,
    #[serde(default)]
    charte: String,
}

fn back(id: i64, query: &str) -> Response {
    Redirect::to(&format!("/cheques/campagnes/{id}?{query}")).into_response()
}

fn back_with_error(id: i64, message: &str) -> Response {
    back(id, &format!("erreur={}", urlencoding::encode(message)))
}

/// `POST /cheques/campagnes/{id}/lieux`: a coordinator qualifies a place of the campaign's
/// territory, once the place has accepted the charter.
pub async fn qualify(
    me: Professional,
    Path(id): Path<i64>,
    Form(form): Form<PlaceForm>,
) -> Result<Response, WebError> {
    let Ok(place) = form.lieu.parse::<i64>() else {
        return Ok(back_with_error(id, "Choisissez le lieu à qualifier."));
    };
    if form.charte != "oui" {
        return Ok(back_with_error(
            id,
            "Un lieu n'est qualifié qu'après avoir accepté la charte de la campagne : cochez la case qui le confirme.",
        ));
    }
    let account = &me.user.account;
    let done = me
        .state
        .store
        .qualify_place(
            id,
            StructureId::new(place),
            &account.territory,
            Some(account.id),
            me.state.now(),
        )
        .await?;
    Ok(back(id, if done { "fait=lieu" } else { "fait=deja-lieu" }))
}

/// How many books of how many vouchers to print.
#[derive(Debug, Default, Deserialize)]
pub struct PrintForm {
    #[serde(default)]
    carnets: String,
    #[serde(default)]
    cheques: String,
}

/// `POST /cheques/campagnes/{id}/carnets`: prints books within the budget.
pub async fn print(
    me: Professional,
    Path(id): Path<i64>,
    Form(form): Form<PrintForm>,
) -> Result<Response, WebError> {
    let count = form
        .carnets
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=100).contains(n));
    let size = form
        .cheques
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=100).contains(n));
    let (Some(count), Some(size)) = (count, size) else {
        return Ok(back_with_error(
            id,
            "Indiquez un nombre de carnets (1 à 100) et un nombre de chèques par carnet (1 à 100).",
        ));
    };
    let account = &me.user.account;
    let printed = me
        .state
        .store
        .print_books(
            id,
            required_scope(account)?,
            (count, size),
            Some(account.structure_id),
            me.state.now(),
        )
        .await;
    match printed {
        Ok(_) => Ok(back(id, "fait=imprimes")),
        Err(StoreError::Conflict(message)) => Ok(back_with_error(
            id,
            &format!("Impression refusée : {message}."),
        )),
        Err(other) => Err(other.into()),
    }
}

/// The structure a book goes to.
#[derive(Debug, Default, Deserialize)]
pub struct AllocateForm {
    #[serde(default)]
    structure: String,
}

/// `POST /cheques/carnets/{id}/attribution`: allocates a book to a prescriber structure.
pub async fn allocate(
    me: Professional,
    Path(book): Path<i64>,
    Form(form): Form<AllocateForm>,
) -> Result<Response, WebError> {
    let account = &me.user.account;
    let scope = required_scope(account)?;
    let (_, campaign, _) = me.state.store.book_sheet(book, scope, None).await?;
    let Ok(holder) = form.structure.parse::<i64>() else {
        return Ok(back_with_error(
            campaign.id,
            "Choisissez la structure qui reçoit le carnet.",
        ));
    };
    let allocated = me
        .state
        .store
        .allocate_book(
            book,
            StructureId::new(holder),
            scope,
            (Some(account.id), Some(account.structure_id)),
            me.state.now(),
        )
        .await;
    match allocated {
        Ok(()) => Ok(back(campaign.id, "fait=attribue")),
        Err(StoreError::Conflict(_)) => {
            Ok(back_with_error(campaign.id, "Ce carnet est déjà attribué."))
        }
        Err(other) => Err(other.into()),
    }
}

/// The confirmation of a book's cancellation.
#[derive(Debug, Default, Deserialize)]
pub struct CancelBookForm {
    #[serde(default)]
    confirmation: String,
}

/// `POST /cheques/carnets/{id}/annulation`: cancels a lost or stolen book's vouchers not redeemed.
pub async fn cancel_book(
    me: Professional,
    Path(book): Path<i64>,
    Form(form): Form<CancelBookForm>,
) -> Result<Response, WebError> {
    let account = &me.user.account;
    let scope = required_scope(account)?;
    let (_, campaign, _) = me.state.store.book_sheet(book, scope, None).await?;
    if form.confirmation != "oui" {
        return Ok(back_with_error(
            campaign.id,
            "Cochez la case qui confirme l'annulation du carnet : ses chèques non encaissés ne pourront plus être remis ni encaissés.",
        ));
    }
    let cancelled = me
        .state
        .store
        .cancel_book(book, scope, Some(account.structure_id), me.state.now())
        .await?;
    tracing::info!(book, cancelled, by = account.id, "voucher book cancelled");
    Ok(back(campaign.id, "fait=annule"))
}

/// `POST /cheques/campagnes/{id}/releves/{lieu}/{mois}/paye`: the sponsor marks a statement paid.
pub async fn mark_paid(
    me: Professional,
    Path((id, place, month)): Path<(i64, i64, String)>,
) -> Result<Response, WebError> {
    let account = &me.user.account;
    let done = me
        .state
        .store
        .mark_statement_paid(
            (id, place, &month),
            required_scope(account)?,
            Some(account.id),
            me.state.now(),
        )
        .await?;
    Ok(back(id, if done { "fait=paye" } else { "fait=deja-paye" }))
}
