//! Finding and judging the bank's published sessions: the flattened index of each session's last
//! published version, searched in French behind one API (SQLite: FTS5 over the Snowball stems the
//! domain computes; PostgreSQL: full text over the folded text in its `french` configuration),
//! filtered by audience, level, competence, theme, duration and rating, ranked by relevance then
//! rating; and the ratings and uses after a session was run.

use crate::resources::{code_list, BankActor};
use crate::{Backend, Store, StoreError};
use aiguillage_domain::diagnostic::AutonomyLevel;
use aiguillage_domain::ids::ResourceSessionId;
use aiguillage_domain::pathway::{Theme, WorkshopLevel};
use aiguillage_domain::resource::diff::VersionSnapshot;
use aiguillage_domain::resource::search::{fold, fts5_query, indexed_text};
use aiguillage_domain::resource::{Competence, ResourceAudience, RATINGS};
use aiguillage_domain::UnixSeconds;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// The text a search reads in a version: title, objectives, prerequisites, conductor, the labels of
/// its audiences, competences and themes, and its materials' titles.
fn searchable_text(snapshot: &VersionSnapshot) -> String {
    let content = &snapshot.content;
    let mut text = vec![
        content.title.clone(),
        content.objectives.clone(),
        content.prerequisites.clone(),
        content.conductor.clone(),
    ];
    text.extend(content.audiences.iter().map(|a| a.label().to_owned()));
    text.extend(content.competences.iter().map(|c| c.label().to_owned()));
    text.extend(content.themes.iter().map(|t| t.label().to_owned()));
    text.extend(snapshot.materials.iter().map(|m| m.title.clone()));
    text.join("\n")
}

/// Replaces a session's row of the published index (and, on SQLite, its FTS5 row).
pub(crate) async fn index_published(
    connection: &mut AnyConnection,
    backend: Backend,
    session: ResourceSessionId,
    version: i64,
    snapshot: &VersionSnapshot,
    now: UnixSeconds,
) -> Result<(), StoreError> {
    let content = &snapshot.content;
    let text = searchable_text(snapshot);
    sqlx::query("DELETE FROM resource_published WHERE session_id = $1")
        .bind(session.get())
        .execute(&mut *connection)
        .await?;
    sqlx::query(
        "INSERT INTO resource_published (session_id, version, title, level, duration_minutes, licence,
                                         open_licence, audiences, competences, themes, search_folded, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(session.get())
    .bind(version)
    .bind(&content.title)
    .bind(content.level.cra_code())
    .bind(i64::from(content.duration_minutes))
    .bind(content.licence.code())
    .bind(i64::from(content.licence.is_open()))
    .bind(code_list(content.audiences.iter().copied()))
    .bind(code_list(content.competences.iter().copied()))
    .bind(code_list(content.themes.iter().copied()))
    .bind(fold(&text))
    .bind(now)
    .execute(&mut *connection)
    .await?;
    if backend == Backend::Sqlite {
        sqlx::query("DELETE FROM resource_search WHERE rowid = $1")
            .bind(session.get())
            .execute(&mut *connection)
            .await?;
        sqlx::query("INSERT INTO resource_search (rowid, stems) VALUES ($1, $2)")
            .bind(session.get())
            .bind(indexed_text(&text))
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// What a search asks for; every filter is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceQuery {
    pub words: String,
    pub audience: Option<ResourceAudience>,
    pub level: Option<WorkshopLevel>,
    pub competence: Option<Competence>,
    pub theme: Option<Theme>,
    /// The longest duration wanted, in minutes.
    pub max_minutes: Option<u32>,
    /// The lowest average rating wanted (1–4).
    pub min_rating: Option<u8>,
}

/// A published session in a list of results.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedResource {
    pub id: ResourceSessionId,
    pub version: i64,
    pub title: String,
    pub level: WorkshopLevel,
    pub duration_minutes: u32,
    pub audiences: Vec<ResourceAudience>,
    pub competences: Vec<Competence>,
    pub open_licence: bool,
    pub ratings: i64,
    pub average_rating: Option<f64>,
    pub published_at: UnixSeconds,
}

/// What the bank knows of a session's use: ratings per audience, workshops run from it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UseSummary {
    pub workshops: i64,
    /// Everyone present at those workshops, registered or not.
    pub participants: i64,
    /// What became of the registered people who attended (see [`AttendeeResults`]).
    pub attendees: AttendeeResults,
    pub ratings: i64,
    pub average: Option<f64>,
    /// Per audience it was said to work for: the count of ratings and their average.
    pub per_audience: Vec<(ResourceAudience, i64, f64)>,
}

/// The autonomy of the registered people who attended a session's workshops, between their first
/// and their last diagnostic (the overall level): counts only, never who.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttendeeResults {
    pub people: i64,
    /// Of them, those with two diagnostics or more.
    pub diagnosed_twice: i64,
    pub progressed: i64,
    pub stable: i64,
    pub fell_back: i64,
}

