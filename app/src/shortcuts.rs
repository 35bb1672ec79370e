//! Keyboard shortcuts, handled once for the whole window. Keys typed into a text field,
//! a select or the password box are left to it (except Escape).

use leptos::ev;
use leptos::prelude::*;

use crate::state::{AppState, Zoom};

/// Every shortcut, for the help dialog (`?`): the keys, and the message saying what they do.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("← / →, PageUp / PageDown", "key-pages"),
    ("Home / End", "key-first-last"),
    ("+ / −", "key-zoom"),
    ("0", "key-fit"),
    ("Delete / Backspace", "key-delete"),
    ("Ctrl+Z", "key-undo"),
    ("Ctrl+Shift+Z / Ctrl+Y", "key-redo"),
    ("E", "key-extract"),
    ("Escape", "key-escape"),
    ("?", "key-help"),
];

/// Listens for the shortcuts; `help` toggles the shortcuts dialog.
pub fn install(app: AppState, help: RwSignal<bool>) {
    let handle = window_event_listener(ev::keydown, move |e: web_sys::KeyboardEvent| {
        let key = e.key();
        if key == "Escape" {
            if help.get_untracked() {
                help.set(false);
            } else {
                app.selected.set(None);
            }
            return;
        }
        if typing(&e) || e.alt_key() {
            return;
        }
        let ctrl = e.ctrl_key() || e.meta_key();
        let handled = match key.as_str() {
            "z" | "Z" if ctrl && e.shift_key() => app.redo(),
            "z" if ctrl => app.undo(),
            "y" if ctrl => app.redo(),
            _ if ctrl => false,
            "ArrowLeft" | "PageUp" => {
                app.go_page(-1);
                true
            }
            "ArrowRight" | "PageDown" => {
                app.go_page(1);
                true
            }
            "Home" => {
                app.go_page(isize::MIN / 2);
                true
            }
            "End" => {
                app.go_page(isize::MAX / 2);
                true
            }
            "+" | "=" => {
                app.step_zoom(true);
                true
            }
            "-" | "_" => {
                app.step_zoom(false);
                true
            }
            "0" => {
                app.zoom.set(Zoom::FitWidth);
                true
            }
            "Delete" | "Backspace" => {
                app.delete_selected();
                true
            }
            "e" | "E" => {
                if let Some(doc) = app.active.get_untracked() {
                    crate::extraction::run(app, doc);
                }
                true
            }
            "?" => {
                help.update(|h| *h = !*h);
                true
            }
            _ => false,
        };
        if handled {
            e.prevent_default();
        }
    });
    on_cleanup(move || handle.remove());
}

/// Whether the key goes to a form control the person is typing in.
fn typing(e: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                || el.has_attribute("contenteditable")
        })
}
