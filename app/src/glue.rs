//! Browser glue, the one place that calls browser APIs (components only handle the DOM
//! events Leptos hands them; `relay` fetches through gloo-net): files to bytes, bitmaps
//! to canvases, yielding to the event loop, the clock, visibility observers, downloads,
//! random bytes and UUIDs, `localStorage`, the session in IndexedDB
//! (`src/session_store.js`), a job's event stream (`src/job_events.js`), the page's URL fragment, the clipboard, and Tesseract in the
//! browser (`src/tesseract.js`).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::engine::PageImage;

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/tesseract.js")]
extern "C" {
    #[wasm_bindgen::prelude::wasm_bindgen(catch, js_name = tesseractTsv)]
    async fn tesseract_tsv_js(
        png: &[u8],
        psm: u8,
        progress: &js_sys::Function,
    ) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>;
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/session_store.js")]
extern "C" {
    #[wasm_bindgen::prelude::wasm_bindgen(catch, js_name = sessionSave)]
    async fn session_save_js(
        json: String,
        add: js_sys::Array,
        keep: js_sys::Array,
    ) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>;
    #[wasm_bindgen::prelude::wasm_bindgen(catch, js_name = sessionLoad)]
    async fn session_load_js() -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>;
    #[wasm_bindgen::prelude::wasm_bindgen(catch, js_name = sessionClear)]
    async fn session_clear_js() -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>;
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/job_events.js")]
extern "C" {
    #[wasm_bindgen::prelude::wasm_bindgen(catch, js_name = watchEvents)]
    async fn watch_events_js(
        url: &str,
        session_id: &str,
        on_event: &js_sys::Function,
    ) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>;
}

/// Reads the Server-Sent Events at `url` (sent with the session header) until the
/// stream ends; `on_event(name, data)` for each.
pub async fn watch_events(
    url: &str,
    session_id: &str,
    on_event: impl Fn(&str, &str) + 'static,
) -> Result<(), String> {
    let cb = wasm_bindgen::closure::Closure::<dyn Fn(String, String)>::new(
        move |name: String, data: String| on_event(&name, &data),
    );
    let out = watch_events_js(url, session_id, cb.as_ref().unchecked_ref()).await;
    drop(cb);
    out.map(|_| ()).map_err(|e| js_error_text(&e))
}

/// Stores the session (JSON) in IndexedDB in place of the one stored before, with the
/// PDFs `add` (by SHA-256, as binary records) and none but those named in `keep`.
pub async fn session_save(
    json: String,
    add: &[(&str, &web_sys::Blob)],
    keep: &[String],
) -> Result<(), String> {
    let pairs = js_sys::Array::new();
    for (key, file) in add {
        pairs.push(&js_sys::Array::of2(&(*key).into(), file));
    }
    let keys = keep
        .iter()
        .map(|k| JsValue::from_str(k))
        .collect::<js_sys::Array>();
    session_save_js(json, pairs, keys)
        .await
        .map(|_| ())
        .map_err(|e| js_error_text(&e))
}

/// The session stored in IndexedDB, if any: its JSON and its PDFs by SHA-256.
pub async fn session_load() -> Result<Option<(String, Vec<(String, Vec<u8>)>)>, String> {
    let stored = session_load_js().await.map_err(|e| js_error_text(&e))?;
    let Some(json) = js_sys::Reflect::get(&stored, &"json".into())
        .ok()
        .and_then(|j| j.as_string())
    else {
        return Ok(None);
    };
    let pdfs = js_sys::Reflect::get(&stored, &"pdfs".into())
        .ok()
        .map(|p| js_sys::Array::from(&p))
        .unwrap_or_default()
        .iter()
        .filter_map(|pair| {
            let pair = js_sys::Array::from(&pair);
            let key = pair.get(0).as_string()?;
            let bytes = pair.get(1).dyn_into::<js_sys::Uint8Array>().ok()?;
            Some((key, bytes.to_vec()))
        })
        .collect();
    Ok(Some((json, pdfs)))
}

/// Forgets the stored session.
pub async fn session_clear() -> Result<(), String> {
    session_clear_js()
        .await
        .map(|_| ())
        .map_err(|e| js_error_text(&e))
}

/// Reads a PNG with Tesseract in the browser (WebAssembly, in a Web Worker, loaded from
/// the app's own assets on first use) with page segmentation mode `psm`: Tesseract's
/// TSV. `progress` hears the engine's status and the fraction done.
pub async fn tesseract_tsv(
    png: &[u8],
    psm: u8,
    progress: impl Fn(&str, f64) + 'static,
) -> Result<String, String> {
    let cb = wasm_bindgen::closure::Closure::<dyn Fn(String, f64)>::new(
        move |status: String, fraction: f64| progress(&status, fraction),
    );
    let out = tesseract_tsv_js(png, psm, cb.as_ref().unchecked_ref()).await;
    drop(cb);
    match out {
        Ok(v) => Ok(v.as_string().unwrap_or_default()),
        Err(e) => Err(js_error_text(&e)),
    }
}

/// The message of a JavaScript error (or the value as text).
fn js_error_text(e: &wasm_bindgen::JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "the browser refused".to_string())
}

/// Scrolls an element into the middle of its scrolling ancestors' view.
pub fn scroll_to_middle(el: &web_sys::Element) {
    let opts = web_sys::ScrollIntoViewOptions::new();
    opts.set_block(web_sys::ScrollLogicalPosition::Center);
    opts.set_inline(web_sys::ScrollLogicalPosition::Center);
    el.scroll_into_view_with_scroll_into_view_options(&opts);
}

/// Moves the keyboard focus to the element with `id`; whether there was one.
pub fn focus_id(id: &str) -> bool {
    let el = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    el.map(|el| el.focus().is_ok()).unwrap_or(false)
}

/// The browser's preferred languages (`navigator.languages`), first first.
pub fn browser_languages() -> Vec<String> {
    web_sys::window()
        .map(|w| {
            w.navigator()
                .languages()
                .iter()
                .filter_map(|v| v.as_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Sets `<html lang>`.
pub fn set_document_lang(tag: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", tag);
    }
}

fn intl_options(pairs: &[(&str, wasm_bindgen::JsValue)]) -> js_sys::Object {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &(*k).into(), v);
    }
    o
}

thread_local! {
    /// `Intl` formatters' `format` functions by what they format: making a formatter
    /// costs far more than using it (an invoice panel shows a dozen figures).
    static FORMATTERS: std::cell::RefCell<std::collections::HashMap<String, js_sys::Function>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The formatter kept under `key`, made by `make` the first time.
fn formatter(key: String, make: impl FnOnce() -> js_sys::Function) -> js_sys::Function {
    FORMATTERS.with(|f| f.borrow_mut().entry(key).or_insert_with(make).clone())
}

/// A number as `Intl.NumberFormat(tag)` writes it, with exactly `decimals` decimals.
pub fn format_number(tag: &str, v: f64, decimals: usize) -> String {
    let f = formatter(format!("number {tag} {decimals}"), || {
        let locales = js_sys::Array::of1(&tag.into());
        let d = wasm_bindgen::JsValue::from(decimals as u32);
        let opts = intl_options(&[
            ("minimumFractionDigits", d.clone()),
            ("maximumFractionDigits", d),
        ]);
        js_sys::Intl::NumberFormat::new(&locales, &opts).format()
    });
    f.call1(&wasm_bindgen::JsValue::NULL, &v.into())
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| v.to_string())
}

/// A fraction as `Intl.NumberFormat(tag, {style: "percent"})` writes it.
pub fn format_percent(tag: &str, v: f64) -> String {
    let f = formatter(format!("percent {tag}"), || {
        let locales = js_sys::Array::of1(&tag.into());
        let opts = intl_options(&[
            ("style", "percent".into()),
            ("maximumFractionDigits", 0.into()),
        ]);
        js_sys::Intl::NumberFormat::new(&locales, &opts).format()
    });
    f.call1(&wasm_bindgen::JsValue::NULL, &v.into())
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| format!("{:.0}%", v * 100.0))
}

/// An ISO date (`2017-12-31`) as `Intl.DateTimeFormat(tag, {dateStyle: "medium"})`
/// writes it; `None` when it is not one.
pub fn format_date(tag: &str, iso: &str) -> Option<String> {
    let d = js_sys::Date::new(&format!("{iso}T12:00:00").into());
    if d.get_time().is_nan() {
        return None;
    }
    let f = formatter(format!("date {tag}"), || {
        let locales = js_sys::Array::of1(&tag.into());
        let opts = intl_options(&[("dateStyle", "medium".into())]);
        js_sys::Intl::DateTimeFormat::new(&locales, &opts).format()
    });
    f.call1(&wasm_bindgen::JsValue::NULL, &d).ok()?.as_string()
}

/// Runs `f` once the browser is idle (`requestIdleCallback`; at the next task where it
/// has none).
pub fn when_idle(f: impl FnOnce() + 'static) {
    let cb = wasm_bindgen::closure::Closure::once_into_js(f);
    let Some(w) = web_sys::window() else { return };
    if w.request_idle_callback(cb.unchecked_ref()).is_err() {
        let _ = w.set_timeout_with_callback(cb.unchecked_ref());
    }
}

/// Asks the person to confirm (the browser's own dialog); false when refused.
pub fn confirm(message: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
}

/// Reads a `File` into memory.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    array_buffer(file)
        .await
        .map(|buf| js_sys::Uint8Array::new(&buf).to_vec())
}

