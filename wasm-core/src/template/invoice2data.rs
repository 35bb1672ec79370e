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

/// A scalar or a list of scalars as strings.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(scalar).collect(),
        Some(v) => scalar(v).into_iter().collect(),
        None => Vec::new(),
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn flag(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
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

fn lines_rule(v: &Value) -> Option<LinesRule> {
    let s = |k: &str| v.get(k).and_then(scalar);
    Some(LinesRule {
        start: s("start")?,
        end: s("end")?,
        first_line: s("first_line"),
        line: s("line")?,
        last_line: s("last_line"),
        skip_line: strings(v.get("skip_line")),
    })
}

/// Converts a parsed invoice2data template.
pub fn from_value(v: Value) -> Result<Template, TemplateError> {
    let vendor = v
        .get("issuer")
        .and_then(scalar)
        .ok_or(TemplateError::Missing(
            "an invoice2data template needs an issuer",
        ))?;
    let o = v.get("options").cloned().unwrap_or(Value::Null);
    let options = TextOptions {
        currency: o.get("currency").and_then(scalar),
        decimal_separator: match o.get("decimal_separator").and_then(scalar).as_deref() {
            Some(",") => DecimalSeparator::Comma,
            Some(".") => DecimalSeparator::Point,
            _ => DecimalSeparator::Auto,
        },
        date_formats: strings(o.get("date_formats")),
        replace: match o.get("replace") {
            Some(Value::Array(pairs)) => pairs
                .iter()
                .filter_map(|p| {
                    let p = strings(Some(p));
                    Some((p.first()?.clone(), p.get(1)?.clone()))
                })
                .collect(),
            _ => Vec::new(),
        },
        remove_whitespace: flag(o.get("remove_whitespace")),
        remove_accents: flag(o.get("remove_accents")),
        lowercase: flag(o.get("lowercase")),
    };
    let mut t = Template {
        vendor,
        matcher: Match {
            keywords: strings(v.get("keywords")),
            exclude_keywords: strings(v.get("exclude_keywords")),
        },
        locale: strings(o.get("languages")).into_iter().next(),
        options,
        lines: v.get("lines").and_then(lines_rule),
        tables: match v.get("tables") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|t| {
                    Some(TableRule {
                        start: t.get("start").and_then(scalar)?,
                        end: t.get("end").and_then(scalar)?,
                        body: t.get("body").and_then(scalar)?,
                    })
                })
                .collect(),
            _ => Vec::new(),
        },
        ..Template::default()
    };
    if let Some(Value::Object(fields)) = v.get("fields") {
        for (name, spec) in fields {
            if let Some(plain) = name.strip_prefix("static_") {
                t.fields.push(FieldRule {
                    label: label(plain),
                    rules: FieldRules {
                        value: scalar(spec),
                        ..FieldRules::default()
                    },
                    ..FieldRule::default()
                });
                continue;
            }
            let field = match spec {
                Value::Object(m) => {
                    let parser = m.get("parser").and_then(scalar);
                    match parser.as_deref() {
                        Some("lines") => {
                            if let Some(l) = lines_rule(spec) {
                                t.lines = Some(l);
                            }
                            continue;
                        }
                        Some("static") => FieldRule {
                            label: label(name),
                            rules: FieldRules {
                                value: m.get("value").and_then(scalar),
                                ..FieldRules::default()
                            },
                            ..FieldRule::default()
                        },
                        _ => FieldRule {
                            label: label(name),
                            regex: strings(m.get("regex")),
                            kind: kind(name, m.get("type").and_then(Value::as_str)),
                            rules: FieldRules {
                                group: match m.get("group").and_then(Value::as_str) {
                                    Some("sum") => Group::Sum,
                                    Some("last") => Group::Last,
                                    Some("min") => Group::Min,
                                    Some("max") => Group::Max,
                                    Some("join") => Group::Join,
                                    _ => Group::First,
                                },
                                value: None,
                            },
                            ..FieldRule::default()
                        },
                    }
                }
                other => FieldRule {
                    label: label(name),
                    regex: strings(Some(other)),
                    kind: kind(name, None),
                    ..FieldRule::default()
                },
            };
            t.fields.push(field);
        }
    }
    Ok(t)
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
    fn missing_issuer_and_bad_regex_are_clear_errors() {
        assert!(matches!(
            from_yaml("keywords: [x]"),
            Err(TemplateError::Missing(_))
        ));
        let e = from_yaml("issuer: X\nfields:\n  amount: (unclosed\n").expect_err("bad regex");
        assert!(e.to_string().contains("total"), "{e}");
        assert!(from_yaml(": : :").is_err());
    }
}
