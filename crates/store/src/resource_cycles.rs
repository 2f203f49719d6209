//! The cycles of the resource bank in storage: a mediator orders published sessions into a cycle for
//! a group (week by week), shares it with the structure or not, and creates its workshops in the
//! pathway, one planned workshop per session on its day (`cycle_workshops`). A planned workshop
//! becomes a recorded collective workshop naming the session and the cycle when the mediator records
//! who came (see [`Store::record_planned_workshop`](crate::Store::record_planned_workshop)).
//!
//! Scope, checked in each transaction on the rows touched: a cycle is seen by its creator, and by
//! the professionals of its structure once shared; only its creator changes it; its workshops are
//! created for the actor's structure, which must be the cycle's.

use crate::pathway::{joined, split};
use crate::resources::{code_list, from_json, BankActor};
use crate::{Store, StoreError};
use aiguillage_domain::calendar::{iso_date, parse_iso_date, Date};
use aiguillage_domain::ids::{CycleId, ResourceSessionId};
use aiguillage_domain::labelled::Coded;
use aiguillage_domain::pathway::{Theme, WorkshopLevel};
use aiguillage_domain::resource::cycle::{
    workshop_days, CycleError, CycleHeader, MAX_CYCLE_SESSIONS,
};
use aiguillage_domain::resource::diff::VersionSnapshot;
use aiguillage_domain::UnixSeconds;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeSet;

/// A cycle in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleSummary {
    pub id: CycleId,
    pub title: String,
    pub group: String,
    pub creator: String,
    pub mine: bool,
    pub shared: bool,
    pub sessions: i64,
    pub workshops: i64,
    pub updated_at: UnixSeconds,
}

/// A session of a cycle, from its last published version.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleItem {
    pub position: i64,
    pub week: u32,
    pub session: ResourceSessionId,
    pub snapshot: VersionSnapshot,
}

/// A workshop a cycle planned, recorded or not yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedWorkshop {
    pub id: i64,
    pub cycle_id: CycleId,
    pub cycle_title: String,
    pub position: i64,
    pub session: ResourceSessionId,
    pub planned_on: Date,
    pub title: String,
    pub duration_minutes: u32,
    pub level: WorkshopLevel,
    pub themes: BTreeSet<Theme>,
    /// The recorded workshop, once the mediator recorded who came, with its participants.
    pub recorded: Option<(i64, i64)>,
}

/// A cycle with its sessions in order and its workshops.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    pub id: CycleId,
    pub header: CycleHeader,
    pub structure_name: String,
    pub creator: String,
    pub mine: bool,
    pub items: Vec<CycleItem>,
    pub workshops: Vec<PlannedWorkshop>,
}

/// A change to one session of a cycle, by its position (1 = first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemChange {
    Up,
    Down,
    Remove,
    Week(u32),
}

fn cycle_not_found() -> StoreError {
    StoreError::NotFound("cycle".into())
}

/// The clause of the cycles an actor sees (`$1` the account, `$2` its structure).
const VISIBLE: &str = "(c.created_by = $1 OR (c.shared = 1 AND c.structure_id = $2))";

/// Locks the cycle's row for a change by its creator: `Ok(Err(NotCreator))` when the actor only
/// sees it, `NotFound` when they do not.
async fn lock_for_change(
    connection: &mut AnyConnection,
    actor: &BankActor<'_>,
    cycle: CycleId,
    now: UnixSeconds,
) -> Result<Result<(), CycleError>, StoreError> {
    let updated =
        sqlx::query("UPDATE resource_cycles SET updated_at = $1 WHERE id = $2 AND created_by = $3")
            .bind(now)
            .bind(cycle.get())
            .bind(actor.account_id.get())
            .execute(&mut *connection)
            .await?;
    if updated.rows_affected() == 1 {
        return Ok(Ok(()));
    }
    let visible = sqlx::query(&format!(
        "SELECT 1 AS one FROM resource_cycles c WHERE c.id = $3 AND {VISIBLE}"
    ))
    .bind(actor.account_id.get())
    .bind(actor.structure_id.get())
    .bind(cycle.get())
    .fetch_optional(&mut *connection)
    .await?;
    match visible {
        Some(_) => Ok(Err(CycleError::NotCreator)),
        None => Err(cycle_not_found()),
    }
}