/// A `File`'s contents, as the browser reads them.
async fn array_buffer(file: &web_sys::File) -> Result<JsValue, String> {
    JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| "the browser could not read this file".to_string())
}

/// A file's bytes, and a `Blob` of them that no longer depends on the file on disk (what
/// the engine worker and the kept session are given: see `crate::engine::Payload`).
pub async fn read_with_blob(file: &web_sys::File) -> Result<(Vec<u8>, web_sys::Blob), String> {
    let buf = array_buffer(file).await?;
    let bytes = js_sys::Uint8Array::new(&buf).to_vec();
    // Each copy of a large file takes a while: one per task, so the page stays responsive.
    yield_now().await;
    let blob = web_sys::Blob::new_with_buffer_source_sequence(&js_sys::Array::of1(&buf))
        .map_err(|_| "the browser could not keep this file".to_string())?;
    Ok((bytes, blob))
}

/// A `Blob` of `bytes` (copied).
pub fn blob_of(bytes: &[u8]) -> Result<web_sys::Blob, String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    web_sys::Blob::new_with_u8_array_sequence(&parts)
        .map_err(|_| "the browser could not keep this file".to_string())
}

/// Paints a rendered page into a canvas, resizing its backing store to match.
pub fn paint(canvas: &HtmlCanvasElement, img: &PageImage) -> Result<(), String> {
    canvas.set_width(img.width);
    canvas.set_height(img.height);
    let ctx = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        .ok_or("no 2D canvas")?;
    ctx.draw_image_with_image_bitmap(&img.bitmap, 0.0, 0.0)
        .map_err(|_| "could not paint the page".to_string())
}

