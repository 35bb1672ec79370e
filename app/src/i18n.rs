//! The UI's languages, English and Dutch, with Fluent (`fluent-bundle`): the messages are
//! `app/locales/{en,nl}.ftl`, compiled in. The language is chosen from the browser's
//! (`navigator.languages`) unless the person switched it (kept in `localStorage`);
//! switching draws the app again in the other language, nothing else changes. Numbers
//! and dates shown (not typed) follow the language through the browser's `Intl`.

use std::cell::Cell;

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};

/// A language the UI speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Dutch.
    Nl,
}

impl Lang {
    /// Both, in the order the switch offers them.
    pub const ALL: [Self; 2] = [Self::En, Self::Nl];

    /// The BCP 47 tag (`<html lang>`, `Intl`).
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Nl => "nl",
        }
    }

    /// Its name in itself, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Nl => "Nederlands",
        }
    }

    fn from_tag(tag: &str) -> Option<Self> {
        let tag = tag.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|l| tag == l.tag() || tag.starts_with(&format!("{}-", l.tag())))
    }
}

const EN: &str = include_str!("../locales/en.ftl");
const NL: &str = include_str!("../locales/nl.ftl");
const LANG_KEY: &str = "zonal.lang";

thread_local! {
    static CURRENT: Cell<Lang> = const { Cell::new(Lang::En) };
    static BUNDLES: [FluentBundle<FluentResource>; 2] = [bundle(Lang::En, EN), bundle(Lang::Nl, NL)];
}

fn bundle(lang: Lang, ftl: &str) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut b = FluentBundle::new(vec![id]);
    // Plain text in the DOM: no Unicode isolation marks around the arguments.
    b.set_use_isolating(false);
    match FluentResource::try_new(ftl.to_string()) {
        Ok(r) | Err((r, _)) => {
            let _ = b.add_resource(r);
        }
    }
    b
}

/// The language at start: the one the person chose, else the browser's first that the
/// UI speaks, else English.
pub fn initial() -> Lang {
    let chosen = crate::glue::local_storage()
        .and_then(|s| s.get_item(LANG_KEY).ok().flatten())
        .and_then(|t| Lang::from_tag(&t));
    let lang = chosen
        .or_else(|| {
            crate::glue::browser_languages()
                .iter()
                .find_map(|t| Lang::from_tag(t))
        })
        .unwrap_or(Lang::En);
    use_lang(lang);
    lang
}

/// Makes `lang` the one messages are given in (and `<html lang>`).
pub fn use_lang(lang: Lang) {
    CURRENT.with(|c| c.set(lang));
    crate::glue::set_document_lang(lang.tag());
}

/// Remembers the person's choice.
pub fn choose(lang: Lang) {
    if let Some(s) = crate::glue::local_storage() {
        let _ = s.set_item(LANG_KEY, lang.tag());
    }
    use_lang(lang);
}

/// The language messages are given in now.
pub fn current() -> Lang {
    CURRENT.with(Cell::get)
}

/// The message `id` (its English when the language lacks it, the id when both do).
pub fn t(id: &str) -> String {
    tr(id, None)
}

/// The message `id` with arguments (`{ $n }` in the message).
pub fn ta(id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut a = FluentArgs::new();
    for (k, v) in args {
        a.set(*k, v.clone());
    }
    tr(id, Some(&a))
}

fn tr(id: &str, args: Option<&FluentArgs<'_>>) -> String {
    let lang = current();
    BUNDLES.with(|bundles| {
        let order = match lang {
            Lang::En => [0, 0],
            Lang::Nl => [1, 0],
        };
        for i in order {
            let b = &bundles[i];
            if let Some(pattern) = b.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return b.format_pattern(pattern, args, &mut errors).into_owned();
            }
        }
        id.to_string()
    })
}

/// An invoice field's name for a person.
pub fn field(f: wasm_core::invoice::InvoiceField) -> String {
    t_or(&format!("field-{}", f.name()), f.title())
}

/// What an item table's column holds, for a person.
pub fn item_column(c: wasm_core::template::ItemColumn) -> String {
    t_or(&format!("column-{}", c.name()), c.title())
}

/// The message `id`, or `english` when no language has it.
fn t_or(id: &str, english: &str) -> String {
    let said = t(id);
    if said == id {
        english.to_string()
    } else {
        said
    }
}

/// A number for `ta`.
pub fn n(v: usize) -> FluentValue<'static> {
    FluentValue::from(v)
}

/// A text for `ta`.
pub fn s(v: impl Into<String>) -> FluentValue<'static> {
    FluentValue::from(v.into())
}

/// An amount (an exact decimal as text) as the language writes it: "1.939,00" in
/// Dutch, "1,939.00" in English; the text itself when it is not a number.
pub fn amount(value: &str) -> String {
    match value.parse::<f64>() {
        Ok(v) => {
            let decimals = value.split_once('.').map_or(0, |(_, d)| d.len()).min(4);
            crate::glue::format_number(current().tag(), v, decimals)
        }
        Err(_) => value.to_string(),
    }
}

/// A date (ISO 8601) as the language writes it: "31 dec. 2017", "31 Dec 2017".
pub fn date(iso: &str) -> String {
    crate::glue::format_date(current().tag(), iso).unwrap_or_else(|| iso.to_string())
}

/// A fraction 0–1 as a percentage: "74 %" in Dutch, "74%" in English.
pub fn percent(v: f64) -> String {
    crate::glue::format_percent(current().tag(), v)
}

/// Makes the language's number, percent and date formatters ahead of their first use,
/// when the browser is idle: the first `Intl` formatter of a page costs tens of
/// milliseconds (its locale data), which would otherwise freeze the page as the first
/// invoice appears.
pub fn warm_formatters() {
    // One per idle moment: the first of a page loads the language's data (tens of ms).
    crate::glue::when_idle(|| {
        percent(0.5);
        crate::glue::when_idle(|| {
            amount("0.50");
            crate::glue::when_idle(|| {
                date("2000-01-01");
            });
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn numbers_and_dates_follow_the_language() {
        use_lang(Lang::Nl);
        assert_eq!(amount("1939.00"), "1.939,00");
        assert_eq!(t("files"), "Bestanden");
        assert_eq!(ta("count-file", &[("n", n(2))]), "2 bestanden");
        use_lang(Lang::En);
        assert_eq!(amount("1939.00"), "1,939.00");
        assert_eq!(ta("count-file", &[("n", n(1))]), "1 file");
        assert!(date("2017-12-31").contains("2017"));
    }

    /// Every message of the English file is in the Dutch one, and the other way round.
    #[wasm_bindgen_test]
    fn both_languages_have_every_message() {
        let ids = |ftl: &str| -> Vec<String> {
            ftl.lines()
                .filter_map(|l| l.split_once(" ="))
                .map(|(id, _)| id.trim().to_string())
                .filter(|id| !id.is_empty() && !id.starts_with('#') && !id.starts_with(' '))
                .collect()
        };
        let (en, nl) = (ids(EN), ids(NL));
        let missing: Vec<&String> = en.iter().filter(|id| !nl.contains(id)).collect();
        let extra: Vec<&String> = nl.iter().filter(|id| !en.contains(id)).collect();
        assert!(missing.is_empty(), "not in nl.ftl: {missing:?}");
        assert!(extra.is_empty(), "only in nl.ftl: {extra:?}");
        for ftl in [EN, NL] {
            assert!(FluentResource::try_new(ftl.to_string()).is_ok());
        }
    }
}
