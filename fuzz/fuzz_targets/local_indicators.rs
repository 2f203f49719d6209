//! A coordinator's upload of local indicators (`/territoire/indice`): the bytes as sent go through
//! what the upload handler calls (`fragility::read_local_upload`: UTF-8, either format, at least one
//! value, no national indicator's name), then the index the page computes from the values kept, by
//! both methods, each indicator read both ways. Any bytes give a French refusal or an index, never a
//! panic.
#![no_main]
use aiguillage_domain::fragility::{compute, Direction, IndicatorChoice, Method};
use aiguillage_interop::fragility::{read_indicator_file, SHIPPED_INDICATORS_CSV};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The national indicators' names, as the shipped table gives them.
fn national() -> &'static BTreeSet<String> {
    static NATIONAL: OnceLock<BTreeSet<String>> = OnceLock::new();
    NATIONAL.get_or_init(|| {
        read_indicator_file(SHIPPED_INDICATORS_CSV)
            .map(|file| file.observations.into_keys().collect())
            .unwrap_or_default()
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let national = national();
    let Ok((_, file)) = aiguillage_interop::fragility::read_local_upload(data.to_vec(), |key| {
        national.contains(key)
    }) else {
        return;
    };
    let codes: Vec<String> = file
        .observations
        .values()
        .flat_map(|values| values.keys().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let choices: Vec<IndicatorChoice> = file
        .observations
        .keys()
        .enumerate()
        .map(|(i, key)| IndicatorChoice {
            key: key.clone(),
            direction: if i % 2 == 0 {
                Direction::HigherIsMoreFragile
            } else {
                Direction::LowerIsMoreFragile
            },
            weight: 1.0 + i as f64,
        })
        .collect();
    for method in [Method::Ranks2023, Method::Deciles2021] {
        let _ = compute(&codes, &file.observations, &choices, method);
    }
});
