//! The little PDF toolkit of the voucher documents: A4 pages drawn with the base-14 fonts in
//! WinAnsi (Windows-1252), text measured with the fonts' own metrics so that it can be aligned,
//! wrapped and shortened, and the document assembled with uncompressed content streams.

use encoding_rs::WINDOWS_1252;
use pdf_writer::{Finish, Name, Pdf, Rect, Ref, TextStr};

use super::metrics::{HELVETICA, HELVETICA_BOLD};

/// One millimetre in PDF points.
pub(super) const MM: f32 = 72.0 / 25.4;
/// A4 portrait, in points.
pub(super) const PAGE_W: f32 = 595.28;
pub(super) const PAGE_H: f32 = 841.89;

/// The WinAnsi code of « … », put where a text is cut short.
const ELLIPSIS: u8 = 0x85;

/// An RGB colour, each component from 0 to 1.
pub(super) type Ink = [f32; 3];
pub(super) const BLACK: Ink = [0.0, 0.0, 0.0];
/// « Bleu France » of the State's graphic charter (#000091).
pub(super) const BLUE: Ink = [0.0, 0.0, 0.569];
pub(super) const GREY: Ink = [0.33, 0.33, 0.33];

/// The base-14 fonts the documents use, all in WinAnsi.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Font {
    Regular,
    Bold,
    Mono,
    MonoBold,
}

impl Font {
    const ALL: [Font; 4] = [Font::Regular, Font::Bold, Font::Mono, Font::MonoBold];

    /// The font's name in the pages' resources.
    fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
            Font::Mono => Name(b"F3"),
            Font::MonoBold => Name(b"F4"),
        }
    }

    fn base_font(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"Helvetica"),
            Font::Bold => Name(b"Helvetica-Bold"),
            Font::Mono => Name(b"Courier"),
            Font::MonoBold => Name(b"Courier-Bold"),
        }
    }

    /// Advance of one WinAnsi code, in thousandths of the size.
    fn advance(self, code: u8) -> f32 {
        let table = match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
            Font::Mono | Font::MonoBold => return 600.0,
        };
        let index = usize::from(code).saturating_sub(32);
        table.get(index).map_or(0.0, |&width| f32::from(width))
    }

    /// Width of a WinAnsi text at this size, in points.
    pub(super) fn width(self, text: &[u8], size: f32) -> f32 {
        text.iter().map(|&code| self.advance(code)).sum::<f32>() * size / 1000.0
    }
}

/// A text in WinAnsi (Windows-1252): a character it cannot hold becomes `?`, a control
/// character too (a tab or a line break becomes a space), and the narrow spaces of French
/// typography become no-break spaces.
pub(super) fn win_ansi(text: &str) -> Vec<u8> {
    text.chars().map(win_ansi_code).collect()
}

fn win_ansi_code(c: char) -> u8 {
    let c = match c {
        '\u{202F}' | '\u{2009}' | '\u{2007}' => '\u{A0}',
        '\u{2011}' => '-',
        c if c.is_control() && c.is_whitespace() => ' ',
        c if c.is_control() => return b'?',
        c => c,
    };
    let mut utf8 = [0; 4];
    let (bytes, _, had_errors) = WINDOWS_1252.encode(c.encode_utf8(&mut utf8));
    match (had_errors, bytes.as_ref()) {
        (false, [code]) => *code,
        _ => b'?',
    }
}

/// The text itself when it fits in `max_width`, else as much of it as fits followed by « … ».
pub(super) fn fit(font: Font, size: f32, max_width: f32, text: &[u8]) -> Vec<u8> {
    if font.width(text, size) <= max_width {
        return text.to_vec();
    }
    let room = max_width - font.width(&[ELLIPSIS], size);
    let mut kept = text.to_vec();
    while !kept.is_empty() && font.width(&kept, size) > room {
        kept.pop();
    }
    while kept.last() == Some(&b' ') {
        kept.pop();
    }
    kept.push(ELLIPSIS);
    kept
}

/// The text broken between words into lines of at most `max_width`, at most `max_lines` of
/// them: the last one is shortened with « … » when the text goes on.
pub(super) fn wrap(
    font: Font,
    size: f32,
    max_width: f32,
    text: &[u8],
    max_lines: usize,
) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for word in text
        .split(|&code| code == b' ')
        .filter(|word| !word.is_empty())
    {
        if current.is_empty() {
            current = word.to_vec();
            continue;
        }
        let joined = [current.as_slice(), word].join(&b' ');
        if font.width(&joined, size) <= max_width {
            current = joined;
        } else {
            lines.push(std::mem::replace(&mut current, word.to_vec()));
        }
    }
    lines.push(current);
    let max_lines = max_lines.max(1);
    if lines.len() > max_lines {
        let rest = lines.split_off(max_lines - 1);
        lines.push(rest.join(&b' '));
    }
    lines
        .iter()
        .map(|line| fit(font, size, max_width, line))
        .collect()
}

