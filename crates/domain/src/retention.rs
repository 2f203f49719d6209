//! Retention: how long each kind of record is kept, when a person's record is due to be
//! anonymised (24 months after the last contact, warned 30 days before, extendable once), and the
//! statistical facts an anonymised person leaves for the indicators — the person's indicator
//! records with every date moved back to the first of its month, no key, no id, no text.
//! `../DATA-PROTECTION.md`'s table is the source of the durations; docs/aipd.md lists them.

use crate::calendar::{self, date_of, midnight_of, DAY};
use crate::indicators::{
    AppointmentFact, DiagnosticRecord, PersonRecord, ReferralRecord, Refusal, SessionFact,
};
use crate::UnixSeconds;
use serde::{Deserialize, Serialize};

/// The durations the purge applies. The defaults are the rule book's; an instance may shorten
/// them, never lengthen them beyond the defaults ([`RetentionPeriods::check`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPeriods {
    /// A person's record, after the last contact (diagnostic, referral change, session).
    pub person_months: u32,
    /// The referent is warned this many days before the anonymisation.
    pub warning_days: u32,
    /// What one extension (with a reason) adds to the record's life.
    pub extension_months: u32,
    /// Audit entries.
    pub audit_months: u32,
    /// In-app notifications (they name no person).
    pub notification_months: u32,
    /// Technical traces: login attempts kept for throttling.
    pub technical_log_months: u32,
}

impl Default for RetentionPeriods {
    fn default() -> Self {
        RetentionPeriods {
            person_months: 24,
            warning_days: 30,
            extension_months: 12,
            audit_months: 12,
            notification_months: 6,
            technical_log_months: 6,
        }
    }
}

/// A duration refused by [`RetentionPeriods::check`]: the field and the French message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodError {
    pub field: &'static str,
    pub message: String,
}

impl RetentionPeriods {
    /// Checks the durations an administrator sets: each at least its floor and at most the rule
    /// book's default (the law's ceiling for the person record is 24 months).
    pub fn check(self) -> Result<RetentionPeriods, Vec<PeriodError>> {
        let ceiling = RetentionPeriods::default();
        let bounds = [
            (
                "person_months",
                "Conservation d'une personne sans contact",
                self.person_months,
                6,
                ceiling.person_months,
                "mois",
            ),
            (
                "warning_days",
                "Avertissement avant l'anonymisation",
                self.warning_days,
                7,
                60,
                "jours",
            ),
            (
                "extension_months",
                "Prolongation",
                self.extension_months,
                1,
                ceiling.extension_months,
                "mois",
            ),
            (
                "audit_months",
                "Conservation du journal d'audit",
                self.audit_months,
                6,
                ceiling.audit_months,
                "mois",
            ),
            (
                "notification_months",
                "Conservation des notifications",
                self.notification_months,
                1,
                ceiling.notification_months,
                "mois",
            ),
            (
                "technical_log_months",
                "Conservation des traces techniques",
                self.technical_log_months,
                1,
                ceiling.technical_log_months,
                "mois",
            ),
        ];
        let errors: Vec<PeriodError> = bounds
            .into_iter()
            .filter(|(_, _, value, low, high, _)| value < low || value > high)
            .map(|(field, what, _, low, high, unit)| PeriodError {
                field,
                message: format!("{what} : de {low} à {high} {unit}."),
            })
            .collect();
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// The same moment `months` calendar months earlier (the day clamped to the month's end: 31 March
/// minus one month is 28 or 29 February), at the same time of day.
pub fn months_before(at: UnixSeconds, months: u32) -> UnixSeconds {
    shift_months(at, -i64::from(months))
}

/// The same moment `months` calendar months later (day clamped to the month's end).
pub fn months_after(at: UnixSeconds, months: u32) -> UnixSeconds {
    shift_months(at, i64::from(months))
}

fn shift_months(at: UnixSeconds, months: i64) -> UnixSeconds {
    let date = date_of(at);
    midnight_of(calendar::shift_months(date, months)) + (at - midnight_of(date))
}

/// The first moment (UTC midnight) of the month `at` falls in.
pub fn month_start(at: UnixSeconds) -> UnixSeconds {
    let date = date_of(at);
    midnight_of(date.replace_day(1).unwrap_or(date))
}

labelled_enum! {
    /// Why a referent keeps a record longer (once): a code, so that nothing typed about the person
    /// is kept with it.
    ExtensionReason {
        SupportOngoing = "support_ongoing" => "L'accompagnement continue (rendez-vous prévu, démarche en cours)",
        PersonAsked = "person_asked" => "La personne a demandé que son dossier soit gardé",
        PendingProcedure = "pending_procedure" => "Une démarche administrative attend une réponse",
    }
}

/// Where a person's record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonRetention {
    pub last_contact_at: UnixSeconds,
    /// When its referent extended it (once), if they did.
    pub extended_at: Option<UnixSeconds>,
    /// When its referent was last warned, if ever.
    pub warned_at: Option<UnixSeconds>,
}

/// What the purge does with a person's record at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionStep {
    /// Nothing yet.
    Keep,
    /// The referent is to be warned now: the record goes on `anonymise_at`.
    Warn { anonymise_at: UnixSeconds },
    /// Warned, waiting for `anonymise_at`.
    Warned { anonymise_at: UnixSeconds },
    /// The record is anonymised now.
    Anonymise,
}

