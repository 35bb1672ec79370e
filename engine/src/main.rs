//! The engine worker: a dedicated Web Worker that answers the app's requests with
//! [`engine::docs::Docs`]. A message is `{id, request, bytes?}` (the request as JSON,
//! bytes as a `Uint8Array`, or a PDF as a `Blob`, read here with `FileReaderSync`); the
//! answer is `{id, envelope, bytes?, bitmap?}`, transferred: a rendered page comes as an `ImageBitmap` (made here, so the page only draws it), other
//! bytes (a PNG crop, a scan for OCR) as a `Uint8Array`. Requests are answered one at a
//! time, in the order they came, each before the next message is taken. Once loaded it
//! posts `"ready"`. In the worker's timeline, each page's text reading is a User Timing
//! measure `zonal:text <page>`, each page rendered `zonal:draw <page>` and made a bitmap
//! `zonal:bitmap`; the worker's linear memory is `self.zonalEngineMemory`: what the
//! benchmarks read. A panic logs its message and ends the
//! worker (the wasm build aborts): the app sees the worker's `error` event, starts a
//! new one, and blames the request that was being answered.

#[cfg(target_arch = "wasm32")]
fn main() {
    worker::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the engine is a Web Worker: build it for wasm32 (trunk build)");
}

#[cfg(target_arch = "wasm32")]
mod worker {
    use std::cell::RefCell;

    use engine::docs::Docs;
    use engine::protocol::Envelope;
    use engine::{Reply, Request};
    use js_sys::{Array, Object, Reflect, Uint8Array};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::{Clamped, JsCast};
    use web_sys::{
        Blob, DedicatedWorkerGlobalScope, FileReaderSync, ImageBitmap, ImageData, MessageEvent,
        OffscreenCanvas, OffscreenCanvasRenderingContext2d,
    };

    thread_local! {
        static DOCS: RefCell<Docs> = RefCell::new(Docs::default());
    }

    pub fn run() {
        console_error_panic_hook::set_once();
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(|e: MessageEvent| {
            // Answered before the next message is taken: requests are answered in the
            // order they came, and the page blames the oldest unanswered one on a failure.
            if let Err(err) = answer(&e.data()) {
                web_sys::console::error_1(&err);
            }
        });
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let _ = Reflect::set(&scope, &"zonalEngineMemory".into(), &wasm_bindgen::memory());
        let _ = scope.post_message(&JsValue::from_str("ready"));
    }

    /// [`Request::ReadTexts`] page by page, each page read a `zonal:text <page>` measure.
    fn read_texts(doc: u32, pages: Vec<usize>) -> (Envelope, Option<Vec<u8>>) {
        let mut scans = Vec::new();
        let mut missing = Vec::new();
        for page in pages {
            let read = || {
                let request = Request::ReadTexts {
                    doc,
                    pages: vec![page],
                };
                DOCS.with(|d| d.borrow_mut().handle(request, None))
            };
            // (Only a reading is measured, not a page already read.)
            let (envelope, _) = if DOCS.with(|d| d.borrow().has_text(doc, page)) {
                read()
            } else {
                measured(&format!("zonal:text {page}"), read)
            };
            missing.extend(envelope.missing);
            match envelope.reply {
                Reply::Texts { scans: s } => scans.extend(s),
                failed => {
                    return (
                        Envelope {
                            reply: failed,
                            missing,
                        },
                        None,
                    );
                }
            }
        }
        (
            Envelope {
                reply: Reply::Texts { scans },
                missing,
            },
            None,
        )
    }

    /// RGBA `pixels` as an `ImageBitmap`, ready to be drawn (and transferred): put on an
    /// `OffscreenCanvas` and taken off it, at once (`createImageBitmap` is slower, and
    /// would make answering asynchronous).
    fn bitmap(pixels: &[u8], width: u32, height: u32) -> Result<ImageBitmap, JsValue> {
        let image = ImageData::new_with_u8_clamped_array_and_sh(Clamped(pixels), width, height)?;
        let canvas = OffscreenCanvas::new(width, height)?;
        let ctx = canvas
            .get_context("2d")?
            .ok_or("no 2d context")?
            .dyn_into::<OffscreenCanvasRenderingContext2d>()?;
        ctx.put_image_data(&image, 0.0, 0.0)?;
        canvas.transfer_to_image_bitmap()
    }

