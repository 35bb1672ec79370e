//! Fonts and CMaps a PDF names but does not contain.
//!
//! A PDF may use one of the 14 standard fonts (Helvetica, Times, Courier, Symbol,
//! ZapfDingbats) without embedding it, or a predefined CJK CMap (`UniJIS-UCS2-H`, …) by
//! name. A reader must bring those itself: Zonal uses the Foxit substitutes for the fonts
//! (`wasm-core/assets/fonts`, BSD-licensed, as in hayro and PDFium) and Adobe's CMaps.
//!
//! * With the `embedded-assets` feature (the default, used by the relay and the CLI)
//!   every font and CMap is compiled in and nothing is ever missing.
//! * Without it (the web app, to keep its download small) only the Helvetica family and
//!   Times Roman and Bold are compiled in — the fonts most PDFs that rely on the standard
//!   ones use (91 KB gzipped; a fifth of the corpus needs Times). The others are *assets*, named by a path
//!   such as `fonts/FoxitSerif.pfb` or `cmaps/UniJIS-UCS2-H`: when a page needs one that
//!   has not been [`provide`]d, the page is read without it and the name is recorded;
//!   the app collects the names with [`take_missing`], fetches the files, hands them to
//!   [`provide`], and reads the page again.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use hayro_interpret::font::{FontData, FontQuery, StandardFont};
use hayro_interpret::hayro_cmap::CMapName;
use hayro_interpret::{InterpreterSettings, RenderContent};

/// The predefined CMaps (one name per line) that a PDF may name without embedding them.
pub const PREDEFINED_CMAPS: &str = include_str!("../assets/cmaps.txt");

/// Why an asset was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssetError {
    /// The path names no font or CMap Zonal knows.
    #[error("{0} is not a font or CMap Zonal uses")]
    Unknown(String),
    /// The bytes are not a CMap (a CMap is PostScript text that begins with `%!`).
    #[error("{0} is not a CMap file")]
    NotCMap(String),
    /// The bytes are not a CFF font program (the Foxit fonts, despite their `.pfb`
    /// names, are bare CFF: version 1.0, a 4-byte header).
    #[error("{0} is not a font file")]
    NotFont(String),
}

/// The file of a standard font's substitute, relative to `assets/`.
fn font_path(font: StandardFont) -> &'static str {
    match font {
        StandardFont::Helvetica => "fonts/FoxitSans.pfb",
        StandardFont::HelveticaBold => "fonts/FoxitSansBold.pfb",
        StandardFont::HelveticaOblique => "fonts/FoxitSansItalic.pfb",
        StandardFont::HelveticaBoldOblique => "fonts/FoxitSansBoldItalic.pfb",
        StandardFont::Courier => "fonts/FoxitFixed.pfb",
        StandardFont::CourierBold => "fonts/FoxitFixedBold.pfb",
        StandardFont::CourierOblique => "fonts/FoxitFixedItalic.pfb",
        StandardFont::CourierBoldOblique => "fonts/FoxitFixedBoldItalic.pfb",
        StandardFont::TimesRoman => "fonts/FoxitSerif.pfb",
        StandardFont::TimesBold => "fonts/FoxitSerifBold.pfb",
        StandardFont::TimesItalic => "fonts/FoxitSerifItalic.pfb",
        StandardFont::TimesBoldItalic => "fonts/FoxitSerifBoldItalic.pfb",
        StandardFont::Symbol => "fonts/FoxitSymbol.pfb",
        StandardFont::ZapfDingBats => "fonts/FoxitDingbats.pfb",
    }
}

/// `(path, bytes)` of a file in `wasm-core/assets/fonts`.
macro_rules! font {
    ($file:literal) => {
        (
            concat!("fonts/", $file),
            include_bytes!(concat!("../assets/fonts/", $file)).as_slice(),
        )
    };
}

/// The fonts every build compiles in.
const COMMON_FONTS: [(&str, &[u8]); 6] = [
    font!("FoxitSans.pfb"),
    font!("FoxitSansBold.pfb"),
    font!("FoxitSansItalic.pfb"),
    font!("FoxitSansBoldItalic.pfb"),
    font!("FoxitSerif.pfb"),
    font!("FoxitSerifBold.pfb"),
];