/// Where a text stands relative to the given x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Align {
    Left,
    Right,
}

/// One page being drawn: its content stream, written here rather than with pdf-writer's
/// `Content` because that one writes any string with a byte above 127 in hex (`<C9…>`), where
/// a literal string keeps the WinAnsi bytes as they are (`(Édité)`) and readable in the file.
/// Coordinates are in points from the bottom-left corner of the page.
pub(super) struct Canvas {
    stream: Vec<u8>,
}

impl Canvas {
    pub(super) fn new() -> Canvas {
        Canvas { stream: Vec::new() }
    }

    /// One operator with its numeric operands, on a line.
    fn op(&mut self, operands: &[f32], operator: &str) {
        for &operand in operands {
            push_number(&mut self.stream, operand);
            self.stream.push(b' ');
        }
        self.stream.extend_from_slice(operator.as_bytes());
        self.stream.push(b'\n');
    }

    fn fill_ink(&mut self, ink: Ink) {
        self.op(&ink, "rg");
    }

    fn stroke_ink(&mut self, ink: Ink) {
        self.op(&ink, "RG");
    }

    /// A line of WinAnsi text whose baseline is at `at.1`, aligned on `at.0`.
    pub(super) fn text(
        &mut self,
        font: Font,
        size: f32,
        ink: Ink,
        at: (f32, f32),
        align: Align,
        text: &[u8],
    ) {
        let width = font.width(text, size);
        let x = match align {
            Align::Left => at.0,
            Align::Right => at.0 - width,
        };
        self.fill_ink(ink);
        self.op(&[], "BT");
        self.stream.push(b'/');
        self.stream.extend_from_slice(font.resource().0);
        self.stream.push(b' ');
        self.op(&[size], "Tf");
        self.op(&[x, at.1], "Td");
        push_literal(&mut self.stream, text);
        self.op(&[], " Tj");
        self.op(&[], "ET");
    }

    /// A straight line.
    pub(super) fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, ink: Ink) {
        self.stroke_ink(ink);
        self.op(&[width], "w");
        self.op(&[from.0, from.1], "m");
        self.op(&[to.0, to.1], "l");
        self.op(&[], "S");
    }

    /// A dashed rectangle outline.
    pub(super) fn dashed_rect(&mut self, corner: (f32, f32), size: (f32, f32), ink: Ink) {
        self.op(&[], "q");
        self.stroke_ink(ink);
        self.op(&[0.3], "w");
        self.op(&[], "[2 2] 0 d");
        self.op(&[corner.0, corner.1, size.0, size.1], "re");
        self.op(&[], "S");
        self.op(&[], "Q");
    }

    /// A filled rectangle.
    pub(super) fn fill_rect(&mut self, corner: (f32, f32), size: (f32, f32), ink: Ink) {
        self.fill_ink(ink);
        self.op(&[corner.0, corner.1, size.0, size.1], "re");
        self.op(&[], "f");
    }

    /// Black squares of side `side` at the given bottom-left corners, filled as one path so
    /// that neighbours join without a hairline.
    pub(super) fn squares(&mut self, corners: &[(f32, f32)], side: f32) {
        if corners.is_empty() {
            return;
        }
        self.fill_ink([0.0, 0.0, 0.0]);
        for &(x, y) in corners {
            self.op(&[x, y, side, side], "re");
        }
        self.op(&[], "f");
    }

    /// The content stream as written.
    #[cfg(test)]
    pub(super) fn into_bytes(self) -> Vec<u8> {
        self.stream
    }
}

/// A number as PDF writes it: at most three decimals, no trailing zeros.
fn push_number(out: &mut Vec<u8>, value: f32) {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    let text = if text == "-0" { "0" } else { text };
    out.extend_from_slice(text.as_bytes());
}

/// A literal string `(…)`: its bytes as they are, the delimiters escaped.
fn push_literal(out: &mut Vec<u8>, text: &[u8]) {
    out.push(b'(');
    for &byte in text {
        match byte {
            b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', byte]),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(byte),
        }
    }
    out.push(b')');
}

/// A PDF of A4 pages, titled, with the four fonts as resources of every page and the content
/// streams uncompressed.
pub(super) fn document(title: &str, pages: Vec<Canvas>) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    let font_ref = |font: Font| Ref::new(4 + font as i32);
    let mut next = Ref::new(10);
    let refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (next.bump(), next.bump())).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(refs.iter().map(|&(page, _)| page))
        .count(i32::try_from(refs.len()).unwrap_or(i32::MAX));
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("Aiguillage"));
    for font in Font::ALL {
        pdf.type1_font(font_ref(font))
            .base_font(font.base_font())
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    for (&(page_id, content_id), canvas) in refs.iter().zip(pages) {
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        for font in Font::ALL {
            fonts.pair(font.resource(), font_ref(font));
        }
        fonts.finish();
        resources.finish();
        page.finish();
        pdf.stream(content_id, &canvas.stream);
    }
    pdf.finish()
}
