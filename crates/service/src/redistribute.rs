//! The optimal redistribution of a territory's waiting referrals, shared by the coordinator's page
//! and `aiguillage queue redistribute`: gathers the picked referrals and the offers within reach,
//! ranks each person with the territory's weights, asks the domain for the optimal proposal, and
//! applies confirmed moves as "redirected" transitions by the coordinator, each notified.

use crate::notify::{mail_structure, notify_structure, Notice};
use crate::state::AppState;
use aiguillage_domain::geo::Position;
use aiguillage_domain::ids::ReferralId;
use aiguillage_domain::orientation::{
    days_waiting, propose, rank, room_left, CandidateOffer, Outcome, Ranking, ReferralState,
    Seeker, WaitingReferral,
};
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_store::{
    Actor, ConfirmedMove, MoveRefusal, QueueEntry, RedistributionOutcome, StoreError, StoredPlace,
    UndoOutcome,
};
use std::collections::{BTreeMap, HashMap};

/// Degrees of latitude per kilometre, for the coarse box before exact distances.
const DEGREES_PER_KM: f64 = 1.0 / 111.0;
/// The farthest reach a profile can ask for, in km.
const MAX_REACH_KM: f64 = 60.0;

/// Which waiting referrals the coordinator picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pick {
    /// Refused by their offer.
    pub refused: bool,
    /// Sent or redirected, without an answer yet.
    pub awaiting: bool,
    /// Accepted, without a first contact yet.
    pub accepted: bool,
}

impl Pick {
    fn takes(self, state: ReferralState) -> bool {
        match state {
            ReferralState::Refused => self.refused,
            ReferralState::Accepted => self.accepted,
            state => state.awaits_answer() && self.awaiting,
        }
    }
}

/// One line of a proposal, pseudonymised as the coordinator's queue is.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalLine {
    pub referral_id: i64,
    pub version: i64,
    pub pseudonym: String,
    pub commune: String,
    pub state: &'static str,
    pub urgent: bool,
    pub days_waiting: i64,
    pub from_offer: String,
    /// The new offer (id, "structure — offer") of a move.
    pub to_offer: Option<(i64, String)>,
    /// « Réorientation », « Reste », « Sans place ».
    pub outcome: &'static str,
    pub reasons: Vec<String>,
}

/// A proposal as shown, with its optimal total cost.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalView {
    pub lines: Vec<ProposalLine>,
    pub total_cost: i64,
    pub offers_considered: usize,
}

impl ProposalView {
    pub fn count(&self, outcome: &str) -> usize {
        self.lines.iter().filter(|l| l.outcome == outcome).count()
    }
}

/// The places of every offer in the box around the picked people, as ranking candidates.
struct Offers {
    places: Vec<StoredPlace>,
    open: HashMap<i64, u32>,
}

impl Offers {
    fn candidates(&self) -> Vec<CandidateOffer<'_>> {
        self.places
            .iter()
            .flat_map(|place| {
                let position = place
                    .latitude
                    .zip(place.longitude)
                    .map(|(latitude, longitude)| Position {
                        latitude,
                        longitude,
                    });
                place
                    .offers
                    .iter()
                    .zip(&place.offer_ids)
                    .map(move |(offer, id)| CandidateOffer {
                        offer_id: *id,
                        place: &place.place,
                        offer,
                        position,
                        open_referrals: 0,
                    })
            })
            .map(|mut candidate| {
                candidate.open_referrals = self.open.get(&candidate.offer_id).copied().unwrap_or(0);
                candidate
            })
            .collect()
    }
}

