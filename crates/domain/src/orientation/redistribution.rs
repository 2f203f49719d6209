//! Optimal redistribution of waiting referrals: the coordinator's picked referrals, each with its
//! ranking against the offers within reach, are assigned to offers with room left at the least total
//! cost, exactly (see `matching`). A referral's cost at an offer is its ranking score turned into an
//! integer; leaving a refused person unplaced costs a penalty that grows with urgency and waiting
//! time, so they are placed first; a referral still waiting at its offer "stays" at a cost that grows
//! with its wait, so the long-unanswered ones move. The result is a list of decisions with reasons.

use super::ranking::Ranking;
use crate::matching::{assign, AssignmentProblem, PersonOptions};
use std::collections::{BTreeMap, HashMap};

/// The cost of the worst score; a score of 100 costs 0.
pub const WORST_SCORE_COST: i64 = 1000;
/// The cost of moving a referral that still waits at its offer (stability: no change for a trifle).
pub const MOVE_COST: i64 = 150;
/// The base penalty of leaving a refused referral without an offer.
pub const UNPLACED_PENALTY: i64 = 3000;
/// The extra penalty of leaving someone with a pending procedure (urgency) unplaced.
pub const URGENCY_PENALTY: i64 = 3000;
/// Days of waiting beyond which the priority stops growing.
pub const MAX_COUNTED_DAYS: u32 = 60;

/// Places left per offer: its weekly capacity minus the referrals holding one. An offer whose
/// capacity is unknown is bounded only by `unbounded` (the number of referrals being placed).
pub fn room_left(
    offers: impl IntoIterator<Item = (i64, Option<u32>)>,
    holding: &HashMap<i64, u32>,
    unbounded: usize,
) -> BTreeMap<i64, u32> {
    offers
        .into_iter()
        .map(|(offer_id, capacity)| {
            let held = holding.get(&offer_id).copied().unwrap_or(0);
            let room = match capacity {
                Some(capacity) => capacity.saturating_sub(held),
                None => u32::try_from(unbounded).unwrap_or(u32::MAX),
            };
            (offer_id, room)
        })
        .collect()
}

/// One picked referral, as the solver sees it.
#[derive(Debug, Clone)]
pub struct WaitingReferral<'a> {
    pub referral_id: i64,
    pub current_offer_id: i64,
    /// Refused by its offer: it holds no place and must find one.
    pub refused: bool,
    pub days_waiting: u32,
    pub urgent: bool,
    /// The person's ranking against the offers within their reach.
    pub ranking: &'a Ranking,
}

/// What the proposal does with one referral.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Redirect to another offer, with the reasons.
    Move {
        to_offer_id: i64,
        reasons: Vec<String>,
    },
    /// Keep the current offer.
    Stay,
    /// No offer found, and why.
    Unplaced { reason: String },
}

/// The decision for one referral.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub referral_id: i64,
    pub outcome: Outcome,
}

/// The whole proposal, with the optimal total cost reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub decisions: Vec<Decision>,
    pub total_cost: i64,
}

impl Proposal {
    /// The moves only: (referral, new offer).
    pub fn moves(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.decisions.iter().filter_map(|d| match d.outcome {
            Outcome::Move { to_offer_id, .. } => Some((d.referral_id, to_offer_id)),
            _ => None,
        })
    }
}

/// A ranking score (0–100) as an integer cost (0 for 100, `WORST_SCORE_COST` for 0).
pub fn score_cost(total: f64) -> i64 {
    let clamped = total.clamp(0.0, 100.0);
    ((100.0 - clamped) * WORST_SCORE_COST as f64 / 100.0).round() as i64
}

/// How much each day of waiting weighs: twice as much for an urgency.
fn waiting_weight(referral: &WaitingReferral) -> i64 {
    let days = i64::from(referral.days_waiting.min(MAX_COUNTED_DAYS));
    days * if referral.urgent { 40 } else { 15 }
}

/// The cost of the "no new offer" outcome: staying, or being left unplaced.
fn staying_cost(referral: &WaitingReferral) -> i64 {
    if referral.refused {
        let urgency = if referral.urgent { URGENCY_PENALTY } else { 0 };
        return UNPLACED_PENALTY + urgency + waiting_weight(referral);
    }
    let current = referral
        .ranking
        .ranked
        .iter()
        .find(|o| o.offer_id == referral.current_offer_id)
        .map_or(WORST_SCORE_COST, |o| score_cost(o.total));
    current + waiting_weight(referral)
}

