//! One page: the rendered canvas, the region overlay, and drawing, moving and resizing
//! regions. The overlay and the drag use the same [`Viewport`] transform, so what the
//! person sees is exactly what is extracted.

use leptos::prelude::*;
use wasm_core::PageInfo;
use wasm_core::geometry::{Point, Rect, Viewport};

use crate::i18n::{self, t, ta};
use crate::state::{AppState, Region, ScanRead, use_app};
use crate::{glue, render_queue, store};

/// Largest canvas backing store, in pixels; beyond it the bitmap is scaled up by CSS.
const MAX_CANVAS_PX: f64 = 16_000_000.0;
/// Smallest region side, in points; smaller drags count as clicks.
const MIN_REGION_PT: f64 = 2.0;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Drag {
    New { start: Point, cur: Point },
    Move { id: u32, start: Point, orig: Rect },
    Resize { id: u32, start: Point, orig: Rect },
}

/// How a page's canvas was last painted.
#[derive(Debug, Clone, Copy)]
struct Paint {
    /// Render scale of the bitmap on the canvas; 0 when there is none.
    scale: RwSignal<f64>,
    /// The assets epoch it was painted in (a page is painted again once fonts arrive).
    epoch: StoredValue<u32>,
    /// Why it could not be painted.
    error: RwSignal<Option<String>>,
    /// The scale and assets epoch of the painting queued or under way, if any: the
    /// visibility observer reporting the page again while it is rendered asks for nothing.
    wanted: StoredValue<Option<(f64, u32)>>,
}

impl Paint {
    /// Whether a painting at `scale` in `epoch` is queued or under way.
    fn is_wanted(&self, scale: f64, epoch: u32) -> bool {
        self.wanted
            .try_get_value()
            .flatten()
            .is_some_and(|(s, e)| (s - scale).abs() < 1e-3 && e == epoch)
    }

    /// The painting at `scale` in `epoch` is over (done, failed or not needed). (The page
    /// may be gone by then.)
    fn settle(&self, scale: f64, epoch: u32) {
        if self.is_wanted(scale, epoch) {
            self.wanted.try_set_value(None);
        }
    }
}

/// Page points ⇄ CSS pixels at the app's zoom and this screen's pixel ratio.
fn viewport(app: AppState) -> Viewport {
    Viewport {
        zoom: app.zoom_factor.get(),
        device_pixel_ratio: app.pixel_ratio.get(),
    }
}

/// A page of a document: its canvas, painted while near the viewport, and the regions
/// drawn over it.
#[component]
pub fn PageView(doc: u32, info: PageInfo) -> impl IntoView {
    let app = use_app();
    let page = info.page;
    let container: NodeRef<leptos::html::Div> = NodeRef::new();
    let canvas: NodeRef<leptos::html::Canvas> = NodeRef::new();
    let visible = RwSignal::new(false);
    let paint = Paint {
        scale: RwSignal::new(0.0),
        epoch: StoredValue::new(0),
        error: RwSignal::new(None),
        wanted: StoredValue::new(None),
    };
    let css_w = move || info.width * viewport(app).css_per_point();
    let css_h = move || info.height * viewport(app).css_per_point();

    observe_visibility(container, visible, app, page);
    scroll_when_navigated(app, container, page);
    render_when_visible(app, doc, info, visible, canvas, paint);
    let show_scan_badge = move || paint.scale.get() > 0.0 && page_is_scan(doc, page);

    view! {
        <div class="page" node_ref=container data-page=page data-testid=format!("page-{page}")
            style:width=move || format!("{:.2}px", css_w()) style:height=move || format!("{:.2}px", css_h())>
            <canvas node_ref=canvas class="page-canvas" width="0" height="0" aria-label=format!("Page {page}")></canvas>
            <Show when=move || paint.scale.get() == 0.0 && paint.error.get().is_none()>
                <div class="page-placeholder">{format!("Page {page}")}</div>
            </Show>
            <Show when=show_scan_badge>
                <ScanBadge doc=doc page=page/>
            </Show>
            <Show when=move || paint.error.get().is_some()>
                <div class="page-error" role="alert">{move || format!("This page could not be shown: {}", paint.error.get().unwrap_or_default())}</div>
            </Show>
            <RegionOverlay doc=doc info=info/>
        </div>
    }
}

/// Scrolls the page into view when the app navigates to it.
fn scroll_when_navigated(app: AppState, container: NodeRef<leptos::html::Div>, page: usize) {
    Effect::new(move |_| {
        if app.scroll_to.get() == Some(page)
            && let Some(el) = container.get_untracked()
        {
            el.scroll_into_view();
            app.current_page.set(page);
            app.scroll_to.set(None);
        }
    });
}

