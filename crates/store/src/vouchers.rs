//! Vouchers in storage (issue 22): campaigns, the places qualified to redeem them, books and their
//! numbers, handing, redemption once, the monthly statements, and the ledger. Every method that
//! changes a voucher appends its ledger entries in the same transaction, after touching the
//! ledger's head first: appends (and so redemptions) queue there, which is what lets exactly one of
//! fifty simultaneous redemptions of a voucher win on both backends. Who may act on which campaign,
//! book or voucher is asked inside each transaction ([`CampaignScope`], the structure holding a
//! book, the place qualified); a record outside the actor's scope is `NotFound`, like one that does
//! not exist.

use crate::{Store, StoreError};
use aiguillage_domain::calendar::Date;
use aiguillage_domain::calendar::{iso_date, parse_iso_date};
use aiguillage_domain::directory::vocabulary::HelpKind;
use aiguillage_domain::ids::StructureId;
use aiguillage_domain::labelled::Coded;
use aiguillage_domain::orientation::ClosingOutcome;
use aiguillage_domain::pathway::AgeBand;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::voucher::ledger::{entry_hash, verify, ChainBreak, LedgerEntry, LedgerKind};
use aiguillage_domain::voucher::life::{check_cancellation, check_redemption, VoucherFacts};
use aiguillage_domain::voucher::report::{PathwayUse, VoucherRecord};
use aiguillage_domain::voucher::{
    CampaignTerms, CancelRefusal, CancellationReason, Payment, Refusal, TargetAudience,
    VoucherNumber, VoucherState,
};
use aiguillage_domain::UnixSeconds;
use rand::RngCore;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A stored campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub id: i64,
    pub sponsor_structure_id: i64,
    pub sponsor_name: String,
    pub territory: TerritoryScope,
    pub terms: CampaignTerms,
    pub created_at: UnixSeconds,
}

/// Whose campaigns an actor manages: a sponsor its own structure's, a coordinator those of their
/// territory (a département's coordinator also those of its EPCIs), the operator's tools all.
#[derive(Debug, Clone, Copy)]
pub enum CampaignScope<'a> {
    Sponsor(i64),
    Territory(&'a TerritoryScope),
    All,
    /// Manages no campaign (a prescriber or a place: it reaches only its own books and statements).
    NoCampaign,
}

/// A book of vouchers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Book {
    pub id: i64,
    pub campaign_id: i64,
    pub ordinal: i64,
    pub size: i64,
    pub printed_at: UnixSeconds,
    pub holder: Option<(i64, String)>,
    pub allocated_at: Option<UnixSeconds>,
    pub received_at: Option<UnixSeconds>,
    /// Vouchers of the book not handed yet (printed or allocated).
    pub left: i64,
}

/// A qualified place of a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualifiedPlace {
    pub structure_id: i64,
    pub name: String,
    pub commune: String,
    pub qualified_at: UnixSeconds,
}

/// To whom a voucher is handed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandTo {
    /// A person the actor's structure referred: the voucher follows the referral.
    Referral(i64),
    /// Someone not enrolled: only statistical facts are kept.
    Anonymous {
        age_band: AgeBand,
        commune_code: String,
    },
}

/// A handing, as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handing {
    pub number: VoucherNumber,
    pub to: HandTo,
    pub audience: TargetAudience,
    pub help_kind: HelpKind,
}

/// Why a voucher cannot be handed; the message is what the prescriber reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandRefusal {
    #[error("Aucun chèque de vos carnets ne porte ce numéro : vérifiez-le (un chèque se remet depuis un carnet attribué à votre structure).")]
    NotYours,
    #[error("Confirmez d'abord la réception du carnet n° {0} : ses chèques se remettent ensuite.")]
    NotReceived(i64),
    #[error("Ce chèque a déjà été remis le {0}.")]
    AlreadyHanded(String),
    #[error("Ce chèque ne peut plus être remis : il est {0}.")]
    Spent(String),
    #[error("Ce chèque a expiré le {0} : remettez un chèque d'une campagne en cours.")]
    Expired(String),
    #[error("Cette orientation n'a pas été envoyée par votre structure.")]
    ReferralNotFound,
    #[error("La campagne « {0} » ne vise pas ce public.")]
    Audience(String),
    #[error("La campagne « {0} » ne finance pas ce type d'aide.")]
    HelpKind(String),
    #[error("Commune inconnue : choisissez la commune de la personne dans la liste.")]
    UnknownCommune,
}

/// A voucher handed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handed {
    pub number: VoucherNumber,
    pub campaign_name: String,
}

/// A voucher redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeemed {
    pub number: VoucherNumber,
    pub campaign_name: String,
    pub face_value_euros: u32,
    pub pays: String,
}

/// A redemption of a place, for its list (and the cancellation window).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    pub number: VoucherNumber,
    pub campaign_id: i64,
    pub campaign_name: String,
    pub face_value_euros: u32,
    pub redeemed_at: UnixSeconds,
}

/// One place's redemptions in one month, and whether the sponsor paid them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementSummary {
    pub campaign_id: i64,
    pub structure_id: i64,
    pub place_name: String,
    /// `YYYY-MM`.
    pub month: String,
    pub vouchers: i64,
    pub total_euros: i64,
    pub paid_at: Option<UnixSeconds>,
}

/// What the ledger check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerCheck {
    Intact { entries: usize },
    Broken(ChainBreak),
}

const CAMPAIGN_COLUMNS: &str = "k.id, k.sponsor_structure_id, s.name AS sponsor_name, k.territory_kind, k.territory_code,
    k.name, k.face_value_euros, k.payment_kind, k.payment_amount, k.audiences, k.help_kinds, k.valid_from,
    k.valid_until, k.budget_euros, k.created_at";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("campagne de chèques : {what}"))
}

fn codes<T: Coded>(text: &str) -> Result<Vec<T>, StoreError> {
    text.split(',')
        .filter(|code| !code.is_empty())
        .map(|code| T::from_code(code).ok_or_else(|| corrupt(code)))
        .collect()
}

fn joined<T: Coded>(values: &[T]) -> String {
    values
        .iter()
        .map(|v| v.code())
        .collect::<Vec<_>>()
        .join(",")
}

/// A voucher number read from a row's column.
fn number_in(row: &AnyRow, column: &str) -> Result<VoucherNumber, StoreError> {
    let text: String = row.try_get(column)?;
    VoucherNumber::parse(&text).map_err(|_| corrupt(&text))
}

fn date(row: &AnyRow, column: &str) -> Result<Date, StoreError> {
    let text: String = row.try_get(column)?;
    parse_iso_date(&text).ok_or_else(|| corrupt(&text))
}

