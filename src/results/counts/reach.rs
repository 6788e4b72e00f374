//! Quantiles in one pass over counts by ascending bucket.

/// A pass over counts by ascending bucket, noting the bucket where the
/// running count first reaches each of its targets.
pub(super) struct Reach<const N: usize> {
    /// Running counts to reach, ascending.
    targets: [u64; N],
    /// The bucket where each target was reached.
    pub(super) at: [usize; N],
    /// Targets reached.
    k: usize,
    /// The running count.
    seen: u64,
}

impl<const N: usize> Reach<N> {
    pub(super) fn new(targets: [u64; N]) -> Reach<N> {
        Reach {
            targets,
            at: [0; N],
            k: 0,
            seen: 0,
        }
    }

    /// Counts `n` at bucket `i`.
    pub(super) fn count(&mut self, i: usize, n: u64) {
        self.seen += n;
        while self.k < N && self.seen >= self.targets[self.k] {
            self.at[self.k] = i;
            self.k += 1;
        }
    }

    /// Whether every target is reached.
    pub(super) fn done(&self) -> bool {
        self.k == N
    }

    /// Counts `n` at once, if they leave the next target unreached.
    pub(super) fn step_over(&mut self, n: u64) -> bool {
        let short = self.k < N && self.seen + n < self.targets[self.k];
        if short {
            self.seen += n;
        }
        short
    }
}
