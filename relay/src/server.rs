//! The HTTP server: the API under `/api` and the built web app at `/`.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
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
    let static_files = ServeDir::new(&dist)
        .append_index_html_on_directories(true)
        .fallback(ServeFile::new(dist.join("index.html")));
    Router::new()
        .route("/metrics", get(metrics).with_state(state.clone()))
        .merge(crate::api::routes(state))
        // The fonts and CMaps the app fetches on use: a miss is a 404, not index.html.
        .nest_service("/assets", ServeDir::new(dist.join("assets")))
        .fallback_service(static_files)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http())
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
