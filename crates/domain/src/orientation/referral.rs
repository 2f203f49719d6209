//! The referral ("orientation") state machine: which event may move a referral from which state, and
//! who may cause it. Impossible transitions are refused with a French message; the storage layer adds
//! dates, authors and optimistic versioning around it.

use serde::{Deserialize, Serialize};

labelled_enum! {
    /// Where a referral stands.
    ReferralState {
        Draft => "Brouillon",
        Sent => "Envoyée",
        Accepted => "Acceptée",
        Refused => "Refusée",
        Redirected => "Réorientée",
        FirstContact => "Premier contact fait",
        InPathway => "En parcours",
        Closed => "Close",
    }
}

labelled_enum! {
    /// Why a receiving structure refuses.
    RefusalReason {
        NoCapacity => "Plus de place disponible",
        NeedNotCovered => "Besoin non couvert par l'offre",
        AudienceNotServed => "Public non accueilli",
        OutOfArea => "Hors de notre secteur",
        SupportNotAvailable => "Prise en charge spécifique impossible",
        Other => "Autre motif",
    }
}

labelled_enum! {
    /// How a referral ends.
    ClosingOutcome {
        Autonomous => "Autonomie atteinte",
        HelpedOnBehalf => "Démarche faite pour la personne",
        SentElsewhere => "Orientée ailleurs",
        DroppedOut => "Abandon",
        Unreachable => "Injoignable",
        MovedAway => "A déménagé",
    }
}

/// Which side of the referral acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    /// The prescriber's structure, which sent it.
    Sender,
    /// The structure of the offer it was sent to.
    Receiver,
    /// The territorial coordinator.
    Coordinator,
}

/// Something that happens to a referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReferralEvent {
    Send,
    Accept,
    Refuse {
        reason: RefusalReason,
    },
    /// Sent on to another offer (by the sender after a refusal, or by the coordinator).
    Redirect {
        offer_id: i64,
    },
    RecordFirstContact,
    StartPathway,
    Close {
        outcome: ClosingOutcome,
    },
}

