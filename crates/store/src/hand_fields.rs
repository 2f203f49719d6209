//! The fields of a place corrected by hand, and the conflicts imports find with them.
//!
//! A hand edit marks each standard field it changes (`place_hand_fields`, the value as the standard
//! writes it). An import keeps a marked field's value whatever its file says: when the file says
//! the same thing, the file has caught up and the mark goes; when it says something else, an open
//! conflict is kept (`place_import_conflicts`, one per place and field), unless a coordinator
//! already refused that very value. Whoever may edit the place settles a conflict: keep the
//! correction, or take the file's value, written like a hand edit and recorded in
//! `structure_changes`; the rights are asked inside that transaction, on the conflict's place.

use crate::directory::{check_place_rights, place_in, record_place_change, write_hand_place};
use crate::{PlaceCheck, PlaceRights, PlaceSite, Store, StoreError};
use aiguillage_domain::directory::Place;
use aiguillage_domain::UnixSeconds;
use aiguillage_interop::places_standard::{
    changed_fields, copy_field, field_title, same_value, standard_value, with_standard_value,
};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// The fields an import keeps authority over: what names, places and dates the row (a hand edit
/// changes none of them, and the hand path writes none of their columns).
const NEVER_MARKED: [&str; 11] = [
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "latitude",
    "longitude",
    "typologie",
    "source",
    "date_maj",
];

/// A field of a place corrected by hand: its value, when and by whom.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HandField {
    /// The standard's field name (`telephone`).
    pub field: String,
    pub hand_value: String,
    pub edited_at: UnixSeconds,
    pub account_name: Option<String>,
}

/// A row of an import whose file disagrees with a field corrected by hand: the hand value was
/// kept, and the conflict left open for the coordinator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportConflict {
    pub line: u64,
    /// The row's id in its source.
    pub id: String,
    pub structure_id: i64,
    pub place_name: String,
    /// The standard's field name.
    pub field: String,
    pub hand_value: String,
    pub file_value: String,
}

/// An open conflict, as the coordinator's page lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OpenConflict {
    pub id: i64,
    pub structure_id: i64,
    pub place_name: String,
    pub field: String,
    pub hand_value: String,
    pub file_value: String,
    /// The import that found it, as its change records name it.
    pub origin: String,
    pub found_at: UnixSeconds,
}

/// What the coordinator chooses for a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictChoice {
    /// Keep the correction made by hand (and its mark).
    KeepHand,
    /// Write the file's value into the place and drop the mark.
    TakeFile,
}

/// What became of a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictSettled {
    Done,
    /// The conflict had been settled already (by someone else, or by an import): nothing changed.
    Already,
}

/// How a conflict was closed, stored by its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolution {
    KeptHand,
    TookFile,
    /// The file, or a new correction, came to the same value.
    FileAgreed,
    /// The file came back to a value a coordinator had already refused.
    FileWithdrawn,
}

impl Resolution {
    fn code(self) -> &'static str {
        match self {
            Resolution::KeptHand => "kept_hand",
            Resolution::TookFile => "took_file",
            Resolution::FileAgreed => "file_agreed",
            Resolution::FileWithdrawn => "file_withdrawn",
        }
    }
}

/// A mark as an import needs it.
pub(crate) struct Mark {
    field: String,
    hand_value: String,
    refused_file_value: Option<String>,
}

/// Every place's marks, by structure id.
pub(crate) type Marks = HashMap<i64, Vec<Mark>>;

/// What an import does with one marked field of a place.
pub(crate) enum FieldOutcome {
    /// The file says what the hand said: the mark goes, the file's value is taken.
    CaughtUp { field: String },
    /// The file offers a value already refused: the hand value is kept, quietly.
    Refused { field: String },
    /// The file says something else: the hand value is kept and the conflict left open.
    Conflict {
        field: String,
        hand_value: String,
        file_value: String,
    },
}

fn markable(field: &str) -> bool {
    !NEVER_MARKED.contains(&field)
}

/// Every mark, read once per import.
pub(crate) async fn all_marks(connection: &mut AnyConnection) -> Result<Marks, StoreError> {
    let rows = sqlx::query(
        "SELECT structure_id, field, hand_value, refused_file_value FROM place_hand_fields
         ORDER BY structure_id, field",
    )
    .fetch_all(&mut *connection)
    .await?;
    let mut marks = Marks::new();
    for row in &rows {
        marks
            .entry(row.try_get("structure_id")?)
            .or_default()
            .push(Mark {
                field: row.try_get("field")?,
                hand_value: row.try_get("hand_value")?,
                refused_file_value: row.try_get("refused_file_value")?,
            });
    }
    Ok(marks)
}

