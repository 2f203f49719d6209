//! The demo's resource bank (issue 21): a starter set of sessions written for this project by two
//! mediators of the manager's structure (Inès Garnier and Théo Marchand), each with a memo and a
//! mediator guide as PDF; the coordinator designates the demo mediator référent, who reviewed and
//! published most of them; two wait for review, one has two versions, one is adapted from another,
//! and a few carry ratings. Everything goes through the store's methods, as a person's actions would.

use aiguillage_domain::ids::{AccountId, ResourceSessionId, StructureId};
use aiguillage_domain::pathway::{Theme, WorkshopLevel};
use aiguillage_domain::resource::review::{ChecklistItem, ReviewDecision};
use aiguillage_domain::resource::{
    AccessibilityFeature, Competence, Licence, MaterialKind, ResourceAudience, SessionContent,
};
use aiguillage_interop::voucher_print::plain_document;
use aiguillage_store::{Account, BankActor, MaterialSource, NewMaterial, Store};
use std::collections::BTreeSet;

use Competence as C;
use ResourceAudience as A;

/// One session of the starter bank.
struct Starter {
    title: &'static str,
    audiences: &'static [ResourceAudience],
    level: WorkshopLevel,
    minutes: u32,
    competences: &'static [Competence],
    themes: &'static [Theme],
    prerequisites: &'static str,
    objectives: &'static [&'static str],
    steps: &'static [&'static str],
    /// What the participants keep: the memo's lines.
    memo: &'static [&'static str],
    /// Advice to the mediator, beside the steps.
    advice: &'static [&'static str],
    easy_to_read: bool,
}

