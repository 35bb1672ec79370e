//! Every coordinate conversion in Zonal lives here.
//!
//! Zonal's canonical space is **page points**: PDF points (1/72 inch) on the page *as
//! displayed* — after `/Rotate`, relative to the visible box (CropBox ∩ MediaBox), origin at
//! the top-left corner, y growing downward. Regions, words and glyph boxes are all stored in
//! it. The other spaces are derived:
//!
//! * **PDF user space**: what the content stream speaks (origin bottom-left of the
//!   unrotated MediaBox coordinate system, y up). [`PageGeometry::user_to_page`] and
//!   [`PageGeometry::page_to_user`] convert, taking rotation and the CropBox offset into
//!   account.
//! * **Render pixels**: the pixels of a bitmap rendered at a given DPI; `px = pt · dpi / 72`.
//! * **CSS pixels**: what the browser lays out. At zoom 1 a point is 96/72 CSS pixels, and a
//!   canvas backing store holds `css · devicePixelRatio` device pixels. [`Viewport`] owns
//!   that mapping so the overlay and the drag that creates a region use the same transform.

use serde::{Deserialize, Serialize};

/// Points per inch in PDF.
pub const POINTS_PER_INCH: f64 = 72.0;
/// CSS pixels per inch.
pub const CSS_PX_PER_INCH: f64 = 96.0;

/// A point in some 2-D space.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Point {
    /// Horizontal coordinate.
    pub x: f64,
    /// Vertical coordinate.
    pub y: f64,
}

impl Point {
    /// A point at `(x, y)`.
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
}

/// An axis-aligned rectangle `[x0, top, x1, bottom]` in page points (y down).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Rect {
    /// Left edge.
    pub x0: f64,
    /// Top edge.
    pub top: f64,
    /// Right edge.
    pub x1: f64,
    /// Bottom edge.
    pub bottom: f64,
}

impl Rect {
    /// A rectangle from two corners in any order.
    pub fn from_corners(a: Point, b: Point) -> Self {
        Self {
            x0: a.x.min(b.x),
            top: a.y.min(b.y),
            x1: a.x.max(b.x),
            bottom: a.y.max(b.y),
        }
    }

    /// A rectangle from `x, y, width, height` (a template region's form).
    pub fn from_xywh(x: f64, y: f64, width: f64, height: f64) -> Self {
        Self::from_corners(Point::new(x, y), Point::new(x + width, y + height))
    }

    /// Width (never negative for a normalised rectangle).
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    /// Height (never negative for a normalised rectangle).
    pub fn height(&self) -> f64 {
        self.bottom - self.top
    }

    /// The centre point.
    pub fn center(&self) -> Point {
        Point::new((self.x0 + self.x1) / 2.0, (self.top + self.bottom) / 2.0)
    }

    /// Whether `p` lies inside or on the edge.
    pub fn contains(&self, p: Point) -> bool {
        p.x >= self.x0 && p.x <= self.x1 && p.y >= self.top && p.y <= self.bottom
    }

    /// The smallest rectangle holding both.
    pub fn union(&self, other: &Rect) -> Rect {
        Rect {
            x0: self.x0.min(other.x0),
            top: self.top.min(other.top),
            x1: self.x1.max(other.x1),
            bottom: self.bottom.max(other.bottom),
        }
    }

    /// The overlap of both, if any.
    pub fn intersect(&self, other: &Rect) -> Option<Rect> {
        let r = Rect {
            x0: self.x0.max(other.x0),
            top: self.top.max(other.top),
            x1: self.x1.min(other.x1),
            bottom: self.bottom.min(other.bottom),
        };
        (r.x0 <= r.x1 && r.top <= r.bottom).then_some(r)
    }

    /// Whether every coordinate is a finite number.
    pub fn is_finite(&self) -> bool {
        self.x0.is_finite()
            && self.top.is_finite()
            && self.x1.is_finite()
            && self.bottom.is_finite()
    }

    /// The same box on a page of size `to` that was drawn on a page of size `from`
    /// (width, height in points): each axis scaled by the ratio of the sizes; unscaled
    /// when `from` is not a real size.
    pub fn rescaled(&self, from: (f64, f64), to: (f64, f64)) -> Rect {
        let (sx, sy) = if from.0 > 0.0 && from.1 > 0.0 {
            (to.0 / from.0, to.1 / from.1)
        } else {
            (1.0, 1.0)
        };
        Rect {
            x0: self.x0 * sx,
            top: self.top * sy,
            x1: self.x1 * sx,
            bottom: self.bottom * sy,
        }
    }

    /// The rectangle scaled by `s` around the origin.
    pub fn scale(&self, s: f64) -> Rect {
        Rect {
            x0: self.x0 * s,
            top: self.top * s,
            x1: self.x1 * s,
            bottom: self.bottom * s,
        }
    }

