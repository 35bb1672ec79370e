//! The OpenAPI document of the relay's API, generated from the handlers' annotations
//! (utoipa), served at `/api/openapi.json`.

use axum::Json;
use utoipa::OpenApi;

use super::{jobs, regions, service, shares, structure, tasks};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Zonal relay",
        description = "Jobs, sessions and task delivery of the Zonal relay."
    ),
    paths(
        jobs::create,
        jobs::get,
        jobs::events,
        jobs::retry,
        jobs::list,
        jobs::export_csv,
        jobs::delete_session,
        regions::create,
        regions::crop,
        structure::create,
        shares::create,
        shares::get,
        shares::delete,
        tasks::process,
        service::healthz,
        service::config,
    ),
    components(schemas(
        wire::JobView,
        wire::UploadAnswer,
        wire::JobList,
        wire::ErrorBody,
        wire::Progress
    ))
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
