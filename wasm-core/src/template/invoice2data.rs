//! Importing invoice2data templates (YAML or JSON), so its users bring their work along.
//!
//! Understood: `issuer`, `keywords`, `exclude_keywords`, `fields` (legacy `name: regex`
//! or `{parser: regex|static|lines, regex, value, group, type}`, `static_*` names),
//! `lines` (`start`, `end`, `first_line`, `line`, `last_line`, `skip_line`), `tables`,
//! and `options` (`currency`, `decimal_separator`, `date_formats`, `languages`,
//! `replace`, `remove_whitespace`, `remove_accents`, `lowercase`). invoice2data's field
//! names map onto the invoice (`amount` → `total`, `amount_untaxed` → `subtotal`,
//! `amount_tax` → `tax`, `date` → `invoiceDate`, `date_due` → `dueDate`); the others are
//! kept under their own names.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{
    FieldRule, FieldRules, FieldType, Group, LinesRule, Match, TableRule, Template, TemplateError,
    TextOptions,
};
use crate::invoice::amount::DecimalSeparator;

/// Reads an invoice2data YAML template.
pub fn from_yaml(s: &str) -> Result<Template, TemplateError> {
    let v: Value = serde_yaml_ng::from_str(s).map_err(|e| TemplateError::Format(e.to_string()))?;
    let t = from_value(v)?;
    t.validate()?;
    Ok(t)
}

/// Converts a parsed invoice2data template.
pub fn from_value(v: Value) -> Result<Template, TemplateError> {
    let source: Source =
        serde_json::from_value(v).map_err(|e| TemplateError::Format(e.to_string()))?;
    source.into_template()
}

/// An invoice2data template as its YAML/JSON is written. Scalars may be strings,
/// numbers or booleans, and a list may stand where one value is expected.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Source {
    issuer: Scalar,
    keywords: Strings,
    exclude_keywords: Strings,
    fields: BTreeMap<String, FieldSpec>,
    lines: Option<LinesSpec>,
    tables: Vec<TableSpec>,
    options: OptionsSpec,
}

/// `options:`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OptionsSpec {
    currency: Scalar,
    decimal_separator: Scalar,
    date_formats: Strings,
    languages: Strings,
    replace: Vec<Strings>,
    remove_whitespace: Flag,
    remove_accents: Flag,
    lowercase: Flag,
}

/// One field: `name: regex` (legacy), or `{parser, regex, value, group, type}`; a
/// `lines` parser holds an item-lines rule.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum FieldSpec {
    Parser(Box<ParserSpec>),
    Legacy(Strings),
}

/// A field with a parser.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ParserSpec {
    parser: Scalar,
    regex: Strings,
    value: Scalar,
    group: Scalar,
    #[serde(rename = "type")]
    kind: Scalar,
    #[serde(flatten)]
    lines: LinesSpec,
}

/// `lines:` (or a `lines` parser): item lines between a start and an end pattern.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LinesSpec {
    start: Scalar,
    end: Scalar,
    first_line: Scalar,
    line: Scalar,
    last_line: Scalar,
    skip_line: Strings,
}

/// One of `tables:`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TableSpec {
    start: Scalar,
    end: Scalar,
    body: Scalar,
}

/// A scalar as text (strings, numbers, booleans); anything else is no value.
#[derive(Debug, Default)]
struct Scalar(Option<String>);

/// A scalar or a list of scalars, as texts (other items are left out).
#[derive(Debug, Default)]
struct Strings(Vec<String>);

/// `true` only when written as the boolean true.
#[derive(Debug, Default)]
struct Flag(bool);

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self(scalar(&Value::deserialize(d)?)))
    }
}

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self(match Value::deserialize(d)? {
            Value::Array(a) => a.iter().filter_map(scalar).collect(),
            v => scalar(&v).into_iter().collect(),
        }))
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self(matches!(Value::deserialize(d)?, Value::Bool(true))))
    }
}

impl Source {
    /// The template's vendor: the top-level `issuer`, else a fixed `issuer` field, else
    /// its first keyword (templates that read the issuer from the page with a pattern,
    /// or name none, still need a name).
    fn vendor(&self) -> Option<String> {
        let fixed = match self.fields.get("issuer") {
            Some(FieldSpec::Parser(p)) if p.parser.0.as_deref() == Some("static") => {
                p.value.0.clone()
            }
            _ => None,
        };
        self.issuer
            .0
            .clone()
            .or(fixed)
            .or_else(|| {
                self.fields.get("static_issuer").and_then(|f| match f {
                    FieldSpec::Legacy(s) => s.0.first().cloned(),
                    FieldSpec::Parser(_) => None,
                })
            })
            .or_else(|| self.keywords.0.first().cloned())
            .filter(|v| !v.trim().is_empty())
    }

