//! First appointments in storage: a structure's windows and closed days (its manager's), the
//! appointments booked on referrals — by the sender while sending, on a free slot re-checked inside
//! the transaction, or by the receiving structure at any time it chooses — their outcome (came, no
//! show, cancelled), the reminders due the day before, and the secret calendar feeds.

use crate::audit::append_audit_in;
use crate::people::Actor;
use crate::referrals::received_by;
use crate::{decode, Store, StoreError};
use aiguillage_domain::appointment::{
    is_free, AppointmentChannel, AppointmentStatus, Slot, SlotWindow,
};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::calendar::{iso_date, local_date, parse_iso_date, Date, DAY};
use aiguillage_domain::orientation::receiver_access_cutoff;
use aiguillage_domain::UnixSeconds;
use sqlx::{AnyConnection, Row};

/// The conflict a booking meets when its slot was taken meanwhile.
pub const SLOT_TAKEN: &str = "créneau déjà pris";

/// What became of a request to settle an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Done,
    /// Not the actor's structure's, or already settled.
    NotFound,
    /// A visit or an absence recorded before the appointment's time.
    TooEarly,
}

/// An appointment as the referral page and the sheet show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAppointment {
    pub id: i64,
    pub referral_id: i64,
    pub structure_id: i64,
    pub starts_at: UnixSeconds,
    pub length_minutes: i64,
    pub channel: AppointmentChannel,
    pub status: AppointmentStatus,
    pub booked_by_name: Option<String>,
    /// The département of the receiving structure, to read the time in its legal time.
    pub departement: String,
}

/// An appointment in a calendar feed: no name, the referral's number and the offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedAppointment {
    pub id: i64,
    pub referral_id: i64,
    pub starts_at: UnixSeconds,
    pub length_minutes: i64,
    pub channel: AppointmentChannel,
    pub status: AppointmentStatus,
    pub offer_name: String,
}

/// A reminder to send the day before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderDue {
    pub appointment_id: i64,
    pub email: String,
    pub first_name: String,
    pub place_name: String,
    pub address: String,
    pub starts_at: UnixSeconds,
    pub channel: AppointmentChannel,
    pub departement: String,
}

pub(crate) const APPOINTMENT_COLUMNS: &str =
    "ap.id, ap.referral_id, ap.structure_id, ap.starts_at, ap.length_minutes,
    ap.channel, ap.status, b.display_name AS booked_by_name, c.departement_code
    FROM appointments ap LEFT JOIN accounts b ON b.id = ap.booked_by
    JOIN structures s ON s.id = ap.structure_id JOIN communes c ON c.code = s.commune_code";

pub(crate) fn appointment_from(row: &sqlx::any::AnyRow) -> Result<StoredAppointment, StoreError> {
    let channel: String = row.try_get("channel")?;
    let status: String = row.try_get("status")?;
    Ok(StoredAppointment {
        id: row.try_get("id")?,
        referral_id: row.try_get("referral_id")?,
        structure_id: row.try_get("structure_id")?,
        starts_at: row.try_get("starts_at")?,
        length_minutes: row.try_get("length_minutes")?,
        channel: decode(&channel, "canal de rendez-vous")?,
        status: decode(&status, "état de rendez-vous")?,
        booked_by_name: row.try_get("booked_by_name")?,
        departement: row.try_get("departement_code")?,
    })
}

fn small(value: i64) -> u16 {
    u16::try_from(value).unwrap_or(0)
}

/// A window as stored.
fn window_from(row: &sqlx::any::AnyRow) -> Result<SlotWindow, StoreError> {
    Ok(SlotWindow {
        weekday: u8::try_from(row.try_get::<i64, _>("weekday")?).unwrap_or(7),
        start_minute: small(row.try_get("start_minute")?),
        end_minute: small(row.try_get("end_minute")?),
        length_minutes: small(row.try_get("length_minutes")?),
        capacity: small(row.try_get("capacity")?),
    })
}

