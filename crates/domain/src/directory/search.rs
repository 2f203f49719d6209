//! Directory search: which places meet every criterion a professional picked (need, audience,
//! specific support, support mode, cost, open at a given time, within a distance), nearest first.
//!
//! Each list criterion is a conjunction: a place must offer every value asked for. A place whose opening
//! hours are missing or not understood is left out when an opening time is asked, since nobody can
//! promise it is open; a place without a position is left out when a distance is asked.

use super::opening_hours::WeeklyHours;
use super::vocabulary::{Audience, Cost, Service, SpecificSupport, SupportMode};
use super::{Offer, Place};
use crate::geo::{distance_km, Position};

/// What the professional asks for; empty lists and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchCriteria {
    pub services: Vec<Service>,
    pub audiences: Vec<Audience>,
    pub specific_support: Vec<SpecificSupport>,
    pub support_modes: Vec<SupportMode>,
    pub costs: Vec<Cost>,
    /// Weekday (0 = Monday) and minute of the day.
    pub open_at: Option<(usize, u16)>,
    /// A point and the greatest distance in kilometres.
    pub near: Option<(Position, f64)>,
}

/// A place that meets the criteria: its index in the searched slice and its distance when asked.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub index: usize,
    pub distance_km: Option<f64>,
}

/// A place, its offers, and the position used for distances (its own, or its commune's centre).
pub struct Candidate<'a> {
    pub place: &'a Place,
    pub offers: &'a [Offer],
    pub position: Option<Position>,
}

/// A place meets the list criteria when one of its offers does (a person needs one offer that fits);
/// a place without offers is judged on its own lists.
fn candidate_meets(candidate: &Candidate<'_>, criteria: &SearchCriteria) -> bool {
    match candidate.offers {
        [] => meets_lists(candidate.place, criteria),
        offers => offers.iter().any(|offer| offer_meets(offer, criteria)),
    }
}

fn contains_all<T: PartialEq>(offered: &[T], asked: &[T]) -> bool {
    asked.iter().all(|value| offered.contains(value))
}

fn meets_lists(place: &Place, criteria: &SearchCriteria) -> bool {
    contains_all(&place.services, &criteria.services)
        && contains_all(&place.audiences, &criteria.audiences)
        && contains_all(&place.specific_support, &criteria.specific_support)
        && contains_all(&place.support_modes, &criteria.support_modes)
        && contains_all(&place.costs, &criteria.costs)
}

fn is_open_at(place: &Place, (weekday, minute): (usize, u16)) -> bool {
    place
        .opening_hours
        .as_deref()
        .and_then(|text| WeeklyHours::parse(text).ok())
        .is_some_and(|hours| hours.is_open(weekday, minute))
}

/// Whether an offer meets the list criteria (service, audience, specific support, mode, cost).
pub fn offer_meets(offer: &Offer, criteria: &SearchCriteria) -> bool {
    contains_all(&offer.services, &criteria.services)
        && contains_all(&offer.audiences, &criteria.audiences)
        && contains_all(&offer.specific_support, &criteria.specific_support)
        && contains_all(&offer.support_modes, &criteria.support_modes)
        && contains_all(&offer.costs, &criteria.costs)
}

