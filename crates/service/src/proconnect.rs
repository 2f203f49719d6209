//! ProConnect sign-in, the use case: the authorization code flow of OpenID Connect with PKCE,
//! `state` and `nonce` (`openidconnect`), the ID token and the userinfo answer (a JWT ProConnect
//! signs) verified against the provider's published keys, and the logout at the provider's
//! end-session endpoint with `id_token_hint`.
//!
//! Configured by environment (`ProConnectSettings::from_env`); without it nothing here is reached.
//! The provider's metadata and keys are discovered at first use and again after an hour. The HTTP
//! client follows no redirect (the provider's answers are taken as they are, never another host's).
//!
//! A sign-in is bound three ways: its `state` names the row stored when it began (taken once), the
//! browser that began it carries a cookie whose hash that row holds, and the `nonce` stored there
//! must come back in the ID token. What the identity then meets here: an account (linked, or with
//! the same e-mail), or an access request that someone of the structure decides on.

use crate::credentials::{random_token, token_hash};
use crate::state::AppState;
use aiguillage_domain::proconnect::{ClaimedIdentity, IdentityError, ProConnectIdentity, SCOPES};
use aiguillage_store::{AccessRequestState, Account, OidcSignIn, StoreError};
use openidconnect::core::{CoreClient, CoreGenderClaim, CoreJwsSigningAlgorithm, CoreResponseType};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthType, AuthenticationContextClass, AuthenticationFlow,
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, Scope, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::RwLock;

/// How long the discovered metadata and keys are used before they are fetched again.
const METADATA_LIFETIME_SECONDS: i64 = 3600;

/// ProConnect's configuration: the provider and this instance's registration with it.
#[derive(Debug, Clone)]
pub struct ProConnectSettings {
    /// The issuer, e.g. `https://auth.agentconnect.gouv.fr/api/v2`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// This instance's return address, e.g. `https://…/connexion/proconnect/retour`.
    pub redirect_url: String,
    /// Where the provider sends the browser back after the logout.
    pub post_logout_redirect_url: String,
    /// The authentication level asked (`acr_values`), `eidas1` by default.
    pub acr_values: String,
}

