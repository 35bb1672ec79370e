//! The HTTP server: the API under `/api` and the built web app at `/`.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Uri, header};
use axum::response::Response;
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::config::ServeConfig;
use crate::error::AppError;
use crate::state::AppState;

/// Builds the whole app: API routes plus the static web app with an SPA fallback.
pub fn app(state: AppState) -> Router {
    let dist = state.config.dist.clone();
    Router::new()
        .route("/metrics", get(metrics).with_state(state.clone()))
        .merge(crate::api::routes(state))
        .merge(web_app(&dist))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http())
}

/// The built web app (Trunk's dist/): the precompressed `.br` / `.gz` copies the build
/// wrote beside each file, by the request's `Accept-Encoding`; hashed file names cached
/// for a year, everything else revalidated on each use. Unknown paths get index.html
/// (client-side routes), except under `/assets` (fonts and CMaps the app fetches on use),
/// where a miss is a 404, never the app's HTML.
fn web_app(dist: &Path) -> Router {
    let serve = |dir: PathBuf| ServeDir::new(dir).precompressed_br().precompressed_gzip();
    let index = ServeFile::new(dist.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .nest_service("/assets", serve(dist.join("assets")))
        .fallback_service(
            serve(dist.to_path_buf())
                .append_index_html_on_directories(true)
                .fallback(index),
        )
        .layer(axum::middleware::map_response(
            |uri: Uri, mut res: Response| async move {
                let html = res
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
                // (A hashed name that is gone gets index.html: that must not stick.)
                let policy = if res.status().is_success() && !html && is_content_hashed(uri.path())
                {
                    "public, max-age=31536000, immutable"
                } else {
                    "no-cache"
                };
                let headers = res.headers_mut();
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
                // Caches between keep one copy per encoding.
                headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
                res
            },
        ))
}

/// Whether a path names a file whose name carries its content hash (Trunk's
/// `name-<16 hex digits>` files and snippet folders), which never changes under that name.
fn is_content_hashed(path: &str) -> bool {
    path.split('/').any(|segment| {
        segment.match_indices('-').any(|(i, _)| {
            let hash = segment.get(i + 1..i + 17).unwrap_or("");
            hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
        })
    })
}

async fn metrics(
    State(state): State<AppState>,
) -> Result<impl axum::response::IntoResponse, AppError> {
    let counts = state.store.counts().await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&counts),
    ))
}

/// Binds and serves until Ctrl-C or SIGTERM.
pub async fn serve(config: ServeConfig) -> std::io::Result<()> {
    let addr = config.bind_addr();
    if !config.dist.join("index.html").exists() {
        tracing::warn!(dist = %config.dist.display(), "web app not built; only the API is served");
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    println!("Zonal is running at http://{local}/");
    let state = AppState::connect(config)
        .await
        .map_err(std::io::Error::other)?;
    state.spawn_background();
    // The connection's address is the rate limits' client key (unless a trusted proxy's
    // `X-Forwarded-For` names it).
    let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
