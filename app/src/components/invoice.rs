//! The invoice panel: read the active file, see each field with its confidence,
//! correct any value, compare with what the relay's AI reads, and save the mapped
//! regions as a vendor template.

use leptos::prelude::*;

use rust_decimal::Decimal;
use wasm_core::invoice::amount::{DecimalSeparator, parse_amount};
use wasm_core::invoice::confidence::Source;
use wasm_core::invoice::{FieldType, Invoice, InvoiceField, LineItem};

use super::Later;
use crate::extraction;
use crate::i18n::{self, t, ta};
use crate::state::{AiStatus, AppState, Extracted, use_app};

/// The active file's invoice.
#[component]
pub fn InvoicePanel() -> impl IntoView {
    let app = use_app();
    // The panel is made again only when another file's invoice is shown: a new reading
    // of this one updates it in place (see [`InvoiceView`]).
    let shown = Memo::new(move |_| {
        let doc = app.active.get()?;
        app.extracted
            .with(|all| all.iter().any(|e| e.doc == doc))
            .then_some(doc)
    });
    let extract = move |_| {
        if let Some(doc) = app.active.get_untracked() {
            extraction::run(app, doc);
        }
    };
    view! {
        <section class="invoice" aria-label="Invoice" data-testid="invoice-panel"
            aria-busy=move || {
                let busy = app.active.get().is_some_and(|doc| app.extracting.with(|d| d.contains(&doc)));
                busy.then_some("true")
            }>
            <div class="panel-head">
                <h2>{t("invoice")}</h2>
                <button class="button primary small" data-testid="extract" on:click=extract
                    disabled=move || app.active_pages().is_none()>{t("extract")}</button>
            </div>
            {move || match shown.get() {
                Some(doc) => view! { <InvoiceView doc=doc/> }.into_any(),
                None => view! { <p class="hint">{t("invoice-hint")}</p> }.into_any(),
            }}
        </section>
    }
}

