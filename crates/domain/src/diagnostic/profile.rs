//! The profile computed from a diagnostic's answers: autonomy per domain and overall, the typology (a
//! decision table), the help recommended, the national standard's services that match, and the hard
//! requirements orientation must respect — each with its reasons in plain French. The rules are
//! documented in docs/diagnostic.md; change both together.

use super::answers::*;
use crate::directory::{Service, SpecificSupport};
use serde::{Deserialize, Serialize};
use time::Date;

/// Share of the possible points (in %) from which a domain, or the whole, is autonomous.
pub const AUTONOMOUS_FROM_PERCENT: u32 = 75;
/// Share of the possible points (in %) from which a domain, or the whole, is partly autonomous.
pub const PARTIAL_FROM_PERCENT: u32 = 40;
/// A deadline this close (in days) or passed makes the urgency "very urgent".
pub const VERY_URGENT_WITHIN_DAYS: i64 = 7;

labelled_enum! {
    /// Autonomy, per domain or overall.
    AutonomyLevel {
        NotAutonomous = "not_autonomous" => "Non autonome",
        Partial = "partial" => "Partiellement autonome",
        Autonomous = "autonomous" => "Autonome",
    }
}

labelled_enum! {
    /// The typology of PRODUCT.md.
    Typology {
        Autonomous = "autonomous" => "Autonome",
        PartlyAutonomousWilling = "partly_autonomous_willing" => "Partiellement autonome, volontaire",
        NotAutonomousWilling = "not_autonomous_willing" => "Non autonome, non réfractaire",
        NotAutonomousUnwilling = "not_autonomous_unwilling" => "Non autonome, sans envie d'apprendre",
    }
}

labelled_enum! {
    /// The kind of help recommended, in the order it should come.
    RecommendedHelp {
        DigitalEmergency = "digital_emergency" => "Urgence numérique : faire la démarche en attente d'abord",
        ActOnBehalf = "act_on_behalf" => "Faire pour la personne : un aidant habilité",
        InclusionPathway = "inclusion_pathway" => "Parcours d'inclusion numérique : apprendre les bases",
        Acculturation = "acculturation" => "Acculturation : consolider et aller plus loin",
        InformationOnly = "information_only" => "Information seulement",
    }
}

/// The result for one skill domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainResult {
    pub domain: SkillDomain,
    /// Share of the possible points, 0 to 100.
    pub percent: u32,
    pub level: AutonomyLevel,
    pub reason: String,
}

/// One recommended step of help, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpStep {
    pub help: RecommendedHelp,
    pub reason: String,
}

/// One service of the national standard the person needs, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceNeed {
    pub service: Service,
    pub reason: String,
}

/// What orientation must respect, whatever the ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirements {
    /// The offer must provide every one of these.
    pub specific_support: Vec<SpecificSupport>,
    /// Help by phone or video is possible.
    pub remote_possible: bool,
    /// Greatest distance in km (0: the help must come to the person or be remote).
    pub max_distance_km: u32,
    /// The offer must act on the person's behalf (habilitated helper).
    pub acts_on_behalf: bool,
    pub reasons: Vec<String>,
}

/// The urgency as the profile shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrgencySummary {
    pub organisation: ProcedureOrganisation,
    pub kind: ProcedureKind,
    pub deadline: Date,
    /// Days from the diagnostic to the deadline (negative when passed).
    pub days_left: i64,
    pub very_urgent: bool,
}

/// The computed profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub domains: Vec<DomainResult>,
    pub overall_percent: u32,
    pub overall: AutonomyLevel,
    pub overall_reasons: Vec<String>,
    pub typology: Typology,
    pub typology_reason: String,
    pub help: Vec<HelpStep>,
    pub services: Vec<ServiceNeed>,
    pub requirements: Requirements,
    pub urgency: Option<UrgencySummary>,
}

impl Profile {
    /// The first help to give.
    pub fn first_help(&self) -> RecommendedHelp {
        self.help
            .first()
            .map_or(RecommendedHelp::InformationOnly, |step| step.help)
    }

    pub fn domain(&self, domain: SkillDomain) -> Option<&DomainResult> {
        self.domains.iter().find(|result| result.domain == domain)
    }
}

