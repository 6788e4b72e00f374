//! `--outputs LIST`: which files a command writes. The simulation is the
//! same whatever is asked; what nobody asked for is neither drawn nor
//! written.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;

use super::{BadInput, finish_output, output_dir, write_output, write_output_with};
use crate::cli::OutputArgs;
use crate::report::{self, ChartFormats, Exporter, Kind, OutputDir};

const KINDS: [(&str, Kind); 7] = [
    ("json", Kind::Json),
    ("csv", Kind::Csv),
    ("svg", Kind::Svg),
    ("png", Kind::Png),
    ("html", Kind::Html),
    ("md", Kind::Md),
    ("tasks", Kind::Tasks),
];

/// What `--outputs default` writes. Not the PNGs: `summary.md` links the
/// SVGs then, and drawing and compressing the charts a second time as
/// bitmaps adds about a fifth to a 10^6-task run (BENCHMARKS.md has the
/// figure).
const DEFAULT_KINDS: [Kind; 5] = [Kind::Json, Kind::Csv, Kind::Svg, Kind::Html, Kind::Md];

/// The kinds `--outputs LIST` asks for: comma-separated kinds, `default`,
/// or `none`.
fn kinds(list: &str) -> Result<Vec<Kind>> {
    let items: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .collect();
    // An empty list (an unset variable in a script, say) would write
    // nothing without a word, and `none` beside kinds says two things.
    if items.is_empty() || (items.len() > 1 && items.contains(&"none")) {
        return Err(BadInput(format!(
            "--outputs {list:?}: give one or more of json, csv, svg, png, html, md, tasks, default (json,csv,svg,html,md), or none alone for no files"
        ))
        .into());
    }
    let mut kinds = Vec::new();
    for item in items {
        let asked: &[Kind] = match item {
            "none" => &[],
            "default" => &DEFAULT_KINDS,
            _ => match KINDS.iter().find(|(k, _)| *k == item) {
                Some((_, kind)) => std::slice::from_ref(kind),
                None => {
                    return Err(BadInput(format!(
                        "--outputs {list:?}: {item:?} is not an output; give a comma-separated list of json, csv, svg, png, html, md, tasks, default (json,csv,svg,html,md), or none"
                    ))
                    .into());
                }
            },
        };
        for kind in asked {
            if !kinds.contains(kind) {
                kinds.push(*kind);
            }
        }
    }
    Ok(kinds)
}

/// The kinds asked for, refusing `tasks` for `command`, which writes no
/// `tasks.csv`.
pub(super) fn kinds_without_tasks(args: &OutputArgs, command: &str) -> Result<Vec<Kind>> {
    let list = &args.outputs;
    let kinds = kinds(list)?;
    if kinds.contains(&Kind::Tasks) {
        return Err(BadInput(format!(
            "--outputs {list:?}: {command} writes no tasks.csv (run and check do); drop tasks from the list"
        ))
        .into());
    }
    Ok(kinds)
}

/// Refuses a list of which `command` writes nothing of its exporter list
/// `list`: the folder would be emptied of the previous results and called
/// written (or hold only the files named from the results, which are
/// written whatever is asked for).
pub(super) fn check_writes_some<W>(
    args: &OutputArgs,
    command: &str,
    list: &[Exporter<W>],
) -> Result<()> {
    let writes: Vec<Kind> = list.iter().flat_map(Exporter::kinds).collect();
    let kinds = kinds(&args.outputs)?;
    if kinds.is_empty() || kinds.iter().any(|k| writes.contains(k)) {
        return Ok(());
    }
    let names: Vec<&str> = KINDS
        .iter()
        .filter(|(_, k)| writes.contains(k))
        .map(|(name, _)| *name)
        .collect();
    let named = if list.iter().any(|e| matches!(e, Exporter::Named)) {
        " (and, whatever --outputs asks for, the files named from its results: recommended*.toml and the like)"
    } else {
        ""
    };
    Err(BadInput(format!(
        "--outputs {:?}: {command} writes none of these; it writes {}{named}",
        args.outputs,
        names.join(", ")
    ))
    .into())
}

/// Draws a command's charts (the `Exporter::Charts` step).
pub(super) type Draw<'a> = Box<dyn FnOnce() -> Result<Vec<report::Chart>> + 'a>;

