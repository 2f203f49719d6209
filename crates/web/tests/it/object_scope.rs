//! Object-level authorization, generated from the route table: for every route, an account of a
//! role the policy lets through, but of ANOTHER structure or territory, names the records of the home
//! structure (a person enrolled by the CCAS of Angers, their diagnostic, their referral to a library
//! with its sessions, the library's place and offer, a contact request of Maine-et-Loire) and must be
//! refused — 404 for anything about a person, 403 or 404 otherwise — with the database unchanged and
//! nothing of the person in the answer. Lists and views scoped to the viewer must not show the home
//! records. Every route must have its case here: a new route without one makes the test fail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::role::Role;
use aiguillage_interop::territory::embedded;
use aiguillage_store::testing::database_contents;
use aiguillage_web::routes::ROUTES;
use aiguillage_web::Settings;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::journeys::{referral_at_first_contact, world, ANSWERS};
use common::{body_text, sign_in_territory, Session, TestApp};

/// The home records the foreign accounts aim at.
struct Ids {
    person: i64,
    diagnostic: i64,
    referral: i64,
    referral_version: i64,
    /// The library's session on the referral.
    session: i64,
    /// The library's appointment with the person.
    appointment: i64,
    place: i64,
    offer: i64,
    other_offer: i64,
    contact_request: i64,
    /// An objection the person made, registered by the home structure and not answered yet.
    rights_request: i64,
    /// An open import conflict on the library's place (its phone corrected by hand, then a file
    /// proposing another).
    conflict: i64,
    /// The queue pseudonym of a second person's referral, sent and still unanswered.
    waiting_pseudonym: String,
    /// The home coordinator's redistribution of that referral, not undone.
    batch: i64,
    /// A voucher campaign of Maine-et-Loire: its book, a voucher handed, the library's statement.
    vouchers: crate::vouchers::VoucherIds,
    /// The handle of the home prescriber's live session (« Mon compte » ends a session by it).
    session_handle: String,
    /// The library mediator's session of the resource bank, submitted, with one PDF.
    bank: BankIds,
    /// A ProConnect access request of an agent whose SIRET is the library's, undecided.
    access_request: i64,
    /// The home structure (the CCAS of Angers), its prescriber's account (a member of its team)
    /// and an invitation its manager sent, still waiting.
    team: TeamIds,
}

/// The home team's records.
struct TeamIds {
    structure: i64,
    member: i64,
    invitation: i64,
}

/// The email the home manager's waiting invitation names.
const INVITED: &str = "invitee.ccas@example.fr";

/// The home manager invites someone (through the store: the world has no mail relay).
async fn home_team(world: &common::journeys::World) -> TeamIds {
    let app = &world.app;
    let account_of = |role: Role| async move {
        app.store
            .login_candidate(&common::email_of(role))
            .await
            .expect("account")
            .expect("a home account")
            .account
            .id
    };
    let manager = account_of(Role::StructureManager).await;
    let member = account_of(Role::Prescriber).await;
    let structure = aiguillage_domain::ids::StructureId::new(app.structure_id);
    let actor = aiguillage_store::TeamActor {
        account_id: aiguillage_domain::ids::AccountId::new(manager),
        structure_id: structure,
        reason: "test",
    };
    let invitation = aiguillage_store::NewInvitation {
        email: INVITED,
        structure_id: structure,
        role: Role::Mediator,
        token_hash: "jeton-de-la-maison",
        expires_at: app.now() + aiguillage_domain::team::INVITATION_LIFETIME_SECONDS,
    };
    let invitation = app
        .store
        .create_invitation(&actor, &invitation, app.now())
        .await
        .expect("invitation");
    TeamIds {
        structure: app.structure_id,
        member,
        invitation,
    }
}

/// The home records of the resource bank.
struct BankIds {
    session: i64,
    material: i64,
    sha256: String,
    /// The library's mediator, designated référent by the home coordinator.
    referent: i64,
    /// The library mediator's cycle, shared with the library, and a problem report on the session.
    cycle: i64,
    report: i64,
}