/// The file's place with the hand-corrected fields of the stored one kept, and what becomes of
/// each mark.
pub(crate) fn keep_hand_fields(
    stored: &Place,
    file: &Place,
    marks: &[Mark],
) -> (Place, Vec<FieldOutcome>) {
    let mut kept = file.clone();
    let mut outcomes = Vec::with_capacity(marks.len());
    for mark in marks {
        let field = mark.field.clone();
        let file_value = standard_value(file, &mark.field).unwrap_or_default();
        if same_value(&mark.field, &file_value, &mark.hand_value) {
            outcomes.push(FieldOutcome::CaughtUp { field });
            continue;
        }
        copy_field(stored, &mut kept, &mark.field);
        let refused = mark.refused_file_value.as_deref();
        if refused.is_some_and(|refused| same_value(&mark.field, refused, &file_value)) {
            outcomes.push(FieldOutcome::Refused { field });
        } else {
            outcomes.push(FieldOutcome::Conflict {
                field,
                hand_value: mark.hand_value.clone(),
                file_value,
            });
        }
    }
    (kept, outcomes)
}

/// Writes what an import did with the marks of one place: marks caught up dropped, conflicts
/// opened or brought up to date, each open conflict closed when the file agrees or withdraws.
pub(crate) async fn settle_import(
    connection: &mut AnyConnection,
    structure_id: i64,
    outcomes: &[FieldOutcome],
    origin: &str,
    now: UnixSeconds,
) -> Result<(), StoreError> {
    for outcome in outcomes {
        match outcome {
            FieldOutcome::CaughtUp { field } => {
                sqlx::query("DELETE FROM place_hand_fields WHERE structure_id = $1 AND field = $2")
                    .bind(structure_id)
                    .bind(field)
                    .execute(&mut *connection)
                    .await?;
                let open = (structure_id, field.as_str());
                close_open(connection, open, (Resolution::FileAgreed, None), now).await?;
            }
            FieldOutcome::Refused { field } => {
                let open = (structure_id, field.as_str());
                close_open(connection, open, (Resolution::FileWithdrawn, None), now).await?;
            }
            FieldOutcome::Conflict {
                field,
                hand_value,
                file_value,
            } => {
                let values = (hand_value.as_str(), file_value.as_str());
                keep_conflict(connection, (structure_id, field), values, origin, now).await?;
            }
        }
    }
    Ok(())
}

