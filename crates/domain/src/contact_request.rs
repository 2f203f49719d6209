//! The lifecycle of a contact request left after a public self-diagnostic: waiting in the
//! territory's queue (every professional of the territory sees it), taken by one structure (only
//! that structure sees it from then on), then closed by it — converted into an enrolment or closed
//! without follow-up — which erases it, leaving an anonymous count only. A request nobody takes,
//! or that its structure never closes, is erased after [`CONTACT_REQUEST_LIFETIME_DAYS`].

use crate::UnixSeconds;

/// How long a contact request is kept: this many days after it was left if no structure takes it,
/// or after it was taken if that structure does not close it sooner.
pub const CONTACT_REQUEST_LIFETIME_DAYS: i64 = 90;

/// The oldest creation time (untaken) or taking time (taken) still kept at `now`: a request left
/// or taken at or before it is erased.
pub fn contact_request_cutoff(now: UnixSeconds) -> UnixSeconds {
    crate::calendar::days_before(now, CONTACT_REQUEST_LIFETIME_DAYS)
}

labelled_enum! {
    /// How the structure that took a request closes it; its code is the form's value and names the
    /// anonymous count it leaves.
    ContactRequestClosing {
        Enrolled = "inscrite" => "Personne inscrite dans notre structure",
        NoFollowUp = "sans_suite" => "Close sans suite",
    }
}

impl ContactRequestClosing {
    /// The anonymous count it leaves (`anonymous_counts.fact`).
    pub fn counted_fact(self) -> String {
        format!("demande_contact_close:{}", self.code())
    }
}

/// The anonymous count an expired request leaves.
pub const EXPIRED_FACT: &str = "demande_contact_expiree";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closings_read_back_from_their_codes() {
        for closing in ContactRequestClosing::ALL {
            assert_eq!(
                ContactRequestClosing::from_code(closing.code()),
                Some(*closing)
            );
        }
        assert_eq!(ContactRequestClosing::from_code("inconnue"), None);
    }

    #[test]
    fn a_request_is_kept_ninety_days() {
        let left = 1_000_000_000;
        assert!(left > contact_request_cutoff(left + 89 * crate::calendar::DAY));
        assert!(left <= contact_request_cutoff(left + 90 * crate::calendar::DAY));
    }
}