/// Makes a command's document of its charts (the `Exporter::Document`
/// step).
pub(super) type MakeDocument<'a> =
    Box<dyn for<'c> FnOnce(&'c [report::Chart]) -> report::Document<'c> + 'a>;

/// What the steps of an exporter list other than its own files write
/// from; a list without a step leaves it out. The charts and the document
/// are made only when their step comes and something of them is asked
/// for.
#[derive(Default)]
pub(super) struct Steps<'a> {
    /// The files named from the results (`Exporter::Named`): names and
    /// texts.
    pub named: Vec<(String, String)>,
    /// Draws the charts (`Exporter::Charts`).
    pub draw: Option<Draw<'a>>,
    /// Makes the document of the charts (`Exporter::Document`).
    pub document: Option<MakeDocument<'a>>,
}

/// The kinds asked for, and the folder they go to (none when nothing is
/// asked for: `--outputs none` makes no folder).
pub(super) struct Outputs {
    kinds: Vec<Kind>,
    dir: Option<OutputDir>,
    /// Whether `report.html` was written (what the last note points to).
    report: AtomicBool,
}

impl Outputs {
    /// Parses `--outputs` and prepares the folder when anything is to be
    /// written (refusing, with `--no-wait`, to wait for another writer of
    /// it). A command with a folder of its own (`sub`: sweep, plan) runs
    /// many configurations: one log of runs has no meaning there.
    pub(super) fn prepare(
        args: &OutputArgs,
        out: Option<&Path>,
        name: &str,
        sub: Option<&str>,
    ) -> Result<Outputs> {
        let kinds = match sub {
            Some(command) => kinds_without_tasks(args, command)?,
            None => kinds(&args.outputs)?,
        };
        let dir = if kinds.is_empty() {
            None
        } else {
            Some(output_dir(out, name, sub, args.no_wait)?)
        };
        Ok(Outputs {
            kinds,
            dir,
            report: AtomicBool::new(false),
        })
    }

    /// Refuses to write over any of `inputs`, the files the command reads
    /// (see `OutputDir::protect`): at once when the previous set holds one.
    pub(super) fn protect(mut self, inputs: &[PathBuf]) -> Result<Outputs> {
        if let Some(dir) = &mut self.dir {
            dir.protect(inputs)?;
        }
        Ok(self)
    }

    /// The folder for a sweep shard's files, which merge needs whatever
    /// `--outputs` says.
    pub(super) fn dir_for_shard(&self) -> Result<&OutputDir> {
        self.dir.as_ref().ok_or_else(|| {
            BadInput(
                "a shard writes sweep.csv and sweep.json for merge: drop --outputs none".into(),
            )
            .into()
        })
    }

    /// Whether files of `kind` are written.
    pub(super) fn wants(&self, kind: Kind) -> bool {
        self.kinds.contains(&kind)
    }

    /// The chart formats to draw: SVG for the SVG files and for
    /// `report.html`, which inlines them; PNG for the PNG files.
    pub(super) fn chart_formats(&self) -> ChartFormats {
        ChartFormats {
            svg: self.wants(Kind::Svg) || self.wants(Kind::Html),
            png: self.wants(Kind::Png),
        }
    }

    /// Whether any chart is drawn.
    pub(super) fn draws_charts(&self) -> bool {
        let f = self.chart_formats();
        f.svg || f.png
    }

