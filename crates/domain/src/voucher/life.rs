//! A voucher's life and the rules of each step: printed (issued) in a book, the book allocated to a
//! prescriber structure, handed to a person, redeemed once by a qualified place, the redemption
//! cancellable by that place within 48 hours; cancelled by the sponsor, or expired past its
//! campaign's end. [`check_redemption`] says why a redemption is refused, in words the place's agent
//! can act on.

use crate::calendar::french_date;
use crate::UnixSeconds;
use time::Date;

labelled_enum! {
    /// Where a voucher stands.
    VoucherState {
        Issued = "issued" => "Imprimé",
        Allocated = "allocated" => "Attribué à un prescripteur",
        Handed = "handed" => "Remis à une personne",
        Redeemed = "redeemed" => "Encaissé",
        Cancelled = "cancelled" => "Annulé",
        Expired = "expired" => "Expiré",
    }
}

labelled_enum! {
    /// Why a place cancels its own redemption: a code, so that nothing typed about a person ends in
    /// the ledger.
    CancellationReason {
        WrongEntry = "wrong_entry" => "Erreur de saisie (mauvais numéro)",
        ServiceNotDelivered = "service_not_delivered" => "Le service n'a finalement pas été rendu",
        WrongCampaign = "wrong_campaign" => "Chèque encaissé sur la mauvaise campagne",
        Other = "other" => "Autre raison",
    }
}

/// How long a place may cancel its own redemption (48 hours).
pub const CANCEL_WINDOW_SECONDS: i64 = 48 * 3600;

/// What the redemption check knows of the voucher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherFacts {
    pub state: VoucherState,
    pub campaign_id: i64,
    pub campaign_name: String,
    pub valid_from: Date,
    pub valid_until: Date,
    pub redeemed_at: Option<UnixSeconds>,
}

/// Why a voucher cannot be redeemed; the message says which check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Aucun chèque ne porte ce numéro. Vérifiez-le, ou demandez à la personne le chèque imprimé.")]
    Unknown,
    #[error("Ce chèque appartient à une autre campagne (« {0} ») : choisissez cette campagne, si votre lieu y est qualifié.")]
    WrongCampaign(String),
    #[error("Votre lieu n'est pas qualifié pour la campagne « {0} » : il ne peut pas encaisser ses chèques. Le coordinateur du territoire qualifie les lieux.")]
    UnqualifiedPlace(String),
    #[error("Ce chèque a été annulé par le financeur : il ne peut plus être encaissé.")]
    Cancelled,
    #[error("Ce chèque a expiré le {0} : il ne peut plus être encaissé.")]
    Expired(String),
    #[error("Ce chèque n'est valable qu'à partir du {0}.")]
    NotYetValid(String),
    #[error("Ce chèque a déjà été encaissé le {0} : un chèque ne s'encaisse qu'une fois.")]
    AlreadyRedeemed(String),
    #[error("Ce chèque n'a pas été remis à une personne : le prescripteur doit enregistrer sa remise avant qu'il soit encaissé (un carnet perdu ou volé ne s'encaisse pas).")]
    NotHanded,
}

/// Checks a redemption at a place, for the campaign the place chose, on `today` (the place's date).
pub fn check_redemption(
    voucher: &VoucherFacts,
    asked_campaign: i64,
    place_qualified: bool,
    today: Date,
    redeemed_on: impl Fn(UnixSeconds) -> String,
) -> Result<(), Refusal> {
    if voucher.campaign_id != asked_campaign {
        return Err(Refusal::WrongCampaign(voucher.campaign_name.clone()));
    }
    if !place_qualified {
        return Err(Refusal::UnqualifiedPlace(voucher.campaign_name.clone()));
    }
    match voucher.state {
        VoucherState::Redeemed => {
            let on = voucher.redeemed_at.map(&redeemed_on).unwrap_or_default();
            return Err(Refusal::AlreadyRedeemed(on));
        }
        VoucherState::Cancelled => return Err(Refusal::Cancelled),
        VoucherState::Expired => return Err(Refusal::Expired(french_date(voucher.valid_until))),
        VoucherState::Issued | VoucherState::Allocated => {}
        VoucherState::Handed => {}
    }
    if today > voucher.valid_until {
        return Err(Refusal::Expired(french_date(voucher.valid_until)));
    }
    if today < voucher.valid_from {
        return Err(Refusal::NotYetValid(french_date(voucher.valid_from)));
    }
    if voucher.state != VoucherState::Handed {
        return Err(Refusal::NotHanded);
    }
    Ok(())
}

/// Why a redemption cannot be cancelled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CancelRefusal {
    #[error("Ce chèque n'est pas encaissé : il n'y a rien à annuler.")]
    NotRedeemed,
    #[error("Seul le lieu qui a encaissé ce chèque peut annuler l'encaissement.")]
    OtherPlace,
    #[error("L'encaissement date de plus de 48 heures : il ne peut plus être annulé ici. Adressez-vous au financeur.")]
    TooLate,
    #[error("Choisissez la raison de l'annulation.")]
    NoReason,
}

