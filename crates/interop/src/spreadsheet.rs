//! Tables as public-sector users open them: an Excel workbook (`.xlsx`: one sheet per table, typed
//! cells — integers, decimals, dates as dates —, a bold frozen header, and a sheet « Colonnes »
//! describing every column) and CSV for Excel (a UTF-8 byte order mark so that accents show, and
//! the `;` separator with decimal commas that French Excel expects, or the `,` of open data).
//! Texts are written as texts in `.xlsx` (never formulas) and neutralised in CSV (`csv_cell`).
//! The same tables also go out as JSON for the API (`tables_json`): each row an object keyed by the
//! column names, numbers as numbers, dates as `AAAA-MM-JJ`, empty cells as `null`.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

/// One value of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Integer(i64),
    Decimal(f64),
    /// A calendar date: year, month, day.
    Date(u16, u8, u8),
}

impl Value {
    /// A text, or empty when blank.
    pub fn text(text: impl Into<String>) -> Value {
        let text = text.into();
        if text.is_empty() {
            Value::Empty
        } else {
            Value::Text(text)
        }
    }

    /// A `AAAA-MM-JJ` date, or the text itself when it is not one.
    pub fn iso_date(text: &str) -> Value {
        let parts: Vec<&str> = text.get(..10).unwrap_or(text).split('-').collect();
        match parts.as_slice() {
            [y, m, d] if y.len() == 4 => match (y.parse(), m.parse(), d.parse()) {
                (Ok(y), Ok(m), Ok(d)) => Value::Date(y, m, d),
                _ => Value::text(text),
            },
            _ => Value::text(text),
        }
    }

    fn csv(&self, separator: Separator) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(text) => text.clone(),
            Value::Integer(n) => n.to_string(),
            Value::Decimal(x) => {
                let text = format!("{x}");
                match separator {
                    Separator::Semicolon => text.replace('.', ","),
                    Separator::Comma => text,
                }
            }
            Value::Date(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
        }
    }
}

/// One column: its name (the header) and what it holds, in plain French.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub description: String,
}

impl Column {
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Column {
        Column {
            name: name.into(),
            description: description.into(),
        }
    }
}

/// A table: the sheet's name (31 characters at most, Excel's limit), a title, columns and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub sheet: String,
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
}

/// The CSV separator a download asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Separator {
    /// `,` and decimal points (open data, the standards).
    #[default]
    Comma,
    /// `;` and decimal commas (French Excel).
    Semicolon,
}

impl Separator {
    /// From the `separateur` query value: `point-virgule` or anything else for `,`.
    pub fn from_query(value: Option<&str>) -> Separator {
        match value {
            Some("point-virgule") | Some(";") => Separator::Semicolon,
            _ => Separator::Comma,
        }
    }
}

/// Why a workbook could not be written.
#[derive(Debug, thiserror::Error)]
#[error("classeur Excel impossible à écrire : {0}")]
pub struct SpreadsheetError(#[from] XlsxError);

/// The name of the sheet describing the columns.
pub const COLUMNS_SHEET: &str = "Colonnes";

/// The tables as one `.xlsx` workbook, then the sheet « Colonnes » (table, column, description).
pub fn write_xlsx(tables: &[Table]) -> Result<Vec<u8>, SpreadsheetError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(&table.sheet))?;
        write_table(sheet, table, (&bold, &date))?;
    }
    let described = workbook.add_worksheet();
    described.set_name(COLUMNS_SHEET)?;
    for (col, header) in ["Tableau", "Colonne", "Description"].iter().enumerate() {
        described.write_string_with_format(0, col as u16, *header, &bold)?;
    }
    let mut row = 1;
    for table in tables {
        for column in &table.columns {
            described.write_string(row, 0, &table.title)?;
            described.write_string(row, 1, &column.name)?;
            described.write_string(row, 2, &column.description)?;
            row += 1;
        }
    }
    described.set_column_width(0, 40)?;
    described.set_column_width(1, 28)?;
    described.set_column_width(2, 90)?;
    Ok(workbook.save_to_buffer()?)
}

