//! The engine worker seen from the page: wasm-core runs in a dedicated Web Worker (the
//! `engine` crate), so opening, text, rendering and the pipeline never block the UI.
//! [`call`] sends a request and waits for its reply.
//!
//! When the worker fails (a panic ends it: the wasm build aborts), the request it was
//! answering is blamed: its file is reported to the handler given to [`on_crash`], and
//! its callers get [`EngineError::Crashed`]. A new worker is started at once; the other
//! open files are opened in it again, the fonts and CMaps provided so far provided again,
//! and the requests still waiting are sent to it, so every other file and region
//! survives.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use ::engine::protocol::{Envelope, Reply, Request};
use futures::channel::oneshot;
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, ImageBitmap, MessageEvent, Worker};

/// Why a request got no reply.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineError {
    /// The engine failed while answering it (and was restarted).
    Crashed,
    /// The engine could not be started (its files did not load).
    Unavailable(String),
    /// The engine answered that the request could not be done.
    Failed(String),
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Crashed => f.write_str("the PDF engine failed on this file"),
            Self::Unavailable(why) => write!(f, "the PDF engine could not start: {why}"),
            Self::Failed(why) => f.write_str(why),
        }
    }
}

/// The worker's script (Trunk's loader for `engine.js` + `engine_bg.wasm`).
const WORKER_URL: &str = "engine_loader.js";

/// What a request carries beside its JSON: bytes copied out of this module (a font, a
/// CMap), or a PDF as a `Blob` (the file the person picked), which the worker reads
/// itself, so a large file is neither copied nor cloned on the page's thread.
#[derive(Clone)]
pub enum Payload {
    /// Bytes.
    Bytes(Uint8Array),
    /// A file.
    File(Blob),
}

impl Payload {
    fn js(&self) -> &JsValue {
        match self {
            Self::Bytes(b) => b,
            Self::File(f) => f,
        }
    }
}

/// What came with a reply.
pub enum Carried {
    /// Bytes: a PNG crop, a scan prepared for OCR.
    Bytes(Vec<u8>),
    /// A rendered page, drawn by the worker's browser into a bitmap.
    Bitmap(ImageBitmap),
}

/// A rendered page: its pixels as a bitmap (closed when dropped).
pub struct PageImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The pixels.
    pub bitmap: ImageBitmap,
}

impl Drop for PageImage {
    fn drop(&mut self) {
        self.bitmap.close();
    }
}

type Answer = Result<(Reply, Option<Carried>), EngineError>;

struct Pending {
    request: Request,
    bytes: Option<Payload>,
    /// Sent to the current worker (else waiting for it to be ready).
    posted: bool,
    /// `None` for the requests the client makes itself (opening files again).
    reply: Option<oneshot::Sender<Answer>>,
}

/// The worker's `message` and `error` handlers, kept alive with it.
type Handlers = (
    Closure<dyn Fn(MessageEvent)>,
    Closure<dyn Fn(web_sys::Event)>,
);

struct Client {
    worker: Worker,
    ready: bool,
    next: u64,
    /// Requests without a reply yet, by id (the worker answers in order).
    pending: BTreeMap<u64, Pending>,
    /// Files open in the engine: their bytes and password, to open them again.
    open: BTreeMap<u32, (Payload, Option<String>)>,
    /// Fonts and CMaps provided so far, to provide them again.
    provided: Vec<(String, Uint8Array)>,
    /// Assets the pages read so far lacked.
    missing: BTreeSet<String>,
    /// Assets already handed out by [`take_missing`] (other replies may still name them
    /// until they arrive).
    asked: BTreeSet<String>,
    /// Told which file the engine failed on.
    on_crash: Option<Rc<dyn Fn(u32)>>,
    /// Failures before the worker was ever ready: the engine cannot start.
    failed_starts: u32,
    _handlers: Handlers,
}

thread_local! {
    static CLIENT: RefCell<Option<Client>> = const { RefCell::new(None) };
}

/// Calls `handler` with the file a failing engine was working on.
pub fn on_crash(handler: impl Fn(u32) + 'static) {
    with_client(|c| c.on_crash = Some(Rc::new(handler)));
}

/// Sends `request` (with `bytes` beside it) and waits for the reply.
pub async fn call(request: Request, bytes: Option<&[u8]>) -> Answer {
    call_with(request, bytes.map(|b| Payload::Bytes(Uint8Array::from(b)))).await
}

