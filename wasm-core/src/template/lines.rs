//! Item lines and named tables read with patterns, line by line, between a start and an
//! end pattern (invoice2data's `lines` and `tables` parsers).

use std::collections::BTreeMap;

use fancy_regex::Regex;

use super::pyregex::Patterns;
use super::{LinesRule, TableRule};
use crate::invoice::LineItem;
use crate::invoice::amount::{DecimalSeparator, parse_amount};

/// The text between the first match of `start` and the next match of `end` after it.
fn block<'a>(text: &'a str, start: &str, end: &str, re: &Patterns) -> Option<&'a str> {
    let start = re.get(start).ok()?;
    let end = re.get(end).ok()?;
    let s = start.find(text).ok()??;
    let rest = &text[s.end()..];
    let e = end.find(rest).ok()?.map_or(rest.len(), |m| m.start());
    Some(&rest[..e])
}

/// Named groups of the first match of `re` in `line`.
fn named(re: &Regex, line: &str) -> Option<Vec<(String, String)>> {
    let caps = re.captures(line).ok()??;
    Some(
        re.capture_names()
            .flatten()
            .filter_map(|n| {
                caps.name(n)
                    .map(|m| (n.to_string(), m.as_str().trim().to_string()))
            })
            .collect(),
    )
}

/// Reads item lines. With a `firstLine` pattern an item starts at each line it matches
/// and gathers the lines after it; without one, each matching line is an item.
pub(super) fn read_lines(
    rule: &LinesRule,
    text: &str,
    sep: DecimalSeparator,
    re: &Patterns,
) -> Vec<LineItem> {
    let Some(body) = block(text, &rule.start, &rule.end, re) else {
        return Vec::new();
    };
    let compile = |p: &Option<String>| p.as_deref().and_then(|p| re.get(p).ok());
    let (first, last) = (compile(&rule.first_line), compile(&rule.last_line));
    let Ok(line_re) = re.get(&rule.line) else {
        return Vec::new();
    };
    let skips: Vec<std::sync::Arc<Regex>> = rule
        .skip_line
        .iter()
        .filter_map(|p| re.get(p).ok())
        .collect();

    let mut rows: Vec<Vec<(String, String)>> = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    let merge = |row: &mut Vec<(String, String)>, new: Vec<(String, String)>| {
        for (k, v) in new {
            match row.iter_mut().find(|(rk, _)| *rk == k) {
                Some((_, rv)) if !v.is_empty() => {
                    rv.push('\n');
                    rv.push_str(&v);
                }
                Some(_) => {}
                None => row.push((k, v)),
            }
        }
    };
    for line in body.lines() {
        if line.trim().is_empty() || skips.iter().any(|s| s.is_match(line).unwrap_or(false)) {
            continue;
        }
        if let Some(f) = &first
            && let Some(g) = named(f, line)
        {
            rows.extend(current.take());
            current = Some(g);
            continue;
        }
        if let Some(l) = &last
            && let Some(g) = named(l, line)
        {
            if let Some(mut row) = current.take() {
                merge(&mut row, g);
                rows.push(row);
            } else if first.is_none() {
                rows.push(g);
            }
            continue;
        }
        if let Some(g) = named(&line_re, line) {
            match (&first, current.as_mut()) {
                (Some(_), Some(row)) => merge(row, g),
                (Some(_), None) => {}
                (None, _) => rows.push(g),
            }
        }
    }
    rows.extend(current);
    rows.into_iter()
        .map(|r| to_item(&r, sep))
        .filter(|i| i != &LineItem::default())
        .collect()
}

/// Maps named groups onto an item, accepting Zonal's and invoice2data's names.
fn to_item(row: &[(String, String)], sep: DecimalSeparator) -> LineItem {
    let get = |names: &[&str]| {
        row.iter()
            .find(|(k, v)| !v.is_empty() && names.iter().any(|n| n.eq_ignore_ascii_case(k)))
            .map(|(_, v)| v.as_str())
    };
    let num = |names: &[&str]| get(names).and_then(|v| amount(v, sep));
    LineItem {
        description: get(&["description", "desc", "name", "item", "product", "text"])
            .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" ")),
        quantity: num(&["quantity", "qty"]),
        unit_price: num(&["unitPrice", "unit_price", "price_unit", "price", "rate"]),
        line_total: num(&[
            "lineTotal",
            "line_total",
            "price_subtotal",
            "amount",
            "total",
            "subtotal",
        ]),
    }
}

/// Named values of a table block: the first match of each group name wins.
pub(super) fn read_table(rule: &TableRule, text: &str, re: &Patterns) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let (Some(body), Ok(re)) = (block(text, &rule.start, &rule.end, re), re.get(&rule.body)) else {
        return out;
    };
    for line in body.lines() {
        for (k, v) in named(&re, line).unwrap_or_default() {
            if !v.is_empty() {
                out.entry(k).or_insert(v);
            }
        }
    }
    // A body written across lines (groups separated by `\s+` that spans rows).
    if out.is_empty()
        && let Some(g) = named(&re, body)
    {
        out.extend(g.into_iter().filter(|(_, v)| !v.is_empty()));
    }
    out
}

/// An amount with a known separator.
fn amount(s: &str, sep: DecimalSeparator) -> Option<rust_decimal::Decimal> {
    parse_amount(s, sep).map(|a| a.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_starts_an_item_and_following_lines_join_it() {
        let rule = LinesRule {
            start: "Item".into(),
            end: "Subtotal".into(),
            first_line: Some(
                r"^(?P<desc>Service \w+)\s+(?P<qty>\d+)\s+(?P<price>[\d.]+)\s+(?P<amount>[\d.]+)"
                    .into(),
            ),
            line: "(?P<desc>.+)".into(),
            last_line: None,
            skip_line: vec!["Notes:".into()],
        };
        let text = "Item Qty Rate Amount\nService A   2   10.00   20.00\n  extra words\nNotes: x\nService B   1   5.50   5.50\nSubtotal 25.50";
        let items = read_lines(&rule, text, DecimalSeparator::Point, &Patterns::default());
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0].description.as_deref(),
            Some("Service A extra words")
        );
        assert_eq!(
            items[0].line_total,
            Some(rust_decimal::Decimal::new(2000, 2))
        );
        assert_eq!(items[1].quantity, Some(rust_decimal::Decimal::ONE));
    }
}
