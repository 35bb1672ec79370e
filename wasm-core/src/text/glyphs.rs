//! Collecting positioned characters, and the ruling lines tables are drawn with, from a
//! page through hayro's [`Device`] trait.

use hayro_interpret::font::{Glyph, GlyphRun};
use hayro_interpret::hayro_cmap::BfString;
use hayro_interpret::kurbo::{self, Affine as KAffine, BezPath};
use hayro_interpret::{
    BlendMode, ClipPath, Context, Device, DrawMode, DrawProps, Image, ImageDrawProps,
    InterpreterCache, RenderContent, SoftMask, interpret_page,
};
use hayro_syntax::page::Page;

use crate::geometry::{Point, Rect};

/// One character (or ligature expanded to several) with its box in page points.
#[derive(Debug, Clone, PartialEq)]
pub struct Char {
    /// The Unicode text of the glyph, ligatures expanded (`ﬁ` → `fi`).
    pub text: String,
    /// Axis-aligned box in page points (y down).
    pub bbox: Rect,
    /// The glyph origin on the baseline, in page points.
    pub origin: Point,
    /// Unit vector of the text direction (the glyph's x axis) in page space.
    pub dir: Point,
    /// Font size along the glyph's y axis, in points.
    pub size: f64,
    /// Advance width in points (along `dir`).
    pub advance: f64,
    /// Drawn with rendering mode 3 (an OCR layer, say): extractable, not visible.
    pub invisible: bool,
}

impl Char {
    /// Whether the character separates words (a space or other blank).
    pub fn is_blank(&self) -> bool {
        self.text.chars().all(char::is_whitespace)
    }
}

/// Ligatures that PDF fonts map to a single code point, expanded as pdf.js and
/// pdfplumber do, so "ﬁnal" is found by a search for "final".
fn expand_ligatures(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{FB00}' => out.push_str("ff"),
            '\u{FB01}' => out.push_str("fi"),
            '\u{FB02}' => out.push_str("fl"),
            '\u{FB03}' => out.push_str("ffi"),
            '\u{FB04}' => out.push_str("ffl"),
            '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
            '\0' => {}
            c => out.push(c),
        }
    }
    out
}

/// Glyph-space (1000 units per em) vertical extent of a character box: pdfminer's
/// `[descent, descent + 1 em]` with a typical descent.
const BOX_BOTTOM: f64 = -210.0;
const BOX_TOP: f64 = 790.0;
/// Advance used when a font gives none.
const DEFAULT_ADVANCE: f64 = 500.0;

/// Most ruling lines kept per page (a drawing with millions of segments is not a table).
const MAX_RULES: usize = 20_000;
/// A drawn line or box edge thinner than this (points) is a rule.
const RULE_THICKNESS: f64 = 2.5;
/// Rules shorter than this (points) are ignored (glyph-like marks, dots).
const RULE_MIN_LENGTH: f64 = 3.0;

/// A [`Device`] that records characters and ruling lines and ignores everything else.
struct CharCollector {
    /// PDF user space → page points.
    base: KAffine,
    chars: Vec<Char>,
    /// Horizontal and vertical rules, as thin boxes in page points.
    rules: Vec<Rect>,
    /// Fingerprint of the last filled run, to drop the stroke pass of fill+stroke text.
    last_fill: Option<(usize, [f64; 6])>,
    /// Images and painted paths seen: a page without text but with these is a scan (or
    /// text drawn as outlines), one without is blank.
    marks: usize,
}