/// Computes the whole profile. `today` is the diagnostic's date (for the urgency's days left).
pub fn profile(answers: &Answers, today: Date) -> Profile {
    let domains: Vec<DomainResult> = SkillDomain::ALL
        .iter()
        .map(|domain| domain_result(answers, *domain))
        .collect();
    let (overall_percent, overall, overall_reasons) = overall(answers, &domains);
    let row = typology_row(overall, answers.willingness);
    let urgency = answers.urgency.map(|urgency| {
        let days_left = (urgency.deadline - today).whole_days();
        UrgencySummary {
            organisation: urgency.organisation,
            kind: urgency.kind,
            deadline: urgency.deadline,
            days_left,
            very_urgent: days_left <= VERY_URGENT_WITHIN_DAYS,
        }
    });
    let help = help_steps(row.typology, urgency.as_ref());
    let services = services(answers, &domains, &help);
    let requirements = requirements(answers, &help);
    Profile {
        domains,
        overall_percent,
        overall,
        overall_reasons,
        typology: row.typology,
        typology_reason: row.reason.to_owned(),
        help,
        services,
        requirements,
        urgency,
    }
}

fn level_of(percent: u32) -> AutonomyLevel {
    if percent >= AUTONOMOUS_FROM_PERCENT {
        AutonomyLevel::Autonomous
    } else if percent >= PARTIAL_FROM_PERCENT {
        AutonomyLevel::Partial
    } else {
        AutonomyLevel::NotAutonomous
    }
}

/// A domain's share of points: its main answer and its detailed tasks, each counting once.
fn domain_result(answers: &Answers, domain: SkillDomain) -> DomainResult {
    let main = answers.skill(domain);
    let tasks: Vec<(DetailedTask, SkillAnswer)> = answers
        .detailed
        .iter()
        .copied()
        .filter(|(task, _)| task.domain() == domain)
        .collect();
    let points = main.points() + tasks.iter().map(|(_, a)| a.points()).sum::<u32>();
    let possible = 2 * (1 + tasks.len() as u32);
    let percent = points * 100 / possible;
    let level = level_of(percent);
    let mut reason = format!(
        "Parce que la personne a répondu « {} » pour « {} »",
        main.label().to_lowercase(),
        domain.label().to_lowercase()
    );
    if !tasks.is_empty() {
        let done_alone = tasks
            .iter()
            .filter(|(_, a)| *a == SkillAnswer::Alone)
            .count();
        reason.push_str(&match tasks.len() {
            1 => format!(" et fait seule {done_alone} tâche détaillée sur 1"),
            count => format!(" et fait seule {done_alone} des {count} tâches détaillées"),
        });
    }
    reason.push_str(&format!(" ({percent} % des points)."));
    if main == SkillAnswer::DoesNotKnow {
        reason.push_str(
            " « Ne sait pas » compte comme « pas du tout » : à vérifier avec un médiateur.",
        );
    }
    DomainResult {
        domain,
        percent,
        level,
        reason,
    }
}

/// Overall autonomy: the mean of the domains' shares, lowered to "partly" when a domain is not
/// autonomous or when the person has no device.
fn overall(answers: &Answers, domains: &[DomainResult]) -> (u32, AutonomyLevel, Vec<String>) {
    let percent = domains.iter().map(|d| d.percent).sum::<u32>() / domains.len().max(1) as u32;
    let mut level = level_of(percent);
    let mut reasons = vec![format!(
        "Parce que la moyenne des cinq domaines est de {percent} % (autonome à partir de {AUTONOMOUS_FROM_PERCENT} %, partiellement à partir de {PARTIAL_FROM_PERCENT} %)."
    )];
    let weak: Vec<String> = domains
        .iter()
        .filter(|d| d.level == AutonomyLevel::NotAutonomous)
        .map(|d| d.domain.label().to_lowercase())
        .collect();
    if level == AutonomyLevel::Autonomous && !weak.is_empty() {
        level = AutonomyLevel::Partial;
        reasons.push(format!(
            "Parce qu'un domaine n'est pas maîtrisé ({}) : l'autonomie n'est que partielle.",
            weak.join(", ")
        ));
    }
    if level == AutonomyLevel::Autonomous && !answers.has_device() {
        level = AutonomyLevel::Partial;
        reasons.push(
            "Parce que la personne n'a ni smartphone, ni ordinateur, ni tablette : elle ne peut pas faire seule chez elle."
                .to_owned(),
        );
    }
    (percent, level, reasons)
}

