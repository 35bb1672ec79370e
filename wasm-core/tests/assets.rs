//! The CMaps the web app fetches (Adobe's text CMaps, from Debian's `poppler-data`, put
//! into `dist/assets/cmaps` by `scripts/app-assets.sh`) map every code the way the ones
//! compiled into the native build (hayro's bundle) do.
#![cfg(feature = "embedded-assets")]

mod common;

use hayro_interpret::hayro_cmap::{CMap, CMapName, load_embedded};
use wasm_core::assets::PREDEFINED_CMAPS;

/// The text CMap called `name`, leaked (hayro's resolvers hand out `&'static` data).
fn text_cmap(name: &str) -> Option<&'static [u8]> {
    let bytes = std::fs::read(common::adobe_cmap(name)?).ok()?;
    Some(Box::leak(bytes.into_boxed_slice()))
}

fn by_name(n: CMapName<'_>) -> Option<&'static [u8]> {
    text_cmap(std::str::from_utf8(n.to_bytes()).ok()?)
}

#[test]
fn adobe_text_cmaps_map_every_code_like_the_compiled_in_ones() {
    let mut compared = 0usize;
    for name in PREDEFINED_CMAPS.lines().filter(|l| !l.is_empty()) {
        let cmap_name = CMapName::from_bytes(name.as_bytes());
        let embedded = load_embedded(cmap_name)
            .and_then(|d| CMap::parse(d, load_embedded))
            .unwrap_or_else(|| panic!("{name}: not in hayro's bundle"));
        let text =
            text_cmap(name).unwrap_or_else(|| panic!("{name}: no such file among Adobe's CMaps"));
        let text = CMap::parse(text, by_name).unwrap_or_else(|| panic!("{name}: does not parse"));

        let (mut mapped, mut differ) = (0usize, Vec::<(String, bool)>::new());
        for (byte_len, end, step) in [(1u8, 0xFF, 1), (2, 0xFFFF, 1), (4, 0x10_FFFF, 5)] {
            for code in (0..=end).step_by(step) {
                let want = embedded.lookup_cid_code(code, byte_len);
                let got = text.lookup_cid_code(code, byte_len);
                if got != want {
                    differ.push((format!("{code:#x}/{byte_len}"), got.is_none()));
                }
                mapped += usize::from(want.is_some());
            }
        }
        for code in 0..=0xFFFF {
            let want = embedded.lookup_bf_string(code);
            let got = text.lookup_bf_string(code);
            if got != want {
                differ.push((format!("bf {code:#x}"), got.is_none()));
            }
            mapped += usize::from(want.is_some());
        }
        assert!(mapped > 100, "{name}: only {mapped} codes map to anything");
        // poppler-data's UniGB-UTF16 CMaps predate the last Adobe-GB1 supplement: 93 of
        // their ~30,000 codes (U+00AD, U+4DB6…) are unmapped there. Anything else —
        // a code mapped differently, or more than 0.5 % missing — is a real mismatch.
        let wrong: Vec<&String> = differ
            .iter()
            .filter(|(_, absent)| !absent)
            .map(|(c, _)| c)
            .collect();
        assert!(wrong.is_empty(), "{name}: mapped differently: {wrong:?}");
        assert!(
            differ.len() * 200 <= mapped,
            "{name}: {} of {mapped} codes unmapped",
            differ.len()
        );
        compared += 1;
    }
    assert_eq!(compared, 63);
}
