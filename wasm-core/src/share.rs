//! Shared sessions: what a person's work looks like when it travels as a link.
//!
//! A [`SharedSession`] holds the open files' metadata (and optionally the PDFs), the
//! regions drawn on them with their labels and fields, the invoices as corrected, and
//! the vendor templates. It travels two ways:
//!
//! * **Sealed** ([`seal`] / [`open`]): JSON encrypted with AES-256-GCM under a fresh key
//!   the caller draws at random. The relay stores only the sealed bytes; the key stays
//!   in the link's `#fragment`, which browsers never send to a server.
//! * **In the fragment** ([`to_fragment`] / [`from_fragment`]): without a relay, a small
//!   session (no PDFs) is deflated and base64url-encoded into the link itself.
//!
//! Randomness comes from the caller (the browser's `crypto.getRandomValues`), so this
//! module stays free of platform code.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::geometry::Rect;
use crate::invoice::{Invoice, InvoiceField};
use crate::template::Template;

/// The format version this build writes and the newest it reads.
pub const VERSION: u32 = 1;
/// The first bytes of every sealed session.
pub const MAGIC: &[u8; 4] = b"ZNS1";
/// Bytes of the random nonce after the magic.
pub const NONCE_LEN: usize = 12;
/// Largest session a fragment may inflate to (bytes), against deflate bombs.
pub const MAX_FRAGMENT_JSON: usize = 4 << 20;

/// A person's session, as shared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedSession {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// The open files, in order.
    pub files: Vec<SharedFile>,
    /// The vendor templates.
    #[serde(default)]
    pub templates: Vec<Template>,
}

/// One file of a shared session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedFile {
    /// File name as dropped.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Page count.
    pub pages: usize,
    /// The PDF's SHA-256 (hex), when known: which file this is, whether or not it came
    /// with the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The PDF itself (base64), when the person chose to include it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdf_base64: Option<String>,
    /// Regions drawn on it.
    #[serde(default)]
    pub regions: Vec<SharedRegion>,
    /// The invoice as read and corrected, if it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<Invoice>,
    /// Fields the person corrected.
    #[serde(default)]
    pub corrected: Vec<InvoiceField>,
    /// The person marked its values reviewed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reviewed: bool,
}

impl SharedFile {
    /// The included PDF's bytes, if any.
    pub fn pdf(&self) -> Result<Option<Vec<u8>>, ShareError> {
        self.pdf_base64
            .as_deref()
            .map(|b| {
                STANDARD.decode(b).map_err(|e| {
                    ShareError::Format(format!("{}: the PDF is not base64: {e}", self.name))
                })
            })
            .transpose()
    }

    /// Includes `pdf` in the file.
    pub fn with_pdf(mut self, pdf: &[u8]) -> Self {
        self.pdf_base64 = Some(STANDARD.encode(pdf));
        self
    }
}

/// A region of a shared file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedRegion {
    /// 1-based page.
    pub page: usize,
    /// Box in page points.
    pub rect: Rect,
    /// The person's label.
    #[serde(default)]
    pub label: String,
    /// The invoice field it fills (written as its JSON name, or empty for none).
    #[serde(default, with = "field_or_empty")]
    pub field: Option<InvoiceField>,
    /// The text read inside it (native or OCR).
    #[serde(default)]
    pub text: String,
    /// When it is drawn over the item table: what each column holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<crate::template::ItemColumn>>,
}

/// A region's field as the share format has always written it: the field's JSON name,
/// or an empty string for none (a name this version does not know reads as none).
mod field_or_empty {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::invoice::InvoiceField;

    pub(super) fn serialize<S: Serializer>(
        f: &Option<InvoiceField>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(f.map_or("", InvoiceField::name))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<InvoiceField>, D::Error> {
        let name = String::deserialize(d)?;
        Ok(InvoiceField::header(&name))
    }
}

/// Why a shared session cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShareError {
    /// The bytes are not a sealed session.
    #[error("this is not a shared Zonal session")]
    NotASession,
    /// Wrong key, or the bytes were changed.
    #[error("the link's key does not open this share (wrong key, or the share was altered)")]
    Decrypt,
    /// The key in the link is not 32 bytes of base64url.
    #[error("the link's key is malformed")]
    BadKey,
    /// Made by a newer Zonal.
    #[error("this share was made by a newer version of Zonal (format {0})")]
    TooNew(u32),
    /// Malformed content.
    #[error("the shared session is damaged: {0}")]
    Format(String),
}

impl SharedSession {
    /// The session as JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// A session from JSON bytes; newer formats are refused.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ShareError> {
        let s: Self =
            serde_json::from_slice(bytes).map_err(|e| ShareError::Format(e.to_string()))?;
        if s.version > VERSION {
            return Err(ShareError::TooNew(s.version));
        }
        Ok(s)
    }
}

/// Encrypts `plain` under `key` with a fresh `nonce` (both random, from the caller):
/// [`MAGIC`], the nonce, then the AES-256-GCM ciphertext and tag (the magic is
/// authenticated too).
pub fn seal(plain: &[u8], key: &[u8; 32], nonce: &[u8; NONCE_LEN]) -> Vec<u8> {
    let cipher = Aes256Gcm::new(key.into());
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: plain,
                aad: MAGIC,
            },
        )
        .unwrap_or_default();
    let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + sealed.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(nonce);
    out.extend_from_slice(&sealed);
    out
}

