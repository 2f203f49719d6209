//! Static files compiled into the binary: the DSFR (CSS, JavaScript, fonts, icons, favicons) and the
//! application's own stylesheet. Nothing is fetched from elsewhere at run time.

use crate::error::WebError;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// Serves `/static/{path}` from the embedded files, cached for a day.
pub async fn serve(Path(path): Path<String>) -> Result<Response, WebError> {
    let file = Assets::get(&path).ok_or(WebError::NotFound)?;
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    Ok((
        [
            (header::CONTENT_TYPE, mime.essence_str().to_owned()),
            (header::CACHE_CONTROL, "public, max-age=86400".to_owned()),
        ],
        file.data,
    )
        .into_response())
}