/// The library's mediator writes a session with a PDF and submits it; the home coordinator
/// designates that mediator référent.
async fn home_bank(world: &common::journeys::World) -> BankIds {
    use sha2::{Digest, Sha256};
    let app = &world.app;
    let me = &world.mediator;
    let created = app
        .post_form(
            "/ressources/nouvelle",
            Some(&me.cookie),
            &[
                ("csrf_token", me.csrf.as_str()),
                ("titre", "Séance de la médiathèque Toussaint"),
                ("publics", "seniors"),
                ("niveau", "debutant"),
                ("duree", "60"),
                ("competences", "4.1"),
                ("objectifs", "Reconnaître un message frauduleux"),
                ("deroule", "Accueil\nExemples"),
                ("licence", "licence_ouverte_2"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let session: i64 = common::location(&created)
        .expect("draft")
        .trim_start_matches("/ressources/")
        .split('/')
        .next()
        .expect("id")
        .parse()
        .expect("number");
    let pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n";
    let boundary = "----scope";
    let mut body = Vec::new();
    for (name, value) in [
        ("csrf_token", me.csrf.as_str()),
        ("type", "memo"),
        ("titre_support", "Mémo"),
        ("licence_support", "licence_ouverte_2"),
    ] {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"memo.pdf\"\r\n\r\n").as_bytes());
    body.extend(pdf);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post(format!("/ressources/{session}/supports"))
        .header(header::COOKIE, &me.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    assert_eq!(app.send(request).await.status(), StatusCode::SEE_OTHER);
    let submitted = app
        .post_form(
            &format!("/ressources/{session}/soumettre"),
            Some(&me.cookie),
            &[("csrf_token", me.csrf.as_str())],
        )
        .await;
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    let scalar = |sql: String| async move {
        aiguillage_store::testing::scalar(&app.store, &sql)
            .await
            .expect("scalar")
    };
    let material = scalar(format!(
        "SELECT MIN(id) AS n FROM resource_materials WHERE session_id = {session}"
    ))
    .await;
    let referent = scalar(format!(
        "SELECT created_by AS n FROM resource_sessions WHERE id = {session}"
    ))
    .await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let designated = app
        .post_form(
            "/ressources/referents",
            Some(&coordinator.cookie),
            &[
                ("csrf_token", coordinator.csrf.as_str()),
                ("compte", &referent.to_string()),
            ],
        )
        .await;
    assert_eq!(designated.status(), StatusCode::SEE_OTHER);
    let cycle = app
        .post_form(
            "/ressources/cycles",
            Some(&me.cookie),
            &[
                ("csrf_token", me.csrf.as_str()),
                ("titre", "Cycle de la médiathèque Toussaint"),
                ("groupe", "Seniors du mardi"),
                ("partage", "oui"),
            ],
        )
        .await;
    assert_eq!(cycle.status(), StatusCode::SEE_OTHER);
    let cycle: i64 = common::location(&cycle)
        .expect("cycle")
        .trim_start_matches("/ressources/cycles/")
        .split('?')
        .next()
        .expect("id")
        .parse()
        .expect("number");
    let report = scalar(format!(
        "INSERT INTO resource_reports (session_id, account_id, comment, created_at)
         VALUES ({session}, {referent}, 'Lien cassé', 0) RETURNING id AS n"
    ))
    .await;
    BankIds {
        session,
        material,
        sha256: hex::encode(Sha256::digest(pdf)),
        referent,
        cycle,
        report,
    }
}

/// What a foreign account must get on a route.
enum Case {
    /// The route touches no record of another structure or territory (why, for the reader).
    NoRecord(#[allow(dead_code)] &'static str),
    /// The route names home records: refused, nothing written, nothing shown.
    Record {
        path: String,
        form: Vec<(String, String)>,
        json: Option<String>,
        about_person: bool,
    },
    /// A list or view scoped to the viewer: answers, but shows none of the home records.
    Hides { path: String, marker: String },
    /// A desk form acting only on the viewer's own structure: a home record named in it is refused
    /// with the form's message (422), nothing written.
    Refused {
        path: String,
        form: Vec<(String, String)>,
        json: Option<String>,
        message: &'static str,
    },
}

fn record(path: String, form: &[(&str, String)], about_person: bool) -> Case {
    Case::Record {
        path,
        form: form
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
        json: None,
        about_person,
    }
}

/// The case of each route of the table; `None` for a route nobody thought about.
fn case_of(method: &Method, path: &str, ids: &Ids) -> Option<Case> {
    use Case::NoRecord;
    let person = format!("/personnes/{}", ids.person);
    let referral = format!("/orientations/{}", ids.referral);
    let place = format!("/annuaire/{}", ids.place);
    let voucher_campaign = format!("/cheques/campagnes/{}", ids.vouchers.campaign);
    let statement = format!(
        "{voucher_campaign}/releves/{}/{}",
        ids.place, ids.vouchers.month
    );
    let name = "Le Goff".to_owned();
    let bank = format!("/ressources/{}", ids.bank.session);
    let case = match (method.as_str(), path) {
        ("GET", "/") | ("GET", "/connexion") | ("POST", "/connexion") => NoRecord("public"),
        ("GET", "/connexion/proconnect")
        | ("GET", "/connexion/proconnect/retour")
        | ("GET", "/connexion/proconnect/deconnexion") => {
            NoRecord("public: a sign-in's own state, bound to the browser that began it")
        }
        ("GET", "/equipe/demandes") => Case::Hides {
            path: "/equipe/demandes".into(),
            marker: "agent.toussaint@angers.example".into(),
        },
        ("POST", "/equipe/demandes/{id}") => record(
            format!("/equipe/demandes/{}", ids.access_request),
            &[
                ("structure", ids.place.to_string()),
                ("role", "mediator".into()),
                ("decision", "accepter".into()),
            ],
            false,
        ),
        ("POST", "/deconnexion")
        | ("GET", "/compte")
        | ("POST", "/compte/courriels")
        | ("POST", "/compte/agenda")
        | ("POST", "/compte/agenda/revocation")
        | ("GET", "/compte/double-authentification")
        | ("POST", "/compte/double-authentification")
        | ("GET", "/compte/mot-de-passe")
        | ("POST", "/compte/mot-de-passe")
        | ("GET", "/notifications") => {
            NoRecord("the viewer's own account")
        }
        ("GET", "/connexion/code")
        | ("POST", "/connexion/code")
        | ("GET", "/connexion/double-authentification")
        | ("POST", "/connexion/double-authentification") => {
            NoRecord("the account of the browser's own sign-in, waiting for its second factor")
        }
        ("GET", "/mot-de-passe-oublie")
        | ("POST", "/mot-de-passe-oublie")
        | ("GET", "/mot-de-passe/nouveau/{jeton}")
        | ("POST", "/mot-de-passe/nouveau/{jeton}") => {
            NoRecord("public: the same answer for any address; a reset link names its own account")
        }
        ("POST", "/compte/sessions/{id}/fin") => record(
            format!("/compte/sessions/{}/fin", ids.session_handle),
            &[],
            false,
        ),
        ("GET", "/territoire") | ("GET", "/territoire/diagnostic") => {
            NoRecord("public territory data (communes, published indexes)")
        }
        ("GET", "/territoire/indice") | ("POST", "/territoire/indice") => {
            NoRecord("the coordinator's own territory, from the account, never from the request")
        }
        ("GET", "/territoire/reglages") | ("POST", "/territoire/reglages") => {
            NoRecord("the coordinator's own territory, from the account, never from the request")
        }
        ("GET", "/pilotage") => Case::Hides {
            path: "/pilotage?territoire=49007".into(),
            marker: "Angers".into(),
        },
        ("GET", "/pilotage/synthese") => Case::Hides {
            path: "/pilotage/synthese?territoire=49007".into(),
            marker: "Angers".into(),
        },
        ("GET", "/pilotage/export") | ("GET", "/pilotage/donnees-ouvertes") => {
            NoRecord("the cut of /pilotage (checked above) as masked aggregates")
        }
        ("GET", "/pilotage/activites-cra") => {
            NoRecord("the activity of the account's own structure, chosen from the account")
        }
        ("GET", "/structures") | ("GET", "/annuaire") | ("GET", "/annuaire/{id}") => {
            NoRecord("the public directory")
        }
        ("GET", "/annuaire/import") => NoRecord("an empty form"),
        ("GET", "/annuaire/conflits") => Case::Hides {
            path: path.into(),
            marker: "Médiathèque Toussaint".into(),
        },
        ("POST", "/annuaire/conflits/{id}") => record(
            format!("/annuaire/conflits/{}", ids.conflict),
            &[("choix", "fichier".into())],
            false,
        ),
        ("GET", "/ressources") | ("GET", "/api/v1/ressources") => NoRecord(
            "published sessions are the bank's common; an unpublished one is checked on /ressources/{id}",
        ),
        ("GET", "/ressources/nouvelle") | ("POST", "/ressources/nouvelle") => {
            NoRecord("an empty form; a draft of the viewer's own structure")
        }
        ("GET", "/ressources/importer") | ("POST", "/ressources/importer") => NoRecord(
            "an empty form; the archive becomes a draft of the viewer's own structure, from the account, never from the request",
        ),
        ("GET", "/ressources/mes-seances") => Case::Hides {
            path: path.into(),
            marker: "Séance de la médiathèque Toussaint".into(),
        },
        ("GET", "/ressources/relecture") => NoRecord(
            "the sessions of the référent's own designation; a foreign mediator reviews nothing here (POST routes below)",
        ),
        ("GET", "/ressources/referents") => {
            NoRecord("the coordinator's own territory, from the account, never from the request")
        }
        ("POST", "/ressources/referents") => record(
            "/ressources/referents".into(),
            &[("compte", ids.bank.referent.to_string())],
            false,
        ),
        ("POST", "/ressources/referents/{account}/retirer") => record(
            format!("/ressources/referents/{}/retirer", ids.bank.referent),
            &[],
            false,
        ),
        ("GET", "/ressources/{id}/fichiers/{sha256}") => record(
            format!("{bank}/fichiers/{}", ids.bank.sha256),
            &[],
            false,
        ),
        ("GET", "/ressources/cycles") => Case::Hides {
            path: path.into(),
            marker: "Cycle de la médiathèque Toussaint".into(),
        },
        ("POST", "/ressources/cycles") => {
            NoRecord("a new cycle of the viewer's own structure, from the account")
        }
        ("GET", "/ressources/cycles/{id}")
        | ("POST", "/ressources/cycles/{id}")
        | ("GET", "/ressources/cycles/{id}/imprimer")
        | ("POST", "/ressources/cycles/{id}/seances")
        | ("POST", "/ressources/cycles/{id}/seances/{position}")
        | ("POST", "/ressources/cycles/{id}/ateliers") => record(
            path.replace("{id}", &ids.bank.cycle.to_string())
                .replace("{position}", "1"),
            &[
                ("titre", "Changé".into()),
                ("groupe", "Autre".into()),
                ("seance", ids.bank.session.to_string()),
                ("semaine", "2".into()),
                ("action", "retirer".into()),
                ("premier_atelier", "2027-01-12".into()),
            ],
            false,
        ),
        ("POST", "/ressources/signalements/{id}/clore") => record(
            format!("/ressources/signalements/{}/clore", ids.bank.report),
            &[],
            false,
        ),
        ("POST", "/ressources/{id}/supports/{material}/retirer") => record(
            format!("{bank}/supports/{}/retirer", ids.bank.material),
            &[],
            false,
        ),
        ("GET", "/ressources/{id}")
        | ("GET", "/ressources/{id}/archive")
        | ("GET", "/ressources/{id}/versions/{number}")
        | ("GET", "/ressources/{id}/modifier")
        | ("POST", "/ressources/{id}/modifier")
        | ("POST", "/ressources/{id}/supports")
        | ("POST", "/ressources/{id}/soumettre")
        | ("POST", "/ressources/{id}/adapter")
        | ("POST", "/ressources/{id}/relecture")
        | ("POST", "/ressources/{id}/decision")
        | ("POST", "/ressources/{id}/avis")
        | ("POST", "/ressources/{id}/signalement") => record(
            path.replace("/ressources/{id}", &bank).replace("{number}", "1"),
            &[
                ("titre", "Changée".into()),
                ("publics", "seniors".into()),
                ("niveau", "debutant".into()),
                ("duree", "60".into()),
                ("competences", "4.1".into()),
                ("objectifs", "x".into()),
                ("deroule", "x".into()),
                ("licence", "licence_ouverte_2".into()),
                ("decision", "renvoyer".into()),
                ("commentaire", "Non".into()),
                ("note", "4".into()),
                ("probleme", "Un lien est cassé".into()),
            ],
            false,
        ),
        ("GET", "/lieux")
        | ("GET", "/lieux.geojson")
        | ("GET", "/lieux/{id}")
        | ("GET", "/integration/lieux")
        | ("GET", "/integration/lieux/{id}") => NoRecord(
            "the public directory, the same for everybody: tests/it/public_directory.rs",
        ),
        ("GET", "/administration/clients-api")
        | ("POST", "/administration/clients-api")
        | ("POST", "/administration/clients-api/{client}/revocation") => {
            NoRecord("the instance's API clients, its administrators only")
        }
        ("GET", "/api/coop/v1/health")
        | ("GET", "/api/coop/v1/activites")
        | ("GET", "/api/coop/v1/utilisateurs")
        | ("GET", "/api/coop/v1/statistiques")
        | ("GET", "/api/coop/v1/structures")
        | ("GET", "/api/coop/v1/lieux-activite") => NoRecord(
            "partner tools only, by their client's territory: tests/it/api_clients.rs",
        ),
        ("GET", "/annuaire/{id}/modifier") => record(format!("{place}/modifier"), &[], false),
        ("POST", "/annuaire/{id}/modifier") => record(
            format!("{place}/modifier"),
            &[("nom", "Renommé par un tiers".into())],
            false,
        ),
        ("GET", "/annuaire/{id}/offres/nouvelle") => {
            record(format!("{place}/offres/nouvelle"), &[], false)
        }
        ("POST", "/annuaire/{id}/offres/nouvelle") => record(
            format!("{place}/offres/nouvelle"),
            &[("nom", "Offre ajoutée par un tiers".into())],
            false,
        ),
        ("GET", "/annuaire/{id}/offres/{offre}") => {
            record(format!("{place}/offres/{}", ids.offer), &[], false)
        }
        ("POST", "/annuaire/{id}/offres/{offre}") => record(
            format!("{place}/offres/{}", ids.offer),
            &[("nom", "Offre renommée".into()), ("capacite", "0".into())],
            false,
        ),
        // The import is checked by its own test (directory_import.rs): its records are in the file.
        ("POST", "/annuaire/import") | ("POST", "/annuaire/import/confirmer") => {
            NoRecord("records named in the uploaded file: tests/it/directory_import.rs")
        }
        // Searched by a part of the name (the whole name would be echoed in the search box).
        ("GET", "/personnes") => Case::Hides {
            path: "/personnes?q=Goff".into(),
            marker: person.clone(),
        },
        ("GET", "/personnes/inscrire") | ("POST", "/personnes/inscrire") => {
            NoRecord("creates a person of the viewer's own structure")
        }
        ("GET", "/personnes/{id}/modifier") => record(format!("{person}/modifier"), &[], true),
        ("POST", "/personnes/{id}/modifier") => record(
            format!("{person}/modifier"),
            &[
                ("prenom", "Intrus".into()),
                ("nom", "Intrus".into()),
                ("telephone", "0611111111".into()),
                ("commune_recherche", "Angers".into()),
            ],
            true,
        ),
        ("GET", "/personnes/{id}") => record(person, &[], true),
        ("GET", "/personnes/{id}/donnees") => record(format!("{person}/donnees"), &[], true),
        ("GET", "/personnes/{id}/donnees.json") => {
            record(format!("{person}/donnees.json"), &[], true)
        }
        ("POST", "/personnes/{id}/demandes-droits") => record(
            format!("{person}/demandes-droits"),
            &[("type", "access".into()), ("recue_le", "".into())],
            true,
        ),
        ("POST", "/personnes/{id}/demandes-droits/{demande}/reponse") => record(
            format!("{person}/demandes-droits/{}/reponse", ids.rights_request),
            &[],
            true,
        ),
        ("POST", "/personnes/{id}/effacer") => {
            record(format!("{person}/effacer"), &[("confirmer", "oui".into())], true)
        }
        ("GET", "/personnes/echeances") => Case::Hides {
            path: "/personnes/echeances".into(),
            marker: "Goff".into(),
        },
        ("GET", "/personnes/{id}/conservation") => {
            record(format!("{person}/conservation"), &[], true)
        }
        ("POST", "/personnes/{id}/conservation") => record(
            format!("{person}/conservation"),
            &[("motif", "person_asked".into())],
            true,
        ),
        ("GET", "/personnes/{id}/diagnostic") => record(format!("{person}/diagnostic"), &[], true),
        ("POST", "/personnes/{id}/diagnostic") => {
            let answers: Vec<(&str, String)> =
                ANSWERS.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
            record(format!("{person}/diagnostic"), &answers, true)
        }
        ("GET", "/personnes/{id}/diagnostics/{diagnostic}") => record(
            format!("{person}/diagnostics/{}", ids.diagnostic),
            &[],
            true,
        ),
        ("POST", "/personnes/{id}/diagnostics/{diagnostic}/ajustement") => record(
            format!("{person}/diagnostics/{}/ajustement", ids.diagnostic),
            &[
                ("typologie", "autonome".into()),
                ("motif", "Ajustement par un tiers".into()),
            ],
            true,
        ),
        ("GET", "/personnes/{id}/diagnostics/{diagnostic}/fiche") => record(
            format!("{person}/diagnostics/{}/fiche", ids.diagnostic),
            &[],
            true,
        ),
        ("GET", "/diagnostic-sans-enregistrement")
        | ("POST", "/diagnostic-sans-enregistrement") => NoRecord("stores nothing"),
        ("GET", "/personnes/{id}/orientation") => {
            record(format!("{person}/orientation"), &[], true)
        }
        ("POST", "/personnes/{id}/orientation") => record(
            format!("{person}/orientation"),
            &[
                ("offre", ids.other_offer.to_string()),
                ("consentement", "oui".into()),
                ("confirmation", "oui".into()),
            ],
            true,
        ),
        ("GET", "/orientations") => Case::Hides {
            path: path.into(),
            marker: name,
        },
        ("GET", "/orientations/{id}") => record(referral, &[], true),
        ("POST", "/orientations/{id}") => record(
            referral,
            &[
                ("action", "demarrer".into()),
                ("version", ids.referral_version.to_string()),
            ],
            true,
        ),
        ("POST", "/orientations/{id}/messages") => record(
            format!("{referral}/messages"),
            &[("message", "Un message d'une autre structure".into())],
            false,
        ),
        ("POST", "/orientations/{id}/attribution") => record(
            format!("{referral}/attribution"),
            &[("mediateur", String::new())],
            false,
        ),
        ("GET", "/orientations/{id}/reorientation") => {
            record(format!("{referral}/reorientation"), &[], true)
        }
        ("POST", "/orientations/{id}/reorientation") => record(
            format!("{referral}/reorientation"),
            &[
                ("offre", ids.other_offer.to_string()),
                ("version", ids.referral_version.to_string()),
                ("consentement", "oui".into()),
            ],
            true,
        ),
        ("POST", "/orientations/{id}/seances") => {
            let session: Vec<(&str, String)> = common::journeys::good_session("")
                .into_iter()
                .filter(|(k, _)| *k != "csrf_token")
                .map(|(k, v)| (k, v.to_owned()))
                .collect();
            record(format!("{referral}/seances"), &session, true)
        }
        ("POST", "/orientations/{id}/cloture") => record(
            format!("{referral}/cloture"),
            &[("issue", "autonomie".into())],
            true,
        ),
        ("GET", "/orientations/{id}/fiche") => record(format!("{referral}/fiche"), &[], true),
        ("POST", "/orientations/{id}/fiche") => record(
            format!("{referral}/fiche"),
            &[("accord", "oui".into())],
            true,
        ),
        ("GET", "/seances/{id}/modifier") => {
            record(format!("/seances/{}/modifier", ids.session), &[], true)
        }
        ("POST", "/seances/{id}/modifier") => {
            let session: Vec<(&str, String)> = common::journeys::good_session("")
                .into_iter()
                .filter(|(k, _)| *k != "csrf_token")
                .map(|(k, v)| (k, v.to_owned()))
                .collect();
            record(format!("/seances/{}/modifier", ids.session), &session, true)
        }
        ("POST", "/seances/{id}/supprimer") => record(
            format!("/seances/{}/supprimer", ids.session),
            &[("confirmer", "oui".into())],
            true,
        ),
        ("GET", "/ateliers/nouveau") | ("POST", "/ateliers/nouveau") => {
            NoRecord("a workshop of the mediator's own structure")
        }
        ("GET", "/agenda/{jeton}") => NoRecord(
            "a secret address naming its account's structure: tests/it/appointments.rs",
        ),
        ("GET", "/ma-structure/creneaux") | ("POST", "/ma-structure/creneaux") => NoRecord(
            "the manager's own structure, from the account; another's window is not found: tests/it/appointments.rs",
        ),
        ("POST", "/orientations/{id}/rendez-vous") => record(
            format!("{referral}/rendez-vous"),
            &[
                ("date", "2026-12-01".into()),
                ("heure", "10:00".into()),
                ("canal", "on_site".into()),
            ],
            true,
        ),
        ("POST", "/rendez-vous/{id}") => record(
            format!("/rendez-vous/{}", ids.appointment),
            &[
                ("issue", "absente".into()),
                ("orientation", ids.referral.to_string()),
            ],
            true,
        ),
        ("GET", "/equipe") => Case::Hides {
            path: path.into(),
            marker: INVITED.into(),
        },
        ("POST", "/equipe/invitations") => NoRecord(
            "an invitation to the manager's own structure, from the session: tests/it/teams.rs",
        ),
        ("POST", "/equipe/invitations/{id}/annulation") => record(
            format!("/equipe/invitations/{}/annulation", ids.team.invitation),
            &[],
            false,
        ),
        ("POST", "/equipe/membres/{id}/role") => record(
            format!("/equipe/membres/{}/role", ids.team.member),
            &[("role", "mediator".into())],
            false,
        ),
        ("POST", "/equipe/membres/{id}/retrait") => record(
            format!("/equipe/membres/{}/retrait", ids.team.member),
            &[("confirmer", "oui".into())],
            false,
        ),
        ("GET", "/structures/{id}/inviter-responsable")
        | ("POST", "/structures/{id}/inviter-responsable") => record(
            format!("/structures/{}/inviter-responsable", ids.team.structure),
            &[("courriel", "nouveau.responsable@example.fr".into())],
            false,
        ),
        ("GET", "/invitation/{jeton}") | ("POST", "/invitation/{jeton}") => NoRecord(
            "a secret link naming its invitation, spent once: tests/it/teams.rs",
        ),
        ("GET", "/compte/structure") => NoRecord("the viewer's own memberships"),
        ("POST", "/compte/structure") => record(
            "/compte/structure".into(),
            &[("structure", ids.team.structure.to_string())],
            false,
        ),
        ("GET", "/ma-structure") => Case::Hides {
            path: path.into(),
            marker: "Médiathèque Toussaint".into(),
        },
        ("GET", "/file-active") => Case::Hides {
            path: path.into(),
            marker: ids.waiting_pseudonym.clone(),
        },
        ("GET", "/file-active/{id}") => Case::Hides {
            path: format!("/file-active/{}", ids.referral),
            marker: "Reçue par".into(),
        },
        ("POST", "/file-active/{id}/relance") => record(
            format!("/file-active/{}/relance", ids.referral),
            &[],
            false,
        ),
        ("GET", "/territoire/redistribution") => Case::Hides {
            path: "/territoire/redistribution?refusees=1&attente=1&acceptees=1&calcul=1".into(),
            marker: ids.waiting_pseudonym.clone(),
        },
        ("POST", "/territoire/redistribution/{id}/annuler") => record(
            format!("/territoire/redistribution/{}/annuler", ids.batch),
            &[],
            false,
        ),
        ("POST", "/territoire/redistribution") => record(
            path.into(),
            &[(
                "deplacement",
                format!(
                    "{}:{}:{}",
                    ids.referral, ids.referral_version, ids.other_offer
                ),
            )],
            false,
        ),
        ("GET", "/auto-diagnostic")
        | ("POST", "/auto-diagnostic")
        | ("POST", "/auto-diagnostic/contact") => NoRecord("public self-diagnostic"),
        ("GET", "/demandes-contact") => Case::Hides {
            path: path.into(),
            marker: "0241999999".into(),
        },
        ("POST", "/demandes-contact/{id}/prendre") => record(
            format!("/demandes-contact/{}/prendre", ids.contact_request),
            &[],
            true,
        ),
        ("POST", "/demandes-contact/{id}/cloture") => record(
            format!("/demandes-contact/{}/cloture", ids.contact_request),
            &[("issue", "sans_suite".into())],
            true,
        ),
        ("GET", "/administration/comptes")
        | ("POST", "/administration/comptes")
        | ("POST", "/administration/comptes/{id}/double-authentification")
        | ("GET", "/administration/journal")
        | ("GET", "/administration/reglages")
        | ("POST", "/administration/reglages")
        | ("GET", "/administration/demandes-droits")
        | ("GET", "/administration/demandes-droits.csv") => {
            NoRecord("the instance's administrator only")
        }
        ("GET", "/mentions-legales")
        | ("GET", "/accessibilite")
        | ("GET", "/documentation/{page}")
        | ("GET", "/healthz")
        | ("GET", "/readyz")
        | ("GET", "/metrics") => NoRecord("public"),
        ("GET", "/api/openapi.json") | ("GET", "/api/v1/moi") => NoRecord("public or own account"),
        ("GET", "/api/v1/communes")
        | ("GET", "/api/v1/structures")
        | ("GET", "/api/v1/lieux")
        | ("GET", "/api/v1/lieux.geojson")
        | ("GET", "/api/v1/territoire/communes.geojson")
        | ("GET", "/api/v1/lieux/{id}")
        | ("GET", "/api/v1/offres") => NoRecord("the public directory and territory"),
        ("POST", "/api/v1/personnes") => NoRecord("creates a person of the viewer's own structure"),
        ("POST", "/api/v1/personnes/{id}/diagnostics") => Case::Record {
            path: format!("/api/v1/personnes/{}/diagnostics", ids.person),
            form: Vec::new(),
            json: Some(
                r#"{"equipment":["Un ordinateur"],
                    "skills":[["Utiliser un appareil","Seul"],["Chercher une information","Seul"],
                              ["Courriel et messagerie","Seul"],["Faire une démarche en ligne","Seul"],
                              ["Se protéger en ligne","Seul"]],
                    "detailed":[],"french_reading":"À l'aise","french_writing":"À l'aise",
                    "languages":["Français"],"support_needs":[],"travel_range":"Jusqu'à 15 km",
                    "travel_modes":[],"accepts_remote":true,"availability":[],"willingness":"Oui",
                    "levers":[],"urgency":null,"notes":null}"#.into(),
            ),
            about_person: true,
        },
        ("GET", "/api/v1/personnes/{id}/profil") => {
            record(format!("/api/v1/personnes/{}/profil", ids.person), &[], true)
        }
        ("POST", "/api/v1/personnes/{id}/orientations") => Case::Record {
            path: format!("/api/v1/personnes/{}/orientations", ids.person),
            form: Vec::new(),
            json: Some(format!(r#"{{"offre_id":{},"accord_partage":true}}"#, ids.offer)),
            about_person: true,
        },
        ("GET", "/api/v1/pilotage") => Case::Hides {
            path: "/api/v1/pilotage?territoire=49007".into(),
            marker: "Angers".into(),
        },
        ("GET", "/api/v1/territoire/diagnostic") | ("GET", "/api/v1/territoire/couverture") => {
            NoRecord("public data: the directory's places and the reference indicators")
        }
        ("GET", "/api/v1/territoire/indice") => {
            NoRecord("the coordinator's own territory, from the account, never from the request")
        }
        ("GET", "/api/v1/orientations") => Case::Hides {
            path: path.into(),
            marker: format!(r#""id":{},"#, ids.referral),
        },
        ("GET", "/api/v1/orientations/{id}") => {
            record(format!("/api/v1/orientations/{}", ids.referral), &[], false)
        }
        ("POST", "/api/v1/orientations/{id}/etapes") => Case::Record {
            path: format!("/api/v1/orientations/{}/etapes", ids.referral),
            form: Vec::new(),
            json: Some(format!(
                r#"{{"action":"accepter","version":{}}}"#,
                ids.referral_version
            )),
            about_person: false,
        },
        ("POST", "/api/v1/orientations/{id}/seances") => Case::Record {
            path: format!("/api/v1/orientations/{}/seances", ids.referral),
            form: Vec::new(),
            json: Some(
                r#"{"date":"2026-11-18","duree":"45","lieu":"lieu_activite","materiel":["telephone"],
                    "thematiques":["email"],"autonomie":"partiellement_autonome"}"#
                    .into(),
            ),
            about_person: false,
        },
        ("POST", "/api/v1/orientations/{id}/cloture") => Case::Record {
            path: format!("/api/v1/orientations/{}/cloture", ids.referral),
            form: Vec::new(),
            json: Some(format!(
                r#"{{"version":{},"issue":"Abandon"}}"#,
                ids.referral_version
            )),
            about_person: false,
        },
        ("GET", "/static/{*path}") => NoRecord("static assets"),
        ("GET", "/cheques") => Case::Hides {
            path: "/cheques".into(),
            marker: "Pass numérique Anjou".into(),
        },
        ("GET", "/cheques/campagnes/nouvelle") | ("GET", "/cheques/remise") => {
            NoRecord("a blank form for the viewer's own structure and territory")
        }
        ("POST", "/cheques/campagnes/nouvelle") => Case::Refused {
            path: path.into(),
            form: std::iter::once(("financeur".to_owned(), ids.vouchers.sponsor.to_string()))
                .chain(
                    crate::vouchers::CAMPAIGN
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
                )
                .collect(),
            json: None,
            message: "Ce financeur n'est pas une structure de votre territoire.",
        },
        ("GET", "/cheques/encaissement") => Case::Hides {
            path: path.into(),
            marker: ids.vouchers.redeemed.clone(),
        },
        ("GET", "/cheques/campagnes/{id}") => record(voucher_campaign.clone(), &[], false),
        ("POST", "/cheques/campagnes/{id}/lieux") => record(
            format!("{voucher_campaign}/lieux"),
            &[("lieu", ids.place.to_string()), ("charte", "oui".into())],
            false,
        ),
        ("POST", "/cheques/campagnes/{id}/carnets") => record(
            format!("{voucher_campaign}/carnets"),
            &[("carnets", "1".into()), ("cheques", "1".into())],
            false,
        ),
        ("GET", "/cheques/campagnes/{id}/rapport") => {
            record(format!("{voucher_campaign}/rapport?format=csv"), &[], false)
        }
        ("GET", "/cheques/campagnes/{id}/releves/{lieu}/{mois}") => {
            record(format!("{statement}?format=csv"), &[], false)
        }
        ("POST", "/cheques/campagnes/{id}/releves/{lieu}/{mois}/paye") => {
            record(format!("{statement}/paye"), &[], false)
        }
        ("POST", "/cheques/carnets/{id}/attribution") => record(
            format!("/cheques/carnets/{}/attribution", ids.vouchers.book),
            &[("structure", ids.place.to_string())],
            false,
        ),
        ("POST", "/cheques/carnets/{id}/annulation") => record(
            format!("/cheques/carnets/{}/annulation", ids.vouchers.book),
            &[("confirmation", "oui".into())],
            false,
        ),
        ("POST", "/cheques/carnets/{id}/reception") => record(
            format!("/cheques/carnets/{}/reception", ids.vouchers.book),
            &[],
            false,
        ),
        ("GET", "/cheques/carnets/{id}/pdf") => record(
            format!("/cheques/carnets/{}/pdf", ids.vouchers.book),
            &[],
            false,
        ),
        ("POST", "/cheques/remise") => Case::Refused {
            path: path.into(),
            form: vec![
                ("numero".into(), ids.vouchers.handed.clone()),
                ("tranche".into(), "soixante_dix_plus".into()),
                ("commune".into(), "49007".into()),
                ("public".into(), "seniors".into()),
                ("aide".into(), "inclusion".into()),
            ],
            json: None,
            message: "Aucun chèque de vos carnets ne porte ce numéro",
        },
        ("POST", "/cheques/encaissement") => Case::Refused {
            path: path.into(),
            form: vec![
                ("campagne".into(), ids.vouchers.campaign.to_string()),
                ("numero".into(), ids.vouchers.handed.clone()),
            ],
            json: None,
            message: "n'est pas qualifié pour la campagne",
        },
        ("GET", "/api/v1/cheques/{numero}") => Case::Hides {
            path: format!(
                "/api/v1/cheques/{}?campagne={}",
                ids.vouchers.handed, ids.vouchers.campaign
            ),
            marker: "\"encaissable\":true".into(),
        },
        ("POST", "/api/v1/cheques/{numero}/encaissement") => Case::Refused {
            path: format!("/api/v1/cheques/{}/encaissement", ids.vouchers.handed),
            form: vec![],
            json: Some(format!(r#"{{"campagne":{}}}"#, ids.vouchers.campaign)),
            message: "n'est pas qualifié pour la campagne",
        },
        ("POST", "/cheques/encaissement/annulation") => Case::Refused {
            path: path.into(),
            form: vec![
                ("numero".into(), ids.vouchers.redeemed.clone()),
                ("raison".into(), "wrong_entry".into()),
            ],
            json: None,
            message: "Seul le lieu qui a encaissé ce chèque",
        },
        _ => return None,
    };
    Some(case)
}

/// The foreign accounts: other structures of Maine-et-Loire, and Loire-Atlantique's coordinator.
async fn foreigners(app: &TestApp) -> Vec<(Role, Session)> {
    let mut accounts = Vec::new();
    let others = [
        (
            Role::Prescriber,
            "49",
            "49328",
            "prescriptrice.saumur@example.fr",
        ),
        (Role::Mediator, "49", "49328", "mediateur.saumur@example.fr"),
        (
            Role::StructureManager,
            "49",
            "49328",
            "responsable.saumur@example.fr",
        ),
        (
            Role::Coordinator,
            "44",
            "44109",
            "coordination.nantes@example.fr",
        ),
        (
            Role::Prescriber,
            "44",
            "44109",
            "prescripteur.nantes@example.fr",
        ),
        (
            Role::Mediator,
            "44",
            "44109",
            "mediatrice.nantes@example.fr",
        ),
    ];
    for (role, territory, commune, email) in others {
        let session = sign_in_territory(app, (role, territory, commune), email).await;
        accounts.push((role, session));
    }
    accounts
}

/// A contact request from Angers, through the public form; its id.
async fn contact_request(app: &TestApp) -> i64 {
    let page = app.get("/auto-diagnostic", None).await;
    let cookie = page
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|line| line.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    let token = common::hidden_csrf(&body_text(page).await).expect("token");
    let mut fields = vec![("csrf_token", token.as_str())];
    fields.extend_from_slice(ANSWERS);
    fields.extend_from_slice(&[
        ("commune", "Angers"),
        ("prenom", "Gaëlle"),
        ("telephone", "0241999999"),
        ("accord", "oui"),
    ]);
    let sent = app
        .post_form("/auto-diagnostic/contact", Some(&cookie), &fields)
        .await;
    assert_eq!(sent.status(), StatusCode::OK, "contact request sent");
    let prescriber = app.sign_in(Role::Prescriber).await;
    let list = body_text(app.get("/demandes-contact", Some(&prescriber)).await).await;
    let start = list.find("/demandes-contact/").expect("a request listed") + 18;
    let end = list[start..].find('/').expect("id end") + start;
    let id = list[start..end].parse().expect("request id");
    // The home structure takes it: from then on it is that structure's alone.
    let taken = app
        .post_form(
            &format!("/demandes-contact/{id}/prendre"),
            Some(&prescriber.cookie),
            &[("csrf_token", &prescriber.csrf)],
        )
        .await;
    assert!(taken.status().is_redirection(), "taken: {}", taken.status());
    id
}

/// Builds the home records and returns their ids.
/// The number that follows the first `marker` in a page.
fn number_after(page: &str, marker: &str) -> i64 {
    let start = page.find(marker).expect(marker) + marker.len();
    let digits: String = page[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().expect("a number")
}

async fn home_records(world: &common::journeys::World) -> Ids {
    let app = &world.app;
    let (person, referral_path) = referral_at_first_contact(world, "Maëlle").await;
    let referral: i64 = referral_path
        .trim_start_matches("/orientations/")
        .parse()
        .expect("id");
    let person_page = body_text(
        app.get(&format!("/personnes/{person}"), Some(&world.prescriber))
            .await,
    )
    .await;
    let marker = format!("/personnes/{person}/diagnostics/");
    let diagnostic = number_after(&person_page, &marker);
    // Sent (1), accepted (2), first contact (3), pathway started by the first session (4).
    let recorded = app
        .post_form(
            &format!("{referral_path}/seances"),
            Some(&world.mediator.cookie),
            &common::journeys::good_session(&world.mediator.csrf),
        )
        .await;
    assert_eq!(recorded.status(), StatusCode::SEE_OTHER);
    let referral_page = body_text(app.get(&referral_path, Some(&world.mediator)).await).await;
    let session = number_after(&referral_page, "/seances/");
    let set = app
        .post_form(
            &format!("{referral_path}/rendez-vous"),
            Some(&world.mediator.cookie),
            &[
                ("csrf_token", world.mediator.csrf.as_str()),
                ("date", "2026-12-01"),
                ("heure", "10:00"),
                ("canal", "on_site"),
            ],
        )
        .await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    let referral_page = body_text(app.get(&referral_path, Some(&world.mediator)).await).await;
    let appointment = number_after(&referral_page, "action=\"/rendez-vous/");
    let version = 4;
    let other = aiguillage_domain::directory::Place {
        id: "espace-belle-beille".into(),
        name: "Espace Belle-Beille".into(),
        commune: "Angers".into(),
        postal_code: "49000".into(),
        insee_code: Some("49007".into()),
        address: "5 rue Eugène Bardon".into(),
        updated_on: "2026-01-15".into(),
        services: vec![aiguillage_domain::directory::Service::EverydayTools],
        ..world_place()
    };
    app.store
        .import_places("test", &[(2, other)], None, 0, &|_, _| {})
        .await
        .expect("import");
    let other_place = app
        .store
        .place_id("test", "espace-belle-beille")
        .await
        .expect("id")
        .expect("imported");
    let other_offer = app.store.offers_of(other_place).await.expect("offers")[0].id;
    let waiting = waiting_referral(world).await;
    let registered = app
        .post_form(
            &format!("/personnes/{person}/demandes-droits"),
            Some(&world.prescriber.cookie),
            &[
                ("csrf_token", world.prescriber.csrf.as_str()),
                ("type", "objection"),
                ("recue_le", ""),
            ],
        )
        .await;
    assert_eq!(registered.status(), StatusCode::SEE_OTHER);
    let person_page = body_text(
        app.get(&format!("/personnes/{person}"), Some(&world.prescriber))
            .await,
    )
    .await;
    let rights_request = number_after(&person_page, "/demandes-droits/");
    Ids {
        rights_request,
        person,
        diagnostic,
        referral,
        referral_version: version,
        session,
        appointment,
        place: world.library_id,
        offer: world.offer_id,
        other_offer,
        contact_request: contact_request(app).await,
        conflict: home_conflict(world).await,
        waiting_pseudonym: waiting.1,
        batch: redistributed(app, waiting.0, other_offer).await,
        vouchers: crate::vouchers::home_vouchers(world).await,
        bank: home_bank(world).await,
        session_handle: home_session_handle(world).await,
        access_request: home_access_request(world).await,
        team: home_team(world).await,
    }
}

/// An agent of the library, known to ProConnect and not here, asks for access.
async fn home_access_request(world: &common::journeys::World) -> i64 {
    use aiguillage_domain::proconnect::ClaimedIdentity;
    let identity = ClaimedIdentity {
        subject: "agent-de-la-mediatheque".into(),
        email: Some("agent.toussaint@angers.example".into()),
        given_name: Some("Agathe".into()),
        usual_name: Some("Toussaint".into()),
        siret: Some("21490007800012".into()),
    }
    .check()
    .expect("identity");
    let store = &world.app.store;
    store
        .request_access("https://proconnect.example/api/v2", &identity, 0)
        .await
        .expect("request");
    aiguillage_store::testing::scalar(store, "SELECT MAX(id) AS n FROM access_requests")
        .await
        .expect("id")
}

/// The handle of one of the home prescriber's live sessions.
async fn home_session_handle(world: &common::journeys::World) -> String {
    let app = &world.app;
    let account = app
        .store
        .login_candidate(&common::email_of(Role::Prescriber))
        .await
        .expect("account")
        .expect("the home prescriber")
        .account
        .id;
    let sessions = app
        .store
        .sessions_of(
            aiguillage_domain::ids::AccountId::new(account),
            "",
            app.now(),
        )
        .await
        .expect("sessions");
    sessions.first().expect("a live session").handle.clone()
}

/// The home coordinator moves the waiting referral (version 1) to the other offer: the batch's id.
async fn redistributed(app: &TestApp, referral: i64, offer: i64) -> i64 {
    let coordinator = app.sign_in(Role::Coordinator).await;
    let response = app
        .post_form(
            "/territoire/redistribution",
            Some(&coordinator.cookie),
            &[
                ("csrf_token", coordinator.csrf.as_str()),
                ("deplacement", &format!("{referral}:1:{offer}")),
            ],
        )
        .await;
    let to = common::location(&response).expect("applied");
    to.rsplit_once("lot=")
        .and_then(|(_, id)| id.parse().ok())
        .expect("a batch to undo")
}

/// The library's phone corrected by hand by the coordinator of 49, then a file proposing another:
/// the open conflict's id.
async fn home_conflict(world: &common::journeys::World) -> i64 {
    let app = &world.app;
    let coordinator = app
        .store
        .team_of(app.structure_id)
        .await
        .expect("team")
        .into_iter()
        .find(|account| account.role == Role::Coordinator)
        .expect("coordinator")
        .id;
    let file = app
        .store
        .place(world.library_id)
        .await
        .expect("library")
        .place;
    let mut corrected = file.clone();
    corrected.phone = Some("+33241000077".into());
    app.store
        .update_place_by_hand(
            world.library_id,
            &corrected,
            None,
            (coordinator, "Lieu modifié : téléphone"),
            aiguillage_store::PlaceRights::Everything,
            common::START,
        )
        .await
        .expect("hand edit");
    let file = aiguillage_domain::directory::Place {
        phone: Some("+33241000088".into()),
        ..file
    };
    let report = app
        .store
        .import_places("test", &[(2, file)], None, common::START, &|_, _| {})
        .await
        .expect("import");
    assert_eq!(report.conflicts.len(), 1, "one conflict");
    app.store
        .open_import_conflicts(&|_| true)
        .await
        .expect("conflicts")[0]
        .id
}

/// Enrols, diagnoses and sends a second person (no answer yet); the referral's id and queue
/// pseudonym.
async fn waiting_referral(world: &common::journeys::World) -> (i64, String) {
    let (app, prescriber) = (&world.app, &world.prescriber);
    let response = app
        .post_form(
            "/personnes/inscrire",
            Some(&prescriber.cookie),
            &[
                ("csrf_token", prescriber.csrf.as_str()),
                ("prenom", "Yann"),
                ("nom", "Le Goff"),
                ("telephone", "0612345678"),
                ("commune_recherche", "Angers"),
                ("consentement", "oui"),
            ],
        )
        .await;
    let to = common::location(&response).expect("enrolled");
    let mut answers = vec![("csrf_token", prescriber.csrf.as_str())];
    answers.extend_from_slice(ANSWERS);
    app.post_form(&to, Some(&prescriber.cookie), &answers).await;
    let person = to
        .trim_start_matches("/personnes/")
        .trim_end_matches("/diagnostic");
    // Yann's referent has been warned of his file's end: the home list of files nearing their end
    // names him (`/personnes/echeances`).
    let person_id = aiguillage_domain::ids::PersonId::new(person.parse().expect("person id"));
    app.state
        .store
        .mark_retention_warned(&[person_id], app.state.now())
        .await
        .expect("warned");
    let sent = app
        .post_form(
            &format!("/personnes/{person}/orientation"),
            Some(&prescriber.cookie),
            &[
                ("csrf_token", &prescriber.csrf),
                ("offre", &world.offer_id.to_string()),
                ("consentement", "oui"),
            ],
        )
        .await;
    let referral: i64 = common::referral_location(&sent)
        .expect("sent")
        .trim_start_matches("/orientations/")
        .parse()
        .expect("id");
    let scope = aiguillage_domain::territory::TerritoryScope::Departement("49".into());
    let pseudonym = app
        .store
        .territory_queue(&scope)
        .await
        .expect("queue")
        .into_iter()
        .find(|entry| entry.referral_id == referral)
        .expect("in the queue")
        .pseudonym;
    (referral, pseudonym)
}

fn world_place() -> aiguillage_domain::directory::Place {
    aiguillage_domain::directory::Place {
        pivot: "21490007800020".into(),
        support_modes: vec![aiguillage_domain::directory::SupportMode::Individual],
        ..aiguillage_domain::directory::Place::default()
    }
}

async fn request(
    app: &TestApp,
    method: &Method,
    (path, form, json): (&str, &[(String, String)], Option<&str>),
    session: &Session,
) -> (StatusCode, String) {
    let response = if *method == Method::GET {
        app.get(path, Some(session)).await
    } else if let Some(json) = json {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, &session.cookie)
            .header("x-csrf-token", &session.csrf)
            .body(Body::from(json.to_owned()))
            .expect("request");
        app.send(request).await
    } else {
        let mut fields: Vec<(&str, &str)> = vec![("csrf_token", session.csrf.as_str())];
        fields.extend(form.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        app.post_form(path, Some(&session.cookie), &fields).await
    };
    let status = response.status();
    (status, body_text(response).await)
}

/// Whether some home account allowed on the page sees the marker (so that its absence elsewhere
/// means something).
async fn seen_at_home(
    app: &TestApp,
    home: &[(Role, Session)],
    route: &aiguillage_web::routes::Route,
    path: &str,
    marker: &str,
) -> bool {
    for (role, session) in home {
        if route.allows(Some(*role)) {
            let (_, body) = request(app, &Method::GET, (path, &[], None), session).await;
            if body.contains(marker) {
                return true;
            }
        }
    }
    false
}

#[tokio::test]
async fn no_account_of_another_structure_or_territory_reaches_the_home_records() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    let data = embedded()
        .expect("territory files")
        .with_communes_of(&["44", "49"]);
    app.store
        .import_territory(&data, &|_| {})
        .await
        .expect("territory");
    let ids = home_records(&world).await;
    let foreigners = foreigners(app).await;
    let home = vec![
        (Role::Prescriber, world.prescriber.clone()),
        (Role::Mediator, world.mediator.clone()),
        (Role::Coordinator, app.sign_in(Role::Coordinator).await),
        (
            Role::StructureManager,
            app.sign_in(Role::StructureManager).await,
        ),
    ];
    let mut before = database_contents(&app.store).await.expect("contents");
    let secrets = ["Le Goff", "0612345678", "0241999999"];
    let mut missing = Vec::new();
    let mut failures = Vec::new();
    for route in ROUTES {
        let Some(case) = case_of(&route.method, route.path, &ids) else {
            missing.push(format!("{} {}", route.method, route.path));
            continue;
        };
        for (role, session) in &foreigners {
            if !route.allows(Some(*role)) {
                continue;
            }
            let label = format!("{} {} as {role:?}", route.method, route.path);
            match &case {
                Case::NoRecord(_) => {}
                Case::Record {
                    path,
                    form,
                    json,
                    about_person,
                } => {
                    let (status, body) =
                        request(app, &route.method, (path, form, json.as_deref()), session).await;
                    let refused = if *about_person {
                        status == StatusCode::NOT_FOUND
                    } else {
                        status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN
                    };
                    if !refused {
                        failures.push(format!("{label}: answered {status}"));
                    }
                    if let Some(secret) = secrets.iter().find(|s| body.contains(*s)) {
                        failures.push(format!("{label}: shows « {secret} »"));
                    }
                    let after = database_contents(&app.store).await.expect("contents");
                    if let Some(table) = before.keys().find(|t| before.get(*t) != after.get(*t)) {
                        failures.push(format!("{label}: changed table {table}"));
                        before = after;
                    }
                }
                Case::Refused {
                    path,
                    form,
                    json,
                    message,
                } => {
                    let (status, body) =
                        request(app, &route.method, (path, form, json.as_deref()), session).await;
                    let refused =
                        status == StatusCode::UNPROCESSABLE_ENTITY && body.contains(message);
                    let hidden = status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN;
                    if !refused && !hidden {
                        failures.push(format!("{label}: answered {status} without « {message} »"));
                    }
                    let after = database_contents(&app.store).await.expect("contents");
                    if let Some(table) = before.keys().find(|t| before.get(*t) != after.get(*t)) {
                        failures.push(format!("{label}: changed table {table}"));
                        before = after;
                    }
                }
                Case::Hides { path, marker } => {
                    if !seen_at_home(app, &home, route, path, marker).await {
                        failures.push(format!(
                            "{label}: « {marker} » is not shown at home either: the check proves nothing"
                        ));
                    }
                    let (status, body) =
                        request(app, &Method::GET, (path, &[], None), session).await;
                    if status.is_server_error() {
                        failures.push(format!("{label}: answered {status}"));
                    }
                    if body.contains(marker.as_str()) {
                        failures.push(format!("{label}: shows « {marker} »"));
                    }
                    if let Some(secret) = secrets.iter().find(|s| body.contains(*s)) {
                        failures.push(format!("{label}: shows « {secret} »"));
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes without an object-scope case: {missing:?}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The home side still reaches its records (the cases name real ones).
    let home = app
        .get(
            &format!("/personnes/{}", ids.person),
            Some(&world.prescriber),
        )
        .await;
    assert_eq!(home.status(), StatusCode::OK);
    let receiving = app
        .get(
            &format!("/orientations/{}", ids.referral),
            Some(&world.mediator),
        )
        .await;
    assert_eq!(receiving.status(), StatusCode::OK);
}
