//! Writing synthetic people in bulk, for benchmarks and load tests (`aiguillage generate`): each
//! person with their diagnostics, their referrals with every step of their history, the pathway
//! sessions of those followed (individual ones, and collective workshops gathering several people
//! of a batch), the first appointments, and the closings with their gains. One transaction per batch, multi-row `INSERT`s
//! (a few hundred rows per statement); no audit entries (nobody read anything). Also copies of the
//! latest activity ([`Store::repeat_latest_activity`]), to time a refresh of the indicator records.

use crate::bulk::{insert_rows, Param};
use crate::{Store, StoreError};
use aiguillage_domain::appointment::{AppointmentChannel, AppointmentStatus};
use aiguillage_domain::calendar::{date_of, iso_date};
use aiguillage_domain::diagnostic::{AutonomyLevel, RecommendedHelp, Typology};
use aiguillage_domain::orientation::{ClosingOutcome, ReferralEvent, ReferralState, RefusalReason};
use aiguillage_domain::pathway::{Closing, MoneyBracket, ObservedAutonomy, Theme};
use aiguillage_domain::UnixSeconds;
use sqlx::AnyConnection;

/// One diagnostic as the generator computed it (the JSON documents as serde writes them: codes).
#[derive(Debug, Clone)]
pub struct SyntheticDiagnostic {
    pub made_at: UnixSeconds,
    pub answers_json: String,
    pub profile_json: String,
    pub typology: Typology,
    pub overall: AutonomyLevel,
    pub first_help: RecommendedHelp,
}

/// One step of a referral's history: the event and the state it led to.
#[derive(Debug, Clone)]
pub struct SyntheticStep {
    pub event: ReferralEvent,
    pub to: ReferralState,
    pub at: UnixSeconds,
}

/// One individual session of a referral's pathway.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticSession {
    pub at: UnixSeconds,
    pub duration_minutes: u32,
    pub autonomy: ObservedAutonomy,
    pub theme: Theme,
}

/// One referral: its final offer (after redirections) and that offer's structure, its history
/// (first step: « Envoi »), its individual sessions and its closing.
#[derive(Debug, Clone)]
pub struct SyntheticReferral {
    pub offer_id: i64,
    pub receiver_structure_id: i64,
    pub steps: Vec<SyntheticStep>,
    pub sessions: Vec<SyntheticSession>,
    pub closing: Option<(Closing, UnixSeconds)>,
    /// The first appointment, booked at the first contact: when, and what became of it.
    pub appointment: Option<(UnixSeconds, AppointmentStatus)>,
}

/// One synthetic person; their referrals carry the profile of their first diagnostic.
#[derive(Debug, Clone)]
pub struct SyntheticPerson {
    pub first_name: String,
    pub last_name: String,
    pub commune_code: String,
    pub birth_year: i32,
    pub enrolled_at: UnixSeconds,
    pub urgent: bool,
    /// Oldest first; at least one.
    pub diagnostics: Vec<SyntheticDiagnostic>,
    pub referrals: Vec<SyntheticReferral>,
}

/// A collective workshop of a receiving structure with registered people of the same batch, each
/// named by (person's position in the batch, referral's position in the person's referrals).
#[derive(Debug, Clone)]
pub struct SyntheticWorkshop {
    pub structure_id: i64,
    pub at: UnixSeconds,
    pub duration_minutes: u32,
    pub registered: Vec<(usize, usize)>,
    pub anonymous: u32,
}

/// Rows written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyntheticCounts {
    pub people: usize,
    pub diagnostics: usize,
    pub referrals: usize,
    pub events: usize,
    pub sessions: usize,
    pub outcomes: usize,
}

impl std::ops::AddAssign for SyntheticCounts {
    fn add_assign(&mut self, other: SyntheticCounts) {
        self.people += other.people;
        self.diagnostics += other.diagnostics;
        self.referrals += other.referrals;
        self.events += other.events;
        self.sessions += other.sessions;
        self.outcomes += other.outcomes;
    }
}

fn joined_rights(closing: &Closing) -> String {
    closing
        .gains
        .rights
        .iter()
        .map(|r| r.code())
        .collect::<Vec<_>>()
        .join("|")
}

