//! A structure's team: the manager's page (`/equipe`: members with their role and last sign-in,
//! invitations waiting with their cancellation, the invitation form, a role change per member and
//! a removal confirmed on its own page), the coordinator's invitation of a structure manager of
//! their territory (`/structures/{id}/inviter-responsable`), the public page of an invitation link
//! (`/invitation/{jeton}`: a new account sets its name and password; an existing account joins once
//! signed in as itself), and the choice of the structure a session acts for (`/compte/structure`).
//! Every change goes through `service::teams`, whose store calls re-check the scope inside their
//! transaction: another structure's member or invitation is « not found ».

use crate::auth::session::{SESSION_COOKIE, STRUCTURE_CHOICE_PATH};
use crate::auth::{Professional, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::login::safe_next;
use crate::pages::self_service::public_layout;
use crate::pages::{format_time, render};
use aiguillage_domain::ids::{AccountId, StructureId};
use aiguillage_domain::password::MIN_LENGTH;
use aiguillage_domain::role::Role;
use aiguillage_domain::team::grantable_roles;
use aiguillage_service::state::AppState;
use aiguillage_service::teams::{self, FieldErrors, TeamError};
use aiguillage_store::{InvitationView, TeamActor};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;

const TEAM_PATH: &str = "/equipe";

/// The actor of a team change: the account and the structure the session acts for.
fn actor_of(me: &Professional) -> TeamActor<'_> {
    TeamActor {
        account_id: AccountId::new(me.user.account.id),
        structure_id: StructureId::new(me.user.account.structure_id),
        reason: &me.reason,
    }
}

/// A role a form offers: its code and label.
struct RoleChoice {
    code: &'static str,
    label: &'static str,
}

fn role_choices(actor: Role) -> Vec<RoleChoice> {
    grantable_roles(actor)
        .iter()
        .map(|role| RoleChoice {
            code: role.code(),
            label: role.label(),
        })
        .collect()
}

/// A member as the team page lists them.
struct MemberLine {
    id: i64,
    name: String,
    email: String,
    role_code: &'static str,
    role_label: &'static str,
    last_login: String,
    is_self: bool,
}

/// A waiting invitation as the team page lists it.
struct InvitationLine {
    id: i64,
    email: String,
    role_label: &'static str,
    invited_by: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamTemplate {
    layout: Layout,
    structure_name: String,
    members: Vec<MemberLine>,
    invitations: Vec<InvitationLine>,
    roles: Vec<RoleChoice>,
    /// The invitation form's values and errors.
    email: String,
    role: String,
    errors: FieldErrors,
    /// What was just done (after a redirect).
    done: Option<&'static str>,
    /// Why a change was refused (a rule, not a field).
    refusal: Option<String>,
    /// ProConnect access requests waiting for this manager (`None`: ProConnect is off).
    access_requests: Option<usize>,
}

impl TeamTemplate {
    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    fait: String,
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    courriel: String,
    #[serde(default)]
    role: String,
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    confirmer: String,
}

fn done_message(code: &str) -> Option<&'static str> {
    match code {
        "invitation" => Some("L'invitation est envoyée : le lien reçu par courriel est valable 72 heures et ne sert qu'une fois."),
        "annulation" => Some("L'invitation est annulée : son lien ne fonctionne plus."),
        "role" => Some("Le rôle est modifié ; il s'applique dès la prochaine page du membre."),
        "retrait" => Some("Le membre est retiré de l'équipe ; ses sessions sont fermées."),
        _ => None,
    }
}