    /// As `[x0, top, x1, bottom]`.
    pub fn to_array(&self) -> [f64; 4] {
        [self.x0, self.top, self.x1, self.bottom]
    }
}

/// A page's `/Rotate`, normalised to a quarter turn clockwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Rotation {
    /// Not rotated.
    #[default]
    R0,
    /// 90° clockwise.
    R90,
    /// 180°.
    R180,
    /// 270° clockwise.
    R270,
}

impl Rotation {
    /// From a `/Rotate` value in degrees; anything not a multiple of 90 counts as 0, as
    /// viewers do.
    pub fn from_degrees(deg: i64) -> Self {
        match deg.rem_euclid(360) {
            90 => Self::R90,
            180 => Self::R180,
            270 => Self::R270,
            _ => Self::R0,
        }
    }

    /// The rotation in degrees (0, 90, 180 or 270).
    pub fn degrees(self) -> u16 {
        match self {
            Self::R0 => 0,
            Self::R90 => 90,
            Self::R180 => 180,
            Self::R270 => 270,
        }
    }

    /// Whether width and height swap on display.
    pub fn is_sideways(self) -> bool {
        matches!(self, Self::R90 | Self::R270)
    }
}

/// A 2-D affine transform `[a b c d e f]` mapping `(x, y)` to
/// `(a·x + c·y + e, b·x + d·y + f)`, as in PDF.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine(pub [f64; 6]);

impl Affine {
    /// The identity.
    pub const IDENTITY: Affine = Affine([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// Applies the transform to a point.
    pub fn apply(&self, p: Point) -> Point {
        let [a, b, c, d, e, f] = self.0;
        Point::new(a * p.x + c * p.y + e, b * p.x + d * p.y + f)
    }

    /// `self ∘ other`: apply `other` first, then `self`.
    pub fn then_after(&self, other: &Affine) -> Affine {
        let [a1, b1, c1, d1, e1, f1] = self.0;
        let [a2, b2, c2, d2, e2, f2] = other.0;
        Affine([
            a1 * a2 + c1 * b2,
            b1 * a2 + d1 * b2,
            a1 * c2 + c1 * d2,
            b1 * c2 + d1 * d2,
            a1 * e2 + c1 * f2 + e1,
            b1 * e2 + d1 * f2 + f1,
        ])
    }

    /// The inverse, if the transform is invertible.
    pub fn inverse(&self) -> Option<Affine> {
        let [a, b, c, d, e, f] = self.0;
        let det = a * d - b * c;
        if det.abs() < 1e-12 || !det.is_finite() {
            return None;
        }
        let (ia, ib, ic, id) = (d / det, -b / det, -c / det, a / det);
        Some(Affine([
            ia,
            ib,
            ic,
            id,
            -(ia * e + ic * f),
            -(ib * e + id * f),
        ]))
    }
}

/// The geometry of one page: boxes in PDF user space and the display rotation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageGeometry {
    /// The visible box (CropBox ∩ MediaBox) in PDF user space, as `[x0, y0, x1, y1]`
    /// with `x0 < x1`, `y0 < y1` (y up).
    pub visible_box: [f64; 4],
    /// The display rotation.
    pub rotation: Rotation,
}

impl PageGeometry {
    /// Width of the page as displayed, in points.
    pub fn width(&self) -> f64 {
        let [x0, y0, x1, y1] = self.visible_box;
        if self.rotation.is_sideways() {
            y1 - y0
        } else {
            x1 - x0
        }
    }

    /// Height of the page as displayed, in points.
    pub fn height(&self) -> f64 {
        let [x0, y0, x1, y1] = self.visible_box;
        if self.rotation.is_sideways() {
            x1 - x0
        } else {
            y1 - y0
        }
    }

    /// The transform from PDF user space to page points.
    pub fn user_to_page_transform(&self) -> Affine {
        let [x0, y0, x1, y1] = self.visible_box;
        // Each case maps user (x, y) to displayed (X, Y) with y down, origin top-left.
        match self.rotation {
            // X = x - x0, Y = y1 - y
            Rotation::R0 => Affine([1.0, 0.0, 0.0, -1.0, -x0, y1]),
            // X = y1 - y... for 90° clockwise: the user top edge becomes the right edge.
            // X = y - y0 mirrored: a point at user top (y1) lands at X = w; X = y1 - y would
            // put it at 0. Clockwise rotation: (x, y) -> (Y = x - x0, X = y - y0).
            Rotation::R90 => Affine([0.0, 1.0, 1.0, 0.0, -y0, -x0]),
            // X = x1 - x, Y = y - y0
            Rotation::R180 => Affine([-1.0, 0.0, 0.0, 1.0, x1, -y0]),
            // X = y1 - y, Y = x1 - x
            Rotation::R270 => Affine([0.0, -1.0, -1.0, 0.0, y1, x1]),
        }
    }

