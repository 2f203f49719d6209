//! A structure's team: which roles an actor may grant (a structure manager: prescriber, mediator,
//! structure manager; a coordinator: structure manager, for a structure of their territory; nobody
//! grants coordinator, administrator or sponsor), how long an invitation link is good (72 hours),
//! the state of an invitation at a given time, and the rule that keeps at least one manager.

use crate::role::Role;
use crate::UnixSeconds;

/// An invitation link is good for 72 hours.
pub const INVITATION_LIFETIME_SECONDS: i64 = 72 * 3600;

/// The roles `actor` may grant in a structure's team, in the order the forms list them.
pub fn grantable_roles(actor: Role) -> &'static [Role] {
    match actor {
        Role::StructureManager => &[Role::Prescriber, Role::Mediator, Role::StructureManager],
        Role::Coordinator => &[Role::StructureManager],
        Role::Prescriber | Role::Mediator | Role::Administrator | Role::Sponsor => &[],
    }
}

/// Whether `actor` may grant `role`.
pub fn may_grant(actor: Role, role: Role) -> bool {
    grantable_roles(actor).contains(&role)
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    /// Waiting for its acceptance, still in time.
    Pending,
    /// Accepted: the link has served.
    Used,
    /// Cancelled by whoever may manage the team.
    Cancelled,
    /// Past its 72 hours without being used.
    Expired,
}

impl InvitationState {
    /// The state of an invitation from its dates, at `now`; a used or cancelled invitation stays so.
    pub fn at(
        used_at: Option<UnixSeconds>,
        cancelled_at: Option<UnixSeconds>,
        expires_at: UnixSeconds,
        now: UnixSeconds,
    ) -> InvitationState {
        if used_at.is_some() {
            InvitationState::Used
        } else if cancelled_at.is_some() {
            InvitationState::Cancelled
        } else if now >= expires_at {
            InvitationState::Expired
        } else {
            InvitationState::Pending
        }
    }

    /// Why the link no longer works, in French (`None` while it does).
    pub fn refusal(self) -> Option<&'static str> {
        match self {
            InvitationState::Pending => None,
            InvitationState::Used => Some(
                "Cette invitation a déjà servi : un lien d'invitation ne fonctionne qu'une fois. Connectez-vous avec votre compte.",
            ),
            InvitationState::Cancelled => Some(
                "Cette invitation a été annulée par le responsable de la structure. Demandez-lui une nouvelle invitation si besoin.",
            ),
            InvitationState::Expired => Some(
                "Cette invitation a expiré : un lien d'invitation est valable 72 heures. Demandez au responsable de la structure de vous inviter à nouveau.",
            ),
        }
    }
}

/// Why a change of the team would leave the structure without a manager, if it would: a manager
/// neither leaves nor loses the role when they are the structure's last one (the team would have
/// nobody to manage it but the coordinator). `managers` counts the structure's managers now;
/// `target_is_manager` says whether the member changed is one of them; `new_role` is the role they
/// keep (`None` when they are removed).
pub fn leaves_no_manager(managers: usize, target_is_manager: bool, new_role: Option<Role>) -> bool {
    target_is_manager && managers <= 1 && new_role != Some(Role::StructureManager)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manager_grants_the_structure_roles_and_never_the_territory_or_instance_ones() {
        for role in [Role::Prescriber, Role::Mediator, Role::StructureManager] {
            assert!(may_grant(Role::StructureManager, role), "{role}");
        }
        for role in [Role::Coordinator, Role::Administrator, Role::Sponsor] {
            assert!(!may_grant(Role::StructureManager, role), "{role}");
        }
    }

    #[test]
    fn a_coordinator_grants_only_the_structure_manager_role() {
        assert_eq!(
            grantable_roles(Role::Coordinator),
            &[Role::StructureManager]
        );
    }

    #[test]
    fn the_other_roles_grant_nothing() {
        for actor in [
            Role::Prescriber,
            Role::Mediator,
            Role::Administrator,
            Role::Sponsor,
        ] {
            for role in Role::ALL {
                assert!(!may_grant(actor, role), "{actor} grants {role}");
            }
        }
    }

    #[test]
    fn an_invitation_is_pending_72_hours_then_expired_and_used_or_cancelled_for_good() {
        let sent = 1_000_000;
        let expires = sent + INVITATION_LIFETIME_SECONDS;
        assert_eq!(
            InvitationState::at(None, None, expires, sent),
            InvitationState::Pending
        );
        assert_eq!(
            InvitationState::at(None, None, expires, expires - 1),
            InvitationState::Pending
        );
        assert_eq!(
            InvitationState::at(None, None, expires, expires),
            InvitationState::Expired
        );
        assert_eq!(
            InvitationState::at(Some(sent + 5), None, expires, expires + 10),
            InvitationState::Used
        );
        assert_eq!(
            InvitationState::at(None, Some(sent + 5), expires, sent + 6),
            InvitationState::Cancelled
        );
        assert!(InvitationState::Pending.refusal().is_none());
        assert!(InvitationState::Expired
            .refusal()
            .is_some_and(|m| m.contains("72 heures")));
    }

    #[test]
    fn the_last_manager_neither_leaves_nor_loses_the_role() {
        assert!(leaves_no_manager(1, true, None));
        assert!(leaves_no_manager(1, true, Some(Role::Mediator)));
        assert!(!leaves_no_manager(1, true, Some(Role::StructureManager)));
        assert!(!leaves_no_manager(2, true, None));
        assert!(!leaves_no_manager(1, false, None));
    }
}
