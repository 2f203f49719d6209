//! The demo's vouchers (issue 22): the Département's social action directorate funds « Pass
//! numérique Anjou 2027 » over Maine-et-Loire; the coordinator qualifies the two demo places that
//! have mediators; three books of ten are printed, the first allocated to the prescriber's
//! structure, which received it and handed two vouchers to people not enrolled, one of them since
//! redeemed at the mediator's structure — so that the sponsor's, the prescriber's and the place's
//! pages show figures. Everything goes through the store's methods, so the ledger holds every
//! event. The dates follow the demo's start; the numbers are random, like real ones.

use aiguillage_domain::calendar::{french_date, local_date, Date, DAY};
use aiguillage_domain::directory::vocabulary::HelpKind;
use aiguillage_domain::ids::StructureId;
use aiguillage_domain::pathway::AgeBand;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::voucher::{CampaignForm, CampaignTerms, TargetAudience};
use aiguillage_domain::UnixSeconds;
use aiguillage_store::{CampaignScope, HandTo, Handing, Store};

/// The campaign's name.
pub const CAMPAIGN_NAME: &str = "Pass numérique Anjou 2027";

/// Who acts in the demo's voucher story: (account id, structure id) of the sponsor, the
/// coordinator and the prescriber; the structures of the two places with mediators (the first is
/// the mediator's, where a voucher is redeemed).
pub struct VoucherCast {
    pub sponsor: (i64, i64),
    pub coordinator: (i64, i64),
    pub prescriber: (i64, i64),
    pub places: [i64; 2],
}

/// The first day of the month of `today`.
fn first_of_month(today: Date) -> Date {
    today.replace_day(1).unwrap_or(today)
}

/// The last day of the month thirteen months after `today`'s.
fn thirteen_months_on(today: Date) -> Date {
    // Months counted from January of `today`'s year, 0-based: the month after the thirteenth on.
    let months = i32::from(u8::from(today.month())) - 1 + 14;
    let (year, month) = (today.year() + months / 12, months % 12 + 1);
    let first_after = u8::try_from(month)
        .ok()
        .and_then(|month| time::Month::try_from(month).ok())
        .and_then(|month| Date::from_calendar_date(year, month, 1).ok());
    first_after
        .and_then(Date::previous_day)
        .unwrap_or(Date::MAX)
}

/// The campaign's validity: from the first day of the demo's month to 31/12/2027, or thirteen
/// months on when the demo runs late enough for that to come later.
pub fn validity(today: Date) -> (Date, Date) {
    let end_of_2027 =
        Date::from_calendar_date(2027, time::Month::December, 31).unwrap_or(Date::MAX);
    (
        first_of_month(today),
        end_of_2027.max(thirteen_months_on(today)),
    )
}

/// The campaign's terms, checked like a sponsor's form.
pub fn terms(today: Date) -> anyhow::Result<CampaignTerms> {
    let (from, until) = validity(today);
    let codes = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect();
    CampaignTerms::check(&CampaignForm {
        name: CAMPAIGN_NAME.into(),
        face_value: "20".into(),
        payment_kind: "sessions".into(),
        payment_amount: "1".into(),
        audiences: codes(&["seniors", "everyone", "job_seekers"]),
        help_kinds: codes(&["inclusion", "acculturation"]),
        valid_from: french_date(from),
        valid_until: french_date(until),
        budget: "2000".into(),
    })
    .map_err(|errors| {
        let messages: Vec<String> = errors.into_iter().map(|e| e.message).collect();
        anyhow::anyhow!("campagne de démonstration refusée : {}", messages.join(" "))
    })
}

/// The two anonymous handings: audience, kind of help, age band, commune (INSEE).
const HANDINGS: [(TargetAudience, HelpKind, AgeBand, &str); 2] = [
    (
        TargetAudience::Seniors,
        HelpKind::Inclusion,
        AgeBand::From70,
        "49007",
    ),
    (
        TargetAudience::JobSeekers,
        HelpKind::Acculturation,
        AgeBand::From40To59,
        "49328",
    ),
];

