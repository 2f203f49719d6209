//! The printable PDFs of the « chèques numériques » (digital-inclusion vouchers in the manner of
//! APTIC): pure functions from plain structs to PDF bytes, no I/O. The same toolkit writes a plain
//! document of headed sections ([`plain_document`]: the resource bank's demo memos and guides).
//!
//! - [`book_sheet`] draws a book of vouchers on A4 sheets to cut: ten voucher tiles of
//!   90 × 50 mm a page (two columns, five rows), each with crop marks at its corners outside the
//!   tile and a light dashed outline inside. A tile shows the campaign and its sponsor, the face
//!   value in large type, what the voucher pays for, its validity, its number in large
//!   monospaced print, a QR code holding exactly that number (error correction M, a 4-module
//!   quiet zone, modules of at least 1.2 mm for phones as long as the number fits a version 2
//!   code: 38 capitals, digits and dashes, or 26 other bytes) and the rule « À présenter au lieu
//!   de médiation qualifié · chèque utilisable une seule fois ». Each page is headed with the
//!   book, its holder and « page k / n ».
//! - [`statement`] draws a place's monthly reimbursement statement: the campaign, sponsor,
//!   place and month, a table of the vouchers redeemed (its header repeated on each page,
//!   35 rows a page), the total, whether it is paid, the date it was issued and page numbers.
//!
//! Text is set in the base-14 fonts (Helvetica, Helvetica-Bold, Courier, Courier-Bold) in WinAnsi
//! (Windows-1252), so French accents and « € » print; a character WinAnsi cannot hold prints as
//! `?`. Content streams are written here, uncompressed, with WinAnsi bytes kept as they are in
//! literal strings; pdf-writer assembles the file (objects, fonts, pages, cross-references).

mod canvas;
mod metrics;
mod plain;

pub use plain::plain_document;

use canvas::{
    fit, win_ansi, wrap, Align, Canvas, Font, Ink, BLACK, BLUE, GREY, MM, PAGE_H, PAGE_W,
};
use qrcode::{Color, EcLevel, QrCode};

/// A book of vouchers to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookSheet {
    /// « Pass numérique Maine-et-Loire 2027 ».
    pub campaign_name: String,
    /// « Département de Maine-et-Loire ».
    pub sponsor_name: String,
    pub face_value_euros: u32,
    /// What one voucher pays for: « 1 séance d'accompagnement ».
    pub pays: String,
    /// Already formatted: « 31/12/2027 ».
    pub valid_until: String,
    /// « Carnet n° 3 ».
    pub book_label: String,
    /// The prescriber structure the book is allocated to, or empty.
    pub holder: String,
    /// The voucher numbers as printed, e.g. « 7KQ4-M2XD-9TRB-HW3F ».
    pub vouchers: Vec<String>,
}

/// A place's reimbursement statement for one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub campaign_name: String,
    pub sponsor_name: String,
    pub place_name: String,
    /// « novembre 2027 ».
    pub month: String,
    pub face_value_euros: u32,
    /// One per voucher redeemed.
    pub lines: Vec<StatementLine>,
    pub total_euros: u64,
    /// « Payé le 05/12/2027 », or `None` for « À payer ».
    pub paid: Option<String>,
    /// « Édité le 04/12/2027 ».
    pub issued_on: String,
}

/// One voucher redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    pub number: String,
    /// Already formatted: « 14/11/2027 ».
    pub redeemed_on: String,
    pub value_euros: u32,
}

/// The dark modules of a voucher's QR code (error correction M), without the quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrModules {
    /// Modules on a side.
    pub width: usize,
    /// (column, row) of each dark module, from the top-left corner.
    pub dark: Vec<(usize, usize)>,
}