    /// `f()`, recorded as the measure `name` in the worker's timeline (when it has one).
    fn measured<T>(name: &str, f: impl FnOnce() -> T) -> T {
        let perf = js_sys::global()
            .unchecked_into::<DedicatedWorkerGlobalScope>()
            .performance();
        let start = perf.as_ref().map(|p| p.now());
        let out = f();
        if let (Some(perf), Some(start)) = (perf, start) {
            let _ = measure_since(&perf, name, start);
        }
        out
    }

    /// A measure `name` from `start` (ms on the worker's clock) to now.
    fn measure_since(perf: &web_sys::Performance, name: &str, start: f64) -> Result<(), JsValue> {
        let options = Object::new();
        Reflect::set(&options, &"start".into(), &start.into())?;
        Reflect::set(&options, &"end".into(), &perf.now().into())?;
        let measure = Reflect::get(perf, &"measure".into())?.unchecked_into::<js_sys::Function>();
        measure.call2(perf, &name.into(), &options).map(|_| ())
    }

    /// What a request carries: a `Uint8Array` (a font, a CMap), or a `Blob` (a PDF as the
    /// person picked it), read here so the page never copies a large file.
    fn carried(value: &JsValue) -> Result<Option<Vec<u8>>, JsValue> {
        if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
            return Ok(Some(bytes.to_vec()));
        }
        let Some(blob) = value.dyn_ref::<Blob>() else {
            return Ok(None);
        };
        let buffer = FileReaderSync::new()?.read_as_array_buffer(blob)?;
        Ok(Some(Uint8Array::new(&buffer).to_vec()))
    }

    fn answer(data: &JsValue) -> Result<(), JsValue> {
        let id = Reflect::get(data, &"id".into())?;
        let json = Reflect::get(data, &"request".into())?
            .as_string()
            .ok_or("no request")?;
        let failed = |message: String| {
            let reply = Reply::Failed { message };
            let missing = Vec::new();
            (Envelope { reply, missing }, None)
        };
        let Ok(bytes) = carried(&Reflect::get(data, &"bytes".into())?) else {
            let why = "the browser could not read the file (was it changed or removed?)";
            return post(id, failed(why.into()));
        };
        let (envelope, out) = match serde_json::from_str::<Request>(&json) {
            Ok(Request::ReadTexts { doc, pages }) => read_texts(doc, pages),
            Ok(request @ Request::Render { page, .. }) => {
                measured(&format!("zonal:draw {page}"), || {
                    DOCS.with(|d| d.borrow_mut().handle(request, bytes))
                })
            }
            Ok(request) => DOCS.with(|d| d.borrow_mut().handle(request, bytes)),
            Err(e) => failed(format!("the engine did not understand the request: {e}")),
        };
        post(id, (envelope, out))
    }

    /// Posts the answer to request `id`, its pixels or bytes transferred.
    fn post(id: JsValue, (mut envelope, out): (Envelope, Option<Vec<u8>>)) -> Result<(), JsValue> {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let msg = Object::new();
        let transfer = Array::new();
        match (&envelope.reply, out) {
            (Reply::Image { width, height }, Some(pixels)) => {
                match measured("zonal:bitmap", || bitmap(&pixels, *width, *height)) {
                    Ok(bitmap) => {
                        transfer.push(&bitmap);
                        Reflect::set(&msg, &"bitmap".into(), &bitmap)?;
                    }
                    Err(_) => {
                        envelope.reply = Reply::Failed {
                            message: "the browser could not make an image of the page".into(),
                        }
                    }
                }
            }
            (_, Some(out)) => {
                let array = Uint8Array::from(out.as_slice());
                transfer.push(&array.buffer());
                Reflect::set(&msg, &"bytes".into(), &array)?;
            }
            (_, None) => {}
        }
        Reflect::set(&msg, &"id".into(), &id)?;
        let json = serde_json::to_string(&envelope).map_err(|e| e.to_string())?;
        Reflect::set(&msg, &"envelope".into(), &json.into())?;
        scope.post_message_with_transfer(&msg, &transfer)
    }
}