/// Runs `f` between two User Timing marks, so its duration shows up as a measure named
/// `name` in the browser's performance timeline (`zonal:render …`, `zonal:text …`: read
/// by the benchmarks, visible in DevTools).
pub async fn timed<T>(name: &str, f: impl Future<Output = T>) -> T {
    let perf = web_sys::window().and_then(|w| w.performance());
    let (start, end) = (format!("{name} start"), format!("{name} end"));
    if let Some(p) = &perf {
        let _ = p.mark(&start);
    }
    let out = f.await;
    if let Some(p) = &perf {
        let _ = p.mark(&end);
        let _ = p.measure_with_start_mark_and_end_mark(name, &start, &end);
        p.clear_marks_with_mark_name(&start);
        p.clear_marks_with_mark_name(&end);
    }
    out
}

/// A User Timing mark named `name` (a moment in DevTools' and the benchmarks' timeline).
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// Lets the browser handle input and paint before the next slice of work.
pub async fn yield_now() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// Waits for the browser's next animation frame (its callbacks run just before it
/// paints), so that work done then is followed by a painted frame; at once where there
/// is no window.
pub async fn next_frame() {
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    let callback = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = tx.send(());
    });
    let asked = web_sys::window()
        .is_some_and(|w| w.request_animation_frame(callback.unchecked_ref()).is_ok());
    if asked {
        let _ = rx.await;
    }
}

