//! A person's rights: the export of everything held about them (`/personnes/{id}/donnees`, a
//! printable page in easy-to-read French, and `/personnes/{id}/donnees.json`, the same content with
//! stable codes and French labels), the registration of a request from the person's page and its
//! answer, and the administrator's register of requests (`/administration/demandes-droits`, and as
//! CSV). The register names people only by their pseudonymous reference; the export reads only a
//! person the viewer's structure enrolled (anyone else's is "not found").

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::download::{tables_download, TableFormat};
use crate::pages::form_fields::{fields, text};
use crate::pages::{format_time, render};
use aiguillage_domain::audit::AuditAction;
use aiguillage_domain::calendar::{french_date, iso_date, local_date, parse_typed_date, Date};
use aiguillage_domain::ids::PersonId;
use aiguillage_domain::labelled::Coded;
use aiguillage_domain::rights::{
    answer_deadline, check_received_on, readable_reason, request_state, RequestState,
    RightsRequestKind,
};
use aiguillage_interop::spreadsheet::{Column, Separator, Table, Value};
use aiguillage_store::{PersonExport, RegisterFilter, RightsRequestRecord};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize, Serializer};

/// Today for the register and the forms: the date on the clock of metropolitan France.
pub fn today(now: i64) -> Date {
    local_date(now, "75")
}

/// A moment: RFC 3339 in JSON, `06/12/2026 à 14:05` on the page.
#[derive(Debug, Clone, Copy)]
pub struct Moment(pub i64);

impl Serialize for Moment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&aiguillage_domain::calendar::rfc3339(self.0))
    }
}

impl std::fmt::Display for Moment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_time(self.0))
    }
}

/// A calendar day: `AAAA-MM-JJ` in JSON, `06/12/2026` on the page.
#[derive(Debug, Clone, Copy)]
pub struct Day(pub Date);

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&iso_date(self.0))
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&french_date(self.0))
    }
}

/// A coded value: its stable code and its French label (the page shows the label).
#[derive(Debug, Clone, Serialize)]
pub struct Coding {
    pub code: &'static str,
    pub label: &'static str,
}

impl Coding {
    fn of<C: Coded>(value: C) -> Coding {
        Coding {
            code: value.code(),
            label: value.label(),
        }
    }
}

impl std::fmt::Display for Coding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label)
    }
}

/// The export's document: the page draws it, the JSON file is it.
#[derive(Debug, Serialize)]
pub struct ExportDocument {
    pub format: &'static str,
    pub exported_at: Moment,
    /// The structure that holds the record and answers for it.
    pub controller_structure: String,
    pub person: ExportedPerson,
    pub consents: Vec<ExportedConsent>,
    pub diagnostics: Vec<ExportedDiagnostic>,
    pub referrals: Vec<ReferralView>,
    pub audit: Vec<AuditView>,
    pub requests: Vec<RequestView>,
}

#[derive(Debug, Serialize)]
pub struct ExportedPerson {
    pub reference: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub no_phone: bool,
    pub commune_code: String,
    pub commune_name: String,
    pub birth_year: Option<i32>,
    pub enrolled_at: Moment,
    pub enrolled_by: Option<String>,
    pub last_contact_at: Moment,
}