/// The places meeting every criterion, nearest first (then by name) when a distance is asked, by name otherwise.
pub fn search(candidates: &[Candidate<'_>], criteria: &SearchCriteria) -> Vec<SearchHit> {
    let mut hits: Vec<SearchHit> = candidates
        .iter()
        .enumerate()
        .filter(|(_, candidate)| candidate_meets(candidate, criteria))
        .filter(|(_, candidate)| {
            criteria
                .open_at
                .is_none_or(|at| is_open_at(candidate.place, at))
        })
        .filter_map(|(index, candidate)| match criteria.near {
            None => Some(SearchHit {
                index,
                distance_km: None,
            }),
            Some((centre, max_km)) => {
                let km = distance_km(centre, candidate.position?);
                (km <= max_km).then_some(SearchHit {
                    index,
                    distance_km: Some(km),
                })
            }
        })
        .collect();
    hits.sort_by(|a, b| {
        let by_distance = a
            .distance_km
            .unwrap_or(0.0)
            .total_cmp(&b.distance_km.unwrap_or(0.0));
        by_distance.then_with(|| {
            candidates[a.index]
                .place
                .name
                .cmp(&candidates[b.index].place.name)
        })
    });
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(
        name: &str,
        services: Vec<Service>,
        audiences: Vec<Audience>,
        hours: Option<&str>,
    ) -> Place {
        Place {
            name: name.into(),
            services,
            audiences,
            opening_hours: hours.map(str::to_owned),
            ..Place::default()
        }
    }

    const ANGERS: Position = Position {
        latitude: 47.4784,
        longitude: -0.5632,
    };
    const TRELAZE: Position = Position {
        latitude: 47.4456,
        longitude: -0.4660,
    };
    const SAUMUR: Position = Position {
        latitude: 47.2600,
        longitude: -0.0769,
    };

    #[test]
    fn service_audience_and_distance_together_pick_the_right_places_nearest_first() {
        let procedures = Service::AdministrativeProcedures;
        let places = [
            place(
                "Saumur seniors",
                vec![procedures],
                vec![Audience::Seniors],
                None,
            ),
            place(
                "Trélazé seniors",
                vec![procedures],
                vec![Audience::Seniors],
                None,
            ),
            place(
                "Angers jeunes",
                vec![procedures],
                vec![Audience::Youth],
                None,
            ),
            place(
                "Angers seniors",
                vec![procedures, Service::SafeUse],
                vec![Audience::Seniors],
                None,
            ),
            place(
                "Angers loisirs",
                vec![Service::LeisureAndCreation],
                vec![Audience::Seniors],
                None,
            ),
        ];
        let positions = [SAUMUR, TRELAZE, ANGERS, ANGERS, ANGERS];
        let candidates: Vec<Candidate> = places
            .iter()
            .zip(positions)
            .map(|(place, position)| Candidate {
                place,
                offers: &[],
                position: Some(position),
            })
            .collect();
        let criteria = SearchCriteria {
            services: vec![procedures],
            audiences: vec![Audience::Seniors],
            near: Some((ANGERS, 20.0)),
            ..SearchCriteria::default()
        };
        let names: Vec<&str> = search(&candidates, &criteria)
            .iter()
            .map(|hit| places[hit.index].name.as_str())
            .collect();
        assert_eq!(names, vec!["Angers seniors", "Trélazé seniors"]);
    }

    #[test]
    fn a_place_is_found_through_any_one_of_its_offers() {
        let place = place(
            "Médiathèque",
            vec![Service::LeisureAndCreation],
            vec![],
            None,
        );
        let offers = [
            Offer {
                name: "Loisirs".into(),
                services: vec![Service::LeisureAndCreation],
                ..Offer::default()
            },
            Offer {
                name: "Ateliers seniors".into(),
                services: vec![Service::SafeUse],
                audiences: vec![Audience::Seniors],
                ..Offer::default()
            },
        ];
        let candidates = [Candidate {
            place: &place,
            offers: &offers,
            position: None,
        }];
        let both = SearchCriteria {
            services: vec![Service::SafeUse],
            audiences: vec![Audience::Seniors],
            ..SearchCriteria::default()
        };
        assert_eq!(search(&candidates, &both).len(), 1);
        let split = SearchCriteria {
            services: vec![Service::LeisureAndCreation],
            audiences: vec![Audience::Seniors],
            ..SearchCriteria::default()
        };
        assert!(
            search(&candidates, &split).is_empty(),
            "no single offer gives leisure to seniors"
        );
    }

    #[test]
    fn a_place_without_readable_hours_is_left_out_when_an_opening_time_is_asked() {
        let places = [
            place("ouvert", vec![], vec![], Some("Mo-Fr 09:00-12:00")),
            place("fermé", vec![], vec![], Some("Sa 09:00-12:00")),
            place("inconnu", vec![], vec![], None),
        ];
        let candidates: Vec<Candidate> = places
            .iter()
            .map(|place| Candidate {
                place,
                offers: &[],
                position: None,
            })
            .collect();
        let criteria = SearchCriteria {
            open_at: Some((2, 10 * 60)),
            ..SearchCriteria::default()
        };
        let hits = search(&candidates, &criteria);
        assert_eq!(hits.len(), 1);
        assert_eq!(places[hits[0].index].name, "ouvert");
    }
}
