//! The timeline page: one self-contained HTML file (no network access, no external
//! script), its data embedded as JSON and drawn on a canvas by an inline script
//! (`page.html`, `page.js` beside this file).
//!
//! The page is a pure function of the timeline and the trace text: the same run gives
//! the same bytes. Its size stays under [`PAGE_BYTES_MAX`] (see [`super::window`]).

use super::data::Data;
use super::window::{Bounds, PAGE_BYTES_MAX};
use super::Timeline;

const TEMPLATE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("page.js");

/// The page of `timeline`, whose records' lines are in `text` (the trace's rendering),
/// under [`Bounds::PAGE`] and [`PAGE_BYTES_MAX`].
pub fn page(timeline: &Timeline, text: &str) -> String {
    page_within(timeline, text, Bounds::PAGE, PAGE_BYTES_MAX)
}

/// The page under `bounds`, halving its caps until it is at most `bytes_max` long (or
/// they reach their floor of 1,000 records and operations).
pub fn page_within(timeline: &Timeline, text: &str, bounds: Bounds, bytes_max: usize) -> String {
    let mut bounds = bounds;
    loop {
        let html = render(timeline, text, &bounds);
        let floor = bounds.halved() == bounds;
        if html.len() <= bytes_max || floor {
            return html;
        }
        bounds = bounds.halved();
    }
}

/// The page with exactly these caps.
fn render(timeline: &Timeline, text: &str, bounds: &Bounds) -> String {
    // `<` is escaped so that no string can close the script element.
    let data = serde_json::to_string(&Data::new(timeline, text, bounds))
        .expect("the page's data serialises")
        .replace('<', "\\u003c");
    let (head, rest) = TEMPLATE.split_once("@TITLE@").expect("a title marker");
    let (body, tail) = rest.split_once("@DATA@").expect("a data marker");
    let (between, end) = tail.split_once("@SCRIPT@").expect("a script marker");
    let title = escape_html(&timeline.title);
    let mut out = String::with_capacity(TEMPLATE.len() + SCRIPT.len() + data.len() + title.len());
    for part in [head, &title, body, &data, between, SCRIPT, end] {
        out.push_str(part);
    }
    out
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
