//! Straightening a scanned page before OCR: the page turned upright by quarter turns
//! (the orientation an OCR engine detects), and its skew — the small angle of a sheet fed
//! or photographed askew — measured from the rows of ink and turned out. Before either,
//! the dark that a scanner lid or a photo's table leaves along the edges is whitened:
//! Tesseract's page layout finds no text at all on some receipts framed that way.
//!
//! An OCRed page's words are then placed in the straightened frame (its reading frame):
//! lines are level there, so words of one printed line stay one line of text.

use crate::render::RgbaImage;

/// The largest skew looked for, in degrees either way.
pub const MAX_SKEW_DEGREES: f64 = 6.0;
/// Skews smaller than this are left alone: OCR engines read them well, and resampling
/// costs sharpness.
const MIN_SKEW_DEGREES: f64 = 0.5;
/// The sampled grid's width for measuring skew (pixels).
const SAMPLE_WIDTH: u32 = 900;

/// Pixels darker than this (luminance 0–255) and joined to the image's edge are the
/// scan's dark border, not ink.
const BORDER_LUMA: i32 = 80;
/// A dark region joined to the edge and larger than this share of the image is the page
/// itself (a dark or inverted scan), not a border: left as it is.
const MAX_BORDER_SHARE: f64 = 0.4;

/// How a scan was straightened.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Straightening {
    /// Quarter turns clockwise that made the page upright (0–3).
    pub quarter_turns: u8,
    /// Degrees turned counter-clockwise, after the quarter turns, that levelled its lines.
    pub skew_degrees: f64,
}

impl Straightening {
    /// Whether the page was turned at all.
    pub fn is_identity(&self) -> bool {
        self.quarter_turns == 0 && self.skew_degrees == 0.0
    }
}

impl RgbaImage {
    /// The bitmap turned by `quarter_turns` × 90° clockwise.
    pub fn turned(&self, quarter_turns: u8) -> RgbaImage {
        let (w, h) = (self.width as usize, self.height as usize);
        let turns = quarter_turns % 4;
        if turns == 0 {
            return self.clone();
        }
        let (ow, oh) = if turns % 2 == 1 { (h, w) } else { (w, h) };
        let mut data = vec![0u8; self.data.len()];
        for y in 0..h {
            for x in 0..w {
                let (ox, oy) = match turns {
                    1 => (h - 1 - y, x),
                    2 => (w - 1 - x, h - 1 - y),
                    _ => (y, w - 1 - x),
                };
                let s = (y * w + x) * 4;
                let d = (oy * ow + ox) * 4;
                data[d..d + 4].copy_from_slice(&self.data[s..s + 4]);
            }
        }
        RgbaImage {
            width: ow as u32,
            height: oh as u32,
            data,
        }
    }

    /// The bitmap turned `degrees` counter-clockwise (as seen) about its centre, on a
    /// canvas grown to hold all of it, blank corners white; bilinear.
    pub fn rotated(&self, degrees: f64) -> RgbaImage {
        if degrees == 0.0 || !degrees.is_finite() {
            return self.clone();
        }
        let (sin, cos) = degrees.to_radians().sin_cos();
        let (w, h) = (f64::from(self.width), f64::from(self.height));
        let ow = (w * cos.abs() + h * sin.abs()).ceil().max(1.0);
        let oh = (w * sin.abs() + h * cos.abs()).ceil().max(1.0);
        let (ow, oh) = (ow as u32, oh as u32);
        let (cx, cy) = (w / 2.0, h / 2.0);
        let (ocx, ocy) = (f64::from(ow) / 2.0, f64::from(oh) / 2.0);
        let mut data = vec![255u8; (ow as usize) * (oh as usize) * 4];
        let sw = self.width as usize;
        let px = |x: usize, y: usize, c: usize| f64::from(self.data[(y * sw + x) * 4 + c]);
        for oy in 0..oh {
            for ox in 0..ow {
                // The source point: the output point turned back by the same angle. A
                // level output line comes from a source line rising at `degrees`.
                let (dx, dy) = (f64::from(ox) + 0.5 - ocx, f64::from(oy) + 0.5 - ocy);
                let sx = cx + dx * cos - dy * sin - 0.5;
                let sy = cy + dx * sin + dy * cos - 0.5;
                if sx < 0.0 || sy < 0.0 || sx > w - 1.0 || sy > h - 1.0 {
                    continue;
                }
                let (x0, y0) = (sx.floor() as usize, sy.floor() as usize);
                let (x1, y1) = ((x0 + 1).min(sw - 1), (y0 + 1).min(self.height as usize - 1));
                let (fx, fy) = (sx - x0 as f64, sy - y0 as f64);
                let d = ((oy as usize) * (ow as usize) + ox as usize) * 4;
                for c in 0..4 {
                    let top = px(x0, y0, c) * (1.0 - fx) + px(x1, y0, c) * fx;
                    let bottom = px(x0, y1, c) * (1.0 - fx) + px(x1, y1, c) * fx;
                    data[d + c] = (top * (1.0 - fy) + bottom * fy).round() as u8;
                }
            }
        }
        RgbaImage {
            width: ow,
            height: oh,
            data,
        }
    }