/// The cycle's sessions in order, as (session, week).
async fn item_list(
    connection: &mut AnyConnection,
    cycle: CycleId,
) -> Result<Vec<(i64, u32)>, StoreError> {
    let rows = sqlx::query(
        "SELECT session_id, week FROM resource_cycle_items WHERE cycle_id = $1 ORDER BY position",
    )
    .bind(cycle.get())
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            let week: i64 = row.try_get("week")?;
            Ok((row.try_get("session_id")?, u32::try_from(week).unwrap_or(1)))
        })
        .collect()
}

/// Writes the cycle's sessions anew, positions 1, 2, … in the order given.
async fn write_items(
    connection: &mut AnyConnection,
    cycle: CycleId,
    items: &[(i64, u32)],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM resource_cycle_items WHERE cycle_id = $1")
        .bind(cycle.get())
        .execute(&mut *connection)
        .await?;
    for (index, (session, week)) in items.iter().enumerate() {
        sqlx::query(
            "INSERT INTO resource_cycle_items (cycle_id, position, session_id, week) VALUES ($1, $2, $3, $4)",
        )
        .bind(cycle.get())
        .bind(index as i64 + 1)
        .bind(*session)
        .bind(i64::from(*week))
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Applies a change to the list; `None` when the position is not in it.
fn changed(
    mut items: Vec<(i64, u32)>,
    position: i64,
    change: ItemChange,
) -> Option<Vec<(i64, u32)>> {
    let index = usize::try_from(position).ok()?.checked_sub(1)?;
    if index >= items.len() {
        return None;
    }
    // Moving a session swaps it with its neighbour's slot: the weeks stay in order.
    let swap = |items: &mut Vec<(i64, u32)>, a: usize, b: usize| {
        let (first, second) = (items[a].0, items[b].0);
        items[a].0 = second;
        items[b].0 = first;
    };
    match change {
        ItemChange::Up if index > 0 => swap(&mut items, index, index - 1),
        ItemChange::Down if index + 1 < items.len() => swap(&mut items, index, index + 1),
        ItemChange::Up | ItemChange::Down => {}
        ItemChange::Remove => {
            items.remove(index);
        }
        ItemChange::Week(week) => items[index].1 = week,
    }
    Some(items)
}

fn planned_from(row: &AnyRow) -> Result<PlannedWorkshop, StoreError> {
    let planned_on: String = row.try_get("planned_on")?;
    let level: String = row.try_get("workshop_level")?;
    let themes: String = row.try_get("themes")?;
    let minutes: i64 = row.try_get("duration_minutes")?;
    let recorded: Option<i64> = row.try_get("pathway_session_id")?;
    let participants: Option<i64> = row.try_get("participants")?;
    Ok(PlannedWorkshop {
        id: row.try_get("id")?,
        cycle_id: CycleId::new(row.try_get("cycle_id")?),
        cycle_title: row.try_get("cycle_title")?,
        position: row.try_get("position")?,
        session: ResourceSessionId::new(row.try_get("resource_session_id")?),
        planned_on: parse_iso_date(&planned_on)
            .ok_or_else(|| StoreError::Corrupt(format!("date « {planned_on} »")))?,
        title: row.try_get("title")?,
        duration_minutes: u32::try_from(minutes).unwrap_or(0),
        level: WorkshopLevel::from_cra_code(&level)
            .ok_or_else(|| StoreError::Corrupt(format!("niveau « {level} »")))?,
        themes: split(&themes, Theme::from_cra_code, "thématique")?,
        recorded: recorded.map(|id| (id, participants.unwrap_or(0))),
    })
}

const PLANNED_COLUMNS: &str =
    "w.id, w.cycle_id, c.title AS cycle_title, w.position, w.resource_session_id, w.planned_on, w.title,
     w.duration_minutes, w.workshop_level, w.themes, w.pathway_session_id, ps.participants";
const PLANNED_FROM: &str = "cycle_workshops w JOIN resource_cycles c ON c.id = w.cycle_id
     LEFT JOIN pathway_sessions ps ON ps.id = w.pathway_session_id";

impl Store {
    /// Begins a change of a cycle by its creator, its row locked; a refusal or an error ends the
    /// transaction at once (on SQLite it holds the write lock until then).
    async fn begin_change(
        &self,
        actor: &BankActor<'_>,
        cycle: CycleId,
        now: UnixSeconds,
    ) -> Result<Result<crate::WriteTransaction, CycleError>, StoreError> {
        let mut transaction = self.begin_write().await?;
        match lock_for_change(&mut transaction, actor, cycle, now).await {
            Ok(Ok(())) => Ok(Ok(transaction)),
            Ok(Err(refusal)) => {
                transaction.rollback().await?;
                Ok(Err(refusal))
            }
            Err(error) => {
                transaction.rollback().await?;
                Err(error)
            }
        }
    }

    /// Creates a cycle composed by the actor for the actor's structure, without sessions yet.
    pub async fn create_cycle(
        &self,
        actor: &BankActor<'_>,
        header: &CycleHeader,
        now: UnixSeconds,
    ) -> Result<CycleId, StoreError> {
        let mut transaction = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO resource_cycles (structure_id, created_by, title, group_name, aimed_competences,
                                          shared, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(actor.structure_id.get())
        .bind(actor.account_id.get())
        .bind(&header.title)
        .bind(&header.group)
        .bind(code_list(header.aimed.iter().copied()))
        .bind(i64::from(header.shared))
        .bind(now)
        .fetch_one(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(CycleId::new(row.try_get("id")?))
    }

    /// Changes a cycle's header; its creator only.
    pub async fn update_cycle(
        &self,
        actor: &BankActor<'_>,
        cycle: CycleId,
        header: &CycleHeader,
        now: UnixSeconds,
    ) -> Result<Result<(), CycleError>, StoreError> {
        let mut transaction = match self.begin_change(actor, cycle, now).await? {
            Ok(transaction) => transaction,
            Err(refusal) => return Ok(Err(refusal)),
        };
        sqlx::query(
            "UPDATE resource_cycles SET title = $1, group_name = $2, aimed_competences = $3, shared = $4
             WHERE id = $5",
        )
        .bind(&header.title)
        .bind(&header.group)
        .bind(code_list(header.aimed.iter().copied()))
        .bind(i64::from(header.shared))
        .bind(cycle.get())
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(Ok(()))
    }

    /// Adds a published session at the end of a cycle, in `week`; its creator only.
    pub async fn add_cycle_session(
        &self,
        actor: &BankActor<'_>,
        cycle: CycleId,
        session: ResourceSessionId,
        week: u32,
        now: UnixSeconds,
    ) -> Result<Result<(), CycleError>, StoreError> {
        let mut transaction = match self.begin_change(actor, cycle, now).await? {
            Ok(transaction) => transaction,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let published =
            sqlx::query("SELECT 1 AS one FROM resource_published WHERE session_id = $1")
                .bind(session.get())
                .fetch_optional(&mut *transaction)
                .await?;
        let mut items = item_list(&mut transaction, cycle).await?;
        let refusal = if published.is_none() {
            Some(CycleError::NotPublished)
        } else if items.len() >= MAX_CYCLE_SESSIONS {
            Some(CycleError::TooManySessions)
        } else {
            None
        };
        if let Some(refusal) = refusal {
            transaction.rollback().await?;
            return Ok(Err(refusal));
        }
        items.push((session.get(), week));
        write_items(&mut transaction, cycle, &items).await?;
        transaction.commit().await?;
        Ok(Ok(()))
    }

    /// Moves, removes or changes the week of the session at `position` of a cycle; its creator only.
    pub async fn change_cycle_item(
        &self,
        actor: &BankActor<'_>,
        cycle: CycleId,
        position: i64,
        change: ItemChange,
        now: UnixSeconds,
    ) -> Result<Result<(), CycleError>, StoreError> {
        let mut transaction = match self.begin_change(actor, cycle, now).await? {
            Ok(transaction) => transaction,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let items = item_list(&mut transaction, cycle).await?;
        let Some(items) = changed(items, position, change) else {
            transaction.rollback().await?;
            return Err(StoreError::NotFound("séance du cycle".into()));
        };
        write_items(&mut transaction, cycle, &items).await?;
        transaction.commit().await?;
        Ok(Ok(()))
    }

    /// The cycles the actor sees: their own, then those shared in their structure.
    pub async fn cycles_of(&self, actor: &BankActor<'_>) -> Result<Vec<CycleSummary>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT c.id, c.title, c.group_name, c.shared, c.updated_at, c.created_by, a.display_name,
                    (SELECT COUNT(*) FROM resource_cycle_items i WHERE i.cycle_id = c.id) AS sessions,
                    (SELECT COUNT(*) FROM cycle_workshops w WHERE w.cycle_id = c.id) AS workshops
             FROM resource_cycles c JOIN accounts a ON a.id = c.created_by
             WHERE {VISIBLE}
             ORDER BY CASE WHEN c.created_by = $1 THEN 0 ELSE 1 END, c.updated_at DESC, c.id DESC"
        ))
        .bind(actor.account_id.get())
        .bind(actor.structure_id.get())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let creator: i64 = row.try_get("created_by")?;
                let shared: i64 = row.try_get("shared")?;
                Ok(CycleSummary {
                    id: CycleId::new(row.try_get("id")?),
                    title: row.try_get("title")?,
                    group: row.try_get("group_name")?,
                    creator: row.try_get("display_name")?,
                    mine: creator == actor.account_id.get(),
                    shared: shared != 0,
                    sessions: row.try_get("sessions")?,
                    workshops: row.try_get("workshops")?,
                    updated_at: row.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// A cycle the actor sees, with its sessions (their last published version) and its workshops.
    pub async fn cycle(&self, actor: &BankActor<'_>, cycle: CycleId) -> Result<Cycle, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let row = sqlx::query(&format!(
            "SELECT c.title, c.group_name, c.aimed_competences, c.shared, c.created_by,
                    a.display_name, st.name AS structure_name
             FROM resource_cycles c JOIN accounts a ON a.id = c.created_by
               JOIN structures st ON st.id = c.structure_id
             WHERE c.id = $3 AND {VISIBLE}"
        ))
        .bind(actor.account_id.get())
        .bind(actor.structure_id.get())
        .bind(cycle.get())
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(cycle_not_found)?;
        let aimed: String = row.try_get("aimed_competences")?;
        let shared: i64 = row.try_get("shared")?;
        let creator: i64 = row.try_get("created_by")?;
        let header = CycleHeader {
            title: row.try_get("title")?,
            group: row.try_get("group_name")?,
            aimed: aimed
                .split_whitespace()
                .map(|code| {
                    Coded::from_code(code)
                        .ok_or_else(|| StoreError::Corrupt(format!("compétence « {code} »")))
                })
                .collect::<Result<_, _>>()?,
            shared: shared != 0,
        };
        let items = self.cycle_items(&mut connection, cycle).await?;
        let workshops = sqlx::query(&format!(
            "SELECT {PLANNED_COLUMNS} FROM {PLANNED_FROM} WHERE w.cycle_id = $1 ORDER BY w.position"
        ))
        .bind(cycle.get())
        .fetch_all(&mut *connection)
        .await?
        .iter()
        .map(planned_from)
        .collect::<Result<_, _>>()?;
        Ok(Cycle {
            id: cycle,
            header,
            structure_name: row.try_get("structure_name")?,
            creator: row.try_get("display_name")?,
            mine: creator == actor.account_id.get(),
            items,
            workshops,
        })
    }

    async fn cycle_items(
        &self,
        connection: &mut AnyConnection,
        cycle: CycleId,
    ) -> Result<Vec<CycleItem>, StoreError> {
        let rows = sqlx::query(
            "SELECT i.position, i.week, i.session_id, v.snapshot
             FROM resource_cycle_items i
               JOIN resource_published p ON p.session_id = i.session_id
               JOIN resource_versions v ON v.session_id = p.session_id AND v.number = p.version
             WHERE i.cycle_id = $1 ORDER BY i.position",
        )
        .bind(cycle.get())
        .fetch_all(&mut *connection)
        .await?;
        rows.iter()
            .map(|row| {
                let week: i64 = row.try_get("week")?;
                let snapshot: String = row.try_get("snapshot")?;
                Ok(CycleItem {
                    position: row.try_get("position")?,
                    week: u32::try_from(week).unwrap_or(1),
                    session: ResourceSessionId::new(row.try_get("session_id")?),
                    snapshot: from_json(&snapshot)?,
                })
            })
            .collect()
    }

    /// Creates the cycle's workshops for the actor's structure (the cycle's), the first on
    /// `first_day` and each next one in its week; once per cycle. Returns how many.
    pub async fn create_cycle_workshops(
        &self,
        actor: &BankActor<'_>,
        cycle: CycleId,
        first_day: Date,
        now: UnixSeconds,
    ) -> Result<Result<usize, CycleError>, StoreError> {
        let mut transaction = self.begin_write().await?;
        let locked = sqlx::query(&format!(
            "UPDATE resource_cycles SET updated_at = $4
             WHERE id = $3 AND structure_id = $2 AND id IN (SELECT c.id FROM resource_cycles c WHERE {VISIBLE})"
        ))
        .bind(actor.account_id.get())
        .bind(actor.structure_id.get())
        .bind(cycle.get())
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        if locked.rows_affected() == 0 {
            transaction.rollback().await?;
            return Err(cycle_not_found());
        }
        let existing: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM cycle_workshops WHERE cycle_id = $1")
                .bind(cycle.get())
                .fetch_one(&mut *transaction)
                .await?
                .try_get("n")?;
        let items = self.cycle_items(&mut transaction, cycle).await?;
        let refusal = if existing > 0 {
            Some(CycleError::WorkshopsExist)
        } else if items.is_empty() {
            Some(CycleError::Empty)
        } else {
            None
        };
        if let Some(refusal) = refusal {
            transaction.rollback().await?;
            return Ok(Err(refusal));
        }
        let weeks: Vec<u32> = items.iter().map(|item| item.week).collect();
        for (item, day) in items.iter().zip(workshop_days(first_day, &weeks)) {
            let content = &item.snapshot.content;
            sqlx::query(
                "INSERT INTO cycle_workshops (cycle_id, position, resource_session_id, structure_id, planned_on,
                     title, duration_minutes, workshop_level, themes, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(cycle.get())
            .bind(item.position)
            .bind(item.session.get())
            .bind(actor.structure_id.get())
            .bind(iso_date(day))
            .bind(&content.title)
            .bind(i64::from(content.duration_minutes))
            .bind(content.level.cra_code())
            .bind(joined(&content.themes, Theme::cra_code))
            .bind(actor.account_id.get())
            .bind(now)
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await?;
        Ok(Ok(items.len()))
    }

    /// The workshops the actor's structure planned from cycles and has not recorded yet, by day.
    pub async fn planned_workshops(
        &self,
        actor: &BankActor<'_>,
    ) -> Result<Vec<PlannedWorkshop>, StoreError> {
        sqlx::query(&format!(
            "SELECT {PLANNED_COLUMNS} FROM {PLANNED_FROM}
             WHERE w.structure_id = $1 AND w.pathway_session_id IS NULL
             ORDER BY w.planned_on, w.id"
        ))
        .bind(actor.structure_id.get())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(planned_from)
        .collect()
    }

    /// One workshop the actor's structure planned, or `NotFound`.
    pub async fn planned_workshop(
        &self,
        actor: &BankActor<'_>,
        id: i64,
    ) -> Result<PlannedWorkshop, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {PLANNED_COLUMNS} FROM {PLANNED_FROM} WHERE w.id = $1 AND w.structure_id = $2"
        ))
        .bind(id)
        .bind(actor.structure_id.get())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound("atelier prévu".into()))?;
        planned_from(&row)
    }
}

/// Marks a planned workshop of `structure` as recorded by the pathway session `recorded`, and that
/// session as running the planned bank session in its cycle; `false` when the plan is not the
/// structure's or was recorded already (nothing written).
pub(crate) async fn mark_planned_recorded(
    connection: &mut AnyConnection,
    plan: i64,
    structure: i64,
    recorded: i64,
) -> Result<bool, StoreError> {
    let updated = sqlx::query(
        "UPDATE cycle_workshops SET pathway_session_id = $1
         WHERE id = $2 AND structure_id = $3 AND pathway_session_id IS NULL",
    )
    .bind(recorded)
    .bind(plan)
    .bind(structure)
    .execute(&mut *connection)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE pathway_sessions SET
            resource_session_id = (SELECT resource_session_id FROM cycle_workshops WHERE id = $1),
            resource_cycle_id = (SELECT cycle_id FROM cycle_workshops WHERE id = $1)
         WHERE id = $2",
    )
    .bind(plan)
    .bind(recorded)
    .execute(&mut *connection)
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_moves_removes_or_reweeks_one_position() {
        let items = vec![(10, 1), (11, 2), (12, 3)];
        assert_eq!(
            changed(items.clone(), 2, ItemChange::Up),
            Some(vec![(11, 1), (10, 2), (12, 3)])
        );
        assert_eq!(
            changed(items.clone(), 3, ItemChange::Down),
            Some(items.clone())
        );
        assert_eq!(
            changed(items.clone(), 1, ItemChange::Remove),
            Some(vec![(11, 2), (12, 3)])
        );
        assert_eq!(
            changed(items.clone(), 3, ItemChange::Week(5)),
            Some(vec![(10, 1), (11, 2), (12, 5)])
        );
        assert_eq!(changed(items.clone(), 4, ItemChange::Remove), None);
        assert_eq!(changed(items, 0, ItemChange::Up), None);
    }
}