/// Paints the page (through the render queue) while it is visible and the wanted
/// resolution or the fonts changed; drops the bitmap when it leaves the viewport.
fn render_when_visible(
    app: AppState,
    doc: u32,
    info: PageInfo,
    visible: RwSignal<bool>,
    canvas: NodeRef<leptos::html::Canvas>,
    paint: Paint,
) {
    let page = info.page;
    let key = format!("{doc}:{page}");
    let key2 = key.clone();
    Effect::new(move |_| {
        let vp = viewport(app);
        let area = info.width * info.height * vp.render_scale().powi(2);
        let scale = if area > MAX_CANVAS_PX {
            vp.render_scale() * (MAX_CANVAS_PX / area).sqrt()
        } else {
            vp.render_scale()
        };
        if !visible.get() {
            render_queue::cancel(&key);
            paint.wanted.set_value(None);
            // A page far from the viewport keeps no bitmap: memory stays bounded
            // however long the document (it is rendered again when it comes back).
            if paint.scale.get_untracked() > 0.0
                && let Some(c) = canvas.get_untracked()
            {
                c.set_width(0);
                c.set_height(0);
                paint.scale.set(0.0);
            }
            return;
        }
        let epoch = app.assets_epoch.get();
        let painted =
            (paint.scale.get_untracked() - scale).abs() < 1e-3 && paint.epoch.get_value() == epoch;
        if paint.is_wanted(scale, epoch)
            || (painted && paint.wanted.try_get_value().flatten().is_none())
        {
            return;
        }
        paint.wanted.set_value(Some((scale, epoch)));
        render_queue::enqueue(key.clone(), move || async move {
            if store::get(doc).is_none() || canvas.try_get_untracked().flatten().is_none() {
                paint.settle(scale, epoch);
                return;
            }
            let img = crate::engine::render(doc, page, scale).await;
            paint.settle(scale, epoch);
            // (The page may have gone meanwhile: another file chosen, this one closed.)
            let Some(c) = canvas.try_get_untracked().flatten() else {
                return;
            };
            match img.and_then(|img| glue::paint(&c, &img)) {
                Ok(()) => {
                    paint.scale.try_set(scale);
                    paint.epoch.try_set_value(epoch);
                    paint.error.try_set(None);
                    // A font or CMap the page lacked is fetched, and the page painted again.
                    leptos::task::spawn_local(async move {
                        crate::assets::refresh(app).await;
                    });
                }
                Err(e) => {
                    paint.error.try_set(Some(e));
                }
            }
        });
    });
    on_cleanup(move || render_queue::cancel(&key2));
}

/// The regions over a page, and drawing, moving and resizing them. Each region box is
/// keyed by its id and follows its own rectangle, so a drag updates one box only.
#[component]
fn RegionOverlay(doc: u32, info: PageInfo) -> impl IntoView {
    let app = use_app();
    let page = info.page;
    let overlay: NodeRef<leptos::html::Div> = NodeRef::new();
    let drag = RwSignal::new(None::<Drag>);
    let ids = move || {
        app.regions.with(|rs| {
            rs.iter()
                .filter(|r| r.doc == doc && r.page == page)
                .map(|r| r.id)
                .collect::<Vec<_>>()
        })
    };
    let to_page = move |ev: &web_sys::PointerEvent| page_point(app, info, overlay, ev);
    let capture = move |ev: &web_sys::PointerEvent| {
        if let Some(el) = overlay.get_untracked() {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
    };
    let on_down = move |ev: web_sys::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        let Some(p) = to_page(&ev) else { return };
        ev.prevent_default();
        capture(&ev);
        app.selected.set(None);
        drag.set(Some(Drag::New { start: p, cur: p }));
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        if let (Some(d), Some(p)) = (drag.get_untracked(), to_page(&ev)) {
            drag_to(app, info, drag, d, p);
        }
    };
    let on_up = move |_ev: web_sys::PointerEvent| {
        if let Some(d) = drag.get_untracked() {
            drag.set(None);
            end_drag(app, doc, page, d);
        }
    };
    let start_drag = move |ev: &web_sys::PointerEvent, id: u32, resize: bool| {
        if ev.button() != 0 {
            return;
        }
        ev.stop_propagation();
        ev.prevent_default();
        let Some(p) = to_page(ev) else { return };
        let Some(orig) = app
            .regions
            .with_untracked(|rs| rs.iter().find(|r| r.id == id).map(|r| r.rect))
        else {
            return;
        };
        capture(ev);
        app.selected.set(Some(id));
        app.checkpoint();
        drag.set(Some(if resize {
            Drag::Resize { id, start: p, orig }
        } else {
            Drag::Move { id, start: p, orig }
        }));
    };
    view! {
        <div class="overlay" node_ref=overlay data-testid=format!("overlay-{page}")
            on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up on:pointercancel=on_up>
            <For each=ids key=|id| *id let:id>
                <RegionBox id=id start_drag=start_drag/>
            </For>
            <SourceBox doc=doc page=page/>
            {move || match drag.get() {
                Some(Drag::New { start, cur }) => {
                    let style = css_box(viewport(app), &Rect::from_corners(start, cur));
                    Some(view! { <div class="region drawing" style=style></div> })
                }
                _ => None,
            }}
        </div>
    }
}

