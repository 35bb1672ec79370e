//! The engine worker: a dedicated Web Worker that answers the app's requests with
//! [`engine::docs::Docs`]. A message is `{id, request, bytes?}` (the request as JSON,
//! bytes as a `Uint8Array`); the answer is `{id, envelope, bytes?}`, its bytes
//! transferred. Once loaded it posts `"ready"`. A panic logs its message and ends the
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

    use engine::Request;
    use engine::docs::Docs;
    use js_sys::{Array, Object, Reflect, Uint8Array};
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    thread_local! {
        static DOCS: RefCell<Docs> = RefCell::new(Docs::default());
    }

    pub fn run() {
        console_error_panic_hook::set_once();
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(|e: MessageEvent| {
            if let Err(err) = answer(&e.data()) {
                web_sys::console::error_1(&err);
            }
        });
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let _ = scope.post_message(&JsValue::from_str("ready"));
    }

    fn answer(data: &JsValue) -> Result<(), JsValue> {
        let id = Reflect::get(data, &"id".into())?;
        let json = Reflect::get(data, &"request".into())?
            .as_string()
            .ok_or("no request")?;
        let bytes = Reflect::get(data, &"bytes".into())?
            .dyn_into::<Uint8Array>()
            .ok()
            .map(|a| a.to_vec());
        let (envelope, out) = match serde_json::from_str::<Request>(&json) {
            Ok(request) => DOCS.with(|d| d.borrow_mut().handle(request, bytes)),
            Err(e) => (
                engine::protocol::Envelope {
                    reply: engine::Reply::Failed {
                        message: format!("the engine did not understand the request: {e}"),
                    },
                    missing: Vec::new(),
                },
                None,
            ),
        };
        let msg = Object::new();
        Reflect::set(&msg, &"id".into(), &id)?;
        let json = serde_json::to_string(&envelope).map_err(|e| e.to_string())?;
        Reflect::set(&msg, &"envelope".into(), &json.into())?;
        let transfer = Array::new();
        if let Some(out) = out {
            let array = Uint8Array::from(out.as_slice());
            transfer.push(&array.buffer());
            Reflect::set(&msg, &"bytes".into(), &array)?;
        }
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        scope.post_message_with_transfer(&msg, &transfer)
    }
}