/// The other fonts: compiled in with `embedded-assets`, else fetched.
#[cfg(feature = "embedded-assets")]
const RARE_FONTS: [(&str, &[u8]); 8] = [
    font!("FoxitFixed.pfb"),
    font!("FoxitFixedBold.pfb"),
    font!("FoxitFixedItalic.pfb"),
    font!("FoxitFixedBoldItalic.pfb"),
    font!("FoxitSerifItalic.pfb"),
    font!("FoxitSerifBoldItalic.pfb"),
    font!("FoxitSymbol.pfb"),
    font!("FoxitDingbats.pfb"),
];
#[cfg(not(feature = "embedded-assets"))]
const RARE_FONTS: [(&str, &[u8]); 0] = [];

/// The font at `path`, if this build compiles it in.
fn compiled_font(path: &str) -> Option<&'static [u8]> {
    COMMON_FONTS
        .iter()
        .chain(&RARE_FONTS)
        .find(|(p, _)| *p == path)
        .map(|(_, data)| *data)
}

/// The paths of the 14 standard fonts' substitutes.
fn font_paths() -> impl Iterator<Item = &'static str> {
    const FONTS: [StandardFont; 14] = [
        StandardFont::Helvetica,
        StandardFont::HelveticaBold,
        StandardFont::HelveticaOblique,
        StandardFont::HelveticaBoldOblique,
        StandardFont::Courier,
        StandardFont::CourierBold,
        StandardFont::CourierOblique,
        StandardFont::CourierBoldOblique,
        StandardFont::TimesRoman,
        StandardFont::TimesBold,
        StandardFont::TimesItalic,
        StandardFont::TimesBoldItalic,
        StandardFont::Symbol,
        StandardFont::ZapfDingBats,
    ];
    FONTS.into_iter().map(font_path)
}

/// Whether this build has the asset at `path` without fetching it.
pub fn is_compiled_in(path: &str) -> bool {
    compiled_font(path).is_some() || (cfg!(feature = "embedded-assets") && is_cmap_path(path))
}

fn cmap_names() -> impl Iterator<Item = &'static str> {
    PREDEFINED_CMAPS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
}

fn is_cmap_path(path: &str) -> bool {
    path.strip_prefix("cmaps/")
        .is_some_and(|n| cmap_names().any(|c| c == n))
}

#[derive(Default)]
struct Registry {
    /// Assets handed over by [`provide`]. Leaked: hayro wants CMaps as `&'static`, and
    /// there are at most 77 of them, each provided once.
    provided: HashMap<String, &'static [u8]>,
    /// Assets a page needed and did not have since the last [`take_missing`].
    missing: BTreeSet<String>,
}

fn registry() -> &'static RwLock<Registry> {
    static REGISTRY: OnceLock<RwLock<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// Hands over the bytes of the asset at `path` (as named by [`take_missing`]). Pages
/// read after this use it. A CMap that builds on another (`usecmap`) records that one
/// as missing if it is not there yet.
pub fn provide(path: &str, bytes: Vec<u8>) -> Result<(), AssetError> {
    let is_font = font_paths().any(|p| p == path);
    if !is_font && !is_cmap_path(path) {
        return Err(AssetError::Unknown(path.to_owned()));
    }
    let base = if is_font {
        if !bytes.starts_with(&[0x01, 0x00, 0x04]) {
            return Err(AssetError::NotFont(path.to_owned()));
        }
        None
    } else {
        if !bytes.starts_with(b"%!") {
            return Err(AssetError::NotCMap(path.to_owned()));
        }
        used_cmap(&bytes)
    };
    let mut reg = registry().write().unwrap_or_else(PoisonError::into_inner);
    reg.missing.remove(path);
    if let Some(base) = base.filter(|b| !reg.provided.contains_key(b) && !is_compiled_in(b)) {
        reg.missing.insert(base);
    }
    if !reg.provided.contains_key(path) {
        reg.provided
            .insert(path.to_owned(), Box::leak(bytes.into_boxed_slice()));
    }
    Ok(())
}

/// The assets pages needed since the last call, and forgets them. Empty when every
/// page so far had what it needed (always, with `embedded-assets`).
pub fn take_missing() -> Vec<String> {
    let mut reg = registry().write().unwrap_or_else(PoisonError::into_inner);
    std::mem::take(&mut reg.missing).into_iter().collect()
}