/// The structure's windows, closed days, booked start times and département.
async fn agenda_of(
    connection: &mut AnyConnection,
    structure_id: i64,
) -> Result<(Vec<SlotWindow>, Vec<Date>, Vec<UnixSeconds>, String), StoreError> {
    let windows = sqlx::query(
        "SELECT weekday, start_minute, end_minute, length_minutes, capacity FROM slot_windows
         WHERE structure_id = $1 ORDER BY weekday, start_minute",
    )
    .bind(structure_id)
    .fetch_all(&mut *connection)
    .await?
    .iter()
    .map(window_from)
    .collect::<Result<Vec<_>, StoreError>>()?;
    let closed = sqlx::query("SELECT day FROM closed_days WHERE structure_id = $1")
        .bind(structure_id)
        .fetch_all(&mut *connection)
        .await?
        .iter()
        .filter_map(|row| row.try_get::<String, _>("day").ok())
        .filter_map(|day| parse_iso_date(&day))
        .collect();
    let booked =
        sqlx::query("SELECT starts_at FROM appointments WHERE structure_id = $1 AND status = $2")
            .bind(structure_id)
            .bind(AppointmentStatus::Booked.code())
            .fetch_all(&mut *connection)
            .await?
            .iter()
            .map(|row| row.try_get("starts_at"))
            .collect::<Result<Vec<i64>, _>>()?;
    let departement: String = sqlx::query(
        "SELECT c.departement_code FROM structures s JOIN communes c ON c.code = s.commune_code WHERE s.id = $1",
    )
    .bind(structure_id)
    .fetch_optional(&mut *connection)
    .await?
    .map(|row| row.try_get("departement_code"))
    .transpose()?
    .unwrap_or_default();
    Ok((windows, closed, booked, departement))
}

/// Books an appointment on a free slot of the structure, inside the caller's transaction: the slot
/// is re-checked against what is booked now; `Conflict(SLOT_TAKEN)` when it is no longer free.
pub(crate) async fn book_slot_in(
    connection: &mut AnyConnection,
    (referral_id, structure_id): (i64, i64),
    (starts_at, channel): (UnixSeconds, AppointmentChannel),
    (booked_by, now): (i64, UnixSeconds),
) -> Result<(), StoreError> {
    let (windows, closed, booked, departement) = agenda_of(connection, structure_id).await?;
    let slot: Slot = is_free(&windows, &closed, &booked, (starts_at, now), &departement)
        .ok_or_else(|| StoreError::Conflict(SLOT_TAKEN.to_owned()))?;
    insert_appointment(
        connection,
        (referral_id, structure_id),
        (starts_at, i64::from(slot.length_minutes), channel),
        (booked_by, now),
    )
    .await
}