impl Store {
    /// Inserts a batch of synthetic people enrolled by `structure_id` (their referrals sent by it),
    /// and the batch's collective workshops, in one transaction.
    pub async fn insert_synthetic_people(
        &self,
        structure_id: i64,
        people: &[SyntheticPerson],
        workshops: &[SyntheticWorkshop],
    ) -> Result<SyntheticCounts, StoreError> {
        let mut transaction = self.begin_write().await?;
        let connection: &mut AnyConnection = &mut transaction;
        let backend = self.backend;
        let mut counts = SyntheticCounts {
            people: people.len(),
            ..SyntheticCounts::default()
        };

        let name_keys: Vec<String> = people
            .iter()
            .map(|p| format!("{} {}", p.first_name, p.last_name).to_lowercase())
            .collect();
        let mut params = Vec::with_capacity(people.len() * 9);
        for (person, name_key) in people.iter().zip(&name_keys) {
            let last_contact = person
                .referrals
                .iter()
                .flat_map(|r| {
                    r.steps
                        .iter()
                        .map(|s| s.at)
                        .chain(r.sessions.iter().map(|s| s.at))
                })
                .chain(person.diagnostics.iter().map(|d| d.made_at))
                .fold(person.enrolled_at, i64::max);
            params.extend([
                Param::Int(structure_id),
                Param::Int(person.enrolled_at),
                Param::Text(&person.first_name),
                Param::Text(&person.last_name),
                Param::Text(name_key),
                Param::Text(&person.commune_code),
                Param::Int(i64::from(person.birth_year)),
                Param::Int(last_contact),
                Param::Int(1),
            ]);
        }
        let person_ids = insert_rows(
            connection,
            backend,
            "people (structure_id, enrolled_at, first_name, last_name, name_key, commune_code, birth_year,
                 last_contact_at, no_phone)",
            9,
            &params,
            true,
        )
        .await?;

        let mut params = Vec::with_capacity(people.len() * 2);
        for (person, id) in people.iter().zip(&person_ids) {
            params.extend([Param::Int(*id), Param::Int(person.enrolled_at)]);
        }
        insert_rows(
            connection,
            backend,
            "consents (person_id, recorded_at, purpose, text_version, text)",
            5,
            &with_constants(
                params,
                2,
                &["enrolment", "synthetique", "Donnée synthétique"],
            ),
            false,
        )
        .await?;

        let mut params = Vec::new();
        for (person, id) in people.iter().zip(&person_ids) {
            for diagnostic in &person.diagnostics {
                params.extend([
                    Param::Int(*id),
                    Param::Int(diagnostic.made_at),
                    Param::Text(&diagnostic.answers_json),
                    Param::Text(&diagnostic.profile_json),
                    Param::Text(diagnostic.typology.code()),
                    Param::Text(diagnostic.overall.code()),
                    Param::Text(diagnostic.first_help.code()),
                ]);
                counts.diagnostics += 1;
            }
        }
        insert_rows(
            connection,
            backend,
            "diagnostics (person_id, made_at, answers_json, profile_json, typology, overall, first_help)",
            7,
            &params,
            false,
        )
        .await?;

