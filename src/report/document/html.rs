//! `report.html`: the document as one self-contained page.

use std::fmt::Write as _;
use std::io::{self, Write};

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
    /// Writes `report.html`: self-contained, charts inline as SVG, each
    /// copied from where it is kept (see `Svg`) rather than gathered into
    /// one text (1,000 pools' report is 47 MB).
    pub fn write_html(&self, out: &mut dyn Write) -> io::Result<()> {
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
            escape(&self.title),
            escape(&self.title)
        )?;
        for block in &self.blocks {
            match block {
                Block::Heading(h) => writeln!(out, "<h2>{}</h2>", escape(h))?,
                Block::Para(p) => writeln!(out, "<p>{}</p>", inline(p))?,
                Block::Verdict { met, text } => {
                    let (class, word) = if *met {
                        ("met", "MET")
                    } else {
                        ("missed", "MISSED")
                    };
                    writeln!(
                        out,
                        "<p class=\"verdict {class}\"><span class=\"box\">{word}</span>{}</p>",
                        inline(text)
                    )?;
                }
                Block::Table(rows) => table(rows, out)?,
                Block::Chart(i) => figure(&self.charts[*i], out)?,
            }
        }
        out.write_all(b"</body>\n</html>\n")
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
fn table(rows: &[Vec<String>], out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"<div class=\"table\"><table>\n")?;
    for (i, row) in rows.iter().enumerate() {
        let tag = if i == 0 { "th" } else { "td" };
        out.write_all(b"<tr>")?;
        // The first column names the row: it stays on one line whatever
        // its length.
        for (k, c) in row.iter().enumerate() {
            let prose = i > 0 && k > 0 && c.chars().count() > PROSE_CHARS;
            let class = if prose { " class=\"prose\"" } else { "" };
            write!(out, "<{tag}{class}>{}</{tag}>", escape(c))?;
        }
        out.write_all(b"</tr>\n")?;
    }
    out.write_all(b"</table></div>\n")
}

/// A chart as a figure: its SVG element inline (see `Svg::write_inline`),
/// with its title as the caption.
fn figure(c: &Chart, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"<figure>\n<div class=\"chart\">\n")?;
    c.svg.write_inline(out)?;
    writeln!(
        out,
        "\n</div>\n<figcaption>{}</figcaption>\n</figure>",
        escape(&c.title)
    )
}
