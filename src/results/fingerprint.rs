//! What identifies a sweep, so that `merge` joins only shards of one sweep
//! and, when it refuses, says what differs; and the checksum that
//! fingerprints and shard rows are made of.

use std::collections::BTreeMap;

/// FNV-1a (64 bits) over `parts`, each closed by a separator byte: a
/// stable, dependency-free checksum for fingerprints and shard rows (it
/// catches edits and damage; nothing here is secret, so a forger could
/// recompute any checksum).
pub fn checksum(parts: &[&[u8]]) -> String {
    let mut h = Checksum::default();
    for part in parts {
        h.update(part);
        h.update(&[0xff]);
    }
    h.hex()
}

/// `checksum` fed piece by piece (a large data file, streamed).
#[derive(Debug, Clone, Copy)]
pub struct Checksum(u64);

impl Default for Checksum {
    fn default() -> Checksum {
        Checksum(0xcbf2_9ce4_8422_2325)
    }
}

impl Checksum {
    /// Adds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// The checksum so far, as 16 hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The parts that change a point's result (poolcast version, scenario
/// text, data files, seed, replications, precision settings), each as a
/// value where a person can read one (`seed = 7`) or a checksum (the
/// scenario text), and the checksum of them all, which is what `merge`
/// compares.
#[derive(Debug, Clone, Default)]
pub struct Fingerprint {
    hash: String,
    /// Empty in a `sweep.json` of an older poolcast, which kept the
    /// checksum only.
    parts: BTreeMap<String, String>,
}

/// Equal when the checksums are: the parts only explain a difference.
impl PartialEq for Fingerprint {
    fn eq(&self, other: &Fingerprint) -> bool {
        self.hash == other.hash
    }
}

impl Fingerprint {
    /// The fingerprint of `parts` (name, value).
    pub fn of<'a>(parts: impl IntoIterator<Item = (&'a str, String)>) -> Fingerprint {
        Fingerprint::from_parts(
            parts
                .into_iter()
                .map(|(name, value)| (name.to_string(), value))
                .collect(),
        )
    }

    /// This fingerprint with one more part.
    pub fn with(&self, name: &str, value: String) -> Fingerprint {
        let mut parts = self.parts.clone();
        parts.insert(name.to_string(), value);
        Fingerprint::from_parts(parts)
    }

    fn from_parts(parts: BTreeMap<String, String>) -> Fingerprint {
        let text: Vec<String> = parts.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let bytes: Vec<&[u8]> = text.iter().map(|t| t.as_bytes()).collect();
        Fingerprint {
            hash: checksum(&bytes),
            parts,
        }
    }

    /// As read from a `sweep.json`.
    pub(super) fn read(hash: String, parts: BTreeMap<String, String>) -> Fingerprint {
        Fingerprint { hash, parts }
    }

    /// The checksum, as `sweep.json` keeps it.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The parts, as `sweep.json` keeps them.
    pub fn parts(&self) -> &BTreeMap<String, String> {
        &self.parts
    }

    /// What differs in `other` (a later shard) from this one (the first),
    /// for a refusal: `seed: 7 in the first, 8 in this one`, `the
    /// scenario text`, … Checksums are named, not shown. `None` when it
    /// cannot tell (an older `sweep.json` has no parts).
    pub fn differences(&self, other: &Fingerprint) -> Option<String> {
        if self.parts.is_empty() || other.parts.is_empty() {
            return None;
        }
        let names: std::collections::BTreeSet<&String> =
            self.parts.keys().chain(other.parts.keys()).collect();
        let unset = "not set".to_string();
        let differ: Vec<String> = names
            .into_iter()
            .filter_map(|name| {
                let (a, b) = (
                    self.parts.get(name).unwrap_or(&unset),
                    other.parts.get(name).unwrap_or(&unset),
                );
                (a != b).then(|| match name.as_str() {
                    "scenario text" | "data files" => format!("the {name}"),
                    _ => format!("{name}: {a} in the first, {b} in this one"),
                })
            })
            .collect();
        (!differ.is_empty()).then(|| differ.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 16 (finding 17): the parts say what differs; the checksum
    /// decides, so the order parts are given in does not matter.
    #[test]
    fn differences_name_the_parts() {
        let a = Fingerprint::of([("seed", "1".into()), ("scenario text", "ab".into())]);
        let b = Fingerprint::of([("scenario text", "ab".into()), ("seed", "1".into())]);
        assert_eq!(a, b);
        assert_eq!(a.differences(&b), None);
        let c = a
            .with("seed", "2".into())
            .with("scenario text", "cd".into())
            .with("precision", "0.05".into());
        assert_ne!(a, c);
        assert_eq!(
            a.differences(&c).as_deref(),
            Some(
                "precision: not set in the first, 0.05 in this one; the scenario text; seed: 1 in the first, 2 in this one"
            )
        );
        let old = Fingerprint::read(c.hash().to_string(), BTreeMap::new());
        assert_eq!(old, c);
        assert_eq!(old.differences(&a), None);
    }
}