fn campaign_of(row: &AnyRow) -> Result<Campaign, StoreError> {
    let (kind, code): (String, String) = (
        row.try_get("territory_kind")?,
        row.try_get("territory_code")?,
    );
    let payment_kind: String = row.try_get("payment_kind")?;
    let terms = CampaignTerms {
        name: row.try_get("name")?,
        face_value_euros: u32::try_from(row.try_get::<i64, _>("face_value_euros")?)
            .map_err(|_| corrupt("valeur"))?,
        payment: Payment::from_parts(&payment_kind, row.try_get("payment_amount")?)
            .ok_or_else(|| corrupt(&payment_kind))?,
        audiences: codes(&row.try_get::<String, _>("audiences")?)?,
        help_kinds: codes(&row.try_get::<String, _>("help_kinds")?)?,
        valid_from: date(row, "valid_from")?,
        valid_until: date(row, "valid_until")?,
        budget_euros: u64::try_from(row.try_get::<i64, _>("budget_euros")?)
            .map_err(|_| corrupt("budget"))?,
    };
    Ok(Campaign {
        id: row.try_get("id")?,
        sponsor_structure_id: row.try_get("sponsor_structure_id")?,
        sponsor_name: row.try_get("sponsor_name")?,
        territory: TerritoryScope::from_parts(&kind, &code).map_err(|_| corrupt(&code))?,
        terms,
        created_at: row.try_get("created_at")?,
    })
}

/// The département and EPCI of a structure's commune.
async fn structure_site(
    connection: &mut AnyConnection,
    structure_id: i64,
) -> Result<Option<(String, Option<String>)>, StoreError> {
    let row = sqlx::query(
        "SELECT c.departement_code, c.epci_code FROM structures s JOIN communes c ON c.code = s.commune_code
         WHERE s.id = $1",
    )
    .bind(structure_id)
    .fetch_optional(&mut *connection)
    .await?;
    row.map(|row| Ok((row.try_get("departement_code")?, row.try_get("epci_code")?)))
        .transpose()
}

/// Whether a structure lies in a territory.
async fn structure_in(
    connection: &mut AnyConnection,
    structure_id: i64,
    territory: &TerritoryScope,
) -> Result<bool, StoreError> {
    Ok(match structure_site(connection, structure_id).await? {
        None => false,
        Some((departement, epci)) => match territory {
            TerritoryScope::Departement(code) => departement == *code,
            TerritoryScope::Epci(code) => epci.as_deref() == Some(code.as_str()),
        },
    })
}

/// Whether a coordinator's territory covers a campaign's.
async fn territory_covers(
    connection: &mut AnyConnection,
    coordinator: &TerritoryScope,
    campaign: &TerritoryScope,
) -> Result<bool, StoreError> {
    if coordinator == campaign {
        return Ok(true);
    }
    let (TerritoryScope::Departement(departement), TerritoryScope::Epci(epci)) =
        (coordinator, campaign)
    else {
        return Ok(false);
    };
    let found = sqlx::query(
        "SELECT 1 AS found FROM communes WHERE epci_code = $1 AND departement_code = $2 LIMIT 1",
    )
    .bind(epci)
    .bind(departement)
    .fetch_optional(&mut *connection)
    .await?;
    Ok(found.is_some())
}

/// The campaign, when the scope manages it; `NotFound` otherwise.
async fn campaign_in(
    connection: &mut AnyConnection,
    campaign_id: i64,
    scope: CampaignScope<'_>,
) -> Result<Campaign, StoreError> {
    let not_found = || StoreError::NotFound(format!("campagne {campaign_id}"));
    let row = sqlx::query(&format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM voucher_campaigns k JOIN structures s ON s.id = k.sponsor_structure_id
         WHERE k.id = $1"
    ))
    .bind(campaign_id)
    .fetch_optional(&mut *connection)
    .await?
    .ok_or_else(not_found)?;
    let campaign = campaign_of(&row)?;
    let managed = match scope {
        CampaignScope::All => true,
        CampaignScope::NoCampaign => false,
        CampaignScope::Sponsor(structure) => campaign.sponsor_structure_id == structure,
        CampaignScope::Territory(territory) => {
            territory_covers(connection, territory, &campaign.territory).await?
        }
    };
    if managed {
        Ok(campaign)
    } else {
        Err(not_found())
    }
}

/// Touches the ledger's head (taking the write lock, or the row lock), and returns its sequence
/// and hash.
async fn lock_ledger(connection: &mut AnyConnection) -> Result<(i64, String), StoreError> {
    let head = sqlx::query(
        "UPDATE voucher_ledger_head SET sequence = sequence WHERE id = 1 RETURNING sequence, hash",
    )
    .fetch_one(&mut *connection)
    .await?;
    Ok((head.try_get("sequence")?, head.try_get("hash")?))
}

/// One entry to append: the voucher's number, the event, the acting structure, a detail code.
struct Event<'a> {
    number: &'a str,
    campaign_id: i64,
    kind: LedgerKind,
    structure_id: Option<i64>,
    detail: &'a str,
}

