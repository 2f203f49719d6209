//! The referral ("orientation") state machine: which event may move a referral from which state, and
//! who may cause it. Impossible transitions are refused with a French message; the storage layer adds
//! dates, authors and optimistic versioning around it.

use crate::UnixSeconds;
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// Where a referral stands.
    ReferralState {
        Draft = "draft" => "Brouillon",
        Sent = "sent" => "Envoyée",
        Accepted = "accepted" => "Acceptée",
        Refused = "refused" => "Refusée",
        Redirected = "redirected" => "Réorientée",
        FirstContact = "first_contact" => "Premier contact fait",
        InPathway = "in_pathway" => "En parcours",
        Closed = "closed" => "Close",
    }
}

labelled_enum! {
    /// Why a receiving structure refuses.
    RefusalReason {
        NoCapacity = "no_capacity" => "Plus de place disponible",
        NeedNotCovered = "need_not_covered" => "Besoin non couvert par l'offre",
        AudienceNotServed = "audience_not_served" => "Public non accueilli",
        OutOfArea = "out_of_area" => "Hors de notre secteur",
        SupportNotAvailable = "support_not_available" => "Prise en charge spécifique impossible",
        Other = "other" => "Autre motif",
    }
}

labelled_enum! {
    /// How a referral ends.
    ClosingOutcome {
        Autonomous = "autonomous" => "Autonomie atteinte",
        HelpedOnBehalf = "helped_on_behalf" => "Démarche faite pour la personne",
        SentElsewhere = "sent_elsewhere" => "Orientée ailleurs",
        DroppedOut = "dropped_out" => "Abandon",
        Unreachable = "unreachable" => "Injoignable",
        MovedAway = "moved_away" => "A déménagé",
    }
}

