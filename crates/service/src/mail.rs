//! E-mail through SMTP (the `lettre` crate), to a relay set by configuration. Messages never name the
//! person: they say something waits on the platform and link to it.

use lettre::message::Mailbox;
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};

/// Where mail goes: an SMTP relay (plain SMTP, as a local relay or an internal smart host) and the
/// sender address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub from: String,
}

/// Sends one message to each address (separately, so no one sees the others). Returns how many
/// were accepted by the relay, or the first error in French.
pub async fn send_mail(
    smtp: &SmtpSettings,
    to: &[String],
    subject: &str,
    body: &str,
) -> Result<usize, String> {
    let from: Mailbox = smtp
        .from
        .parse()
        .map_err(|e| format!("adresse d'expédition « {} » invalide : {e}", smtp.from))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .build();
    let mut sent = 0;
    for address in to {
        let Ok(recipient) = address.parse::<Mailbox>() else {
            tracing::warn!(%address, "adresse de destination invalide, message non envoyé");
            continue;
        };
        let message = Message::builder()
            .from(from.clone())
            .to(recipient)
            .subject(subject)
            .body(body.to_owned())
            .map_err(|e| format!("message impossible à construire : {e}"))?;
        transport
            .send(message)
            .await
            .map_err(|e| format!("envoi SMTP à {}:{} impossible : {e}", smtp.host, smtp.port))?;
        sent += 1;
    }
    Ok(sent)
}
