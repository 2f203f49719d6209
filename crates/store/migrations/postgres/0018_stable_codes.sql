-- Stable codes instead of French labels (postgres): every enumeration the store keeps is stored by its
-- code (domain `labelled_enum!`, `Coded`: ASCII snake_case, never reworded), so a label can change
-- without touching data. Existing rows are converted here from the labels they hold; a value that is
-- no known label is left as it is (the store then reports it as corrupt rather than guess). The JSON
-- documents (answers_json, profile_json) are rewritten with codes by the store right after this
-- migration (`store::recode`, marked done in data_upgrades); until then their labels still read.

-- A refusal names its reason, a closing its outcome, in columns of their own (codes; NULL for other
-- events): the indicators read them instead of parsing the event's French text.
ALTER TABLE referral_events ADD COLUMN refusal_reason TEXT;
ALTER TABLE referral_events ADD COLUMN outcome TEXT;

-- The one-off conversions of stored data the store makes itself (outside SQL), each named once done.
CREATE TABLE data_upgrades (
    name TEXT PRIMARY KEY
);

-- referrals.state: domain::orientation::ReferralState
UPDATE referrals SET state = CASE state
        WHEN 'Brouillon' THEN 'draft'
        WHEN 'Envoyée' THEN 'sent'
        WHEN 'Acceptée' THEN 'accepted'
        WHEN 'Refusée' THEN 'refused'
        WHEN 'Réorientée' THEN 'redirected'
        WHEN 'Premier contact fait' THEN 'first_contact'
        WHEN 'En parcours' THEN 'in_pathway'
        WHEN 'Close' THEN 'closed'
        ELSE state END;

-- referral_events: the event (domain::orientation::ReferralEventKind) from its old text, or else from
-- the state it led to; its refusal reason and closing outcome from that text; both states.
UPDATE referral_events SET
    event = CASE event
        WHEN 'Envoi' THEN 'send'
        WHEN 'Acceptation' THEN 'accept'
        WHEN 'Refus : Plus de place disponible' THEN 'refuse'
        WHEN 'Refus : Besoin non couvert par l''offre' THEN 'refuse'
        WHEN 'Refus : Public non accueilli' THEN 'refuse'
        WHEN 'Refus : Hors de notre secteur' THEN 'refuse'
        WHEN 'Refus : Prise en charge spécifique impossible' THEN 'refuse'
        WHEN 'Refus : Autre motif' THEN 'refuse'
        WHEN 'Réorientation vers une autre offre' THEN 'redirect'
        WHEN 'Premier contact' THEN 'first_contact'
        WHEN 'Début du parcours' THEN 'start_pathway'
        WHEN 'Clôture : Autonomie atteinte' THEN 'close'
        WHEN 'Clôture : Démarche faite pour la personne' THEN 'close'
        WHEN 'Clôture : Orientée ailleurs' THEN 'close'
        WHEN 'Clôture : Abandon' THEN 'close'
        WHEN 'Clôture : Injoignable' THEN 'close'
        WHEN 'Clôture : A déménagé' THEN 'close'
        ELSE CASE to_state
            WHEN 'Envoyée' THEN 'send'
            WHEN 'Acceptée' THEN 'accept'
            WHEN 'Refusée' THEN 'refuse'
            WHEN 'Réorientée' THEN 'redirect'
            WHEN 'Premier contact fait' THEN 'first_contact'
            WHEN 'En parcours' THEN 'start_pathway'
            WHEN 'Close' THEN 'close'
            ELSE event END END,
    refusal_reason = CASE event
        WHEN 'Refus : Plus de place disponible' THEN 'no_capacity'
        WHEN 'Refus : Besoin non couvert par l''offre' THEN 'need_not_covered'
        WHEN 'Refus : Public non accueilli' THEN 'audience_not_served'
        WHEN 'Refus : Hors de notre secteur' THEN 'out_of_area'
        WHEN 'Refus : Prise en charge spécifique impossible' THEN 'support_not_available'
        WHEN 'Refus : Autre motif' THEN 'other'
        ELSE NULL END,
    outcome = CASE event
        WHEN 'Clôture : Autonomie atteinte' THEN 'autonomous'
        WHEN 'Clôture : Démarche faite pour la personne' THEN 'helped_on_behalf'
        WHEN 'Clôture : Orientée ailleurs' THEN 'sent_elsewhere'
        WHEN 'Clôture : Abandon' THEN 'dropped_out'
        WHEN 'Clôture : Injoignable' THEN 'unreachable'
        WHEN 'Clôture : A déménagé' THEN 'moved_away'
        ELSE NULL END,
    from_state = CASE from_state
        WHEN 'Brouillon' THEN 'draft'
        WHEN 'Envoyée' THEN 'sent'
        WHEN 'Acceptée' THEN 'accepted'
        WHEN 'Refusée' THEN 'refused'
        WHEN 'Réorientée' THEN 'redirected'
        WHEN 'Premier contact fait' THEN 'first_contact'
        WHEN 'En parcours' THEN 'in_pathway'
        WHEN 'Close' THEN 'closed'
        ELSE from_state END,
    to_state = CASE to_state
        WHEN 'Brouillon' THEN 'draft'
        WHEN 'Envoyée' THEN 'sent'
        WHEN 'Acceptée' THEN 'accepted'
        WHEN 'Refusée' THEN 'refused'
        WHEN 'Réorientée' THEN 'redirected'
        WHEN 'Premier contact fait' THEN 'first_contact'
        WHEN 'En parcours' THEN 'in_pathway'
        WHEN 'Close' THEN 'closed'
        ELSE to_state END;

