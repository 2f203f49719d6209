//! A plain A4 document of headed sections, with the voucher documents' PDF toolkit: the resource
//! bank's demo memos and mediator guides are written with it (title, then each section's heading and
//! its lines wrapped to the page, new pages as needed).

use super::canvas::{
    document, win_ansi, wrap, Align, Canvas, Font, BLACK, BLUE, MM, PAGE_H, PAGE_W,
};

const MARGIN: f32 = 20.0 * MM;
const LINE: f32 = 15.0;

/// A document of `sections` (a heading and its lines) under `title`, as PDF bytes.
pub fn plain_document(title: &str, sections: &[(&str, Vec<String>)]) -> Vec<u8> {
    let width = PAGE_W - 2.0 * MARGIN;
    let mut pages = Vec::new();
    let mut canvas = Canvas::new();
    let mut y = PAGE_H - MARGIN - 14.0;
    for line in wrap(Font::Bold, 18.0, width, &win_ansi(title), 3) {
        canvas.text(Font::Bold, 18.0, BLUE, (MARGIN, y), Align::Left, &line);
        y -= 24.0;
    }
    for (heading, lines) in sections {
        if y < MARGIN + 4.0 * LINE {
            pages.push(std::mem::replace(&mut canvas, Canvas::new()));
            y = PAGE_H - MARGIN - 14.0;
        }
        y -= 8.0;
        canvas.text(
            Font::Bold,
            13.0,
            BLUE,
            (MARGIN, y),
            Align::Left,
            &win_ansi(heading),
        );
        y -= LINE + 2.0;
        for text in lines {
            for line in wrap(Font::Regular, 12.0, width, &win_ansi(text), 20) {
                if y < MARGIN {
                    pages.push(std::mem::replace(&mut canvas, Canvas::new()));
                    y = PAGE_H - MARGIN - 14.0;
                }
                canvas.text(Font::Regular, 12.0, BLACK, (MARGIN, y), Align::Left, &line);
                y -= LINE;
            }
        }
    }
    pages.push(canvas);
    document(title, pages)
}