/// One row of the typology decision table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypologyRow {
    pub autonomy: AutonomyLevel,
    pub willingness: Willingness,
    pub typology: Typology,
    pub reason: &'static str,
}

const fn row(
    autonomy: AutonomyLevel,
    willingness: Willingness,
    typology: Typology,
    reason: &'static str,
) -> TypologyRow {
    TypologyRow {
        autonomy,
        willingness,
        typology,
        reason,
    }
}

/// The typology decision table: one row for each overall autonomy × willingness to learn
/// (docs/diagnostic.md shows it as a table).
pub const TYPOLOGY_TABLE: [TypologyRow; 9] = {
    use AutonomyLevel as A;
    use Typology as T;
    use Willingness as W;
    [
        row(A::Autonomous, W::Yes, T::Autonomous, "Parce que la personne se débrouille seule : l'envie d'apprendre ne change pas son type."),
        row(A::Autonomous, W::Unsure, T::Autonomous, "Parce que la personne se débrouille seule : l'envie d'apprendre ne change pas son type."),
        row(A::Autonomous, W::No, T::Autonomous, "Parce que la personne se débrouille seule : l'envie d'apprendre ne change pas son type."),
        row(A::Partial, W::Yes, T::PartlyAutonomousWilling, "Parce que la personne se débrouille en partie et veut progresser."),
        row(A::Partial, W::Unsure, T::PartlyAutonomousWilling, "Parce que la personne se débrouille en partie et n'a pas refusé d'apprendre : on lui propose de progresser."),
        row(A::Partial, W::No, T::NotAutonomousUnwilling, "Parce que la personne ne se débrouille qu'en partie et ne veut pas apprendre : pour ce qu'elle ne sait pas faire, quelqu'un doit faire pour elle."),
        row(A::NotAutonomous, W::Yes, T::NotAutonomousWilling, "Parce que la personne ne se débrouille pas encore et veut apprendre."),
        row(A::NotAutonomous, W::Unsure, T::NotAutonomousWilling, "Parce que la personne ne se débrouille pas encore et n'a pas refusé d'apprendre."),
        row(A::NotAutonomous, W::No, T::NotAutonomousUnwilling, "Parce que la personne ne se débrouille pas et ne veut pas apprendre pour l'instant."),
    ]
};

/// The row of the table for this combination (the table covers all nine).
pub fn typology_row(autonomy: AutonomyLevel, willingness: Willingness) -> TypologyRow {
    TYPOLOGY_TABLE
        .iter()
        .copied()
        .find(|row| row.autonomy == autonomy && row.willingness == willingness)
        .unwrap_or(TYPOLOGY_TABLE[TYPOLOGY_TABLE.len() - 1])
}

/// The help each type gets by default (PRODUCT.md, "Typology").
pub fn default_help(typology: Typology) -> (RecommendedHelp, &'static str) {
    match typology {
        Typology::Autonomous => (
            RecommendedHelp::InformationOnly,
            "Parce que la personne est autonome : l'informer suffit.",
        ),
        Typology::PartlyAutonomousWilling => (
            RecommendedHelp::Acculturation,
            "Parce que la personne est partiellement autonome et volontaire : un médiateur l'aide à consolider et à aller plus loin.",
        ),
        Typology::NotAutonomousWilling => (
            RecommendedHelp::InclusionPathway,
            "Parce que la personne n'est pas autonome mais veut apprendre : un parcours d'inclusion numérique avec un médiateur.",
        ),
        Typology::NotAutonomousUnwilling => (
            RecommendedHelp::ActOnBehalf,
            "Parce que la personne ne veut pas apprendre pour l'instant : un aidant habilité (Aidants Connect, France Services) fait pour elle, et l'envie d'apprendre lui sera reproposée plus tard.",
        ),
    }
}