impl PersonRetention {
    /// The end of the record's life: `person_months` after the last contact, plus the extension.
    pub fn deadline(&self, periods: &RetentionPeriods) -> UnixSeconds {
        let extra = if self.extended_at.is_some() {
            periods.extension_months
        } else {
            0
        };
        months_after(self.last_contact_at, periods.person_months + extra)
    }

    /// Whether the last warning still stands: given after the last contact and after the
    /// extension (a contact or an extension moves the deadline, so a new warning is owed; an
    /// extension in the warning's own second counts as after it).
    fn warning_stands(&self) -> Option<UnixSeconds> {
        self.warned_at.filter(|warned| {
            *warned >= self.last_contact_at && self.extended_at.is_none_or(|ext| *warned > ext)
        })
    }

    /// The step at `now`. A record is never anonymised without a warning given `warning_days`
    /// before: a record found past its deadline unwarned is warned now and goes `warning_days` later.
    pub fn step(&self, periods: &RetentionPeriods, now: UnixSeconds) -> RetentionStep {
        let notice = i64::from(periods.warning_days) * DAY;
        let deadline = self.deadline(periods);
        match self.warning_stands() {
            Some(warned) => {
                let anonymise_at = deadline.max(warned + notice);
                if now >= anonymise_at {
                    RetentionStep::Anonymise
                } else {
                    RetentionStep::Warned { anonymise_at }
                }
            }
            None if now >= deadline - notice => RetentionStep::Warn {
                anonymise_at: deadline.max(now + notice),
            },
            None => RetentionStep::Keep,
        }
    }
}

/// What an anonymised person leaves: their indicator records, every date moved back to the first
/// of its month, the person's key and the referrals' ids replaced by local numbers (1, 2…). No name,
/// contact, free text or exact date survives; the indicators keep counting the person, their
/// referrals, outcomes, gains, sessions and progress by month (delays in days are not kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnonymisedPerson {
    pub person: PersonRecord,
    pub diagnostics: Vec<DiagnosticRecord>,
    pub referrals: Vec<ReferralRecord>,
    pub sessions: Vec<SessionFact>,
    pub appointments: Vec<AppointmentFact>,
}

/// The records [`AnonymisedPerson::into_records`] gives back to a dataset.
pub type PersonRecords = (
    PersonRecord,
    Vec<DiagnosticRecord>,
    Vec<ReferralRecord>,
    Vec<SessionFact>,
    Vec<AppointmentFact>,
);

impl AnonymisedPerson {
    /// The facts of one person's records (those of `person.key`; the others are ignored).
    pub fn from_records(
        person: &PersonRecord,
        diagnostics: &[DiagnosticRecord],
        referrals: &[&ReferralRecord],
        sessions: &[&SessionFact],
        appointments: &[&AppointmentFact],
    ) -> AnonymisedPerson {
        let local = |id: i64| {
            referrals
                .iter()
                .position(|r| r.id == id)
                .map(|at| at as i64 + 1)
        };
        AnonymisedPerson {
            person: PersonRecord {
                key: 0,
                enrolled_at: month_start(person.enrolled_at),
                fragile_commune: None,
                ..person.clone()
            },
            diagnostics: diagnostics
                .iter()
                .filter(|d| d.person == person.key)
                .map(|d| DiagnosticRecord {
                    person: 0,
                    at: month_start(d.at),
                    autonomy: d.autonomy.clone(),
                })
                .collect(),
            referrals: referrals
                .iter()
                .enumerate()
                .map(|(at, r)| truncated_referral(r, at as i64 + 1))
                .collect(),
            sessions: sessions
                .iter()
                .filter_map(|s| {
                    let referral = local(s.referral?)?;
                    Some(SessionFact {
                        referral: Some(referral),
                        at: month_start(s.at),
                        ..(*s).clone()
                    })
                })
                .collect(),
            appointments: appointments
                .iter()
                .filter_map(|a| {
                    Some(AppointmentFact {
                        referral: local(a.referral)?,
                        at: month_start(a.at),
                        ..**a
                    })
                })
                .collect(),
        }
    }

