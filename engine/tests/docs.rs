//! The worker's answers, natively: what the app gets for each request is what wasm-core
//! gives for the same document.

use engine::docs::{Docs, TEST_PANIC_MARKER};
use engine::protocol::{OpenFailure, Reply, Request};
use wasm_core::Document;
use wasm_core::geometry::Rect;

fn corpus(rel: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/dev/").to_string() + rel;
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ask(docs: &mut Docs, request: Request, bytes: Option<Vec<u8>>) -> (Reply, Option<Vec<u8>>) {
    let (envelope, out) = docs.handle(request, bytes);
    (envelope.reply, out)
}

#[test]
fn answers_as_wasm_core_does() {
    let pdf = corpus("invoice2data/oyo.pdf");
    let native = Document::open(pdf.clone(), None).expect("opens");
    let mut docs = Docs::default();
    let (reply, _) = ask(
        &mut docs,
        Request::Open {
            doc: 7,
            password: None,
        },
        Some(pdf),
    );
    assert_eq!(
        reply,
        Reply::Opened {
            pages: native.pages()
        }
    );

    let rect = Rect {
        x0: 300.0,
        top: 150.0,
        x1: 370.0,
        bottom: 168.0,
    };
    let (reply, _) = ask(
        &mut docs,
        Request::RegionText {
            doc: 7,
            page: 1,
            rect,
        },
        None,
    );
    let want = native.page_text(1).expect("text").region_text(&rect);
    assert!(want.contains("IBZY2087"), "{want}");
    assert_eq!(
        reply,
        Reply::RegionText {
            text: want,
            needs_ocr: false
        }
    );

    let (reply, pixels) = ask(
        &mut docs,
        Request::Render {
            doc: 7,
            page: 1,
            scale: 0.5,
        },
        None,
    );
    let img = native.render(1, 0.5).expect("renders");
    assert_eq!(
        reply,
        Reply::Image {
            width: img.width,
            height: img.height
        }
    );
    assert_eq!(
        pixels.as_deref(),
        Some(img.data.as_slice()),
        "the same pixels"
    );

    let request = Request::Extract {
        doc: 7,
        templates: Vec::new(),
        drawn: None,
    };
    let Reply::Invoice {
        result,
        text_quality,
        places,
    } = ask(&mut docs, request, None).0
    else {
        panic!("no invoice");
    };
    assert_eq!(result.invoice.invoice_number.as_deref(), Some("IBZY2087"));
    assert_eq!(text_quality, 1.0);
    assert!(!places.is_empty(), "values are located on the page");

    // Closed: a plain error, not a panic.
    ask(&mut docs, Request::Close { doc: 7 }, None);
    let (reply, _) = ask(
        &mut docs,
        Request::ReadTexts {
            doc: 7,
            pages: vec![1],
        },
        None,
    );
    assert_eq!(
        reply,
        Reply::Failed {
            message: "the file is not open".into()
        }
    );
}

#[test]
fn bad_input_is_an_answer() {
    let mut docs = Docs::default();
    let (reply, _) = ask(
        &mut docs,
        Request::Open {
            doc: 1,
            password: None,
        },
        Some(b"%PDF-1.7\nnot a PDF".to_vec()),
    );
    assert!(
        matches!(
            reply,
            Reply::OpenFailed {
                failure: OpenFailure::Other { .. }
            }
        ),
        "{reply:?}"
    );
    let pdf = corpus("invoice2data/oyo.pdf");
    ask(
        &mut docs,
        Request::Open {
            doc: 2,
            password: None,
        },
        Some(pdf),
    );
    let (reply, _) = ask(
        &mut docs,
        Request::Render {
            doc: 2,
            page: 99,
            scale: 1.0,
        },
        None,
    );
    assert!(matches!(reply, Reply::Failed { .. }), "{reply:?}");
    let (reply, _) = ask(
        &mut docs,
        Request::SetOcr {
            doc: 2,
            page: 1,
            tsv: String::new(),
        },
        None,
    );
    assert!(
        matches!(reply, Reply::Failed { .. }),
        "OCR of a page never prepared: {reply:?}"
    );
}

#[test]
fn a_long_document_keeps_a_bounded_number_of_page_texts() {
    // The texts read ahead of the pipeline are kept for the last pages used only; far
    // pages are read again when asked for, with the same answer.
    let pdf = corpus("pdfplumber/federal-register-2020-17221.pdf");
    let pages = Document::open(pdf.clone(), None)
        .expect("opens")
        .pages()
        .len();
    assert!(pages > 4);
    let mut docs = Docs::with_text_cache(4);
    ask(
        &mut docs,
        Request::Open {
            doc: 1,
            password: None,
        },
        Some(pdf),
    );
    let all: Vec<usize> = (1..=pages).collect();
    ask(&mut docs, Request::ReadTexts { doc: 1, pages: all }, None);
    assert_eq!(docs.cached_texts(1), 4, "{pages} pages read, 4 kept");
    let rect = Rect {
        x0: 0.0,
        top: 0.0,
        x1: 600.0,
        bottom: 200.0,
    };
    let page_one = Request::RegionText {
        doc: 1,
        page: 1,
        rect,
    };
    let first = ask(&mut docs, page_one.clone(), None).0;
    assert!(matches!(&first, Reply::RegionText { text, .. } if !text.is_empty()));
    assert_eq!(
        ask(&mut docs, page_one, None).0,
        first,
        "read again, the same"
    );
}

#[test]
#[should_panic(expected = "test trigger")]
fn the_test_trigger_panics() {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend_from_slice(TEST_PANIC_MARKER);
    Docs::default().handle(
        Request::Open {
            doc: 1,
            password: None,
        },
        Some(pdf),
    );
}