#[derive(Debug, Serialize)]
pub struct ExportedConsent {
    pub purpose: Coding,
    pub text_version: String,
    pub text: String,
    pub recorded_at: Moment,
    pub recorded_by: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ExportedDiagnostic {
    pub made_at: Moment,
    pub made_by: Option<String>,
    pub typology: Coding,
    pub typology_reason: String,
    pub autonomy: Coding,
    pub autonomy_percent: u32,
    pub first_help: Coding,
    pub domains: Vec<DomainView>,
    pub override_: Option<OverrideView>,
    /// The professional's short note written with the answers, if any.
    pub notes: Option<String>,
    /// The answers and the profile as stored (codes).
    pub answers: serde_json::Value,
    pub profile: serde_json::Value,
}

#[derive(Debug, Serialize)]
pub struct DomainView {
    pub domain: Coding,
    pub level: Coding,
    pub percent: u32,
}

#[derive(Debug, Serialize)]
pub struct OverrideView {
    pub typology: Option<Coding>,
    pub help: Option<Coding>,
    pub reason: String,
    pub at: Option<Moment>,
}

#[derive(Debug, Serialize)]
pub struct ReferralView {
    pub number: i64,
    pub offer: String,
    pub sender_structure: String,
    pub receiver_structure: String,
    pub state: Coding,
    pub message: String,
    pub sent_at: Moment,
    pub state_since: Moment,
    pub sharing_consents: Vec<SharingView>,
    pub events: Vec<EventView>,
    pub appointments: Vec<AppointmentView>,
    pub sessions: Vec<SessionView>,
    pub outcome: Option<OutcomeView>,
    pub messages: Vec<MessageView>,
}

#[derive(Debug, Serialize)]
pub struct SharingView {
    pub receiver_structure: String,
    pub data_scope: String,
    pub text_version: String,
    pub text: String,
    pub recorded_at: Moment,
    pub recorded_by: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct EventView {
    pub at: Moment,
    pub by: Option<String>,
    pub event: String,
    pub from_state: String,
    pub to_state: String,
    pub comment: String,
}

#[derive(Debug, Serialize)]
pub struct AppointmentView {
    pub starts_at: Moment,
    pub length_minutes: i64,
    pub channel: Coding,
    pub status: Coding,
}

#[derive(Debug, Serialize)]
pub struct SessionView {
    pub held_on: Day,
    pub duration_minutes: u32,
    pub kind: String,
    pub place: String,
    pub themes: Vec<String>,
    pub by: Option<String>,
    /// The notes of the structure that wrote them (another structure's are not in the export).
    pub notes: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OutcomeView {
    pub outcome: Coding,
    pub rights: Vec<Coding>,
    pub money: Option<Coding>,
    pub job_or_training: bool,
    pub closed_at: Moment,
    pub closed_by: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MessageView {
    pub at: Moment,
    pub author: Option<String>,
    pub structure: String,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct AuditView {
    pub at: Moment,
    pub who: String,
    pub action: Coding,
    pub record: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct RequestView {
    pub id: i64,
    pub kind: Coding,
    pub received_on: Day,
    pub deadline: Day,
    pub answered_at: Option<Moment>,
    pub handled_by: Option<String>,
    pub state: &'static str,
    #[serde(skip)]
    pub open: bool,
    #[serde(skip)]
    pub late: bool,
    #[serde(skip)]
    pub answered_by_export: bool,
}

fn audit_coding(action: AuditAction) -> Coding {
    Coding {
        code: action.code(),
        label: action.label(),
    }
}

fn purpose_coding(purpose: &str) -> Coding {
    match purpose {
        "enrolment" => Coding {
            code: "enrolment",
            label: "Inscription et diagnostic",
        },
        _ => Coding {
            code: "other",
            label: "Autre accord",
        },
    }
}

fn request_view(request: &RightsRequestRecord, today: Date) -> RequestView {
    let answered_on = request.answered_at.map(self::today);
    let state = request_state(request.received_on, answered_on, today);
    RequestView {
        id: request.id,
        kind: Coding::of(request.kind),
        received_on: Day(request.received_on),
        deadline: Day(answer_deadline(request.received_on)),
        answered_at: request.answered_at.map(Moment),
        handled_by: request.handled_by_name.clone(),
        state: state.label(),
        open: state.is_open(),
        late: state.is_late(),
        answered_by_export: request.kind.answered_by_export(),
    }
}

/// How the person's file or a referral of theirs is named in the audit list.
fn record_words(kind: &str, id: &str) -> String {
    match (kind, id.strip_prefix("orientation-")) {
        (_, Some(number)) => format!("orientation n° {number}"),
        ("person_list", _) => "liste de personnes".to_owned(),
        _ => "fiche de la personne".to_owned(),
    }
}

/// The document of an export, from what the store read.
pub fn export_document(export: PersonExport, now: i64) -> ExportDocument {
    let today = today(now);
    let person = &export.person;
    ExportDocument {
        format: "aiguillage-export-personne/1",
        exported_at: Moment(now),
        controller_structure: person.structure_name.clone(),
        person: ExportedPerson {
            reference: aiguillage_domain::rights::person_reference(person.id.get()),
            first_name: person.first_name.clone(),
            last_name: person.last_name.clone(),
            phone: person.phone.clone(),
            email: person.email.clone(),
            no_phone: person.no_phone,
            commune_code: person.commune_code.clone(),
            commune_name: person.commune_name.clone(),
            birth_year: person.birth_year,
            enrolled_at: Moment(person.enrolled_at),
            enrolled_by: person.enrolled_by_name.clone(),
            last_contact_at: Moment(person.last_contact_at),
        },
        consents: export
            .consents
            .iter()
            .map(|consent| ExportedConsent {
                purpose: purpose_coding(&consent.purpose),
                text_version: consent.text_version.clone(),
                text: consent.text.clone(),
                recorded_at: Moment(consent.recorded_at),
                recorded_by: consent.recorded_by_name.clone(),
            })
            .collect(),
        diagnostics: export
            .diagnostics
            .iter()
            .map(|diagnostic| {
                let profile = &diagnostic.profile;
                ExportedDiagnostic {
                    made_at: Moment(diagnostic.made_at),
                    made_by: diagnostic.made_by_name.clone(),
                    typology: Coding::of(profile.typology),
                    typology_reason: profile.typology_reason.clone(),
                    autonomy: Coding::of(profile.overall),
                    autonomy_percent: profile.overall_percent,
                    first_help: Coding::of(profile.first_help()),
                    domains: profile
                        .domains
                        .iter()
                        .map(|result| DomainView {
                            domain: Coding::of(result.domain),
                            level: Coding::of(result.level),
                            percent: result.percent,
                        })
                        .collect(),
                    override_: diagnostic.override_.as_ref().map(|decision| OverrideView {
                        typology: decision.typology.map(Coding::of),
                        help: decision.help.map(Coding::of),
                        reason: decision.reason.clone(),
                        at: diagnostic.override_at.map(Moment),
                    }),
                    notes: diagnostic.answers.notes.clone(),
                    answers: serde_json::to_value(&diagnostic.answers).unwrap_or_default(),
                    profile: serde_json::to_value(profile).unwrap_or_default(),
                }
            })
            .collect(),
        referrals: export.referrals.iter().map(referral_view).collect(),
        audit: export
            .audit
            .iter()
            .map(|entry| AuditView {
                at: Moment(entry.at),
                who: entry
                    .actor_name
                    .clone()
                    .unwrap_or_else(|| "ligne de commande ou système".to_owned()),
                action: audit_coding(entry.action),
                record: record_words(&entry.record_kind, &entry.record_id),
                reason: readable_reason(&entry.reason),
            })
            .collect(),
        requests: export
            .requests
            .iter()
            .map(|request| request_view(request, today))
            .collect(),
    }
}

fn referral_view(referral: &aiguillage_store::ExportedReferral) -> ReferralView {
    ReferralView {
        number: referral.id.get(),
        offer: referral.offer_name.clone(),
        sender_structure: referral.sender_structure.clone(),
        receiver_structure: referral.receiver_structure.clone(),
        state: Coding::of(referral.state),
        message: referral.message.clone(),
        sent_at: Moment(referral.created_at),
        state_since: Moment(referral.state_changed_at),
        sharing_consents: referral
            .sharing_consents
            .iter()
            .map(|consent| SharingView {
                receiver_structure: consent.receiver_structure.clone(),
                data_scope: consent.data_scope.clone(),
                text_version: consent.text_version.clone(),
                text: consent.text.clone(),
                recorded_at: Moment(consent.recorded_at),
                recorded_by: consent.recorded_by_name.clone(),
            })
            .collect(),
        events: referral
            .events
            .iter()
            .map(|line| EventView {
                at: Moment(line.at),
                by: line.who.clone(),
                event: line.event.clone(),
                from_state: line.from_state.clone(),
                to_state: line.to_state.clone(),
                comment: line.comment.clone(),
            })
            .collect(),
        appointments: referral
            .appointments
            .iter()
            .map(|appointment| AppointmentView {
                starts_at: Moment(appointment.starts_at),
                length_minutes: appointment.length_minutes,
                channel: Coding::of(appointment.channel),
                status: Coding::of(appointment.status),
            })
            .collect(),
        sessions: referral
            .sessions
            .iter()
            .map(|session| SessionView {
                held_on: Day(session.record.held_on),
                duration_minutes: session.record.duration_minutes,
                kind: match session.record.format {
                    aiguillage_domain::pathway::SessionFormat::Individual { .. } => {
                        "Accompagnement individuel".to_owned()
                    }
                    aiguillage_domain::pathway::SessionFormat::Collective { .. } => {
                        "Atelier collectif".to_owned()
                    }
                },
                place: session.record.place.label().to_owned(),
                themes: session
                    .record
                    .themes
                    .iter()
                    .map(|theme| theme.label().to_owned())
                    .collect(),
                by: session.account_name.clone(),
                notes: session.record.notes.clone(),
            })
            .collect(),
        outcome: referral.closing.as_ref().map(|closing| OutcomeView {
            outcome: Coding::of(closing.closing.outcome),
            rights: closing
                .closing
                .gains
                .rights
                .iter()
                .map(|right| Coding::of(*right))
                .collect(),
            money: closing.closing.gains.money.map(Coding::of),
            job_or_training: closing.closing.gains.job_or_training,
            closed_at: Moment(closing.closed_at),
            closed_by: closing.closed_by_name.clone(),
        }),
        messages: referral
            .messages
            .iter()
            .map(|message| MessageView {
                at: Moment(message.at),
                author: message.author.clone(),
                structure: message.structure.clone(),
                text: message.text.clone(),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "person_data.html")]
struct ExportTemplate {
    layout: Layout,
    person_id: PersonId,
    doc: ExportDocument,
    /// The request this export answers, when it is still open.
    request: Option<i64>,
}

/// Which request an export answers.
#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    demande: Option<i64>,
}

async fn read_export(me: &Professional, id: PersonId) -> Result<ExportDocument, WebError> {
    let export = me
        .state
        .store
        .person_export(&me.actor(), id, me.now())
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(export_document(export, me.now()))
}

/// `GET /personnes/{id}/donnees`: everything held about the person, to read with them or print.
pub async fn export_page(
    me: Professional,
    Path(id): Path<PersonId>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let doc = read_export(&me, id).await?;
    let request = query
        .demande
        .filter(|asked| doc.requests.iter().any(|r| r.id == *asked && r.open));
    render(&ExportTemplate {
        layout: me.layout("/personnes", "Données enregistrées sur la personne"),
        person_id: id,
        doc,
        request,
    })
}

/// `GET /personnes/{id}/donnees.json`: the same content as a file (codes and French labels).
pub async fn export_json(me: Professional, Path(id): Path<PersonId>) -> Result<Response, WebError> {
    let doc = read_export(&me, id).await?;
    let body = serde_json::to_vec_pretty(&doc).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(crate::pages::download::attachment(
        "application/json; charset=utf-8",
        &format!("donnees-personne-{id}.json"),
        body,
    ))
}

/// The kinds the small form of the person's page offers.
pub fn form_kinds() -> Vec<Coding> {
    RightsRequestKind::REGISTERED_BY_FORM
        .iter()
        .map(|kind| Coding::of(*kind))
        .collect()
}

/// The requests of a person as their page lists them.
pub fn request_views(requests: &[RightsRequestRecord], now: i64) -> Vec<RequestView> {
    let today = today(now);
    requests.iter().map(|r| request_view(r, today)).collect()
}

/// A typed reception date, or the French reason it cannot be recorded.
pub fn received_on(typed: &str, now: i64) -> Result<Date, String> {
    let today = today(now);
    if typed.trim().is_empty() {
        return Ok(today);
    }
    let date = parse_typed_date(typed)
        .ok_or_else(|| format!("« {typed} » n'est pas une date : écrivez-la JJ/MM/AAAA."))?;
    check_received_on(date, today).map_err(str::to_owned)?;
    Ok(date)
}

/// `POST /personnes/{id}/demandes-droits`: registers a request (its kind, the day it was
/// received); an access or portability request leads to the export that answers it.
pub async fn record_request(
    me: Professional,
    Path(id): Path<PersonId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let values = fields(&body);
    let kind = RightsRequestKind::from_code(&text(&values, "type"))
        .filter(|kind| RightsRequestKind::REGISTERED_BY_FORM.contains(kind))
        .ok_or_else(|| WebError::BadRequest("Choisissez le type de demande.".to_owned()))?;
    let typed = text(&values, "recue_le");
    let date = match received_on(&typed, me.now()) {
        Ok(date) => date,
        Err(message) => {
            return crate::pages::people::with_request_error(&me, id, (message, typed)).await;
        }
    };
    let recorded = me
        .state
        .store
        .record_rights_request(&me.actor(), (kind, id), date, me.now())
        .await?
        .ok_or(WebError::NotFound)?;
    let next = if kind.answered_by_export() {
        format!("/personnes/{id}/donnees?demande={recorded}")
    } else {
        format!("/personnes/{id}?fait=demande#droits")
    };
    Ok(Redirect::to(&next).into_response())
}

/// `POST /personnes/{id}/demandes-droits/{demande}/reponse`: the request is answered (the export
/// handed, the objection or limitation applied).
pub async fn answer_request(
    me: Professional,
    Path((id, request)): Path<(PersonId, i64)>,
) -> Result<Response, WebError> {
    let store = &me.state.store;
    let theirs = store.rights_requests_of_person(&me.actor(), id).await?;
    if !theirs.iter().any(|r| r.id == request) {
        return Err(WebError::NotFound);
    }
    if !store
        .answer_rights_request(&me.actor(), request, me.now())
        .await?
    {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to(&format!("/personnes/{id}?fait=repondue#droits")).into_response())
}

/// The register's filter, from `?etat=`.
#[derive(Debug, Default, Deserialize)]
pub struct RegisterQuery {
    #[serde(default)]
    etat: String,
    separateur: Option<String>,
}

/// One line of the register.
struct RegisterLine {
    received_on: Day,
    kind: &'static str,
    structure: String,
    person_ref: String,
    handled_by: String,
    answered_on: Option<Day>,
    deadline: Day,
    state: RequestState,
}

#[derive(Template)]
#[template(path = "admin_rights_requests.html")]
struct RegisterTemplate {
    layout: Layout,
    lines: Vec<RegisterLine>,
    etat: String,
    late: usize,
}

/// The register's lines the filter keeps: `ouvertes`, `en-retard`, `repondues` or all.
async fn register_lines(me: &Professional, etat: &str) -> Result<Vec<RegisterLine>, WebError> {
    let filter = match etat {
        "ouvertes" | "en-retard" => RegisterFilter::Open,
        "repondues" => RegisterFilter::Answered,
        _ => RegisterFilter::All,
    };
    let today = today(me.now());
    let requests = me.state.store.rights_register(filter).await?;
    Ok(requests
        .iter()
        .map(|request| {
            let answered_on = request.answered_at.map(self::today);
            RegisterLine {
                received_on: Day(request.received_on),
                kind: request.kind.label(),
                structure: request.structure_name.clone(),
                person_ref: request.person_ref.clone(),
                handled_by: request.handled_by_name.clone().unwrap_or_default(),
                answered_on: answered_on.map(Day),
                deadline: Day(answer_deadline(request.received_on)),
                state: request_state(request.received_on, answered_on, today),
            }
        })
        .filter(|line| etat != "en-retard" || line.state == RequestState::Late)
        .collect())
}

/// `GET /administration/demandes-droits`: the register of rights requests, with their deadlines.
pub async fn register(
    me: Professional,
    Query(query): Query<RegisterQuery>,
) -> Result<Response, WebError> {
    let lines = register_lines(&me, &query.etat).await?;
    let late = lines
        .iter()
        .filter(|line| line.state == RequestState::Late)
        .count();
    render(&RegisterTemplate {
        layout: me.layout(
            "/administration/demandes-droits",
            "Registre des demandes d'exercice des droits",
        ),
        lines,
        etat: query.etat,
        late,
    })
}

/// `GET /administration/demandes-droits.csv`: the same register as CSV (`separateur=point-virgule`
/// for French Excel).
pub async fn register_csv(
    me: Professional,
    Query(query): Query<RegisterQuery>,
) -> Result<Response, WebError> {
    let lines = register_lines(&me, &query.etat).await?;
    let date = |day: Date| Value::iso_date(&iso_date(day));
    let table = Table {
        sheet: "demandes".into(),
        title: "Registre des demandes d'exercice des droits".into(),
        columns: vec![
            Column::new("recue_le", "Jour où la demande est arrivée"),
            Column::new("type", "Type de demande"),
            Column::new("structure", "Structure qui l'a traitée"),
            Column::new("personne", "Référence pseudonyme de la personne"),
            Column::new("traitee_par", "Compte qui l'a traitée"),
            Column::new("repondue_le", "Jour de la réponse"),
            Column::new("echeance", "Dernier jour pour répondre (un mois)"),
            Column::new("etat", "En cours, en retard, répondue"),
        ],
        rows: lines
            .iter()
            .map(|line| {
                vec![
                    date(line.received_on.0),
                    Value::text(line.kind),
                    Value::text(line.structure.clone()),
                    Value::text(line.person_ref.clone()),
                    Value::text(line.handled_by.clone()),
                    line.answered_on.map_or(Value::Empty, |day| date(day.0)),
                    date(line.deadline.0),
                    Value::text(line.state.label()),
                ]
            })
            .collect(),
    };
    let separator = Separator::from_query(query.separateur.as_deref());
    tables_download("demandes-droits", &[table], TableFormat::Csv(separator))
}