/// Computes the optimal proposal for the territory's referrals that the pick takes.
pub async fn compute(
    state: &AppState,
    scope: &TerritoryScope,
    pick: Pick,
) -> Result<ProposalView, StoreError> {
    let (_, weights) = state.store.territory_settings(scope).await?;
    let entries: Vec<QueueEntry> = state
        .store
        .territory_queue(scope)
        .await?
        .into_iter()
        .filter(|e| pick.takes(e.state))
        .collect();
    let mut centres: BTreeMap<String, Position> = BTreeMap::new();
    for entry in &entries {
        if !centres.contains_key(&entry.commune_code) {
            if let Some((latitude, longitude)) =
                state.store.commune_centre(&entry.commune_code).await?
            {
                centres.insert(
                    entry.commune_code.clone(),
                    Position {
                        latitude,
                        longitude,
                    },
                );
            }
        }
    }
    // Ranking sees the picked referrals' own places as free (so that staying is judged fairly);
    // the room left for moves still counts them, as staying keeps them.
    let open = state.store.open_referrals_by_offer().await?;
    let mut released = open.clone();
    for entry in entries.iter().filter(|e| e.state != ReferralState::Refused) {
        if let Some(count) = released.get_mut(&entry.offer_id) {
            *count = count.saturating_sub(1);
        }
    }
    let offers = Offers {
        places: places_around(state, centres.values()).await?,
        open: released,
    };
    let candidates = offers.candidates();
    let now = state.now();
    let year = aiguillage_domain::calendar::date_of(now).year();
    let rankings: Vec<Option<Ranking>> = entries
        .iter()
        .map(|entry| {
            let position = *centres.get(&entry.commune_code)?;
            let seeker = Seeker {
                profile: &entry.profile,
                position,
                age: entry.birth_year.map(|y| year - y),
                availability: &[],
                travel_modes: &[],
            };
            Some(rank(&seeker, &candidates, &weights))
        })
        .collect();
    let empty = Ranking::default();
    let waiting: Vec<WaitingReferral> = entries
        .iter()
        .zip(&rankings)
        .map(|(entry, ranking)| WaitingReferral {
            referral_id: entry.referral_id,
            current_offer_id: entry.offer_id,
            refused: entry.state == ReferralState::Refused,
            days_waiting: u32::try_from(days_waiting(entry.state_changed_at, now)).unwrap_or(0),
            urgent: entry.urgent,
            ranking: ranking.as_ref().unwrap_or(&empty),
        })
        .collect();
    let room = room_left(
        candidates
            .iter()
            .map(|c| (c.offer_id, c.offer.facts.capacity_per_week)),
        &open,
        waiting.len(),
    );
    let proposal = propose(&waiting, &room);
    let name_of: HashMap<i64, String> = candidates
        .iter()
        .map(|c| (c.offer_id, format!("{} — {}", c.place.name, c.offer.name)))
        .collect();
    let mut lines: Vec<ProposalLine> = entries
        .iter()
        .zip(&proposal.decisions)
        .map(|(entry, decision)| line(entry, &decision.outcome, &name_of, now))
        .collect();
    // Moves first, then the people left without a place, then those who stay.
    lines.sort_by_key(|l| match l.outcome {
        "Réorientation" => 0,
        "Sans place" => 1,
        _ => 2,
    });
    Ok(ProposalView {
        lines,
        total_cost: proposal.total_cost,
        offers_considered: candidates.len(),
    })
}

fn line(
    entry: &QueueEntry,
    outcome: &Outcome,
    name_of: &HashMap<i64, String>,
    now: aiguillage_domain::UnixSeconds,
) -> ProposalLine {
    let (label, to_offer, reasons) = match outcome {
        Outcome::Move {
            to_offer_id,
            reasons,
        } => (
            "Réorientation",
            Some((
                *to_offer_id,
                name_of.get(to_offer_id).cloned().unwrap_or_default(),
            )),
            reasons.clone(),
        ),
        Outcome::Stay => (
            "Reste",
            None,
            vec!["Son offre actuelle reste le meilleur choix.".to_owned()],
        ),
        Outcome::Unplaced { reason } => ("Sans place", None, vec![reason.clone()]),
    };
    ProposalLine {
        referral_id: entry.referral_id,
        version: entry.version,
        pseudonym: entry.pseudonym.clone(),
        commune: entry.commune_name.clone(),
        state: entry.state.label(),
        urgent: entry.urgent,
        days_waiting: days_waiting(entry.state_changed_at, now),
        from_offer: format!("{} — {}", entry.receiver_structure, entry.offer_name),
        to_offer,
        outcome: label,
        reasons,
    }
}

/// The places in one box around every centre, widened by the farthest reach.
async fn places_around(
    state: &AppState,
    centres: impl Iterator<Item = &Position>,
) -> Result<Vec<StoredPlace>, StoreError> {
    let mut bounds: Option<(f64, f64, f64, f64)> = None;
    for p in centres {
        let b = bounds.get_or_insert((p.latitude, p.latitude, p.longitude, p.longitude));
        *b = (
            b.0.min(p.latitude),
            b.1.max(p.latitude),
            b.2.min(p.longitude),
            b.3.max(p.longitude),
        );
    }
    let Some((south, north, west, east)) = bounds else {
        return Ok(Vec::new());
    };
    let span = MAX_REACH_KM * DEGREES_PER_KM;
    let longitude_span = span / north.abs().max(south.abs()).to_radians().cos().max(0.1);
    state
        .store
        .places_in_box(
            (south - span, north + span),
            (west - longitude_span, east + longitude_span),
        )
        .await
}