fn write_table(
    sheet: &mut Worksheet,
    table: &Table,
    (bold, date): (&Format, &Format),
) -> Result<(), SpreadsheetError> {
    for (col, column) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, &column.name, bold)?;
        let width = column.name.chars().count().clamp(10, 40) as f64 + 2.0;
        sheet.set_column_width(col as u16, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (index, values) in table.rows.iter().enumerate() {
        let row = index as u32 + 1;
        for (col, value) in values.iter().enumerate() {
            let col = col as u16;
            match value {
                Value::Empty => {}
                Value::Text(text) => {
                    sheet.write_string(row, col, text)?;
                }
                Value::Integer(n) => {
                    sheet.write_number(row, col, *n as f64)?;
                }
                Value::Decimal(x) => {
                    sheet.write_number(row, col, *x)?;
                }
                Value::Date(y, m, d) => match ExcelDateTime::from_ymd(*y, *m, *d) {
                    Ok(day) => {
                        sheet.write_datetime_with_format(row, col, &day, date)?;
                    }
                    Err(_) => {
                        sheet.write_string(row, col, format!("{y:04}-{m:02}-{d:02}"))?;
                    }
                },
            }
        }
    }
    Ok(())
}

/// A sheet name Excel accepts: no `[]:*?/\`, 31 characters at most.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .take(31)
        .collect();
    if cleaned.trim().is_empty() {
        "Tableau".to_owned()
    } else {
        cleaned
    }
}

/// The table as CSV for a spreadsheet: a UTF-8 byte order mark, the header, the rows, every cell
/// neutralised against formulas.
#[expect(
    clippy::expect_used,
    reason = "writing CSV into a Vec<u8> cannot fail, and cells of UTF-8 strings make UTF-8"
)]
pub fn write_csv(table: &Table, separator: Separator) -> Vec<u8> {
    let delimiter = match separator {
        Separator::Comma => b',',
        Separator::Semicolon => b';',
    };
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    let header = table.columns.iter().map(|column| column.name.clone());
    crate::csv_cell::write_safe_record(&mut writer, header).expect("writing to memory");
    for values in &table.rows {
        let cells = values.iter().map(|value| value.csv(separator));
        crate::csv_cell::write_safe_record(&mut writer, cells).expect("writing to memory");
    }
    writer.into_inner().expect("flushing to memory")
}

impl Value {
    fn json(&self) -> serde_json::Value {
        match self {
            Value::Empty => serde_json::Value::Null,
            Value::Text(text) => serde_json::Value::from(text.as_str()),
            Value::Integer(n) => serde_json::Value::from(*n),
            Value::Decimal(x) => serde_json::Number::from_f64(*x)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Date(y, m, d) => serde_json::Value::from(format!("{y:04}-{m:02}-{d:02}")),
        }
    }
}

/// Tables as one JSON document: `{"tableaux": [{"code", "titre", "colonnes": [{"code",
/// "description"}], "lignes": [{column: value}]}]}`.
pub fn tables_json(tables: &[Table]) -> serde_json::Value {
    let table = |table: &Table| {
        let columns: Vec<serde_json::Value> = table
            .columns
            .iter()
            .map(|c| serde_json::json!({ "code": c.name, "description": c.description }))
            .collect();
        let rows: Vec<serde_json::Value> = table
            .rows
            .iter()
            .map(|row| {
                let cells = table
                    .columns
                    .iter()
                    .zip(row)
                    .map(|(column, value)| (column.name.clone(), value.json()));
                serde_json::Value::Object(cells.collect())
            })
            .collect();
        serde_json::json!({
            "code": table.sheet,
            "titre": table.title,
            "colonnes": columns,
            "lignes": rows,
        })
    };
    serde_json::json!({ "tableaux": tables.iter().map(table).collect::<Vec<_>>() })
}

#[cfg(test)]
mod tests {