/// The QR code of a voucher number, or `None` when the text is too long for any QR code.
pub fn qr_modules(number: &str) -> Option<QrModules> {
    let code = QrCode::with_error_correction_level(number, EcLevel::M).ok()?;
    let width = code.width();
    let dark = code
        .to_colors()
        .iter()
        .enumerate()
        .filter(|&(_, &color)| color == Color::Dark)
        .map(|(index, _)| (index % width, index / width))
        .collect();
    Some(QrModules { width, dark })
}

// ---------------------------------------------------------------------------------------------
// The book of vouchers
// ---------------------------------------------------------------------------------------------

/// Vouchers on one sheet of a book.
pub const VOUCHERS_PER_PAGE: usize = COLUMNS * ROWS;
const COLUMNS: usize = 2;
const ROWS: usize = 5;
const TILE_W: f32 = 90.0 * MM;
const TILE_H: f32 = 50.0 * MM;
const GUTTER_X: f32 = 8.0 * MM;
const GUTTER_Y: f32 = 6.0 * MM;
/// Left margin of the grid, which is centred across the page.
const GRID_LEFT: f32 = (PAGE_W - COLUMNS as f32 * TILE_W - GUTTER_X) / 2.0;
/// From the top of the page to the top of the first row: room for the header.
const GRID_TOP: f32 = 15.0 * MM;
/// Crop marks: their distance from the tile's corner, and their length.
const MARK_OFFSET: f32 = 0.8 * MM;
const MARK_LENGTH: f32 = 1.8 * MM;
/// Inner margin of a tile, in points.
const PAD: f32 = 8.0;
/// The band at the bottom of a tile holding the number and the rule line.
const BAND: f32 = 28.0;
/// The QR code's square, quiet zone included, in the tile's top-right corner.
const QR_BOX: f32 = TILE_H - BAND;
const QUIET_ZONE: usize = 4;
/// Width of the text column, left of the QR code.
const COLUMN_W: f32 = TILE_W - QR_BOX - PAD - 2.0;
const NUMBER_SIZE: f32 = 15.0;
// The crop marks of neighbouring tiles stay apart, and the text column keeps its room.
const _: () = assert!(2.0 * (MARK_OFFSET + MARK_LENGTH) < GUTTER_Y);
const _: () = assert!(GUTTER_Y <= GUTTER_X);
const _: () = assert!(COLUMN_W > 120.0);

/// Pages of a book of `vouchers` vouchers (one at least, even empty).
pub fn book_pages(vouchers: usize) -> usize {
    vouchers.div_ceil(VOUCHERS_PER_PAGE).max(1)
}

/// The book of vouchers as a PDF, [`VOUCHERS_PER_PAGE`] a page.
pub fn book_sheet(book: &BookSheet) -> Vec<u8> {
    let face = Face::of(book);
    let total = book_pages(book.vouchers.len());
    let pages = (0..total)
        .map(|index| {
            let numbers = book
                .vouchers
                .iter()
                .skip(index * VOUCHERS_PER_PAGE)
                .take(VOUCHERS_PER_PAGE);
            book_page(book, &face, numbers, (index + 1, total))
        })
        .collect();
    let title = format!("{} — {}", book.campaign_name, book.book_label);
    canvas::document(&title, pages)
}

/// The texts every tile of a book shares, encoded and fitted once.
struct Face {
    campaign: Vec<Vec<u8>>,
    sponsor: Vec<u8>,
    value: Vec<u8>,
    pays: Vec<Vec<u8>>,
    valid: Vec<u8>,
    rule: Vec<u8>,
}