/// `window.devicePixelRatio` (1 when unknown).
pub fn device_pixel_ratio() -> f64 {
    web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .filter(|r| *r > 0.0)
        .unwrap_or(1.0)
}

/// Calls `changed(ratio)` each time `window.devicePixelRatio` changes (the browser's zoom,
/// the window moved to another screen), for as long as the page lives.
pub fn watch_device_pixel_ratio(changed: impl Fn(f64) + 'static) {
    fn listen(changed: Rc<dyn Fn(f64)>) {
        let query = format!("(resolution: {}dppx)", device_pixel_ratio());
        let Some(list) = web_sys::window().and_then(|w| w.match_media(&query).ok().flatten())
        else {
            return;
        };
        // The query matches the ratio as it was: it stops matching once it changes.
        let callback = wasm_bindgen::closure::Closure::once_into_js(move || {
            changed(device_pixel_ratio());
            listen(changed);
        });
        let once = web_sys::AddEventListenerOptions::new();
        once.set_once(true);
        let _ = list.add_event_listener_with_callback_and_add_event_listener_options(
            "change",
            callback.unchecked_ref(),
            &once,
        );
    }
    listen(Rc::new(changed));
}

/// Calls `resized(el)` once `el` is laid out and whenever its size changes, after the
/// browser's layout (so reading its size there costs no extra layout); stops when the
/// returned guard is dropped.
pub fn observe_size(
    el: &web_sys::Element,
    resized: impl Fn(&web_sys::Element) + 'static,
) -> Option<ObserverGuard> {
    use wasm_bindgen::closure::Closure;
    let target = el.clone();
    let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |_: js_sys::Array| resized(&target));
    let observer = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()).ok()?;
    observer.observe(el);
    Some(ObserverGuard {
        disconnect: Box::new(move || observer.disconnect()),
        _callback: Some(cb),
    })
}

/// Offers `text` to the person as a file download.
pub fn download(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    download_parts(
        filename,
        mime,
        &js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text)),
    )
}

fn download_parts(filename: &str, mime: &str, parts: &js_sys::Array) -> Result<(), String> {
    let fail = |_| "the browser refused the download".to_string();
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &opts).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a = doc
        .create_element("a")
        .map_err(fail)?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "no anchor".to_string())?;
    a.set_href(&url);
    a.set_download(filename);
    a.click();
    // Revoked later: revoking at once can cancel the download in some browsers.
    gloo_timers::callback::Timeout::new(30_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// Sets the colour theme on `<html data-theme>` (`system` removes it, so the
/// stylesheet follows the system's preference).
pub fn set_theme(theme: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = if theme == "system" {
            root.remove_attribute("data-theme")
        } else {
            root.set_attribute("data-theme", theme)
        };
    }
}

/// `n` bytes from the browser's cryptographic random source.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; n];
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or("no crypto in this browser")?
        .get_random_values_with_u8_array(&mut buf)
        .map_err(|_| "the browser refused random bytes".to_string())?;
    Ok(buf)
}

/// The page's URL fragment, without the `#`.
pub fn location_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .map(|h| h.trim_start_matches('#').to_string())
        .unwrap_or_default()
}

