//! What survives a reload: the person's templates (JSON) and colour theme, kept in
//! `localStorage`.

use wasm_core::template::Template;

const TEMPLATES_KEY: &str = "zonal.templates.v1";

fn storage() -> Option<web_sys::Storage> {
    crate::glue::local_storage()
}

/// The saved templates; none when storage is unavailable or holds something unreadable.
pub fn load_templates() -> Vec<Template> {
    storage()
        .and_then(|s| s.get_item(TEMPLATES_KEY).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// Saves the templates; false when the browser refuses (private mode, quota).
pub fn save_templates(templates: &[Template]) -> bool {
    let Ok(json) = serde_json::to_string(templates) else {
        return false;
    };
    storage().is_some_and(|s| s.set_item(TEMPLATES_KEY, &json).is_ok())
}

const THEME_KEY: &str = "zonal.theme";

/// The chosen theme: `light`, `dark`, or `system` (the default).
pub fn load_theme() -> String {
    storage()
        .and_then(|s| s.get_item(THEME_KEY).ok().flatten())
        .filter(|t| matches!(t.as_str(), "light" | "dark"))
        .unwrap_or_else(|| "system".into())
}

/// Remembers the theme (best effort).
pub fn save_theme(theme: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(THEME_KEY, theme);
    }
}
