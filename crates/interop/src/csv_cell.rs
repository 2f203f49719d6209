//! CSV injection: a cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, a tab or a
//! carriage return first) is written with a single quote before it, so it shows as text. Plain
//! numbers and phone numbers (`-1.5`, `+33 2 41 00 00 00`) are left as they are. Every CSV the
//! product writes goes through [`write_safe_record`]; reading a file back keeps the quote.

use std::borrow::Cow;
use std::io::Write;

/// Whether a spreadsheet could take the cell for a formula.
fn may_be_formula(cell: &str) -> bool {
    let mut chars = cell.chars();
    match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !chars.all(|c| c.is_ascii_digit() || " .,()".contains(c)),
        _ => false,
    }
}

/// The cell as it is safe to write: prefixed with `'` when it could be read as a formula.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if may_be_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Writes one record, every cell neutralised.
pub fn write_safe_record<W, I, T>(writer: &mut csv::Writer<W>, record: I) -> csv::Result<()>
where
    W: Write,
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    let cells: Vec<String> = record
        .into_iter()
        .map(|cell| neutralise(cell.as_ref()).into_owned())
        .collect();
    writer.write_record(&cells)
}

/// Records written as one CSV text in memory, every cell neutralised as [`write_safe_record`] does.
#[expect(
    clippy::expect_used,
    reason = "writing CSV into a Vec<u8> cannot fail, and cells of UTF-8 strings make UTF-8"
)]
pub fn safe_csv<R, I, T>(records: R) -> String
where
    R: IntoIterator<Item = I>,
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in records {
        write_safe_record(&mut writer, record).expect("writing to memory");
    }
    let bytes = writer.into_inner().expect("flushing to memory");
    String::from_utf8(bytes).expect("UTF-8 cells")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_quoted_and_numbers_and_phones_kept() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-1.5", "-1.5"),
            ("+33 2 41 00 00 00", "+33 2 41 00 00 00"),
            ("+33 (0)2 41 00 00 00", "+33 (0)2 41 00 00 00"),
            ("-12,5", "-12,5"),
            ("Médiathèque = lieu", "Médiathèque = lieu"),
            ("", ""),
            ("'=déjà", "'=déjà"),
        ] {
            assert_eq!(neutralise(cell), written, "{cell:?}");
        }
    }

    #[test]
    fn a_written_record_has_every_cell_neutralised() {
        let mut writer = csv::Writer::from_writer(Vec::new());
        write_safe_record(&mut writer, ["=1+1", "-3", "ok"]).expect("in memory");
        let text = String::from_utf8(writer.into_inner().expect("flush")).expect("utf-8");
        assert_eq!(text, "'=1+1,-3,ok\n");
    }
}