/// What applying a proposal did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ApplyReport {
    pub moved: usize,
    /// Referrals changed by someone else since the proposal: left as they are.
    pub stale: usize,
    /// Moves refused by the checks (French sentences); when there are any, nothing was applied.
    pub refused: Vec<String>,
    /// Some refused move named a referral or an offer outside the coordinator's territory.
    pub out_of_scope: bool,
    /// The confirmation kept to be undone, when something moved.
    pub batch: Option<i64>,
}

/// Applies confirmed moves `(referral, version, new offer)` of the coordinator of `scope`: the store
/// checks each one again inside one transaction (queue of the territory, version, state, offer of the
/// territory passing every hard filter, room) and writes all of them or, if one is refused, none;
/// the new receiving structures and the senders are then notified.
pub async fn apply(
    state: &AppState,
    actor: &Actor<'_>,
    scope: &TerritoryScope,
    moves: &[(i64, i64, i64)],
) -> Result<ApplyReport, StoreError> {
    let confirmed: Vec<ConfirmedMove> = moves
        .iter()
        .map(|&(referral_id, version, offer_id)| ConfirmedMove {
            referral_id,
            version,
            offer_id,
        })
        .collect();
    let now = state.now();
    let year = aiguillage_domain::calendar::date_of(now).year();
    let notices = (Notice::Received.text(), Notice::Redistributed.text());
    let outcome = state
        .store
        .apply_redistribution(actor, scope, &confirmed, notices, (now, year))
        .await?;
    let (moved, stale, batch) = match outcome {
        RedistributionOutcome::Applied {
            moved,
            stale,
            batch,
        } => (moved, stale, batch),
        RedistributionOutcome::Refused(refusals) => {
            return Ok(ApplyReport {
                out_of_scope: refusals.iter().any(|(_, refusal)| {
                    matches!(
                        refusal,
                        MoveRefusal::NotInQueue | MoveRefusal::OfferOutsideTerritory
                    )
                }),
                refused: refusals
                    .iter()
                    .map(|(id, refusal)| refusal.message(*id))
                    .collect(),
                ..ApplyReport::default()
            })
        }
    };
    // The in-app notices were written with the moves; the e-mails follow the commit.
    for one in &moved {
        mail_structure(
            state,
            one.receiver_structure_id,
            Notice::Received,
            one.referral_id,
        )
        .await?;
        mail_structure(
            state,
            one.sender_structure_id,
            Notice::Redistributed,
            one.referral_id,
        )
        .await?;
    }
    Ok(ApplyReport {
        moved: moved.len(),
        stale,
        refused: Vec::new(),
        out_of_scope: false,
        batch,
    })
}

/// What undoing a redistribution did: how many referrals went back, and which stayed because
/// someone acted on them since.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UndoReport {
    pub returned: usize,
    pub kept: Vec<ReferralId>,
}

/// Undoes a confirmed redistribution of the coordinator's territory (`None`: no such batch there, or
/// already undone): what nobody acted on returns to its offer and state; the structure that loses
/// each referral, the one it returns to (unless it had refused it) and its sender are notified.
pub async fn undo(
    state: &AppState,
    actor: &Actor<'_>,
    scope: &TerritoryScope,
    batch: i64,
) -> Result<Option<UndoReport>, StoreError> {
    let outcome = state
        .store
        .undo_redistribution(actor, scope, batch, state.now())
        .await?;
    let UndoOutcome::Undone { returned, kept } = outcome else {
        return Ok(None);
    };
    for back in &returned {
        let referral = back.referral_id;
        notify_structure(state, back.withdrawn_from, Notice::Withdrawn, referral).await?;
        if back.returns_to_receiver {
            notify_structure(state, back.returned_to, Notice::Returned, referral).await?;
        }
        notify_structure(
            state,
            back.sender_structure_id,
            Notice::RedistributionUndone,
            referral,
        )
        .await?;
    }
    Ok(Some(UndoReport {
        returned: returned.len(),
        kept,
    }))
}
