//! Names: what a scenario, pool and workload name may hold (they name
//! folders, files, table rows and key paths), and names used twice.

use std::collections::HashMap;

use super::raw::S;
use super::validate::Ctx;

/// What [`is_valid_name`] asks of a scenario name, for messages.
pub const NAME_RULE: &str = "names the output folder, so it takes 1 to 64 letters, digits, '.', '_' or '-' and does not start with '.'";

/// Whether `name` is safe as a scenario name (it names a folder under
/// `output/`): 1 to 64 letters, digits, `.`, `_` or `-`, not starting with `.`.
pub fn is_valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// Why `name` cannot name a workload, if it cannot: names head table rows
/// and key paths, so characters that break a line or reorder the text
/// around them (bidirectional controls, the "Trojan Source" trick) are
/// refused.
pub(super) fn name_problem(name: &str) -> Option<&'static str> {
    if name.chars().any(char::is_control) {
        Some(
            "contains a control character (a NUL, newline or tab, say), which breaks tables and messages",
        )
    } else if name.chars().any(is_bidi_control) {
        Some(
            "contains a bidirectional-text control, which reorders the text that tables and messages show",
        )
    } else {
        None
    }
}

/// Whether `c` is a bidirectional-text control (the "Trojan Source" trick).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `name` with every character `name_problem` refuses replaced by `-`: a
/// workload name that validates, for names that come from elsewhere (an
/// import's task names).
pub fn safe_workload_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                '-'
            } else {
                c
            }
        })
        .collect()
}

/// `name` as it may stand in a key path: itself, or quoted with escapes
/// when it holds characters that would break the message.
pub(super) fn shown_name(name: &str) -> String {
    if name_problem(name).is_some() {
        format!("{name:?}")
    } else {
        name.to_string()
    }
}

/// A file stem made safe as a scenario name.
pub fn name_from_stem(stem: &str) -> String {
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    let name = name.trim_start_matches('.');
    if name.is_empty() {
        "scenario".to_string()
    } else {
        name.to_string()
    }
}

/// Names used twice are refused; with `case_blind`, names differing only
/// by case too (a pool's name becomes a chart's file name, and macOS and
/// Windows file systems do not tell `Builders` from `builders`).
pub(super) fn check_unique<'a>(
    cx: &mut Ctx,
    names: impl Iterator<Item = &'a S<String>>,
    what: &str,
    case_blind: bool,
) {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for n in names {
        let name = n.get_ref().as_str();
        let key = if case_blind {
            name.to_lowercase()
        } else {
            name.to_string()
        };
        let Some(first) = seen.get(&key).copied() else {
            seen.insert(key, name);
            continue;
        };
        let message = if first == name {
            format!("the {what} name {name:?} is used twice; give each {what} its own name")
        } else {
            format!(
                "the {what} names {first:?} and {name:?} differ only by case; their chart files would collide on case-insensitive file systems (macOS, Windows): rename one"
            )
        };
        cx.issue(
            Some(n),
            &format!("{what}.{}.name", shown_name(name)),
            message,
        );
    }
}
