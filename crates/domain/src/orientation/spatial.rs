//! A spatial index of offer positions (an R-tree from the `rstar` crate over points on the unit
//! sphere), so that finding the offers within reach stays fast at national scale.

use crate::geo::Position;
use rstar::primitives::GeomWithData;
use rstar::RTree;

const EARTH_RADIUS_KM: f64 = 6_371.0;

type Entry = GeomWithData<[f64; 3], usize>;

/// Offer positions, each with the caller's index.
pub struct OfferIndex {
    tree: RTree<Entry>,
}

/// A position as a point on the unit sphere (Euclidean distances there are chords).
fn on_sphere(position: Position) -> [f64; 3] {
    let (lat, lon) = (
        position.latitude.to_radians(),
        position.longitude.to_radians(),
    );
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

impl OfferIndex {
    /// Builds the index from `(index, position)` pairs (bulk loading).
    pub fn new(points: impl IntoIterator<Item = (usize, Position)>) -> OfferIndex {
        let entries = points
            .into_iter()
            .map(|(index, position)| GeomWithData::new(on_sphere(position), index))
            .collect();
        OfferIndex {
            tree: RTree::bulk_load(entries),
        }
    }

    /// The indices of the positions within `km` of `centre` (great-circle distance), in no order.
    pub fn within(&self, centre: Position, km: f64) -> Vec<usize> {
        let angle = (km / EARTH_RADIUS_KM).min(std::f64::consts::PI);
        let chord = 2.0 * (angle / 2.0).sin();
        self.tree
            .locate_within_distance(on_sphere(centre), chord * chord)
            .map(|entry| entry.data)
            .collect()
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::distance_km;

    #[test]
    fn the_index_finds_exactly_the_points_within_the_distance() {
        let angers = Position {
            latitude: 47.4784,
            longitude: -0.5632,
        };
        let points: Vec<(usize, Position)> = (0..400)
            .map(|i| {
                let position = Position {
                    latitude: 46.0 + f64::from(i % 20) * 0.15,
                    longitude: -2.0 + f64::from(i / 20) * 0.15,
                };
                (i as usize, position)
            })
            .collect();
        let index = OfferIndex::new(points.clone());
        assert_eq!(index.len(), 400);
        for km in [5.0, 20.0, 60.0] {
            let mut found = index.within(angers, km);
            found.sort_unstable();
            let expected: Vec<usize> = points
                .iter()
                .filter(|(_, p)| distance_km(angers, *p) <= km)
                .map(|(i, _)| *i)
                .collect();
            assert_eq!(found, expected, "{km} km");
        }
    }
}
