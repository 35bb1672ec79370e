//! Files embedded in a PDF — above all the machine-readable invoice (ZUGFeRD, Factur-X,
//! XRechnung) that e-invoices carry beside their printed pages.

use hayro_syntax::object::{Dict, Name, Object, Stream};

use crate::document::Document;

/// Largest attachment read, decoded (bytes). E-invoice XML is a few hundred kilobytes.
const MAX_ATTACHMENT: usize = 16 << 20;

/// A file embedded in a PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its file name, when the PDF gives one.
    pub name: Option<String>,
    /// Its decoded bytes.
    pub data: Vec<u8>,
}

/// Decodes a PDF text string (UTF-16 with a byte-order mark, else PDFDocEncoding, which
/// agrees with Latin-1 for file names).
fn text_string(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        b.iter().map(|&c| char::from(c)).collect()
    }
}

fn is_name(d: &Dict<'_>, key: &[u8], value: &str) -> bool {
    d.get::<Name<'_>>(key).is_some_and(|n| n.as_str() == value)
}

impl Document {
    /// Every embedded file the PDF declares (file specifications with an `/EF` stream),
    /// plus embedded-file streams no specification points at.
    pub fn attachments(&self) -> Vec<Attachment> {
        let mut out: Vec<Attachment> = Vec::new();
        let mut seen = Vec::new();
        let mut push = |name: Option<String>, s: &Stream<'_>, out: &mut Vec<Attachment>| {
            let id = s.obj_id();
            if seen.contains(&id) {
                return;
            }
            seen.push(id);
            if let Ok(data) = s.decoded()
                && data.len() <= MAX_ATTACHMENT
            {
                out.push(Attachment {
                    name,
                    data: data.into_owned(),
                });
            }
        };
        let mut bare = Vec::new();
        for obj in self.pdf.objects() {
            match obj {
                Object::Dict(d) => {
                    let Some(ef) = d.get::<Dict<'_>>(b"EF") else {
                        continue;
                    };
                    let Some(stream) = ef
                        .get::<Stream<'_>>(b"UF")
                        .or_else(|| ef.get::<Stream<'_>>(b"F"))
                    else {
                        continue;
                    };
                    let name = d
                        .get::<hayro_syntax::object::String<'_>>(b"UF")
                        .or_else(|| d.get::<hayro_syntax::object::String<'_>>(b"F"))
                        .map(|s| text_string(s.as_bytes()));
                    push(name, &stream, &mut out);
                }
                Object::Stream(s) if is_name(s.dict(), b"Type", "EmbeddedFile") => bare.push(s),
                _ => {}
            }
        }
        for s in bare {
            push(None, &s, &mut out);
        }
        out
    }
}