/// Appends entries after the head `(sequence, hash)` taken by [`lock_ledger`], and moves the head.
async fn append(
    connection: &mut AnyConnection,
    key: &[u8],
    head: (i64, String),
    events: &[Event<'_>],
    now: UnixSeconds,
) -> Result<(), StoreError> {
    let (mut sequence, mut prev) = head;
    for event in events {
        sequence += 1;
        let mut entry = LedgerEntry {
            sequence,
            at: now,
            number: event.number.to_owned(),
            campaign_id: event.campaign_id,
            kind: event.kind,
            structure_id: event.structure_id,
            detail: event.detail.to_owned(),
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        entry.hash = entry_hash(key, &prev, &entry);
        sqlx::query(
            "INSERT INTO voucher_ledger (sequence, at, number, campaign_id, kind, structure_id, detail, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(entry.sequence)
        .bind(entry.at)
        .bind(&entry.number)
        .bind(entry.campaign_id)
        .bind(entry.kind.code())
        .bind(entry.structure_id)
        .bind(&entry.detail)
        .bind(&entry.prev_hash)
        .bind(&entry.hash)
        .execute(&mut *connection)
        .await?;
        prev = entry.hash;
    }
    sqlx::query("UPDATE voucher_ledger_head SET sequence = $1, hash = $2 WHERE id = 1")
        .bind(sequence)
        .bind(&prev)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

fn fresh_number() -> VoucherNumber {
    let mut random = [0u8; aiguillage_domain::voucher::number::RANDOM_SYMBOLS];
    rand::rngs::OsRng.fill_bytes(&mut random);
    VoucherNumber::from_random(random)
}

fn book_of(row: &AnyRow) -> Result<Book, StoreError> {
    let holder_id: Option<i64> = row.try_get("holder_structure_id")?;
    let holder_name: Option<String> = row.try_get("holder_name")?;
    Ok(Book {
        id: row.try_get("id")?,
        campaign_id: row.try_get("campaign_id")?,
        ordinal: row.try_get("ordinal")?,
        size: row.try_get("size")?,
        printed_at: row.try_get("printed_at")?,
        holder: holder_id.zip(holder_name),
        allocated_at: row.try_get("allocated_at")?,
        received_at: row.try_get("received_at")?,
        left: row.try_get("left_count")?,
    })
}

const BOOK_SELECT: &str = "SELECT b.id, b.campaign_id, b.ordinal, b.size, b.printed_at, b.holder_structure_id,
        h.name AS holder_name, b.allocated_at, b.received_at,
        CAST((SELECT COUNT(*) FROM vouchers v WHERE v.book_id = b.id AND v.state IN ('issued', 'allocated')) AS BIGINT) AS left_count
     FROM voucher_books b LEFT JOIN structures h ON h.id = b.holder_structure_id";

fn day_text(at: UnixSeconds) -> String {
    aiguillage_domain::calendar::french_date(aiguillage_domain::calendar::date_of(at))
}

impl Store {
    /// Opens a campaign for a sponsor structure over a territory.
    pub async fn create_campaign(
        &self,
        sponsor_structure_id: i64,
        territory: &TerritoryScope,
        terms: &CampaignTerms,
        account_id: Option<i64>,
        now: UnixSeconds,
    ) -> Result<i64, StoreError> {
        let (payment_kind, payment_amount) = terms.payment.parts();
        let row = sqlx::query(
            "INSERT INTO voucher_campaigns (sponsor_structure_id, territory_kind, territory_code, name,
                 face_value_euros, payment_kind, payment_amount, audiences, help_kinds, valid_from, valid_until,
                 budget_euros, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(sponsor_structure_id)
        .bind(territory.kind_code())
        .bind(territory.code())
        .bind(&terms.name)
        .bind(i64::from(terms.face_value_euros))
        .bind(payment_kind)
        .bind(payment_amount)
        .bind(joined(&terms.audiences))
        .bind(joined(&terms.help_kinds))
        .bind(iso_date(terms.valid_from))
        .bind(iso_date(terms.valid_until))
        .bind(i64::try_from(terms.budget_euros).unwrap_or(i64::MAX))
        .bind(account_id)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("id")?)
    }

    /// The structures of a territory with a sponsor account: those a coordinator may open a
    /// campaign for.
    pub async fn sponsors_in(
        &self,
        territory: &TerritoryScope,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        self.structures_in(territory, Some("sponsor")).await
    }

    /// The structures of a territory (with an account of `role`, when given), by name.
    pub async fn structures_in(
        &self,
        territory: &TerritoryScope,
        role: Option<&str>,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let column = match territory {
            TerritoryScope::Departement(_) => "c.departement_code",
            TerritoryScope::Epci(_) => "c.epci_code",
        };
        let rows = sqlx::query(&format!(
            "SELECT s.id, s.name FROM structures s JOIN communes c ON c.code = s.commune_code
             WHERE {column} = $1 AND ($2 = '' OR EXISTS (SELECT 1 FROM accounts a WHERE a.structure_id = s.id AND a.role = $2))
             ORDER BY s.name, s.id"
        ))
        .bind(territory.code())
        .bind(role.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("name")?)))
            .collect()
    }

    /// The campaigns a scope manages, newest first.
    pub async fn campaigns(&self, scope: CampaignScope<'_>) -> Result<Vec<Campaign>, StoreError> {
        let ids = sqlx::query("SELECT id FROM voucher_campaigns ORDER BY id DESC")
            .fetch_all(&self.pool)
            .await?;
        let mut connection = self.pool.acquire().await?;
        let mut campaigns = Vec::new();
        for row in ids {
            match campaign_in(&mut connection, row.try_get("id")?, scope).await {
                Ok(campaign) => campaigns.push(campaign),
                Err(StoreError::NotFound(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(campaigns)
    }

    /// One campaign the scope manages.
    pub async fn campaign(
        &self,
        campaign_id: i64,
        scope: CampaignScope<'_>,
    ) -> Result<Campaign, StoreError> {
        let mut connection = self.pool.acquire().await?;
        campaign_in(&mut connection, campaign_id, scope).await
    }

    /// The campaigns a place is qualified for and that run on `today`.
    pub async fn campaigns_of_place(&self, structure_id: i64) -> Result<Vec<Campaign>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM voucher_campaigns k JOIN structures s ON s.id = k.sponsor_structure_id
             JOIN voucher_places p ON p.campaign_id = k.id WHERE p.structure_id = $1 ORDER BY k.id DESC"
        ))
        .bind(structure_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(campaign_of).collect()
    }

    /// Qualifies a place for a campaign (a coordinator of the campaign's territory): the place must
    /// be in the directory and in the campaign's territory. Returns false when it already was.
    pub async fn qualify_place(
        &self,
        campaign_id: i64,
        place: StructureId,
        coordinator: &TerritoryScope,
        account_id: Option<i64>,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let structure_id = place.get();
        let mut transaction = self.begin_write().await?;
        let campaign = campaign_in(
            &mut transaction,
            campaign_id,
            CampaignScope::Territory(coordinator),
        )
        .await?;
        if !structure_in(&mut transaction, structure_id, &campaign.territory).await? {
            return Err(StoreError::NotFound(format!("lieu {structure_id}")));
        }
        let done = sqlx::query(
            "INSERT INTO voucher_places (campaign_id, structure_id, qualified_by, qualified_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (campaign_id, structure_id) DO NOTHING",
        )
        .bind(campaign_id)
        .bind(structure_id)
        .bind(account_id)
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// The places qualified for a campaign.
    pub async fn qualified_places(
        &self,
        campaign_id: i64,
    ) -> Result<Vec<QualifiedPlace>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.structure_id, s.name, c.name AS commune, p.qualified_at FROM voucher_places p
             JOIN structures s ON s.id = p.structure_id JOIN communes c ON c.code = s.commune_code
             WHERE p.campaign_id = $1 ORDER BY s.name",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(QualifiedPlace {
                    structure_id: row.try_get("structure_id")?,
                    name: row.try_get("name")?,
                    commune: row.try_get("commune")?,
                    qualified_at: row.try_get("qualified_at")?,
                })
            })
            .collect()
    }

    /// Prints `count` books of `size` vouchers for a campaign the scope manages, within its budget;
    /// each voucher's issue is written to the ledger. Returns the new books' ids.
    pub async fn print_books(
        &self,
        campaign_id: i64,
        scope: CampaignScope<'_>,
        (count, size): (i64, i64),
        structure_id: Option<i64>,
        now: UnixSeconds,
    ) -> Result<Vec<i64>, StoreError> {
        let mut transaction = self.begin_write().await?;
        let head = lock_ledger(&mut transaction).await?;
        let campaign = campaign_in(&mut transaction, campaign_id, scope).await?;
        let printed: i64 = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM vouchers WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(&mut *transaction)
        .await?
        .try_get("n")?;
        let budget = i64::try_from(campaign.terms.voucher_budget()).unwrap_or(i64::MAX);
        if printed + count * size > budget {
            return Err(StoreError::Conflict(format!(
                "le budget de la campagne paie {budget} chèques ; {printed} sont déjà imprimés, il en reste {} à imprimer",
                (budget - printed).max(0)
            )));
        }
        let next: i64 = sqlx::query(
            "SELECT CAST(COALESCE(MAX(ordinal), 0) AS BIGINT) AS n FROM voucher_books WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(&mut *transaction)
        .await?
        .try_get("n")?;
        let mut books = Vec::new();
        let mut numbers = Vec::new();
        for ordinal in next + 1..=next + count {
            let book: i64 = sqlx::query(
                "INSERT INTO voucher_books (campaign_id, ordinal, size, printed_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(campaign_id)
            .bind(ordinal)
            .bind(size)
            .bind(now)
            .fetch_one(&mut *transaction)
            .await?
            .try_get("id")?;
            books.push(book);
            for _ in 0..size {
                let number = fresh_number();
                sqlx::query(
                    "INSERT INTO vouchers (number, campaign_id, book_id, state, issued_at) VALUES ($1, $2, $3, 'issued', $4)",
                )
                .bind(number.as_str())
                .bind(campaign_id)
                .bind(book)
                .bind(now)
                .execute(&mut *transaction)
                .await?;
                numbers.push(number);
            }
        }
        let events: Vec<Event<'_>> = numbers
            .iter()
            .map(|number| Event {
                number: number.as_str(),
                campaign_id,
                kind: LedgerKind::Issued,
                structure_id,
                detail: "",
            })
            .collect();
        append(&mut transaction, self.audit_key.bytes(), head, &events, now).await?;
        transaction.commit().await?;
        Ok(books)
    }

    /// A campaign's books.
    pub async fn books(&self, campaign_id: i64) -> Result<Vec<Book>, StoreError> {
        let rows = sqlx::query(&format!(
            "{BOOK_SELECT} WHERE b.campaign_id = $1 ORDER BY b.ordinal"
        ))
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(book_of).collect()
    }

    /// The books allocated to a structure, with their campaigns.
    pub async fn held_books(&self, structure_id: i64) -> Result<Vec<(Book, Campaign)>, StoreError> {
        let rows = sqlx::query(&format!(
            "{BOOK_SELECT} WHERE b.holder_structure_id = $1 ORDER BY b.campaign_id DESC, b.ordinal"
        ))
        .bind(structure_id)
        .fetch_all(&self.pool)
        .await?;
        let mut connection = self.pool.acquire().await?;
        let mut books = Vec::new();
        for row in &rows {
            let book = book_of(row)?;
            let campaign =
                campaign_in(&mut connection, book.campaign_id, CampaignScope::All).await?;
            books.push((book, campaign));
        }
        Ok(books)
    }

    /// A book and its numbers, for printing: the campaign's managers, or the structure holding it.
    pub async fn book_sheet(
        &self,
        book_id: i64,
        scope: CampaignScope<'_>,
        holder: Option<i64>,
    ) -> Result<(Book, Campaign, Vec<VoucherNumber>), StoreError> {
        let mut connection = self.pool.acquire().await?;
        let not_found = || StoreError::NotFound(format!("carnet {book_id}"));
        let row = sqlx::query(&format!("{BOOK_SELECT} WHERE b.id = $1"))
            .bind(book_id)
            .fetch_optional(&mut *connection)
            .await?
            .ok_or_else(not_found)?;
        let book = book_of(&row)?;
        let held = holder.is_some() && book.holder.as_ref().map(|(id, _)| *id) == holder;
        let campaign = match campaign_in(&mut connection, book.campaign_id, scope).await {
            Err(StoreError::NotFound(_)) if held => {
                campaign_in(&mut connection, book.campaign_id, CampaignScope::All).await?
            }
            Err(StoreError::NotFound(_)) => return Err(not_found()),
            other => other?,
        };
        let rows = sqlx::query("SELECT number FROM vouchers WHERE book_id = $1 ORDER BY number")
            .bind(book_id)
            .fetch_all(&mut *connection)
            .await?;
        let numbers = rows
            .iter()
            .map(|row| number_in(row, "number"))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((book, campaign, numbers))
    }

    /// Allocates a book not yet allocated to a prescriber structure of the campaign's territory.
    pub async fn allocate_book(
        &self,
        book_id: i64,
        holder: StructureId,
        scope: CampaignScope<'_>,
        (account_id, structure_id): (Option<i64>, Option<i64>),
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let holder_structure_id = holder.get();
        let mut transaction = self.begin_write().await?;
        let head = lock_ledger(&mut transaction).await?;
        let campaign_id: i64 = sqlx::query("SELECT campaign_id FROM voucher_books WHERE id = $1")
            .bind(book_id)
            .fetch_optional(&mut *transaction)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("carnet {book_id}")))?
            .try_get("campaign_id")?;
        let campaign = campaign_in(&mut transaction, campaign_id, scope).await?;
        if !structure_in(&mut transaction, holder_structure_id, &campaign.territory).await? {
            return Err(StoreError::NotFound(format!(
                "structure {holder_structure_id}"
            )));
        }
        let moved = sqlx::query(
            "UPDATE voucher_books SET holder_structure_id = $1, allocated_at = $2, allocated_by = $3
             WHERE id = $4 AND holder_structure_id IS NULL",
        )
        .bind(holder_structure_id)
        .bind(now)
        .bind(account_id)
        .bind(book_id)
        .execute(&mut *transaction)
        .await?;
        if moved.rows_affected() == 0 {
            return Err(StoreError::Conflict("ce carnet est déjà attribué".into()));
        }
        let numbers = self
            .book_numbers_in(&mut transaction, book_id, "issued")
            .await?;
        sqlx::query("UPDATE vouchers SET state = 'allocated', allocated_at = $1 WHERE book_id = $2 AND state = 'issued'")
            .bind(now)
            .bind(book_id)
            .execute(&mut *transaction)
            .await?;
        let events = ledger_events(
            &numbers,
            campaign_id,
            LedgerKind::Allocated,
            structure_id.or(Some(holder_structure_id)),
        );
        append(&mut transaction, self.audit_key.bytes(), head, &events, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Cancels every voucher of a book that is not redeemed (a book lost or stolen), for a campaign
    /// the scope manages; each in the ledger. Returns how many were cancelled.
    pub async fn cancel_book(
        &self,
        book_id: i64,
        scope: CampaignScope<'_>,
        structure_id: Option<i64>,
        now: UnixSeconds,
    ) -> Result<u64, StoreError> {
        let mut transaction = self.begin_write().await?;
        let head = lock_ledger(&mut transaction).await?;
        let campaign_id: i64 = sqlx::query("SELECT campaign_id FROM voucher_books WHERE id = $1")
            .bind(book_id)
            .fetch_optional(&mut *transaction)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("carnet {book_id}")))?
            .try_get("campaign_id")?;
        campaign_in(&mut transaction, campaign_id, scope).await?;
        let rows = sqlx::query(
            "SELECT number FROM vouchers WHERE book_id = $1 AND state IN ('issued', 'allocated', 'handed') ORDER BY number",
        )
        .bind(book_id)
        .fetch_all(&mut *transaction)
        .await?;
        let numbers = rows
            .iter()
            .map(|row| Ok(row.try_get("number")?))
            .collect::<Result<Vec<String>, StoreError>>()?;
        sqlx::query(
            "UPDATE vouchers SET state = 'cancelled', cancelled_at = $1
             WHERE book_id = $2 AND state IN ('issued', 'allocated', 'handed')",
        )
        .bind(now)
        .bind(book_id)
        .execute(&mut *transaction)
        .await?;
        let events = ledger_events(&numbers, campaign_id, LedgerKind::Cancelled, structure_id);
        append(&mut transaction, self.audit_key.bytes(), head, &events, now).await?;
        transaction.commit().await?;
        Ok(numbers.len() as u64)
    }

    async fn book_numbers_in(
        &self,
        connection: &mut AnyConnection,
        book_id: i64,
        state: &str,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT number FROM vouchers WHERE book_id = $1 AND state = $2 ORDER BY number",
        )
        .bind(book_id)
        .bind(state)
        .fetch_all(&mut *connection)
        .await?;
        rows.iter().map(|row| Ok(row.try_get("number")?)).collect()
    }

    /// The holder structure acknowledges a book's receipt. Returns false when already received.
    pub async fn receive_book(
        &self,
        book_id: i64,
        (account_id, structure_id): (i64, i64),
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let mut transaction = self.begin_write().await?;
        let head = lock_ledger(&mut transaction).await?;
        let row = sqlx::query("SELECT campaign_id, received_at FROM voucher_books WHERE id = $1 AND holder_structure_id = $2")
            .bind(book_id)
            .bind(structure_id)
            .fetch_optional(&mut *transaction)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("carnet {book_id}")))?;
        if row.try_get::<Option<i64>, _>("received_at")?.is_some() {
            return Ok(false);
        }
        let campaign_id: i64 = row.try_get("campaign_id")?;
        sqlx::query("UPDATE voucher_books SET received_at = $1, received_by = $2 WHERE id = $3")
            .bind(now)
            .bind(account_id)
            .bind(book_id)
            .execute(&mut *transaction)
            .await?;
        let numbers = self
            .book_numbers_in(&mut transaction, book_id, "allocated")
            .await?;
        let events = ledger_events(
            &numbers,
            campaign_id,
            LedgerKind::Received,
            Some(structure_id),
        );
        append(&mut transaction, self.audit_key.bytes(), head, &events, now).await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Hands a voucher of one of the structure's received books to a person, from one of the
    /// structure's referrals or anonymously. `today` is the structure's date.
    pub async fn hand_voucher(
        &self,
        handing: &Handing,
        structure_id: i64,
        (now, today): (UnixSeconds, Date),
    ) -> Result<Result<Handed, HandRefusal>, StoreError> {
        let mut transaction = self.begin_write().await?;
        let head = lock_ledger(&mut transaction).await?;
        let row = sqlx::query(
            "SELECT v.state, v.campaign_id, v.handed_at, b.ordinal, b.received_at FROM vouchers v
             JOIN voucher_books b ON b.id = v.book_id WHERE v.number = $1 AND b.holder_structure_id = $2",
        )
        .bind(handing.number.as_str())
        .bind(structure_id)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(row) = row else {
            return Ok(Err(HandRefusal::NotYours));
        };
        let campaign = campaign_in(
            &mut transaction,
            row.try_get("campaign_id")?,
            CampaignScope::All,
        )
        .await?;
        if let Err(refusal) = handable(&row, &campaign, handing, today)? {
            return Ok(Err(refusal));
        }
        let facts = match &handing.to {
            HandTo::Referral(referral) => {
                match referral_facts(&mut transaction, *referral, structure_id, today).await? {
                    Some(facts) => facts,
                    None => return Ok(Err(HandRefusal::ReferralNotFound)),
                }
            }
            HandTo::Anonymous {
                age_band,
                commune_code,
            } => {
                let known = sqlx::query("SELECT 1 AS found FROM communes WHERE code = $1")
                    .bind(commune_code)
                    .fetch_optional(&mut *transaction)
                    .await?;
                if known.is_none() {
                    return Ok(Err(HandRefusal::UnknownCommune));
                }
                (None, *age_band, commune_code.clone())
            }
        };
        let (referral_id, age_band, commune_code) = facts;
        sqlx::query(
            "UPDATE vouchers SET state = 'handed', handed_at = $1, handed_by_structure_id = $2, referral_id = $3,
                 audience = $4, age_band = $5, commune_code = $6, help_kind = $7
             WHERE number = $8 AND state IN ('issued', 'allocated')",
        )
        .bind(now)
        .bind(structure_id)
        .bind(referral_id)
        .bind(handing.audience.code())
        .bind(age_band.cra_code())
        .bind(&commune_code)
        .bind(handing.help_kind.code())
        .bind(handing.number.as_str())
        .execute(&mut *transaction)
        .await?;
        let detail = if referral_id.is_some() {
            "referral"
        } else {
            "anonymous"
        };
        let events = [Event {
            number: handing.number.as_str(),
            campaign_id: campaign.id,
            kind: LedgerKind::Handed,
            structure_id: Some(structure_id),
            detail,
        }];
        append(&mut transaction, self.audit_key.bytes(), head, &events, now).await?;
        transaction.commit().await?;
        Ok(Ok(Handed {
            number: handing.number.clone(),
            campaign_name: campaign.terms.name,
        }))
    }

    /// The numbers a structure may still hand: of its received books, not handed yet.
    pub async fn numbers_to_hand(
        &self,
        structure_id: i64,
    ) -> Result<Vec<VoucherNumber>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.number FROM vouchers v JOIN voucher_books b ON b.id = v.book_id
             WHERE b.holder_structure_id = $1 AND b.received_at IS NOT NULL AND v.state IN ('issued', 'allocated')
             ORDER BY b.campaign_id, b.ordinal, v.number",
        )
        .bind(structure_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| number_in(row, "number")).collect()
    }

    /// The vouchers handed from a referral (numbers and campaign names).
    pub async fn vouchers_of_referral(
        &self,
        referral_id: i64,
    ) -> Result<Vec<(VoucherNumber, String, VoucherState)>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.number, k.name, v.state FROM vouchers v JOIN voucher_campaigns k ON k.id = v.campaign_id
             WHERE v.referral_id = $1 ORDER BY v.handed_at",
        )
        .bind(referral_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get("state")?;
                Ok((
                    number_in(row, "number")?,
                    row.try_get("name")?,
                    VoucherState::from_code(&state).ok_or_else(|| corrupt(&state))?,
                ))
            })
            .collect()
    }

    /// Checks a redemption without writing anything (the place's tool asks before delivering).
    pub async fn check_voucher(
        &self,
        number: &VoucherNumber,
        campaign_id: i64,
        place: StructureId,
        today: Date,
    ) -> Result<Result<Redeemed, Refusal>, StoreError> {
        let place_id = place.get();
        let mut connection = self.pool.acquire().await?;
        redeemable(&mut connection, number, campaign_id, place_id, today).await
    }

    /// Redeems a voucher at a qualified place, once: of simultaneous attempts exactly one wins,
    /// the others read « déjà encaissé ».
    pub async fn redeem_voucher(
        &self,
        number: &VoucherNumber,
        campaign_id: i64,
        place: StructureId,
        (now, today): (UnixSeconds, Date),
    ) -> Result<Result<Redeemed, Refusal>, StoreError> {
        let place_id = place.get();
        let mut transaction = self.begin_write().await?;
        let head = lock_ledger(&mut transaction).await?;
        let redeemed =
            match redeemable(&mut transaction, number, campaign_id, place_id, today).await? {
                Ok(redeemed) => redeemed,
                Err(refusal) => return Ok(Err(refusal)),
            };
        let done = sqlx::query(
            "UPDATE vouchers SET state = 'redeemed', redeemed_at = $1, redeemed_by_structure_id = $2
             WHERE number = $3 AND state = 'handed'",
        )
        .bind(now)
        .bind(place_id)
        .bind(number.as_str())
        .execute(&mut *transaction)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(Err(Refusal::AlreadyRedeemed(day_text(now))));
        }
        let events = [Event {
            number: number.as_str(),
            campaign_id,
            kind: LedgerKind::Redeemed,
            structure_id: Some(place_id),
            detail: "",
        }];
        append(&mut transaction, self.audit_key.bytes(), head, &events, now).await?;
        transaction.commit().await?;
        Ok(Ok(redeemed))
    }

    /// Cancels a place's own redemption within 48 hours, with a reason (its code is the ledger
    /// entry's detail: nothing typed about a person).
    pub async fn cancel_redemption(
        &self,
        number: &VoucherNumber,
        place_id: i64,
        reason: Option<CancellationReason>,
        now: UnixSeconds,
    ) -> Result<Result<(), CancelRefusal>, StoreError> {
        let mut transaction = self.begin_write().await?;
        let head = lock_ledger(&mut transaction).await?;
        let row = sqlx::query("SELECT state, campaign_id, redeemed_at, redeemed_by_structure_id FROM vouchers WHERE number = $1")
            .bind(number.as_str())
            .fetch_optional(&mut *transaction)
            .await?;
        let Some(row) = row else {
            return Ok(Err(CancelRefusal::NotRedeemed));
        };
        let state: String = row.try_get("state")?;
        let state = VoucherState::from_code(&state).ok_or_else(|| corrupt(&state))?;
        let by: Option<i64> = row.try_get("redeemed_by_structure_id")?;
        let at: Option<i64> = row.try_get("redeemed_at")?;
        if let Err(refusal) = check_cancellation(state, by.zip(at), place_id, reason, now) {
            return Ok(Err(refusal));
        }
        sqlx::query(
            "UPDATE vouchers SET state = 'handed', redeemed_at = NULL, redeemed_by_structure_id = NULL
             WHERE number = $1 AND state = 'redeemed'",
        )
        .bind(number.as_str())
        .execute(&mut *transaction)
        .await?;
        let events = [Event {
            number: number.as_str(),
            campaign_id: row.try_get("campaign_id")?,
            kind: LedgerKind::RedemptionCancelled,
            structure_id: Some(place_id),
            detail: reason.map_or("", CancellationReason::code),
        }];
        append(&mut transaction, self.audit_key.bytes(), head, &events, now).await?;
        transaction.commit().await?;
        Ok(Ok(()))
    }

    /// A place's redemptions since `since`, newest first.
    pub async fn place_redemptions(
        &self,
        place_id: i64,
        since: UnixSeconds,
    ) -> Result<Vec<Redemption>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.number, v.campaign_id, k.name, k.face_value_euros, v.redeemed_at FROM vouchers v
             JOIN voucher_campaigns k ON k.id = v.campaign_id
             WHERE v.redeemed_by_structure_id = $1 AND v.state = 'redeemed' AND v.redeemed_at >= $2
             ORDER BY v.redeemed_at DESC",
        )
        .bind(place_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(redemption_of).collect()
    }

    /// Marks vouchers of ended campaigns expired (on `today`), each in the ledger. Returns how many.
    pub async fn expire_vouchers(&self, today: Date, now: UnixSeconds) -> Result<u64, StoreError> {
        let mut transaction = self.begin_write().await?;
        let head = lock_ledger(&mut transaction).await?;
        let rows = sqlx::query(
            "SELECT v.number, v.campaign_id FROM vouchers v JOIN voucher_campaigns k ON k.id = v.campaign_id
             WHERE k.valid_until < $1 AND v.state IN ('issued', 'allocated', 'handed') ORDER BY v.number",
        )
        .bind(iso_date(today))
        .fetch_all(&mut *transaction)
        .await?;
        let mut numbers = Vec::new();
        for row in &rows {
            numbers.push((
                row.try_get::<String, _>("number")?,
                row.try_get::<i64, _>("campaign_id")?,
            ));
        }
        for (number, _) in &numbers {
            sqlx::query("UPDATE vouchers SET state = 'expired', expired_at = $1 WHERE number = $2")
                .bind(now)
                .bind(number)
                .execute(&mut *transaction)
                .await?;
        }
        let events: Vec<Event<'_>> = numbers
            .iter()
            .map(|(number, campaign_id)| Event {
                number,
                campaign_id: *campaign_id,
                kind: LedgerKind::Expired,
                structure_id: None,
                detail: "",
            })
            .collect();
        append(&mut transaction, self.audit_key.bytes(), head, &events, now).await?;
        transaction.commit().await?;
        Ok(numbers.len() as u64)
    }

    /// What the report needs of every voucher of a campaign (no person).
    pub async fn voucher_records(
        &self,
        campaign_id: i64,
    ) -> Result<Vec<VoucherRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.issued_at, v.allocated_at, v.handed_at, v.redeemed_at, v.expired_at, v.redeemed_by_structure_id,
                    s.name AS place_name, c.name AS commune_name, v.audience, v.age_band, v.help_kind, v.referral_id,
                    o.outcome,
                    CAST((SELECT COUNT(*) FROM pathway_sessions ps WHERE ps.referral_id = v.referral_id) AS BIGINT)
                    + CAST((SELECT COUNT(*) FROM pathway_session_people pp WHERE pp.referral_id = v.referral_id) AS BIGINT)
                      AS sessions
             FROM vouchers v LEFT JOIN structures s ON s.id = v.redeemed_by_structure_id
             LEFT JOIN communes c ON c.code = v.commune_code
             LEFT JOIN referral_outcomes o ON o.referral_id = v.referral_id
             WHERE v.campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_of).collect()
    }

    /// Every place's redemptions per month for a campaign, with the payments marked.
    pub async fn statements(&self, campaign_id: i64) -> Result<Vec<StatementSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.redeemed_by_structure_id, s.name, v.redeemed_at, k.face_value_euros FROM vouchers v
             JOIN structures s ON s.id = v.redeemed_by_structure_id JOIN voucher_campaigns k ON k.id = v.campaign_id
             WHERE v.campaign_id = $1 AND v.state = 'redeemed'",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        let mut by_key: std::collections::BTreeMap<(String, i64), StatementSummary> =
            Default::default();
        for row in &rows {
            let structure_id: i64 = row.try_get("redeemed_by_structure_id")?;
            let month = aiguillage_domain::calendar::month_of(row.try_get("redeemed_at")?);
            let face: i64 = row.try_get("face_value_euros")?;
            let line = by_key
                .entry((month.clone(), structure_id))
                .or_insert(StatementSummary {
                    campaign_id,
                    structure_id,
                    place_name: row.try_get("name")?,
                    month,
                    vouchers: 0,
                    total_euros: 0,
                    paid_at: None,
                });
            line.vouchers += 1;
            line.total_euros += face;
        }
        let paid = sqlx::query("SELECT structure_id, month, paid_at FROM voucher_statements_paid WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_all(&self.pool)
            .await?;
        for row in &paid {
            let key = (
                row.try_get::<String, _>("month")?,
                row.try_get::<i64, _>("structure_id")?,
            );
            if let Some(line) = by_key.get_mut(&key) {
                line.paid_at = Some(row.try_get("paid_at")?);
            }
        }
        Ok(by_key.into_values().rev().collect())
    }

    /// The vouchers a place redeemed in a month (`YYYY-MM`) for a campaign.
    pub async fn statement_lines(
        &self,
        campaign_id: i64,
        place: StructureId,
        month: &str,
    ) -> Result<Vec<Redemption>, StoreError> {
        let place_id = place.get();
        let rows = sqlx::query(
            "SELECT v.number, v.campaign_id, k.name, k.face_value_euros, v.redeemed_at FROM vouchers v
             JOIN voucher_campaigns k ON k.id = v.campaign_id
             WHERE v.campaign_id = $1 AND v.redeemed_by_structure_id = $2 AND v.state = 'redeemed'
             ORDER BY v.redeemed_at",
        )
        .bind(campaign_id)
        .bind(place_id)
        .fetch_all(&self.pool)
        .await?;
        let lines = rows
            .iter()
            .map(redemption_of)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(lines
            .into_iter()
            .filter(|line| aiguillage_domain::calendar::month_of(line.redeemed_at) == month)
            .collect())
    }

    /// Marks a place's statement of a month paid (a campaign the scope manages). Returns false when
    /// it already was; `NotFound` when the place redeemed nothing that month.
    pub async fn mark_statement_paid(
        &self,
        (campaign_id, place_id, month): (i64, i64, &str),
        scope: CampaignScope<'_>,
        account_id: Option<i64>,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        self.campaign(campaign_id, scope).await?;
        let lines = self
            .statement_lines(campaign_id, StructureId::new(place_id), month)
            .await?;
        if lines.is_empty() {
            return Err(StoreError::NotFound(format!("relevé {month}")));
        }
        let total: i64 = lines.iter().map(|l| i64::from(l.face_value_euros)).sum();
        let done = sqlx::query(
            "INSERT INTO voucher_statements_paid (campaign_id, structure_id, month, vouchers, total_euros, paid_at, paid_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (campaign_id, structure_id, month) DO NOTHING",
        )
        .bind(campaign_id)
        .bind(place_id)
        .bind(month)
        .bind(i64::try_from(lines.len()).unwrap_or(i64::MAX))
        .bind(total)
        .bind(now)
        .bind(account_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The ledger's entries in order (one campaign's, or all).
    pub async fn voucher_ledger(
        &self,
        campaign_id: Option<i64>,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let rows = match campaign_id {
            Some(id) => {
                sqlx::query("SELECT * FROM voucher_ledger WHERE campaign_id = $1 ORDER BY sequence")
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("SELECT * FROM voucher_ledger ORDER BY sequence")
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(ledger_entry_of).collect()
    }

    /// Re-computes the whole ledger's chain under the instance's key.
    pub async fn verify_voucher_ledger(&self) -> Result<LedgerCheck, StoreError> {
        let entries = self.voucher_ledger(None).await?;
        Ok(match verify(self.audit_key.bytes(), &entries) {
            Ok(()) => LedgerCheck::Intact {
                entries: entries.len(),
            },
            Err(broken) => LedgerCheck::Broken(broken),
        })
    }
}

fn ledger_events(
    numbers: &[String],
    campaign_id: i64,
    kind: LedgerKind,
    structure_id: Option<i64>,
) -> Vec<Event<'_>> {
    numbers
        .iter()
        .map(|number| Event {
            number,
            campaign_id,
            kind,
            structure_id,
            detail: "",
        })
        .collect()
}

fn ledger_entry_of(row: &AnyRow) -> Result<LedgerEntry, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(LedgerEntry {
        sequence: row.try_get("sequence")?,
        at: row.try_get("at")?,
        number: row.try_get("number")?,
        campaign_id: row.try_get("campaign_id")?,
        kind: LedgerKind::from_code(&kind).ok_or_else(|| corrupt(&kind))?,
        structure_id: row.try_get("structure_id")?,
        detail: row.try_get("detail")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

fn redemption_of(row: &AnyRow) -> Result<Redemption, StoreError> {
    Ok(Redemption {
        number: number_in(row, "number")?,
        campaign_id: row.try_get("campaign_id")?,
        campaign_name: row.try_get("name")?,
        face_value_euros: u32::try_from(row.try_get::<i64, _>("face_value_euros")?)
            .map_err(|_| corrupt("valeur"))?,
        redeemed_at: row.try_get("redeemed_at")?,
    })
}

fn optional_code<T: Coded>(row: &AnyRow, column: &str) -> Result<Option<T>, StoreError> {
    let code: Option<String> = row.try_get(column)?;
    code.map(|code| T::from_code(&code).ok_or_else(|| corrupt(&code)))
        .transpose()
}

fn record_of(row: &AnyRow) -> Result<VoucherRecord, StoreError> {
    let place_id: Option<i64> = row.try_get("redeemed_by_structure_id")?;
    let place_name: Option<String> = row.try_get("place_name")?;
    let referral: Option<i64> = row.try_get("referral_id")?;
    let outcome: Option<String> = row.try_get("outcome")?;
    let outcome = outcome
        .and_then(|o| ClosingOutcome::from_code(&o).or_else(|| ClosingOutcome::from_label(&o)));
    let sessions: i64 = row.try_get("sessions")?;
    Ok(VoucherRecord {
        issued_at: row.try_get("issued_at")?,
        allocated_at: row.try_get("allocated_at")?,
        handed_at: row.try_get("handed_at")?,
        redeemed_at: row.try_get("redeemed_at")?,
        expired_at: row.try_get("expired_at")?,
        place: place_id.zip(place_name),
        commune: row.try_get("commune_name")?,
        audience: optional_code(row, "audience")?,
        age_band: optional_code(row, "age_band")?,
        help_kind: optional_code(row, "help_kind")?,
        pathway: referral.map(|_| PathwayUse {
            sessions: u64::try_from(sessions).unwrap_or(0),
            outcome,
        }),
    })
}

/// Whether the voucher row (state, received book) and the campaign's terms allow this handing.
fn handable(
    row: &AnyRow,
    campaign: &Campaign,
    handing: &Handing,
    today: Date,
) -> Result<Result<(), HandRefusal>, StoreError> {
    let state: String = row.try_get("state")?;
    let state = VoucherState::from_code(&state).ok_or_else(|| corrupt(&state))?;
    if row.try_get::<Option<i64>, _>("received_at")?.is_none() {
        return Ok(Err(HandRefusal::NotReceived(row.try_get("ordinal")?)));
    }
    let refusal = match state {
        VoucherState::Handed => {
            let at: Option<i64> = row.try_get("handed_at")?;
            Some(HandRefusal::AlreadyHanded(
                at.map(day_text).unwrap_or_default(),
            ))
        }
        VoucherState::Redeemed | VoucherState::Cancelled | VoucherState::Expired => {
            Some(HandRefusal::Spent(state.label().to_lowercase()))
        }
        VoucherState::Issued | VoucherState::Allocated => None,
    };
    if let Some(refusal) = refusal {
        return Ok(Err(refusal));
    }
    let terms = &campaign.terms;
    Ok(if today > terms.valid_until {
        Err(HandRefusal::Expired(
            aiguillage_domain::calendar::french_date(terms.valid_until),
        ))
    } else if !terms.audiences.contains(&handing.audience) {
        Err(HandRefusal::Audience(terms.name.clone()))
    } else if !terms.help_kinds.contains(&handing.help_kind) {
        Err(HandRefusal::HelpKind(terms.name.clone()))
    } else {
        Ok(())
    })
}

/// The referral's statistical facts (its id, the person's age band and commune), when the referral
/// was sent by `structure_id`.
async fn referral_facts(
    connection: &mut AnyConnection,
    referral_id: i64,
    structure_id: i64,
    today: Date,
) -> Result<Option<(Option<i64>, AgeBand, String)>, StoreError> {
    let row = sqlx::query(
        "SELECT p.birth_year, p.commune_code FROM referrals r JOIN people p ON p.id = r.person_id
         WHERE r.id = $1 AND r.sender_structure_id = $2",
    )
    .bind(referral_id)
    .bind(structure_id)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let birth_year: Option<i64> = row.try_get("birth_year")?;
    let birth_year = birth_year.and_then(|y| i32::try_from(y).ok());
    let age_band = AgeBand::of_birth_year(birth_year, today.year());
    Ok(Some((
        Some(referral_id),
        age_band,
        row.try_get("commune_code")?,
    )))
}

/// Whether a voucher may be redeemed for `campaign_id` at `place_id` on `today`, and what it pays.
async fn redeemable(
    connection: &mut AnyConnection,
    number: &VoucherNumber,
    campaign_id: i64,
    place_id: i64,
    today: Date,
) -> Result<Result<Redeemed, Refusal>, StoreError> {
    let row = sqlx::query("SELECT state, campaign_id, redeemed_at FROM vouchers WHERE number = $1")
        .bind(number.as_str())
        .fetch_optional(&mut *connection)
        .await?;
    let Some(row) = row else {
        return Ok(Err(Refusal::Unknown));
    };
    let campaign = campaign_in(connection, row.try_get("campaign_id")?, CampaignScope::All).await?;
    let qualified = sqlx::query(
        "SELECT 1 AS found FROM voucher_places WHERE campaign_id = $1 AND structure_id = $2",
    )
    .bind(campaign.id)
    .bind(place_id)
    .fetch_optional(&mut *connection)
    .await?
    .is_some();
    let state: String = row.try_get("state")?;
    let facts = VoucherFacts {
        state: VoucherState::from_code(&state).ok_or_else(|| corrupt(&state))?,
        campaign_id: campaign.id,
        campaign_name: campaign.terms.name.clone(),
        valid_from: campaign.terms.valid_from,
        valid_until: campaign.terms.valid_until,
        redeemed_at: row.try_get("redeemed_at")?,
    };
    Ok(
        check_redemption(&facts, campaign_id, qualified, today, day_text).map(|()| Redeemed {
            number: number.clone(),
            face_value_euros: campaign.terms.face_value_euros,
            pays: campaign.terms.payment.describe(),
            campaign_name: campaign.terms.name,
        }),
    )
}