/// Decrypts what [`seal`] made.
pub fn open(sealed: &[u8], key: &[u8; 32]) -> Result<Vec<u8>, ShareError> {
    if !is_sealed(sealed) {
        return Err(ShareError::NotASession);
    }
    let (nonce, body) = sealed[MAGIC.len()..].split_at(NONCE_LEN);
    Aes256Gcm::new(key.into())
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: MAGIC,
            },
        )
        .map_err(|_| ShareError::Decrypt)
}

/// Whether `bytes` look like a sealed session (magic, nonce and at least a tag).
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.len() >= MAGIC.len() + NONCE_LEN + 16 && bytes.starts_with(MAGIC)
}

/// Whether `id` is a share id as the relay makes them (32 lowercase hex digits).
pub fn is_share_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A key as it goes in a link (base64url, no padding).
pub fn key_to_text(key: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// A key from a link.
pub fn key_from_text(text: &str) -> Result<[u8; 32], ShareError> {
    URL_SAFE_NO_PAD
        .decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or(ShareError::BadKey)
}

/// A session (without PDFs: they are dropped) for a link's fragment: its JSON deflated
/// and base64url-encoded.
pub fn to_fragment(session: &SharedSession) -> String {
    let mut light = session.clone();
    for f in &mut light.files {
        f.pdf_base64 = None;
    }
    URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(&light.to_json(), 9))
}

/// A session from a fragment made by [`to_fragment`].
pub fn from_fragment(text: &str) -> Result<SharedSession, ShareError> {
    let packed = URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|_| ShareError::Format("the link is not base64url".into()))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_FRAGMENT_JSON)
        .map_err(|_| ShareError::Format("the link's data cannot be inflated".into()))?;
    SharedSession::from_json(&json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> SharedSession {
        SharedSession {
            version: VERSION,
            files: vec![
                SharedFile {
                    name: "oyo.pdf".into(),
                    size: 1234,
                    pages: 1,
                    regions: vec![SharedRegion {
                        page: 1,
                        rect: Rect {
                            x0: 10.0,
                            top: 20.0,
                            x1: 110.0,
                            bottom: 40.0,
                        },
                        label: "Booking".into(),
                        field: Some(InvoiceField::InvoiceNumber),
                        text: "IBZY2087".into(),
                        items: None,
                    }],
                    ..SharedFile::default()
                }
                .with_pdf(b"%PDF-1.4 tiny"),
            ],
            templates: vec![Template {
                vendor: "OYO".into(),
                ..Template::default()
            }],
        }
    }

    #[test]
    fn sealed_sessions_open_with_their_key_only() {
        let key = [7u8; 32];
        let json = session().to_json();
        let sealed = seal(&json, &key, &[1u8; NONCE_LEN]);
        assert!(is_sealed(&sealed));
        // Ciphertext: none of the session's words are visible.
        for needle in [&b"IBZY2087"[..], b"oyo.pdf", b"Booking", b"OYO"] {
            assert!(!sealed.windows(needle.len()).any(|w| w == needle));
        }
        let back = SharedSession::from_json(&open(&sealed, &key).expect("opens")).expect("json");
        assert_eq!(back, session());
        assert_eq!(
            back.files[0].pdf().expect("b64").as_deref(),
            Some(&b"%PDF-1.4 tiny"[..])
        );
        assert_eq!(open(&sealed, &[8u8; 32]), Err(ShareError::Decrypt));
        let mut altered = sealed.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert_eq!(open(&altered, &key), Err(ShareError::Decrypt));
        assert_eq!(open(b"%PDF-1.7", &key), Err(ShareError::NotASession));
        assert_eq!(open(&sealed[..20], &key), Err(ShareError::NotASession));
    }

    #[test]
    fn keys_round_trip_through_text() {
        let key: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        let t = key_to_text(&key);
        assert_eq!(t.len(), 43);
        assert!(!t.contains(['+', '/', '=']));
        assert_eq!(key_from_text(&t), Ok(key));
        assert_eq!(key_from_text("short"), Err(ShareError::BadKey));
    }

    #[test]
    fn fragments_carry_everything_but_the_pdfs() {
        let f = to_fragment(&session());
        assert!(!f.contains(['+', '/', '=', '#', '&']));
        let back = from_fragment(&f).expect("reads");
        assert_eq!(back.files[0].pdf_base64, None);
        assert_eq!(back.files[0].regions, session().files[0].regions);
        assert_eq!(back.templates, session().templates);
        assert!(matches!(from_fragment("%%%"), Err(ShareError::Format(_))));
        // A deflate bomb is refused, not inflated.
        let bomb = URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(
            &vec![b' '; MAX_FRAGMENT_JSON + 1],
            9,
        ));
        assert!(matches!(from_fragment(&bomb), Err(ShareError::Format(_))));
        let newer = SharedSession {
            version: VERSION + 1,
            ..SharedSession::default()
        };
        assert_eq!(
            from_fragment(&to_fragment(&newer)),
            Err(ShareError::TooNew(VERSION + 1))
        );
    }
}