    /// Whitens the near-black region joined to the image's edges (a scanner's lid, the
    /// table under a photographed receipt, a black band left by cropping), unless it is
    /// more than [`MAX_BORDER_SHARE`] of the image. Returns whether any pixel changed.
    pub fn whiten_dark_border(&mut self) -> bool {
        let (w, h) = (self.width as usize, self.height as usize);
        if w == 0 || h == 0 || self.data.len() < w * h * 4 {
            return false;
        }
        let mut seen = vec![false; w * h];
        let mut stack: Vec<usize> = Vec::new();
        let mut border: Vec<usize> = Vec::new();
        let edge = (0..w)
            .flat_map(|x| [x, (h - 1) * w + x])
            .chain((0..h).flat_map(|y| [y * w, y * w + w - 1]));
        stack.extend(edge);
        while let Some(i) = stack.pop() {
            if seen[i] {
                continue;
            }
            seen[i] = true;
            let (x, y) = (i % w, i / w);
            if self.luma(x as u32, y as u32) >= BORDER_LUMA {
                continue;
            }
            border.push(i);
            if x > 0 {
                stack.push(i - 1);
            }
            if x + 1 < w {
                stack.push(i + 1);
            }
            if y > 0 {
                stack.push(i - w);
            }
            if y + 1 < h {
                stack.push(i + w);
            }
        }
        if border.is_empty() || border.len() as f64 > MAX_BORDER_SHARE * (w * h) as f64 {
            return false;
        }
        for i in border {
            self.data[i * 4..i * 4 + 4].copy_from_slice(&[255; 4]);
        }
        true
    }

    /// Luminance 0–255 of a pixel.
    fn luma(&self, x: u32, y: u32) -> i32 {
        let i = ((y * self.width + x) * 4) as usize;
        let [r, g, b] = [self.data[i], self.data[i + 1], self.data[i + 2]].map(i32::from);
        (r * 299 + g * 587 + b * 114) / 1000
    }
}