const STARTERS: &[Starter] = &[
    Starter {
        title: "Premiers pas avec un smartphone",
        audiences: &[A::Seniors],
        level: WorkshopLevel::Beginner,
        minutes: 120,
        competences: &[C::DigitalEnvironment, C::Interact],
        themes: &[Theme::DeviceHandling],
        prerequisites: "Venir avec son téléphone chargé (un prêt est possible)",
        objectives: &[
            "Allumer, déverrouiller et éteindre son téléphone",
            "Toucher, glisser et revenir à l'écran d'accueil",
            "Passer un appel et répondre à un appel",
        ],
        steps: &[
            "Accueil : chacun dit ce qu'il fait déjà avec son téléphone (10 min)",
            "Les boutons du téléphone et l'écran d'accueil, en montrant sur un grand écran (20 min)",
            "Les trois gestes : toucher, glisser, appuyer longtemps ; exercice avec le jeu des cartes (30 min)",
            "Passer un appel à son voisin de table, puis répondre (30 min)",
            "Pause et questions (10 min)",
            "Bilan : chacun refait seul les gestes du jour et emporte le mémo (20 min)",
        ],
        memo: &[
            "Pour allumer : appuyez longtemps sur le bouton du côté.",
            "Pour revenir à l'accueil : le rond en bas de l'écran, ou glissez du bas vers le haut.",
            "Pour appeler : l'icône du combiné vert, puis le clavier.",
            "Pour raccrocher : le bouton rouge.",
        ],
        advice: &[
            "Prévoyez deux téléphones de prêt, chargés.",
            "Laissez chacun manipuler : ne touchez pas l'écran à sa place.",
        ],
        easy_to_read: false,
    },
    Starter {
        title: "Créer son adresse e-mail et la sécuriser",
        audiences: &[A::Everyone],
        level: WorkshopLevel::Beginner,
        minutes: 90,
        competences: &[C::Interact, C::SecureEnvironment],
        themes: &[Theme::Email, Theme::Security],
        prerequisites: "Savoir utiliser un clavier\nAvoir un téléphone pour recevoir un code",
        objectives: &[
            "Créer une adresse e-mail chez un fournisseur de son choix",
            "Choisir un mot de passe solide et le noter en lieu sûr",
            "Se reconnecter seul à sa messagerie",
        ],
        steps: &[
            "À quoi sert une adresse e-mail : les démarches, la famille, les achats (10 min)",
            "Choisir son fournisseur et son adresse : nom, prénom, année (15 min)",
            "Créer le compte pas à pas, chacun sur son poste (30 min)",
            "Le mot de passe : une phrase facile à retenir, jamais donnée à personne (15 min)",
            "Se déconnecter, se reconnecter, écrire l'adresse sur le mémo (20 min)",
        ],
        memo: &[
            "Mon adresse s'écrit : prénom.nom@fournisseur.fr (à compléter).",
            "Mon mot de passe est une phrase : je ne le donne à personne, même au téléphone.",
            "Si j'oublie mon mot de passe : « Mot de passe oublié » sur la page de connexion.",
        ],
        advice: &[
            "Ne créez jamais l'adresse à la place de la personne.",
            "Ne notez pas le mot de passe sur un support que vous gardez.",
        ],
        easy_to_read: false,
    },
    Starter {
        title: "Lire, écrire et ranger ses courriels",
        audiences: &[A::Seniors, A::Everyone],
        level: WorkshopLevel::Beginner,
        minutes: 90,
        competences: &[C::Interact, C::ManageData],
        themes: &[Theme::Email],
        prerequisites: "Avoir une adresse e-mail et son mot de passe",
        objectives: &[
            "Ouvrir un message et sa pièce jointe",
            "Répondre et écrire un nouveau message",
            "Ranger ou supprimer les messages",
        ],
        steps: &[
            "Se connecter à sa messagerie (10 min)",
            "Lire un message envoyé par le médiateur, ouvrir la pièce jointe (20 min)",
            "Répondre au message, puis écrire à un voisin de table (30 min)",
            "Les dossiers, la corbeille et les indésirables (20 min)",
            "Bilan et mémo (10 min)",
        ],
        memo: &[
            "Un message non lu est écrit en gras.",
            "« Répondre » garde le sujet ; « Nouveau message » commence une autre conversation.",
            "Les messages supprimés restent quelque temps dans la corbeille.",
        ],
        advice: &["Envoyez avant l'atelier un message de bienvenue avec une pièce jointe."],
        easy_to_read: false,
    },
    Starter {
        title: "Prendre un rendez-vous médical en ligne",
        audiences: &[A::Seniors, A::Everyone],
        level: WorkshopLevel::Intermediate,
        minutes: 90,
        competences: &[C::DigitalWorld, C::Search],
        themes: &[Theme::Health],
        prerequisites: "Avoir une adresse e-mail\nSavoir utiliser un navigateur",
        objectives: &[
            "Trouver un professionnel de santé et ses disponibilités",
            "Réserver, déplacer ou annuler un rendez-vous",
            "Retrouver la confirmation dans sa messagerie",
        ],
        steps: &[
            "Les façons de prendre rendez-vous : téléphone, site du cabinet, plateforme (10 min)",
            "Chercher un médecin généraliste près de chez soi (20 min)",
            "Créer son compte sur la plateforme, avec l'accord de la personne (25 min)",
            "Réserver un rendez-vous fictif, puis l'annuler (25 min)",
            "Bilan (10 min)",
        ],
        memo: &[
            "Je cherche par spécialité et par ville.",
            "Je vérifie l'adresse et l'heure avant de confirmer.",
            "Si je ne peux pas venir, j'annule : le créneau sert à quelqu'un d'autre.",
        ],
        advice: &["Faites annuler chaque rendez-vous d'exercice avant la fin de l'atelier."],
        easy_to_read: false,
    },
    Starter {
        title: "Ouvrir et utiliser son compte d'assurance maladie",
        audiences: &[A::Everyone],
        level: WorkshopLevel::Intermediate,
        minutes: 120,
        competences: &[C::DigitalWorld, C::ProtectData],
        themes: &[Theme::Health, Theme::AdministrativeProcedures],
        prerequisites: "Avoir sa carte Vitale et une adresse e-mail",
        objectives: &[
            "Créer son compte en ligne d'assurance maladie",
            "Télécharger une attestation de droits",
            "Suivre ses remboursements",
        ],
        steps: &[
            "Ce que le compte permet : attestations, remboursements, messagerie (15 min)",
            "Créer le compte avec la carte Vitale, sans que le médiateur voie le code reçu (35 min)",
            "Télécharger et enregistrer une attestation (25 min)",
            "Lire la liste des remboursements (25 min)",
            "Bilan : où retrouver ses documents (20 min)",
        ],
        memo: &[
            "Mon identifiant est mon numéro de sécurité sociale : je ne le note pas sur ce mémo.",
            "L'attestation de droits se trouve dans « Mes démarches ».",
            "Un message de l'assurance maladie ne demande jamais mes coordonnées bancaires.",
        ],
        advice: &["Ne notez aucun numéro de la personne ; laissez-la saisir ses codes seule."],
        easy_to_read: false,
    },
    Starter {
        title: "Reconnaître un message d'hameçonnage",
        audiences: &[A::Seniors, A::Everyone],
        level: WorkshopLevel::Beginner,
        minutes: 60,
        competences: &[C::SecureEnvironment, C::ProtectData],
        themes: &[Theme::Security],
        prerequisites: "",
        objectives: &[
            "Repérer les signes d'un faux message (urgence, adresse bizarre, lien caché)",
            "Savoir quoi faire : ne pas cliquer, supprimer, signaler",
        ],
        steps: &[
            "Tour de table : avez-vous déjà reçu un message étrange ? (10 min)",
            "Jeu : vrai ou faux message, sur dix exemples imprimés (25 min)",
            "Les bons réflexes et les sites pour signaler (15 min)",
            "Quiz final et mémo (10 min)",
        ],
        memo: &[
            "Urgence, menace, gain trop beau : méfiance.",
            "Je regarde l'adresse de l'expéditeur, pas seulement son nom.",
            "Je ne clique pas : je vais moi-même sur le site officiel.",
            "En cas de doute, je demande à un proche ou à un médiateur.",
        ],
        advice: &["Les dix exemples sont inventés : n'utilisez pas de vrais messages reçus par des participants."],
        easy_to_read: false,
    },
    Starter {
        title: "Envoyer une photo à un proche (facile à lire)",
        audiences: &[A::Illiteracy, A::Dys],
        level: WorkshopLevel::Beginner,
        minutes: 60,
        competences: &[C::SharePublish],
        themes: &[Theme::DeviceHandling, Theme::DigitalContent],
        prerequisites: "Avoir un téléphone avec un appareil photo",
        objectives: &["Prendre une photo", "Envoyer la photo par message"],
        steps: &[
            "Je montre l'appareil photo du téléphone (10 min)",
            "Chacun prend une photo d'un objet de la table (15 min)",
            "J'envoie la photo à mon voisin par message (25 min)",
            "On regarde les photos reçues (10 min)",
        ],
        memo: &[
            "1. J'ouvre l'appareil photo.",
            "2. J'appuie sur le rond blanc.",
            "3. J'appuie sur « Partager ».",
            "4. Je choisis la personne.",
            "5. J'appuie sur « Envoyer ».",
        ],
        advice: &[
            "Des phrases courtes, une idée par phrase, des images : le mémo suit les règles du facile à lire.",
            "Montrez chaque geste, puis laissez faire.",
        ],
        easy_to_read: true,
    },
    Starter {
        title: "Chercher une information fiable sur internet",
        audiences: &[A::Youth, A::Students],
        level: WorkshopLevel::Intermediate,
        minutes: 90,
        competences: &[C::Search, C::ProcessData],
        themes: &[Theme::WebBrowsing, Theme::DigitalCulture],
        prerequisites: "Savoir ouvrir un navigateur",
        objectives: &[
            "Formuler une recherche avec les bons mots",
            "Reconnaître une source fiable et une publicité",
            "Croiser deux sources avant de croire une information",
        ],
        steps: &[
            "Une rumeur circule : comment savoir si elle est vraie ? (10 min)",
            "Les mots de la recherche : essais en binômes (25 min)",
            "Qui écrit ? Date, auteur, site officiel ou non (25 min)",
            "Défi : vérifier trois affirmations (20 min)",
            "Bilan (10 min)",
        ],
        memo: &[
            "Qui a écrit ? Quand ? Pour quoi faire ?",
            "« Annonce » ou « Sponsorisé » : c'est de la publicité.",
            "Deux sources sérieuses valent mieux qu'une.",
        ],
        advice: &["Choisissez des affirmations du moment, sans sujet qui blesse."],
        easy_to_read: false,
    },
    Starter {
        title: "Faire une visioconférence avec sa famille",
        audiences: &[A::Seniors, A::Families],
        level: WorkshopLevel::Beginner,
        minutes: 90,
        competences: &[C::Interact, C::Collaborate],
        themes: &[Theme::SocialNetworks],
        prerequisites: "Avoir un téléphone, une tablette ou un ordinateur avec caméra",
        objectives: &[
            "Rejoindre un appel vidéo à partir d'un lien",
            "Couper et remettre le son et la caméra",
            "Appeler un proche en vidéo",
        ],
        steps: &[
            "À quoi sert la visio : voir ses petits-enfants, un rendez-vous à distance (10 min)",
            "Rejoindre l'appel du médiateur par le lien reçu (25 min)",
            "Son, caméra, raccrocher (20 min)",
            "Appeler son voisin de table en vidéo (25 min)",
            "Bilan (10 min)",
        ],
        memo: &[
            "Le micro barré : les autres ne m'entendent pas.",
            "La caméra barrée : les autres ne me voient pas.",
            "Le bouton rouge : je quitte l'appel.",
        ],
        advice: &["Testez la connexion de la salle avant l'atelier ; prévoyez un partage de connexion."],
        easy_to_read: false,
    },
    Starter {
        title: "Gérer ses mots de passe sans les oublier",
        audiences: &[A::Everyone],
        level: WorkshopLevel::Intermediate,
        minutes: 60,
        competences: &[C::SecureEnvironment],
        themes: &[Theme::Security],
        prerequisites: "Avoir au moins un compte en ligne",
        objectives: &[
            "Créer un mot de passe solide avec une phrase",
            "Ne jamais utiliser le même mot de passe partout",
            "Découvrir le gestionnaire de mots de passe",
        ],
        steps: &[
            "Combien de comptes avez-vous ? (10 min)",
            "La phrase de passe : chacun en invente une fausse pour l'exercice (15 min)",
            "Un gestionnaire de mots de passe : démonstration (20 min)",
            "Les codes reçus par SMS : à ne jamais donner (10 min)",
            "Bilan (5 min)",
        ],
        memo: &[
            "Une phrase de quatre mots est plus solide qu'un mot compliqué.",
            "Un mot de passe différent pour la messagerie.",
            "Un code reçu par SMS ne se donne à personne.",
        ],
        advice: &["Les phrases inventées en atelier ne doivent pas servir pour de vrai."],
        easy_to_read: false,
    },
    Starter {
        title: "Agrandir le texte et utiliser la lecture vocale",
        audiences: &[A::VisualImpairment, A::Seniors],
        level: WorkshopLevel::Beginner,
        minutes: 60,
        competences: &[C::DigitalEnvironment, C::AdaptDocuments],
        themes: &[Theme::DeviceHandling],
        prerequisites: "Venir avec son téléphone",
        objectives: &[
            "Agrandir le texte et le zoom de son téléphone",
            "Faire lire un texte à voix haute",
            "Dicter un message au lieu de l'écrire",
        ],
        steps: &[
            "Ce qui gêne chacun pour lire l'écran (10 min)",
            "Les réglages d'affichage : taille du texte, contraste (20 min)",
            "La lecture vocale d'une page (15 min)",
            "La dictée d'un message (10 min)",
            "Bilan (5 min)",
        ],
        memo: &[
            "Réglages, puis Affichage : taille du texte.",
            "Réglages, puis Accessibilité : lecture à voix haute.",
            "Le micro du clavier : je parle, le téléphone écrit.",
        ],
        advice: &["Imprimez le mémo en gros caractères (corps 18 au moins)."],
        easy_to_read: true,
    },
    Starter {
        title: "Préparer son espace pour déclarer ses revenus en ligne",
        audiences: &[A::Everyone],
        level: WorkshopLevel::Intermediate,
        minutes: 120,
        competences: &[C::DigitalWorld, C::ManageData],
        themes: &[Theme::AdministrativeProcedures, Theme::MoneyTaxes],
        prerequisites: "Avoir une adresse e-mail\nAvoir son dernier avis d'impôt (sans le montrer au groupe)",
        objectives: &[
            "Se connecter à son espace particulier",
            "Retrouver ses documents et son prélèvement à la source",
            "Savoir à qui s'adresser pour une question",
        ],
        steps: &[
            "Le calendrier de la déclaration (10 min)",
            "Se connecter, chacun seul, le médiateur en appui (30 min)",
            "Visite de l'espace : documents, messagerie sécurisée (40 min)",
            "Les aides : accueil des finances publiques, France services (20 min)",
            "Bilan (20 min)",
        ],
        memo: &[
            "Mes identifiants figurent sur mon avis d'impôt : je ne les donne à personne.",
            "La messagerie sécurisée de mon espace sert à poser mes questions.",
            "Je peux être aidé dans une France services.",
        ],
        advice: &["Le médiateur ne saisit jamais les identifiants ni ne lit les montants."],
        easy_to_read: false,
    },
];