        // Referrals, in the order of the people then of their referrals.
        let mut params = Vec::new();
        for (person, id) in people.iter().zip(&person_ids) {
            let profile = person
                .diagnostics
                .first()
                .map_or("{}", |d| d.profile_json.as_str());
            for referral in &person.referrals {
                let (Some(first), Some(last)) = (referral.steps.first(), referral.steps.last())
                else {
                    continue;
                };
                params.extend([
                    Param::Int(*id),
                    Param::Int(structure_id),
                    Param::Int(referral.offer_id),
                    Param::Int(referral.receiver_structure_id),
                    Param::Text(last.to.code()),
                    Param::Text(profile),
                    Param::Text(""),
                    Param::Int(i64::from(person.urgent)),
                    Param::Int(first.at),
                    Param::Int(last.at),
                    Param::Int(referral.steps.len() as i64),
                ]);
            }
        }
        let referral_ids = insert_rows(
            connection,
            backend,
            "referrals (person_id, sender_structure_id, offer_id, receiver_structure_id, state, profile_json, message,
                 urgent, created_at, state_changed_at, version)",
            11,
            &params,
            true,
        )
        .await?;
        counts.referrals = referral_ids.len();
        // The id of each (person, referral) position.
        let mut positions: Vec<Vec<Option<i64>>> = Vec::with_capacity(people.len());
        let mut next = referral_ids.iter();
        for person in people {
            positions.push(
                person
                    .referrals
                    .iter()
                    .map(|r| {
                        (!r.steps.is_empty())
                            .then(|| next.next().copied())
                            .flatten()
                    })
                    .collect(),
            );
        }

        let mut params = Vec::new();
        let mut outcomes = Vec::new();
        let mut sessions = Vec::new();
        let mut appointments = Vec::new();
        for (person, ids) in people.iter().zip(&positions) {
            for (referral, id) in person.referrals.iter().zip(ids) {
                let Some(id) = *id else { continue };
                let mut from = ReferralState::Draft;
                for step in &referral.steps {
                    let (side, offer) = match step.event {
                        ReferralEvent::Send => ("sender", None),
                        ReferralEvent::Redirect { offer_id } => ("sender", Some(offer_id)),
                        _ => ("receiver", None),
                    };
                    params.extend([
                        Param::Int(id),
                        Param::Int(step.at),
                        Param::Text(side),
                        Param::Text(step.event.kind().code()),
                        Param::OptText(step.event.refusal_reason().map(RefusalReason::code)),
                        Param::OptText(step.event.outcome().map(ClosingOutcome::code)),
                        Param::Text(from.code()),
                        Param::Text(step.to.code()),
                        Param::Text(""),
                        Param::OptInt(offer),
                    ]);
                    from = step.to;
                    counts.events += 1;
                }
                if let Some((closing, at)) = &referral.closing {
                    outcomes.extend([
                        Param::Int(id),
                        Param::Text(closing.outcome.code()),
                        Param::Owned(joined_rights(closing)),
                        Param::OptText(closing.gains.money.map(MoneyBracket::code)),
                        Param::Int(i64::from(closing.gains.job_or_training)),
                        Param::OptText(closing.sent_elsewhere.as_ref().map(|s| s.kind.cra_code())),
                        Param::Int(*at),
                    ]);
                    counts.outcomes += 1;
                }
                if let Some((starts_at, status)) = referral.appointment {
                    let booked_at = referral
                        .steps
                        .iter()
                        .find(|s| s.to == ReferralState::FirstContact)
                        .map_or(starts_at, |s| s.at);
                    appointments.extend([
                        Param::Int(id),
                        Param::Int(referral.receiver_structure_id),
                        Param::Int(starts_at),
                        Param::Int(30),
                        Param::Text(AppointmentChannel::OnSite.code()),
                        Param::Text(status.code()),
                        Param::Int(booked_at),
                    ]);
                }
                for session in &referral.sessions {
                    sessions.extend([
                        Param::OptInt(Some(id)),
                        Param::Int(referral.receiver_structure_id),
                        Param::Owned(iso_date(date_of(session.at))),
                        Param::Int(i64::from(session.duration_minutes)),
                        Param::Text("individuel"),
                        Param::Text("domicile"),
                        Param::Text(&person.commune_code),
                        Param::Text("ordinateur"),
                        Param::Text(session.theme.cra_code()),
                        Param::OptText(Some(session.autonomy.cra_code())),
                        Param::OptInt(None),
                        Param::OptInt(None),
                        Param::OptText(None),
                        Param::OptText(None),
                        Param::Int(session.at),
                    ]);
                    counts.sessions += 1;
                }
            }
        }
        insert_rows(
            connection,
            backend,
            "referral_events (referral_id, at, side, event, refusal_reason, outcome, from_state, to_state, comment,
                 offer_id)",
            10,
            &params,
            false,
        )
        .await?;
        insert_rows(
            connection,
            backend,
            "referral_outcomes (referral_id, outcome, rights, money_bracket, job_or_training, sent_elsewhere_kind,
                 closed_at)",
            7,
            &outcomes,
            false,
        )
        .await?;
        insert_rows(
            connection,
            backend,
            "appointments (referral_id, structure_id, starts_at, length_minutes, channel, status, booked_at)",
            7,
            &appointments,
            false,
        )
        .await?;
        const SESSION_COLUMNS: &str = "pathway_sessions (referral_id, structure_id, held_on, duration_minutes, kind,
            place, commune_code, equipment, themes, observed_autonomy, participants, anonymous_participants,
            workshop_level, title, created_at)";
        insert_rows(connection, backend, SESSION_COLUMNS, 15, &sessions, false).await?;

        // Collective workshops, then their registered people.
        let workshops: Vec<(&SyntheticWorkshop, Vec<i64>)> = workshops
            .iter()
            .map(|w| {
                let registered = w
                    .registered
                    .iter()
                    .filter_map(|(p, r)| positions.get(*p)?.get(*r).copied().flatten())
                    .collect();
                (w, registered)
            })
            .collect();
        let mut params = Vec::new();
        for (workshop, registered) in &workshops {
            let participants = registered.len() as i64 + i64::from(workshop.anonymous);
            params.extend([
                Param::OptInt(None),
                Param::Int(workshop.structure_id),
                Param::Owned(iso_date(date_of(workshop.at))),
                Param::Int(i64::from(workshop.duration_minutes)),
                Param::Text("collectif"),
                Param::Text("lieu_activite"),
                Param::OptText(None),
                Param::Text("ordinateur"),
                Param::Text(Theme::DeviceHandling.cra_code()),
                Param::OptText(None),
                Param::OptInt(Some(participants)),
                Param::OptInt(Some(i64::from(workshop.anonymous))),
                Param::OptText(Some("debutant")),
                Param::OptText(Some("Atelier premiers pas")),
                Param::Int(workshop.at),
            ]);
        }
        let workshop_ids =
            insert_rows(connection, backend, SESSION_COLUMNS, 15, &params, true).await?;
        counts.sessions += workshop_ids.len();
        let mut params = Vec::new();
        for ((_, registered), id) in workshops.iter().zip(&workshop_ids) {
            for referral in registered {
                params.extend([Param::Int(*id), Param::Int(*referral)]);
            }
        }
        insert_rows(
            connection,
            backend,
            "pathway_session_people (session_id, referral_id)",
            2,
            &params,
            false,
        )
        .await?;
        transaction.commit().await?;
        Ok(counts)
    }
}