/// The skew of a page's lines of text, in degrees: positive when lines fall to the right
/// as seen (turn the page that much counter-clockwise to level them); 0 when the page has
/// too little text to tell, or its lines are level already.
///
/// Measured on a sampled grid: the points where ink starts or ends along a row (the
/// strokes of letters, not the flat dark of a table a photo shows around the paper) are
/// projected along each candidate angle; lines of text give the sharpest profile at
/// their own slope.
pub fn skew_degrees(img: &RgbaImage) -> f64 {
    if img.width < 16 || img.height < 16 {
        return 0.0;
    }
    let step = (img.width / SAMPLE_WIDTH).max(1);
    let mut points: Vec<(f64, f64)> = Vec::new();
    let mut y = 0;
    while y < img.height {
        let mut x = step;
        let mut prev = img.luma(0, y);
        while x < img.width {
            let l = img.luma(x, y);
            if (l - prev).abs() > 60 {
                points.push((f64::from(x / step), f64::from(y / step)));
            }
            prev = l;
            x += step;
        }
        y += step;
    }
    if points.len() < 200 {
        return 0.0;
    }
    let rows = (img.height / step) as usize;
    let cols = (img.width / step) as f64;
    let sharpness = |deg: f64| -> f64 {
        let t = deg.to_radians().tan();
        let offset = (cols * t.abs()).ceil() as usize;
        let mut bins = vec![0u32; rows + 2 * offset + 2];
        for &(x, y) in &points {
            let b = y - x * t + offset as f64;
            if b >= 0.0 {
                let i = b as usize;
                if let Some(v) = bins.get_mut(i) {
                    *v += 1;
                }
            }
        }
        bins.iter().map(|&v| f64::from(v) * f64::from(v)).sum()
    };
    let best = |from: f64, to: f64, by: f64| -> (f64, f64) {
        let mut best = (0.0, f64::NEG_INFINITY);
        let n = ((to - from) / by).round() as i32;
        for i in 0..=n {
            let deg = from + f64::from(i) * by;
            let s = sharpness(deg);
            if s > best.1 {
                best = (deg, s);
            }
        }
        best
    };
    let (coarse, _) = best(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES, 0.5);
    let (fine, score) = best(coarse - 0.5, coarse + 0.5, 0.05);
    // Level lines must be clearly less sharp than the slope found, or there is no skew.
    if fine.abs() < MIN_SKEW_DEGREES || score < sharpness(0.0) * 1.05 {
        return 0.0;
    }
    // To the measuring step (0.05°), without float noise in the JSON.
    (fine * 20.0).round() / 20.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white page with dark bars (lines of "text") of dashes.
    fn page(w: u32, h: u32) -> RgbaImage {
        let mut data = vec![255u8; (w * h * 4) as usize];
        for y in 0..h {
            for x in 0..w {
                let in_line = (y / 12) % 3 == 1 && y > 40 && y < h - 40;
                let in_dash = (x / 6) % 2 == 0 && x > 40 && x < w - 40;
                if in_line && in_dash {
                    let i = ((y * w + x) * 4) as usize;
                    data[i..i + 3].copy_from_slice(&[0, 0, 0]);
                }
            }
        }
        RgbaImage {
            width: w,
            height: h,
            data,
        }
    }

    #[test]
    fn quarter_turns_compose_to_identity() {
        let p = page(60, 90);
        let t = p.turned(1);
        assert_eq!((t.width, t.height), (90, 60));
        assert_eq!(t.turned(3), p);
        assert_eq!(p.turned(2).turned(2), p);
    }

    #[test]
    fn a_turned_page_has_its_skew_measured_and_levelled() {
        let p = page(700, 500);
        assert_eq!(skew_degrees(&p), 0.0);
        // Turned clockwise as seen: lines fall to the right.
        let askew = p.rotated(-3.0);
        let s = skew_degrees(&askew);
        assert!((s - 3.0).abs() < 0.3, "measured {s}");
        let level = askew.rotated(s);
        assert!(skew_degrees(&level).abs() < 0.3);
        let other = p.rotated(2.0);
        assert!((skew_degrees(&other) + 2.0).abs() < 0.3);
    }

    /// `p` inside a frame of `band` near-black pixels, as a scanner's lid leaves it.
    fn framed(p: &RgbaImage, band: u32) -> RgbaImage {
        let (w, h) = (p.width + 2 * band, p.height + 2 * band);
        let mut data = vec![20u8; (w * h * 4) as usize];
        for y in 0..p.height {
            let s = (y * p.width * 4) as usize;
            let d = (((y + band) * w + band) * 4) as usize;
            data[d..d + (p.width * 4) as usize]
                .copy_from_slice(&p.data[s..s + (p.width * 4) as usize]);
        }
        RgbaImage {
            width: w,
            height: h,
            data,
        }
    }

    #[test]
    fn a_dark_frame_is_whitened_and_the_ink_inside_kept() {
        let p = page(200, 160);
        let mut f = framed(&p, 8);
        assert!(f.whiten_dark_border());
        // The frame is white, and every pixel of the page inside is as it was.
        assert_eq!(f.luma(0, 0), 255);
        assert_eq!(f.luma(f.width - 1, f.height / 2), 255);
        let inner =
            (0..p.height).all(|y| (0..p.width).all(|x| f.luma(x + 8, y + 8) == p.luma(x, y)));
        assert!(inner, "ink inside the frame was changed");
        // Nothing left to whiten the second time.
        assert!(!f.whiten_dark_border());
    }

    #[test]
    fn a_dark_page_is_not_taken_for_a_border() {
        let mut dark = RgbaImage {
            width: 100,
            height: 100,
            data: vec![10; 100 * 100 * 4],
        };
        let before = dark.clone();
        assert!(!dark.whiten_dark_border());
        assert_eq!(dark, before);
        assert!(!page(120, 120).whiten_dark_border());
    }

    #[test]
    fn a_blank_page_has_no_skew() {
        let blank = RgbaImage {
            width: 300,
            height: 300,
            data: vec![255; 300 * 300 * 4],
        };
        assert_eq!(skew_degrees(&blank), 0.0);
    }
}