/// The PDF of a memo or a mediator guide.
fn pdf(title: &str, sections: &[(&str, Vec<String>)]) -> Vec<u8> {
    plain_document(title, sections)
}

fn lines(items: &[&str]) -> Vec<String> {
    items.iter().map(|line| (*line).to_owned()).collect()
}

fn content(starter: &Starter) -> SessionContent {
    SessionContent {
        title: starter.title.into(),
        audiences: starter.audiences.iter().copied().collect(),
        level: starter.level,
        duration_minutes: starter.minutes,
        competences: starter.competences.iter().copied().collect(),
        themes: starter.themes.iter().copied().collect(),
        prerequisites: starter.prerequisites.into(),
        objectives: starter.objectives.join("\n"),
        conductor: starter.steps.join("\n"),
        licence: Licence::CcBySa,
        origin: None,
    }
}

fn file(kind: MaterialKind, title: String, bytes: Vec<u8>, name: &str, easy: bool) -> NewMaterial {
    let mut accessibility = BTreeSet::from([AccessibilityFeature::LargePrint]);
    if easy {
        accessibility.insert(AccessibilityFeature::EasyToRead);
    }
    NewMaterial {
        kind,
        title,
        licence: Licence::CcBySa,
        accessibility,
        source: MaterialSource::File {
            bytes,
            media_type: "application/pdf",
            file_name: name.into(),
        },
    }
}

