//! A value set at a key path of the scenario as parsed (`pool.NAME.count`,
//! `workload.NAME.arrival.rate`, `rules[0]`): how a sweep's point is made
//! without writing the scenario's text and parsing it again.

use std::borrow::Cow;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A scenario parsed once, with its spans in the file: each point of a
/// sweep is a copy with the axis values set in it, read into the schema
/// without writing text and parsing it again (that round trip was a third
/// of a 20,000-point sweep's time). Problems stay located in the file.
pub(super) type Parsed<'a> = Spanned<DeTable<'a>>;

/// The scenario text `src` parsed, without its `[sweep]` (which no point
/// reads); an empty table when it is not TOML (every point is then
/// infeasible with the reason, rather than a panic).
pub(super) fn parsed_without_sweep(src: &str) -> Parsed<'_> {
    let mut root = DeTable::parse(src).unwrap_or_else(|_| Spanned::new(0..0, DeTable::new()));
    root.get_mut().remove("sweep");
    root
}

/// Writes the TOML value `literal` at the key path `key` of `root`.
/// `pool.NAME…` and `workload.NAME…` select the list entry with that name;
/// a missing top-level table (`[quota]`, say) is created. A value takes
/// the place (span) of the one it replaces when `place` is `Replaced`, so
/// that problems are found in the order of the file; a new one (and a new
/// table), where the sweep writes it.
pub(super) fn set<'t>(
    root: &mut DeTable<'t>,
    key: &str,
    literal: &'t str,
    at: Range<usize>,
    place: Place,
) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    let (leaf, path) = parts.split_last().ok_or("an empty key path")?;
    let value = DeValue::parse(literal)
        .map_err(|e| e.message().to_string())?
        .into_inner();
    let to_set = ToSet {
        leaf,
        value,
        at,
        place,
    };
    set_in(root, path, to_set, true)
}

/// Where a value set by a sweep is placed in the file (its problems are
/// located there).
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Place {
    /// Where the value it replaces is written (a new one: in the sweep).
    Replaced,
    /// Where the sweep writes it.
    Sweep,
}

/// A value on its way to its key: the key's last part, the value, where
/// the sweep writes it, where to place it.
struct ToSet<'k, 't> {
    leaf: &'k str,
    value: DeValue<'t>,
    at: Range<usize>,
    place: Place,
}

impl<'t> ToSet<'_, 't> {
    /// The value into `slot`, placed as asked.
    fn replace(self, slot: &mut Spanned<DeValue<'t>>) {
        let at = match self.place {
            Place::Replaced => slot.span(),
            Place::Sweep => self.at,
        };
        *slot = Spanned::new(at, self.value);
    }
}

/// `name[K]` as `(name, Some(K))`, a plain `name` as `(name, None)`; an
/// error for a bracket that is not a whole index.
fn indexed(part: &str) -> Result<(&str, Option<usize>), String> {
    let Some((name, rest)) = part.split_once('[') else {
        return Ok((part, None));
    };
    let index = rest
        .strip_suffix(']')
        .and_then(|i| i.parse::<usize>().ok())
        .ok_or_else(|| {
            format!("`{part}` is not `name[K]` with a whole index K from 0, as in rules[0]")
        })?;
    Ok((name, Some(index)))
}

/// The entry `index` of the list at `item` (of tables, inline or not).
fn entry_of<'i, 't>(
    item: &'i mut DeValue<'t>,
    name: &str,
    index: usize,
) -> Result<&'i mut DeTable<'t>, String> {
    let DeValue::Array(list) = item else {
        return Err(format!(
            "`{name}` is not a list, so `{name}[{index}]` selects nothing"
        ));
    };
    let len = list.len();
    match list.get_mut(index).map(Spanned::get_mut) {
        Some(DeValue::Table(t)) => Ok(t),
        Some(_) => Err(format!("{name}[{index}] is not a table")),
        None => Err(format!(
            "`{name}` has {len} entr{}; {name}[{index}] is past the end (entries count from 0)",
            if len == 1 { "y" } else { "ies" }
        )),
    }
}

fn set_in<'t>(
    table: &mut DeTable<'t>,
    path: &[&str],
    to_set: ToSet<'_, 't>,
    top: bool,
) -> Result<(), String> {
    let (leaf, at) = (to_set.leaf, to_set.at.clone());
    let new_key = |name: &str| Spanned::new(at.clone(), Cow::Owned(name.to_string()));
    match path {
        [] => match indexed(leaf)? {
            (name, None) => {
                match table.get_mut(name) {
                    Some(slot) => to_set.replace(slot),
                    None => {
                        table.insert(new_key(name), Spanned::new(at, to_set.value));
                    }
                }
                Ok(())
            }
            (name, Some(index)) => {
                let Some(DeValue::Array(list)) = table.get_mut(name).map(Spanned::get_mut) else {
                    return Err(format!("there is no list `{name}` to set {leaf} in"));
                };
                let len = list.len();
                let slot = list.get_mut(index).ok_or_else(|| {
                    format!(
                        "`{name}` has {len} values; {leaf} is past the end (values count from 0)"
                    )
                })?;
                to_set.replace(slot);
                Ok(())
            }
        },
        [part @ ("pool" | "workload"), name, rest @ ..] if top => {
            let Some(DeValue::Array(list)) = table.get_mut(*part).map(Spanned::get_mut) else {
                return Err(format!("the scenario has no [[{part}]]"));
            };
            let entry = list
                .iter_mut()
                .find_map(|t| match t.get_mut() {
                    DeValue::Table(t)
                        if t.get("name").and_then(|n| n.get_ref().as_str()) == Some(*name) =>
                    {
                        Some(t)
                    }
                    _ => None,
                })
                .ok_or_else(|| format!("no {part} is named {name:?}"))?;
            set_in(entry, rest, to_set, false)
        }
        [part, rest @ ..] => {
            let (name, index) = indexed(part)?;
            if let Some(index) = index {
                let item = table.get_mut(name).ok_or_else(|| {
                    format!(
                        "there is no `{name}` to select {part} from; add it to the scenario first"
                    )
                })?;
                let inner = entry_of(item.get_mut(), name, index)?;
                return set_in(inner, rest, to_set, false);
            }
            if table.get(*part).is_none() {
                if !top {
                    return Err(format!(
                        "there is no `{part}` to set `{leaf}` in; add it to the scenario first"
                    ));
                }
                let empty = DeValue::Table(DeTable::new());
                table.insert(new_key(part), Spanned::new(at, empty));
            }
            match table.get_mut(*part).map(Spanned::get_mut) {
                Some(DeValue::Table(inner)) => set_in(inner, rest, to_set, false),
                _ => Err(format!("`{part}` is not a table")),
            }
        }
    }
}
