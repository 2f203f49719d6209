//! Multi-row inserts: many rows per statement, under each backend's comfortable number of
//! parameters (the synthetic generator and the directory import write thousands of rows at once).
//! SQLite's parameters are anonymous (`?`), PostgreSQL's numbered (`$1`).

use crate::{Backend, StoreError};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

/// A value bound to a multi-row insert (typed, so that a NULL has its column's type).
pub(crate) enum Param<'a> {
    Int(i64),
    OptInt(Option<i64>),
    Text(&'a str),
    OptText(Option<&'a str>),
    OptReal(Option<f64>),
    Owned(String),
}

/// Most parameters in one statement. SQLite (through sqlx) looks a named parameter (`$1`) up along
/// the statement's list of names, so binding named parameters grows with the square of their
/// number; anonymous ones (`?`) have no name to look up, and bind in linear time, under SQLite's
/// limit of 32 766. PostgreSQL's limit is 65 535.
pub(crate) fn max_params(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => SQLITE_MAX_PARAMS,
        Backend::Postgres => 12_000,
    }
}
/// SQLite's: statements of a few hundred rows, well under its limit.
const SQLITE_MAX_PARAMS: usize = 8_000;

/// Most rows in one statement.
pub(crate) const MAX_ROWS: usize = 500;

/// `INSERT INTO target VALUES (…), (…)…` for `rows` rows of `width` parameters.
fn insert_sql(
    backend: Backend,
    target: &str,
    width: usize,
    rows: usize,
    returning: bool,
) -> String {
    let mut sql = format!("INSERT INTO {target} VALUES ");
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..width {
            if column > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&(row * width + column + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    if returning {
        sql.push_str(" RETURNING id");
    }
    sql
}

/// Inserts `params.len() / width` rows into `target` (`table (columns…)`), several per statement;
/// returns the new ids in insertion order when `returning`.
pub(crate) async fn insert_rows(
    connection: &mut AnyConnection,
    backend: Backend,
    target: &str,
    width: usize,
    params: &[Param<'_>],
    returning: bool,
) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::new();
    let rows_per_statement = (max_params(backend) / width).clamp(1, MAX_ROWS);
    for chunk in params.chunks(rows_per_statement * width) {
        let sql = insert_sql(backend, target, width, chunk.len() / width, returning);
        let mut query: Query<'_, Any, AnyArguments<'_>> = sqlx::query(&sql);
        for param in chunk {
            query = match param {
                Param::Int(value) => query.bind(*value),
                Param::OptInt(value) => query.bind(*value),
                Param::Text(value) => query.bind(*value),
                Param::OptText(value) => query.bind(*value),
                Param::OptReal(value) => query.bind(*value),
                Param::Owned(value) => query.bind(value.as_str()),
            };
        }
        if returning {
            // Identity values are drawn in the order of the VALUES; RETURNING's order is not
            // promised, so the ids are sorted back into it.
            let mut chunk_ids = query
                .fetch_all(&mut *connection)
                .await?
                .iter()
                .map(|row| row.try_get::<i64, _>(0))
                .collect::<Result<Vec<_>, _>>()?;
            chunk_ids.sort_unstable();
            ids.extend(chunk_ids);
        } else {
            query.execute(&mut *connection).await?;
        }
    }
    Ok(ids)
}