pub async fn seed_vouchers(
    store: &Store,
    cast: &VoucherCast,
    now: UnixSeconds,
) -> anyhow::Result<()> {
    let day = |at: UnixSeconds| local_date(at, "49");
    let maine_et_loire = TerritoryScope::Departement("49".into());
    let (sponsor_account, sponsor) = cast.sponsor;
    let (prescriber_account, prescriber) = cast.prescriber;
    let opened = now - 2 * DAY;
    let campaign = store
        .create_campaign(
            sponsor,
            &maine_et_loire,
            &terms(day(now))?,
            Some(sponsor_account),
            opened,
        )
        .await?;
    for place in cast.places {
        store
            .qualify_place(
                campaign,
                StructureId::new(place),
                &maine_et_loire,
                Some(cast.coordinator.0),
                opened,
            )
            .await?;
    }
    let scope = CampaignScope::Sponsor(sponsor);
    let books = store
        .print_books(campaign, scope, (3, 10), Some(sponsor), opened)
        .await?;
    let first = *books
        .first()
        .ok_or_else(|| anyhow::anyhow!("aucun carnet de démonstration imprimé"))?;
    store
        .allocate_book(
            first,
            StructureId::new(prescriber),
            scope,
            (Some(sponsor_account), Some(sponsor)),
            opened + 3_600,
        )
        .await?;
    store
        .receive_book(
            first,
            (prescriber_account, prescriber),
            now - DAY - 6 * 3_600,
        )
        .await?;
    let (_, _, numbers) = store.book_sheet(first, scope, None).await?;
    let mut handed = Vec::new();
    for ((audience, help_kind, age_band, commune), (number, hour)) in
        HANDINGS.into_iter().zip(numbers.iter().zip([0, 2]))
    {
        let at = now - DAY + hour * 3_600;
        let handing = Handing {
            number: number.clone(),
            to: HandTo::Anonymous {
                age_band,
                commune_code: commune.into(),
            },
            audience,
            help_kind,
        };
        store
            .hand_voucher(&handing, prescriber, (at, day(at)))
            .await?
            .map_err(|refusal| anyhow::anyhow!("remise de démonstration refusée : {refusal}"))?;
        handed.push(number.clone());
    }
    let redeemed_number = handed
        .first()
        .ok_or_else(|| anyhow::anyhow!("aucun chèque de démonstration remis"))?;
    let at = now - 3 * 3_600;
    let redeemed = store
        .redeem_voucher(
            redeemed_number,
            campaign,
            StructureId::new(cast.places[0]),
            (at, day(at)),
        )
        .await?
        .map_err(|refusal| anyhow::anyhow!("encaissement de démonstration refusé : {refusal}"))?;
    println!(
        "Campagne « {} » : 2 lieux qualifiés, {} carnets de 10 chèques, {} chèques remis, 1 encaissé ({} €).",
        redeemed.campaign_name,
        books.len(),
        handed.len(),
        redeemed.face_value_euros
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_campaign_runs_from_the_first_of_the_month_to_the_end_of_2027_or_thirteen_months_on() {
        assert_eq!(
            validity(date!(2026 - 11 - 23)),
            (date!(2026 - 11 - 01), date!(2027 - 12 - 31))
        );
        assert_eq!(
            validity(date!(2027 - 06 - 15)),
            (date!(2027 - 06 - 01), date!(2028 - 07 - 31))
        );
        assert_eq!(
            validity(date!(2027 - 12 - 31)),
            (date!(2027 - 12 - 01), date!(2029 - 01 - 31))
        );
    }

    #[test]
    fn the_terms_pass_the_checks_of_a_sponsor_form() {
        let terms = terms(date!(2026 - 11 - 23)).unwrap();
        assert_eq!(terms.face_value_euros, 20);
        assert_eq!(terms.voucher_budget(), 100);
        assert_eq!(terms.audiences.len(), 3);
        assert!(terms.help_kinds.contains(&HelpKind::Acculturation));
    }
}
