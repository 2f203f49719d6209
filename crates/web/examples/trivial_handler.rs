//! The ceiling the signed-in pages are measured against (`scripts/bench/pages.mjs`): an axum router
//! with one handler answering a constant text, on the same tokio runtime flavour as `aiguillage
//! serve`, so that a page's share of it says what the application itself costs.
//! Usage: `trivial_handler PORT`.

use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::args().nth(1).unwrap_or_else(|| "8782".to_owned());
    let app = Router::new().route("/", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await
}