/// The memo and the mediator guide of a starter.
fn materials(starter: &Starter, index: usize) -> [NewMaterial; 2] {
    let memo = pdf(
        &format!("Mémo — {}", starter.title),
        &[
            ("Ce que je retiens", lines(starter.memo)),
            ("Ce que je sais faire maintenant", lines(starter.objectives)),
        ],
    );
    let guide = pdf(
        &format!("Conducteur médiateur — {}", starter.title),
        &[
            ("Objectifs", lines(starter.objectives)),
            ("Déroulé", lines(starter.steps)),
            ("Conseils", lines(starter.advice)),
        ],
    );
    [
        file(
            MaterialKind::Memo,
            format!("Mémo : {}", starter.title),
            memo,
            &format!("memo-seance-{}.pdf", index + 1),
            starter.easy_to_read,
        ),
        file(
            MaterialKind::MediatorGuide,
            "Conducteur médiateur".into(),
            guide,
            &format!("conducteur-seance-{}.pdf", index + 1),
            false,
        ),
    ]
}

fn actor<'a>(account: &'a Account) -> BankActor<'a> {
    BankActor {
        account_id: AccountId::new(account.id),
        structure_id: StructureId::new(account.structure_id),
        role: account.role,
        territory: &account.territory,
        reason: "aiguillage demo",
    }
}

