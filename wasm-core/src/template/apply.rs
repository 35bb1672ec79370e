//! Applying a template to a document: text options, fields from regions or patterns,
//! typed values, item lines and named tables.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{
    FieldRule, FieldType, FieldValue, Group, ItemColumn, ItemsRegion, Template, TextOptions, lines,
    pyregex,
};
use crate::invoice::amount::{find_currency, parse_amount};
use crate::invoice::date::{DateOrder, ParsedDate, parse_date};
use crate::invoice::{Invoice, InvoiceField, LineItem};
use crate::text::PageText;

/// What a template read from a document.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// The invoice fields the template found (others stay empty).
    pub invoice: Invoice,
    /// The invoice fields it filled.
    pub filled: Vec<InvoiceField>,
    /// Fields that are not invoice fields (VAT ids, bank details…), by label.
    pub extras: BTreeMap<String, String>,
    /// Fields the template names but did not find, and values it could not read.
    pub warnings: Vec<String>,
}

/// Applies the text options: replacements, then accents, whitespace and case.
pub(super) fn prepare(text: &str, o: &TextOptions, patterns: &pyregex::Patterns) -> String {
    let mut t = text.to_string();
    for (pat, rep) in &o.replace {
        if let Ok(re) = patterns.get(pat) {
            t = re
                .replace_all(&t, pyregex::translate_replacement(rep).as_str())
                .into_owned();
        }
    }
    if o.remove_accents {
        t = t.chars().map(strip_accent).collect();
    }
    if o.remove_whitespace {
        t.retain(|c| !c.is_whitespace());
    }
    if o.lowercase {
        t = t.to_lowercase();
    }
    t
}

fn strip_accent(c: char) -> char {
    const FROM: &str = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝ";
    const TO: &str = "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUY";
    FROM.chars()
        .position(|f| f == c)
        .and_then(|i| TO.chars().nth(i))
        .unwrap_or(c)
}

impl Template {
    /// Day/month order from the locale, else from the first date format.
    pub fn date_order(&self) -> DateOrder {
        if let Some(f) = self.options.date_formats.first() {
            let d = f.find("%d");
            let m = f
                .find("%m")
                .or_else(|| f.find("%B"))
                .or_else(|| f.find("%b"));
            if let (Some(d), Some(m)) = (d, m) {
                return if d < m {
                    DateOrder::Dmy
                } else {
                    DateOrder::Mdy
                };
            }
        }
        match self.locale.as_deref().map(str::to_ascii_lowercase) {
            Some(l) if l == "en-us" || l == "en_us" || l == "us" => DateOrder::Mdy,
            Some(l) if l.starts_with("en") && !l.contains("gb") && !l.contains("ie") => {
                DateOrder::Unknown
            }
            Some(_) => DateOrder::Dmy,
            None => DateOrder::Unknown,
        }
    }

    /// Reads the template's fields, lines and tables from a document's pages.
    pub fn apply(&self, pages: &[PageText]) -> Applied {
        let text = self.prepare_text(pages);
        let mut out = Applied::default();
        for f in &self.fields {
            let raw = self.raw_values(f, pages, &text);
            let kind = f.value_type();
            if raw.is_empty() {
                out.warnings
                    .push(format!("{}: the template's pattern found nothing", f.label));
                continue;
            }
            match self.combine(&raw, kind, f.rules.group) {
                Some(v) => match f.field() {
                    Some(field) => {
                        if set_field(&mut out.invoice, field, v.clone()) {
                            out.filled.push(field);
                        } else {
                            out.warnings.push(format!(
                                "{}: cannot read {:?} as a {field}",
                                f.label,
                                v.to_string()
                            ));
                        }
                    }
                    None => {
                        out.extras.insert(f.label.clone(), v.to_string());
                    }
                },
                None => out.warnings.push(format!(
                    "{}: cannot read {:?} as {}",
                    f.label,
                    raw.join(" | "),
                    match kind {
                        FieldType::Amount | FieldType::Number => "a number",
                        FieldType::Date => "a date",
                        FieldType::Text => "text",
                    }
                )),
            }
        }
        for t in &self.tables {
            for (k, v) in lines::read_table(t, &text, &self.patterns) {
                match InvoiceField::header(&k) {
                    Some(field) if !out.filled.contains(&field) => {
                        if let Some(val) = self.combine(&[v], field.value_type(), Group::First)
                            && set_field(&mut out.invoice, field, val)
                        {
                            out.filled.push(field);
                        }
                    }
                    Some(_) => {}
                    None => {
                        out.extras.entry(k).or_insert(v);
                    }
                }
            }
        }
        if let Some(rule) = &self.lines {
            out.invoice.line_items =
                lines::read_lines(rule, &text, self.options.decimal_separator, &self.patterns);
        }
        if let Some(items) = &self.items {
            let read = self.items_in_region(items, pages);
            if read.is_empty() {
                out.warnings
                    .push("Line items: the region holds no table rows with amounts".into());
            } else {
                out.invoice.line_items = read;
            }
        }
        if !out.filled.contains(&InvoiceField::VendorName) {
            out.invoice.vendor_name = Some(self.vendor.clone());
            out.filled.push(InvoiceField::VendorName);
        }
        if !out.filled.contains(&InvoiceField::Currency)
            && let Some(c) = &self.options.currency
        {
            out.invoice.currency = Some(c.to_uppercase());
            out.filled.push(InvoiceField::Currency);
        }
        out
    }

