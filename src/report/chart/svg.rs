//! A chart's SVG document, held in memory only while it is drawn: a
//! command drawing many charts (a heat map per pool) moves each one to a
//! scratch file as soon as it is done, and the chart's file and
//! `report.html` copy it from there, so that memory holds the charts being
//! drawn, not every chart of the run (1,000 pools' charts take 35 MB).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;

/// Where the document's bytes are.
#[derive(Debug)]
enum Text {
    Memory(String),
    /// A scratch file holding the document from its start.
    Spilled(File),
}

/// An SVG document, and the part of it `report.html` inlines.
#[derive(Debug)]
pub struct Svg {
    text: Text,
    /// The document's length in bytes.
    len: u64,
    /// The bytes `report.html` inlines: the document without an XML
    /// prologue (an `<svg>` element inside HTML takes none) and without
    /// the white space around it.
    inline: Range<u64>,
}

impl Svg {
    /// The document `text`, in memory.
    pub(super) fn new(text: String) -> Svg {
        let inline = inline_range(&text);
        Svg {
            len: text.len() as u64,
            text: Text::Memory(text),
            inline,
        }
    }

    /// Moves the document to the empty scratch file `file` makes (the
    /// caller's: beside the outputs, so on their disk), and lets go of its
    /// memory; nothing when there is no document (SVG not asked for).
    pub fn spill(&mut self, file: impl FnOnce() -> io::Result<File>) -> io::Result<()> {
        if let Text::Memory(text) = &self.text
            && !text.is_empty()
        {
            let mut file = file()?;
            file.write_all(text.as_bytes())?;
            self.text = Text::Spilled(file);
        }
        Ok(())
    }

    /// Writes the whole document (the chart's `.svg` file).
    pub fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
        self.copy(0..self.len, out)
    }

    /// Writes the part `report.html` inlines (see `inline`).
    pub fn write_inline(&self, out: &mut dyn Write) -> io::Result<()> {
        self.copy(self.inline.clone(), out)
    }

    /// The whole document as text (for tests and small charts: it reads a
    /// spilled document back into memory).
    pub fn text(&self) -> io::Result<String> {
        let mut bytes = Vec::new();
        self.write_to(&mut bytes)?;
        String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    fn copy(&self, range: Range<u64>, out: &mut dyn Write) -> io::Result<()> {
        match &self.text {
            Text::Memory(text) => {
                out.write_all(&text.as_bytes()[range.start as usize..range.end as usize])
            }
            Text::Spilled(file) => {
                // A handle of its own: the copy moves its offset, not the
                // scratch file's (a `&File` reads and seeks the same way).
                let mut file = file;
                file.seek(SeekFrom::Start(range.start))?;
                let copied = io::copy(&mut file.take(range.end - range.start), out)?;
                if copied == range.end - range.start {
                    Ok(())
                } else {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "a chart's scratch file is shorter than the chart",
                    ))
                }
            }
        }
    }
}

/// The byte range of `svg` that `report.html` inlines: from the first
/// `<`, past an XML prologue, white space trimmed at both ends.
fn inline_range(svg: &str) -> Range<u64> {
    let from_tag = svg.trim_start_matches(|ch| ch != '<');
    let body = if from_tag.starts_with("<?xml") {
        from_tag.split_once("?>").map_or(from_tag, |(_, rest)| rest)
    } else {
        from_tag
    };
    let trimmed = body.trim();
    // Offsets of a subslice within `svg`.
    let start = trimmed.as_ptr() as usize - svg.as_ptr() as usize;
    start as u64..(start + trimmed.len()) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inline(svg: &Svg) -> String {
        let mut out = Vec::new();
        svg.write_inline(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The inlined part drops the prologue and the white space around the
    /// element, the same from memory and from the scratch file.
    #[test]
    fn the_inlined_part_is_the_element_alone_in_memory_or_spilled() {
        let doc = "\u{feff}<?xml version=\"1.0\"?>\n<svg a=\"1\">\n<rect/>\n</svg>\n";
        let mut svg = Svg::new(doc.to_string());
        assert_eq!(inline(&svg), "<svg a=\"1\">\n<rect/>\n</svg>");
        assert_eq!(svg.text().unwrap(), doc);
        svg.spill(tempfile::tempfile).unwrap();
        assert!(matches!(svg.text, Text::Spilled(_)));
        assert_eq!(inline(&svg), "<svg a=\"1\">\n<rect/>\n</svg>");
        assert_eq!(svg.text().unwrap(), doc, "read twice, from the start");
        assert_eq!(inline(&Svg::new(String::new())), "");
    }
}
