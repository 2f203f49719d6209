//! Writing synthetic people, their diagnostic and their referral in bulk, for benchmarks and load tests
//! (`aiguillage generate`). One transaction per batch; no audit entries (nobody read anything).

use crate::{Store, StoreError};
use aiguillage_domain::orientation::ReferralState;
use aiguillage_domain::UnixSeconds;
use sqlx::Row;

/// One synthetic person with a diagnostic and, optionally, a referral with its history.
#[derive(Debug, Clone)]
pub struct SyntheticPerson {
    pub first_name: String,
    pub last_name: String,
    pub commune_code: String,
    pub birth_year: i32,
    pub enrolled_at: UnixSeconds,
    pub answers_json: String,
    pub profile_json: String,
    pub typology: String,
    pub overall: String,
    pub first_help: String,
    pub urgent: bool,
    /// The offer, and the states the referral went through with their times (first: « Envoyée »).
    pub referral: Option<(i64, Vec<(ReferralState, UnixSeconds)>)>,
}

impl Store {
    /// Inserts a batch of synthetic people enrolled by `structure_id`, in one transaction; returns how
    /// many referrals were written.
    pub async fn insert_synthetic_people(
        &self,
        structure_id: i64,
        people: &[SyntheticPerson],
    ) -> Result<usize, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let mut referrals = 0;
        for person in people {
            let row = sqlx::query(
                "INSERT INTO people (structure_id, enrolled_by, enrolled_at, first_name, last_name, name_key, phone,
                     email, no_phone, commune_code, birth_year, last_contact_at)
                 VALUES ($1, NULL, $2, $3, $4, $5, NULL, NULL, 1, $6, $7, $2) RETURNING id",
            )
            .bind(structure_id)
            .bind(person.enrolled_at)
            .bind(&person.first_name)
            .bind(&person.last_name)
            .bind(format!("{} {}", person.first_name, person.last_name).to_lowercase())
            .bind(&person.commune_code)
            .bind(i64::from(person.birth_year))
            .fetch_one(&mut *transaction)
            .await?;
            let person_id: i64 = row.try_get("id")?;
            sqlx::query(
                "INSERT INTO consents (person_id, purpose, text_version, text, recorded_by, recorded_at)
                 VALUES ($1, 'enrolment', 'synthetique', 'Donnée synthétique', NULL, $2)",
            )
            .bind(person_id)
            .bind(person.enrolled_at)
            .execute(&mut *transaction)
            .await?;
            sqlx::query(
                "INSERT INTO diagnostics (person_id, made_by, made_at, answers_json, profile_json, typology, overall, first_help)
                 VALUES ($1, NULL, $2, $3, $4, $5, $6, $7)",
            )
            .bind(person_id)
            .bind(person.enrolled_at)
            .bind(&person.answers_json)
            .bind(&person.profile_json)
            .bind(&person.typology)
            .bind(&person.overall)
            .bind(&person.first_help)
            .execute(&mut *transaction)
            .await?;
            if let Some((offer_id, steps)) = &person.referral {
                insert_referral(
                    &mut transaction,
                    (structure_id, person_id),
                    (*offer_id, steps),
                    person,
                )
                .await?;
                referrals += 1;
            }
        }
        transaction.commit().await?;
        Ok(referrals)
    }
}

async fn insert_referral(
    connection: &mut sqlx::AnyConnection,
    (structure_id, person_id): (i64, i64),
    (offer_id, steps): (i64, &[(ReferralState, UnixSeconds)]),
    person: &SyntheticPerson,
) -> Result<(), StoreError> {
    let (Some((_, created)), Some((state, changed))) = (steps.first(), steps.last()) else {
        return Ok(());
    };
    let row = sqlx::query(
        "INSERT INTO referrals (person_id, sender_structure_id, sender_account_id, offer_id, receiver_structure_id,
             state, profile_json, message, urgent, created_at, state_changed_at, version)
         VALUES ($1, $2, NULL, $3, (SELECT structure_id FROM offers WHERE id = $3), $4, $5, '', $6, $7, $8, $9)
         RETURNING id",
    )
    .bind(person_id)
    .bind(structure_id)
    .bind(offer_id)
    .bind(state.label())
    .bind(&person.profile_json)
    .bind(i64::from(person.urgent))
    .bind(*created)
    .bind(*changed)
    .bind(steps.len() as i64)
    .fetch_one(&mut *connection)
    .await?;
    let referral_id: i64 = row.try_get("id")?;
    let mut from = ReferralState::Draft;
    for (to, at) in steps {
        sqlx::query(
            "INSERT INTO referral_events (referral_id, at, account_id, side, event, from_state, to_state, comment, offer_id)
             VALUES ($1, $2, NULL, $3, $4, $5, $6, '', NULL)",
        )
        .bind(referral_id)
        .bind(*at)
        .bind(if from == ReferralState::Draft { "sender" } else { "receiver" })
        .bind(to.label())
        .bind(from.label())
        .bind(to.label())
        .execute(&mut *connection)
        .await?;
        from = *to;
    }
    Ok(())
}