-- referral_outcomes.outcome: domain::orientation::ClosingOutcome
UPDATE referral_outcomes SET outcome = CASE outcome
        WHEN 'Autonomie atteinte' THEN 'autonomous'
        WHEN 'Démarche faite pour la personne' THEN 'helped_on_behalf'
        WHEN 'Orientée ailleurs' THEN 'sent_elsewhere'
        WHEN 'Abandon' THEN 'dropped_out'
        WHEN 'Injoignable' THEN 'unreachable'
        WHEN 'A déménagé' THEN 'moved_away'
        ELSE outcome END;

-- diagnostics: domain::diagnostic::{Typology, AutonomyLevel, RecommendedHelp}, computed and overridden
UPDATE diagnostics SET
    typology = CASE typology
        WHEN 'Autonome' THEN 'autonomous'
        WHEN 'Partiellement autonome, volontaire' THEN 'partly_autonomous_willing'
        WHEN 'Non autonome, non réfractaire' THEN 'not_autonomous_willing'
        WHEN 'Non autonome, sans envie d''apprendre' THEN 'not_autonomous_unwilling'
        ELSE typology END,
    overall = CASE overall
        WHEN 'Non autonome' THEN 'not_autonomous'
        WHEN 'Partiellement autonome' THEN 'partial'
        WHEN 'Autonome' THEN 'autonomous'
        ELSE overall END,
    first_help = CASE first_help
        WHEN 'Urgence numérique : faire la démarche en attente d''abord' THEN 'digital_emergency'
        WHEN 'Faire pour la personne : un aidant habilité' THEN 'act_on_behalf'
        WHEN 'Parcours d''inclusion numérique : apprendre les bases' THEN 'inclusion_pathway'
        WHEN 'Acculturation : consolider et aller plus loin' THEN 'acculturation'
        WHEN 'Information seulement' THEN 'information_only'
        ELSE first_help END,
    override_typology = CASE override_typology
        WHEN 'Autonome' THEN 'autonomous'
        WHEN 'Partiellement autonome, volontaire' THEN 'partly_autonomous_willing'
        WHEN 'Non autonome, non réfractaire' THEN 'not_autonomous_willing'
        WHEN 'Non autonome, sans envie d''apprendre' THEN 'not_autonomous_unwilling'
        ELSE override_typology END,
    override_help = CASE override_help
        WHEN 'Urgence numérique : faire la démarche en attente d''abord' THEN 'digital_emergency'
        WHEN 'Faire pour la personne : un aidant habilité' THEN 'act_on_behalf'
        WHEN 'Parcours d''inclusion numérique : apprendre les bases' THEN 'inclusion_pathway'
        WHEN 'Acculturation : consolider et aller plus loin' THEN 'acculturation'
        WHEN 'Information seulement' THEN 'information_only'
        ELSE override_help END;

-- contact_requests: domain::diagnostic::{Typology, RecommendedHelp}
UPDATE contact_requests SET
    typology = CASE typology
        WHEN 'Autonome' THEN 'autonomous'
        WHEN 'Partiellement autonome, volontaire' THEN 'partly_autonomous_willing'
        WHEN 'Non autonome, non réfractaire' THEN 'not_autonomous_willing'
        WHEN 'Non autonome, sans envie d''apprendre' THEN 'not_autonomous_unwilling'
        ELSE typology END,
    first_help = CASE first_help
        WHEN 'Urgence numérique : faire la démarche en attente d''abord' THEN 'digital_emergency'
        WHEN 'Faire pour la personne : un aidant habilité' THEN 'act_on_behalf'
        WHEN 'Parcours d''inclusion numérique : apprendre les bases' THEN 'inclusion_pathway'
        WHEN 'Acculturation : consolider et aller plus loin' THEN 'acculturation'
        WHEN 'Information seulement' THEN 'information_only'
        ELSE first_help END;

-- structures.support_model: domain::directory::SupportModel
UPDATE structures SET support_model = CASE support_model
        WHEN 'Lieu de savoir' THEN 'place_of_knowledge'
        WHEN 'Service public de type soin' THEN 'health_like_public_service'
        WHEN 'Guichet des ayants droit' THEN 'benefit_claimant_channel'
        WHEN 'Service à la personne' THEN 'personal_service'
        WHEN 'Service complémentaire d''un fournisseur' THEN 'provider_complement'
        WHEN 'Charité' THEN 'charity'
        ELSE support_model END;

-- anonymous_counts: an erased diagnostic is counted under its typology's code
UPDATE anonymous_counts SET fact = CASE fact
        WHEN 'diagnostic_efface:Autonome' THEN 'diagnostic_efface:autonomous'
        WHEN 'diagnostic_efface:Partiellement autonome, volontaire' THEN 'diagnostic_efface:partly_autonomous_willing'
        WHEN 'diagnostic_efface:Non autonome, non réfractaire' THEN 'diagnostic_efface:not_autonomous_willing'
        WHEN 'diagnostic_efface:Non autonome, sans envie d''apprendre' THEN 'diagnostic_efface:not_autonomous_unwilling'
        ELSE fact END;
