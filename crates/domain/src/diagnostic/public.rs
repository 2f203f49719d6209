//! The profile as the JSON API shows it (`/api/v1/personnes/{id}/profil` and the answer to a
//! submitted diagnostic): the same fields as [`Profile`], every coded value by its French label —
//! the API's documented form — whatever form the store keeps (codes, see `labelled`).

use super::{AutonomyLevel, Profile, ProfileOverride, Requirements, ServiceNeed};
use crate::calendar::Date;
use serde::Serialize;

/// A [`Profile`] with labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicProfile {
    pub domains: Vec<PublicDomainResult>,
    pub overall_percent: u32,
    pub overall: &'static str,
    pub overall_reasons: Vec<String>,
    pub typology: &'static str,
    pub typology_reason: String,
    pub help: Vec<PublicHelpStep>,
    /// The places standard's services (already its labels).
    pub services: Vec<ServiceNeed>,
    /// The places standard's specific supports (already its labels), distance and remote help.
    pub requirements: Requirements,
    pub urgency: Option<PublicUrgency>,
}

/// A [`super::DomainResult`] with labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicDomainResult {
    pub domain: &'static str,
    pub percent: u32,
    pub level: &'static str,
    pub reason: String,
}

/// A [`super::HelpStep`] with its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicHelpStep {
    pub help: &'static str,
    pub reason: String,
}

/// A [`super::UrgencySummary`] with labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicUrgency {
    pub organisation: &'static str,
    pub kind: &'static str,
    pub deadline: Date,
    pub days_left: i64,
    pub very_urgent: bool,
}

/// A [`ProfileOverride`] with labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicOverride {
    pub typology: Option<&'static str>,
    pub help: Option<&'static str>,
    pub reason: String,
}

impl From<&Profile> for PublicProfile {
    fn from(profile: &Profile) -> PublicProfile {
        PublicProfile {
            domains: profile
                .domains
                .iter()
                .map(|result| PublicDomainResult {
                    domain: result.domain.label(),
                    percent: result.percent,
                    level: result.level.label(),
                    reason: result.reason.clone(),
                })
                .collect(),
            overall_percent: profile.overall_percent,
            overall: AutonomyLevel::label(profile.overall),
            overall_reasons: profile.overall_reasons.clone(),
            typology: profile.typology.label(),
            typology_reason: profile.typology_reason.clone(),
            help: profile
                .help
                .iter()
                .map(|step| PublicHelpStep {
                    help: step.help.label(),
                    reason: step.reason.clone(),
                })
                .collect(),
            services: profile.services.clone(),
            requirements: profile.requirements.clone(),
            urgency: profile.urgency.as_ref().map(|urgency| PublicUrgency {
                organisation: urgency.organisation.label(),
                kind: urgency.kind.label(),
                deadline: urgency.deadline,
                days_left: urgency.days_left,
                very_urgent: urgency.very_urgent,
            }),
        }
    }
}

impl From<&ProfileOverride> for PublicOverride {
    fn from(decision: &ProfileOverride) -> PublicOverride {
        PublicOverride {
            typology: decision.typology.map(|typology| typology.label()),
            help: decision.help.map(|help| help.label()),
            reason: decision.reason.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::*;
    use crate::labelled::Coded;
    use serde_json::Value;
    use time::macros::date;

    /// Every (code, label) pair of the enumerations a profile holds.
    fn pairs() -> Vec<(&'static str, &'static str)> {
        fn of<T: Coded>() -> Vec<(&'static str, &'static str)> {
            T::all().iter().map(|v| (v.code(), v.label())).collect()
        }
        [
            of::<SkillDomain>(),
            of::<AutonomyLevel>(),
            of::<Typology>(),
            of::<RecommendedHelp>(),
            of::<ProcedureOrganisation>(),
            of::<ProcedureKind>(),
        ]
        .concat()
    }

    /// The two documents have the same shape, and where they differ the stored one holds a code and
    /// the public one its label.
    fn same_but_labelled(stored: &Value, public: &Value, path: &str) {
        match (stored, public) {
            (Value::Object(a), Value::Object(b)) => {
                let keys =
                    |o: &serde_json::Map<String, Value>| o.keys().cloned().collect::<Vec<_>>();
                assert_eq!(keys(a), keys(b), "fields of {path}");
                for (key, value) in a {
                    same_but_labelled(value, &b[key], &format!("{path}.{key}"));
                }
            }
            (Value::Array(a), Value::Array(b)) => {
                assert_eq!(a.len(), b.len(), "length of {path}");
                for (index, (x, y)) in a.iter().zip(b).enumerate() {
                    same_but_labelled(x, y, &format!("{path}[{index}]"));
                }
            }
            (Value::String(code), Value::String(label)) if code != label => {
                assert!(
                    pairs().contains(&(code.as_str(), label.as_str())),
                    "{path}: « {label} » is not the label of code {code}"
                );
            }
            (a, b) => assert_eq!(a, b, "{path}"),
        }
    }

    fn urgent_answers() -> Answers {
        Answers {
            equipment: vec![Equipment::Smartphone],
            skills: vec![(SkillDomain::UsingDevice, SkillAnswer::WithHelp)],
            detailed: vec![],
            french_reading: LiteracyLevel::Comfortable,
            french_writing: LiteracyLevel::WithDifficulty,
            languages: vec![Language::French],
            support_needs: vec![],
            travel_range: TravelRange::UpTo5Km,
            travel_modes: vec![TravelMode::Walking],
            accepts_remote: true,
            availability: vec![Availability::Saturday],
            willingness: Willingness::Yes,
            levers: vec![Lever::Job],
            urgency: Some(Urgency {
                organisation: ProcedureOrganisation::Caf,
                kind: ProcedureKind::Renew,
                deadline: date!(2026 - 12 - 01),
            }),
            notes: None,
        }
    }

    #[test]
    fn the_public_profile_is_the_profile_with_labels_for_codes() {
        let computed = profile(&urgent_answers(), date!(2026 - 11 - 23));
        assert!(computed.urgency.is_some() && !computed.help.is_empty());
        let stored = serde_json::to_value(&computed).expect("profile");
        let public = serde_json::to_value(PublicProfile::from(&computed)).expect("public");
        same_but_labelled(&stored, &public, "profil");
        assert_eq!(stored["typology"], computed.typology.code());
        assert_eq!(public["typology"], computed.typology.label());
        assert_eq!(public["urgency"]["organisation"], "CAF ou MSA");

        let decision = ProfileOverride {
            typology: Some(Typology::Autonomous),
            help: None,
            reason: "Vue en entretien".into(),
        };
        same_but_labelled(
            &serde_json::to_value(&decision).expect("override"),
            &serde_json::to_value(PublicOverride::from(&decision)).expect("public"),
            "ajustement",
        );
    }

    #[test]
    fn documents_written_with_labels_still_read() {
        let computed = profile(&urgent_answers(), date!(2026 - 11 - 23));
        let labelled = serde_json::to_string(&PublicProfile::from(&computed)).expect("public");
        let read: Profile = serde_json::from_str(&labelled).expect("labels read through the alias");
        assert_eq!(read, computed);
    }
}
