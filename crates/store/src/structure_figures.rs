//! A structure's own figures for its « Ma structure » page: counts only (no person is read, so
//! nothing is audited): the referrals it receives by state (within its access window), those waiting
//! for a mediator, the referrals it sent still open, its sessions of the last 30 days and its
//! appointments of the last 30 days (came, no-show).

use crate::referrals::states_where;
use crate::{decode, Store, StoreError};
use aiguillage_domain::appointment::AppointmentStatus;
use aiguillage_domain::calendar::{date_of, days_before, iso_date};
use aiguillage_domain::orientation::{receiver_access_cutoff, ReferralState};
use aiguillage_domain::UnixSeconds;
use sqlx::Row;

/// What a structure's page counts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StructureFigures {
    /// Referrals received, by state, in the order of the state machine.
    pub received: Vec<(ReferralState, i64)>,
    /// Received referrals waiting for the structure that no mediator has been given.
    pub unassigned: i64,
    /// Referrals the structure sent that are still open.
    pub sent_open: i64,
    /// Individual sessions and collective workshops of the last 30 days.
    pub sessions_30_days: i64,
    pub workshops_30_days: i64,
    /// Appointments of the last 30 days: people who came, and who did not come.
    pub attended_30_days: i64,
    pub no_shows_30_days: i64,
}

impl Store {
    /// The figures of a structure at `now`.
    pub async fn structure_figures(
        &self,
        structure_id: i64,
        now: UnixSeconds,
    ) -> Result<StructureFigures, StoreError> {
        let sql = format!(
            "SELECT state, COUNT(*) AS n FROM referrals WHERE receiver_structure_id = $1
               AND (state NOT IN ({ended}) OR state_changed_at > $2) GROUP BY state",
            ended = states_where(ReferralState::has_ended)
        );
        let rows = sqlx::query(&sql)
            .bind(structure_id)
            .bind(receiver_access_cutoff(now))
            .fetch_all(&self.pool)
            .await?;
        let mut received = Vec::new();
        for row in &rows {
            let state: String = row.try_get("state")?;
            received.push((decode::<ReferralState>(&state, "état")?, row.try_get("n")?));
        }
        received.sort_by_key(|(state, _)| ReferralState::ALL.iter().position(|s| s == state));
        let unassigned = self
            .count_for_structure(
                &format!(
                    "SELECT COUNT(*) AS n FROM referrals WHERE receiver_structure_id = $1
                       AND assigned_account_id IS NULL AND state IN ({})",
                    states_where(ReferralState::awaits_receiver)
                ),
                structure_id,
            )
            .await?;
        let sent_open = self
            .count_for_structure(
                &format!(
                    "SELECT COUNT(*) AS n FROM referrals WHERE sender_structure_id = $1 AND state IN ({})",
                    states_where(ReferralState::holds_a_place)
                ),
                structure_id,
            )
            .await?;
        let since = iso_date(date_of(days_before(now, 30)));
        let sessions = sqlx::query(
            "SELECT CAST(SUM(CASE WHEN referral_id IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS individual,
                    CAST(SUM(CASE WHEN referral_id IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS collective
             FROM pathway_sessions WHERE structure_id = $1 AND held_on >= $2",
        )
        .bind(structure_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        let appointments = sqlx::query(
            "SELECT CAST(SUM(CASE WHEN status = $3 THEN 1 ELSE 0 END) AS BIGINT) AS attended,
                    CAST(SUM(CASE WHEN status = $4 THEN 1 ELSE 0 END) AS BIGINT) AS no_shows
             FROM appointments WHERE structure_id = $1 AND starts_at >= $2",
        )
        .bind(structure_id)
        .bind(days_before(now, 30))
        .bind(AppointmentStatus::Attended.code())
        .bind(AppointmentStatus::NoShow.code())
        .fetch_one(&self.pool)
        .await?;
        Ok(StructureFigures {
            attended_30_days: appointments
                .try_get::<Option<i64>, _>("attended")?
                .unwrap_or(0),
            no_shows_30_days: appointments
                .try_get::<Option<i64>, _>("no_shows")?
                .unwrap_or(0),
            received,
            unassigned,
            sent_open,
            sessions_30_days: sessions
                .try_get::<Option<i64>, _>("individual")?
                .unwrap_or(0),
            workshops_30_days: sessions
                .try_get::<Option<i64>, _>("collective")?
                .unwrap_or(0),
        })
    }

    async fn count_for_structure(&self, sql: &str, structure_id: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(sql)
            .bind(structure_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }
}
