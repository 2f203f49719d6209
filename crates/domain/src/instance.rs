//! The settings an administrator changes on the instance's settings page (`/admin/reglages`): the
//! retention durations, the minimum cell size of published statistics (only upward from the
//! server's own), and whether the diagnostic asks about specific support needs — sensitive data the
//! rule book lets an instance switch off. Checked here, field by field, with French messages.

use crate::retention::{PeriodError, RetentionPeriods};
use serde::{Deserialize, Serialize};

/// The highest minimum cell size the page accepts (beyond it, nothing would be published).
pub const MAX_MIN_CELL: u64 = 100;

/// The settings as stored (`instance_settings`, one value per name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceOptions {
    /// Published counts below this are masked; never below the server's own setting.
    pub min_cell_size: u64,
    /// The diagnostic's question on specific support needs is asked (and its answers kept).
    pub support_needs_asked: bool,
}

/// Checks the options against the server's own minimum cell size (`floor`).
pub fn check_options(
    options: InstanceOptions,
    floor: u64,
) -> Result<InstanceOptions, Vec<PeriodError>> {
    if options.min_cell_size < floor || options.min_cell_size > MAX_MIN_CELL {
        return Err(vec![PeriodError {
            field: "min_cell_size",
            message: format!(
                "Seuil du secret statistique : de {floor} à {MAX_MIN_CELL} personnes."
            ),
        }]);
    }
    Ok(options)
}

/// Checks the whole page: durations and options, every refused field with its message.
pub fn check_settings(
    periods: RetentionPeriods,
    options: InstanceOptions,
    floor: u64,
) -> Result<(RetentionPeriods, InstanceOptions), Vec<PeriodError>> {
    match (periods.check(), check_options(options, floor)) {
        (Ok(periods), Ok(options)) => Ok((periods, options)),
        (periods, options) => Err(periods
            .err()
            .unwrap_or_default()
            .into_iter()
            .chain(options.err().unwrap_or_default())
            .collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cell_size_only_goes_up_and_every_error_is_named() {
        let options = InstanceOptions {
            min_cell_size: 15,
            support_needs_asked: false,
        };
        assert_eq!(check_options(options, 11), Ok(options));
        let low = InstanceOptions {
            min_cell_size: 5,
            ..options
        };
        let errors = check_settings(
            RetentionPeriods {
                warning_days: 2,
                ..RetentionPeriods::default()
            },
            low,
            11,
        )
        .expect_err("refused");
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["warning_days", "min_cell_size"]);
        assert_eq!(
            errors[1].message,
            "Seuil du secret statistique : de 11 à 100 personnes."
        );
    }
}