/// The options of one referral: the ranked offers other than its current one that have room.
fn options_of(referral: &WaitingReferral, offer_index: &BTreeMap<i64, usize>) -> Vec<(usize, i64)> {
    let move_cost = if referral.refused { 0 } else { MOVE_COST };
    referral
        .ranking
        .ranked
        .iter()
        .filter(|o| o.offer_id != referral.current_offer_id)
        .filter_map(|o| {
            let index = *offer_index.get(&o.offer_id)?;
            Some((index, score_cost(o.total) + move_cost))
        })
        .collect()
}

/// Computes the optimal proposal. `room` gives, per offer, the places left once the referrals
/// already holding one (including the picked ones still waiting there) are counted.
pub fn propose(waiting: &[WaitingReferral], room: &BTreeMap<i64, u32>) -> Proposal {
    let offer_ids: Vec<i64> = room.keys().copied().collect();
    let offer_index: BTreeMap<i64, usize> = offer_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    let problem = AssignmentProblem {
        capacities: room.values().copied().collect(),
        people: waiting
            .iter()
            .map(|referral| PersonOptions {
                options: options_of(referral, &offer_index),
                unassigned_cost: staying_cost(referral),
            })
            .collect(),
    };
    let assignment = assign(&problem);
    let decisions = waiting
        .iter()
        .zip(&assignment.chosen)
        .map(|(referral, chosen)| Decision {
            referral_id: referral.referral_id,
            outcome: match chosen {
                Some(index) => moved(referral, offer_ids[*index]),
                None if referral.refused => Outcome::Unplaced {
                    reason: why_unplaced(referral, room),
                },
                None => Outcome::Stay,
            },
        })
        .collect();
    Proposal {
        decisions,
        total_cost: assignment.total_cost,
    }
}

/// The move to `to_offer_id`, with why the referral leaves and why this offer.
fn moved(referral: &WaitingReferral, to_offer_id: i64) -> Outcome {
    let mut reasons = Vec::new();
    if referral.refused {
        reasons.push("Refusée par l'offre précédente.".to_owned());
    } else if let Some(excluded) = referral
        .ranking
        .excluded
        .iter()
        .find(|o| o.offer_id == referral.current_offer_id)
    {
        reasons.push(format!(
            "L'offre actuelle ne lui convient pas : {}",
            excluded.reason
        ));
    } else {
        reasons.push(format!(
            "En attente depuis {} jour(s) à l'offre actuelle.",
            referral.days_waiting
        ));
    }
    if referral.urgent {
        reasons.push("Démarche urgente : prioritaire.".to_owned());
    }
    if let Some(offer) = referral
        .ranking
        .ranked
        .iter()
        .find(|o| o.offer_id == to_offer_id)
    {
        reasons.push(format!("Adéquation {:.0}/100.", offer.total));
        let mut criteria: Vec<_> = offer.criteria.iter().collect();
        criteria.sort_by(|a, b| b.score.total_cmp(&a.score));
        reasons.extend(criteria.iter().take(2).map(|c| c.reason.to_string()));
    }
    Outcome::Move {
        to_offer_id,
        reasons,
    }
}

