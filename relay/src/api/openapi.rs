//! The OpenAPI document's frame (title, shared schemas). Its paths come from the
//! router: `api::routes` registers each handler with its `#[utoipa::path]` annotation,
//! so a route cannot be missing from `/api/openapi.json`.

use utoipa::OpenApi;

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Zonal relay",
        description = "Jobs, sessions and task delivery of the Zonal relay."
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
