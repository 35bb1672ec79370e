//! The `zonal` command line.

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::json;

use crate::config::ServeConfig;
use crate::native::{self, EngineError};
use crate::providers::ocr::{PageReader, Tesseract};
use wasm_core::invoice::csv::{Columns, CsvInvoice, to_csv_with};
use wasm_core::invoice::locale::Locale;
use wasm_core::text::PageText;

/// Zonal: structured data from PDF invoices.
#[derive(Debug, Parser)]
#[command(name = "zonal", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// A rectangle on a page of a PDF.
#[derive(Debug, clap::Args)]
pub struct RectArgs {
    /// The PDF file.
    pub file: PathBuf,
    /// Page (1-based).
    #[arg(long, default_value_t = 1)]
    pub page: usize,
    /// `x0,top,x1,bottom` in points, origin top-left of the page as displayed.
    #[arg(long, allow_hyphen_values = true)]
    pub rect: String,
    /// Password of an encrypted PDF.
    #[arg(long)]
    pub password: Option<String>,
    /// OCR the page when it has no text layer, with Tesseract when it is installed
    /// (`auto`), or never (`off`).
    #[arg(long, value_enum, default_value_t = OcrChoice::Auto)]
    pub ocr: OcrChoice,
}

impl RectArgs {
    /// The page's text (OCRed when it is a scan) and the parsed rectangle.
    fn read(&self) -> Result<(PageText, wasm_core::geometry::Rect), EngineError> {
        let rect = native::parse_rect(&self.rect)?;
        let doc = native::open(&self.file, self.password.as_deref())?;
        let tesseract = self.ocr.tesseract();
        let page = native::read_page(&doc, self.page, reader(&tesseract))?;
        Ok((page, rect))
    }
}

impl OcrChoice {
    /// The installed Tesseract, unless OCR is off.
    fn tesseract(self) -> Option<Tesseract> {
        (self == Self::Auto).then(Tesseract::find).flatten()
    }
}

fn parse_locale(s: &str) -> Result<Locale, String> {
    s.parse()
        .map_err(|e: wasm_core::invoice::locale::LocaleError| e.to_string())
}

fn reader(t: &Option<Tesseract>) -> Option<&dyn PageReader> {
    t.as_ref().map(|t| t as &dyn PageReader)
}

/// Whether `zonal extract` may OCR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OcrChoice {
    /// With Tesseract, when it is installed.
    Auto,
    /// Never.
    Off,
}

/// The columns of `zonal csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CsvColumns {
    /// The 15 columns of docs/CONTRACTS.md.
    Standard,
    /// The 15, then the vendor VAT ID, IBAN, BIC, order number and customer.
    Extended,
}

