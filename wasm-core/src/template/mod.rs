//! Per-vendor templates: where a vendor prints each field, saved once and applied to
//! every later bill from that vendor.
//!
//! A template is `{vendor, match, locale, fields:[{label, region | regex, type, rules}]}`
//! (docs/CONTRACTS.md), stored as JSON. Matching ([`Template::match_pages`]) checks the first page's
//! text for the template's keywords and explains the result in words; applying
//! ([`Template::apply`]) reads each field from its region (scaled when the page size
//! differs) or its regular expressions, and the item lines from the `lines` rule.
//! [`invoice2data`] imports that project's YAML/JSON templates into this shape.
//!
//! Regular expressions use Python's syntax as far as `fancy-regex` allows (named groups
//! `(?P<name>…)`, look-around, `{,n}`), because the templates people bring are written
//! for Python. They run over the document's text with columns kept
//! ([`crate::text::layout_text`]), the text `pdftotext -layout` gives those templates.

mod apply;
pub mod invoice2data;
mod lines;
mod pyregex;

pub use crate::invoice::{FieldType, FieldValue};
pub use apply::Applied;
pub use pyregex::Patterns;

use serde::{Deserialize, Serialize};

use crate::geometry::Rect;
use crate::invoice::InvoiceField;
use crate::invoice::amount::DecimalSeparator;
use crate::text::PageText;

/// Share of a template's keywords that must be found for it to match.
pub const MATCH_THRESHOLD: f64 = 0.75;

/// Why a template could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The file is not valid JSON / YAML of the expected shape.
    #[error("not a valid template: {0}")]
    Format(String),
    /// A regular expression does not compile.
    #[error(
        "template {vendor:?}: the pattern for {field:?} is not a valid regular expression: {message}"
    )]
    Regex {
        /// The template's vendor.
        vendor: String,
        /// The field whose pattern is bad.
        field: String,
        /// The regex engine's message.
        message: String,
    },
    /// A required part is missing.
    #[error("not a valid template: {0}")]
    Missing(&'static str),
}

/// A vendor's template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    /// The vendor's name; becomes the invoice's `vendorName`.
    pub vendor: String,
    /// What identifies this vendor's documents.
    #[serde(rename = "match", default)]
    pub matcher: Match,
    /// Language and region (`nl`, `en-US`, `de`, `fr`): decides day/month order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// How to read the text before and after matching.
    #[serde(default)]
    pub options: TextOptions,
    /// Size of the page the regions were drawn on (points); regions scale to other sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<PageSize>,
    /// The fields and where to find them.
    #[serde(default)]
    pub fields: Vec<FieldRule>,
    /// How to read the item lines, if the template knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<LinesRule>,
    /// Extra tables of named values (invoice2data `tables`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<TableRule>,
    /// The item table as a region drawn over it, each column mapped to an item field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<ItemsRegion>,
    /// The patterns above, compiled (by [`Template::validate`] when loaded, else on
    /// first use); not part of the template's JSON.
    #[serde(skip)]
    pub patterns: Patterns,
}

/// What identifies a vendor's documents: regular expressions searched in the first page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Match {
    /// Each must be found.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// None may be found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_keywords: Vec<String>,
}

/// How the document's text is read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextOptions {
    /// Currency when the document does not print one (ISO 4217).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Decimal separator of the vendor's amounts.
    #[serde(default)]
    pub decimal_separator: DecimalSeparator,
    /// `strftime` date formats, tried in order (`%d-%m-%Y`, `%B %d, %Y`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub date_formats: Vec<String>,
    /// `[pattern, replacement]` pairs applied to the text first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace: Vec<(String, String)>,
    /// Remove all whitespace before matching.
    #[serde(default)]
    pub remove_whitespace: bool,
    /// Replace accented letters by plain ones before matching.
    #[serde(default)]
    pub remove_accents: bool,
    /// Lower-case the text before matching.
    #[serde(default)]
    pub lowercase: bool,
}

/// Page size in points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PageSize {
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// A template's region: points on the page as displayed, origin top-left.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Region {
    /// 1-based page.
    pub page: usize,
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

impl Region {
    /// The region over `rect` on `page`.
    pub fn on_page(page: usize, rect: &Rect) -> Self {
        Self {
            page,
            x: rect.x0,
            y: rect.top,
            width: rect.width(),
            height: rect.height(),
        }
    }
}