    fn into_template(self) -> Result<Template, TemplateError> {
        let vendor = self.vendor().ok_or(TemplateError::Missing(
            "an invoice2data template needs an issuer (or at least a keyword)",
        ))?;
        let mut t = Template {
            vendor,
            matcher: Match {
                keywords: self.keywords.0,
                exclude_keywords: self.exclude_keywords.0,
            },
            locale: self.options.languages.0.first().cloned(),
            options: self.options.into_options(),
            lines: self.lines.and_then(LinesSpec::into_rule),
            tables: self
                .tables
                .into_iter()
                .filter_map(|t| {
                    Some(TableRule {
                        start: t.start.0?,
                        end: t.end.0?,
                        body: t.body.0?,
                    })
                })
                .collect(),
            ..Template::default()
        };
        for (name, spec) in self.fields {
            if let Some(plain) = name.strip_prefix("static_") {
                let value = match spec {
                    FieldSpec::Legacy(s) => s.0.into_iter().next(),
                    FieldSpec::Parser(_) => None,
                };
                t.fields.push(fixed(label(plain), value));
                continue;
            }
            let field = match spec {
                FieldSpec::Parser(p) => match p.parser.0.as_deref() {
                    Some("lines") => {
                        if let Some(l) = p.lines.into_rule() {
                            t.lines = Some(l);
                        }
                        continue;
                    }
                    Some("static") => fixed(label(&name), p.value.0),
                    _ => FieldRule {
                        label: label(&name),
                        regex: p.regex.0,
                        kind: kind(&name, p.kind.0.as_deref()),
                        rules: FieldRules {
                            group: group(p.group.0.as_deref()),
                            value: None,
                        },
                        ..FieldRule::default()
                    },
                },
                FieldSpec::Legacy(regex) => FieldRule {
                    label: label(&name),
                    regex: regex.0,
                    kind: kind(&name, None),
                    ..FieldRule::default()
                },
            };
            t.fields.push(field);
        }
        Ok(t)
    }
}

impl OptionsSpec {
    fn into_options(self) -> TextOptions {
        TextOptions {
            currency: self.currency.0,
            decimal_separator: match self.decimal_separator.0.as_deref() {
                Some(",") => DecimalSeparator::Comma,
                Some(".") => DecimalSeparator::Point,
                _ => DecimalSeparator::Auto,
            },
            date_formats: self.date_formats.0,
            replace: self
                .replace
                .into_iter()
                .filter_map(|p| Some((p.0.first()?.clone(), p.0.get(1)?.clone())))
                .collect(),
            remove_whitespace: self.remove_whitespace.0,
            remove_accents: self.remove_accents.0,
            lowercase: self.lowercase.0,
        }
    }
}

impl LinesSpec {
    fn into_rule(self) -> Option<LinesRule> {
        Some(LinesRule {
            start: self.start.0?,
            end: self.end.0?,
            first_line: self.first_line.0,
            line: self.line.0?,
            last_line: self.last_line.0,
            skip_line: self.skip_line.0,
        })
    }
}

/// A field with a fixed value.
fn fixed(label: String, value: Option<String>) -> FieldRule {
    FieldRule {
        label,
        rules: FieldRules {
            value,
            ..FieldRules::default()
        },
        ..FieldRule::default()
    }
}

/// invoice2data's field name → Zonal's label.
fn label(name: &str) -> String {
    match name {
        "invoice_number" => "invoiceNumber",
        "date" => "invoiceDate",
        "date_due" => "dueDate",
        "amount" => "total",
        "amount_untaxed" => "subtotal",
        "amount_tax" => "tax",
        "currency" => "currency",
        "issuer" => "vendorName",
        other => other,
    }
    .to_string()
}

/// invoice2data's typing: an explicit `type`, else by the name's prefix.
fn kind(name: &str, ty: Option<&str>) -> FieldType {
    match ty {
        Some("float" | "int") => FieldType::Number,
        Some("date") => FieldType::Date,
        _ if name.starts_with("date") => FieldType::Date,
        _ if name.starts_with("amount") => FieldType::Amount,
        _ => FieldType::Text,
    }
}