/// Sends `request` with `payload` beside it and waits for the reply.
pub async fn call_with(request: Request, payload: Option<Payload>) -> Answer {
    let (tx, rx) = oneshot::channel();
    with_client(|c| c.push(request, payload, Some(tx)));
    let answer = rx
        .await
        .unwrap_or_else(|_| Err(EngineError::Unavailable("the engine went away".into())))?;
    match answer {
        (Reply::Failed { message }, _) => Err(EngineError::Failed(message)),
        ok => Ok(ok),
    }
}

/// Page `page` of `doc` rendered at `scale` pixels per point.
pub async fn render(doc: u32, page: usize, scale: f64) -> Result<PageImage, String> {
    match call(Request::Render { doc, page, scale }, None).await {
        Ok((Reply::Image { width, height }, Some(Carried::Bitmap(bitmap)))) => Ok(PageImage {
            width,
            height,
            bitmap,
        }),
        Ok(_) => Err("the engine sent no image".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// The fonts and CMaps the pages read so far lacked (each reported once).
pub fn take_missing() -> Vec<String> {
    with_client(|c| {
        let new: Vec<String> = std::mem::take(&mut c.missing)
            .into_iter()
            .filter(|p| !c.asked.contains(p))
            .collect();
        c.asked.extend(new.iter().cloned());
        new
    })
}

/// Gives the engine a font or CMap it lacked; the pages' texts are read again.
pub async fn provide(path: &str, bytes: Vec<u8>) -> Result<(), EngineError> {
    call(Request::Provide { path: path.into() }, Some(&bytes)).await?;
    with_client(|c| {
        c.provided
            .push((path.into(), Uint8Array::from(bytes.as_slice())))
    });
    Ok(())
}

fn with_client<T>(f: impl FnOnce(&mut Client) -> T) -> T {
    CLIENT.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(Client::start(None));
        }
        let client = slot.as_mut().expect("started above");
        f(client)
    })
}