    /// A point in PDF user space to page points.
    pub fn user_to_page(&self, p: Point) -> Point {
        self.user_to_page_transform().apply(p)
    }

    /// A point in page points back to PDF user space.
    pub fn page_to_user(&self, p: Point) -> Point {
        match self.user_to_page_transform().inverse() {
            Some(inv) => inv.apply(p),
            None => p, // unreachable: every rotation matrix above is invertible
        }
    }

    /// The page-point rectangle that a rectangle in user space covers on display.
    pub fn user_rect_to_page(&self, r: [f64; 4]) -> Rect {
        let t = self.user_to_page_transform();
        Rect::from_corners(
            t.apply(Point::new(r[0], r[1])),
            t.apply(Point::new(r[2], r[3])),
        )
    }
}

/// Page points ⇄ pixels of a bitmap rendered at `dpi`.
pub fn points_to_pixels(v: f64, dpi: f64) -> f64 {
    v * dpi / POINTS_PER_INCH
}

/// Pixels of a bitmap rendered at `dpi` ⇄ page points.
pub fn pixels_to_points(v: f64, dpi: f64) -> f64 {
    v * POINTS_PER_INCH / dpi
}

/// A box `[x0, top, x1, bottom]` in the pixels of a page rendered at `dpi` (an OCR
/// engine's word box), in page points.
pub fn pixel_box_to_page(bbox: [f64; 4], dpi: f64) -> Rect {
    let [x0, top, x1, bottom] = bbox.map(|v| pixels_to_points(v, dpi));
    Rect {
        x0,
        top,
        x1,
        bottom,
    }
}

/// The on-screen view of one page: zoom (1.0 = 100 %, where one point is 96/72 CSS
/// pixels, as in every PDF viewer) and the device pixel ratio of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Viewport {
    /// Zoom factor, 1.0 = 100 %.
    pub zoom: f64,
    /// `window.devicePixelRatio`.
    pub device_pixel_ratio: f64,
}

impl Viewport {
    /// CSS pixels per page point.
    pub fn css_per_point(&self) -> f64 {
        self.zoom * CSS_PX_PER_INCH / POINTS_PER_INCH
    }

    /// Device (canvas backing-store) pixels per page point.
    pub fn device_per_point(&self) -> f64 {
        self.css_per_point() * self.device_pixel_ratio
    }

    /// The render scale (pixels per point) that makes the canvas crisp on this screen.
    pub fn render_scale(&self) -> f64 {
        self.device_per_point()
    }

    /// The DPI equivalent of [`Viewport::render_scale`].
    pub fn render_dpi(&self) -> f64 {
        self.render_scale() * POINTS_PER_INCH
    }

    /// A point in CSS pixels relative to the page's top-left corner, to page points.
    pub fn css_to_page(&self, p: Point) -> Point {
        let k = self.css_per_point();
        Point::new(p.x / k, p.y / k)
    }

    /// A point in page points to CSS pixels relative to the page's top-left corner.
    pub fn page_to_css(&self, p: Point) -> Point {
        let k = self.css_per_point();
        Point::new(p.x * k, p.y * k)
    }

    /// A rectangle in page points to CSS pixels.
    pub fn page_rect_to_css(&self, r: &Rect) -> Rect {
        r.scale(self.css_per_point())
    }

    /// A rectangle in CSS pixels to page points.
    pub fn css_rect_to_page(&self, r: &Rect) -> Rect {
        r.scale(1.0 / self.css_per_point())
    }

    /// Page size in CSS pixels (the size the canvas element is laid out at).
    pub fn css_size(&self, page: &PageGeometry) -> (f64, f64) {
        let k = self.css_per_point();
        (page.width() * k, page.height() * k)
    }

