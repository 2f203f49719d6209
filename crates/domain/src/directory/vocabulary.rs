//! The enumerations of the national places standard, each variant holding the standard's exact French
//! label, and the platform's own enumerations for orientation.

labelled_enum! {
    /// `services`: what help the place gives (9 values).
    Service {
        AdministrativeProcedures => "Aide aux démarches administratives",
        EverydayTools => "Maîtrise des outils numériques du quotidien",
        ProfessionalInsertion => "Insertion professionnelle via le numérique",
        SafeUse => "Utilisation sécurisée du numérique",
        Parenting => "Parentalité et éducation avec le numérique",
        LeisureAndCreation => "Loisirs et créations numériques",
        UnderstandingDigitalWorld => "Compréhension du monde numérique",
        InternetAndEquipmentAccess => "Accès internet et matériel informatique",
        SolidarityEquipment => "Acquisition de matériel informatique à prix solidaire",
    }
}

labelled_enum! {
    /// `publics_specifiquement_adresses`: audiences the place specifically addresses.
    Audience {
        Youth => "Jeunes",
        Students => "Étudiants",
        Families => "Familles et/ou enfants",
        Seniors => "Seniors",
        Women => "Femmes",
    }
}

labelled_enum! {
    /// `prise_en_charge_specifique`: specific support the place can give.
    SpecificSupport {
        Deafness => "Surdité",
        MotorDisability => "Handicaps moteurs",
        MentalDisability => "Handicaps mentaux",
        Illiteracy => "Illettrisme",
        EnglishLanguage => "Langues étrangères (anglais)",
        OtherLanguages => "Langues étrangères (autres)",
        VisualImpairment => "Déficience visuelle",
    }
}

labelled_enum! {
    /// `frais_a_charge`: what the person pays.
    Cost {
        Free => "Gratuit",
        FreeUnderConditions => "Gratuit sous condition",
        Paid => "Payant",
    }
}

labelled_enum! {
    /// `dispositif_programmes_nationaux`: national programmes the place belongs to.
    NationalProgramme {
        AidantsConnect => "Aidants Connect",
        ReferenceDigitalLibraries => "Bibliothèques numérique de référence",
        PixCertification => "Certification PIX",
        DigitalAdvisers => "Conseillers numériques",
        EmmausConnect => "Emmaüs Connect",
        FranceServices => "France Services",
        GrandeEcoleDuNumerique => "Grande école du numérique",
        RedCross => "La Croix Rouge",
        CafDigitalAccessPoint => "Point d'accès numérique CAF",
        PromeneursDuNet => "Promeneurs du net",
        EmmausConnectRelay => "Relais numérique (Emmaüs Connect)",
    }
}

labelled_enum! {
    /// `formations_labels`: trainings and labels of the place's team.
    TrainingLabel {
        MonEspaceSante => "Formé à « Mon Espace Santé »",
        Duplex => "Formé à « DUPLEX » (illettrisme)",
        ArniaMednumBfc => "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
        ReuseCollective => "Collectif ressources et acteurs réemploi (Normandie)",
        EtapesNumeriques => "Étapes numériques(La Poste)",
        FabriquesDeTerritoire => "Fabriques de Territoire",
        EclaireursDuNumerique => "Les Éclaireurs du numérique (Drôme)",
        MesPapiers => "Mes Papiers (Métropole de Lyon)",
        Ordi30 => "ORDI 3.0",
        SudLabs => "SUD LABS (PACA)",
    }
}

labelled_enum! {
    /// `modalites_acces`: how a person gets in.
    AccessMode {
        WalkIn => "Se présenter",
        Phone => "Téléphoner",
        Email => "Contacter par mail",
        OnlineBooking => "Prendre un RDV en ligne",
        NoPublicReception => "Ce lieu n'accueille pas de public",
        PrescriptionByEmail => "Envoyer un mail avec une fiche de prescription",
    }
}

labelled_enum! {
    /// `modalites_accompagnement`: how the help is given.
    SupportMode {
        Autonomous => "En autonomie",
        Individual => "Accompagnement individuel",
        CollectiveWorkshop => "Dans un atelier collectif",
        Remote => "À distance",
    }
}

labelled_enum! {
    /// `itinerance`: whether the place moves.
    Mobility {
        Itinerant => "Itinérant",
        Fixed => "Fixe",
    }
}

labelled_enum! {
    /// Level of intervention (not in the standard): first level informs and helps at once; second level
    /// runs a learning pathway.
    InterventionLevel {
        FirstLevel = "first_level" => "Premier niveau (information, aide immédiate)",
        SecondLevel = "second_level" => "Second niveau (parcours d'apprentissage)",
    }
}

labelled_enum! {
    /// Whether the offer acts on the person's behalf (habilitated helper), teaches, or both.
    HelpStyle {
        ActsOnBehalf = "acts_on_behalf" => "Fait pour la personne (aidant habilité)",
        Teaches = "teaches" => "Apprend à faire",
        Both = "both" => "Fait pour et apprend à faire",
    }
}

labelled_enum! {
    /// The kind of help in the sector's value chain.
    HelpKind {
        DigitalEmergency = "digital_emergency" => "Urgence numérique",
        Inclusion = "inclusion" => "Inclusion numérique",
        Acculturation = "acculturation" => "Acculturation numérique",
    }
}

labelled_enum! {
    /// The support model a structure follows (PRODUCT.md, "Support models").
    SupportModel {
        PlaceOfKnowledge = "place_of_knowledge" => "Lieu de savoir",
        HealthLikePublicService = "health_like_public_service" => "Service public de type soin",
        BenefitClaimantChannel = "benefit_claimant_channel" => "Guichet des ayants droit",
        PersonalService = "personal_service" => "Service à la personne",
        ProviderComplement = "provider_complement" => "Service complémentaire d'un fournisseur",
        Charity = "charity" => "Charité",
    }
}

labelled_enum! {
    /// How official an offer is.
    OfferStatus {
        NationalOfficial = "national_official" => "Officielle nationale",
        LocalOfficial = "local_official" => "Officielle locale",
        Informal = "informal" => "Informelle",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_has_nine_services_and_their_labels_round_trip() {
        assert_eq!(Service::ALL.len(), 9);
        for service in Service::ALL {
            assert_eq!(Service::from_label(service.label()), Some(*service));
        }
        assert_eq!(Service::from_label("Aide aux démarches"), None);
    }

    #[test]
    fn labels_are_the_standards_exact_strings() {
        assert_eq!(
            SpecificSupport::EnglishLanguage.label(),
            "Langues étrangères (anglais)"
        );
        assert_eq!(
            NationalProgramme::CafDigitalAccessPoint.label(),
            "Point d'accès numérique CAF"
        );
        assert_eq!(
            TrainingLabel::EtapesNumeriques.label(),
            "Étapes numériques(La Poste)"
        );
        assert_eq!(SupportMode::Remote.label(), "À distance");
    }
}