    /// The chart files `summary.md` links to: PNG when written, else SVG.
    pub(super) fn markdown_charts(&self) -> Option<&'static str> {
        if self.wants(Kind::Png) {
            Some("png")
        } else if self.wants(Kind::Svg) {
            Some("svg")
        } else {
            None
        }
    }

    /// Writes `bytes` as `name` when `kind` is asked for.
    pub(super) fn write(&self, kind: Kind, name: &str, bytes: &[u8]) -> Result<()> {
        match &self.dir {
            Some(dir) if self.wants(kind) => write_output(dir, name, bytes).map(|_| ()),
            _ => Ok(()),
        }
    }

    /// Writes `name` whatever kinds are asked for, when there is a folder
    /// (files a command exists to make, such as plan's recommendation).
    pub(super) fn write_always(&self, name: &str, bytes: &[u8]) -> Result<()> {
        match &self.dir {
            Some(dir) => write_output(dir, name, bytes).map(|_| ()),
            None => Ok(()),
        }
    }

    /// The folder, when anything is written.
    pub(super) fn dir(&self) -> Option<&Path> {
        self.dir.as_ref().map(OutputDir::path)
    }

    /// A scratch file beside the outputs, never one of them (see
    /// `OutputDir::scratch`); only asked for when there is a folder.
    pub(super) fn scratch(&self) -> std::io::Result<tempfile::NamedTempFile> {
        match &self.dir {
            Some(dir) => dir.scratch(),
            None => Err(std::io::Error::other("no output folder")),
        }
    }

    /// Writes `name` from what `fill` streams, when `kind` is asked for.
    pub(super) fn write_with(
        &self,
        kind: Kind,
        name: &str,
        fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<()> {
        match &self.dir {
            Some(dir) if self.wants(kind) => write_output_with(dir, name, fill).map(|_| ()),
            _ => Ok(()),
        }
    }

    /// Writes `summary.md` and `report.html`, as asked, from the document
    /// `doc` makes (only made when either is asked for).
    pub(super) fn write_document<'a>(
        &self,
        doc: impl FnOnce() -> report::Document<'a>,
    ) -> Result<()> {
        if !(self.wants(Kind::Md) || self.wants(Kind::Html)) {
            return Ok(());
        }
        let doc = doc();
        let md = self.markdown_charts();
        self.write_with(Kind::Md, "summary.md", |w| doc.write_markdown(w, md))?;
        self.write_with(Kind::Html, "report.html", |w| doc.write_html(w))?;
        self.report.store(
            self.dir.is_some() && self.wants(Kind::Html),
            Ordering::Relaxed,
        );
        Ok(())
    }

    /// Writes the files of `exporters`, in their order, as asked: each
    /// file by `write`, and the steps of `steps`.
    pub(super) fn export<W>(
        &self,
        exporters: &[Exporter<W>],
        write: impl Fn(&W, &mut dyn Write) -> std::io::Result<()>,
        steps: Steps<'_>,
    ) -> Result<()> {
        let Steps {
            named,
            draw,
            mut document,
        } = steps;
        // The charts are drawn first, though written in their place: a
        // run's keep their SVG in a scratch file, so the largest chart's
        // text (21.5 MB for 1,000 pools) is gone before the largest file's
        // (summary.json) is made.
        let charts_listed = exporters.iter().any(|e| matches!(e, Exporter::Charts));
        let charts = match draw {
            Some(draw) if charts_listed && self.draws_charts() => draw()?,
            _ => Vec::new(),
        };
        for e in exporters {
            match e {
                Exporter::File {
                    name,
                    kind,
                    write: w,
                } => {
                    self.write_with(*kind, name, |out| write(w, out))?;
                }
                Exporter::Named => {
                    for (name, text) in &named {
                        self.write_always(name, text.as_bytes())?;
                    }
                }
                Exporter::Charts => self.write_charts(&charts)?,
                Exporter::Document => {
                    if let Some(doc) = document.take() {
                        self.write_document(|| doc(&charts))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes each chart as NAME.svg and NAME.png, as asked.
    pub(super) fn write_charts(&self, charts: &[report::Chart]) -> Result<()> {
        for c in charts {
            self.write_with(Kind::Svg, &format!("{}.svg", c.name), |w| c.svg.write_to(w))?;
            self.write(Kind::Png, &format!("{}.png", c.name), &c.png)?;
        }
        Ok(())
    }

    /// Ends the writing and, unless `quiet`, says where the files went and,
    /// when there is one, where to read the report (one note for every
    /// command).
    pub(super) fn finish_noted(self, quiet: bool) -> Result<()> {
        let report = self.report.load(Ordering::Relaxed);
        match (self.finish()?, quiet) {
            (Some(dir), false) if report => note!(
                "wrote {}; open {} to read the report",
                dir.display(),
                dir.join("report.html").display()
            ),
            (Some(dir), false) => note!("wrote {}", dir.display()),
            _ => {}
        }
        Ok(())
    }

    /// Ends the writing; returns the folder, when there is one.
    pub(super) fn finish(self) -> Result<Option<std::path::PathBuf>> {
        match self.dir {
            Some(dir) => {
                let path = dir.path().to_path_buf();
                finish_output(dir)?;
                Ok(Some(path))
            }
            None => Ok(None),
        }
    }
}
