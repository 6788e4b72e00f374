//! Working hours: the part of the week an objective is about
//! (`[slo] window = "Mon-Fri 08:00-19:00"`). A team that scales to zero at
//! night judges its waits on the runs that arrive while it works.

use std::fmt;
use std::str::FromStr;

use super::WEEKDAYS as DAYS;

/// Weekdays and a time of day, in calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Bit `d` set: weekday `d` (Monday = 0) is in.
    days: u8,
    /// Minutes from midnight, `[from, to)`.
    from_min: u16,
    to_min: u16,
}

impl Window {
    /// Whether an instant on weekday `day` (Monday = 0), `minute` minutes
    /// after midnight, is inside.
    pub fn contains(&self, day: usize, minute: u32) -> bool {
        self.days & (1 << day) != 0
            && (u32::from(self.from_min)..u32::from(self.to_min)).contains(&minute)
    }

    /// Whether any minute of `hour` is inside: the hours a per-hour
    /// objective judges.
    ///
    /// ```
    /// use poolcast::model::{HourOfWeek, Window};
    /// let w: Window = "Mon-Fri 08:30-19:00".parse().unwrap();
    /// assert!(w.overlaps(HourOfWeek::new(0, 8)) && w.overlaps(HourOfWeek::new(4, 18)));
    /// assert!(!w.overlaps(HourOfWeek::new(0, 19)) && !w.overlaps(HourOfWeek::new(5, 9)));
    /// ```
    pub fn overlaps(&self, hour: super::HourOfWeek) -> bool {
        let start = hour.hour() as u16 * 60;
        self.days & (1 << hour.day()) != 0 && self.from_min < start + 60 && self.to_min > start
    }
}

/// `HH:MM` as minutes from midnight (24:00 allowed as the end of a day).
fn minutes(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

fn day(text: &str) -> Option<usize> {
    DAYS.iter()
        .position(|d| d.eq_ignore_ascii_case(text.trim()))
}

/// Text that is not a window, with how to write one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct WindowError(String);

impl FromStr for Window {
    type Err = WindowError;

    /// `"Mon-Fri 08:00-19:00"`, `"Mon,Wed,Fri 09:00-17:30"` or
    /// `"Sat 10:00-14:00"`.
    ///
    /// ```
    /// use poolcast::model::Window;
    /// let w: Window = "Mon-Fri 08:00-19:00".parse().unwrap();
    /// assert!(w.contains(0, 8 * 60) && !w.contains(0, 19 * 60) && !w.contains(5, 600));
    /// assert_eq!(w.to_string(), "Mon-Fri 08:00-19:00");
    /// assert!("Mon-Fri 19:00-08:00".parse::<Window>().is_err());
    /// ```
    fn from_str(text: &str) -> Result<Window, WindowError> {
        let help = || {
            WindowError(format!(
                "{text:?} is not a window; write weekdays and hours such as \"Mon-Fri 08:00-19:00\" or \"Mon,Wed 09:00-17:30\" (the end after the start, calendar time)"
            ))
        };
        let (days_text, hours) = text.trim().split_once(' ').ok_or_else(help)?;
        let mut days = 0u8;
        for part in days_text.split(',') {
            match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (day(a).ok_or_else(help)?, day(b).ok_or_else(help)?);
                    if a > b {
                        return Err(help());
                    }
                    for d in a..=b {
                        days |= 1 << d;
                    }
                }
                None => days |= 1 << day(part).ok_or_else(help)?,
            }
        }
        let (a, b) = hours.trim().split_once('-').ok_or_else(help)?;
        let (from_min, to_min) = (minutes(a).ok_or_else(help)?, minutes(b).ok_or_else(help)?);
        if from_min >= to_min {
            return Err(help());
        }
        Ok(Window {
            days,
            from_min,
            to_min,
        })
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Runs of consecutive days as ranges, the rest listed.
        let mut parts = Vec::new();
        let mut d = 0;
        while d < 7 {
            if self.days & (1 << d) == 0 {
                d += 1;
                continue;
            }
            let start = d;
            while d < 7 && self.days & (1 << d) != 0 {
                d += 1;
            }
            parts.push(if d - start > 1 {
                format!("{}-{}", DAYS[start], DAYS[d - 1])
            } else {
                DAYS[start].to_string()
            });
        }
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        write!(
            f,
            "{} {}-{}",
            parts.join(","),
            hm(self.from_min),
            hm(self.to_min)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_parses_lists_and_ranges() {
        let w: Window = "Mon,Wed-Thu 09:00-17:30".parse().unwrap();
        assert!(w.contains(0, 9 * 60));
        assert!(!w.contains(1, 9 * 60));
        assert!(w.contains(3, 17 * 60 + 29));
        assert!(!w.contains(3, 17 * 60 + 30));
        assert_eq!(w.to_string(), "Mon,Wed-Thu 09:00-17:30");
        for bad in [
            "",
            "Mon",
            "Fri-Mon 08:00-09:00",
            "Mon 25:00-26:00",
            "Mon 08:00",
            "Xyz 08:00-09:00",
        ] {
            assert!(bad.parse::<Window>().is_err(), "{bad}");
        }
    }
}
