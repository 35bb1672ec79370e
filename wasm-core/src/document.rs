//! Opening a PDF and reading its pages' geometry.

use std::sync::Arc;

use hayro_syntax::page::{Page, Rotation as HayroRotation};
use hayro_syntax::{DecryptionError, LoadPdfError, Pdf};
use serde::Serialize;

use crate::geometry::{PageGeometry, Rotation};

/// Why a PDF could not be opened. Each variant reads as a sentence a person can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// Not a PDF, or damaged beyond repair.
    #[error("this file is not a readable PDF (it is damaged or not a PDF at all)")]
    Malformed,
    /// Encrypted with a user password and none was given.
    #[error("this PDF is protected by a password; enter it to open the file")]
    NeedsPassword,
    /// Encrypted, and the given password does not open it.
    #[error("the password does not open this PDF")]
    WrongPassword,
    /// A valid PDF using a feature Zonal cannot read.
    #[error("this PDF uses an encryption scheme Zonal cannot read")]
    UnsupportedEncryption,
    /// The file parses but has no pages.
    #[error("this PDF has no pages")]
    NoPages,
}

/// A page index outside the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("page {requested} does not exist; the document has {count} page(s)")]
pub struct PageOutOfRange {
    /// The 1-based page number asked for.
    pub requested: usize,
    /// How many pages the document has.
    pub count: usize,
}

/// An open PDF document.
pub struct Document {
    pub(crate) pdf: Pdf,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("pages", &self.page_count())
            .finish()
    }
}

/// Size and rotation of a page as displayed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct PageInfo {
    /// 1-based page number.
    pub page: usize,
    /// Displayed width in points.
    pub width: f64,
    /// Displayed height in points.
    pub height: f64,
    /// `/Rotate` in degrees clockwise (0, 90, 180, 270).
    pub rotation: u16,
}

impl Document {
    /// Opens a PDF from its bytes. An empty password is tried when none is given, as
    /// every viewer does, so files encrypted only with an owner password open directly.
    pub fn open(bytes: Vec<u8>, password: Option<&str>) -> Result<Self, OpenError> {
        if bytes.is_empty() {
            return Err(OpenError::Malformed);
        }
        let data = Arc::new(bytes);
        let mut result = match password {
            Some(pw) => Pdf::new_with_password(data.clone(), pw),
            None => Pdf::new(data.clone()),
        };
        // PDFs written one after another in one file (a damaged save): when the whole
        // cannot be read, the first of them is, as other readers show it.
        if matches!(result, Err(LoadPdfError::Invalid))
            && let Some(end) = second_header(&data)
            && let Ok(pdf) = match password {
                Some(pw) => Pdf::new_with_password(Arc::new(data[..end].to_vec()), pw),
                None => Pdf::new(Arc::new(data[..end].to_vec())),
            }
        {
            result = Ok(pdf);
        }
        let pdf = result.map_err(|e| match e {
            LoadPdfError::Invalid => OpenError::Malformed,
            LoadPdfError::Decryption(DecryptionError::PasswordProtected) => {
                if password.is_some_and(|p| !p.is_empty()) {
                    OpenError::WrongPassword
                } else {
                    OpenError::NeedsPassword
                }
            }
            LoadPdfError::Decryption(DecryptionError::UnsupportedAlgorithm) => {
                OpenError::UnsupportedEncryption
            }
            LoadPdfError::Decryption(_) => OpenError::Malformed,
        })?;
        if pdf.pages().is_empty() {
            return Err(OpenError::NoPages);
        }
        Ok(Self { pdf })
    }

    /// The PDF's bytes, as opened (for a file of several PDFs, the first's).
    pub fn bytes(&self) -> &[u8] {
        self.pdf.data().as_ref()
    }

    /// Number of pages.
    pub fn page_count(&self) -> usize {
        self.pdf.pages().len()
    }

    /// The hayro page for a 1-based page number.
    pub(crate) fn hayro_page(&self, page: usize) -> Result<&Page<'_>, PageOutOfRange> {
        let count = self.page_count();
        page.checked_sub(1)
            .and_then(|i| self.pdf.pages().get(i))
            .ok_or(PageOutOfRange {
                requested: page,
                count,
            })
    }

    /// The geometry of a page (1-based).
    pub fn geometry(&self, page: usize) -> Result<PageGeometry, PageOutOfRange> {
        Ok(page_geometry(self.hayro_page(page)?))
    }

    /// Size and rotation of a page (1-based) as displayed.
    pub fn page_info(&self, page: usize) -> Result<PageInfo, PageOutOfRange> {
        let g = self.geometry(page)?;
        Ok(PageInfo {
            page,
            width: g.width(),
            height: g.height(),
            rotation: g.rotation.degrees(),
        })
    }

    /// All pages' info, in order.
    pub fn pages(&self) -> Vec<PageInfo> {
        (1..=self.page_count())
            .filter_map(|p| self.page_info(p).ok())
            .collect()
    }
}

/// US Letter, used when a page's boxes are missing or empty (as viewers do).
const FALLBACK_BOX: [f64; 4] = [0.0, 0.0, 612.0, 792.0];

/// The visible box (CropBox ∩ MediaBox, normalised) and rotation of a hayro page.
pub(crate) fn page_geometry(page: &Page<'_>) -> PageGeometry {
    let norm = |r: hayro_syntax::object::Rect| {
        [
            r.x0.min(r.x1),
            r.y0.min(r.y1),
            r.x0.max(r.x1),
            r.y0.max(r.y1),
        ]
    };
    let usable =
        |b: &[f64; 4]| b.iter().all(|v| v.is_finite()) && b[2] - b[0] >= 1.0 && b[3] - b[1] >= 1.0;
    let media = norm(page.media_box());
    let crop = norm(page.crop_box());
    let inter = [
        media[0].max(crop[0]),
        media[1].max(crop[1]),
        media[2].min(crop[2]),
        media[3].min(crop[3]),
    ];
    let visible_box = if usable(&inter) {
        inter
    } else if usable(&media) {
        media
    } else {
        FALLBACK_BOX
    };
    let rotation = match page.rotation() {
        HayroRotation::None => Rotation::R0,
        HayroRotation::Horizontal => Rotation::R90,
        HayroRotation::Flipped => Rotation::R180,
        HayroRotation::FlippedHorizontal => Rotation::R270,
    };
    PageGeometry {
        visible_box,
        rotation,
    }
}

/// Where a second PDF header starts in `bytes`, if one does after the first.
fn second_header(bytes: &[u8]) -> Option<usize> {
    let first = bytes.windows(5).position(|w| w == b"%PDF-")?;
    bytes[first + 5..]
        .windows(5)
        .position(|w| w == b"%PDF-")
        .map(|i| first + 5 + i)
}