/// The page's URL without its fragment (where share links point).
pub fn page_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// Drops the fragment from the address bar without reloading (so a reload does not
/// open a share twice).
pub fn clear_hash() {
    if let Some(w) = web_sys::window()
        && let Ok(h) = w.history()
    {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&page_url()));
    }
}

/// Copies `text` to the clipboard (the browser may refuse; the caller shows the text
/// anyway).
pub async fn copy_text(text: &str) -> Result<(), String> {
    let clip = web_sys::window()
        .map(|w| w.navigator().clipboard())
        .ok_or("no clipboard")?;
    JsFuture::from(clip.write_text(text))
        .await
        .map(|_| ())
        .map_err(|_| "the browser refused the clipboard".to_string())
}

/// Offers bytes to the person as a file download.
pub fn download_bytes(filename: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let arr = js_sys::Uint8Array::from(bytes);
    download_parts(filename, mime, &js_sys::Array::of1(&arr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen::Clamped;
    use wasm_bindgen_test::*;
    use web_sys::ImageData;

    wasm_bindgen_test_configure!(run_in_browser);

    fn document() -> web_sys::Document {
        web_sys::window()
            .and_then(|w| w.document())
            .expect("a document")
    }

    #[wasm_bindgen_test]
    async fn reads_a_file_byte_for_byte() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
        let file = web_sys::File::new_with_u8_array_sequence(&parts, "x.pdf").expect("file");
        assert_eq!(read_file(&file).await.expect("read"), bytes);
    }

    #[wasm_bindgen_test]
    async fn paints_a_rendered_page_into_a_canvas_pixel_for_pixel() {
        // A real page rendered by wasm-core in the browser, made a bitmap as the engine
        // worker does, painted, and read back.
        let pdf = include_bytes!("../../../shared/corpus/dev/invoice2data/oyo.pdf").to_vec();
        let doc = wasm_core::Document::open(pdf, None).expect("opens");
        let img = doc.render(1, 0.5).expect("renders");
        let data =
            ImageData::new_with_u8_clamped_array_and_sh(Clamped(&img.data), img.width, img.height)
                .expect("image data");
        let promise = web_sys::window()
            .expect("window")
            .create_image_bitmap_with_image_data(&data)
            .expect("bitmap");
        let bitmap = JsFuture::from(promise)
            .await
            .expect("bitmap")
            .dyn_into()
            .expect("bitmap");
        let page = PageImage {
            width: img.width,
            height: img.height,
            bitmap,
        };
        let canvas: HtmlCanvasElement = document()
            .create_element("canvas")
            .expect("canvas")
            .dyn_into()
            .expect("canvas");
        paint(&canvas, &page).expect("paints");
        assert_eq!((canvas.width(), canvas.height()), (img.width, img.height));
        let ctx: CanvasRenderingContext2d = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .expect("2d")
            .dyn_into()
            .expect("2d");
        let back = ctx
            .get_image_data(0.0, 0.0, f64::from(img.width), f64::from(img.height))
            .expect("read back");
        assert_eq!(
            back.data().0,
            img.data,
            "opaque pixels survive the round trip unchanged"
        );
    }

    #[wasm_bindgen_test]
    fn region_text_matches_native_in_the_browser() {
        let pdf = include_bytes!("../../../shared/corpus/dev/invoice2data/oyo.pdf").to_vec();
        let doc = wasm_core::Document::open(pdf, None).expect("opens");
        let t = doc.page_text(1).expect("text");
        let r = wasm_core::geometry::Rect {
            x0: 314.0,
            top: 152.0,
            x1: 357.0,
            bottom: 167.0,
        };
        assert_eq!(t.region_text(&r), "IBZY2087");
        assert!(device_pixel_ratio() > 0.0);
    }
}

/// Milliseconds since the page loaded (`performance.now()`), 0 where unavailable.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// A random UUID (`crypto.randomUUID`), empty where unavailable.
pub fn random_uuid() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_default()
}

