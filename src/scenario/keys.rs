//! Which keys a scenario table sets, and the key sets a table must match:
//! the messages that name the keys a process or distribution takes.

use super::raw::{RawDist, S};
use super::validate::Ctx;

/// Byte offset of an optional spanned value.
pub(super) fn at<T>(v: &Option<S<T>>) -> Option<usize> {
    v.as_ref().map(|s| s.span().start)
}

/// Flags every present key that `allowed` does not list.
pub(super) fn only(
    cx: &mut Ctx,
    key: &str,
    what: &str,
    present: &[(&str, Option<usize>)],
    allowed: &[&str],
) {
    for (name, offset) in present {
        if offset.is_some() && !allowed.contains(name) {
            cx.issue_at(
                *offset,
                &format!("{key}.{name}"),
                format!(
                    "`{name}` does not apply to {what}, which takes {{{}}}; remove it",
                    allowed.join(", ")
                ),
            );
        }
    }
}

/// The keys of a distribution table that are set.
pub(super) fn given(d: &RawDist) -> Vec<(&'static str, Option<usize>)> {
    [
        ("value", at(&d.value)),
        ("mean", at(&d.mean)),
        ("cv", at(&d.cv)),
        ("median", at(&d.median)),
        ("p95", at(&d.p95)),
        ("min", at(&d.min)),
        ("max", at(&d.max)),
        ("values", at(&d.values)),
        ("file", at(&d.file)),
    ]
    .into_iter()
    .filter(|(_, o)| o.is_some())
    .collect()
}

/// The parameter set of `kind` that `d` matches exactly, or an issue.
pub(super) fn shape<'s>(
    cx: &mut Ctx,
    raw: &S<RawDist>,
    key: &str,
    kind: &str,
    shapes: &'s [&'s [&'s str]],
) -> Option<&'s [&'s str]> {
    let names: Vec<&str> = given(raw.get_ref()).into_iter().map(|(n, _)| n).collect();
    let found = shapes
        .iter()
        .find(|s| s.len() == names.len() && s.iter().all(|k| names.contains(k)));
    if found.is_none() {
        let want: Vec<String> = shapes
            .iter()
            .map(|s| format!("{{{}}}", s.join(", ")))
            .collect();
        cx.issue(
            Some(raw),
            key,
            format!(
                "{kind} takes {}, but got {{{}}}",
                want.join(" or "),
                names.join(", ")
            ),
        );
    }
    found.copied()
}