impl ReferralEvent {
    /// The event in French, for the history.
    pub fn label(&self) -> String {
        match self {
            ReferralEvent::Send => "Envoi".to_owned(),
            ReferralEvent::Accept => "Acceptation".to_owned(),
            ReferralEvent::Refuse { reason } => format!("Refus : {}", reason.label()),
            ReferralEvent::Redirect { .. } => "Réorientation vers une autre offre".to_owned(),
            ReferralEvent::RecordFirstContact => "Premier contact".to_owned(),
            ReferralEvent::StartPathway => "Début du parcours".to_owned(),
            ReferralEvent::Close { outcome } => format!("Clôture : {}", outcome.label()),
        }
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("Impossible depuis l'état « {state} » : {event}.")]
    NotFromState { state: &'static str, event: String },
    #[error("{event} : réservé {who}.")]
    NotYourSide { event: String, who: &'static str },
}

/// Whether the referral waits for the receiving structure's answer.
pub fn awaits_answer(state: ReferralState) -> bool {
    matches!(state, ReferralState::Sent | ReferralState::Redirected)
}

/// The state after `event`, if `side` may cause it from `state`.
pub fn transition(
    state: ReferralState,
    event: &ReferralEvent,
    side: Side,
) -> Result<ReferralState, TransitionError> {
    use ReferralState as S;
    let (allowed_from, to, sides, who): (&[S], S, &[Side], &'static str) = match event {
        ReferralEvent::Send => (&[S::Draft], S::Sent, &[Side::Sender], "au prescripteur"),
        ReferralEvent::Accept => (
            &[S::Sent, S::Redirected],
            S::Accepted,
            &[Side::Receiver],
            "à la structure destinataire",
        ),
        ReferralEvent::Refuse { .. } => (
            &[S::Sent, S::Redirected],
            S::Refused,
            &[Side::Receiver],
            "à la structure destinataire",
        ),
        ReferralEvent::Redirect { .. } => (
            &[S::Sent, S::Refused, S::Redirected, S::Accepted],
            S::Redirected,
            &[Side::Sender, Side::Coordinator],
            "au prescripteur ou au coordinateur",
        ),
        ReferralEvent::RecordFirstContact => (
            &[S::Accepted],
            S::FirstContact,
            &[Side::Receiver],
            "à la structure destinataire",
        ),
        ReferralEvent::StartPathway => (
            &[S::FirstContact],
            S::InPathway,
            &[Side::Receiver],
            "à la structure destinataire",
        ),
        ReferralEvent::Close { .. } => (
            &[
                S::Sent,
                S::Accepted,
                S::Refused,
                S::Redirected,
                S::FirstContact,
                S::InPathway,
            ],
            S::Closed,
            &[Side::Sender, Side::Receiver],
            "au prescripteur ou à la structure destinataire",
        ),
    };
    if !allowed_from.contains(&state) {
        return Err(TransitionError::NotFromState {
            state: state.label(),
            event: event.label().to_lowercase(),
        });
    }
    if !sides.contains(&side) {
        return Err(TransitionError::NotYourSide {
            event: event.label(),
            who,
        });
    }
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_life_of_a_referral() {
        let mut state = ReferralState::Draft;
        for (event, side) in [
            (ReferralEvent::Send, Side::Sender),
            (ReferralEvent::Accept, Side::Receiver),
            (ReferralEvent::RecordFirstContact, Side::Receiver),
            (ReferralEvent::StartPathway, Side::Receiver),
            (
                ReferralEvent::Close {
                    outcome: ClosingOutcome::Autonomous,
                },
                Side::Receiver,
            ),
        ] {
            state = transition(state, &event, side).expect("allowed");
        }
        assert_eq!(state, ReferralState::Closed);
    }

    #[test]
    fn a_refused_referral_is_redirected_then_accepted_elsewhere() {
        let refused = transition(
            ReferralState::Sent,
            &ReferralEvent::Refuse {
                reason: RefusalReason::NoCapacity,
            },
            Side::Receiver,
        )
        .expect("refuse");
        let redirected = transition(
            refused,
            &ReferralEvent::Redirect { offer_id: 7 },
            Side::Coordinator,
        )
        .expect("redirect");
        assert!(awaits_answer(redirected));
        assert_eq!(
            transition(redirected, &ReferralEvent::Accept, Side::Receiver),
            Ok(ReferralState::Accepted)
        );
    }

    #[test]
    fn impossible_transitions_are_refused_with_a_message() {
        let error = transition(
            ReferralState::Closed,
            &ReferralEvent::Accept,
            Side::Receiver,
        )
        .expect_err("closed");
        assert_eq!(
            error.to_string(),
            "Impossible depuis l'état « Close » : acceptation."
        );
        let error = transition(ReferralState::Sent, &ReferralEvent::Accept, Side::Sender)
            .expect_err("sender cannot accept");
        assert_eq!(
            error.to_string(),
            "Acceptation : réservé à la structure destinataire."
        );
        assert!(transition(
            ReferralState::Sent,
            &ReferralEvent::RecordFirstContact,
            Side::Receiver
        )
        .is_err());
    }

    #[test]
    fn every_state_and_event_pair_is_decided_without_panicking() {
        let events = [
            ReferralEvent::Send,
            ReferralEvent::Accept,
            ReferralEvent::Refuse {
                reason: RefusalReason::Other,
            },
            ReferralEvent::Redirect { offer_id: 1 },
            ReferralEvent::RecordFirstContact,
            ReferralEvent::StartPathway,
            ReferralEvent::Close {
                outcome: ClosingOutcome::DroppedOut,
            },
        ];
        let mut allowed = 0;
        for state in ReferralState::ALL {
            for event in &events {
                for side in [Side::Sender, Side::Receiver, Side::Coordinator] {
                    if transition(*state, event, side).is_ok() {
                        allowed += 1;
                    }
                }
            }
        }
        // Send 1, Accept 2, Refuse 2, Redirect 4×2, First contact 1, Start 1, Close 6×2.
        assert_eq!(allowed, 1 + 2 + 2 + 8 + 1 + 1 + 12);
        let closed_is_final = events.iter().all(|event| {
            [Side::Sender, Side::Receiver, Side::Coordinator]
                .into_iter()
                .all(|side| transition(ReferralState::Closed, event, side).is_err())
        });
        assert!(closed_is_final);
    }
}
