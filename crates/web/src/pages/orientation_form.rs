//! The two referral forms as typed input: the sending form (`POST /personnes/{id}/orientation`) and
//! the step form of a referral page (`POST /orientations/{id}`). Each deserializes from the submitted
//! fields and converts (`TryFrom`) into the service's input, or into a French message per field name
//! that the page shows next to the field and in its error summary.

use crate::pages::form_fields::Errors;
use aiguillage_domain::appointment::AppointmentChannel;
use aiguillage_domain::free_text::{check_free_text, FreeTextField};
use aiguillage_domain::ids::OfferId;
use aiguillage_domain::orientation::{ReferralEvent, RefusalReason};
use aiguillage_service::referrals::{Agreement, ReferralChoice};
use serde::Deserialize;

/// The consent checkbox's value when ticked.
const TICKED: &str = "oui";

/// The sending form as submitted.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    pub offre: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub consentement: String,
    /// Why the person is sent again while another referral of theirs is open.
    #[serde(default)]
    pub motif_nouvel_envoi: String,
    /// A first appointment: the start of a free slot (Unix seconds), empty for none.
    #[serde(default)]
    pub rendez_vous: String,
    /// How it takes place (`AppointmentChannel` code).
    #[serde(default)]
    pub canal: String,
}

impl SendForm {
    /// The offer the form names, if readable (to show its confirmation again).
    pub fn offer(&self) -> Option<OfferId> {
        self.offre.parse().ok()
    }
}

impl TryFrom<SendForm> for ReferralChoice {
    type Error = Errors;

    fn try_from(form: SendForm) -> Result<Self, Errors> {
        let mut errors = Errors::new();
        let offer = form.offer();
        if offer.is_none() {
            errors.insert("offre", "Choisissez une offre dans la liste.".to_owned());
        }
        let message = form.message.trim().to_owned();
        if let Err(error) = check_free_text(FreeTextField::ReferralMessage, &message) {
            errors.insert("message", error.to_string());
        }
        let why_again = form.motif_nouvel_envoi.trim().to_owned();
        if let Err(error) = check_free_text(FreeTextField::ReferralMessage, &why_again) {
            errors.insert("motif_nouvel_envoi", error.to_string());
        }
        let appointment = match form.rendez_vous.trim() {
            "" => None,
            typed => {
                let channel = match form.canal.as_str() {
                    "" => Some(AppointmentChannel::OnSite),
                    code => AppointmentChannel::from_code(code),
                };
                match (typed.parse::<i64>().ok(), channel) {
                    (Some(at), Some(channel)) => Some((at, channel)),
                    _ => {
                        errors.insert(
                            "rendez_vous",
                            "Choisissez un créneau de la liste, ou « pas de rendez-vous maintenant ».".to_owned(),
                        );
                        None
                    }
                }
            }
        };
        let agreement = Agreement::recorded(form.consentement == TICKED);
        if agreement.is_none() {
            errors.insert(
                "consentement",
                "Sans l'accord de la personne pour ce partage, rien n'est transmis : cochez son accord ou choisissez une autre solution avec elle.".to_owned(),
            );
        }
        match (offer, agreement) {
            (Some(offer), Some(agreement)) if errors.is_empty() => Ok(ReferralChoice {
                offer,
                agreement,
                message,
                why_again,
                appointment,
            }),
            _ => Err(errors),
        }
    }
}

/// The step form of a referral page as submitted: the button pressed (`action`), the version the
/// page showed, and the reason, comment or agreement that goes with it.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub motif: String,
    #[serde(default)]
    pub commentaire: String,
    #[serde(default)]
    pub consentement: String,
    /// How the person was reached, for a first contact (`CONTACT_CHANNELS` code).
    #[serde(default)]
    pub joint_par: String,
}

/// How the receiving structure reached the person at the first contact: (code, words kept in the
/// referral's history).
pub const CONTACT_CHANNELS: &[(&str, &str)] = &[
    ("telephone", "par téléphone"),
    ("courriel", "par courriel"),
    ("sms", "par SMS"),
    ("sur_place", "sur place"),
    ("courrier", "par courrier"),
];

/// What a step form asks, once read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepRequest {
    /// The sender records the person's agreement to share with the new receiving structure.
    RecordAgreement(Agreement),
    /// A transition, at the version the page showed.
    Event {
        seen_version: i64,
        event: ReferralEvent,
        comment: String,
    },
}

impl TryFrom<StepForm> for StepRequest {
    type Error = Errors;