    /// The items of the table in `items`' region: a row with its amount (the line
    /// total, or without that column the unit price) is an item; a row with text only continues the item above (a
    /// wrapped description), and before the first item it is a header.
    fn items_in_region(&self, items: &ItemsRegion, pages: &[PageText]) -> Vec<LineItem> {
        let Some(page) = pages.iter().find(|p| p.page == items.region.page) else {
            return Vec::new();
        };
        let rect = self.region_rect(&items.region, page.width, page.height);
        let Some(table) = page.region_table(&rect) else {
            return Vec::new();
        };
        let sep = self.options.decimal_separator;
        // An item is a row with its amount: the line total when a column holds it.
        let by_total = items.columns.contains(&ItemColumn::LineTotal);
        let mut out: Vec<LineItem> = Vec::new();
        for row in &table.rows {
            let mut item = LineItem::default();
            let mut words = Vec::new();
            for (cell, kind) in row.iter().zip(&items.columns) {
                let number = || super::cell_number(cell, sep);
                match kind {
                    ItemColumn::Description if !cell.trim().is_empty() => {
                        words.push(cell.trim().to_string());
                    }
                    ItemColumn::Quantity => item.quantity = number(),
                    ItemColumn::UnitPrice => item.unit_price = number(),
                    ItemColumn::LineTotal => item.line_total = number(),
                    _ => {}
                }
            }
            let description = (!words.is_empty()).then(|| words.join(" "));
            let priced = if by_total {
                item.line_total.is_some()
            } else {
                item.unit_price.is_some()
            };
            if priced {
                item.description = description;
                out.push(item);
            } else if let (Some(d), Some(last)) = (description, out.last_mut()) {
                let joined = match last.description.take() {
                    Some(prev) => format!("{prev} {d}"),
                    None => d,
                };
                last.description = Some(joined);
            }
        }
        out
    }

    /// Every raw text the field's value, region or patterns give, in document order.
    fn raw_values(&self, f: &FieldRule, pages: &[PageText], text: &str) -> Vec<String> {
        if let Some(v) = &f.rules.value {
            return vec![v.clone()];
        }
        if let Some(r) = &f.region {
            let Some(page) = pages.iter().find(|p| p.page == r.page) else {
                return Vec::new();
            };
            let rect = self.region_rect(r, page.width, page.height);
            let t = page.region_text(&rect);
            return if t.trim().is_empty() {
                Vec::new()
            } else {
                vec![t]
            };
        }
        let mut all = Vec::new();
        for pat in &f.regex {
            if let Ok(re) = self.patterns.get(pat) {
                all.extend(pyregex::findall(&re, text));
            }
        }
        all.retain(|s| !s.trim().is_empty());
        all
    }

    /// Types every raw text and combines them as the group says.
    fn combine(&self, raw: &[String], kind: FieldType, group: Group) -> Option<FieldValue> {
        let typed: Vec<FieldValue> = raw.iter().filter_map(|s| self.typed(s, kind)).collect();
        if typed.is_empty() {
            return None;
        }
        let nums = || {
            typed.iter().filter_map(|v| match v {
                FieldValue::Number(d) => Some(*d),
                _ => None,
            })
        };
        Some(match group {
            Group::First => typed[0].clone(),
            Group::Last => typed[typed.len() - 1].clone(),
            Group::Sum => FieldValue::Number(nums().sum()),
            Group::Min => match kind {
                FieldType::Amount | FieldType::Number => FieldValue::Number(nums().min()?),
                _ => typed.iter().min_by_key(|v| v.to_string())?.clone(),
            },
            Group::Max => match kind {
                FieldType::Amount | FieldType::Number => FieldValue::Number(nums().max()?),
                _ => typed.iter().max_by_key(|v| v.to_string())?.clone(),
            },
            Group::Join => FieldValue::Text(
                typed
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        })
    }

    fn typed(&self, raw: &str, kind: FieldType) -> Option<FieldValue> {
        let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        match kind {
            FieldType::Text => (!s.is_empty()).then_some(FieldValue::Text(s)),
            FieldType::Amount | FieldType::Number => {
                parse_amount(&s, self.options.decimal_separator)
                    .map(|a| FieldValue::Number(a.value))
            }
            FieldType::Date => self.parse_date(&s).map(FieldValue::Date),
        }
    }

    /// A date by the template's formats first, then by the general date reader with the
    /// template's day/month order. An ambiguous date stays unread.
    fn parse_date(&self, s: &str) -> Option<NaiveDate> {
        let cleaned = s.replace(" ,", ",");
        for f in &self.options.date_formats {
            if let Ok(d) = NaiveDate::parse_from_str(&cleaned, f) {
                return Some(d);
            }
        }
        match parse_date(&cleaned, self.date_order())? {
            ParsedDate::Exact(d) => Some(d),
            ParsedDate::Ambiguous { .. } => None,
        }
    }
}

/// Sets an invoice field from a template's value (a currency written as a symbol or a
/// name becomes its ISO code); false when the type does not fit.
fn set_field(inv: &mut Invoice, field: InvoiceField, v: FieldValue) -> bool {
    let v = match (field, v) {
        (InvoiceField::Currency, v) => {
            let s = v.to_string();
            FieldValue::Text(
                find_currency(&s)
                    .map(str::to_string)
                    .unwrap_or_else(|| s.to_uppercase()),
            )
        }
        (_, v) => v,
    };
    inv.set(field, Some(&v))
}