/// Opens the conflict of a place's field, or brings the open one up to the file's new value.
async fn keep_conflict(
    connection: &mut AnyConnection,
    (structure_id, field): (i64, &str),
    (hand_value, file_value): (&str, &str),
    origin: &str,
    now: UnixSeconds,
) -> Result<(), StoreError> {
    let open = sqlx::query(
        "SELECT id, file_value FROM place_import_conflicts
         WHERE structure_id = $1 AND field = $2 AND resolved_at IS NULL",
    )
    .bind(structure_id)
    .bind(field)
    .fetch_optional(&mut *connection)
    .await?;
    let query = match open {
        Some(row) => {
            let known: String = row.try_get("file_value")?;
            if known == file_value {
                return Ok(());
            }
            sqlx::query(
                "UPDATE place_import_conflicts SET hand_value = $1, file_value = $2, origin = $3,
                     found_at = $4
                 WHERE id = $5",
            )
            .bind(hand_value)
            .bind(file_value)
            .bind(origin)
            .bind(now)
            .bind(row.try_get::<i64, _>("id")?)
        }
        None => sqlx::query(
            "INSERT INTO place_import_conflicts (structure_id, field, hand_value, file_value, origin,
                 found_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(structure_id)
        .bind(field)
        .bind(hand_value)
        .bind(file_value)
        .bind(origin)
        .bind(now),
    };
    query.execute(&mut *connection).await?;
    Ok(())
}

/// Closes the open conflict of a place's field, if there is one.
async fn close_open(
    connection: &mut AnyConnection,
    (structure_id, field): (i64, &str),
    (resolution, by): (Resolution, Option<i64>),
    now: UnixSeconds,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE place_import_conflicts SET resolved_at = $1, resolved_by = $2, resolution = $3
         WHERE structure_id = $4 AND field = $5 AND resolved_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(resolution.code())
    .bind(structure_id)
    .bind(field)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Marks each standard field a hand edit changed, with its new value; an open conflict on such a
/// field takes the new value, or closes when the new value is the file's.
pub(crate) async fn mark_hand_fields(
    connection: &mut AnyConnection,
    structure_id: i64,
    (before, after): (&Place, &Place),
    account_id: i64,
    now: UnixSeconds,
) -> Result<(), StoreError> {
    for field in changed_fields(before, after) {
        let old = standard_value(before, field).unwrap_or_default();
        let new = standard_value(after, field).unwrap_or_default();
        if !markable(field) || same_value(field, &old, &new) {
            continue;
        }
        sqlx::query(
            "INSERT INTO place_hand_fields (structure_id, field, hand_value, account_id, edited_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (structure_id, field) DO UPDATE SET hand_value = $3, account_id = $4,
                 edited_at = $5",
        )
        .bind(structure_id)
        .bind(field)
        .bind(&new)
        .bind(account_id)
        .bind(now)
        .execute(&mut *connection)
        .await?;
        follow_hand_value(connection, (structure_id, field), &new, account_id, now).await?;
    }
    Ok(())
}

/// An open conflict after a new hand value: closed if the value is now the file's, else updated.
async fn follow_hand_value(
    connection: &mut AnyConnection,
    (structure_id, field): (i64, &str),
    hand_value: &str,
    account_id: i64,
    now: UnixSeconds,
) -> Result<(), StoreError> {
    let open = sqlx::query(
        "SELECT file_value FROM place_import_conflicts
         WHERE structure_id = $1 AND field = $2 AND resolved_at IS NULL",
    )
    .bind(structure_id)
    .bind(field)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(row) = open else { return Ok(()) };
    let file_value: String = row.try_get("file_value")?;
    if same_value(field, hand_value, &file_value) {
        let agreed = (Resolution::FileAgreed, Some(account_id));
        return close_open(connection, (structure_id, field), agreed, now).await;
    }
    sqlx::query(
        "UPDATE place_import_conflicts SET hand_value = $1
         WHERE structure_id = $2 AND field = $3 AND resolved_at IS NULL",
    )
    .bind(hand_value)
    .bind(structure_id)
    .bind(field)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// A conflict as its resolution needs it.
struct ConflictRow {
    structure_id: i64,
    field: String,
    file_value: String,
    open: bool,
}

async fn conflict_row(
    connection: &mut AnyConnection,
    conflict_id: i64,
) -> Result<ConflictRow, StoreError> {
    let row = sqlx::query(
        "SELECT structure_id, field, file_value, resolved_at FROM place_import_conflicts
         WHERE id = $1",
    )
    .bind(conflict_id)
    .fetch_optional(&mut *connection)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("conflit {conflict_id}")))?;
    let resolved_at: Option<i64> = row.try_get("resolved_at")?;
    Ok(ConflictRow {
        structure_id: row.try_get("structure_id")?,
        field: row.try_get("field")?,
        file_value: row.try_get("file_value")?,
        open: resolved_at.is_none(),
    })
}

/// Writes the file's value of the conflict's field into its place, as a hand edit would, and drops
/// the mark.
async fn take_file_value(
    connection: &mut AnyConnection,
    conflict: &ConflictRow,
    account_id: i64,
    now: UnixSeconds,
) -> Result<String, StoreError> {
    let stored = place_in(connection, conflict.structure_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("lieu {}", conflict.structure_id)))?;
    let place = with_standard_value(&stored.place, &conflict.field, &conflict.file_value)
        .map_err(|reason| StoreError::Corrupt(format!("valeur du fichier : {reason}")))?;
    let author = (account_id, now);
    write_hand_place(
        connection,
        conflict.structure_id,
        &place,
        stored.support_model,
        author,
    )
    .await?;
    sqlx::query("DELETE FROM place_hand_fields WHERE structure_id = $1 AND field = $2")
        .bind(conflict.structure_id)
        .bind(&conflict.field)
        .execute(&mut *connection)
        .await?;
    Ok(format!(
        "Conflit d'import résolu : valeur du fichier retenue pour « {} »",
        field_title(&conflict.field)
    ))
}

/// Keeps the correction of the conflict's field, remembering the file's value as refused.
async fn keep_hand_value(
    connection: &mut AnyConnection,
    conflict: &ConflictRow,
) -> Result<String, StoreError> {
    sqlx::query(
        "UPDATE place_hand_fields SET refused_file_value = $1 WHERE structure_id = $2 AND field = $3",
    )
    .bind(&conflict.file_value)
    .bind(conflict.structure_id)
    .bind(&conflict.field)
    .execute(&mut *connection)
    .await?;
    Ok(format!(
        "Conflit d'import résolu : correction à la main conservée pour « {} »",
        field_title(&conflict.field)
    ))
}

