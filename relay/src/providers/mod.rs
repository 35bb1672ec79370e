//! Paid providers the relay calls on a job's behalf. Structuring: any OpenAI-compatible
//! chat-completions endpoint ([`llm`]), with the offline rule parser as the fallback.
//! OCR: Tesseract ([`ocr`]).

pub mod llm;
pub mod ocr;