    /// Canvas backing-store size in device pixels.
    pub fn device_size(&self, page: &PageGeometry) -> (u32, u32) {
        let k = self.device_per_point();
        (
            (page.width() * k).round().max(1.0) as u32,
            (page.height() * k).round().max(1.0) as u32,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: Point, b: Point) -> bool {
        (a.x - b.x).abs() < 1e-6 && (a.y - b.y).abs() < 1e-6
    }

    fn geom(rot: Rotation) -> PageGeometry {
        // A CropBox offset from the origin, as in the corpus's `cropbox` files.
        PageGeometry {
            visible_box: [10.0, 20.0, 210.0, 320.0],
            rotation: rot,
        }
    }

    #[test]
    fn corners_land_where_a_viewer_shows_them() {
        // Unrotated: user top-left corner is page (0, 0).
        let g = geom(Rotation::R0);
        assert!(close(
            g.user_to_page(Point::new(10.0, 320.0)),
            Point::new(0.0, 0.0)
        ));
        assert!(close(
            g.user_to_page(Point::new(210.0, 20.0)),
            Point::new(200.0, 300.0)
        ));
        // 90° clockwise: the user's top-left corner moves to the top-right.
        let g = geom(Rotation::R90);
        assert_eq!((g.width(), g.height()), (300.0, 200.0));
        assert!(close(
            g.user_to_page(Point::new(10.0, 320.0)),
            Point::new(300.0, 0.0)
        ));
        assert!(close(
            g.user_to_page(Point::new(10.0, 20.0)),
            Point::new(0.0, 0.0)
        ));
        // 180°: top-left goes to bottom-right.
        let g = geom(Rotation::R180);
        assert!(close(
            g.user_to_page(Point::new(10.0, 320.0)),
            Point::new(200.0, 300.0)
        ));
        // 270°: the user's top-left corner moves to the bottom-left.
        let g = geom(Rotation::R270);
        assert!(close(
            g.user_to_page(Point::new(10.0, 320.0)),
            Point::new(0.0, 200.0)
        ));
    }

    #[test]
    fn matches_the_corpus_readme_formula() {
        // corpus/README.md: (xp, yp) = (y-my0, mx1-x) for 90, (mx1-x, my1-y) for 180,
        // (my1-y, x-mx0) for 270, then top = h - yp.
        let (mx0, my0, mx1, my1) = (10.0, 20.0, 210.0, 320.0);
        let (x, y) = (50.0, 100.0);
        for (rot, xp, yp, h) in [
            (Rotation::R0, x - mx0, y - my0, my1 - my0),
            (Rotation::R90, y - my0, mx1 - x, mx1 - mx0),
            (Rotation::R180, mx1 - x, my1 - y, my1 - my0),
            (Rotation::R270, my1 - y, x - mx0, mx1 - mx0),
        ] {
            let got = geom(rot).user_to_page(Point::new(x, y));
            assert!(close(got, Point::new(xp, h - yp)), "{rot:?}: {got:?}");
        }
    }

    fn any_rotation() -> impl Strategy<Value = Rotation> {
        prop_oneof![
            Just(Rotation::R0),
            Just(Rotation::R90),
            Just(Rotation::R180),
            Just(Rotation::R270)
        ]
    }

    proptest! {
        #[test]
        fn user_page_round_trip(rot in any_rotation(), ox in -500.0..500.0f64, oy in -500.0..500.0f64,
                                w in 1.0..2000.0f64, h in 1.0..2000.0f64,
                                x in -100.0..2100.0f64, y in -100.0..2100.0f64) {
            let g = PageGeometry { visible_box: [ox, oy, ox + w, oy + h], rotation: rot };
            let p = Point::new(x, y);
            prop_assert!(close(g.page_to_user(g.user_to_page(p)), p));
            // The visible box maps exactly onto [0, width] × [0, height].
            let r = g.user_rect_to_page(g.visible_box);
            prop_assert!((r.x0).abs() < 1e-6 && (r.top).abs() < 1e-6);
            prop_assert!((r.x1 - g.width()).abs() < 1e-6 && (r.bottom - g.height()).abs() < 1e-6);
        }

        #[test]
        fn css_page_round_trip(zoom in 0.5..4.0f64, dpr in prop_oneof![Just(1.0), Just(1.5), Just(2.0), Just(3.0)],
                               x in 0.0..3000.0f64, y in 0.0..3000.0f64) {
            let v = Viewport { zoom, device_pixel_ratio: dpr };
            let p = Point::new(x, y);
            prop_assert!(close(v.page_to_css(v.css_to_page(p)), p));
            // The DPR changes the backing store, never the page-point result of a drag.
            let v1 = Viewport { zoom, device_pixel_ratio: 1.0 };
            prop_assert!(close(v.css_to_page(p), v1.css_to_page(p)));
        }

        #[test]
        fn pixel_point_round_trip(v in -5000.0..5000.0f64, dpi in 36.0..600.0f64) {
            prop_assert!((pixels_to_points(points_to_pixels(v, dpi), dpi) - v).abs() < 1e-9);
        }
    }

    #[test]
    fn hundred_percent_is_96_css_px_per_inch() {
        let v = Viewport {
            zoom: 1.0,
            device_pixel_ratio: 2.0,
        };
        assert!((v.css_per_point() - 96.0 / 72.0).abs() < 1e-12);
        let g = PageGeometry {
            visible_box: [0.0, 0.0, 612.0, 792.0],
            rotation: Rotation::R0,
        };
        assert_eq!(v.device_size(&g), (1632, 2112));
    }
}