/// The team page of the structure the manager acts for.
async fn team_page(
    me: &Professional,
    done: Option<&'static str>,
) -> Result<TeamTemplate, WebError> {
    let structure = StructureId::new(me.user.account.structure_id);
    let store = &me.state.store;
    let members = store
        .team_members(structure)
        .await?
        .into_iter()
        .map(|member| MemberLine {
            id: member.account_id.get(),
            is_self: member.account_id.get() == me.user.account.id,
            name: member.display_name,
            email: member.email,
            role_code: member.role.code(),
            role_label: member.role.label(),
            last_login: member
                .last_login_at
                .map_or_else(|| "jamais".to_owned(), format_time),
        })
        .collect();
    let invitations = store
        .pending_invitations(structure, me.now())
        .await?
        .into_iter()
        .map(|invitation| InvitationLine {
            id: invitation.id,
            email: invitation.email,
            role_label: invitation.role.label(),
            invited_by: invitation.invited_by,
            expires: format_time(invitation.expires_at),
        })
        .collect();
    let access_requests = match me.state.proconnect {
        Some(_) => Some(store.access_requests_for(&me.user.account).await?.len()),
        None => None,
    };
    Ok(TeamTemplate {
        access_requests,
        layout: me.layout(TEAM_PATH, "Équipe"),
        structure_name: me.user.account.structure_name.clone(),
        members,
        invitations,
        roles: role_choices(me.user.account.role),
        email: String::new(),
        role: Role::Mediator.code().to_owned(),
        errors: Vec::new(),
        done,
        refusal: None,
    })
}

/// A refused team change drawn on the team page (422 for fields, 409 for a rule, 503 without
/// mail), or « not found ».
async fn refused_on_page(
    me: &Professional,
    error: TeamError,
    form: Option<InviteForm>,
) -> Result<Response, WebError> {
    let mut page = team_page(me, None).await?;
    if let Some(form) = form {
        page.email = form.courriel;
        page.role = form.role;
    }
    let status = match error {
        TeamError::Invalid(errors) => {
            page.errors = errors;
            StatusCode::UNPROCESSABLE_ENTITY
        }
        TeamError::Refused(message) => {
            page.refusal = Some(message);
            StatusCode::CONFLICT
        }
        TeamError::NoMail => {
            page.refusal = Some(error.to_string());
            StatusCode::SERVICE_UNAVAILABLE
        }
        other => return Err(service_error(other)),
    };
    Ok((status, render(&page)?).into_response())
}

fn service_error(error: TeamError) -> WebError {
    match error {
        TeamError::NotFound => WebError::NotFound,
        TeamError::Store(store) => store.into(),
        other => WebError::Internal(other.to_string()),
    }
}

/// `GET /equipe`.
pub async fn show(me: Professional, Query(query): Query<DoneQuery>) -> Result<Response, WebError> {
    render(&team_page(&me, done_message(&query.fait)).await?)
}

/// `POST /equipe/invitations`: invites an e-mail with a role the manager may grant.
pub async fn invite(me: Professional, Form(form): Form<InviteForm>) -> Result<Response, WebError> {
    let actor = actor_of(&me);
    let structure = actor.structure_id;
    match teams::invite(
        &me.state,
        (&actor, me.user.account.role),
        structure,
        (&form.courriel, &form.role),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/equipe?fait=invitation").into_response()),
        Err(error) => refused_on_page(&me, error, Some(form)).await,
    }
}

/// `POST /equipe/invitations/{id}/annulation`.
pub async fn cancel_invitation(
    me: Professional,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    match teams::cancel(&me.state, &actor_of(&me), id).await {
        Ok(()) => Ok(Redirect::to("/equipe?fait=annulation").into_response()),
        Err(error) => refused_on_page(&me, error, None).await,
    }
}