impl Face {
    fn of(book: &BookSheet) -> Face {
        let rule = "À présenter au lieu de médiation qualifié · chèque utilisable une seule fois";
        Face {
            campaign: wrap(Font::Bold, 9.0, COLUMN_W, &win_ansi(&book.campaign_name), 2),
            sponsor: fit(Font::Regular, 7.0, COLUMN_W, &win_ansi(&book.sponsor_name)),
            value: fit(
                Font::Bold,
                26.0,
                COLUMN_W,
                &win_ansi(&euros(book.face_value_euros.into())),
            ),
            pays: wrap(Font::Regular, 8.0, COLUMN_W, &win_ansi(&book.pays), 2),
            valid: fit(
                Font::Regular,
                7.0,
                COLUMN_W,
                &win_ansi(&format!("Valable jusqu'au {}", book.valid_until)),
            ),
            rule: fit(Font::Regular, 6.5, TILE_W - 2.0 * PAD, &win_ansi(rule)),
        }
    }
}

fn book_page<'a>(
    book: &BookSheet,
    face: &Face,
    numbers: impl Iterator<Item = &'a String>,
    (page, total): (usize, usize),
) -> Canvas {
    let mut canvas = Canvas::new();
    book_header(&mut canvas, book, page, total);
    for (slot, number) in numbers.enumerate() {
        let corner = tile_corner(slot);
        crop_marks(&mut canvas, corner);
        tile(&mut canvas, face, number, corner);
    }
    canvas
}

/// « Carnet n° 3 — holder » on the left, « page k / n » on the right.
fn book_header(canvas: &mut Canvas, book: &BookSheet, page: usize, total: usize) {
    let y = PAGE_H - 9.0 * MM;
    let right = GRID_LEFT + COLUMNS as f32 * TILE_W + GUTTER_X;
    let count = win_ansi(&format!("page {page} / {total}"));
    canvas.text(Font::Regular, 9.0, GREY, (right, y), Align::Right, &count);
    let label = match book.holder.trim() {
        "" => book.book_label.clone(),
        holder => format!("{} — {holder}", book.book_label),
    };
    let room = right - GRID_LEFT - Font::Regular.width(&count, 9.0) - 12.0;
    let label = fit(Font::Bold, 9.0, room, &win_ansi(&label));
    canvas.text(Font::Bold, 9.0, BLACK, (GRID_LEFT, y), Align::Left, &label);
}

/// Bottom-left corner of the tile in `slot` (row by row from the top-left).
fn tile_corner(slot: usize) -> (f32, f32) {
    let (row, column) = (slot / COLUMNS, slot % COLUMNS);
    let x = GRID_LEFT + column as f32 * (TILE_W + GUTTER_X);
    let y = PAGE_H - GRID_TOP - TILE_H - row as f32 * (TILE_H + GUTTER_Y);
    (x, y)
}

/// At each corner of the tile, a short horizontal and a short vertical line in the prolongation
/// of its edges, kept off the corner itself.
fn crop_marks(canvas: &mut Canvas, (x, y): (f32, f32)) {
    for (cx, dx) in [(x, -1.0), (x + TILE_W, 1.0)] {
        for (cy, dy) in [(y, -1.0), (y + TILE_H, 1.0)] {
            let near = (cx + dx * MARK_OFFSET, cy + dy * MARK_OFFSET);
            let far = (
                cx + dx * (MARK_OFFSET + MARK_LENGTH),
                cy + dy * (MARK_OFFSET + MARK_LENGTH),
            );
            canvas.line((near.0, cy), (far.0, cy), 0.3, BLACK);
            canvas.line((cx, near.1), (cx, far.1), 0.3, BLACK);
        }
    }
}

fn tile(canvas: &mut Canvas, face: &Face, number: &str, corner: (f32, f32)) {
    canvas.dashed_rect(corner, (TILE_W, TILE_H), [0.75, 0.75, 0.75]);
    tile_texts(canvas, face, corner);
    number_band(canvas, face, number, corner);
    if let Some(qr) = qr_modules(number) {
        let top_left = (corner.0 + TILE_W - QR_BOX, corner.1 + TILE_H);
        canvas.squares(&qr_squares(&qr, top_left, QR_BOX), qr_module(&qr));
    }
}