impl ProConnectSettings {
    /// From `AIGUILLAGE_PROCONNECT_ISSUER`, `_CLIENT_ID`, `_CLIENT_SECRET` (all three, or none:
    /// ProConnect off), `_REDIRECT_URL` and `_POST_LOGOUT_URL` (by default under `public_url`) and
    /// `_ACR_VALUES`.
    pub fn from_env(public_url: &str) -> Option<ProConnectSettings> {
        let var = |name: &str| {
            std::env::var(format!("AIGUILLAGE_PROCONNECT_{name}"))
                .ok()
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let base = public_url.trim_end_matches('/');
        Some(ProConnectSettings {
            issuer: var("ISSUER")?,
            client_id: var("CLIENT_ID")?,
            client_secret: var("CLIENT_SECRET")?,
            redirect_url: var("REDIRECT_URL")
                .unwrap_or_else(|| format!("{base}/connexion/proconnect/retour")),
            post_logout_redirect_url: var("POST_LOGOUT_URL")
                .unwrap_or_else(|| format!("{base}/connexion/proconnect/deconnexion")),
            acr_values: var("ACR_VALUES").unwrap_or_else(|| "eidas1".to_owned()),
        })
    }
}

/// Why a ProConnect sign-in stops; the message is what the person reads on the sign-in page.
#[derive(Debug, thiserror::Error)]
pub enum ProConnectError {
    #[error("La connexion avec ProConnect n'est pas proposée sur cette instance.")]
    NotConfigured,
    #[error("ProConnect ne répond pas pour le moment. Réessayez dans quelques minutes ou connectez-vous avec votre mot de passe.")]
    Unreachable(String),
    #[error("Cette connexion ProConnect n'est pas (ou plus) valide. Recommencez depuis la page de connexion.")]
    UnknownSignIn,
    #[error("ProConnect n'a pas autorisé la connexion. Recommencez depuis la page de connexion.")]
    Denied(String),
    #[error("La réponse de ProConnect a été refusée par sécurité. Recommencez depuis la page de connexion.")]
    Rejected(String),
    #[error("{0}")]
    Identity(#[from] IdentityError),
    #[error("erreur de stockage : {0}")]
    Store(#[from] StoreError),
}

impl ProConnectError {
    /// What went wrong, for the security log (never shown).
    pub fn detail(&self) -> String {
        match self {
            ProConnectError::Unreachable(detail)
            | ProConnectError::Denied(detail)
            | ProConnectError::Rejected(detail) => detail.clone(),
            other => other.to_string(),
        }
    }
}

/// ProConnect's own claims in the userinfo answer.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct ProConnectClaims {
    siret: Option<String>,
    usual_name: Option<String>,
    uid: Option<String>,
}

impl AdditionalClaims for ProConnectClaims {}

/// The provider as discovered, with when.
struct Discovered {
    metadata: ProviderMetadataWithLogout,
    at: i64,
}

/// ProConnect for this instance: its settings, the HTTP client, the discovered metadata.
pub struct ProConnect {
    pub settings: ProConnectSettings,
    http: reqwest::Client,
    discovered: RwLock<Option<Discovered>>,
}

/// A sign-in to send the browser to: the provider's address and the value of the cookie that
/// binds the return to this browser.
pub struct Started {
    pub authorize_url: String,
    pub browser_secret: String,
}

/// What a return from ProConnect comes to.
pub enum Finished {
    /// An account of this instance: open its session, keep the ID token for the logout.
    Account {
        account: Account,
        id_token: String,
        next: String,
    },
    /// The account exists but is deactivated.
    Deactivated,
    /// Unknown here: the access request waits for a decision.
    Waiting { identity: ProConnectIdentity },
    /// Unknown here, and the access request was refused.
    Refused,
    /// No structure of the directory carries the organisation's SIRET: nothing is kept.
    UnknownOrganisation { siret: String },
}

/// The return's parameters: `code` and `state`, or the provider's `error`.
pub struct Return<'a> {
    pub code: Option<&'a str>,
    pub state: Option<&'a str>,
    pub error: Option<&'a str>,
    /// The value of the browser's binding cookie.
    pub browser_secret: Option<&'a str>,
}

impl ProConnect {
    pub fn new(settings: ProConnectSettings) -> Result<ProConnect, ProConnectError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ProConnectError::Unreachable(e.to_string()))?;
        Ok(ProConnect {
            settings,
            http,
            discovered: RwLock::new(None),
        })
    }

    /// The provider's metadata and keys, discovered at most an hour ago.
    async fn metadata(&self, now: i64) -> Result<ProviderMetadataWithLogout, ProConnectError> {
        if let Some(found) = self.discovered.read().await.as_ref() {
            if now - found.at < METADATA_LIFETIME_SECONDS {
                return Ok(found.metadata.clone());
            }
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| ProConnectError::Unreachable(format!("issuer: {e}")))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| ProConnectError::Unreachable(format!("discovery: {e}")))?;
        *self.discovered.write().await = Some(Discovered {
            metadata: metadata.clone(),
            at: now,
        });
        Ok(metadata)
    }

    fn redirect_url(&self) -> Result<RedirectUrl, ProConnectError> {
        RedirectUrl::new(self.settings.redirect_url.clone())
            .map_err(|e| ProConnectError::Unreachable(format!("redirect URL: {e}")))
    }

    /// Begins a sign-in: stores its state, nonce and PKCE verifier bound to a new browser secret,
    /// and gives the provider's authorization address.
    pub async fn begin(&self, state: &AppState, next: &str) -> Result<Started, ProConnectError> {
        let now = state.now();
        let metadata = self.metadata(now).await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect_url()?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in SCOPES.iter().filter(|scope| **scope != "openid") {
            request = request.add_scope(Scope::new((*scope).to_owned()));
        }
        for acr in self.settings.acr_values.split_whitespace() {
            request = request.add_auth_context_value(AuthenticationContextClass::new(acr.into()));
        }
        let (url, csrf, nonce) = request.url();
        let browser_secret = random_token();
        let sign_in = OidcSignIn {
            browser_hash: token_hash(&browser_secret),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            next_path: next.to_owned(),
        };
        state
            .store
            .begin_oidc_sign_in(&token_hash(csrf.secret()), &sign_in, now)
            .await?;
        Ok(Started {
            authorize_url: url.to_string(),
            browser_secret,
        })
    }

    /// Finishes a sign-in from the provider's return: the state is taken (once) and must be this
    /// browser's, the code is exchanged with the PKCE verifier, the ID token and the signed userinfo
    /// are verified, and the identity is met with this instance's accounts.
    pub async fn finish(
        &self,
        state: &AppState,
        back: Return<'_>,
    ) -> Result<Finished, ProConnectError> {
        let now = state.now();
        let returned_state = back.state.ok_or(ProConnectError::UnknownSignIn)?;
        let sign_in = state
            .store
            .take_oidc_sign_in(&token_hash(returned_state), now)
            .await?
            .ok_or(ProConnectError::UnknownSignIn)?;
        let from_this_browser = back
            .browser_secret
            .is_some_and(|secret| token_hash(secret) == sign_in.browser_hash);
        if !from_this_browser {
            return Err(ProConnectError::UnknownSignIn);
        }
        if let Some(error) = back.error {
            return Err(ProConnectError::Denied(format!("provider error: {error}")));
        }
        let code = back.code.ok_or(ProConnectError::UnknownSignIn)?;
        let (identity, id_token) = self.verified_identity(state, code, &sign_in).await?;
        self.meet(state, identity, id_token, sign_in.next_path)
            .await
    }

    /// The code exchanged, the ID token and the userinfo JWT verified: the identity and the raw
    /// ID token.
    async fn verified_identity(
        &self,
        state: &AppState,
        code: &str,
        sign_in: &OidcSignIn,
    ) -> Result<(ProConnectIdentity, String), ProConnectError> {
        let metadata = self.metadata(state.now()).await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect_url()?)
        // ProConnect reads the client's secret in the token request's body (client_secret_post).
        .set_auth_type(AuthType::RequestBody);
        let rejected = |what: &str, e: &dyn std::fmt::Display| {
            ProConnectError::Rejected(format!("{what}: {e}"))
        };
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| rejected("token endpoint", &e))?
            .set_pkce_verifier(PkceCodeVerifier::new(sign_in.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| rejected("code exchange", &e))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| ProConnectError::Rejected("no ID token".into()))?;
        let clock = state.clock.clone();
        let verifier = client
            .id_token_verifier()
            .set_allowed_algs([
                CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            ])
            .set_time_fn(move || chrono::DateTime::from_timestamp(clock(), 0).unwrap_or_default());
        let nonce = Nonce::new(sign_in.nonce.clone());
        let claims = id_token
            .claims(&verifier, &nonce)
            .map_err(|e| rejected("ID token", &e))?;
        if let Some(expected) = claims.access_token_hash() {
            let algorithm = id_token
                .signing_alg()
                .map_err(|e| rejected("ID token algorithm", &e))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| rejected("ID token key", &e))?;
            let actual = AccessTokenHash::from_token(token.access_token(), algorithm, key)
                .map_err(|e| rejected("at_hash", &e))?;
            if &actual != expected {
                return Err(ProConnectError::Rejected("at_hash mismatch".into()));
            }
        }
        let subject = claims.subject().clone();
        let info: UserInfoClaims<ProConnectClaims, CoreGenderClaim> = client
            .user_info(token.access_token().clone(), Some(subject.clone()))
            .map_err(|e| rejected("userinfo endpoint", &e))?
            .require_signed_response(true)
            .request_async(&self.http)
            .await
            .map_err(|e| rejected("userinfo", &e))?;
        let extra = info.additional_claims();
        let claimed = ClaimedIdentity {
            subject: subject.as_str().to_owned(),
            email: info.email().map(|email| email.as_str().to_owned()),
            given_name: info
                .given_name()
                .and_then(|name| name.get(None))
                .map(|name| name.as_str().to_owned()),
            usual_name: extra.usual_name.clone(),
            siret: extra.siret.clone(),
        };
        Ok((claimed.check()?, id_token.to_string()))
    }

    /// The identity met with this instance: an account, or an access request.
    async fn meet(
        &self,
        state: &AppState,
        identity: ProConnectIdentity,
        id_token: String,
        next: String,
    ) -> Result<Finished, ProConnectError> {
        let now = state.now();
        let store = &state.store;
        let issuer = &self.settings.issuer;
        if let Some(account_id) = store.account_for_identity(issuer, &identity, now).await? {
            let account = store.account(account_id).await?;
            if !account.active {
                return Ok(Finished::Deactivated);
            }
            return Ok(Finished::Account {
                account,
                id_token,
                next,
            });
        }
        if !store.siret_is_known(identity.siret.as_str()).await? {
            return Ok(Finished::UnknownOrganisation {
                siret: identity.siret.as_str().to_owned(),
            });
        }
        Ok(match store.request_access(issuer, &identity, now).await? {
            AccessRequestState::Waiting => Finished::Waiting { identity },
            AccessRequestState::Refused => Finished::Refused,
        })
    }

    /// The provider's end-session address for a session opened with `id_token`, with a new
    /// `state` to find on the way back; `None` if the provider publishes no end-session endpoint.
    pub async fn logout_url(
        &self,
        state: &AppState,
        id_token: &str,
    ) -> Result<Option<(String, String)>, ProConnectError> {
        let metadata = self.metadata(state.now()).await?;
        let Some(endpoint) = metadata.additional_metadata().end_session_endpoint.clone() else {
            return Ok(None);
        };
        let post_logout =
            PostLogoutRedirectUrl::new(self.settings.post_logout_redirect_url.clone())
                .map_err(|e| ProConnectError::Unreachable(format!("post-logout URL: {e}")))?;
        let logout_state = random_token();
        let mut url = endpoint.url().clone();
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token)
            .append_pair("state", &logout_state)
            .append_pair("post_logout_redirect_uri", post_logout.as_str());
        Ok(Some((url.to_string(), logout_state)))
    }
}

/// The instance's ProConnect, if configured.
pub type SharedProConnect = Option<Arc<ProConnect>>;