/// The CMap a CMap file builds on (`/Name usecmap`), as an asset path.
fn used_cmap(text: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(text).ok()?;
    let before = &text[..text.find("usecmap")?];
    let name = before.trim_end().rsplit(char::is_whitespace).next()?;
    let path = format!("cmaps/{}", name.strip_prefix('/')?);
    is_cmap_path(&path).then_some(path)
}

fn lookup(path: &str) -> Option<&'static [u8]> {
    if let Some(data) = compiled_font(path) {
        return Some(data);
    }
    let mut reg = registry().write().unwrap_or_else(PoisonError::into_inner);
    if let Some(data) = reg.provided.get(path) {
        return Some(data);
    }
    reg.missing.insert(path.to_owned());
    None
}

fn resolve_font(query: &FontQuery) -> Option<(FontData, u32)> {
    let font = match query {
        FontQuery::Standard(s) => *s,
        FontQuery::Fallback(f) => f.pick_standard_font(),
    };
    let data: FontData = Arc::new(lookup(font_path(font))?);
    Some((data, 0))
}

#[cfg(not(feature = "embedded-assets"))]
fn resolve_cmap(name: CMapName<'_>) -> Option<&'static [u8]> {
    let name = std::str::from_utf8(name.to_bytes()).ok()?;
    let path = format!("cmaps/{name}");
    // Identity-H/V are built into hayro; custom names are not ours to fetch.
    if !is_cmap_path(&path) {
        return None;
    }
    lookup(&path)
}

#[cfg(feature = "embedded-assets")]
fn resolve_cmap(name: CMapName<'_>) -> Option<&'static [u8]> {
    hayro_interpret::hayro_cmap::load_embedded(name)
}

/// hayro's settings with Zonal's font and CMap resolvers, for `content`.
pub(crate) fn interpreter_settings(content: RenderContent) -> InterpreterSettings {
    InterpreterSettings {
        font_resolver: Arc::new(resolve_font),
        cmap_resolver: Arc::new(resolve_cmap),
        render_content: content,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_font_has_a_file_and_the_common_ones_are_compiled_in() {
        for p in font_paths() {
            let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("assets")
                .join(p);
            assert!(file.is_file(), "{p}");
            if cfg!(feature = "embedded-assets") {
                assert!(is_compiled_in(p), "{p}");
            }
        }
        assert!(is_compiled_in("fonts/FoxitSans.pfb"));
        assert!(is_compiled_in("fonts/FoxitSerif.pfb"));
        assert_eq!(
            is_compiled_in("fonts/FoxitSerifItalic.pfb"),
            cfg!(feature = "embedded-assets")
        );
    }

    #[test]
    fn every_predefined_cmap_is_one_hayro_knows() {
        let names: Vec<&str> = cmap_names().collect();
        assert_eq!(names.len(), 63);
        for n in names {
            assert!(
                !matches!(CMapName::from_bytes(n.as_bytes()), CMapName::Custom(_)),
                "{n}"
            );
        }
    }

    #[test]
    fn provide_refuses_what_is_not_an_asset() {
        assert!(matches!(
            provide("../secrets", vec![1]),
            Err(AssetError::Unknown(_))
        ));
        assert!(matches!(
            provide("cmaps/UniJIS-UCS2-H", b"bcmap\0".to_vec()),
            Err(AssetError::NotCMap(_))
        ));
        // A server's HTML page where the font should be.
        assert!(matches!(
            provide("fonts/FoxitFixed.pfb", b"<!doctype html>".to_vec()),
            Err(AssetError::NotFont(_))
        ));
    }

    #[test]
    fn a_cmap_names_the_cmap_it_builds_on() {
        let text = b"%!PS-Adobe-3.0 Resource-CMap\n/UniJIS-UCS2-H usecmap\n1 begincodespacerange";
        assert_eq!(used_cmap(text).as_deref(), Some("cmaps/UniJIS-UCS2-H"));
        assert_eq!(used_cmap(b"%!PS no base"), None);
        assert_eq!(used_cmap(b"%!PS /Custom-Thing usecmap"), None);
    }
}
