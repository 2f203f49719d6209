//! The instance's shared state, which every use case and handler receives: the store, the settings and the clock.

use aiguillage_store::Store;
use std::sync::Arc;

/// Returns the current time in Unix seconds; tests pass a fixed or movable clock.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| time::OffsetDateTime::now_utc().unix_timestamp())
}

/// Settings of one running instance.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Name of the body that runs the instance, shown in the footer and legal notices.
    pub operator_name: String,
    /// Contact address for the legal notices and data-protection requests.
    pub operator_contact: String,
    /// Whether cookies carry the `Secure` flag (always in production; browsers accept it on localhost).
    pub secure_cookies: bool,
    /// A banner saying this instance holds demonstration data only.
    pub demo_banner: bool,
    /// A raster tile URL template (`https://…/{z}/{x}/{y}.png`) for the map; none by default, the map
    /// then shows département outlines only.
    pub map_tiles: Option<String>,
    /// The SMTP relay for e-mail notifications; none: in-app notifications only.
    pub smtp: Option<crate::mail::SmtpSettings>,
    /// The address people use to reach this instance, for links in e-mails.
    pub public_url: String,
    /// Published counts below this are masked ("secret statistique"), 11 by default.
    pub min_cell_size: u64,
    /// The helpline the take-home sheet gives for the meantime (Solidarité numérique by default).
    pub helpline: aiguillage_domain::orientation::Helpline,
    /// ProConnect sign-in; none: the sign-in page offers the password only.
    pub proconnect: Option<crate::proconnect::ProConnectSettings>,
    /// The bearer token that reads `/metrics`; none: the loopback address only.
    pub metrics_token: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            operator_name: "Instance aiguillage".into(),
            operator_contact: "contact@exemple.fr".into(),
            secure_cookies: true,
            demo_banner: false,
            map_tiles: None,
            smtp: None,
            public_url: "http://127.0.0.1:8080".into(),
            min_cell_size: aiguillage_domain::indicators::DEFAULT_MIN_CELL,
            helpline: aiguillage_domain::orientation::Helpline::default(),
            proconnect: None,
            metrics_token: None,
        }
    }
}

/// The state handed to every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    /// The steering indicators' records, kept in memory between requests.
    pub indicators: Arc<crate::steering::IndicatorCache>,
    /// ProConnect's client and discovered metadata, when configured.
    pub proconnect: crate::proconnect::SharedProConnect,
}

impl AppState {
    pub fn new(store: Store, settings: Settings) -> AppState {
        let proconnect = settings.proconnect.clone().and_then(|config| {
            crate::proconnect::ProConnect::new(config)
                .map_err(|e| tracing::error!(error = %e, "ProConnect client not built"))
                .ok()
                .map(Arc::new)
        });
        AppState {
            store,
            proconnect,
            settings: Arc::new(settings),
            clock: system_clock(),
            indicators: Arc::default(),
        }
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}