/// How several matches of a field combine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    /// The first match in the document.
    #[default]
    First,
    /// The last match.
    Last,
    /// The sum of all (amounts and numbers).
    Sum,
    /// The smallest.
    Min,
    /// The largest.
    Max,
    /// All, joined by spaces.
    Join,
}

/// Extra rules for one field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldRules {
    /// How several matches combine.
    #[serde(default)]
    pub group: Group,
    /// A fixed value (no region or pattern needed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// One field of a template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldRule {
    /// The invoice field it fills (`invoiceNumber`, `total`, …) or a name of its own.
    pub label: String,
    /// Where the value is printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    /// Patterns, tried in order; the first capture group (or the whole match) is the value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regex: Vec<String>,
    /// How the text becomes a value.
    #[serde(rename = "type", default)]
    pub kind: FieldType,
    /// Grouping and fixed values.
    #[serde(default)]
    pub rules: FieldRules,
}

impl FieldRule {
    /// The invoice field this rule fills, when its label names one (any case).
    pub fn field(&self) -> Option<InvoiceField> {
        InvoiceField::header(&self.label)
    }

    /// The type its value is read as: the invoice field's own type for amounts and
    /// dates, else what the template declares.
    pub fn value_type(&self) -> FieldType {
        match self.field().map(InvoiceField::value_type) {
            Some(t @ (FieldType::Amount | FieldType::Date)) => t,
            _ => self.kind,
        }
    }
}

/// Item lines between a start and an end pattern, one pattern per line kind; named
/// groups (`description`, `quantity`, `unitPrice`, `lineTotal` or invoice2data's
/// `name`, `qty`, `price_unit`, `price_subtotal`…) fill the item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinesRule {
    /// Where the item table starts (exclusive).
    pub start: String,
    /// Where it ends (exclusive).
    pub end: String,
    /// A line that starts a new item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_line: Option<String>,
    /// A line of an item (a new item when there is no `firstLine`).
    pub line: String,
    /// A line that closes an item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_line: Option<String>,
    /// Lines to ignore (page headers and footers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip_line: Vec<String>,
}

/// A block of named values between a start and an end pattern.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableRule {
    /// Where the block starts.
    pub start: String,
    /// Where it ends.
    pub end: String,
    /// A pattern with named groups, matched on each line of the block.
    pub body: String,
}

/// Line items read from the table inside a region (rows × cells, see
/// [`PageText::region_table`](crate::PageText)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemsRegion {
    /// Where the table is.
    pub region: Region,
    /// What each of its columns holds, left to right.
    pub columns: Vec<ItemColumn>,
}

/// What a column of an item table holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ItemColumn {
    /// Nothing the invoice keeps.
    #[default]
    Ignore,
    /// What was sold.
    Description,
    /// How many.
    Quantity,
    /// Price of one.
    UnitPrice,
    /// The line's amount.
    LineTotal,
}

impl ItemColumn {
    /// Every choice, in the order a person is offered them.
    pub const ALL: [Self; 5] = [
        Self::Description,
        Self::Quantity,
        Self::UnitPrice,
        Self::LineTotal,
        Self::Ignore,
    ];

    /// Its name in the template's JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ignore => "ignore",
            Self::Description => "description",
            Self::Quantity => "quantity",
            Self::UnitPrice => "unitPrice",
            Self::LineTotal => "lineTotal",
        }
    }

    /// The column a name stands for.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Its title for a person.
    pub fn title(self) -> &'static str {
        match self {
            Self::Ignore => "—",
            Self::Description => "Description",
            Self::Quantity => "Quantity",
            Self::UnitPrice => "Unit price",
            Self::LineTotal => "Line total",
        }
    }

    /// A first guess for each column of `rows`: the first mostly-text column is the
    /// description; of the mostly-number columns, the last is the line total, the one
    /// before it the unit price, and a third from the right the quantity.
    pub fn guess(rows: &[Vec<String>]) -> Vec<Self> {
        let n = rows.first().map_or(0, Vec::len);
        let numeric: Vec<bool> = (0..n)
            .map(|c| {
                let cells: Vec<&String> = rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .filter(|t| !t.trim().is_empty())
                    .collect();
                let numbers = cells
                    .iter()
                    .filter(|t| cell_number(t, Default::default()).is_some())
                    .count();
                !cells.is_empty() && numbers * 2 > cells.len()
            })
            .collect();
        let mut out = vec![Self::Ignore; n];
        if let Some(d) = numeric.iter().position(|x| !x) {
            out[d] = Self::Description;
        }
        let nums: Vec<usize> = (0..n).filter(|&c| numeric[c]).rev().collect();
        for (c, kind) in nums
            .iter()
            .zip([Self::LineTotal, Self::UnitPrice, Self::Quantity])
        {
            out[*c] = kind;
        }
        out
    }
}