/// `POST /equipe/membres/{id}/role`.
pub async fn change_role(
    me: Professional,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> Result<Response, WebError> {
    let actor = actor_of(&me);
    let change = teams::change_role(
        &me.state,
        (&actor, me.user.account.role),
        AccountId::new(id),
        &form.role,
    )
    .await;
    match change {
        Ok(()) => Ok(Redirect::to("/equipe?fait=role").into_response()),
        Err(TeamError::Invalid(_)) => {
            let mut page = team_page(&me, None).await?;
            page.refusal = Some("Choisissez un rôle dans la liste : le rôle demandé n'est pas de ceux que vous pouvez attribuer.".into());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(error) => refused_on_page(&me, error, None).await,
    }
}

#[derive(Template)]
#[template(path = "team_remove.html")]
struct RemoveTemplate {
    layout: Layout,
    id: i64,
    name: String,
    structure_name: String,
    is_self: bool,
}

/// `POST /equipe/membres/{id}/retrait`: without `confirmer=oui`, the confirmation page (nothing
/// changes); with it, the member leaves the team and their sessions end. A manager who removes
/// themself is signed out.
pub async fn remove(
    me: Professional,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, WebError> {
    let member = AccountId::new(id);
    let is_self = id == me.user.account.id;
    if form.confirmer != "oui" {
        let structure = StructureId::new(me.user.account.structure_id);
        let found = me
            .state
            .store
            .team_members(structure)
            .await?
            .into_iter()
            .find(|m| m.account_id == member)
            .ok_or(WebError::NotFound)?;
        return render(&RemoveTemplate {
            layout: me.layout(TEAM_PATH, "Retirer un membre"),
            id,
            name: found.display_name,
            structure_name: me.user.account.structure_name.clone(),
            is_self,
        });
    }
    match teams::remove(&me.state, &actor_of(&me), member).await {
        Ok(_) if is_self => {
            let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
            Ok((jar, Redirect::to("/connexion?deconnecte=1")).into_response())
        }
        Ok(_) => Ok(Redirect::to("/equipe?fait=retrait").into_response()),
        Err(error) => refused_on_page(&me, error, None).await,
    }
}

#[derive(Template)]
#[template(path = "team_invite_manager.html")]
struct InviteManagerTemplate {
    layout: Layout,
    action: String,
    structure_name: String,
    email: String,
    errors: FieldErrors,
    refusal: Option<String>,
    sent: bool,
}

impl InviteManagerTemplate {
    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }
}

#[derive(Deserialize)]
pub struct ManagerForm {
    #[serde(default)]
    courriel: String,
}

/// The coordinator's page for a structure of their territory; another structure is « not found ».
async fn manager_page(
    me: &Professional,
    id: i64,
    sent: bool,
) -> Result<InviteManagerTemplate, WebError> {
    let structure = StructureId::new(id);
    if !me
        .state
        .store
        .structure_in_territory(structure, &me.user.account.territory)
        .await?
    {
        return Err(WebError::NotFound);
    }
    let name = me.state.store.structure(id).await?.name;
    Ok(InviteManagerTemplate {
        layout: me.layout("/structures", "Inviter un responsable de structure"),
        action: format!("/structures/{id}/inviter-responsable"),
        structure_name: name,
        email: String::new(),
        errors: Vec::new(),
        refusal: None,
        sent,
    })
}

/// `GET /structures/{id}/inviter-responsable`.
pub async fn show_manager_invitation(
    me: Professional,
    Path(id): Path<i64>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    render(&manager_page(&me, id, query.fait == "invitation").await?)
}

/// `POST /structures/{id}/inviter-responsable`: a coordinator invites the structure manager of a
/// structure of their territory.
pub async fn invite_manager(
    me: Professional,
    Path(id): Path<i64>,
    Form(form): Form<ManagerForm>,
) -> Result<Response, WebError> {
    let mut page = manager_page(&me, id, false).await?;
    let actor = actor_of(&me);
    let invited = teams::invite(
        &me.state,
        (&actor, me.user.account.role),
        StructureId::new(id),
        (&form.courriel, Role::StructureManager.code()),
    )
    .await;
    page.email = form.courriel;
    let status = match invited {
        Ok(_) => {
            return Ok(Redirect::to(&format!("{}?fait=invitation", page.action)).into_response())
        }
        Err(TeamError::Invalid(errors)) => {
            page.errors = errors;
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(TeamError::Refused(message)) => {
            page.refusal = Some(message);
            StatusCode::CONFLICT
        }
        Err(TeamError::NoMail) => {
            page.refusal = Some(TeamError::NoMail.to_string());
            StatusCode::SERVICE_UNAVAILABLE
        }
        Err(other) => return Err(service_error(other)),
    };
    Ok((status, render(&page)?).into_response())
}

/// What the invitation page shows.
enum InvitationStep {
    /// The link no longer works: why.
    Invalid(String),
    /// A new account: the form of its name and password.
    NewAccount,
    /// An account has this e-mail and nobody (or another account) is signed in: sign in first.
    SignInFirst { other_account: bool },
    /// The signed-in account is the invited one: one button joins.
    Join,
    /// Done: a new account (sign in now) or a membership added.
    Created,
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationTemplate {
    layout: Layout,
    action: String,
    step: InvitationStep,
    invitation: Option<InvitationView>,
    name: String,
    errors: FieldErrors,
    refusal: Option<String>,
    min_length: usize,
}

impl InvitationTemplate {
    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }

    fn login_href(&self) -> String {
        format!("/connexion?suivant={}", urlencoding::encode(&self.action))
    }
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    nom: String,
    #[serde(default)]
    mot_de_passe: String,
    #[serde(default)]
    confirmation: String,
}

/// The step of a working invitation for this viewer.
fn step_for(view: &InvitationView, viewer: &Viewer) -> InvitationStep {
    match (&view.existing_account, &viewer.0) {
        (None, _) => InvitationStep::NewAccount,
        (Some(account), Some(user)) if account.get() == user.account.id => InvitationStep::Join,
        (Some(_), user) => InvitationStep::SignInFirst {
            other_account: user.is_some(),
        },
    }
}

async fn invitation_page(
    state: &AppState,
    viewer: &Viewer,
    jar: CookieJar,
    token: &str,
) -> Result<(CookieJar, InvitationTemplate, StatusCode), WebError> {
    let (jar, layout) = public_layout(
        state,
        viewer,
        jar,
        ("/invitation", "Invitation à rejoindre une équipe"),
    )
    .await?;
    let mut page = InvitationTemplate {
        layout,
        action: format!("/invitation/{token}"),
        step: InvitationStep::NewAccount,
        invitation: None,
        name: String::new(),
        errors: Vec::new(),
        refusal: None,
        min_length: MIN_LENGTH,
    };
    let status = match teams::open_invitation(state, token).await {
        Ok(view) => {
            page.step = step_for(&view, viewer);
            page.invitation = Some(view);
            StatusCode::OK
        }
        Err(TeamError::LinkInvalid(message)) => {
            page.step = InvitationStep::Invalid(message.to_owned());
            StatusCode::GONE
        }
        Err(other) => return Err(service_error(other)),
    };
    Ok((jar, page, status))
}

/// `GET /invitation/{jeton}`.
pub async fn show_invitation(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let (jar, page, status) = invitation_page(&state, &viewer, jar, &token).await?;
    Ok((status, jar, render(&page)?).into_response())
}

/// `POST /invitation/{jeton}`: a new account with its name and password, or the signed-in invited
/// account joins; the link is spent once.
pub async fn accept_invitation(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Result<Response, WebError> {
    let (jar, mut page, status) = invitation_page(&state, &viewer, jar, &token).await?;
    if status != StatusCode::OK {
        return Ok((status, jar, render(&page)?).into_response());
    }
    let reason = "POST /invitation";
    let accepted = match (&page.step, &viewer.0) {
        (InvitationStep::NewAccount, _) => {
            teams::accept_as_new_account(
                &state,
                &token,
                (&form.nom, &form.mot_de_passe, &form.confirmation),
                reason,
            )
            .await
        }
        (InvitationStep::Join, Some(user)) => {
            teams::accept_as_signed_in(
                &state,
                &token,
                (AccountId::new(user.account.id), &user.account.email),
                reason,
            )
            .await
        }
        _ => return Ok((StatusCode::CONFLICT, jar, render(&page)?).into_response()),
    };
    page.name = form.nom;
    let status = match accepted {
        Ok(accepted) => {
            if let (InvitationStep::Join, Some(user)) = (&page.step, &viewer.0) {
                // The session now acts for the structure joined.
                state
                    .store
                    .set_acting_structure(
                        &user.token_hash,
                        AccountId::new(user.account.id),
                        accepted.structure,
                    )
                    .await?;
                let to = format!("{STRUCTURE_CHOICE_PATH}?bienvenue=1");
                return Ok((jar, Redirect::to(&to)).into_response());
            }
            page.step = InvitationStep::Created;
            StatusCode::OK
        }
        Err(TeamError::Invalid(errors)) => {
            page.errors = errors;
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(TeamError::LinkInvalid(message)) => {
            page.step = InvitationStep::Invalid(message.to_owned());
            StatusCode::GONE
        }
        Err(TeamError::Refused(message)) => {
            page.refusal = Some(message);
            StatusCode::CONFLICT
        }
        Err(other) => return Err(service_error(other)),
    };
    Ok((status, jar, render(&page)?).into_response())
}

/// One structure the account may act for.
struct StructureChoice {
    id: i64,
    name: String,
    role_label: &'static str,
    territory: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "structure_choice.html")]
struct ChoiceTemplate {
    layout: Layout,
    choices: Vec<StructureChoice>,
    next: String,
    /// An invitation was just accepted.
    welcome: bool,
}

impl ChoiceTemplate {
    fn any_current(&self) -> bool {
        self.choices.iter().any(|choice| choice.current)
    }
}

#[derive(Deserialize, Default)]
pub struct ChoiceQuery {
    #[serde(default)]
    suivant: Option<String>,
    /// Right after an invitation was accepted.
    #[serde(default)]
    bienvenue: Option<String>,
}

#[derive(Deserialize)]
pub struct ChoiceForm {
    #[serde(default)]
    structure: String,
    #[serde(default)]
    suivant: Option<String>,
}

async fn choice_page(me: &Professional, next: String, welcome: bool) -> Result<Response, WebError> {
    let choices = me
        .state
        .store
        .memberships_of(AccountId::new(me.user.account.id))
        .await?
        .into_iter()
        .map(|m| StructureChoice {
            id: m.structure_id.get(),
            current: !me.user.must_choose_structure
                && m.structure_id.get() == me.user.account.structure_id,
            name: m.structure_name,
            role_label: m.role.label(),
            territory: m
                .territory_name
                .unwrap_or_else(|| m.territory.code().to_owned()),
        })
        .collect();
    render(&ChoiceTemplate {
        layout: me.layout(
            STRUCTURE_CHOICE_PATH,
            "Choisir la structure pour laquelle vous agissez",
        ),
        choices,
        next,
        welcome,
    })
}

/// `GET /compte/structure`: the structures the account belongs to, as radio buttons (with a
/// welcome right after an invitation was accepted).
pub async fn show_choice(
    me: Professional,
    Query(query): Query<ChoiceQuery>,
) -> Result<Response, WebError> {
    let welcome = query.bienvenue.is_some();
    choice_page(&me, safe_next(query.suivant.as_deref()), welcome).await
}

/// `POST /compte/structure`: the session acts for the structure chosen, which must be one of the
/// account's (another is « not found »); then the page asked at first.
pub async fn choose(me: Professional, Form(form): Form<ChoiceForm>) -> Result<Response, WebError> {
    let next = safe_next(form.suivant.as_deref());
    let Ok(id) = form.structure.trim().parse::<i64>() else {
        return Err(WebError::BadRequest(
            "Choisissez une structure dans la liste.".into(),
        ));
    };
    let chosen = me
        .state
        .store
        .set_acting_structure(
            &me.user.token_hash,
            AccountId::new(me.user.account.id),
            StructureId::new(id),
        )
        .await?;
    if !chosen {
        return Err(WebError::NotFound);
    }
    tracing::info!(
        account_id = me.user.account.id,
        structure_id = id,
        "acting structure chosen"
    );
    Ok(Redirect::to(&next).into_response())
}