    fn try_from(form: StepForm) -> Result<Self, Errors> {
        let mut errors = Errors::new();
        if form.action == "consentement_partage" {
            return Agreement::recorded(form.consentement == TICKED)
                .map(StepRequest::RecordAgreement)
                .ok_or_else(|| {
                    errors.insert("consentement", "Cochez l'accord de la personne pour ce partage, ou cherchez une autre solution avec elle.".to_owned());
                    errors
                });
        }
        let mut comment = form.commentaire.trim().to_owned();
        if let Err(error) = check_free_text(FreeTextField::ReferralComment, &comment) {
            errors.insert("commentaire", error.to_string());
        }
        let event = event_of(&form, &mut errors);
        if event == Some(ReferralEvent::RecordFirstContact) && !form.joint_par.is_empty() {
            match CONTACT_CHANNELS
                .iter()
                .find(|(code, _)| *code == form.joint_par)
            {
                Some((_, words)) => {
                    comment = format!("Personne jointe {words}. {comment}")
                        .trim()
                        .to_owned();
                }
                None => {
                    errors.insert(
                        "joint_par",
                        "Choisissez comment la personne a été jointe.".to_owned(),
                    );
                }
            }
        }
        // A page always sends the version it showed; without it the step cannot be checked.
        let seen_version = form.version.trim().parse::<i64>().unwrap_or(-1);
        match event {
            Some(event) if errors.is_empty() => Ok(StepRequest::Event {
                seen_version,
                event,
                comment,
            }),
            _ => Err(errors),
        }
    }
}

/// The transition the pressed button asks for; a refusal needs its reason.
fn event_of(form: &StepForm, errors: &mut Errors) -> Option<ReferralEvent> {
    match form.action.as_str() {
        "accepter" => Some(ReferralEvent::Accept),
        "refuser" => {
            let reason = RefusalReason::from_code(&form.motif)
                .or_else(|| RefusalReason::from_label(&form.motif));
            if reason.is_none() {
                errors.insert("motif", "Choisissez le motif du refus.".to_owned());
            }
            reason.map(|reason| ReferralEvent::Refuse { reason })
        }
        "premier_contact" => Some(ReferralEvent::RecordFirstContact),
        "parcours" => Some(ReferralEvent::StartPathway),
        other => {
            errors.insert("action", format!("Action « {other} » inconnue."));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_form(offre: &str, consentement: &str, message: &str) -> SendForm {
        SendForm {
            offre: offre.to_owned(),
            message: message.to_owned(),
            consentement: consentement.to_owned(),
            motif_nouvel_envoi: String::new(),
            ..SendForm::default()
        }
    }

    #[test]
    fn a_ticked_choice_becomes_the_referral_to_send() {
        let choice = ReferralChoice::try_from(send_form("12", "oui", " Appeler le matin "));
        let Ok(choice) = choice else {
            panic!("refused: {choice:?}")
        };
        assert_eq!(choice.offer, OfferId::new(12));
        assert_eq!(choice.message, "Appeler le matin");
    }

    #[test]
    fn each_wrong_field_of_the_sending_form_gets_its_own_message() {
        let Err(errors) = ReferralChoice::try_from(send_form("douze", "", "")) else {
            panic!("accepted without an offer nor an agreement")
        };
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            ["consentement", "offre"]
        );
        assert!(errors["consentement"].contains("accord"));
    }

    #[test]
    fn an_over_long_message_is_refused_on_its_field() {
        let Err(errors) = ReferralChoice::try_from(send_form("3", "oui", &"x".repeat(5000))) else {
            panic!("an over-long message was accepted")
        };
        assert_eq!(errors.keys().copied().collect::<Vec<_>>(), ["message"]);
    }

    fn step_form(action: &str, motif: &str) -> StepForm {
        StepForm {
            action: action.to_owned(),
            version: "4".to_owned(),
            motif: motif.to_owned(),
            ..StepForm::default()
        }
    }

    #[test]
    fn a_refusal_reads_its_reason_by_code_or_by_label() {
        let expected = StepRequest::Event {
            seen_version: 4,
            event: ReferralEvent::Refuse {
                reason: RefusalReason::NoCapacity,
            },
            comment: String::new(),
        };
        let by_code = step_form("refuser", RefusalReason::NoCapacity.code());
        let by_label = step_form("refuser", RefusalReason::NoCapacity.label());
        assert_eq!(StepRequest::try_from(by_code), Ok(expected.clone()));
        assert_eq!(StepRequest::try_from(by_label), Ok(expected));
    }

    #[test]
    fn a_refusal_without_reason_or_an_unknown_button_is_explained() {
        let no_reason = StepRequest::try_from(step_form("refuser", ""));
        assert_eq!(
            no_reason
                .err()
                .map(|e| e.keys().copied().collect::<Vec<_>>()),
            Some(vec!["motif"])
        );
        let unknown = StepRequest::try_from(step_form("supprimer", ""));
        assert!(unknown.is_err_and(|errors| errors["action"].contains("supprimer")));
    }

    #[test]
    fn an_agreement_needs_the_box_ticked() {
        let mut form = step_form("consentement_partage", "");
        assert!(StepRequest::try_from(form.clone()).is_err_and(|e| e.contains_key("consentement")));
        form.consentement = "oui".to_owned();
        assert!(matches!(
            StepRequest::try_from(form),
            Ok(StepRequest::RecordAgreement(_))
        ));
    }
}