/// The text column, from the top: campaign, sponsor, face value, what it pays, validity.
fn tile_texts(canvas: &mut Canvas, face: &Face, (x, y): (f32, f32)) {
    let mut lines: Vec<(Font, f32, Ink, f32, &[u8])> = Vec::new();
    for (index, line) in face.campaign.iter().enumerate() {
        lines.push((
            Font::Bold,
            9.0,
            BLUE,
            if index == 0 { 7.0 } else { 10.5 },
            line,
        ));
    }
    lines.push((Font::Regular, 7.0, GREY, 9.5, &face.sponsor));
    lines.push((Font::Bold, 26.0, BLUE, 26.0, &face.value));
    for (index, line) in face.pays.iter().enumerate() {
        lines.push((
            Font::Regular,
            8.0,
            BLACK,
            if index == 0 { 13.0 } else { 9.5 },
            line,
        ));
    }
    lines.push((Font::Regular, 7.0, GREY, 10.0, &face.valid));
    let mut baseline = y + TILE_H - PAD;
    for (font, size, ink, drop, text) in lines {
        baseline -= drop;
        canvas.text(font, size, ink, (x + PAD, baseline), Align::Left, text);
    }
}

/// The number in large monospaced print, and the rule line under it.
fn number_band(canvas: &mut Canvas, face: &Face, number: &str, (x, y): (f32, f32)) {
    let number = fit(
        Font::MonoBold,
        NUMBER_SIZE,
        TILE_W - 2.0 * PAD,
        &win_ansi(number),
    );
    canvas.text(
        Font::MonoBold,
        NUMBER_SIZE,
        BLACK,
        (x + PAD, y + 16.0),
        Align::Left,
        &number,
    );
    canvas.text(
        Font::Regular,
        5.5,
        GREY,
        (x + PAD, y + 6.0),
        Align::Left,
        &face.rule,
    );
}

/// Side of one module when the code and its quiet zone fill the box.
fn qr_module(qr: &QrModules) -> f32 {
    QR_BOX / (qr.width + 2 * QUIET_ZONE) as f32
}

