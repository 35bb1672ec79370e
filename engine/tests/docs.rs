//! The worker's answers, natively: what the app gets for each request is what wasm-core
//! gives for the same document.

use engine::docs::{Docs, TEST_PANIC_MARKER, pipeline_pages};
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

/// The pixels of page `page` of `doc` at `scale`, if it rendered.
fn pixels(docs: &mut Docs, doc: u32, page: usize, scale: f64) -> Option<Vec<u8>> {
    ask(docs, Request::Render { doc, page, scale }, None).1
}

/// Opens `pdf` as document `doc`, without a password.
fn open(docs: &mut Docs, doc: u32, pdf: Vec<u8>) -> Reply {
    ask(
        docs,
        Request::Open {
            doc,
            password: None,
        },
        Some(pdf),
    )
    .0
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
    // The digest is the file's, as `sha256sum` prints it.
    assert_eq!(
        reply,
        Reply::Opened {
            pages: native.pages(),
            sha256: "ca0ca71b47446882fecacabe4415d32e67849f9fd96f427d20252b99a388ae8a".into(),
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
    open(&mut docs, 1, pdf);
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

/// A PDF of `n` pages of Helvetica text, `last` printed on the last page.
fn pdf_of_pages(n: usize, first: &str, last: &str) -> Vec<u8> {
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Count {n} /Kids [{}] >>",
            (0..n)
                .map(|i| format!("{} 0 R", 4 + 2 * i))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    for i in 0..n {
        let text = match i {
            0 => first.to_string(),
            _ if i + 1 == n => last.to_string(),
            _ => format!("Item {i} Widget 1 x 1.00"),
        };
        let stream = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ));
    }
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

#[test]
fn a_long_documents_invoice_is_read_from_its_first_and_last_pages() {
    assert_eq!(pipeline_pages(20, []), (1..=20).collect::<Vec<_>>());
    let mut expected: Vec<usize> = (1..=12).collect();
    expected.push(250);
    expected.extend(489..=500);
    assert_eq!(pipeline_pages(500, [250, 0, 900]), expected);

    let pdf = pdf_of_pages(60, "Invoice number: INV-4711", "Total: 1234.56");
    let mut docs = Docs::default();
    open(&mut docs, 1, pdf);
    let Reply::Invoice { result, .. } = ask(
        &mut docs,
        Request::Extract {
            doc: 1,
            templates: vec![],
            drawn: None,
        },
        None,
    )
    .0
    else {
        panic!("no invoice");
    };
    assert_eq!(result.invoice.invoice_number.as_deref(), Some("INV-4711"));
    assert_eq!(
        result.invoice.total.map(|t| t.to_string()).as_deref(),
        Some("1234.56")
    );
    assert!(
        result
            .warnings
            .iter()
            .any(|w| w.contains("24 of its 60 pages")),
        "{:?}",
        result.warnings
    );
}

#[test]
fn template_files_are_read_by_the_engine() {
    let mut docs = Docs::default();
    let yaml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpus/dev/invoice2data/oyo.template.yml"
    ))
    .expect("oyo template");
    let (reply, _) = ask(
        &mut docs,
        Request::ReadTemplates { text: yaml.clone() },
        None,
    );
    let Reply::Templates { templates } = reply else {
        panic!("{reply:?}")
    };
    assert_eq!(
        templates,
        vec![wasm_core::template::Template::parse(&yaml).expect("oyo")]
    );
    let (reply, _) = ask(
        &mut docs,
        Request::ReadTemplates {
            text: "issuer: X\nkeywords: [X]\nfields:\n  amount: Total ((\\d+)\n".into(),
        },
        None,
    );
    let Reply::Failed { message } = reply else {
        panic!("a pattern that does not compile: {reply:?}")
    };
    assert!(
        message.contains("\"X\"") && message.contains("total"),
        "names the template and the field: {message}"
    );
}