/// The number a table cell starts with ("20 Stk", "€ 9,90", "(5,00)"); none for a cell
/// of words that holds a number ("Art. 4711").
pub fn cell_number(
    cell: &str,
    sep: crate::invoice::amount::DecimalSeparator,
) -> Option<rust_decimal::Decimal> {
    let t = cell.trim();
    let first = t.chars().next()?;
    let numberish = first.is_ascii_digit()
        || matches!(first, '-' | '−' | '+' | '(' | '.' | ',')
        || crate::invoice::amount::find_currency(&first.to_string()).is_some();
    numberish
        .then(|| crate::invoice::amount::parse_amount(t, sep).map(|a| a.value))
        .flatten()
}

/// How well a template fits a document, in words a person can check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateMatch {
    /// The template's vendor.
    pub vendor: String,
    /// Share of keywords found, 0 when an excluded keyword is present.
    pub score: f64,
    /// Whether the score reaches [`MATCH_THRESHOLD`].
    pub matched: bool,
    /// "matched OYO because …" / "not OYO: …".
    pub explanation: String,
}

impl Template {
    /// The pages its regions are drawn on (fields and the item table).
    pub fn region_pages(&self) -> impl Iterator<Item = usize> + '_ {
        self.fields
            .iter()
            .filter_map(|f| f.region.map(|r| r.page))
            .chain(self.items.iter().map(|i| i.region.page))
    }

    /// Whether the template has a rule for this invoice field.
    pub fn has_field(&self, field: InvoiceField) -> bool {
        self.fields.iter().any(|f| f.field() == Some(field))
    }

    /// Where region `r` lies on a page of `width` × `height` points: scaled from the page
    /// size the template was drawn on, when it knows it.
    pub fn region_rect(&self, r: &Region, width: f64, height: f64) -> Rect {
        let rect = Rect::from_xywh(r.x, r.y, r.width, r.height);
        match self.page_size {
            Some(s) => rect.rescaled((s.width, s.height), (width, height)),
            None => rect,
        }
    }

    /// Reads a template from JSON: Zonal's own shape, or an invoice2data JSON template.
    pub fn from_json(s: &str) -> Result<Self, TemplateError> {
        let v: serde_json::Value =
            serde_json::from_str(s).map_err(|e| TemplateError::Format(e.to_string()))?;
        let v = match v {
            serde_json::Value::Array(mut a) if a.len() == 1 => a.remove(0),
            v => v,
        };
        Self::from_json_value(v)
    }

    fn from_json_value(v: serde_json::Value) -> Result<Self, TemplateError> {
        let t = if v.get("issuer").is_some() {
            invoice2data::from_value(v)?
        } else {
            serde_json::from_value(v).map_err(|e| TemplateError::Format(e.to_string()))?
        };
        t.validate()?;
        Ok(t)
    }

    /// Reads a template file's text: JSON (either shape) or invoice2data YAML.
    pub fn parse(s: &str) -> Result<Self, TemplateError> {
        if s.trim_start().starts_with(['{', '[']) {
            Self::from_json(s)
        } else {
            invoice2data::from_yaml(s)
        }
    }

    /// Reads every template a file holds: a JSON list (what the app exports, or
    /// invoice2data templates in JSON) gives each of its templates, anything else the one
    /// [`Template::parse`] reads.
    pub fn parse_file(s: &str) -> Result<Vec<Self>, TemplateError> {
        if !s.trim_start().starts_with('[') {
            return Self::parse(s).map(|t| vec![t]);
        }
        let list: Vec<serde_json::Value> =
            serde_json::from_str(s).map_err(|e| TemplateError::Format(e.to_string()))?;
        if list.is_empty() {
            return Err(TemplateError::Missing("the file lists no templates"));
        }
        list.into_iter().map(Self::from_json_value).collect()
    }

    /// Checks the template can be applied: a vendor, and every pattern compiles.
    pub fn validate(&self) -> Result<(), TemplateError> {
        if self.vendor.trim().is_empty() {
            return Err(TemplateError::Missing("a template needs a vendor"));
        }
        let check = |field: &str, pat: &str| {
            self.patterns
                .get(pat)
                .map(|_| ())
                .map_err(|message| TemplateError::Regex {
                    vendor: self.vendor.clone(),
                    field: field.to_string(),
                    message,
                })
        };
        for k in self
            .matcher
            .keywords
            .iter()
            .chain(&self.matcher.exclude_keywords)
        {
            check("keywords", k)?;
        }
        for (p, _) in &self.options.replace {
            check("replace", p)?;
        }
        for f in &self.fields {
            for r in &f.regex {
                check(&f.label, r)?;
            }
        }
        if let Some(l) = &self.lines {
            for p in [Some(&l.start), Some(&l.end), Some(&l.line)]
                .into_iter()
                .flatten()
                .chain(l.first_line.as_ref())
                .chain(l.last_line.as_ref())
                .chain(l.skip_line.iter())
            {
                check("lines", p)?;
            }
        }
        for t in &self.tables {
            for p in [&t.start, &t.end, &t.body] {
                check("tables", p)?;
            }
        }
        Ok(())
    }

    /// The document text this template's patterns run over: every page with columns
    /// kept, pages separated by a form feed, after the template's text options.
    pub fn prepare_text(&self, pages: &[PageText]) -> String {
        let text = pages
            .iter()
            .map(PageText::layout_text)
            .collect::<Vec<_>>()
            .join("\n\u{c}");
        apply::prepare(&text, &self.options, &self.patterns)
    }

    /// How well this template fits a document, judged on its first page.
    pub fn match_pages(&self, pages: &[PageText]) -> TemplateMatch {
        let text = self.prepare_text(pages.get(..1).unwrap_or_default());
        self.match_text(&text)
    }

    /// How well this template fits a document whose first page also shows text only an
    /// OCR of its images can read (a logo, a letterhead scanned into the PDF).
    pub fn match_pages_with(&self, pages: &[PageText], ocr_text: &str) -> TemplateMatch {
        let text = self.prepare_text(pages.get(..1).unwrap_or_default());
        let mut m = self.match_text(&format!(
            "{text}\n{}",
            apply::prepare(ocr_text, &self.options, &self.patterns)
        ));
        if m.matched {
            m.explanation.push_str(" (read by OCR from the page image)");
        }
        m
    }

    /// How well this template fits a (prepared) text.
    pub fn match_text(&self, text: &str) -> TemplateMatch {
        let found = |p: &str| {
            self.patterns
                .get(p)
                .is_ok_and(|re| re.is_match(text).unwrap_or(false))
        };
        let excluded: Vec<&str> = self
            .matcher
            .exclude_keywords
            .iter()
            .filter(|k| found(k))
            .map(String::as_str)
            .collect();
        let keywords: Vec<&str> = if self.matcher.keywords.is_empty() {
            vec![self.vendor.as_str()]
        } else {
            self.matcher.keywords.iter().map(String::as_str).collect()
        };
        let (hit, miss): (Vec<&str>, Vec<&str>) = keywords.iter().partition(|k| {
            if self.matcher.keywords.is_empty() {
                text.to_lowercase().contains(&k.to_lowercase())
            } else {
                found(k)
            }
        });
        let score = if excluded.is_empty() {
            hit.len() as f64 / keywords.len().max(1) as f64
        } else {
            0.0
        };
        let matched = score >= MATCH_THRESHOLD;
        let quote = |v: &[&str]| {
            v.iter()
                .map(|k| format!("“{k}”"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let explanation = if !excluded.is_empty() {
            format!(
                "not {}: the page contains {}, which this template excludes",
                self.vendor,
                quote(&excluded)
            )
        } else if matched {
            let mut s = format!(
                "matched {} because the first page contains {}",
                self.vendor,
                quote(&hit)
            );
            if !miss.is_empty() {
                s.push_str(&format!(" (but not {})", quote(&miss)));
            }
            s
        } else {
            format!("not {}: the first page lacks {}", self.vendor, quote(&miss))
        };
        TemplateMatch {
            vendor: self.vendor.clone(),
            score,
            matched,
            explanation,
        }
    }
}

/// The best matching template for a document, if any reaches the threshold.
pub fn best_match<'a>(
    templates: &'a [Template],
    pages: &[PageText],
) -> Option<(&'a Template, TemplateMatch)> {
    templates
        .iter()
        .map(|t| (t, t.match_pages(pages)))
        .filter(|(_, m)| m.matched)
        .max_by(|a, b| {
            a.1.score
                .total_cmp(&b.1.score)
                .then(a.0.matcher.keywords.len().cmp(&b.0.matcher.keywords.len()))
        })
}