impl From<CsvColumns> for Columns {
    fn from(c: CsvColumns) -> Self {
        match c {
            CsvColumns::Standard => Columns::Standard,
            CsvColumns::Extended => Columns::Extended,
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and the API.
    Serve(Box<ServeConfig>),
    /// Exit 0 when the URL answers 2xx within 5 s, else 1 (a container's HEALTHCHECK).
    Healthcheck {
        /// The URL to probe.
        #[arg(long, default_value = "http://127.0.0.1:8080/api/healthz")]
        url: String,
    },
    /// Print every word with its box, as JSON.
    Words {
        /// The PDF file.
        file: PathBuf,
        /// Only this page (1-based).
        #[arg(long)]
        page: Option<usize>,
        /// Password of an encrypted PDF.
        #[arg(long)]
        password: Option<String>,
        /// OCR pages without a text layer with Tesseract when it is installed (`auto`),
        /// or never (`off`).
        #[arg(long, value_enum, default_value_t = OcrChoice::Auto)]
        ocr: OcrChoice,
    },
    /// Print the text inside a rectangle, as JSON.
    Region(RectArgs),
    /// Print the table inside a rectangle as rows × cells, as JSON.
    Table(RectArgs),
    /// Read an invoice (e-invoice XML, templates, rules) and print it as JSON with
    /// confidences.
    Extract {
        /// The PDF file.
        file: PathBuf,
        /// A template file (Zonal JSON, invoice2data YAML/JSON) or a directory of them;
        /// repeatable. The best match is applied.
        #[arg(long = "template", short = 't')]
        templates: Vec<PathBuf>,
        /// Password of an encrypted PDF.
        #[arg(long)]
        password: Option<String>,
        /// OCR pages without text (and letterheads, for template matching) with
        /// Tesseract when it is installed (`auto`), or never (`off`).
        #[arg(long, value_enum, default_value_t = OcrChoice::Auto)]
        ocr: OcrChoice,
        /// Decides what the document leaves open: the order of day and month in
        /// numeric dates and the decimal separator (`de-DE`, `en-US`, `nl`, `en-GB`).
        #[arg(long, value_parser = parse_locale)]
        locale: Option<Locale>,
    },
    /// Print a document's text with columns kept (the text template patterns run over).
    Text {
        /// The PDF file.
        file: PathBuf,
        /// Password of an encrypted PDF.
        #[arg(long)]
        password: Option<String>,
        /// OCR pages without a text layer with Tesseract when it is installed (`auto`),
        /// or never (`off`).
        #[arg(long, value_enum, default_value_t = OcrChoice::Auto)]
        ocr: OcrChoice,
    },
    /// Read several invoices and print one combined CSV (the 15 columns of docs/CONTRACTS.md).
    Csv {
        /// The PDF files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A template file or a directory of them; repeatable.
        #[arg(long = "template", short = 't')]
        templates: Vec<PathBuf>,
        /// `standard`: the 15 columns; `extended`: then vendorVatId, iban, bic,
        /// orderNumber and customerName.
        #[arg(long, value_enum, default_value_t = CsvColumns::Standard)]
        columns: CsvColumns,
        /// Decides what the document leaves open: the order of day and month in
        /// numeric dates and the decimal separator (`de-DE`, `en-US`, `nl`, `en-GB`).
        #[arg(long, value_parser = parse_locale)]
        locale: Option<Locale>,
    },
    /// Render a page to PNG.
    Render {
        /// The PDF file.
        file: PathBuf,
        /// Page (1-based).
        #[arg(long, default_value_t = 1)]
        page: usize,
        /// Resolution in dots per inch.
        #[arg(long, default_value_t = 150.0)]
        dpi: f64,
        /// Output PNG file.
        #[arg(short, long)]
        output: PathBuf,
        /// Password of an encrypted PDF.
        #[arg(long)]
        password: Option<String>,
    },
}

/// Runs a parsed command line; exit status 2 on bad input.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Serve(config) => return serve(*config),
        Command::Healthcheck { url } => return healthcheck(&url),
        _ => {}
    }
    // The engine never panics by design; if it ever does, report it as one line instead
    // of a backtrace so scripts see a clean failure.
    std::panic::set_hook(Box::new(|_| {}));
    match catch_unwind(AssertUnwindSafe(|| run_engine(cli.command))) {
        Ok(Ok(out)) => {
            let mut stdout = std::io::stdout().lock();
            let _ = if out.ends_with('\n') {
                write!(stdout, "{out}")
            } else {
                writeln!(stdout, "{out}")
            };
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => fail(&e.to_string()),
        Err(_) => fail("internal error while reading this PDF (please report it with the file)"),
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("zonal: {msg}");
    ExitCode::from(2)
}

fn run_engine(cmd: Command) -> Result<String, EngineError> {
    let to_json = |v: serde_json::Value| v.to_string();
    match cmd {
        Command::Words {
            file,
            page,
            password,
            ocr,
        } => {
            let doc = native::open(&file, password.as_deref())?;
            let tesseract = ocr.tesseract();
            let texts = match page {
                Some(p) => vec![native::read_page(&doc, p, reader(&tesseract))?],
                None => native::read_pages(&doc, reader(&tesseract))?.pages,
            };
            Ok(serde_json::to_string(&native::words(texts)).unwrap_or_default())
        }
        Command::Region(args) => {
            let (page, rect) = args.read()?;
            Ok(to_json(json!({ "text": page.region_text(&rect) })))
        }
        Command::Extract {
            file,
            templates,
            password,
            ocr,
            locale,
        } => {
            let templates = native::load_templates(&templates)?;
            let doc = native::open(&file, password.as_deref())?;
            let tesseract = ocr.tesseract();
            let out = native::extract(&doc, &templates, reader(&tesseract), locale)?;
            Ok(serde_json::to_string(&out).unwrap_or_default())
        }
        Command::Table(args) => {
            let (page, rect) = args.read()?;
            Ok(to_json(json!({ "table": page.region_table(&rect) })))
        }
        Command::Text {
            file,
            password,
            ocr,
        } => {
            let doc = native::open(&file, password.as_deref())?;
            let tesseract = ocr.tesseract();
            let read = native::read_pages(&doc, reader(&tesseract))?;
            let pages: Vec<String> = read.pages.iter().map(|t| t.layout_text()).collect();
            Ok(pages.join("\n\u{c}"))
        }
        Command::Csv {
            files,
            templates,
            columns,
            locale,
        } => csv(&files, &templates, columns.into(), locale),
        Command::Render {
            file,
            page,
            dpi,
            output,
            password,
        } => {
            let doc = native::open(&file, password.as_deref())?;
            let (w, h) = native::render_png(&doc, page, dpi, &output)?;
            Ok(to_json(
                json!({ "output": output.display().to_string(), "width": w, "height": h }),
            ))
        }
        Command::Serve(_) | Command::Healthcheck { .. } => {
            Err(EngineError::Usage("not an engine command".into()))
        }
    }
}

/// `zonal csv`: every file read (templates, then OCR with Tesseract when installed),
/// one combined CSV.
fn csv(
    files: &[PathBuf],
    templates: &[PathBuf],
    columns: Columns,
    locale: Option<Locale>,
) -> Result<String, EngineError> {
    let templates = native::load_templates(templates)?;
    let tesseract = Tesseract::find();
    let mut results = Vec::with_capacity(files.len());
    for f in files {
        let doc = native::open(f, None)?;
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ocr = tesseract.as_ref().map(|t| t as &dyn PageReader);
        results.push((native::extract(&doc, &templates, ocr, locale)?, name));
    }
    let rows: Vec<CsvInvoice<'_>> = results
        .iter()
        .map(|(r, name)| CsvInvoice {
            invoice: &r.invoice,
            confidence: r.confidence.score,
            filename: name,
        })
        .collect();
    Ok(to_csv_with(&rows, columns))
}

/// `zonal healthcheck`: 0 when `url` answers 2xx, 1 otherwise (Docker reserves 2).
fn healthcheck(url: &str) -> ExitCode {
    let probe = async {
        let res = reqwest::Client::new()
            .get(url)
            .timeout(std::time::Duration::from_secs(5))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = res.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("{url} answered {status}"))
        }
    };
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
        .and_then(|rt| rt.block_on(probe));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zonal: unhealthy: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(mut config: ServeConfig) -> ExitCode {
    if let Err(e) = config
        .read_secret_files(|k| std::env::var(k).ok())
        .and_then(|()| config.check())
    {
        return fail(&e);
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=warn".into());
    if config.log_json {
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    match rt.block_on(crate::server::serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("cannot serve: {e}")),
    }
}