/// The engine's regex build carries only the Unicode tables Python's `re` syntax needs
/// (see wasm-core's Cargo.toml): every invoice2data built-in template still reads in it.
#[test]
fn every_invoice2data_builtin_template_reads_in_the_engine() {
    // The corpus keeps them one folder deep, by country.
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpus/dev/invoice2data-templates"
    );
    let all: Vec<std::path::PathBuf> = std::fs::read_dir(root)
        .expect("templates")
        .flatten()
        .filter(|e| e.path().is_dir())
        .flat_map(|d| std::fs::read_dir(d.path()).expect("folder").flatten())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "json"))
        .collect();
    assert!(all.len() >= 200, "only {} templates found", all.len());
    let mut docs = Docs::default();
    let refused: Vec<String> = all
        .iter()
        .filter_map(|f| {
            let text = std::fs::read_to_string(f).expect("template");
            match ask(&mut docs, Request::ReadTemplates { text }, None).0 {
                Reply::Templates { templates } if templates.len() == 1 => None,
                other => Some(format!("{}: {other:?}", f.display())),
            }
        })
        .collect();
    assert!(refused.is_empty(), "refused:\n{}", refused.join("\n"));
}

/// Renders reuse a document's parsed fonts and glyphs, and the cache is renewed every
/// `DOC_CACHE_USES` uses: every render is still the pixels a fresh one gives,
/// for another page, another scale, before and after the renewal.
#[test]
fn renders_with_the_kept_cache_are_the_pixels_of_a_fresh_render() {
    let pdf = corpus("zugferd/xr_EN16931_Einfach.pdf");
    let native = Document::open(pdf.clone(), None).expect("opens");
    let mut docs = Docs::default();
    open(&mut docs, 1, pdf);
    let pages = native.pages().len();
    let fresh: Vec<Vec<u8>> = [0.5, 0.75]
        .iter()
        .flat_map(|s| (1..=pages).map(|p| native.render(p, *s).expect("renders").data))
        .collect();
    for round in 0..=engine::docs::DOC_CACHE_USES / (2 * pages) {
        for (i, scale) in [0.5, 0.75].into_iter().enumerate() {
            for page in 1..=pages {
                let (_, pixels) = ask(
                    &mut docs,
                    Request::Render {
                        doc: 1,
                        page,
                        scale,
                    },
                    None,
                );
                assert!(
                    pixels.as_deref() == Some(fresh[i * pages + page - 1].as_slice()),
                    "round {round}, page {page} at {scale}: not the fresh render's pixels"
                );
            }
        }
    }
}

/// A font the pages lacked, once provided, is used by the next render and reading: the
/// document's caches do not keep the fallback used without it.
#[test]
fn a_provided_font_replaces_the_fallback_in_the_kept_caches() {
    // Built with the relay (`cargo test -p relay -p engine`), wasm-core compiles every
    // font in and no page lacks one; scripts/test.sh also runs this test on the engine
    // alone, as the web app builds it, and says so with ZONAL_ENGINE_AS_WEB=1.
    if wasm_core::assets::is_compiled_in("fonts/FoxitFixed.pfb") {
        assert!(
            std::env::var_os("ZONAL_ENGINE_AS_WEB").is_none(),
            "this build compiles every font in"
        );
        eprintln!("not checked: this build compiles every font in (run `cargo test -p engine`)");
        return;
    }
    let pdf = corpus("icdar2013/eu-025.pdf");
    let native = Document::open(pdf.clone(), None).expect("opens");
    let mut docs = Docs::default();
    open(&mut docs, 1, pdf);
    // The first page that lacks a font (Courier is fetched on use by the web build).
    let (page, missing) = (1..=native.pages().len())
        .find_map(|page| {
            let (envelope, _) = docs.handle(
                Request::Render {
                    doc: 1,
                    page,
                    scale: 0.5,
                },
                None,
            );
            (!envelope.missing.is_empty()).then_some((page, envelope.missing))
        })
        .expect("a page lacks a font");
    let before = pixels(&mut docs, 1, page, 0.5);
    for path in &missing {
        let file = path.strip_prefix("fonts/").expect("a font");
        let bytes = std::fs::read(format!(
            "{}/../wasm-core/assets/fonts/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("the font");
        let (reply, _) = ask(
            &mut docs,
            Request::Provide { path: path.clone() },
            Some(bytes),
        );
        assert_eq!(reply, Reply::Done);
    }
    let after = pixels(&mut docs, 1, page, 0.5);
    let fresh = native.render(page, 0.5).expect("renders").data;
    assert_ne!(
        before.as_deref(),
        Some(fresh.as_slice()),
        "the font changes the page"
    );
    assert!(
        after.as_deref() == Some(fresh.as_slice()),
        "rendered with the provided font"
    );
}
