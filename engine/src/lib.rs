//! The engine off the main thread: the app runs wasm-core in a dedicated Web Worker (this
//! crate's binary), as pdf.js runs its parser in one, so opening, text, rendering and the
//! invoice pipeline never block the page, and a document that makes the engine fail
//! ends the worker, not the tab.
//!
//! [`protocol`] is what travels between the two: the app's [`Request`]s and the worker's
//! [`Reply`]s as serde types (bytes — a PDF, a page's pixels, a PNG — travel beside them,
//! transferred, not copied). [`docs::Docs`] holds the open documents and answers the
//! requests; it is plain Rust over wasm-core and is tested natively.

pub mod docs;
pub mod protocol;

pub use protocol::{Reply, Request};
