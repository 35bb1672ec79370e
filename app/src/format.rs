//! Words for counts in the UI: "1 page", "3 pages".

/// `n` and the noun, plural unless `n` is 1 (`count(3, "page")` → "3 pages").
pub fn count(n: usize, noun: &str) -> String {
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
        assert_eq!(count(0, "page"), "0 pages");
        assert_eq!(count(1, "page"), "1 page");
        assert_eq!(count(2, "region"), "2 regions");
    }
}