/// Where a pointer event is on the page, in page points, kept on the page.
fn page_point(
    app: AppState,
    info: PageInfo,
    overlay: NodeRef<leptos::html::Div>,
    ev: &web_sys::PointerEvent,
) -> Option<Point> {
    let el = overlay.get_untracked()?;
    let b = el.get_bounding_client_rect();
    let p = viewport(app).css_to_page(Point::new(
        f64::from(ev.client_x()) - b.left(),
        f64::from(ev.client_y()) - b.top(),
    ));
    Some(Point::new(
        p.x.clamp(0.0, info.width),
        p.y.clamp(0.0, info.height),
    ))
}

/// The place of the value being reviewed, when it is on this page; scrolled into the
/// middle of the view as it appears.
#[component]
fn SourceBox(doc: u32, page: usize) -> impl IntoView {
    let app = use_app();
    let el: NodeRef<leptos::html::Div> = NodeRef::new();
    let place = move || {
        app.highlight
            .get()
            .filter(|(d, p)| *d == doc && p.page == page)
            .map(|(_, p)| p.rect)
    };
    Effect::new(move |_| {
        if place().is_some()
            && let Some(e) = el.get()
        {
            glue::scroll_to_middle(&e);
        }
    });
    move || {
        place().map(|r| {
            let style = css_box(viewport(app), &r);
            view! { <div class="source-box" node_ref=el data-testid="source-box" style=style aria-hidden="true"></div> }
        })
    }
}