/// Counts the attendees' moves from their first to their last overall autonomy level, given per
/// person as (first, last, diagnostics).
fn attendee_results(people: &[(String, String, i64)]) -> AttendeeResults {
    let rank = |code: &str| AutonomyLevel::ALL.iter().position(|l| l.code() == code);
    let mut results = AttendeeResults {
        people: people.len() as i64,
        ..AttendeeResults::default()
    };
    for (first, last, diagnostics) in people {
        let (Some(first), Some(last)) = (rank(first), rank(last)) else {
            continue;
        };
        if *diagnostics < 2 {
            continue;
        }
        results.diagnosed_twice += 1;
        match last.cmp(&first) {
            std::cmp::Ordering::Greater => results.progressed += 1,
            std::cmp::Ordering::Equal => results.stable += 1,
            std::cmp::Ordering::Less => results.fell_back += 1,
        }
    }
    results
}

/// Why a rating is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    #[error("Choisissez une note de 1 à 4.")]
    OutOfRange,
    #[error("Seule une séance publiée peut être évaluée.")]
    NotPublished,
}

impl Store {
    /// Published sessions matching `query`, ranked by relevance (when words are given) then by
    /// average rating, `limit` from `offset`; with the count of all matches. An anonymous visitor
    /// (`signed_in` false) sees sessions under an open licence only.
    pub async fn search_resources(
        &self,
        query: &ResourceQuery,
        signed_in: bool,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<ListedResource>, i64), StoreError> {
        let mut conditions = vec!["1 = 1".to_owned()];
        let mut binds: Vec<String> = Vec::new();
        let mut rank = "0.0".to_owned();
        let mut from = "resource_published p".to_owned();
        if !signed_in {
            conditions.push("p.open_licence = 1".into());
        }
        let words = query.words.trim();
        if !words.is_empty() {
            match self.backend {
                Backend::Sqlite => {
                    let Some(fts) = fts5_query(words) else {
                        return Ok((Vec::new(), 0));
                    };
                    binds.push(fts);
                    from.push_str(" JOIN resource_search f ON f.rowid = p.session_id");
                    conditions.push(format!("resource_search MATCH ${}", binds.len()));
                    rank = "-bm25(resource_search)".into();
                }
                Backend::Postgres => {
                    binds.push(fold(words));
                    let n = binds.len();
                    conditions.push(format!(
                        "to_tsvector('french', p.search_folded) @@ plainto_tsquery('french', ${n})"
                    ));
                    rank = format!(
                        "ts_rank(to_tsvector('french', p.search_folded), plainto_tsquery('french', ${n}))"
                    );
                }
            }
        }
        let mut like = |column: &str, code: &str| {
            binds.push(format!("% {code} %"));
            conditions.push(format!("p.{column} LIKE ${}", binds.len()));
        };
        if let Some(audience) = query.audience {
            like("audiences", audience.code());
        }
        if let Some(competence) = query.competence {
            like("competences", competence.code());
        }
        if let Some(theme) = query.theme {
            like("themes", theme.cra_code());
        }
        if let Some(level) = query.level {
            binds.push(level.cra_code().to_owned());
            conditions.push(format!("p.level = ${}", binds.len()));
        }
        if let Some(minutes) = query.max_minutes {
            conditions.push(format!("p.duration_minutes <= {}", i64::from(minutes)));
        }
        if let Some(rating) = query.min_rating {
            conditions.push(format!("COALESCE(r.average, 0) >= {}", i64::from(rating)));
        }
        let base = format!(
            "FROM {from} LEFT JOIN (SELECT session_id, COUNT(*) AS n, AVG(CAST(rating AS DOUBLE PRECISION)) AS average
                                  FROM resource_ratings GROUP BY session_id) r ON r.session_id = p.session_id
             WHERE {}",
            conditions.join(" AND ")
        );
        let count_sql = format!("SELECT COUNT(*) AS n {base}");
        let mut count = sqlx::query(&count_sql);
        for bind in &binds {
            count = count.bind(bind.clone());
        }
        let total: i64 = count.fetch_one(&self.pool).await?.try_get("n")?;
        let list_sql = format!(
            "SELECT p.session_id, p.version, p.title, p.level, p.duration_minutes, p.audiences, p.competences,
                    p.open_licence, p.published_at, COALESCE(r.n, 0) AS ratings, r.average AS average,
                    CAST({rank} AS DOUBLE PRECISION) AS relevance
             {base} ORDER BY relevance DESC, COALESCE(r.average, 0) DESC, p.title, p.session_id
             LIMIT {} OFFSET {}",
            limit.max(0),
            offset.max(0)
        );
        let mut list = sqlx::query(&list_sql);
        for bind in &binds {
            list = list.bind(bind.clone());
        }
        let rows = list.fetch_all(&self.pool).await?;
        let mut results = Vec::with_capacity(rows.len());
        for row in rows {
            let level: String = row.try_get("level")?;
            let audiences: String = row.try_get("audiences")?;
            let competences: String = row.try_get("competences")?;
            let open: i64 = row.try_get("open_licence")?;
            let minutes: i64 = row.try_get("duration_minutes")?;
            results.push(ListedResource {
                id: ResourceSessionId::new(row.try_get("session_id")?),
                version: row.try_get("version")?,
                title: row.try_get("title")?,
                level: WorkshopLevel::from_cra_code(&level)
                    .ok_or_else(|| StoreError::Corrupt(format!("niveau « {level} »")))?,
                duration_minutes: u32::try_from(minutes).unwrap_or(0),
                audiences: audiences
                    .split_whitespace()
                    .filter_map(ResourceAudience::from_code)
                    .collect(),
                competences: competences
                    .split_whitespace()
                    .filter_map(Competence::from_code)
                    .collect(),
                open_licence: open != 0,
                ratings: row.try_get("ratings")?,
                average_rating: row.try_get("average")?,
                published_at: row.try_get("published_at")?,
            });
        }
        Ok((results, total))
    }

    /// Records a mediator's rating of a published session after running it.
    pub async fn rate_resource(
        &self,
        actor: &BankActor<'_>,
        session: ResourceSessionId,
        rating: u8,
        worked_for: &[ResourceAudience],
        comment: Option<&str>,
        now: UnixSeconds,
    ) -> Result<Result<(), RatingError>, StoreError> {
        if !RATINGS.contains(&rating) {
            return Ok(Err(RatingError::OutOfRange));
        }
        let mut transaction = self.begin_write().await?;
        let version = sqlx::query("SELECT version FROM resource_published WHERE session_id = $1")
            .bind(session.get())
            .fetch_optional(&mut *transaction)
            .await?;
        let Some(version) = version else {
            return Ok(Err(RatingError::NotPublished));
        };
        let version: i64 = version.try_get("version")?;
        sqlx::query(
            "INSERT INTO resource_ratings (session_id, version, account_id, structure_id, rating, audiences, comment, rated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(session.get())
        .bind(version)
        .bind(actor.account_id.get())
        .bind(actor.structure_id.get())
        .bind(i64::from(rating))
        .bind(code_list(worked_for.iter().copied()))
        .bind(comment.map(str::to_owned))
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(Ok(()))
    }

    /// A session's uses: workshops recorded from it, ratings, their average per audience.
    pub async fn resource_uses(
        &self,
        session: ResourceSessionId,
    ) -> Result<UseSummary, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(participants), 0) AS BIGINT) AS participants
             FROM pathway_sessions WHERE resource_session_id = $1",
        )
        .bind(session.get())
        .fetch_one(&self.pool)
        .await?;
        let workshops: i64 = row.try_get("n")?;
        let participants: i64 = row.try_get("participants")?;
        let people = sqlx::query(
            "SELECT p.id,
                (SELECT d.overall FROM diagnostics d WHERE d.person_id = p.id ORDER BY d.made_at, d.id LIMIT 1) AS first_level,
                (SELECT d.overall FROM diagnostics d WHERE d.person_id = p.id ORDER BY d.made_at DESC, d.id DESC LIMIT 1) AS last_level,
                (SELECT COUNT(*) FROM diagnostics d WHERE d.person_id = p.id) AS diagnostics
             FROM people p
             WHERE p.id IN (SELECT r.person_id FROM pathway_sessions ps
                              JOIN pathway_session_people pp ON pp.session_id = ps.id
                              JOIN referrals r ON r.id = pp.referral_id
                            WHERE ps.resource_session_id = $1)",
        )
        .bind(session.get())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<Option<String>, _>("first_level")?.unwrap_or_default(),
                row.try_get::<Option<String>, _>("last_level")?.unwrap_or_default(),
                row.try_get("diagnostics")?,
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let rows =
            sqlx::query("SELECT rating, audiences FROM resource_ratings WHERE session_id = $1")
                .bind(session.get())
                .fetch_all(&self.pool)
                .await?;
        let mut sum = 0i64;
        let mut per: BTreeMap<ResourceAudience, (i64, i64)> = BTreeMap::new();
        for row in &rows {
            let rating: i64 = row.try_get("rating")?;
            let audiences: String = row.try_get("audiences")?;
            sum += rating;
            for audience in audiences
                .split_whitespace()
                .filter_map(ResourceAudience::from_code)
            {
                let entry = per.entry(audience).or_default();
                entry.0 += 1;
                entry.1 += rating;
            }
        }
        let count = rows.len() as i64;
        Ok(UseSummary {
            workshops,
            participants,
            attendees: attendee_results(&people),
            ratings: count,
            average: (count > 0).then(|| sum as f64 / count as f64),
            per_audience: per
                .into_iter()
                .map(|(audience, (n, total))| (audience, n, total as f64 / n as f64))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attendees_are_counted_by_their_move_between_first_and_last_diagnostic() {
        let people = [
            ("not_autonomous".to_owned(), "partial".to_owned(), 2),
            ("partial".to_owned(), "partial".to_owned(), 3),
            ("autonomous".to_owned(), "partial".to_owned(), 2),
            ("partial".to_owned(), "partial".to_owned(), 1),
            (String::new(), String::new(), 0),
        ];
        let results = attendee_results(&people);
        assert_eq!(
            results,
            AttendeeResults {
                people: 5,
                diagnosed_twice: 3,
                progressed: 1,
                stable: 1,
                fell_back: 1
            }
        );
    }
}
