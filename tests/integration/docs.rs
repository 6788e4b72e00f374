//! The README and the user guide in `docs/` (issue 30, item 8): the README
//! stays a page a newcomer can hold, its commands are the ones CI runs, and
//! every relative link and image of both resolves, anchors included, so a
//! section moved between pages cannot leave a dead link behind; and the
//! crate's module docs list the layers CI checks.

use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::support::scenarios_dir;

fn root() -> PathBuf {
    scenarios_dir()
        .parent()
        .expect("the repository")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of `text` from the first `start` up to the next `end`.
fn between<'a>(text: &'a str, start: &str, end: &str, what: &str) -> &'a str {
    let rest = text.split_once(start).expect(what).1;
    rest.split(end).next().unwrap_or(rest)
}

/// The README and every page of the guide.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md")];
    let mut guide: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    guide.sort();
    pages.extend(guide);
    pages
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces
/// as hyphens.
fn slug(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The anchors of a page's headings and the targets of its links and images.
fn anchors_and_links(text: &str) -> (Vec<String>, Vec<String>) {
    let (mut anchors, mut links) = (Vec::new(), Vec::new());
    let mut heading: Option<String> = None;
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => anchors.extend(heading.take().map(|h| slug(&h))),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                links.push(dest_url.to_string())
            }
            _ => {}
        }
    }
    (anchors, links)
}

#[test]
fn every_relative_link_of_the_readme_and_the_guide_resolves() {
    let mut checked = 0;
    for page in pages() {
        let (own_anchors, links) = anchors_and_links(&read(&page));
        for link in links.iter().filter(|l| !l.contains("://")) {
            let (file, anchor) = link.split_once('#').unwrap_or((link, ""));
            let target = page.parent().expect("a folder").join(file);
            assert!(target.exists(), "{}: {link} is missing", page.display());
            if !anchor.is_empty() {
                let anchors = if file.is_empty() {
                    own_anchors.clone()
                } else {
                    anchors_and_links(&read(&target)).0
                };
                assert!(
                    anchors.iter().any(|a| a == anchor),
                    "{}: {link}: no such heading in {}",
                    page.display(),
                    target.display()
                );
            }
            checked += 1;
        }
    }
    assert!(
        checked > 20,
        "only {checked} links: the guide is not linked"
    );
}

#[test]
fn the_readme_is_short_and_links_every_page_of_the_guide() {
    let readme = read(&root().join("README.md"));
    let lines = readme.lines().count();
    assert!(lines < 400, "README.md has {lines} lines");
    let index = read(&root().join("docs/README.md"));
    for page in pages().iter().skip(1) {
        let name = page.file_name().expect("a name").to_string_lossy();
        if name != "README.md" {
            assert!(
                index.contains(&format!("]({name})")),
                "docs/README.md misses {name}"
            );
        }
    }
    assert!(
        readme.contains("](docs/README.md)"),
        "the README links the guide"
    );
}

/// The README's two commands: the test command is the one `.ci/run` runs,
/// and the run command names a bundled scenario.
#[test]
fn the_readme_commands_are_the_ones_ci_runs() {
    let readme = read(&root().join("README.md"));
    let ci = read(&root().join(".ci/run"));
    let block = between(&readme, "```sh\n", "```", "the quick start's commands");
    let test = block
        .lines()
        .find(|l| l.starts_with("cargo test"))
        .and_then(|l| l.split("  #").next())
        .expect("the test command")
        .trim();
    assert!(
        ci.lines().any(|l| l == test),
        ".ci/run does not run `{test}`"
    );
    let run = block
        .lines()
        .find(|l| l.starts_with("cargo run --release -- run "))
        .expect("the run command");
    let scenario = run.split_whitespace().nth(5).expect("a scenario");
    assert!(root().join(scenario).is_file(), "{scenario} is not bundled");
}

/// The README's summary of the exit codes names each code of the guide's
/// table, and no other.
#[test]
fn the_readme_names_the_exit_codes_of_the_guides_table() {
    let limits = read(&root().join("docs/limits.md"));
    let mut in_section = false;
    let mut codes = Vec::new();
    for line in limits.lines() {
        if line.starts_with('#') {
            in_section = line == "## Exit codes";
        } else if in_section && line.starts_with("| `") {
            codes.push(line.split('`').nth(1).expect("a code").to_string());
        }
    }
    assert_eq!(codes, ["0", "1", "2", "130"], "docs/limits.md, Exit codes");
    let readme = read(&root().join("README.md"));
    let summary = between(&readme, "Exit codes: ", "\n\n", "the README's exit codes");
    let named: Vec<&str> = summary.split('`').skip(1).step_by(2).collect();
    let named: Vec<&str> = named
        .into_iter()
        .filter(|c| c.parse::<u8>().is_ok())
        .collect();
    assert_eq!(named, codes, "README.md, Commands");
}

/// `src/lib.rs`'s module docs list the layers `.ci/layers.allow` enforces,
/// in its order, one bullet a layer: a layer added or moved there must be
/// described here too.
#[test]
fn the_crate_docs_list_the_layers_ci_checks() {
    let allow: Vec<Vec<String>> = read(&root().join(".ci/layers.allow"))
        .lines()
        .filter_map(|l| l.strip_prefix("layer "))
        .map(|l| l.split_whitespace().map(String::from).collect())
        .collect();
    let documented: Vec<Vec<String>> = read(&root().join("src/lib.rs"))
        .lines()
        .filter_map(|l| l.strip_prefix("//! - "))
        .map(|l| {
            let names = l.split(':').next().unwrap_or("");
            names
                .split('`')
                .skip(1)
                .step_by(2)
                .map(String::from)
                .collect()
        })
        .collect();
    assert_eq!(documented, allow, "src/lib.rs against .ci/layers.allow");
}