/// How several matches combine (`group:`).
fn group(g: Option<&str>) -> Group {
    match g {
        Some("sum") => Group::Sum,
        Some("last") => Group::Last,
        Some("min") => Group::Min,
        Some("max") => Group::Max,
        Some("join") => Group::Join,
        _ => Group::First,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_and_parser_fields_import() {
        let t = from_yaml(
            r#"
issuer: ACME
keywords: [ACME, Invoice]
fields:
  amount: Total\s+(\d+,\d+)
  date:
    parser: regex
    regex: ['Date (\d+-\d+-\d+)']
    type: date
  static_vat: NL123
  line_items:
    parser: lines
    start: Item
    end: Total
    line: (?P<name>.+)\s+(?P<price_subtotal>\d+,\d+)
options:
  currency: EUR
  decimal_separator: ","
  date_formats: ['%d-%m-%Y']
  languages: [nl]
"#,
        )
        .expect("imports");
        assert_eq!(t.vendor, "ACME");
        assert_eq!(t.matcher.keywords, vec!["ACME", "Invoice"]);
        assert_eq!(t.options.decimal_separator, DecimalSeparator::Comma);
        assert_eq!(t.locale.as_deref(), Some("nl"));
        let labels: Vec<&str> = t.fields.iter().map(|f| f.label.as_str()).collect();
        assert!(labels.contains(&"total") && labels.contains(&"invoiceDate"));
        assert!(
            t.fields
                .iter()
                .any(|f| f.label == "vat" && f.rules.value.as_deref() == Some("NL123"))
        );
        assert!(t.lines.is_some());
    }

    #[test]
    fn json_templates_import_too_and_round_trip_as_zonal_json() {
        let t = Template::parse(
            r#"[{"issuer": "ACME", "keywords": ["ACME"], "fields": {"invoice_number": "No (\\d+)"},
                "options": {"currency": "USD", "date_formats": ["%m/%d/%Y"]}}]"#,
        )
        .expect("invoice2data JSON");
        assert_eq!(t.vendor, "ACME");
        assert_eq!(t.fields[0].label, "invoiceNumber");
        assert_eq!(t.date_order(), crate::invoice::date::DateOrder::Mdy);
        let json = serde_json::to_string(&t).expect("serialises");
        assert_eq!(Template::parse(&json).expect("Zonal JSON"), t);
    }

    #[test]
    fn a_file_of_several_templates_reads_as_each_of_them() {
        // What the app's Export writes: every template, as one JSON list.
        let a =
            Template::parse("issuer: ACME\nkeywords: [ACME]\nfields:\n  amount: Total (\\d+)\n")
                .expect("ACME");
        let b =
            Template::parse("issuer: Globex\nkeywords: [Globex]\nfields:\n  amount: Due (\\d+)\n")
                .expect("Globex");
        let exported = serde_json::to_string_pretty(&vec![a.clone(), b.clone()]).expect("json");
        assert_eq!(
            Template::parse_file(&exported).expect("reads"),
            vec![a.clone(), b]
        );
        let yaml = "issuer: ACME\nkeywords: [ACME]\nfields:\n  amount: Total (\\d+)\n";
        assert_eq!(Template::parse_file(yaml).expect("one"), vec![a]);
        // One bad template fails the file, naming why; an empty list is no template.
        let bad = r#"[{"issuer": "X", "keywords": ["X"], "fields": {"amount": "Total ((\\d+)"}}]"#;
        assert!(matches!(
            Template::parse_file(bad),
            Err(TemplateError::Regex { .. })
        ));
        assert!(Template::parse_file("[]").is_err());
    }

    #[test]
    fn an_issuer_read_from_the_page_or_not_named_at_all() {
        // invoice2data's current templates read the issuer with a field, or name none.
        let t = from_yaml(
            "keywords: [Coolblue]\nfields:\n  issuer:\n    parser: regex\n    regex: (Coolblue\\sB\\.V\\.)\n  amount: Totaal (\\d+)\n",
        )
        .expect("imports");
        assert_eq!(t.vendor, "Coolblue", "named after its keyword");
        let page = crate::text::PageText::from_plain_text(1, "Coolblue B.V.\nTotaal 12");
        let applied = t.apply(std::slice::from_ref(&page));
        assert_eq!(
            applied.invoice.vendor_name.as_deref(),
            Some("Coolblue B.V.")
        );
        let fixed = from_yaml(
            "keywords: [K]\nfields:\n  issuer:\n    parser: static\n    value: ACME GmbH\n",
        )
        .expect("imports");
        assert_eq!(fixed.vendor, "ACME GmbH");
        let none = from_yaml("keywords: [Amazon EU, Rechnungsnr]\nfields:\n  amount: EUR (\\d+)\n")
            .expect("imports");
        assert_eq!(none.vendor, "Amazon EU");
    }

    #[test]
    fn patterns_are_compiled_once_when_the_template_is_loaded() {
        let t = from_yaml(
            "issuer: ACME\nkeywords: [ACME]\nfields:\n  amount: Total\\s+(\\d+)\n  invoice_number: No (\\d+)\n",
        )
        .expect("imports");
        assert_eq!(
            t.patterns.len(),
            3,
            "keyword and two fields, compiled on load"
        );
        let page = crate::text::PageText::from_plain_text(1, "ACME\nNo 17\nTotal 42");
        let applied = t.apply(std::slice::from_ref(&page));
        assert_eq!(applied.invoice.invoice_number.as_deref(), Some("17"));
        assert!(t.match_pages(std::slice::from_ref(&page)).matched);
        assert_eq!(
            t.patterns.len(),
            3,
            "matching and applying compiled nothing new"
        );
    }

    #[test]
    fn missing_issuer_and_bad_regex_are_clear_errors() {
        assert!(matches!(
            from_yaml("fields:\n  amount: Total (\\d+)\n"),
            Err(TemplateError::Missing(_))
        ));
        let e = from_yaml("issuer: X\nfields:\n  amount: (unclosed\n").expect_err("bad regex");
        assert!(e.to_string().contains("total"), "{e}");
        assert!(from_yaml(": : :").is_err());
    }
}