impl CharCollector {
    fn push_run(&mut self, run: &GlyphRun<'_, '_>, props: &DrawProps<'_>, invisible: bool) {
        for glyph in run.glyphs() {
            let Some(text) = glyph.as_unicode() else {
                continue;
            };
            let text = match text {
                BfString::Char(c) => expand_ligatures(c.encode_utf8(&mut [0; 4])),
                BfString::String(s) => expand_ligatures(&s),
            };
            if text.is_empty() {
                continue;
            }
            let advance = match &**glyph {
                Glyph::Outline(g) => g.advance_width(),
                Glyph::Type3(g) => g.advance_width(),
            }
            .map(f64::from)
            .filter(|a| a.is_finite() && *a > 0.0)
            .unwrap_or(DEFAULT_ADVANCE);
            let t = self.base * props.transform * glyph.transform();
            if let Some(c) = make_char(text, t, advance, invisible) {
                self.chars.push(c);
            }
        }
    }
}

fn make_char(text: String, t: KAffine, advance: f64, invisible: bool) -> Option<Char> {
    let p = |x: f64, y: f64| {
        let q = t * kurbo::Point::new(x, y);
        Point::new(q.x, q.y)
    };
    let origin = p(0.0, 0.0);
    let corners = [
        p(0.0, BOX_BOTTOM),
        p(advance, BOX_BOTTOM),
        p(advance, BOX_TOP),
        p(0.0, BOX_TOP),
    ];
    let mut bbox = Rect::from_corners(corners[0], corners[2]);
    for c in &corners[1..] {
        bbox = bbox.union(&Rect::from_corners(*c, *c));
    }
    let [a, b, c, d, _, _] = t.as_coeffs();
    let xlen = (a * a + b * b).sqrt();
    let size = (c * c + d * d).sqrt() * 1000.0;
    if !bbox.is_finite() || xlen < 1e-9 || size < 1e-6 {
        return None;
    }
    Some(Char {
        text,
        bbox,
        origin,
        dir: Point::new(a / xlen, b / xlen),
        size,
        advance: advance * xlen,
        invisible,
    })
}

impl CharCollector {
    fn push_rule(&mut self, r: Rect) {
        let (w, h) = (r.x1 - r.x0, r.bottom - r.top);
        let thin = (h <= RULE_THICKNESS && w >= RULE_MIN_LENGTH)
            || (w <= RULE_THICKNESS && h >= RULE_MIN_LENGTH);
        if thin && r.is_finite() && self.rules.len() < MAX_RULES {
            self.rules.push(r);
        }
    }

    /// Axis-aligned straight segments of a stroked path, and the edges (or the whole box,
    /// when thin) of filled rectangles: the lines a table's grid is drawn with.
    fn collect_rules(&mut self, path: &BezPath, t: KAffine, stroke: bool) {
        let mut start = None;
        let mut prev: Option<kurbo::Point> = None;
        let mut points = Vec::new();
        let mut straight = true;
        for el in path.elements() {
            match *el {
                kurbo::PathEl::MoveTo(p) => {
                    let p = t * p;
                    start = Some(p);
                    prev = Some(p);
                    points.push(p);
                }
                kurbo::PathEl::LineTo(p) => {
                    let p = t * p;
                    if stroke && let Some(a) = prev {
                        self.push_segment(a, p);
                    }
                    prev = Some(p);
                    points.push(p);
                }
                kurbo::PathEl::ClosePath => {
                    if stroke && let (Some(a), Some(b)) = (prev, start) {
                        self.push_segment(a, b);
                    }
                    prev = start;
                }
                _ => straight = false,
            }
        }
        if !stroke && straight && points.len() >= 3 {
            let mut r = Rect::from_corners(
                Point::new(points[0].x, points[0].y),
                Point::new(points[0].x, points[0].y),
            );
            for p in &points[1..] {
                r = r.union(&Rect::from_corners(
                    Point::new(p.x, p.y),
                    Point::new(p.x, p.y),
                ));
            }
            let (w, h) = (r.x1 - r.x0, r.bottom - r.top);
            if w <= RULE_THICKNESS || h <= RULE_THICKNESS {
                self.push_rule(r);
            } else if points.len() <= 6 {
                // A filled cell background: its edges are the grid.
                for (a, b) in [
                    ((r.x0, r.top), (r.x1, r.top)),
                    ((r.x0, r.bottom), (r.x1, r.bottom)),
                    ((r.x0, r.top), (r.x0, r.bottom)),
                    ((r.x1, r.top), (r.x1, r.bottom)),
                ] {
                    self.push_segment(kurbo::Point::new(a.0, a.1), kurbo::Point::new(b.0, b.1));
                }
            }
        }
    }