labelled_enum! {
    /// The kind of an event, as the history names it (its refusal reason or closing outcome aside).
    ReferralEventKind {
        Send = "send" => "Envoi",
        Accept = "accept" => "Acceptation",
        Refuse = "refuse" => "Refus",
        Redirect = "redirect" => "Réorientation vers une autre offre",
        UndoRedirect = "undo_redirect" => "Annulation d'une redistribution",
        RecordFirstContact = "first_contact" => "Premier contact",
        StartPathway = "start_pathway" => "Début du parcours",
        Close = "close" => "Clôture",
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
    /// The coordinator takes back a redistribution nobody acted on yet: the referral returns to the
    /// offer and the state it had before.
    UndoRedirect {
        offer_id: i64,
        state: ReferralState,
    },
}

impl ReferralEvent {
    /// The event's kind (stored by its code).
    pub fn kind(&self) -> ReferralEventKind {
        match self {
            ReferralEvent::Send => ReferralEventKind::Send,
            ReferralEvent::Accept => ReferralEventKind::Accept,
            ReferralEvent::Refuse { .. } => ReferralEventKind::Refuse,
            ReferralEvent::Redirect { .. } => ReferralEventKind::Redirect,
            ReferralEvent::RecordFirstContact => ReferralEventKind::RecordFirstContact,
            ReferralEvent::StartPathway => ReferralEventKind::StartPathway,
            ReferralEvent::Close { .. } => ReferralEventKind::Close,
            ReferralEvent::UndoRedirect { .. } => ReferralEventKind::UndoRedirect,
        }
    }

    /// The reason of a refusal.
    pub fn refusal_reason(&self) -> Option<RefusalReason> {
        match self {
            ReferralEvent::Refuse { reason } => Some(*reason),
            _ => None,
        }
    }

    /// The outcome of a closing.
    pub fn outcome(&self) -> Option<ClosingOutcome> {
        match self {
            ReferralEvent::Close { outcome } => Some(*outcome),
            _ => None,
        }
    }

    /// The event in French, for the history (« Refus : Plus de place disponible »).
    pub fn label(&self) -> String {
        event_text(self.kind(), self.refusal_reason(), self.outcome())
    }
}

/// The history's text of an event, from what the store keeps of it: its kind, followed by the
/// refusal reason or the closing outcome it names (« Clôture : Abandon »).
pub fn event_text(
    kind: ReferralEventKind,
    reason: Option<RefusalReason>,
    outcome: Option<ClosingOutcome>,
) -> String {
    let detail = match kind {
        ReferralEventKind::Refuse => reason.map(RefusalReason::label),
        ReferralEventKind::Close => outcome.map(ClosingOutcome::label),
        _ => None,
    };
    match detail {
        Some(detail) => format!("{} : {detail}", kind.label()),
        None => kind.label().to_owned(),
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

/// What a referral's state means, decided here once for the pages, the queue, the redistribution and
/// the SQL lists (`ReferralState::all_where`).
impl ReferralState {
    /// Sent or redirected: waits for the receiving structure's answer.
    pub fn awaits_answer(self) -> bool {
        matches!(self, ReferralState::Sent | ReferralState::Redirected)
    }

    /// Waits for the receiving structure within a target delay (`delays::lateness`): its answer
    /// (sent, redirected) or, once accepted, the first contact. The reminders look at these.
    pub fn awaits_receiver(self) -> bool {
        self.awaits_answer() || self == ReferralState::Accepted
    }

    /// Closed, or refused by its receiving structure: over for that structure (only the sender or the
    /// coordinator may still send it elsewhere, to another structure).
    pub fn has_ended(self) -> bool {
        matches!(self, ReferralState::Closed | ReferralState::Refused)
    }

    /// Sent and not ended: it takes (or asks for) a place of its offer.
    pub fn holds_a_place(self) -> bool {
        self != ReferralState::Draft && !self.has_ended()
    }

    /// What comes next, in plain French, as the sending professional reads it on the person's file.
    pub fn next_step_for_sender(self) -> &'static str {
        match self {
            ReferralState::Draft => "À envoyer.",
            ReferralState::Sent => "La structure destinataire doit l'accepter ou la refuser.",
            ReferralState::Redirected => {
                "Réorientée : la nouvelle structure doit l'accepter ou la refuser."
            }
            ReferralState::Accepted => "Acceptée : la structure va appeler la personne.",
            ReferralState::FirstContact => "Personne contactée : l'accompagnement va commencer.",
            ReferralState::InPathway => "Accompagnement en cours.",
            ReferralState::Refused => "Refusée : à réorienter vers une autre offre.",
            ReferralState::Closed => "Terminée.",
        }
    }

    /// Accepted by its receiving structure, since or later (closed included): that structure follows
    /// the person and, with their consent to share, sees their file and re-runs the diagnostic
    /// (within [`RECEIVER_ACCESS_AFTER_END_DAYS`] of a closing).
    pub fn followed_by_receiver(self) -> bool {
        matches!(
            self,
            ReferralState::Accepted
                | ReferralState::FirstContact
                | ReferralState::InPathway
                | ReferralState::Closed
        )
    }

    /// What comes next, in plain French, as the receiving structure reads it on the person's file.
    pub fn next_step_for_receiver(self) -> &'static str {
        match self {
            ReferralState::Draft => "Pas encore envoyée.",
            ReferralState::Sent | ReferralState::Redirected => "À accepter ou à refuser.",
            ReferralState::Accepted => "Appeler la personne, puis noter le premier contact.",
            ReferralState::FirstContact => "Enregistrer la première séance.",
            ReferralState::InPathway => {
                "Enregistrer les séances, refaire le diagnostic pour mesurer les progrès, puis clore."
            }
            ReferralState::Refused => "Refusée par votre structure.",
            ReferralState::Closed => "Terminée.",
        }
    }

    /// First contact made or in pathway: the receiving structure records sessions.
    pub fn accepts_sessions(self) -> bool {
        matches!(self, ReferralState::FirstContact | ReferralState::InPathway)
    }

    /// The states for which `predicate` holds, in declaration order (for SQL `IN` lists).
    pub fn all_where(predicate: fn(ReferralState) -> bool) -> Vec<ReferralState> {
        ReferralState::ALL
            .iter()
            .copied()
            .filter(|state| predicate(*state))
            .collect()
    }
}

/// How long the receiving structure keeps access to a referred person once the referral has ended
/// (closed, or refused by that structure): 90 days, the "3 months" of DATA-PROTECTION.md and of the
/// sharing consent. After that the referral, the person's data through it and its pathway are "not
/// found" for the receiving structure; the enrolling structure keeps its record.
pub const RECEIVER_ACCESS_AFTER_END_DAYS: i64 = 90;

/// The oldest end time (`state_changed_at` of an ended referral) the receiving structure still sees
/// at `now`: a referral that ended at or before it is out of the receiver's reach.
pub fn receiver_access_cutoff(now: UnixSeconds) -> UnixSeconds {
    crate::calendar::days_before(now, RECEIVER_ACCESS_AFTER_END_DAYS)
}

/// Whether the receiving structure may still see a referral in `state` since `state_changed_at`.
pub fn receiver_keeps_access(
    state: ReferralState,
    state_changed_at: UnixSeconds,
    now: UnixSeconds,
) -> bool {
    !state.has_ended() || state_changed_at > receiver_access_cutoff(now)
}

/// The states a referral may be redirected from (and returned to when a redistribution is undone).
const REDIRECTED_FROM: &[ReferralState] = &[
    ReferralState::Sent,
    ReferralState::Refused,
    ReferralState::Redirected,
    ReferralState::Accepted,
];

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
            REDIRECTED_FROM,
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
        ReferralEvent::UndoRedirect { state: before, .. } => (
            if REDIRECTED_FROM.contains(before) {
                &[S::Redirected]
            } else {
                &[]
            },
            *before,
            &[Side::Coordinator],
            "au coordinateur",
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
    // Until it accepts, the receiving structure answers (accept or refuse) rather than closes; once
    // it refused, only the sender decides between re-orienting and closing.
    let unanswered = matches!(state, S::Sent | S::Redirected | S::Refused);
    if matches!(event, ReferralEvent::Close { .. }) && side == Side::Receiver && unanswered {
        return Err(TransitionError::NotYourSide {
            event: event.label(),
            who: "au prescripteur tant que l'orientation n'est pas acceptée",
        });
    }
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_receiver_keeps_an_ended_referral_for_ninety_days_only() {
        let ended_at = 1_000_000_000;
        let day = crate::calendar::DAY;
        for state in [ReferralState::Closed, ReferralState::Refused] {
            assert!(receiver_keeps_access(state, ended_at, ended_at + 89 * day));
            assert!(!receiver_keeps_access(state, ended_at, ended_at + 90 * day));
        }
        for state in [
            ReferralState::Sent,
            ReferralState::InPathway,
            ReferralState::Redirected,
        ] {
            assert!(receiver_keeps_access(state, ended_at, ended_at + 400 * day));
        }
    }

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
    fn only_the_coordinator_undoes_a_redistribution_nobody_answered_yet() {
        let undo = |state| ReferralEvent::UndoRedirect { offer_id: 3, state };
        for before in [
            ReferralState::Refused,
            ReferralState::Sent,
            ReferralState::Accepted,
        ] {
            assert_eq!(
                transition(ReferralState::Redirected, &undo(before), Side::Coordinator),
                Ok(before)
            );
        }
        // Once the new structure answered, or back to a state never redirected from: refused.
        assert!(transition(
            ReferralState::Accepted,
            &undo(ReferralState::Refused),
            Side::Coordinator
        )
        .is_err());
        assert!(transition(
            ReferralState::Redirected,
            &undo(ReferralState::InPathway),
            Side::Coordinator
        )
        .is_err());
        assert!(transition(
            ReferralState::Redirected,
            &undo(ReferralState::Refused),
            Side::Sender
        )
        .is_err());
        assert_eq!(
            undo(ReferralState::Refused).label(),
            "Annulation d'une redistribution"
        );
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
        assert!(redirected.awaits_answer());
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
        // Send 1, Accept 2, Refuse 2, Redirect 4×2, First contact 1, Start 1, Close 6 for the
        // sender and 3 for the receiver (accepted, first contact, in pathway).
        assert_eq!(allowed, 1 + 2 + 2 + 8 + 1 + 1 + 6 + 3);
        let closed_is_final = events.iter().all(|event| {
            [Side::Sender, Side::Receiver, Side::Coordinator]
                .into_iter()
                .all(|side| transition(ReferralState::Closed, event, side).is_err())
        });
        assert!(closed_is_final);
    }

    #[test]
    fn the_history_names_events_as_before_codes_existed() {
        let texts: Vec<String> = [
            ReferralEvent::Send,
            ReferralEvent::Accept,
            ReferralEvent::Refuse {
                reason: RefusalReason::NoCapacity,
            },
            ReferralEvent::Redirect { offer_id: 3 },
            ReferralEvent::RecordFirstContact,
            ReferralEvent::StartPathway,
            ReferralEvent::Close {
                outcome: ClosingOutcome::DroppedOut,
            },
        ]
        .iter()
        .map(ReferralEvent::label)
        .collect();
        assert_eq!(
            texts,
            [
                "Envoi",
                "Acceptation",
                "Refus : Plus de place disponible",
                "Réorientation vers une autre offre",
                "Premier contact",
                "Début du parcours",
                "Clôture : Abandon",
            ]
        );
        // What the store keeps (kind, reason, outcome) gives the same text back.
        let refusal = ReferralEvent::Refuse {
            reason: RefusalReason::OutOfArea,
        };
        assert_eq!(
            event_text(refusal.kind(), refusal.refusal_reason(), refusal.outcome()),
            "Refus : Hors de notre secteur"
        );
        // A refusal stored without its reason (written before reasons had a column) is named alone.
        assert_eq!(event_text(ReferralEventKind::Refuse, None, None), "Refus");
    }

    #[test]
    fn each_state_has_one_meaning_for_pages_queue_and_sql() {
        use ReferralState as S;
        assert_eq!(
            ReferralState::all_where(ReferralState::awaits_answer),
            [S::Sent, S::Redirected]
        );
        assert_eq!(
            ReferralState::all_where(ReferralState::awaits_receiver),
            [S::Sent, S::Accepted, S::Redirected]
        );
        assert_eq!(
            ReferralState::all_where(ReferralState::has_ended),
            [S::Refused, S::Closed]
        );
        assert_eq!(
            ReferralState::all_where(ReferralState::holds_a_place),
            [
                S::Sent,
                S::Accepted,
                S::Redirected,
                S::FirstContact,
                S::InPathway
            ]
        );
        assert_eq!(
            ReferralState::all_where(ReferralState::accepts_sessions),
            [S::FirstContact, S::InPathway]
        );
    }
}