    #[test]
    fn tables_go_out_as_json_rows_keyed_by_column_with_typed_values() {
        let table = Table {
            sheet: "couverture".into(),
            title: "Couverture".into(),
            columns: vec![
                Column::new("code", "Code"),
                Column::new("n", "Nombre"),
                Column::new("x", "Indice"),
                Column::new("jour", "Date"),
                Column::new("vide", "Rien"),
            ],
            rows: vec![vec![
                Value::text("49007"),
                Value::Integer(3),
                Value::Decimal(4.5),
                Value::Date(2026, 3, 9),
                Value::Empty,
            ]],
        };
        let json = tables_json(&[table]);
        let first = &json["tableaux"][0];
        assert_eq!(first["code"], "couverture");
        assert_eq!(first["colonnes"][1]["description"], "Nombre");
        let row = &first["lignes"][0];
        assert_eq!(row["code"], "49007");
        assert_eq!(row["n"], 3);
        assert_eq!(row["x"], 4.5);
        assert_eq!(row["jour"], "2026-03-09");
        assert!(row["vide"].is_null());
    }
    use super::*;
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

    fn table() -> Table {
        Table {
            sheet: "Activités: mars/avril".into(),
            title: "Activités".into(),
            columns: vec![
                Column::new("date", "Jour de l'activité"),
                Column::new("lieu", "Commune"),
                Column::new("participants", "Nombre de personnes"),
                Column::new("taux", "Part en %"),
            ],
            rows: vec![
                vec![
                    Value::iso_date("2026-03-02"),
                    Value::text("=HYPERLINK(\"x\")"),
                    Value::Integer(12),
                    Value::Decimal(41.5),
                ],
                vec![
                    Value::Empty,
                    Value::text("Saumur"),
                    Value::Integer(3),
                    Value::Empty,
                ],
            ],
        }
    }

    #[test]
    fn the_workbook_reads_back_with_typed_cells_a_date_and_the_columns_sheet() {
        let bytes = write_xlsx(&[table()]).expect("xlsx");
        let mut workbook: Xlsx<_> =
            open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a workbook calamine reads");
        assert_eq!(
            workbook.sheet_names(),
            vec!["Activités- mars-avril".to_owned(), COLUMNS_SHEET.to_owned()]
        );
        let sheet = workbook
            .worksheet_range("Activités- mars-avril")
            .expect("sheet");
        assert_eq!(
            sheet.get_value((0, 2)),
            Some(&Data::String("participants".into()))
        );
        assert_eq!(sheet.get_value((1, 2)), Some(&Data::Float(12.0)));
        assert_eq!(sheet.get_value((1, 3)), Some(&Data::Float(41.5)));
        assert_eq!(
            sheet.get_value((1, 1)),
            Some(&Data::String("=HYPERLINK(\"x\")".into())),
            "a text stays a text, never a formula"
        );
        match sheet.get_value((1, 0)) {
            Some(Data::DateTime(day)) => {
                // Excel counts days from 1899-12-30: 2026-03-02 is day 46 083.
                assert_eq!(day.as_f64(), 46_083.0);
                assert!(!day.is_duration());
            }
            other => panic!("a date cell expected, found {other:?}"),
        }
        let columns = workbook
            .worksheet_range(COLUMNS_SHEET)
            .expect("columns sheet");
        assert_eq!(
            columns.get_value((3, 1)),
            Some(&Data::String("participants".into()))
        );
        assert_eq!(
            columns.get_value((3, 2)),
            Some(&Data::String("Nombre de personnes".into()))
        );
    }

    #[test]
    fn csv_for_excel_has_a_bom_and_decimal_commas_with_semicolons() {
        let semicolon =
            String::from_utf8(write_csv(&table(), Separator::Semicolon)).expect("utf-8");
        assert!(semicolon.starts_with('\u{feff}'));
        assert_eq!(
            semicolon.lines().nth(1),
            Some("2026-03-02;\"'=HYPERLINK(\"\"x\"\")\";12;41,5")
        );
        let comma = String::from_utf8(write_csv(&table(), Separator::Comma)).expect("utf-8");
        assert_eq!(
            comma.lines().next(),
            Some("\u{feff}date,lieu,participants,taux")
        );
        assert!(comma.contains(",12,41.5"));
    }
}