/// Rows of `width` params, each followed by the same constant texts.
fn with_constants<'a>(
    params: Vec<Param<'a>>,
    width: usize,
    constants: &[&'a str],
) -> Vec<Param<'a>> {
    let mut rows = Vec::with_capacity(params.len() / width * (width + constants.len()));
    let mut params = params.into_iter();
    loop {
        let row: Vec<Param<'a>> = params.by_ref().take(width).collect();
        if row.is_empty() {
            return rows;
        }
        rows.extend(row);
        rows.extend(constants.iter().copied().map(Param::Text));
    }
}

impl Store {
    /// Writes copies of the latest `count` pathway sessions, referral events and diagnostics (the
    /// same referrals and people, so the records stay consistent): activity for a benchmark of the
    /// indicator records' refresh (`benches/dashboard.rs`). Never called by the application.
    pub async fn repeat_latest_activity(&self, count: i64) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        for table in ["pathway_sessions", "referral_events", "diagnostics"] {
            let sql = match self.backend {
                crate::Backend::Sqlite => {
                    "SELECT name FROM pragma_table_info($1) WHERE name <> 'id' ORDER BY cid"
                }
                crate::Backend::Postgres => {
                    "SELECT column_name::text FROM information_schema.columns
                     WHERE table_name = $1 AND column_name <> 'id' ORDER BY ordinal_position"
                }
            };
            let rows = sqlx::query(sql)
                .bind(table)
                .fetch_all(&mut *transaction)
                .await?;
            let columns = rows
                .iter()
                .map(|row| sqlx::Row::try_get::<String, _>(row, 0))
                .collect::<Result<Vec<_>, _>>()?
                .join(", ");
            let copy = format!(
                "INSERT INTO {table} ({columns}) SELECT {columns} FROM {table}
                 WHERE id > (SELECT MAX(id) FROM {table}) - $1 ORDER BY id"
            );
            sqlx::query(&copy)
                .bind(count)
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await?;
        Ok(())
    }
}
