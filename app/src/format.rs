//! Small text helpers for the UI.

/// "1 page", "3 pages", "2 pagina's": a count with its noun, in the UI's language (the
/// `count-{noun}` message, English's plural rule for a noun it lacks).
pub fn count(n: usize, noun: &str) -> String {
    let id = format!("count-{noun}");
    let said = crate::i18n::ta(&id, &[("n", crate::i18n::n(n))]);
    if said != id {
        return said;
    }
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::count;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn one_is_singular_everything_else_plural() {
        crate::i18n::use_lang(crate::i18n::Lang::En);
        assert_eq!(count(0, "page"), "0 pages");
        assert_eq!(count(1, "page"), "1 page");
        assert_eq!(count(2, "region"), "2 regions");
        assert_eq!(count(2, "thing"), "2 things");
    }
}