    fn push_segment(&mut self, a: kurbo::Point, b: kurbo::Point) {
        let (dx, dy) = ((b.x - a.x).abs(), (b.y - a.y).abs());
        if dy < 0.5 || dx < 0.5 {
            self.push_rule(Rect::from_corners(
                Point::new(a.x, a.y),
                Point::new(b.x, b.y),
            ));
        }
    }
}

impl<'a> Device<'a> for CharCollector {
    fn draw_path(&mut self, path: &BezPath, props: DrawProps<'a>, mode: &DrawMode) {
        let t = self.base * props.transform;
        if !matches!(mode, DrawMode::Invisible) {
            self.marks += 1;
        }
        match mode {
            DrawMode::Stroke(_) | DrawMode::FillAndStroke(..) => self.collect_rules(path, t, true),
            DrawMode::Fill(_) => self.collect_rules(path, t, false),
            DrawMode::Invisible => {}
        }
    }
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
    fn draw_image(&mut self, _: Image<'a, '_>, _: ImageDrawProps<'a>) {
        self.marks += 1;
    }
    fn pop_clip(&mut self) {}
    fn pop_transparency_group(&mut self) {}

    fn draw_glyph_run(&mut self, run: &GlyphRun<'_, 'a>, props: DrawProps<'a>, mode: &DrawMode) {
        let fingerprint = (
            run.glyphs().len(),
            (props.transform
                * run
                    .glyphs()
                    .first()
                    .map(|g| g.transform())
                    .unwrap_or_default())
            .as_coeffs(),
        );
        match mode {
            // The stroke pass of fill+stroke text draws the very same glyphs again.
            DrawMode::Stroke(_) if self.last_fill == Some(fingerprint) => {
                self.last_fill = None;
            }
            DrawMode::Invisible => {
                self.last_fill = None;
                self.push_run(run, &props, true);
            }
            DrawMode::Fill(_) => {
                self.last_fill = Some(fingerprint);
                self.push_run(run, &props, false);
            }
            _ => {
                self.last_fill = None;
                self.push_run(run, &props, false);
            }
        }
    }
}

/// What a page draws, as the text layer needs it.
pub(crate) struct Collected {
    /// Characters in content-stream order.
    pub chars: Vec<Char>,
    /// Ruling lines in page points.
    pub rules: Vec<Rect>,
    /// Whether it draws anything besides text (an image, a painted path).
    pub marks: bool,
}

/// All characters on a page, in content-stream order, and its ruling lines, in page points.
///
/// `base` maps PDF user space to page points (see [`crate::geometry`]). Annotations
/// (form field appearances, stamps) are not part of the page's text, as in pdf.js's
/// text layer and pdfplumber.
/// `cache` holds parsed fonts and objects; sharing one across the pages of a document
/// parses each font once.
pub(crate) fn collect_chars<'a>(
    page: &Page<'a>,
    base: KAffine,
    cache: &InterpreterCache<'a>,
) -> Collected {
    let settings = crate::assets::interpreter_settings(RenderContent::PAGE);
    let (w, h) = page.render_dimensions();
    let mut context = Context::new(
        base,
        kurbo::Rect::new(0.0, 0.0, f64::from(w), f64::from(h)),
        cache,
        page.xref(),
        settings,
    );
    let mut device = CharCollector {
        base: KAffine::IDENTITY,
        chars: Vec::new(),
        rules: Vec::new(),
        last_fill: None,
        marks: 0,
    };
    interpret_page(page, &mut context, &mut device);
    Collected {
        chars: device.chars,
        rules: device.rules,
        marks: device.marks > 0,
    }
}
