//! `report.html`: the document as one self-contained page.

use std::fmt::Write;

use super::{Block, Document};
use crate::report::chart::Chart;

/// Cells longer than this are prose (a reason, a description): they wrap
/// and read from the left; shorter ones are figures and stay on one line.
const PROSE_CHARS: usize = 24;

/// The report's style sheet: it reads from phone to desktop width (checked
/// in headless Chromium at 360, 800 and 1600 px). Charts scale to the
/// column (their SVG keeps its view box, so its aspect ratio); a table
/// wider than the screen scrolls on its own rather than the page, so a
/// figure with its interval stays on one line instead of breaking in three.
const STYLE: &str = "\
body { font-family: sans-serif; max-width: 1050px; margin: 1em auto; padding: 0 1em; color: #222; line-height: 1.4; overflow-wrap: break-word; }
.table { overflow-x: auto; margin: 1em 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
td { white-space: nowrap; }
th:first-child, td:first-child, td.prose { text-align: left; }
td.prose { white-space: normal; min-width: 14em; }
code { font-size: 0.95em; background: #f3f3f3; padding: 0 0.2em; }
figure { margin: 1.5em 0; }
.chart { overflow-x: auto; }
.chart svg { display: block; width: 100%; min-width: 720px; height: auto; }
.verdict .box { display: inline-block; min-width: 4.5em; text-align: center; font-weight: bold; padding: 0.1em 0.4em; margin-right: 0.5em; border-radius: 3px; color: #fff; }
.verdict.met .box { background: #2e7d32; }
.verdict.missed .box { background: #c62828; }
";

impl Document<'_> {
    /// `report.html`: self-contained, charts inline as SVG.
    pub fn html(&self) -> String {
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
            escape(&self.title),
            escape(&self.title)
        );
        for block in &self.blocks {
            match block {
                Block::Heading(h) => {
                    let _ = writeln!(out, "<h2>{}</h2>", escape(h));
                }
                Block::Para(p) => {
                    let _ = writeln!(out, "<p>{}</p>", inline(p));
                }
                Block::Verdict { met, text } => {
                    let (class, word) = if *met {
                        ("met", "MET")
                    } else {
                        ("missed", "MISSED")
                    };
                    let _ = writeln!(
                        out,
                        "<p class=\"verdict {class}\"><span class=\"box\">{word}</span>{}</p>",
                        inline(text)
                    );
                }
                Block::Table(rows) => out.push_str(&table(rows)),
                Block::Chart(i) => out.push_str(&figure(&self.charts[*i])),
            }
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

/// `s` with the characters HTML reads as markup escaped.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The Markdown the paragraphs use, as HTML: `code` spans (a cron
/// pattern, a command), **emphasis** outside them, and hard line breaks.
fn inline(s: &str) -> String {
    let mut out = String::new();
    for (i, span) in escape(s).split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{span}</code>");
            continue;
        }
        for (j, part) in span.split("**").enumerate() {
            if j % 2 == 1 {
                let _ = write!(out, "<strong>{part}</strong>");
            } else {
                out.push_str(part);
            }
        }
    }
    out.replace("  \n", "<br>\n")
}

/// A table (the first row is the header) in a box that scrolls on its own.
fn table(rows: &[Vec<String>]) -> String {
    let mut out = String::from("<div class=\"table\"><table>\n");
    for (i, row) in rows.iter().enumerate() {
        let tag = if i == 0 { "th" } else { "td" };
        // The first column names the row: it stays on one line whatever
        // its length.
        let cells: String = row
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let prose = i > 0 && k > 0 && c.chars().count() > PROSE_CHARS;
                let class = if prose { " class=\"prose\"" } else { "" };
                format!("<{tag}{class}>{}</{tag}>", escape(c))
            })
            .collect();
        let _ = writeln!(out, "<tr>{cells}</tr>");
    }
    out.push_str("</table></div>\n");
    out
}

/// A chart as a figure: its SVG document minus the XML prologue, inline,
/// with its title as the caption.
fn figure(c: &Chart) -> String {
    let svg = c.svg.trim_start_matches(|ch| ch != '<');
    let svg = if svg.starts_with("<?xml") {
        svg.split_once("?>").map_or(svg, |(_, rest)| rest)
    } else {
        svg
    };
    format!(
        "<figure>\n<div class=\"chart\">\n{}\n</div>\n<figcaption>{}</figcaption>\n</figure>\n",
        svg.trim(),
        escape(&c.title)
    )
}