async fn insert_appointment(
    connection: &mut AnyConnection,
    (referral_id, structure_id): (i64, i64),
    (starts_at, length, channel): (UnixSeconds, i64, AppointmentChannel),
    (booked_by, now): (i64, UnixSeconds),
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO appointments (referral_id, structure_id, starts_at, length_minutes, channel, status, booked_by, booked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(referral_id)
    .bind(structure_id)
    .bind(starts_at)
    .bind(length)
    .bind(channel.code())
    .bind(AppointmentStatus::Booked.code())
    .bind(booked_by)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

fn referral_audit(actor: &Actor<'_>, referral_id: i64) -> AuditEvent {
    AuditEvent {
        actor_account_id: Some(actor.account_id.get()),
        action: AuditAction::Update,
        record_kind: "referral".to_owned(),
        record_id: format!("orientation-{referral_id}"),
        reason: actor.reason.to_owned(),
    }
}

impl Store {
    /// Records in the audit that the actor changed the referral's appointments, and commits.
    async fn audit_referral_and_commit(
        &self,
        mut transaction: crate::WriteTransaction,
        actor: &Actor<'_>,
        referral_id: i64,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &referral_audit(actor, referral_id),
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The structure's windows for first appointments, with their ids.
    pub async fn slot_windows(
        &self,
        structure_id: i64,
    ) -> Result<Vec<(i64, SlotWindow)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, weekday, start_minute, end_minute, length_minutes, capacity FROM slot_windows
             WHERE structure_id = $1 ORDER BY weekday, start_minute, id",
        )
        .bind(structure_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, window_from(row)?)))
            .collect()
    }

    /// Adds a (checked) window to the actor's structure.
    pub async fn add_slot_window(
        &self,
        actor: &Actor<'_>,
        window: &SlotWindow,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO slot_windows (structure_id, weekday, start_minute, end_minute, length_minutes, capacity, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(actor.structure_id.get())
        .bind(i64::from(window.weekday))
        .bind(i64::from(window.start_minute))
        .bind(i64::from(window.end_minute))
        .bind(i64::from(window.length_minutes))
        .bind(i64::from(window.capacity))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes a window of the actor's structure (`false` for anyone else's).
    pub async fn delete_slot_window(&self, actor: &Actor<'_>, id: i64) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM slot_windows WHERE id = $1 AND structure_id = $2")
            .bind(id)
            .bind(actor.structure_id.get())
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected() > 0)
    }

    /// The days the structure is closed, from the earliest.
    pub async fn closed_days(&self, structure_id: i64) -> Result<Vec<Date>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let (_, mut closed, _, _) = agenda_of(&mut connection, structure_id).await?;
        closed.sort();
        Ok(closed)
    }

    /// Marks a day closed (or open again) for the actor's structure.
    pub async fn set_closed_day(
        &self,
        actor: &Actor<'_>,
        day: Date,
        closed: bool,
    ) -> Result<(), StoreError> {
        let sql = if closed {
            "INSERT INTO closed_days (structure_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM closed_days WHERE structure_id = $1 AND day = $2"
        };
        sqlx::query(sql)
            .bind(actor.structure_id.get())
            .bind(iso_date(day))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The structure's free slots over the next `days` days (at least two hours ahead).
    pub async fn free_slots_of(
        &self,
        structure_id: i64,
        now: UnixSeconds,
        days: u32,
    ) -> Result<Vec<Slot>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let (windows, closed, booked, departement) =
            agenda_of(&mut connection, structure_id).await?;
        Ok(aiguillage_domain::appointment::free_slots(
            &windows,
            &closed,
            &booked,
            (now, 2 * 3_600, days),
            &departement,
        ))
    }

    /// The receiving structure sets an appointment on a referral it receives (at the first contact,
    /// or later), at the time agreed with the person; `false` when the referral is not its own.
    pub async fn set_appointment(
        &self,
        actor: &Actor<'_>,
        referral_id: i64,
        (starts_at, length, channel): (UnixSeconds, i64, AppointmentChannel),
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let mut transaction = self.begin_write().await?;
        let sql = format!(
            "SELECT COUNT(*) AS n FROM referrals r WHERE r.id = $1 AND {}",
            received_by("$2", "$3")
        );
        let found: i64 = sqlx::query(&sql)
            .bind(referral_id)
            .bind(actor.structure_id.get())
            .bind(receiver_access_cutoff(now))
            .fetch_one(&mut *transaction)
            .await?
            .try_get("n")?;
        if found == 0 {
            return Ok(false);
        }
        insert_appointment(
            &mut transaction,
            (referral_id, actor.structure_id.get()),
            (starts_at, length, channel),
            (actor.account_id.get(), now),
        )
        .await?;
        self.audit_referral_and_commit(transaction, actor, referral_id, now)
            .await?;
        Ok(true)
    }

    /// The appointments of a referral, earliest first (the caller has checked the referral is the
    /// actor's to see).
    pub async fn appointments_of_referral(
        &self,
        referral_id: i64,
    ) -> Result<Vec<StoredAppointment>, StoreError> {
        let sql = format!(
            "SELECT {APPOINTMENT_COLUMNS} WHERE ap.referral_id = $1 ORDER BY ap.starts_at, ap.id"
        );
        let rows = sqlx::query(&sql)
            .bind(referral_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(appointment_from).collect()
    }

    /// Records what became of an appointment of the actor's structure (came, no show, cancelled):
    /// [`Settled::NotFound`] for anyone else's or one already settled, [`Settled::TooEarly`] for a
    /// visit or an absence before the appointment's time ([`AppointmentStatus::may_settle`]).
    pub async fn settle_appointment(
        &self,
        actor: &Actor<'_>,
        appointment_id: i64,
        status: AppointmentStatus,
        now: UnixSeconds,
    ) -> Result<Settled, StoreError> {
        let mut transaction = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT referral_id, starts_at FROM appointments WHERE id = $1 AND structure_id = $2 AND status = $3",
        )
        .bind(appointment_id)
        .bind(actor.structure_id.get())
        .bind(AppointmentStatus::Booked.code())
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(row) = row else {
            return Ok(Settled::NotFound);
        };
        let referral_id: i64 = row.try_get("referral_id")?;
        if !status.may_settle(row.try_get("starts_at")?, now) {
            return Ok(Settled::TooEarly);
        }
        sqlx::query("UPDATE appointments SET status = $1 WHERE id = $2")
            .bind(status.code())
            .bind(appointment_id)
            .execute(&mut *transaction)
            .await?;
        self.audit_referral_and_commit(transaction, actor, referral_id, now)
            .await?;
        Ok(Settled::Done)
    }

    /// The structure's appointments from 30 days ago on, for a calendar feed (only those of the
    /// referrals given to `assigned` when set).
    pub async fn feed_appointments(
        &self,
        structure_id: i64,
        assigned: Option<i64>,
        now: UnixSeconds,
    ) -> Result<Vec<FeedAppointment>, StoreError> {
        let rows = sqlx::query(
            "SELECT ap.id, ap.referral_id, ap.starts_at, ap.length_minutes, ap.channel, ap.status, o.name AS offer_name
             FROM appointments ap JOIN referrals r ON r.id = ap.referral_id JOIN offers o ON o.id = r.offer_id
             WHERE ap.structure_id = $1 AND ap.starts_at >= $2 AND ($3 = 0 OR r.assigned_account_id = $3)
             ORDER BY ap.starts_at, ap.id",
        )
        .bind(structure_id)
        .bind(now - 30 * DAY)
        .bind(assigned.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let channel: String = row.try_get("channel")?;
                let status: String = row.try_get("status")?;
                Ok(FeedAppointment {
                    id: row.try_get("id")?,
                    referral_id: row.try_get("referral_id")?,
                    starts_at: row.try_get("starts_at")?,
                    length_minutes: row.try_get("length_minutes")?,
                    channel: decode(&channel, "canal de rendez-vous")?,
                    status: decode(&status, "état de rendez-vous")?,
                    offer_name: row.try_get("offer_name")?,
                })
            })
            .collect()
    }

    /// Records a calendar feed of the account (its secret's hash only).
    pub async fn create_calendar_feed(
        &self,
        (account_id, structure_id): (i64, i64),
        only_assigned: bool,
        token_hash: &str,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO calendar_feeds (token_hash, account_id, structure_id, only_assigned, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(structure_id)
        .bind(i64::from(only_assigned))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The account's live calendar feeds: (created at, only the referrals given to it).
    pub async fn calendar_feeds_of(
        &self,
        account_id: i64,
    ) -> Result<Vec<(UnixSeconds, bool)>, StoreError> {
        let rows = sqlx::query(
            "SELECT created_at, only_assigned FROM calendar_feeds WHERE account_id = $1 AND revoked_at IS NULL
             ORDER BY created_at",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let only: i64 = row.try_get("only_assigned")?;
                Ok((row.try_get("created_at")?, only != 0))
            })
            .collect()
    }

    /// Revokes every feed of the account: their addresses answer "not found" from now on.
    pub async fn revoke_calendar_feeds(
        &self,
        account_id: i64,
        now: UnixSeconds,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE calendar_feeds SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(account_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// The live feed of a secret's hash, with its account still active: (account, structure, only
    /// the referrals given to the account).
    pub async fn calendar_feed(
        &self,
        token_hash: &str,
    ) -> Result<Option<(i64, i64, bool)>, StoreError> {
        let row = sqlx::query(
            "SELECT f.account_id, f.structure_id, f.only_assigned FROM calendar_feeds f
             JOIN accounts a ON a.id = f.account_id AND a.deactivated_at IS NULL
             JOIN memberships m ON m.account_id = f.account_id AND m.structure_id = f.structure_id
             WHERE f.token_hash = $1 AND f.revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let only: i64 = row.try_get("only_assigned")?;
            Ok((
                row.try_get("account_id")?,
                row.try_get("structure_id")?,
                only != 0,
            ))
        })
        .transpose()
    }

    /// The booked appointments of tomorrow (in each structure's legal time) not yet reminded, whose
    /// person has an e-mail address and still a referral open.
    pub async fn reminders_due(&self, now: UnixSeconds) -> Result<Vec<ReminderDue>, StoreError> {
        let sql = format!(
            "SELECT ap.id, ap.starts_at, ap.channel, p.email, p.first_name, s.name AS place_name,
                    s.place_json, c.name AS commune_name, c.departement_code
             FROM appointments ap JOIN referrals r ON r.id = ap.referral_id JOIN people p ON p.id = r.person_id
             JOIN structures s ON s.id = ap.structure_id JOIN communes c ON c.code = s.commune_code
             WHERE ap.status = $1 AND ap.reminded_at IS NULL AND p.email IS NOT NULL
               AND ap.starts_at > $2 AND ap.starts_at < $3 AND r.state NOT IN ({ended})",
            ended = crate::referrals::states_where(
                aiguillage_domain::orientation::ReferralState::has_ended
            )
        );
        let rows = sqlx::query(&sql)
            .bind(AppointmentStatus::Booked.code())
            .bind(now)
            .bind(now + 3 * DAY)
            .fetch_all(&self.pool)
            .await?;
        let mut due = Vec::new();
        for row in &rows {
            let starts_at: i64 = row.try_get("starts_at")?;
            let departement: String = row.try_get("departement_code")?;
            let tomorrow = local_date(now, &departement).next_day();
            if Some(local_date(starts_at, &departement)) != tomorrow {
                continue;
            }
            let channel: String = row.try_get("channel")?;
            let place_json: Option<String> = row.try_get("place_json")?;
            let place = place_json.and_then(|json| {
                serde_json::from_str::<aiguillage_domain::directory::Place>(&json).ok()
            });
            let commune: String = row.try_get("commune_name")?;
            let (address, postal) = place
                .map(|p| (Some(p.address), Some(p.postal_code)))
                .unwrap_or((None, None));
            due.push(ReminderDue {
                appointment_id: row.try_get("id")?,
                email: row.try_get("email")?,
                first_name: row.try_get("first_name")?,
                place_name: row.try_get("place_name")?,
                address: format!(
                    "{}, {} {commune}",
                    address.unwrap_or_default(),
                    postal.unwrap_or_default()
                ),
                starts_at,
                channel: decode(&channel, "canal de rendez-vous")?,
                departement,
            });
        }
        Ok(due)
    }

    /// Records that an appointment's reminder left.
    pub async fn mark_appointment_reminded(
        &self,
        appointment_id: i64,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE appointments SET reminded_at = $1 WHERE id = $2")
            .bind(now)
            .bind(appointment_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