/// Document `doc`'s invoice as last read. Each field is a row of its own, keyed by the
/// field, that follows its value: a new reading (an Extract, a region, OCR, the AI)
/// changes what changed and leaves an input someone is typing in as it is.
#[component]
fn InvoiceView(doc: u32) -> impl IntoView {
    let app = use_app();
    let e = Memo::new(move |_| {
        app.extracted
            .with(|all| all.iter().find(|e| e.doc == doc).cloned())
    });
    // The eight, then the extended fields the reading found (any can be corrected).
    let fields = Memo::new(move |_| {
        e.with(|e| {
            let Some(e) = e else { return Vec::new() };
            InvoiceField::HEADER
                .into_iter()
                .chain(
                    InvoiceField::EXTENDED
                        .into_iter()
                        .filter(|f| e.invoice.has(*f)),
                )
                .collect::<Vec<_>>()
        })
    });
    let head = move || {
        e.get().map(|e| {
            let conf = e.result.confidence.clone();
            let banner = e.result.template.as_ref().map(|m| {
                view! { <p class="match-banner" data-testid="template-match">{m.explanation.clone()}</p> }
            });
            let einvoice = e.result.einvoice.map(|s| {
                view! { <p class="match-banner">{format!("Read from the e-invoice XML inside the PDF ({s:?}).")}</p> }
            });
            let ai = e.ai.clone().map(|status| {
                view! { <AiComparison doc=doc status=status ours=e.invoice.clone()/> }
            });
            view! {
                {banner}
                {einvoice}
                <AiButton doc=doc busy=matches!(e.ai, Some(AiStatus::Asking(_)))/>
                {ai}
                <p class="confidence" data-testid="confidence">
                    {ta("confidence-overall", &[("pct", i18n::s(i18n::percent(conf.score)))])}
                    <span class="muted">" "{ta("fields-checks", &[
                        ("fields", i18n::n(conf.fields.len())),
                        ("passed", i18n::n(conf.checks.iter().filter(|c| c.passed).count())),
                        ("checks", i18n::n(conf.checks.len())),
                    ])}</span>
                </p>
                <ReviewBar doc=doc to_check=e.needs_review().len()/>
            }
        })
    };
    // The line items, made again only when they (or where they came from) change.
    let items = Memo::new(move |_| {
        e.with(|e| {
            e.as_ref().map(|e| {
                (
                    e.invoice.line_items.clone(),
                    e.corrected.contains(&InvoiceField::LineItems),
                    e.result.sources.get(&InvoiceField::LineItems).copied(),
                )
            })
        })
    });
    let warnings = Memo::new(move |_| e.with(|e| e.as_ref().map(|e| e.result.warnings.clone())));
    let vendor = Signal::derive(move || {
        e.with(|e| e.as_ref().and_then(|e| e.invoice.vendor_name.clone()))
            .unwrap_or_default()
    });
    // In three parts, one task apart (the page stays responsive as the panel appears).
    view! {
        {head}
        <Later after=1>
            <dl class="fields">
                <For each=move || fields.get() key=|f| *f let:f>
                    <FieldRow doc=doc field=f e=e/>
                </For>
            </dl>
        </Later>
        <Later after=2>
            {move || items.get().map(|(items, edited, source)| view! {
                <LineItems doc=doc items=items edited=edited source=source/>
            })}
            <ul class="warnings">
                {move || warnings.get().unwrap_or_default().into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
            </ul>
            <SaveTemplate doc=doc vendor=vendor/>
        </Later>
    }
}

/// One cell of a line item.
#[derive(Clone, Copy)]
enum ItemCell {
    Description,
    Quantity,
    UnitPrice,
    LineTotal,
}

/// The line items, editable: every cell, a row deleted, a row added.
#[component]
fn LineItems(
    doc: u32,
    items: Vec<LineItem>,
    edited: bool,
    source: Option<Source>,
) -> impl IntoView {
    let app = use_app();
    let error = RwSignal::new(None::<String>);
    let rows = items.clone();
    let change = move |i: usize, cell: ItemCell, text: String| {
        let mut all = rows.clone();
        let Some(item) = all.get_mut(i) else { return };
        let number = |t: &str| -> Result<Option<Decimal>, String> {
            if t.trim().is_empty() {
                return Ok(None);
            }
            parse_amount(t, DecimalSeparator::Auto)
                .map(|a| Some(a.value))
                .ok_or_else(|| ta("not-a-number", &[("text", i18n::s(format!("{t:?}")))]))
        };
        let result = match cell {
            ItemCell::Description => {
                item.description = (!text.trim().is_empty()).then(|| text.trim().to_string());
                Ok(())
            }
            ItemCell::Quantity => number(&text).map(|v| item.quantity = v),
            ItemCell::UnitPrice => number(&text).map(|v| item.unit_price = v),
            ItemCell::LineTotal => number(&text).map(|v| item.line_total = v),
        };
        match result {
            Ok(()) => {
                error.set(None);
                extraction::edit_items(app, doc, all);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let change = StoredValue::new(change);
    let list = StoredValue::new(items.clone());
    let delete = move |i: usize| {
        let mut all = list.get_value();
        if i < all.len() {
            all.remove(i);
            extraction::edit_items(app, doc, all);
        }
    };
    let add = move |_| {
        let mut all = list.get_value();
        all.push(LineItem::default());
        extraction::edit_items(app, doc, all);
    };
    let num = |d: Option<Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
    let body = items
        .iter()
        .enumerate()
        .map(|(i, li)| {
            let cell = move |kind: ItemCell, value: String, label: &'static str| {
                view! {
                    <td><input aria-label=ta("line-cell", &[("what", i18n::s(t(label))), ("n", i18n::n(i + 1))]) prop:value=value
                        on:change=move |ev| change.with_value(|c| c(i, kind, event_target_value(&ev)))/></td>
                }
            };
            view! {
                <tr data-testid="item-row">
                    {cell(ItemCell::Description, li.description.clone().unwrap_or_default(), "description")}
                    {cell(ItemCell::Quantity, num(li.quantity), "quantity")}
                    {cell(ItemCell::UnitPrice, num(li.unit_price), "unit-price")}
                    {cell(ItemCell::LineTotal, num(li.line_total), "line-total")}
                    <td><button class="icon" data-testid="item-delete" aria-label=ta("delete-line-n", &[("n", i18n::n(i + 1))])
                        title=t("delete-line") on:click=move |_| delete(i)>"×"</button></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="line-items-block">
            <div class="panel-head">
                <h3>{ta("line-items-n", &[("n", i18n::n(items.len()))])}
                    {edited.then(|| view! { <span class="badge edited">{t("edited")}</span> })}
                    {(!edited && !items.is_empty()).then(|| source.map(|s| view! {
                        <span class="muted items-source" data-testid="items-source">{format!(" · {}", source_words(s))}</span>
                    }))}</h3>
                <button class="button small" data-testid="item-add" on:click=add>{t("add-line")}</button>
            </div>
            <table class="line-items" data-testid="line-items">
                <thead><tr><th>{t("description")}</th><th>{t("qty")}</th><th>{t("price")}</th><th>{t("total")}</th><th></th></tr></thead>
                <tbody>{body}</tbody>
            </table>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </div>
    }
}

/// Where values came from, in a few words.
fn source_words(s: Source) -> String {
    t(match s {
        Source::EInvoice => "src-einvoice",
        Source::Person => "src-person",
        Source::Region => "src-region",
        Source::Template => "src-template",
        Source::Rules => "src-rules",
        Source::Llm => "src-llm",
        Source::Derived => "src-derived",
    })
}

/// "Structure with AI", or why it is unavailable (no relay, no AI provider).
#[component]
fn AiButton(doc: u32, busy: bool) -> impl IntoView {
    let app = use_app();
    let unavailable = move || match app.providers.get() {
        None => Some(t("checking-relay")),
        Some(Err(e)) => Some(ta("ai-needs-relay", &[("why", i18n::s(e))])),
        Some(Ok(p)) if p.ai().is_empty() => Some(t("relay-no-ai")),
        Some(Ok(_)) => None,
    };
    let providers = move || match app.providers.get() {
        Some(Ok(p)) => p.ai().join(" → "),
        _ => String::new(),
    };
    let run = move |_| leptos::task::spawn_local(extraction::structure_with_ai(app, doc));
    view! {
        <div class="ai-action">
            <button class="button small" data-testid="structure-ai" on:click=run
                disabled=move || busy || unavailable().is_some()
                title=move || unavailable().unwrap_or_else(|| ta("sends-text-to", &[("providers", i18n::s(providers()))]))>
                {if busy { t("asking-ai") } else { t("structure-ai") }}
            </button>
            {move || unavailable().map(|why| view! { <p class="hint" data-testid="ai-unavailable">{why}</p> })}
        </div>
    }
}

/// The AI's invoice beside the rule-based one; rows that differ are marked, and the
/// AI's value can be taken as a correction.
#[component]
fn AiComparison(doc: u32, status: AiStatus, ours: wasm_core::invoice::Invoice) -> impl IntoView {
    let app = use_app();
    let reading = match status {
        AiStatus::Asking(what) => {
            return view! {
                <p class="hint" role="status" data-testid="ai-status">
                    <span class="spinner" aria-hidden="true"></span>{ta("ai-sent", &[("what", i18n::s(what))])}
                </p>
            }
            .into_any();
        }
        AiStatus::Failed(e) => {
            return view! { <p class="field-error" role="alert" data-testid="ai-status">{ta("ai-failed", &[("why", i18n::s(e))])}</p> }.into_any();
        }
        AiStatus::Done(r) => r,
    };
    let differing = InvoiceField::HEADER
        .into_iter()
        .filter(|&f| field_value(&ours, f) != field_value(&reading.invoice, f))
        .count();
    let rows = InvoiceField::HEADER
        .into_iter()
        .map(|f| {
            let mine = field_value(&ours, f);
            let theirs = field_value(&reading.invoice, f);
            let differs = mine != theirs;
            let take = theirs.clone();
            let adopt = move |_| {
                if let Err(e) = extraction::correct(app, doc, f, &take) {
                    app.notice.set(Some(e));
                }
            };
            view! {
                <tr class:differs=differs data-testid="ai-row" data-field=f.name() data-differs=differs.to_string()>
                    <th scope="row">{i18n::field(f)}</th>
                    <td>{if mine.is_empty() { "—".to_string() } else { mine }}</td>
                    <td>{if theirs.is_empty() { "—".to_string() } else { theirs.clone() }}</td>
                    <td>{(differs && !theirs.is_empty()).then(|| view! {
                        <button class="button small" data-testid="ai-use" on:click=adopt
                            title=t("use-ai-value")>{t("use")}</button>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    let fell_back = reading.provider == "rules";
    let errors = reading.errors.join("; ");
    view! {
        <section class="ai-compare" aria-label=t("ai-comparison") data-testid="ai-compare">
            <p class="hint" data-testid="ai-status">
                {ta("ai-read-by", &[
                    ("provider", i18n::s(reading.provider.clone())),
                    ("pct", i18n::s(format!("{:.0}", reading.confidence * 100.0))),
                    ("n", i18n::n(differing)),
                ])}
            </p>
            {fell_back.then(|| view! { <p class="field-error" role="alert">{ta("ai-fell-back", &[("errors", i18n::s(errors.clone()))])}</p> })}
            <table class="compare">
                <thead><tr><th>{t("col-field")}</th><th>{t("col-rules")}</th><th>{ta("col-ai", &[("provider", i18n::s(reading.provider.clone()))])}</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
    .into_any()
}

/// How many values of this file need checking, and "Mark reviewed" (then on to the
/// next file with values to check).
#[component]
fn ReviewBar(doc: u32, to_check: usize) -> impl IntoView {
    let app = use_app();
    let reviewed = move || {
        app.files
            .with(|fs| fs.iter().any(|f| f.id == doc && f.reviewed))
    };
    let mark = move |_| {
        let now = !reviewed();
        super::batch::set_reviewed(app, doc, now);
        if now && let Some((next, f)) = super::batch::next_to_review(app, doc) {
            app.show_value(next, f);
            super::batch::focus_field_soon(f);
        }
    };
    view! {
        <div class="review-bar">
            <span class:low={to_check > 0} data-testid="to-check">{match to_check {
                0 => t("nothing-to-check"),
                n => ta("n-to-check", &[("values", i18n::s(crate::format::count(n, "value")))]),
            }}</span>
            <button class="button small" id="mark-reviewed" data-testid="mark-reviewed" on:click=mark
                aria-pressed=move || reviewed().to_string()>
                {move || if reviewed() { t("reviewed-mark") } else { t("mark-reviewed") }}
            </button>
        </div>
    }
}

/// What a field row shows of a reading.
#[derive(Debug, Clone, PartialEq)]
struct FieldState {
    value: String,
    edited: bool,
    confidence: Option<f64>,
    doubtful: bool,
    /// The value to check after this one.
    next: Option<InvoiceField>,
}

impl FieldState {
    fn of(e: &Extracted, field: InvoiceField) -> Self {
        let review = e.needs_review();
        Self {
            value: field_value(&e.invoice, field),
            edited: e.corrected.contains(&field),
            confidence: e.result.confidence.fields.get(&field).copied(),
            doubtful: review.contains(&field),
            next: review
                .iter()
                .skip_while(|x| **x != field)
                .nth(1)
                .or_else(|| {
                    review
                        .iter()
                        .find(|x| **x != field && !review.contains(&field))
                })
                .copied(),
        }
    }
}

/// One field: its name, confidence and value, which the person can correct. The input
/// follows the readings, except while the person is changing it (typed, not yet kept).
#[component]
fn FieldRow(doc: u32, field: InvoiceField, e: Memo<Option<Extracted>>) -> impl IntoView {
    let app = use_app();
    let state = Memo::new(move |_| e.with(|e| e.as_ref().map(|e| FieldState::of(e, field))));
    let value = Memo::new(move |_| state.with(|s| s.as_ref().map(|s| s.value.clone())));
    let next = move || state.with_untracked(|s| s.as_ref().and_then(|s| s.next));
    let doubtful = move || state.with(|s| s.as_ref().is_some_and(|s| s.doubtful));
    let error = RwSignal::new(None::<String>);
    let typing = StoredValue::new(false);
    let input: NodeRef<leptos::html::Input> = NodeRef::new();
    Effect::new(move |_| {
        let v = value.get().unwrap_or_default();
        if let Some(el) = input.get()
            && !typing.get_value()
        {
            el.set_value(&v);
        }
    });
    let is_date = field.value_type() == FieldType::Date;
    let on_change = move |ev: web_sys::Event| {
        typing.set_value(false);
        let v = event_target_value(&ev);
        error.set(extraction::correct(app, doc, field, &v).err());
    };
    // Enter: the value stands (corrected if changed); on to the next value to check, or
    // to "Mark reviewed" after the last.
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if ev.key() != "Enter" {
            return;
        }
        ev.prevent_default();
        typing.set_value(false);
        let typed = event_target_value(&ev);
        if value.get_untracked().as_deref() != Some(typed.as_str()) {
            error.set(extraction::correct(app, doc, field, &typed).err());
        }
        if error.get_untracked().is_none() {
            match next() {
                Some(n) => {
                    app.show_value(doc, n);
                    super::batch::focus_field_soon(n);
                }
                None => {
                    crate::glue::focus_id("mark-reviewed");
                }
            }
        }
    };
    let on_focus = move |_| {
        let place = app.extracted.with_untracked(|all| {
            all.iter()
                .find(|e| e.doc == doc)
                .and_then(|e| e.places.get(&field).copied())
        });
        app.highlight.set(place.map(|p| (doc, p)));
    };
    // The focus gone: the value as read shows again, unless what was typed is refused
    // (it stays, beside the reason).
    let on_blur = move |_| {
        typing.set_value(false);
        if error.get_untracked().is_none()
            && let Some(el) = input.get_untracked()
        {
            el.set_value(&value.get_untracked().unwrap_or_default());
        }
    };
    let badge = move || {
        let (edited, confidence) = state.with(|s| {
            s.as_ref()
                .map(|s| (s.edited, s.confidence))
                .unwrap_or_default()
        });
        if edited {
            view! { <span class="badge edited">{t("edited")}</span> }.into_any()
        } else {
            match confidence {
                Some(c) => view! {
                    <span class="badge" class:low=move || c < 0.6 title=t("field-confidence")>
                        {i18n::percent(c)}
                    </span>
                }
                .into_any(),
                None => view! { <span class="badge missing">{t("not-found")}</span> }.into_any(),
            }
        }
    };
    view! {
        <div class="field-row" class:doubtful=doubtful data-testid="field" data-field=field.name()
            data-doubtful=move || doubtful().to_string()>
            <dt><label for=format!("f-{field}")>{i18n::field(field)}</label>{badge}</dt>
            <dd>
                <input id=format!("f-{field}") type=if is_date { "date" } else { "text" } node_ref=input
                    on:input=move |_| typing.set_value(true)
                    on:change=on_change on:keydown=on_key on:focus=on_focus on:blur=on_blur/>
                {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            </dd>
        </div>
    }
}

#[component]
fn SaveTemplate(doc: u32, vendor: Signal<String>) -> impl IntoView {
    let app = use_app();
    // The vendor as read, until the person types a name of their own.
    let name = RwSignal::new(vendor.get_untracked());
    let named = StoredValue::new(false);
    Effect::new(move |_| {
        let v = vendor.get();
        if !named.get_value() {
            name.set(v);
        }
    });
    let message = RwSignal::new(None::<String>);
    let save = move |_| {
        leptos::task::spawn_local(async move {
            let Some(vendor) = name.try_get_untracked() else {
                return;
            };
            let made = extraction::template_from(app, doc, &vendor).await;
            save_made(app, made, message);
        });
    };
    view! {
        <div class="save-template">
            <input aria-label=t("template-vendor") placeholder=t("vendor-name") prop:value=move || name.get()
                on:input=move |ev| {
                    named.set_value(true);
                    name.set(event_target_value(&ev));
                }/>
            <button class="button small" data-testid="save-template" on:click=save>{t("save-as-template")}</button>
            {move || message.get().map(|m| view! { <p class="hint" role="status">{m}</p> })}
        </div>
    }
}

/// Keeps a template made from the regions (and says so), or says why none was made.
fn save_made(
    app: AppState,
    made: Result<wasm_core::template::Template, String>,
    message: RwSignal<Option<String>>,
) {
    match made {
        Ok(t) => {
            let vendor = t.vendor.clone();
            app.templates.update(|ts| {
                ts.retain(|x| x.vendor != t.vendor);
                ts.push(t);
            });
            let saved = crate::persist::save_templates(&app.templates.get_untracked());
            message.try_set(Some(if saved {
                ta("template-saved", &[("vendor", i18n::s(vendor.clone()))])
            } else {
                ta(
                    "template-visit-only",
                    &[("vendor", i18n::s(vendor.clone()))],
                )
            }));
        }
        Err(e) => {
            message.try_set(Some(e));
        }
    }
}

/// A field's value as text for an input (dates ISO, amounts as written by the decimal).
fn field_value(inv: &Invoice, f: InvoiceField) -> String {
    inv.get(f).unwrap_or_default()
}
