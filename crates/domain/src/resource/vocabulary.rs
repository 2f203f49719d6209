//! The resource bank's own vocabularies, each with a stable code (stored) and a French label (shown):
//! the audiences a session is written for (the places standard's audiences and specific supports,
//! plus dys and everyone), the CRCN competences (as Pix numbers them), the kinds of material, the
//! licences and the accessibility features of a material.

labelled_enum! {
    /// Who a session is written for: the places standard's `publics_specifiquement_adresses` and
    /// `prise_en_charge_specifique`, with dys disorders and « tout public ».
    ResourceAudience {
        Everyone = "tout_public" => "Tout public",
        Seniors = "seniors" => "Seniors",
        Youth = "jeunes" => "Jeunes",
        Families = "familles" => "Familles et/ou enfants",
        Students = "etudiants" => "Étudiants",
        Women = "femmes" => "Femmes",
        VisualImpairment = "deficience_visuelle" => "Déficience visuelle",
        Deafness = "surdite" => "Surdité",
        MotorDisability = "handicap_moteur" => "Handicaps moteurs",
        MentalDisability = "handicap_mental" => "Handicaps mentaux",
        Dys = "dys" => "Troubles dys",
        Illiteracy = "illettrisme" => "Illettrisme",
        ForeignLanguages = "langues_etrangeres" => "Langues étrangères",
    }
}

labelled_enum! {
    /// The competences of the CRCN (arrêté du 30 août 2019) by their number in the framework, with
    /// the names Pix gives them (`data/referentiels/pix-crcn-referentiel.json`).
    Competence {
        Search = "1.1" => "1.1 Mener une recherche et une veille d’information",
        ManageData = "1.2" => "1.2 Gérer des données",
        ProcessData = "1.3" => "1.3 Traiter des données",
        Interact = "2.1" => "2.1 Interagir",
        SharePublish = "2.2" => "2.2 Partager et publier",
        Collaborate = "2.3" => "2.3 Collaborer",
        DigitalWorld = "2.4" => "2.4 S’insérer dans le monde numérique",
        TextDocuments = "3.1" => "3.1 Développer des documents textuels",
        MultimediaDocuments = "3.2" => "3.2 Développer des documents multimédia",
        AdaptDocuments = "3.3" => "3.3 Adapter les documents à leur finalité",
        Program = "3.4" => "3.4 Programmer",
        SecureEnvironment = "4.1" => "4.1 Sécuriser l’environnement numérique",
        ProtectData = "4.2" => "4.2 Protéger les données personnelles et la vie privée",
        ProtectHealth = "4.3" => "4.3 Protéger la santé, le bien-être et l’environnement",
        SolveTechnical = "5.1" => "5.1 Résoudre des problèmes techniques",
        DigitalEnvironment = "5.2" => "5.2 Construire un environnement numérique",
    }
}

labelled_enum! {
    /// What a material is for, in the order a mediator prepares a session.
    MaterialKind {
        Memo = "memo" => "Mémo",
        Tutorial = "tutoriel" => "Tutoriel",
        LearnerGuide = "guide_apprenant" => "Conducteur apprenant",
        MediatorGuide = "guide_mediateur" => "Conducteur médiateur",
        Video = "video" => "Capsule vidéo",
        Quiz = "quiz" => "Quiz",
        Game = "jeu" => "Jeu",
    }
}

labelled_enum! {
    /// The licence a session or a material is published under.
    Licence {
        OpenLicence = "licence_ouverte_2" => "Licence Ouverte 2.0 (Etalab)",
        CcBy = "cc_by_4" => "CC BY 4.0",
        CcBySa = "cc_by_sa_4" => "CC BY-SA 4.0",
        CcByNc = "cc_by_nc_4" => "CC BY-NC 4.0",
        CcByNcSa = "cc_by_nc_sa_4" => "CC BY-NC-SA 4.0",
        AllRightsReserved = "tous_droits_reserves" => "Tous droits réservés (usage interne)",
    }
}

impl Licence {
    /// Whether anyone may read and reuse the work: anonymous visitors see only such sessions. A
    /// non-commercial licence is open to reading and teaching, so it counts as open here.
    pub fn is_open(self) -> bool {
        !matches!(self, Licence::AllRightsReserved)
    }
}

labelled_enum! {
    /// How a material is made accessible.
    AccessibilityFeature {
        EasyToRead = "facile_a_lire" => "Facile à lire et à comprendre (FALC)",
        LargePrint = "gros_caracteres" => "Gros caractères",
        AudioDescription = "audiodescription" => "Audiodescription",
        Captions = "sous_titres" => "Sous-titres",
    }
}