/// This origin's `localStorage`, if the browser allows it.
pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Calls `on_change(intersecting, ratio)` whenever `el` comes within `root_margin` of
/// the viewport or leaves it, or crosses one of `thresholds`; the watch stops when the
/// returned guard is dropped. Every element watched with the same margin and thresholds
/// shares one observer: the browser works out one observer's intersections each frame,
/// not one per page of a long document.
pub fn observe_intersection(
    el: &web_sys::Element,
    root_margin: &str,
    thresholds: &[f64],
    on_change: impl FnMut(bool, f64) + 'static,
) -> Option<ObserverGuard> {
    let key = format!("{root_margin} {thresholds:?}");
    let shared = INTERSECTIONS.with(|all| {
        if let Some(s) = all.borrow().get(&key) {
            return Some(s.clone());
        }
        let s = Rc::new(SharedIntersections::new(root_margin, thresholds)?);
        all.borrow_mut().insert(key, s.clone());
        Some(s)
    })?;
    let on_change: Rc<RefCell<dyn FnMut(bool, f64)>> = Rc::new(RefCell::new(on_change));
    shared.watched.borrow_mut().push((el.clone(), on_change));
    shared.observer.observe(el);
    let el = el.clone();
    Some(ObserverGuard {
        disconnect: Box::new(move || {
            shared.observer.unobserve(&el);
            shared
                .watched
                .borrow_mut()
                .retain(|(e, _)| !js_sys::Object::is(e, &el));
        }),
        _callback: None,
    })
}

/// The elements one intersection observer watches, each with what to call.
type Watched = Rc<RefCell<Vec<(web_sys::Element, Rc<RefCell<dyn FnMut(bool, f64)>>)>>>;

/// An intersection observer shared by the elements watched with its options.
struct SharedIntersections {
    observer: web_sys::IntersectionObserver,
    watched: Watched,
    _callback: wasm_bindgen::closure::Closure<dyn FnMut(js_sys::Array)>,
}

impl SharedIntersections {
    fn new(root_margin: &str, thresholds: &[f64]) -> Option<Self> {
        let watched: Watched = Rc::default();
        let targets = watched.clone();
        let callback = wasm_bindgen::closure::Closure::<dyn FnMut(js_sys::Array)>::new(
            move |entries: js_sys::Array| {
                for e in entries.iter() {
                    let Ok(e) = e.dyn_into::<web_sys::IntersectionObserverEntry>() else {
                        continue;
                    };
                    let target = e.target();
                    // (Taken out first: what it calls may watch or unwatch elements.)
                    let found = targets
                        .borrow()
                        .iter()
                        .find(|(el, _)| js_sys::Object::is(el, &target))
                        .map(|(_, f)| f.clone());
                    if let Some(f) = found
                        && let Ok(mut f) = f.try_borrow_mut()
                    {
                        f(e.is_intersecting(), e.intersection_ratio());
                    }
                }
            },
        );
        let opts = web_sys::IntersectionObserverInit::new();
        opts.set_root_margin(root_margin);
        let list = js_sys::Array::new();
        for t in thresholds {
            list.push(&(*t).into());
        }
        opts.set_threshold(&list);
        let observer = web_sys::IntersectionObserver::new_with_options(
            callback.as_ref().unchecked_ref(),
            &opts,
        )
        .ok()?;
        Some(Self {
            observer,
            watched,
            _callback: callback,
        })
    }
}

thread_local! {
    static INTERSECTIONS: RefCell<std::collections::HashMap<String, Rc<SharedIntersections>>> =
        RefCell::default();
}

/// Keeps an observer (of intersections, of sizes) and its callback alive; disconnects
/// it when dropped.
pub struct ObserverGuard {
    disconnect: Box<dyn Fn()>,
    _callback: Option<wasm_bindgen::closure::Closure<dyn FnMut(js_sys::Array)>>,
}

impl Drop for ObserverGuard {
    fn drop(&mut self) {
        (self.disconnect)();
    }
}