fn publish() -> ReviewDecision {
    ReviewDecision {
        publish: true,
        checked: ChecklistItem::ALL.to_vec(),
        comment: Some("Relue et testée en atelier.".into()),
    }
}

/// Writes a starter session with its materials and submits it; returns its id.
async fn write(
    store: &Store,
    author: &BankActor<'_>,
    (starter, index): (&Starter, usize),
    now: i64,
) -> anyhow::Result<ResourceSessionId> {
    let id = store
        .create_resource_session(author, &content(starter), now)
        .await?;
    for material in materials(starter, index) {
        store
            .add_resource_material(author, id, &material, now)
            .await?
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    store
        .submit_resource(author, id, now)
        .await?
        .map_err(|e| anyhow::anyhow!(e))?;
    Ok(id)
}

async fn review(
    store: &Store,
    referent: &BankActor<'_>,
    id: ResourceSessionId,
    now: i64,
) -> anyhow::Result<()> {
    store
        .start_resource_review(referent, id, now)
        .await?
        .map_err(|e| anyhow::anyhow!(e))?;
    store
        .decide_resource_review(referent, id, &publish(), now)
        .await?
        .map_err(|e| anyhow::anyhow!(e))?;
    Ok(())
}

/// Seeds the starter bank: the accounts are the manager's two mediators (authors), the demo
/// mediator (référent) and the coordinator (who designates), the manager (who rates).
pub async fn seed_bank(
    store: &Store,
    (authors, referent, coordinator, manager): ([&Account; 2], &Account, &Account, &Account),
    now: i64,
) -> anyhow::Result<usize> {
    let coordinator_actor = actor(coordinator);
    store
        .designate_referent(&coordinator_actor, AccountId::new(referent.id), now)
        .await?;
    let referent_actor = actor(referent);
    let [ines, theo] = authors.map(actor);
    let mut published = Vec::new();
    for (index, starter) in STARTERS.iter().enumerate() {
        let author = if index < 6 || index == 10 {
            &ines
        } else {
            &theo
        };
        let id = write(store, author, (starter, index), now).await?;
        // The last two wait for the référent: the demo mediator finds them in « Séances à relire ».
        if index < 10 {
            review(store, &referent_actor, id, now).await?;
            published.push(id);
        }
    }
    second_version(store, (&ines, &referent_actor), published[0], now).await?;
    let adapted = adaptation(store, (&theo, &referent_actor), published[5], now).await?;
    published.push(adapted);
    ratings(store, (&referent_actor, &actor(manager)), &published, now).await?;
    Ok(STARTERS.len() + 1)
}

/// The first session gets a quiz and a clearer step, published as version 2.
async fn second_version(
    store: &Store,
    (author, referent): (&BankActor<'_>, &BankActor<'_>),
    id: ResourceSessionId,
    now: i64,
) -> anyhow::Result<()> {
    let mut changed = content(&STARTERS[0]);
    changed.conductor = changed.conductor.replace(
        "exercice avec le jeu des cartes (30 min)",
        "exercice avec le jeu des cartes, puis le quiz des gestes (30 min)",
    );
    store
        .update_resource_content(author, id, &changed, now)
        .await?
        .map_err(|e| anyhow::anyhow!(e))?;
    let quiz = pdf(
        "Quiz — les gestes du smartphone",
        &[(
            "Vrai ou faux ?",
            lines(&[
                "1. Pour revenir à l'écran d'accueil, j'éteins le téléphone. (faux)",
                "2. Glisser, c'est poser le doigt et le déplacer sans le lever. (vrai)",
                "3. Un appui long ouvre parfois un menu. (vrai)",
            ]),
        )],
    );
    let material = file(
        MaterialKind::Quiz,
        "Quiz des gestes".into(),
        quiz,
        "quiz-gestes.pdf",
        false,
    );
    store
        .add_resource_material(author, id, &material, now)
        .await?
        .map_err(|e| anyhow::anyhow!(e))?;
    store
        .submit_resource(author, id, now)
        .await?
        .map_err(|e| anyhow::anyhow!(e))?;
    review(store, referent, id, now).await
}

/// Théo adapts « Reconnaître un message d'hameçonnage » for people learning French.
async fn adaptation(
    store: &Store,
    (author, referent): (&BankActor<'_>, &BankActor<'_>),
    source: ResourceSessionId,
    now: i64,
) -> anyhow::Result<ResourceSessionId> {
    let (id, _) = store.adapt_resource_session(author, source, now).await?;
    let mut adapted = content(&STARTERS[5]);
    adapted.title = "Reconnaître un message d'hameçonnage (français langue étrangère)".into();
    adapted.audiences = BTreeSet::from([ResourceAudience::ForeignLanguages]);
    adapted.conductor = [
        "Les mots utiles : expéditeur, lien, urgent, gagner, code (15 min)",
        "Jeu : vrai ou faux message, avec les exemples imprimés et illustrés (25 min)",
        "Les bons réflexes, mimés puis dits (15 min)",
        "Quiz en images (5 min)",
    ]
    .join("\n");
    store
        .update_resource_content(author, id, &adapted, now)
        .await?
        .map_err(|e| anyhow::anyhow!(e))?;
    store
        .submit_resource(author, id, now)
        .await?
        .map_err(|e| anyhow::anyhow!(e))?;
    review(store, referent, id, now).await?;
    Ok(id)
}

async fn ratings(
    store: &Store,
    (mediator, manager): (&BankActor<'_>, &BankActor<'_>),
    published: &[ResourceSessionId],
    now: i64,
) -> anyhow::Result<()> {
    let given: &[(usize, &BankActor<'_>, u8, &[ResourceAudience])] = &[
        (0, mediator, 4, &[ResourceAudience::Seniors]),
        (0, manager, 3, &[ResourceAudience::Seniors]),
        (1, mediator, 4, &[ResourceAudience::Everyone]),
        (5, manager, 4, &[ResourceAudience::Everyone]),
        (6, mediator, 3, &[ResourceAudience::Illiteracy]),
    ];
    for (index, who, rating, audiences) in given {
        store
            .rate_resource(who, published[*index], *rating, audiences, None, now)
            .await?
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    Ok(())
}