/// Why a refused referral found no offer.
fn why_unplaced(referral: &WaitingReferral, room: &BTreeMap<i64, u32>) -> String {
    let fitting: Vec<i64> = referral
        .ranking
        .ranked
        .iter()
        .map(|o| o.offer_id)
        .filter(|id| *id != referral.current_offer_id)
        .collect();
    if fitting.is_empty() {
        return match referral.ranking.excluded.first() {
            Some(excluded) => format!(
                "Aucune autre offre à sa portée ne respecte ses besoins (par exemple : {})",
                excluded.reason
            ),
            None => "Aucune autre offre à sa portée.".to_owned(),
        };
    }
    if fitting
        .iter()
        .all(|id| room.get(id).copied().unwrap_or(0) == 0)
    {
        return "Les offres qui lui conviennent sont complètes.".to_owned();
    }
    "Les places restantes sont allées à des personnes plus prioritaires (urgence, attente) ou mieux adaptées.".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orientation::ranking::{CriterionScore, ExcludedOffer, RankedOffer};

    #[test]
    fn room_left_is_capacity_minus_holders_and_unknown_capacity_takes_everyone() {
        let holding = HashMap::from([(1, 3), (2, 9)]);
        let room = room_left([(1, Some(5)), (2, Some(4)), (3, None)], &holding, 7);
        assert_eq!(room, BTreeMap::from([(1, 2), (2, 0), (3, 7)]));
    }

    fn ranked(offer_id: i64, total: f64) -> RankedOffer {
        RankedOffer {
            offer_id,
            total,
            distance_km: Some(3.0),
            criteria: vec![CriterionScore {
                criterion: "besoins",
                score: total / 100.0,
                reason: crate::orientation::Explanation::CoversNeeds {
                    covered: 1,
                    needed: 1,
                },
            }],
            lacks: vec![],
            handles_urgency: false,
        }
    }

    fn ranking(offers: &[(i64, f64)]) -> Ranking {
        Ranking {
            ranked: offers.iter().map(|(id, t)| ranked(*id, *t)).collect(),
            excluded: vec![],
            urgency_uncovered: false,
        }
    }

    #[test]
    fn refused_people_take_the_free_places_the_urgent_first() {
        let good = ranking(&[(1, 50.0), (2, 90.0)]);
        let waiting = [
            WaitingReferral {
                referral_id: 10,
                current_offer_id: 1,
                refused: true,
                days_waiting: 2,
                urgent: false,
                ranking: &good,
            },
            WaitingReferral {
                referral_id: 11,
                current_offer_id: 1,
                refused: true,
                days_waiting: 1,
                urgent: true,
                ranking: &good,
            },
        ];
        let room = BTreeMap::from([(1, 0), (2, 1)]);
        let proposal = propose(&waiting, &room);
        assert_eq!(proposal.moves().collect::<Vec<_>>(), vec![(11, 2)]);
        match &proposal.decisions[0].outcome {
            Outcome::Unplaced { reason } => assert!(reason.contains("prioritaires"), "{reason}"),
            other => panic!("expected unplaced, got {other:?}"),
        }
    }

    #[test]
    fn a_referral_waiting_long_moves_and_a_fresh_one_stays() {
        let fresh_rank = ranking(&[(1, 70.0), (2, 75.0)]);
        let old_rank = ranking(&[(3, 70.0), (2, 75.0)]);
        let waiting = [
            WaitingReferral {
                referral_id: 20,
                current_offer_id: 1,
                refused: false,
                days_waiting: 1,
                urgent: false,
                ranking: &fresh_rank,
            },
            WaitingReferral {
                referral_id: 21,
                current_offer_id: 3,
                refused: false,
                days_waiting: 30,
                urgent: false,
                ranking: &old_rank,
            },
        ];
        let room = BTreeMap::from([(1, 0), (2, 2), (3, 0)]);
        let proposal = propose(&waiting, &room);
        assert_eq!(proposal.decisions[0].outcome, Outcome::Stay);
        assert_eq!(proposal.moves().collect::<Vec<_>>(), vec![(21, 2)]);
    }

    #[test]
    fn no_offer_passing_the_filters_is_explained() {
        let none = Ranking {
            ranked: vec![],
            excluded: vec![ExcludedOffer {
                offer_id: 4,
                reason: crate::orientation::Exclusion::MissingSupport(
                    crate::directory::SpecificSupport::Deafness,
                ),
            }],
            urgency_uncovered: false,
        };
        let waiting = [WaitingReferral {
            referral_id: 30,
            current_offer_id: 4,
            refused: true,
            days_waiting: 0,
            urgent: false,
            ranking: &none,
        }];
        let proposal = propose(&waiting, &BTreeMap::from([(4, 3)]));
        match &proposal.decisions[0].outcome {
            Outcome::Unplaced { reason } => assert!(reason.contains("Surdité"), "{reason}"),
            other => panic!("expected unplaced, got {other:?}"),
        }
    }

    #[test]
    fn moves_never_exceed_the_room_left() {
        let rank = ranking(&[(1, 80.0), (2, 60.0)]);
        let waiting: Vec<WaitingReferral> = (0..7)
            .map(|i| WaitingReferral {
                referral_id: i,
                current_offer_id: 9,
                refused: true,
                days_waiting: i as u32,
                urgent: false,
                ranking: &rank,
            })
            .collect();
        let room = BTreeMap::from([(1, 2), (2, 3)]);
        let proposal = propose(&waiting, &room);
        let to_one = proposal.moves().filter(|(_, o)| *o == 1).count();
        let to_two = proposal.moves().filter(|(_, o)| *o == 2).count();
        assert_eq!((to_one, to_two), (2, 3));
        // The two who waited least are the ones left out.
        let unplaced: Vec<i64> = proposal
            .decisions
            .iter()
            .filter(|d| matches!(d.outcome, Outcome::Unplaced { .. }))
            .map(|d| d.referral_id)
            .collect();
        assert_eq!(unplaced, vec![0, 1]);
    }

    #[test]
    fn scores_become_costs_from_0_to_1000() {
        assert_eq!(score_cost(100.0), 0);
        assert_eq!(score_cost(0.0), 1000);
        assert_eq!(score_cost(72.34), 277);
        assert_eq!(score_cost(140.0), 0);
    }
}