/// "1 jour", "3 jours".
fn days_in_words(days: i64) -> String {
    if days == 1 {
        "1 jour".to_owned()
    } else {
        format!("{days} jours")
    }
}

/// The help in order: the urgency first (whatever the type), then the type's help.
pub fn help_steps(typology: Typology, urgency: Option<&UrgencySummary>) -> Vec<HelpStep> {
    let mut steps = Vec::new();
    if let Some(urgency) = urgency {
        let when = match urgency.days_left {
            days if days < 0 => {
                format!("dont l'échéance est passée depuis {}", days_in_words(-days))
            }
            0 => "à faire aujourd'hui".to_owned(),
            days => format!("à faire dans {}", days_in_words(days)),
        };
        steps.push(HelpStep {
            help: RecommendedHelp::DigitalEmergency,
            reason: format!(
                "Parce qu'une démarche est en attente ({} — {}), {when} : l'accompagnement vient après l'urgence de la démarche.",
                urgency.organisation.label(),
                urgency.kind.label().to_lowercase()
            ),
        });
    }
    let (help, reason) = default_help(typology);
    steps.push(HelpStep {
        help,
        reason: reason.to_owned(),
    });
    steps
}

fn below(domains: &[DomainResult], domain: SkillDomain) -> bool {
    domains
        .iter()
        .any(|d| d.domain == domain && d.level != AutonomyLevel::Autonomous)
}

/// The standard's services that match the needs, each with why, in the standard's order.
fn services(answers: &Answers, domains: &[DomainResult], help: &[HelpStep]) -> Vec<ServiceNeed> {
    let mut needs: Vec<ServiceNeed> = Vec::new();
    let mut add = |service: Service, reason: String| {
        if !needs.iter().any(|need| need.service == service) {
            needs.push(ServiceNeed { service, reason });
        }
    };
    let helps = |wanted: RecommendedHelp| help.iter().any(|step| step.help == wanted);
    if helps(RecommendedHelp::DigitalEmergency) {
        add(
            Service::AdministrativeProcedures,
            "Parce qu'une démarche est en attente.".into(),
        );
    }
    if helps(RecommendedHelp::ActOnBehalf) {
        add(
            Service::AdministrativeProcedures,
            "Parce que quelqu'un doit faire les démarches pour la personne.".into(),
        );
    }
    if below(domains, SkillDomain::OnlineProcedure) {
        add(
            Service::AdministrativeProcedures,
            "Parce que la personne ne fait pas seule ses démarches en ligne.".into(),
        );
    }
    let everyday: Vec<&str> = [
        SkillDomain::UsingDevice,
        SkillDomain::SearchingInformation,
        SkillDomain::Messaging,
    ]
    .into_iter()
    .filter(|domain| below(domains, *domain))
    .map(SkillDomain::label)
    .collect();
    if !everyday.is_empty() {
        add(
            Service::EverydayTools,
            format!(
                "Parce que ces bases ne sont pas acquises : {}.",
                everyday.join(", ").to_lowercase()
            ),
        );
    }
    if answers.levers.contains(&Lever::FamilyContact) {
        add(Service::EverydayTools, "Parce que la personne veut garder le contact avec ses proches (messages, appels vidéo).".into());
    }
    if answers.levers.contains(&Lever::Job) {
        add(
            Service::ProfessionalInsertion,
            "Parce que l'emploi compte pour la personne.".into(),
        );
    }
    if below(domains, SkillDomain::StayingSafe) {
        add(
            Service::SafeUse,
            "Parce que la personne ne sait pas encore se protéger seule en ligne.".into(),
        );
    }
    if answers.levers.contains(&Lever::ChildrenSchooling) {
        add(
            Service::Parenting,
            "Parce que la scolarité des enfants compte pour la personne.".into(),
        );
    }
    if answers.levers.contains(&Lever::Leisure) {
        add(
            Service::LeisureAndCreation,
            "Parce que les loisirs comptent pour la personne.".into(),
        );
    }
    if helps(RecommendedHelp::Acculturation) {
        add(
            Service::UnderstandingDigitalWorld,
            "Parce que la personne veut aller plus loin dans ses usages.".into(),
        );
    }
    if !answers.has_device() {
        add(
            Service::SolidarityEquipment,
            "Parce que la personne n'a ni smartphone, ni ordinateur, ni tablette.".into(),
        );
        add(
            Service::InternetAndEquipmentAccess,
            "Parce que la personne n'a pas d'appareil pour aller en ligne.".into(),
        );
    } else if !answers.has(Equipment::InternetAtHome) {
        add(
            Service::InternetAndEquipmentAccess,
            "Parce que la personne n'a pas internet à la maison.".into(),
        );
    }
    needs.sort_by_key(|need| Service::ALL.iter().position(|s| *s == need.service));
    needs
}

