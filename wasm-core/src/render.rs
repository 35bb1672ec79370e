//! Rendering a page to an RGBA bitmap, and bitmaps to PNG.

use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::peniko::ImageAlphaType;
use hayro::vello_cpu::{Pixmap, RasterizerSettings, RenderContext, Resources, TargetInit};
use hayro::{RenderSettings, render_into};
use hayro_interpret::RenderContent;
use hayro_interpret::kurbo::Affine as KAffine;

use crate::document::{Document, PageOutOfRange, page_geometry};
use crate::geometry::{POINTS_PER_INCH, Rect};

/// The largest bitmap side, in pixels, Zonal renders.
pub const MAX_SIDE_PX: u32 = 16_384;
/// The largest bitmap area, in pixels (≈ 256 MB of RGBA).
pub const MAX_AREA_PX: u64 = 64 * 1024 * 1024;

/// Why a page could not be rendered.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum RenderError {
    /// No such page.
    #[error(transparent)]
    Page(#[from] PageOutOfRange),
    /// The requested bitmap would be too large (or the scale is not a positive number).
    #[error("a {width}×{height} pixel bitmap is too large to render; choose a lower resolution")]
    TooLarge {
        /// Requested width in pixels.
        width: f64,
        /// Requested height in pixels.
        height: f64,
    },
    /// Encoding the bitmap as PNG failed.
    #[error("the rendered page could not be encoded as PNG")]
    Encode,
}

/// An 8-bit RGBA bitmap, rows top to bottom, not premultiplied (opaque: white paper).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbaImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width · height · 4` bytes.
    pub data: Vec<u8>,
}

impl RgbaImage {
    /// Encodes the bitmap as PNG.
    pub fn to_png(&self) -> Result<Vec<u8>, RenderError> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.width, self.height);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            let mut w = enc.write_header().map_err(|_| RenderError::Encode)?;
            w.write_image_data(&self.data)
                .map_err(|_| RenderError::Encode)?;
        }
        Ok(out)
    }

    /// The pixels under `region` (page points) of a bitmap rendered at `scale` pixels per
    /// point, clamped to the bitmap. `None` when the region lies outside the bitmap.
    pub fn crop(&self, region: &Rect, scale: f64) -> Option<RgbaImage> {
        let px = region.scale(scale);
        let x0 = px.x0.floor().max(0.0) as u32;
        let y0 = px.top.floor().max(0.0) as u32;
        let x1 = (px.x1.ceil().max(0.0) as u32).min(self.width);
        let y1 = (px.bottom.ceil().max(0.0) as u32).min(self.height);
        if x1 <= x0 || y1 <= y0 {
            return None;
        }
        let (w, h) = (x1 - x0, y1 - y0);
        let mut data = Vec::with_capacity((w * h * 4) as usize);
        for y in y0..y1 {
            let start = ((y * self.width + x0) * 4) as usize;
            data.extend_from_slice(&self.data[start..start + (w * 4) as usize]);
        }
        Some(RgbaImage {
            width: w,
            height: h,
            data,
        })
    }
}

/// Bitmap size in pixels for a page of `width × height` points at `scale` px/pt.
pub fn bitmap_size(width: f64, height: f64, scale: f64) -> Result<(u32, u32), RenderError> {
    let (w, h) = ((width * scale).round(), (height * scale).round());
    let too_large = RenderError::TooLarge {
        width: w,
        height: h,
    };
    if !(scale.is_finite() && scale > 0.0 && w.is_finite() && h.is_finite()) {
        return Err(too_large);
    }
    let (w, h) = (w.max(1.0), h.max(1.0));
    if w > f64::from(MAX_SIDE_PX) || h > f64::from(MAX_SIDE_PX) || (w * h) as u64 > MAX_AREA_PX {
        return Err(too_large);
    }
    Ok((w as u32, h as u32))
}

/// What rendering a document's pages can keep between renders: its parsed fonts, glyph
/// outlines and interpreted objects (rendering a page again, or another page with the
/// same fonts, takes about half the time). It borrows from the document it is used
/// with (`'a`) and grows with every page rendered: drop it for a new one now and then.
#[derive(Default)]
pub struct RenderCache<'a>(hayro::RenderCache<'a>);

impl RenderCache<'_> {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Document {
    /// Renders a page (1-based) at `scale` pixels per point (`dpi / 72`) on white paper.
    pub fn render(&self, page: usize, scale: f64) -> Result<RgbaImage, RenderError> {
        self.render_with(page, scale, &RenderCache::new())
    }

    /// [`Document::render`], reusing what `cache` kept from this document's earlier
    /// renders.
    pub fn render_with<'a>(
        &'a self,
        page: usize,
        scale: f64,
        cache: &RenderCache<'a>,
    ) -> Result<RgbaImage, RenderError> {
        let hp = self.hayro_page(page)?;
        let g = page_geometry(hp);
        let (w, h) = bitmap_size(g.width(), g.height(), scale)?;
        let [a, b, c, d, e, f] = g.user_to_page_transform().0;
        let transform = KAffine::scale(scale) * KAffine::new([a, b, c, d, e, f]);

        // MAX_SIDE_PX fits in u16, so the casts below cannot truncate.
        let mut ctx = RenderContext::new(w as u16, h as u16);
        render_into(
            hp,
            &cache.0,
            &crate::assets::interpreter_settings(RenderContent::all()),
            &RenderSettings::default(),
            &mut ctx,
            transform,
        );
        ctx.flush();
        let mut pixmap = Pixmap::new(w as u16, h as u16);
        ctx.render_with(
            &mut pixmap,
            &mut Resources::default(),
            RasterizerSettings {
                target_init: TargetInit::Clear(WHITE),
                ..Default::default()
            },
        );
        // The page is painted on white, so it is opaque: premultiplied RGBA is plain RGBA,
        // and the pixmap's buffer is taken as it is, not copied.
        Ok(RgbaImage {
            width: w,
            height: h,
            data: pixmap.take_rgba8(ImageAlphaType::AlphaPremultiplied),
        })
    }

    /// Renders a page at `dpi` dots per inch.
    pub fn render_dpi(&self, page: usize, dpi: f64) -> Result<RgbaImage, RenderError> {
        self.render(page, dpi / POINTS_PER_INCH)
    }
}