impl Store {
    /// The fields of a place corrected by hand, in the standard's order of names.
    pub async fn hand_fields(&self, structure_id: i64) -> Result<Vec<HandField>, StoreError> {
        let rows = sqlx::query(
            "SELECT h.field, h.hand_value, h.edited_at, a.display_name FROM place_hand_fields h
             LEFT JOIN accounts a ON a.id = h.account_id
             WHERE h.structure_id = $1 ORDER BY h.field",
        )
        .bind(structure_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HandField {
                    field: row.try_get("field")?,
                    hand_value: row.try_get("hand_value")?,
                    edited_at: row.try_get("edited_at")?,
                    account_name: row.try_get("display_name")?,
                })
            })
            .collect()
    }

    /// The open conflicts of the places `may_see` accepts, by place name.
    pub async fn open_import_conflicts(
        &self,
        may_see: PlaceCheck<'_>,
    ) -> Result<Vec<OpenConflict>, StoreError> {
        let rows = sqlx::query(
            "SELECT k.id, k.structure_id, s.name, c.departement_code, c.epci_code, k.field,
                    k.hand_value, k.file_value, k.origin, k.found_at
             FROM place_import_conflicts k
             JOIN structures s ON s.id = k.structure_id
             JOIN communes c ON c.code = s.commune_code
             WHERE k.resolved_at IS NULL ORDER BY s.name, k.structure_id, k.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut conflicts = Vec::new();
        for row in &rows {
            let structure_id: i64 = row.try_get("structure_id")?;
            let (departement_code, epci_code): (String, Option<String>) =
                (row.try_get("departement_code")?, row.try_get("epci_code")?);
            let site = PlaceSite {
                structure_id: Some(structure_id),
                departement_code: &departement_code,
                epci_code: epci_code.as_deref(),
            };
            if !may_see(site) {
                continue;
            }
            conflicts.push(OpenConflict {
                id: row.try_get("id")?,
                structure_id,
                place_name: row.try_get("name")?,
                field: row.try_get("field")?,
                hand_value: row.try_get("hand_value")?,
                file_value: row.try_get("file_value")?,
                origin: row.try_get("origin")?,
                found_at: row.try_get("found_at")?,
            });
        }
        Ok(conflicts)
    }

    /// Settles an open conflict as `choice` says, in one transaction where the rights are asked on
    /// the conflict's place: a conflict of a place they do not cover is `NotFound`, like one that
    /// does not exist. The choice is recorded in the place's changes.
    pub async fn resolve_import_conflict(
        &self,
        conflict_id: i64,
        choice: ConflictChoice,
        (account_id, rights): (i64, PlaceRights<'_>),
        now: UnixSeconds,
    ) -> Result<ConflictSettled, StoreError> {
        let mut transaction = self.begin_write().await?;
        let conflict = conflict_row(&mut transaction, conflict_id).await?;
        match check_place_rights(&mut transaction, conflict.structure_id, rights).await {
            Err(StoreError::OutOfScope(_)) => {
                return Err(StoreError::NotFound(format!("conflit {conflict_id}")))
            }
            other => other?,
        }
        if !conflict.open {
            return Ok(ConflictSettled::Already);
        }
        let resolution = match choice {
            ConflictChoice::KeepHand => Resolution::KeptHand,
            ConflictChoice::TakeFile => Resolution::TookFile,
        };
        let closed = sqlx::query(
            "UPDATE place_import_conflicts SET resolved_at = $1, resolved_by = $2, resolution = $3
             WHERE id = $4 AND resolved_at IS NULL",
        )
        .bind(now)
        .bind(account_id)
        .bind(resolution.code())
        .bind(conflict_id)
        .execute(&mut *transaction)
        .await?;
        if closed.rows_affected() == 0 {
            return Ok(ConflictSettled::Already);
        }
        let summary = match choice {
            ConflictChoice::KeepHand => keep_hand_value(&mut transaction, &conflict).await?,
            ConflictChoice::TakeFile => {
                take_file_value(&mut transaction, &conflict, account_id, now).await?
            }
        };
        let change = (Some(account_id), summary.as_str());
        record_place_change(&mut transaction, conflict.structure_id, change, now).await?;
        transaction.commit().await?;
        Ok(ConflictSettled::Done)
    }
}