/// The hard requirements: specific support asked or implied by the language answers, remote help,
/// distance, and acting on the person's behalf.
fn requirements(answers: &Answers, help: &[HelpStep]) -> Requirements {
    let mut reasons = Vec::new();
    let mut support: Vec<SpecificSupport> = answers.support_needs.clone();
    for need in &answers.support_needs {
        reasons.push(format!(
            "Parce que la personne a besoin d'une prise en charge : {}.",
            need.label().to_lowercase()
        ));
    }
    if !answers.languages.contains(&Language::French) && !answers.languages.is_empty() {
        let needed = if answers.languages.contains(&Language::English) {
            SpecificSupport::EnglishLanguage
        } else {
            SpecificSupport::OtherLanguages
        };
        if !support.contains(&needed) {
            support.push(needed);
            reasons.push(format!(
                "Parce que la personne ne peut pas être aidée en français : {}.",
                needed.label().to_lowercase()
            ));
        }
    }
    if answers.french_reading == LiteracyLevel::NotAtAll
        && answers.languages.contains(&Language::French)
        && !support.contains(&SpecificSupport::Illiteracy)
    {
        support.push(SpecificSupport::Illiteracy);
        reasons.push("Parce que la personne parle français mais ne le lit pas : une aide formée à l'illettrisme.".to_owned());
    }
    support.sort();
    let online = answers.has_device()
        && (answers.has(Equipment::InternetAtHome) || answers.has(Equipment::Smartphone));
    let remote_possible = online && answers.accepts_remote;
    reasons.push(if remote_possible {
        "Parce que la personne a un appareil connecté et accepte d'être aidée à distance : les offres à distance conviennent.".to_owned()
    } else if answers.accepts_remote {
        "Parce que la personne n'a pas d'appareil connecté : l'aide à distance ne convient pas.".to_owned()
    } else {
        "Parce que la personne ne souhaite pas d'aide à distance.".to_owned()
    });
    let max_distance_km = answers.travel_range.max_km();
    reasons.push(if max_distance_km == 0 {
        "Parce que la personne ne peut pas se déplacer : l'aide doit venir à elle (à domicile, itinérante) ou se faire à distance.".to_owned()
    } else {
        format!("Parce que la personne peut se déplacer jusqu'à {max_distance_km} km.")
    });
    let acts_on_behalf = help
        .iter()
        .any(|step| step.help == RecommendedHelp::ActOnBehalf);
    if acts_on_behalf {
        reasons.push("Parce que quelqu'un doit faire pour la personne : l'offre doit compter un aidant habilité.".to_owned());
    }
    Requirements {
        specific_support: support,
        remote_possible,
        max_distance_km,
        acts_on_behalf,
        reasons,
    }
}

/// How one domain moved between two diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainProgress {
    pub domain: SkillDomain,
    pub before: AutonomyLevel,
    pub after: AutonomyLevel,
    /// Change of the share of points, in percentage points.
    pub change: i64,
}

impl DomainProgress {
    /// "progrès", "recul" or "stable", for the page.
    pub fn trend(&self) -> &'static str {
        match self.change {
            c if c > 0 => "Progrès",
            c if c < 0 => "Recul",
            _ => "Stable",
        }
    }
}

/// The progress by domain from an earlier profile to a later one.
pub fn progress(before: &Profile, after: &Profile) -> Vec<DomainProgress> {
    after
        .domains
        .iter()
        .filter_map(|now| {
            before.domain(now.domain).map(|then| DomainProgress {
                domain: now.domain,
                before: then.level,
                after: now.level,
                change: i64::from(now.percent) - i64::from(then.percent),
            })
        })
        .collect()
}