    /// The records to add to a dataset: the person under `key`, the referrals under ids
    /// `id_base - local` (negative bases keep them apart from stored referrals), the commune's
    /// fragility as it is now.
    pub fn into_records(self, key: u64, id_base: i64, fragile: Option<bool>) -> PersonRecords {
        let id = |local: i64| id_base - local;
        let person = PersonRecord {
            key,
            fragile_commune: fragile,
            ..self.person
        };
        let diagnostics = self
            .diagnostics
            .into_iter()
            .map(|d| DiagnosticRecord { person: key, ..d })
            .collect();
        let referrals = self
            .referrals
            .into_iter()
            .map(|r| ReferralRecord {
                id: id(r.id),
                person: key,
                ..r
            })
            .collect();
        let sessions = self
            .sessions
            .into_iter()
            .map(|s| SessionFact {
                referral: s.referral.map(id),
                ..s
            })
            .collect();
        let appointments = self
            .appointments
            .into_iter()
            .map(|a| AppointmentFact {
                referral: id(a.referral),
                ..a
            })
            .collect();
        (person, diagnostics, referrals, sessions, appointments)
    }
}

fn truncated_referral(referral: &ReferralRecord, local: i64) -> ReferralRecord {
    let month = |at: Option<UnixSeconds>| at.map(month_start);
    ReferralRecord {
        id: local,
        person: 0,
        sent_at: month(referral.sent_at),
        accepted_at: month(referral.accepted_at),
        first_contact_at: month(referral.first_contact_at),
        started_at: month(referral.started_at),
        closed_at: month(referral.closed_at),
        refusals: referral
            .refusals
            .iter()
            .map(|r| Refusal {
                at: month_start(r.at),
                reason: r.reason,
            })
            .collect(),
        ..referral.clone()
    }
}

/// A rule of the purge, by its stable code (the dry run's lines and the purge's report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PurgeRule {
    /// Referents warned of an anonymisation to come.
    PersonWarned,
    /// People anonymised into statistical facts.
    PersonAnonymised,
    /// Audit entries older than the audit duration (the chain keeps a signed checkpoint).
    AuditDeleted,
    /// Public contact requests past their lifetime.
    ContactRequestErased,
    /// Import files never confirmed.
    PendingImportDeleted,
    /// Notifications past their duration.
    NotificationDeleted,
    /// Expired sessions and old login attempts.
    TechnicalTraceDeleted,
    /// Entries of the register of rights requests answered more than 12 months ago.
    RightsRequestDeleted,
}

impl PurgeRule {
    pub const ALL: [PurgeRule; 8] = [
        PurgeRule::PersonWarned,
        PurgeRule::PersonAnonymised,
        PurgeRule::AuditDeleted,
        PurgeRule::ContactRequestErased,
        PurgeRule::PendingImportDeleted,
        PurgeRule::NotificationDeleted,
        PurgeRule::TechnicalTraceDeleted,
        PurgeRule::RightsRequestDeleted,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PurgeRule::PersonWarned => "personne_avertie",
            PurgeRule::PersonAnonymised => "personne_anonymisee",
            PurgeRule::AuditDeleted => "journal_supprime",
            PurgeRule::ContactRequestErased => "demande_de_contact_effacee",
            PurgeRule::PendingImportDeleted => "import_en_attente_supprime",
            PurgeRule::NotificationDeleted => "notification_supprimee",
            PurgeRule::TechnicalTraceDeleted => "trace_technique_supprimee",
            PurgeRule::RightsRequestDeleted => "demande_de_droits_supprimee",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PurgeRule::PersonWarned => "Référents avertis d'une anonymisation dans 30 jours",
            PurgeRule::PersonAnonymised => "Personnes anonymisées (24 mois sans contact)",
            PurgeRule::AuditDeleted => "Entrées du journal d'audit de plus de 12 mois",
            PurgeRule::ContactRequestErased => "Demandes de contact publiques échues",
            PurgeRule::PendingImportDeleted => "Fichiers d'import jamais confirmés",
            PurgeRule::NotificationDeleted => "Notifications anciennes",
            PurgeRule::TechnicalTraceDeleted => {
                "Traces techniques (sessions expirées, tentatives de connexion)"
            }
            PurgeRule::RightsRequestDeleted => {
                "Demandes d'exercice des droits répondues il y a plus de 12 mois"
            }
        }
    }
}