impl Client {
    fn start(previous: Option<Client>) -> Client {
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(|e: MessageEvent| received(e.data()));
        let on_error = Closure::<dyn Fn(web_sys::Event)>::new(|e: web_sys::Event| {
            e.prevent_default();
            crashed();
        });
        let worker = Worker::new(WORKER_URL).unwrap_or_else(|e| {
            web_sys::console::error_2(&"engine worker".into(), &e);
            // A worker that cannot be made fails every request (below).
            Worker::new("data:text/javascript,throw 1").expect("a data worker")
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let mut c = Client {
            worker,
            ready: false,
            next: 0,
            pending: BTreeMap::new(),
            open: BTreeMap::new(),
            provided: Vec::new(),
            missing: BTreeSet::new(),
            asked: BTreeSet::new(),
            on_crash: None,
            failed_starts: 0,
            _handlers: (on_message, on_error),
        };
        if let Some(p) = previous {
            c.next = p.next;
            c.on_crash = p.on_crash;
            c.failed_starts = p.failed_starts;
            c.missing = p.missing;
            c.asked = p.asked;
            // Files and assets first, then what was waiting, in order.
            for (doc, (bytes, password)) in &p.open {
                let open = Request::Open {
                    doc: *doc,
                    password: password.clone(),
                };
                c.push(open, Some(bytes.clone()), None);
            }
            for (path, bytes) in &p.provided {
                c.push(
                    Request::Provide { path: path.clone() },
                    Some(Payload::Bytes(bytes.clone())),
                    None,
                );
            }
            c.open = p.open;
            c.provided = p.provided;
            for (_, mut pending) in p.pending {
                pending.posted = false;
                let id = c.next;
                c.next += 1;
                c.pending.insert(id, pending);
            }
        }
        c
    }

    fn push(
        &mut self,
        request: Request,
        bytes: Option<Payload>,
        reply: Option<oneshot::Sender<Answer>>,
    ) {
        let id = self.next;
        self.next += 1;
        self.pending.insert(
            id,
            Pending {
                request,
                bytes,
                posted: false,
                reply,
            },
        );
        if self.ready {
            self.post(id);
        }
    }

    fn post(&mut self, id: u64) {
        let Some(p) = self.pending.get_mut(&id) else {
            return;
        };
        let msg = Object::new();
        let json = serde_json::to_string(&p.request).unwrap_or_default();
        let _ = Reflect::set(&msg, &"id".into(), &JsValue::from_f64(id as f64));
        let _ = Reflect::set(&msg, &"request".into(), &json.into());
        if let Some(b) = &p.bytes {
            // Copied, not transferred: kept to send again to a new worker.
            let _ = Reflect::set(&msg, &"bytes".into(), b.js());
        }
        p.posted = true;
        if let Err(e) = self.worker.post_message(&msg) {
            web_sys::console::error_2(&"engine request".into(), &e);
        }
    }
}

/// A message from the worker: "ready", or a reply.
fn received(data: JsValue) {
    if data.as_string().as_deref() == Some("ready") {
        with_client(|c| {
            c.ready = true;
            c.failed_starts = 0;
            let ids: Vec<u64> = c.pending.keys().copied().collect();
            for id in ids {
                c.post(id);
            }
        });
        return;
    }
    let id = Reflect::get(&data, &"id".into())
        .ok()
        .and_then(|v| v.as_f64())
        .map(|v| v as u64);
    let envelope = Reflect::get(&data, &"envelope".into())
        .ok()
        .and_then(|v| v.as_string())
        .and_then(|json| serde_json::from_str::<Envelope>(&json).ok());
    let carried = Reflect::get(&data, &"bitmap".into())
        .ok()
        .and_then(|v| v.dyn_into::<ImageBitmap>().ok())
        .map(Carried::Bitmap)
        .or_else(|| {
            Reflect::get(&data, &"bytes".into())
                .ok()
                .and_then(|v| v.dyn_into::<Uint8Array>().ok())
                .map(|a| Carried::Bytes(a.to_vec()))
        });
    let (Some(id), Some(envelope)) = (id, envelope) else {
        web_sys::console::error_1(&"engine: a reply the page could not read".into());
        return;
    };
    let pending = with_client(|c| {
        c.missing.extend(envelope.missing);
        let pending = c.pending.remove(&id)?;
        match (&pending.request, &envelope.reply) {
            (Request::Open { doc, password }, Reply::Opened { .. }) => {
                if let Some(b) = &pending.bytes {
                    c.open.insert(*doc, (b.clone(), password.clone()));
                }
            }
            (Request::Close { doc }, _) => {
                c.open.remove(doc);
            }
            _ => {}
        }
        Some(pending)
    });
    if let Some(tx) = pending.and_then(|p| p.reply) {
        let _ = tx.send(Ok((envelope.reply, carried)));
    }
}

/// The worker ended: blame the request it was answering, start a new worker with the
/// other files, send it what was waiting.
fn crashed() {
    let (blamed, handler) = CLIENT.with(|cell| {
        let Some(mut old) = cell.borrow_mut().take() else {
            return (Vec::new(), None);
        };
        old.worker.terminate();
        let mut blamed = Vec::new();
        if !old.ready {
            old.failed_starts += 1;
        }
        if old.failed_starts >= 2 {
            // It does not even start: fail everything rather than loop.
            for (_, p) in std::mem::take(&mut old.pending) {
                if let Some(tx) = p.reply {
                    let _ = tx.send(Err(EngineError::Unavailable(
                        "its files did not load (offline before the first visit?)".into(),
                    )));
                }
            }
        } else if let Some((&first, _)) = old.pending.iter().find(|(_, p)| p.posted) {
            let culprit = old.pending.remove(&first).expect("found above");
            let doc = culprit.request.doc();
            if let Some(tx) = culprit.reply {
                let _ = tx.send(Err(EngineError::Crashed));
            }
            if let Some(doc) = doc {
                old.open.remove(&doc);
                blamed.push(doc);
                // The file is gone from the engine: its other requests fail too.
                let theirs: Vec<u64> = old
                    .pending
                    .iter()
                    .filter(|(_, p)| p.request.doc() == Some(doc))
                    .map(|(id, _)| *id)
                    .collect();
                for id in theirs {
                    if let Some(tx) = old.pending.remove(&id).and_then(|p| p.reply) {
                        let _ = tx.send(Err(EngineError::Crashed));
                    }
                }
            }
        }
        let handler = old.on_crash.clone();
        *cell.borrow_mut() = Some(Client::start(Some(old)));
        (blamed, handler)
    });
    if let Some(h) = handler {
        for doc in blamed {
            h(doc);
        }
    }
}
