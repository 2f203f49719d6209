//! Distances on the Earth's surface between WGS84 points.

/// A WGS84 position in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    pub latitude: f64,
    pub longitude: f64,
}

const EARTH_RADIUS_KM: f64 = 6_371.0;

/// Great-circle distance in kilometres (haversine formula).
pub fn distance_km(a: Position, b: Position) -> f64 {
    let (lat_a, lat_b) = (a.latitude.to_radians(), b.latitude.to_radians());
    let d_lat = lat_b - lat_a;
    let d_lon = (b.longitude - a.longitude).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat_a.cos() * lat_b.cos() * (d_lon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angers_to_saumur_is_about_forty_five_kilometres() {
        let angers = Position {
            latitude: 47.4784,
            longitude: -0.5632,
        };
        let saumur = Position {
            latitude: 47.2600,
            longitude: -0.0769,
        };
        let km = distance_km(angers, saumur);
        assert!((42.0..46.0).contains(&km), "{km}");
        assert_eq!(distance_km(angers, angers), 0.0);
    }
}