/// Bottom-left corners of the dark modules, the code with its quiet zone filling a square of
/// side `side` whose top-left corner is given.
fn qr_squares(qr: &QrModules, (left, top): (f32, f32), side: f32) -> Vec<(f32, f32)> {
    let module = side / (qr.width + 2 * QUIET_ZONE) as f32;
    qr.dark
        .iter()
        .map(|&(column, row)| {
            let x = left + (column + QUIET_ZONE) as f32 * module;
            let y = top - (row + QUIET_ZONE + 1) as f32 * module;
            (x, y)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The reimbursement statement
// ---------------------------------------------------------------------------------------------

/// Table rows on one page of a statement.
pub const STATEMENT_ROWS_PER_PAGE: usize = 35;
const MARGIN: f32 = 20.0 * MM;
const ROW_H: f32 = 15.0;
const HEAD_H: f32 = 18.0;
/// Columns of the table: the row's N° (right-aligned), the number, the date, the value
/// (right-aligned).
const COL_INDEX: f32 = MARGIN + 26.0;
const COL_NUMBER: f32 = MARGIN + 44.0;
const COL_DATE: f32 = MARGIN + 230.0;
const COL_VALUE: f32 = PAGE_W - MARGIN - 8.0;

/// Pages of a statement of `lines` vouchers (one at least, even empty).
pub fn statement_pages(lines: usize) -> usize {
    lines.div_ceil(STATEMENT_ROWS_PER_PAGE).max(1)
}

/// The reimbursement statement as a PDF.
pub fn statement(statement: &Statement) -> Vec<u8> {
    let total = statement_pages(statement.lines.len());
    let pages = (0..total)
        .map(|index| statement_page(statement, index, total))
        .collect();
    let title = format!(
        "Relevé de remboursement — {} — {}",
        statement.place_name, statement.month
    );
    canvas::document(&title, pages)
}

fn statement_page(statement: &Statement, index: usize, total: usize) -> Canvas {
    let mut canvas = Canvas::new();
    let mut y = statement_heading(&mut canvas, statement);
    y = table_head(&mut canvas, y);
    let start = index * STATEMENT_ROWS_PER_PAGE;
    let rows = statement.lines.iter().enumerate().skip(start);
    for (row, line) in rows.take(STATEMENT_ROWS_PER_PAGE) {
        y = table_row(&mut canvas, y, row, line);
    }
    if statement.lines.is_empty() {
        let none = win_ansi("Aucun chèque encaissé sur la période.");
        canvas.text(
            Font::Regular,
            10.0,
            GREY,
            (COL_NUMBER, y - 11.0),
            Align::Left,
            &none,
        );
        y -= ROW_H;
    }
    if index + 1 == total {
        statement_total(&mut canvas, statement, y);
    }
    statement_footer(&mut canvas, statement, index + 1, total);
    canvas
}

/// Title and the campaign, sponsor, place, month and unit value; returns the y under them.
fn statement_heading(canvas: &mut Canvas, statement: &Statement) -> f32 {
    let title = win_ansi("Relevé de remboursement — chèques numériques");
    let mut y = PAGE_H - MARGIN - 12.0;
    canvas.text(Font::Bold, 16.0, BLUE, (MARGIN, y), Align::Left, &title);
    y -= 10.0;
    let facts = [
        ("Campagne", statement.campaign_name.clone()),
        ("Financeur", statement.sponsor_name.clone()),
        ("Lieu de médiation", statement.place_name.clone()),
        ("Mois", statement.month.clone()),
        (
            "Valeur d'un chèque",
            euros(statement.face_value_euros.into()),
        ),
    ];
    let value_x = MARGIN + 100.0;
    for (label, value) in facts {
        y -= 15.0;
        canvas.text(
            Font::Regular,
            10.0,
            GREY,
            (MARGIN, y),
            Align::Left,
            &win_ansi(label),
        );
        let value = fit(
            Font::Bold,
            10.0,
            PAGE_W - MARGIN - value_x,
            &win_ansi(&value),
        );
        canvas.text(Font::Bold, 10.0, BLACK, (value_x, y), Align::Left, &value);
    }
    y - 20.0
}

/// The table's header row on a grey band; returns the y under it.
fn table_head(canvas: &mut Canvas, top: f32) -> f32 {
    let y = top - HEAD_H;
    canvas.fill_rect(
        (MARGIN, y),
        (PAGE_W - 2.0 * MARGIN, HEAD_H),
        [0.86, 0.86, 0.92],
    );
    let baseline = y + 6.0;
    let heads = [
        (COL_INDEX, Align::Right, "N°"),
        (COL_NUMBER, Align::Left, "Numéro du chèque"),
        (COL_DATE, Align::Left, "Date d'encaissement"),
        (COL_VALUE, Align::Right, "Valeur"),
    ];
    for (x, align, head) in heads {
        canvas.text(
            Font::Bold,
            9.5,
            BLACK,
            (x, baseline),
            align,
            &win_ansi(head),
        );
    }
    y
}

/// One voucher of the table (`row` from 0), every other one on a light band; returns the y
/// under it.
fn table_row(canvas: &mut Canvas, top: f32, row: usize, line: &StatementLine) -> f32 {
    let y = top - ROW_H;
    if row % 2 == 1 {
        canvas.fill_rect(
            (MARGIN, y),
            (PAGE_W - 2.0 * MARGIN, ROW_H),
            [0.95, 0.95, 0.97],
        );
    }
    let baseline = y + 4.5;
    let index = win_ansi(&(row + 1).to_string());
    canvas.text(
        Font::Regular,
        10.0,
        GREY,
        (COL_INDEX, baseline),
        Align::Right,
        &index,
    );
    let number = fit(
        Font::Mono,
        10.0,
        COL_DATE - COL_NUMBER - 8.0,
        &win_ansi(&line.number),
    );
    canvas.text(
        Font::Mono,
        10.0,
        BLACK,
        (COL_NUMBER, baseline),
        Align::Left,
        &number,
    );
    let date = fit(
        Font::Regular,
        10.0,
        COL_VALUE - COL_DATE - 60.0,
        &win_ansi(&line.redeemed_on),
    );
    canvas.text(
        Font::Regular,
        10.0,
        BLACK,
        (COL_DATE, baseline),
        Align::Left,
        &date,
    );
    let value = win_ansi(&euros(line.value_euros.into()));
    canvas.text(
        Font::Regular,
        10.0,
        BLACK,
        (COL_VALUE, baseline),
        Align::Right,
        &value,
    );
    y
}

/// Under the table: « Total : 3 chèques — 30 € » and the payment status.
fn statement_total(canvas: &mut Canvas, statement: &Statement, top: f32) {
    canvas.line(
        (MARGIN, top - 2.0),
        (PAGE_W - MARGIN, top - 2.0),
        0.8,
        BLACK,
    );
    let count = statement.lines.len();
    let noun = if count > 1 { "chèques" } else { "chèque" };
    let total = format!("Total : {count} {noun} — {}", euros(statement.total_euros));
    let y = top - 20.0;
    canvas.text(
        Font::Bold,
        11.0,
        BLACK,
        (MARGIN + 6.0, y),
        Align::Left,
        &win_ansi(&total),
    );
    let status = statement.paid.as_deref().unwrap_or("À payer");
    let status = fit(Font::Bold, 11.0, 200.0, &win_ansi(status));
    let ink = if statement.paid.is_some() {
        BLUE
    } else {
        [0.72, 0.16, 0.0]
    };
    canvas.text(Font::Bold, 11.0, ink, (COL_VALUE, y), Align::Right, &status);
}

/// The issue date on the left and « page k / n » on the right.
fn statement_footer(canvas: &mut Canvas, statement: &Statement, page: usize, total: usize) {
    let y = 12.0 * MM;
    canvas.line((MARGIN, y + 10.0), (PAGE_W - MARGIN, y + 10.0), 0.3, GREY);
    let issued = fit(Font::Regular, 8.5, 300.0, &win_ansi(&statement.issued_on));
    canvas.text(Font::Regular, 8.5, GREY, (MARGIN, y), Align::Left, &issued);
    let count = win_ansi(&format!("page {page} / {total}"));
    canvas.text(
        Font::Regular,
        8.5,
        GREY,
        (PAGE_W - MARGIN, y),
        Align::Right,
        &count,
    );
}

/// « 1 230 € »: thousands and the euro sign after a no-break space.
fn euros(amount: u64) -> String {
    let digits = amount.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push('\u{A0}');
        }
        grouped.push(digit);
    }
    grouped + "\u{A0}€"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(vouchers: usize) -> BookSheet {
        BookSheet {
            campaign_name: "Pass numérique Maine-et-Loire 2027".into(),
            sponsor_name: "Département de Maine-et-Loire".into(),
            face_value_euros: 10,
            pays: "1 séance d'accompagnement".into(),
            valid_until: "31/12/2027".into(),
            book_label: "Carnet n° 3".into(),
            holder: "Centre social Jean-Vilar (Angers)".into(),
            vouchers: (0..vouchers)
                .map(|n| format!("7KQ4-M2XD-9TRB-{n:04}"))
                .collect(),
        }
    }

    fn statement_of(lines: usize) -> Statement {
        Statement {
            campaign_name: "Pass numérique Maine-et-Loire 2027".into(),
            sponsor_name: "Département de Maine-et-Loire".into(),
            place_name: "Médiathèque Toussaint — Espace numérique".into(),
            month: "novembre 2027".into(),
            face_value_euros: 10,
            lines: (0..lines)
                .map(|n| StatementLine {
                    number: format!("7KQ4-M2XD-9TRB-{n:04}"),
                    redeemed_on: format!("{:02}/11/2027", n % 30 + 1),
                    value_euros: 10,
                })
                .collect(),
            total_euros: 10 * lines as u64,
            paid: None,
            issued_on: "Édité le 04/12/2027".into(),
        }
    }

    fn count(haystack: &[u8], needle: &[u8]) -> usize {
        haystack
            .windows(needle.len())
            .filter(|w| *w == needle)
            .count()
    }

    /// `/Type /Page` objects, not the `/Type /Pages` tree.
    fn page_objects(pdf: &[u8]) -> usize {
        count(pdf, b"/Type /Page") - count(pdf, b"/Type /Pages")
    }

    fn is_pdf(pdf: &[u8]) -> bool {
        pdf.starts_with(b"%PDF-") && pdf.trim_ascii_end().ends_with(b"%%EOF")
    }

    #[test]
    fn both_documents_are_pdf_files() {
        assert!(is_pdf(&book_sheet(&book(3))));
        assert!(is_pdf(&statement(&statement_of(3))));
        assert!(is_pdf(&book_sheet(&book(0))));
        assert!(is_pdf(&statement(&statement_of(0))));
    }

    #[test]
    fn a_book_takes_ten_vouchers_a_page() {
        assert_eq!([0, 1, 10, 11, 20, 23].map(book_pages), [1, 1, 1, 2, 2, 3]);
        assert_eq!(page_objects(&book_sheet(&book(23))), 3);
        assert_eq!(page_objects(&book_sheet(&book(0))), 1);
    }

    #[test]
    fn a_statement_takes_35_rows_a_page_and_numbers_its_pages() {
        assert_eq!([0, 1, 35, 36, 80].map(statement_pages), [1, 1, 1, 2, 3]);
        let pdf = statement(&statement_of(80));
        assert_eq!(page_objects(&pdf), 3);
        assert_eq!(count(&pdf, b"(page 3 / 3)"), 1);
        assert_eq!(
            count(&pdf, b"(Date d'encaissement)"),
            3,
            "the header on every page"
        );
        assert_eq!(count(&pdf, b"(80)"), 1, "the last row numbered 80");
    }

    #[test]
    fn the_qr_code_drawn_is_the_number_s_code_module_for_module() {
        let number = "7KQ4-M2XD-9TRB-HW3F";
        let code = QrCode::new(number).unwrap();
        let qr = qr_modules(number).unwrap();
        assert_eq!(qr.width, code.width());
        let dark = code
            .to_colors()
            .iter()
            .filter(|c| **c == Color::Dark)
            .count();
        assert_eq!(qr.dark.len(), dark);
        let mut canvas = Canvas::new();
        canvas.squares(&qr_squares(&qr, (100.0, 500.0), QR_BOX), qr_module(&qr));
        let drawn = canvas.into_bytes();
        assert_eq!(count(&drawn, b" re\n"), dark);
        let fills = drawn
            .split(|&b| b == b'\n')
            .filter(|line| *line == b"f")
            .count();
        assert_eq!(fills, 1, "one fill for the whole code");
    }

    #[test]
    fn qr_modules_are_big_enough_for_a_phone_with_their_quiet_zone_inside_the_tile() {
        for number in [
            "7KQ4-M2XD-9TRB-HW3F",
            "7kq4-m2xd-9trb-hw3f",
            "1234567890123456",
        ] {
            let qr = qr_modules(number).unwrap();
            assert!(
                qr_module(&qr) >= 1.2 * MM,
                "{number}: {} mm",
                qr_module(&qr) / MM
            );
            let squares = qr_squares(&qr, (0.0, QR_BOX), QR_BOX);
            let module = qr_module(&qr);
            let quiet = QUIET_ZONE as f32 * module - 0.01;
            for (x, y) in squares {
                assert!(x >= quiet && x + module <= QR_BOX - quiet);
                assert!(y >= quiet && y + module <= QR_BOX - quiet);
            }
        }
    }

    #[test]
    fn tiles_and_their_crop_marks_stay_on_the_page() {
        let reach = MARK_OFFSET + MARK_LENGTH;
        for slot in 0..VOUCHERS_PER_PAGE {
            let (x, y) = tile_corner(slot);
            assert!(x - reach >= 5.0 * MM && x + TILE_W + reach <= PAGE_W - 5.0 * MM);
            assert!(y - reach >= 5.0 * MM && y + TILE_H + reach <= PAGE_H - 11.0 * MM);
        }
    }

    #[test]
    fn tile_texts_fit_their_column() {
        let face = Face::of(&book(1));
        assert_eq!(face.campaign.len(), 2);
        for line in face.campaign.iter() {
            assert!(Font::Bold.width(line, 9.0) <= COLUMN_W);
        }
        assert_eq!(face.value, b"10\xA0\x80");
        let number = win_ansi("7KQ4-M2XD-9TRB-HW3F");
        assert!(Font::MonoBold.width(&number, NUMBER_SIZE) <= TILE_W - 2.0 * PAD);
        assert!(!face.rule.ends_with(&[0x85]), "the rule line is not cut");
    }

    #[test]
    fn accents_are_written_in_win_ansi() {
        let pdf = statement(&statement_of(2));
        assert_eq!(count(&pdf, &[0xC9, b'd', b'i', b't', 0xE9]), 1);
        assert!(count(&pdf, b"/Encoding /WinAnsiEncoding") >= 4);
        let pdf = book_sheet(&book(1));
        assert!(count(&pdf, b"(D\xE9partement de Maine-et-Loire)") >= 1);
        assert!(
            count(
                &pdf,
                b"(\xC0 pr\xE9senter au lieu de m\xE9diation qualifi\xE9 \xB7 ch\xE8que"
            ) == 1
        );
    }

    #[test]
    fn what_win_ansi_cannot_hold_becomes_a_question_mark() {
        assert_eq!(
            win_ansi("Œuvre € — « oui » ✓ 漢"),
            b"\x8Cuvre \x80 \x97 \xAB oui \xBB ? ?"
        );
        assert_eq!(win_ansi("a\tb\u{1}\u{202F}:"), b"a b?\xA0:");
    }

    #[test]
    fn long_texts_are_wrapped_then_shortened() {
        let text =
            win_ansi("Une campagne au nom vraiment très long qui ne tient pas sur deux lignes");
        let lines = wrap(Font::Bold, 9.0, 100.0, &text, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with(&[0x85]));
        assert!(lines
            .iter()
            .all(|line| Font::Bold.width(line, 9.0) <= 100.0));
        assert_eq!(
            wrap(Font::Bold, 9.0, 100.0, b"Court", 2),
            vec![b"Court".to_vec()]
        );
    }

    #[test]
    fn euros_are_grouped_by_thousands() {
        assert_eq!(euros(30), "30\u{A0}€");
        assert_eq!(euros(1230), "1\u{A0}230\u{A0}€");
        assert_eq!(euros(1_000_000), "1\u{A0}000\u{A0}000\u{A0}€");
    }

    #[test]
    fn the_statement_totals_and_says_whether_it_is_paid() {
        let mut three = statement_of(3);
        let pdf = statement(&three);
        assert_eq!(count(&pdf, b"(Total : 3 ch\xE8ques \x97 30\xA0\x80)"), 1);
        assert_eq!(count(&pdf, b"(\xC0 payer)"), 1);
        three.paid = Some("Payé le 05/12/2027".into());
        let pdf = statement(&three);
        assert_eq!(count(&pdf, b"(Pay\xE9 le 05/12/2027)"), 1);
    }
}
