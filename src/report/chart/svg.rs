//! A chart's SVG document, held in memory only while it is drawn: a
//! command drawing many charts (a heat map per pool) moves each one to a
//! scratch file as soon as it is done (`SvgSpill`), and the chart's file
//! and `report.html` copy it from there, so that memory holds the charts
//! being drawn, not every chart of the run (1,000 pools' charts take
//! 35 MB).

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};

/// Copied a piece at a time: few enough system calls for 1,000 pools'
/// charts (35 MB, twice), little enough memory.
const COPY_CHUNK: usize = 256 << 10;

/// Where the documents of a command's charts go once drawn: one scratch
/// file they are appended to, whichever thread drew them (a file per
/// chart made a thousand files for as many pools).
#[derive(Debug, Clone)]
pub struct SvgSpill(Arc<Mutex<tempfile::NamedTempFile>>);

impl SvgSpill {
    /// Appends to `file`, an empty scratch file (the caller's: beside the
    /// outputs, so on their disk), removed with the last chart kept in it.
    pub fn new(file: tempfile::NamedTempFile) -> SvgSpill {
        SvgSpill(Arc::new(Mutex::new(file)))
    }

    /// The file, for one append or one read at a time.
    fn lock(&self) -> std::sync::MutexGuard<'_, tempfile::NamedTempFile> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where the document's bytes are.
#[derive(Debug)]
enum Text {
    Memory(String),
    /// In the spill file from offset `at`.
    Spilled {
        spill: SvgSpill,
        at: u64,
    },
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

    /// Moves the document to the end of `spill` and lets go of its
    /// memory; nothing when there is no document (SVG not asked for).
    pub fn spill(&mut self, spill: &SvgSpill) -> io::Result<()> {
        if let Text::Memory(text) = &self.text
            && !text.is_empty()
        {
            // Through the file itself: the temporary file's own errors
            // name its path, a scratch name the user never chose.
            let mut guard = spill.lock();
            let file = guard.as_file_mut();
            let at = file.seek(SeekFrom::End(0))?;
            file.write_all(text.as_bytes())?;
            let spill = spill.clone();
            self.text = Text::Spilled { spill, at };
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
        let (from, len) = (range.start as usize, (range.end - range.start) as usize);
        match &self.text {
            Text::Memory(text) => out.write_all(&text.as_bytes()[from..from + len]),
            Text::Spilled { spill, at } => {
                let mut guard = spill.lock();
                let file = guard.as_file_mut();
                file.seek(SeekFrom::Start(at + range.start))?;
                let mut buf = vec![0; len.min(COPY_CHUNK)];
                let mut left = len;
                while left > 0 {
                    let piece = &mut buf[..left.min(COPY_CHUNK)];
                    file.read_exact(piece)?;
                    out.write_all(piece)?;
                    left -= piece.len();
                }
                Ok(())
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
        let spill = SvgSpill::new(tempfile::NamedTempFile::new().unwrap());
        let mut before = Svg::new("<svg/>".into());
        before.spill(&spill).unwrap();
        svg.spill(&spill).unwrap();
        assert!(matches!(svg.text, Text::Spilled { at: 6, .. }));
        assert_eq!(inline(&svg), "<svg a=\"1\">\n<rect/>\n</svg>");
        assert_eq!(svg.text().unwrap(), doc, "read twice, from its start");
        assert_eq!(before.text().unwrap(), "<svg/>");
        assert_eq!(inline(&Svg::new(String::new())), "");
    }
}
