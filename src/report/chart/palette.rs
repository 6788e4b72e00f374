//! The one palette of every chart: series colours (Okabe-Ito, safe for the
//! common colour-vision deficiencies, black and yellow left out), a colour
//! per tier that does not depend on which tiers a sweep has, and marks
//! (SLO, Pareto front) in colours no series uses.

use plotters::style::RGBColor;

use crate::model::Tier;

/// Series colours, in order of use.
pub(super) const SERIES: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
];

/// The SLO line: black, dashed, never a series colour.
pub(super) const SLO: RGBColor = RGBColor(0, 0, 0);

/// The Pareto front line and its points' outline.
pub(super) const FRONT: RGBColor = RGBColor(70, 70, 70);

/// Series past the palette drawn together as one ("the others"): a grey
/// no series, the SLO or the front uses.
pub(super) const OTHERS: RGBColor = RGBColor(160, 160, 160);

/// Heat-map cells where nothing was allocated.
pub(super) const NOTHING: RGBColor = RGBColor(235, 235, 235);

/// The colour of series `i`: the palette repeats past its length, but
/// never takes the SLO's colour.
pub(super) fn series(i: usize) -> RGBColor {
    SERIES[i % SERIES.len()]
}

/// Which series a chart draws, each in its own colour, of series of these
/// `sizes` (`None`: nothing to draw): every one while there are at most
/// `most`, else the `most` largest (ties: the first), in their order.
/// Past the palette, colours repeated and a legend's colour named several
/// series.
pub(super) fn largest(sizes: &[Option<f64>], most: usize) -> Vec<usize> {
    let mut drawn: Vec<(usize, f64)> = sizes
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.map(|s| (i, s)))
        .collect();
    if drawn.len() > most {
        drawn.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        drawn.truncate(most);
        drawn.sort_by_key(|d| d.0);
    }
    drawn.into_iter().map(|d| d.0).collect()
}

/// The colour of a tier: fixed, so that S2 has the same colour in every
/// sweep whatever other tiers it compares.
pub(super) fn tier(t: Tier) -> RGBColor {
    let i = Tier::ALL.iter().position(|x| *x == t).unwrap_or(0);
    series(i)
}

/// A heat-map cell for utilisation `u` (0-1), light to dark blue.
pub(super) fn heat(u: f64) -> RGBColor {
    if u.is_nan() {
        return NOTHING;
    }
    let u = u.clamp(0.0, 1.0);
    RGBColor(
        (255.0 - 225.0 * u) as u8,
        (255.0 - 150.0 * u) as u8,
        (255.0 - 75.0 * u) as u8,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slo_and_front_colours_are_no_series_colour() {
        for i in 0..3 * SERIES.len() {
            assert_ne!(series(i), SLO, "series {i}");
            assert_ne!(series(i), FRONT, "series {i}");
        }
    }

    #[test]
    fn past_the_palette_the_largest_series_are_drawn_in_their_order() {
        let few = [Some(1.0), None, Some(3.0)];
        assert_eq!(largest(&few, 6), vec![0, 2]);
        let many: Vec<Option<f64>> = [5.0, 1.0, 9.0, 1.0, 7.0, 2.0, 8.0, 1.0]
            .into_iter()
            .map(Some)
            .collect();
        assert_eq!(largest(&many, 6), vec![0, 1, 2, 4, 5, 6]);
        assert_eq!(largest(&many, 3), vec![2, 4, 6]);
        let colours: Vec<RGBColor> = (0..SERIES.len()).map(series).collect();
        assert!(!colours.contains(&OTHERS) && OTHERS != SLO && OTHERS != FRONT);
    }

    #[test]
    fn every_tier_has_its_own_fixed_colour() {
        let colours: Vec<RGBColor> = Tier::ALL.iter().map(|t| tier(*t)).collect();
        for (i, a) in colours.iter().enumerate() {
            assert!(
                colours[i + 1..].iter().all(|b| a != b),
                "{:?}",
                Tier::ALL[i]
            );
        }
        assert_eq!(tier(Tier::S2), SERIES[1]);
    }
}