/// One region's box over the page: only it follows its rectangle and label (a memo),
/// so a drag updates this box alone.
#[component]
fn RegionBox(
    id: u32,
    start_drag: impl Fn(&web_sys::PointerEvent, u32, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let app = use_app();
    let shown = Memo::new(move |_| {
        app.regions.with(|rs| {
            rs.iter()
                .find(|r| r.id == id)
                .map(|r| (r.rect, r.label.clone()))
        })
    });
    let style = move || {
        shown
            .get()
            .map(|(r, _)| css_box(viewport(app), &r))
            .unwrap_or_default()
    };
    let label = move || shown.get().map(|(_, l)| l).unwrap_or_default();
    view! {
        <div class="region" class:selected=move || app.selected.get() == Some(id)
            data-region-id=id style=style title=label
            on:pointerdown=move |ev| start_drag(&ev, id, false)>
            <span class="region-label">{label}</span>
            <span class="handle" aria-hidden="true"
                on:pointerdown=move |ev| start_drag(&ev, id, true)></span>
        </div>
    }
}

/// A rectangle's CSS position on the page.
fn css_box(vp: Viewport, r: &Rect) -> String {
    let c = vp.page_rect_to_css(r);
    format!(
        "left:{:.2}px;top:{:.2}px;width:{:.2}px;height:{:.2}px",
        c.x0,
        c.top,
        c.width(),
        c.height()
    )
}

/// A drag reached `p`: the new region grows, a moved region follows (kept on the page),
/// a resized one changes its bottom-right corner.
fn drag_to(app: AppState, info: PageInfo, drag: RwSignal<Option<Drag>>, d: Drag, p: Point) {
    match d {
        Drag::New { start, .. } => drag.set(Some(Drag::New { start, cur: p })),
        Drag::Move { id, start, orig } => {
            let dx = (p.x - start.x).clamp(-orig.x0, info.width - orig.x1);
            let dy = (p.y - start.y).clamp(-orig.top, info.height - orig.bottom);
            let r = Rect {
                x0: orig.x0 + dx,
                top: orig.top + dy,
                x1: orig.x1 + dx,
                bottom: orig.bottom + dy,
            };
            set_rect(app, id, r, false);
        }
        Drag::Resize { id, start, orig } => {
            let x1 = (orig.x1 + p.x - start.x)
                .max(orig.x0 + MIN_REGION_PT)
                .min(info.width);
            let bottom = (orig.bottom + p.y - start.y)
                .max(orig.top + MIN_REGION_PT)
                .min(info.height);
            set_rect(app, id, Rect { x1, bottom, ..orig }, false);
        }
    }
}

/// A drag ended: a new region is added (unless it was a click), a moved or resized one
/// has its text read again (or, unchanged, no undo step).
fn end_drag(app: AppState, doc: u32, page: usize, d: Drag) {
    match d {
        Drag::New { start, cur } => {
            let r = Rect::from_corners(start, cur);
            if r.width() >= MIN_REGION_PT && r.height() >= MIN_REGION_PT {
                add_region(app, doc, page, r);
            }
        }
        Drag::Move { id, orig, .. } | Drag::Resize { id, orig, .. } => {
            if let Some(r) = app
                .regions
                .with_untracked(|rs| rs.iter().find(|r| r.id == id).map(|r| r.rect))
            {
                if r == orig {
                    app.cancel_checkpoint(); // a click, not an edit
                } else {
                    set_rect(app, id, r, true);
                }
            }
        }
    }
}

/// Whether a page has too little native text to be read without OCR.
fn page_is_scan(doc: u32, page: usize) -> bool {
    crate::store::get(doc).is_some_and(|d| d.is_scan(page))
}

/// How a scanned page is being read: queued, the engine's progress, "read by OCR (N %)",
/// or why it could not be read.
#[component]
fn ScanBadge(doc: u32, page: usize) -> impl IntoView {
    let app = use_app();
    move || {
        let scan = app.scan_state(doc, page);
        let ms = match &scan {
            Some(ScanRead::Done { ms, .. }) => format!("{ms:.0}"),
            _ => String::new(),
        };
        let (text, state, fraction) = match scan {
            None => (t("scan-none"), "none", None),
            Some(ScanRead::Queued) => (t("scan-queued"), "queued", None),
            Some(ScanRead::Reading { step, fraction }) => (
                format!("{step}… {:.0} %", fraction * 100.0),
                "reading",
                Some(fraction),
            ),
            Some(ScanRead::Done { quality, .. }) => (
                ta(
                    "scan-done",
                    &[("pct", i18n::s(format!("{:.0}", quality * 100.0)))],
                ),
                "done",
                None,
            ),
            Some(ScanRead::Failed(e)) => {
                (ta("scan-failed", &[("why", i18n::s(e))]), "failed", None)
            }
        };
        view! {
            <div class="page-badge" class:failed=state == "failed" data-testid="scan-badge" data-state=state
                data-ms=ms role="status">
                {text}
                {fraction.map(|f| view! { <progress max="1" value=f aria-label=t("ocr-progress")></progress> })}
            </div>
        }
    }
}

fn add_region(app: AppState, doc: u32, page: usize, rect: Rect) {
    let id = app.next_id();
    let n = app.regions.with_untracked(|rs| rs.len()) + 1;
    app.edit_regions(|rs| {
        rs.push(Region {
            id,
            doc,
            page,
            rect,
            label: ta("region-n", &[("n", i18n::n(n))]),
            field: None,
            text: String::new(),
            needs_ocr: false,
            ocr: None,
            ocr_busy: false,
            items: None,
            table: None,
            reading: false,
        })
    });
    app.selected.set(Some(id));
    app.reread_regions(|r| r.id == id);
}

/// Moves a region; `final_` recomputes its text (done on release, not on every move).
fn set_rect(app: AppState, id: u32, rect: Rect, final_: bool) {
    app.regions.update(|rs| {
        if let Some(r) = rs.iter_mut().find(|r| r.id == id) {
            r.rect = rect;
            if final_ {
                r.ocr = None;
            }
        }
    });
    if final_ {
        app.reread_regions(|r| r.id == id);
    }
}

/// Sets `visible` while the page is near the viewport, and the current page when it
/// covers most of it.
fn observe_visibility(
    container: NodeRef<leptos::html::Div>,
    visible: RwSignal<bool>,
    app: AppState,
    page: usize,
) {
    Effect::new(move |_| {
        let Some(el) = container.get() else { return };
        let guard = glue::observe_intersection(&el, "400px 0px", &[0.0, 0.5], move |on, ratio| {
            visible.set(on);
            if on && ratio >= 0.5 {
                app.current_page.set(page);
            }
        });
        // The observer lives exactly as long as the page component.
        let held = send_wrapper::SendWrapper::new(guard);
        on_cleanup(move || drop(held));
    });
}