/// Checks that `place` may cancel the redemption made at `redeemed_by` at `redeemed_at`, `now`.
pub fn check_cancellation(
    state: VoucherState,
    redeemed: Option<(i64, UnixSeconds)>,
    place: i64,
    reason: Option<CancellationReason>,
    now: UnixSeconds,
) -> Result<(), CancelRefusal> {
    let (Some((by, at)), VoucherState::Redeemed) = (redeemed, state) else {
        return Err(CancelRefusal::NotRedeemed);
    };
    if by != place {
        return Err(CancelRefusal::OtherPlace);
    }
    if now - at > CANCEL_WINDOW_SECONDS {
        return Err(CancelRefusal::TooLate);
    }
    if reason.is_none() {
        return Err(CancelRefusal::NoReason);
    }
    Ok(())
}

/// Whether a voucher in `state` has run past its campaign's last day `valid_until` on `today`
/// (redeemed and cancelled vouchers never expire).
pub fn has_expired(state: VoucherState, valid_until: Date, today: Date) -> bool {
    matches!(
        state,
        VoucherState::Issued | VoucherState::Allocated | VoucherState::Handed
    ) && today > valid_until
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn handed() -> VoucherFacts {
        VoucherFacts {
            state: VoucherState::Handed,
            campaign_id: 1,
            campaign_name: "Pass 2027".into(),
            valid_from: date!(2027 - 01 - 01),
            valid_until: date!(2027 - 12 - 31),
            redeemed_at: None,
        }
    }

    fn check(
        voucher: &VoucherFacts,
        campaign: i64,
        qualified: bool,
        today: Date,
    ) -> Result<(), Refusal> {
        check_redemption(voucher, campaign, qualified, today, |_| "02/03/2027".into())
    }

    #[test]
    fn a_handed_voucher_in_its_dates_at_a_qualified_place_is_redeemed() {
        assert_eq!(check(&handed(), 1, true, date!(2027 - 06 - 01)), Ok(()));
    }

    #[test]
    fn each_refusal_says_which_check_failed() {
        let today = date!(2027 - 06 - 01);
        assert_eq!(
            check(&handed(), 2, true, today),
            Err(Refusal::WrongCampaign("Pass 2027".into()))
        );
        assert_eq!(
            check(&handed(), 1, false, today),
            Err(Refusal::UnqualifiedPlace("Pass 2027".into()))
        );
        let mut redeemed = handed();
        redeemed.state = VoucherState::Redeemed;
        redeemed.redeemed_at = Some(0);
        assert_eq!(
            check(&redeemed, 1, true, today),
            Err(Refusal::AlreadyRedeemed("02/03/2027".into()))
        );
        let mut cancelled = handed();
        cancelled.state = VoucherState::Cancelled;
        assert_eq!(check(&cancelled, 1, true, today), Err(Refusal::Cancelled));
        assert_eq!(
            check(&handed(), 1, true, date!(2028 - 01 - 01)),
            Err(Refusal::Expired("31/12/2027".into()))
        );
        assert_eq!(
            check(&handed(), 1, true, date!(2026 - 12 - 31)),
            Err(Refusal::NotYetValid("01/01/2027".into()))
        );
        let mut allocated = handed();
        allocated.state = VoucherState::Allocated;
        assert_eq!(check(&allocated, 1, true, today), Err(Refusal::NotHanded));
        assert!(Refusal::Expired("31/12/2027".into())
            .to_string()
            .contains("expiré le 31/12/2027"));
    }

    #[test]
    fn a_redemption_is_cancelled_only_by_its_place_within_48_hours_with_a_reason() {
        let redeemed = Some((7, 1_000));
        let ok = check_cancellation(
            VoucherState::Redeemed,
            redeemed,
            7,
            Some(CancellationReason::WrongEntry),
            1_000 + CANCEL_WINDOW_SECONDS,
        );
        assert_eq!(ok, Ok(()));
        assert_eq!(
            check_cancellation(
                VoucherState::Redeemed,
                redeemed,
                7,
                Some(CancellationReason::Other),
                1_001 + CANCEL_WINDOW_SECONDS
            ),
            Err(CancelRefusal::TooLate)
        );
        assert_eq!(
            check_cancellation(
                VoucherState::Redeemed,
                redeemed,
                8,
                Some(CancellationReason::Other),
                1_000
            ),
            Err(CancelRefusal::OtherPlace)
        );
        assert_eq!(
            check_cancellation(VoucherState::Redeemed, redeemed, 7, None, 1_000),
            Err(CancelRefusal::NoReason)
        );
        assert_eq!(
            check_cancellation(
                VoucherState::Handed,
                None,
                7,
                Some(CancellationReason::Other),
                1_000
            ),
            Err(CancelRefusal::NotRedeemed)
        );
    }

    #[test]
    fn only_unspent_vouchers_expire() {
        let end = date!(2027 - 12 - 31);
        assert!(has_expired(
            VoucherState::Handed,
            end,
            date!(2028 - 01 - 01)
        ));
        assert!(!has_expired(VoucherState::Handed, end, end));
        assert!(!has_expired(
            VoucherState::Redeemed,
            end,
            date!(2028 - 01 - 01)
        ));
    }
}
