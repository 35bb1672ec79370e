//! Zonal's web app: open PDFs, see pages, drag rectangles, read the text inside.
//!
//! UI only: every document operation calls `wasm-core`. Modules by screen area:
//! [`components::files`] (opening, file list), [`components::viewer`] (toolbar, pages),
//! [`components::page`] (one page: canvas, overlay, drag), [`components::regions`],
//! [`components::invoice`] and [`components::templates`] (the side panel). Invoice logic
//! for the UI (running the pipeline, corrections, templates from regions, CSV) is in
//! [`extraction`]; what survives a reload in [`persist`]; the relay (OCR, AI, shares) in
//! [`relay`]; share links in [`share`]; fonts and CMaps fetched on first use in [`assets`];
//! counted nouns ("3 pages") in [`format`].

mod assets;
mod components;
mod engine;
mod extraction;
mod format;
mod glue;
mod i18n;
mod ocr;
mod opening;
mod persist;
mod relay;
mod render_queue;
mod server;
mod share;
mod shortcuts;
mod state;
mod store;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(components::App);
}