/// What a purge did, or would do (dry run): a count per rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub counts: std::collections::BTreeMap<PurgeRule, u64>,
}

impl PurgeReport {
    pub fn add(&mut self, rule: PurgeRule, count: u64) {
        *self.counts.entry(rule).or_default() += count;
    }

    pub fn count(&self, rule: PurgeRule) -> u64 {
        self.counts.get(&rule).copied().unwrap_or(0)
    }

    /// One line per rule, every rule listed.
    pub fn lines(&self) -> Vec<(PurgeRule, u64)> {
        PurgeRule::ALL
            .iter()
            .map(|rule| (*rule, self.count(*rule)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_midnight;

    fn at(text: &str) -> UnixSeconds {
        parse_midnight(text).expect("date")
    }

    #[test]
    fn months_move_by_calendar_and_clamp_to_the_end_of_the_month() {
        assert_eq!(months_before(at("2026-03-31"), 1), at("2026-02-28"));
        assert_eq!(months_after(at("2024-01-31"), 1), at("2024-02-29"));
        assert_eq!(months_after(at("2026-12-06"), 24), at("2028-12-06"));
        assert_eq!(
            months_before(at("2027-01-15") + 3600, 13),
            at("2025-12-15") + 3600
        );
        assert_eq!(month_start(at("2026-12-06") + 7200), at("2026-12-01"));
    }

    #[test]
    fn a_record_is_warned_then_anonymised_and_an_extension_or_a_contact_moves_it() {
        let periods = RetentionPeriods::default();
        let mut record = PersonRetention {
            last_contact_at: at("2024-01-10"),
            extended_at: None,
            warned_at: None,
        };
        assert_eq!(record.deadline(&periods), at("2026-01-10"));
        assert_eq!(record.step(&periods, at("2025-12-01")), RetentionStep::Keep);
        assert_eq!(
            record.step(&periods, at("2025-12-11")),
            RetentionStep::Warn {
                anonymise_at: at("2026-01-10")
            }
        );
        record.warned_at = Some(at("2025-12-11"));
        assert_eq!(
            record.step(&periods, at("2026-01-09")),
            RetentionStep::Warned {
                anonymise_at: at("2026-01-10")
            }
        );
        assert_eq!(
            record.step(&periods, at("2026-01-10")),
            RetentionStep::Anonymise
        );
        // Extended once: twelve more months, and a new warning is owed before them.
        record.extended_at = Some(at("2026-01-05"));
        assert_eq!(record.deadline(&periods), at("2027-01-10"));
        assert_eq!(record.step(&periods, at("2026-06-01")), RetentionStep::Keep);
        // A contact restarts the count.
        record.extended_at = None;
        record.last_contact_at = at("2026-01-08");
        assert_eq!(record.step(&periods, at("2026-01-10")), RetentionStep::Keep);
    }

    #[test]
    fn a_record_found_past_its_deadline_unwarned_is_warned_first() {
        let periods = RetentionPeriods::default();
        let record = PersonRetention {
            last_contact_at: at("2020-05-02"),
            extended_at: None,
            warned_at: None,
        };
        assert_eq!(
            record.step(&periods, at("2026-12-06")),
            RetentionStep::Warn {
                anonymise_at: at("2027-01-05")
            }
        );
    }

    #[test]
    fn durations_may_be_shortened_not_lengthened() {
        let shorter = RetentionPeriods {
            person_months: 18,
            ..RetentionPeriods::default()
        };
        assert_eq!(shorter.check(), Ok(shorter));
        let errors = RetentionPeriods {
            person_months: 36,
            audit_months: 2,
            ..RetentionPeriods::default()
        }
        .check()
        .expect_err("refused");
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["person_months", "audit_months"]);
        assert_eq!(
            errors[0].message,
            "Conservation d'une personne sans contact : de 6 à 24 mois."
        );
    }
}
