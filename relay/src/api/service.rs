//! The service's own endpoints: liveness and the public configuration.

use axum::Json;
use axum::extract::State;

use crate::state::AppState;

/// `GET /api/healthz`: liveness.
#[utoipa::path(get, path = "/api/healthz", tag = "service", responses((status = 200, body = wire::Health)))]
pub async fn healthz() -> Json<wire::Health> {
    Json(wire::Health {
        status: "ok".into(),
    })
}

/// `GET /api/config`: limits and enabled providers, never secrets.
#[utoipa::path(get, path = "/api/config", tag = "service", responses((status = 200, body = wire::ConfigAnswer)))]
pub async fn config(State(state): State<AppState>) -> Json<wire::ConfigAnswer> {
    // The providers built once at start-up, not rebuilt (HTTP clients, a PATH lookup)
    // for each page load.
    Json(state.config.public(state.ocr.as_ref(), &state.llm))
}
