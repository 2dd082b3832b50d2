//! UTC calendar arithmetic for migration ids and `applied_at`, without a date crate
//! (Howard Hinnant's days-from-civil algorithms).
//!
//! Pure: nothing here reads the clock. Callers read `SystemTime::now()` themselves (the
//! runtime's tracking table, the CLI's new module names) and pass the seconds in.

/// A UTC date and time to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    /// Year.
    pub year: i64,
    /// Month, 1–12.
    pub month: i64,
    /// Day, 1–31.
    pub day: i64,
    /// Hour, 0–23.
    pub hour: u64,
    /// Minute.
    pub minute: u64,
    /// Second.
    pub second: u64,
}

impl UtcTime {
    /// The time `seconds` after the Unix epoch.
    ///
    /// ```
    /// use entmig_schema::clock::UtcTime;
    /// let t = UtcTime::from_unix(1_795_294_500);
    /// assert_eq!(t.compact(), "20261121_205500");
    /// assert_eq!(t.rfc3339(), "2026-11-21T20:55:00Z");
    /// assert_eq!(t.to_unix(), 1_795_294_500);
    /// ```
    pub fn from_unix(seconds: u64) -> UtcTime {
        let days = (seconds / 86_400) as i64;
        let rem = seconds % 86_400;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        UtcTime {
            year: yoe + era * 400 + i64::from(month <= 2),
            month,
            day,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
        }
    }

    /// Seconds since the Unix epoch (0 before it).
    pub fn to_unix(&self) -> u64 {
        let year = if self.month <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let era = year.div_euclid(400);
        let yoe = year.rem_euclid(400);
        let mp = if self.month > 2 {
            self.month - 3
        } else {
            self.month + 9
        };
        let doy = (153 * mp + 2) / 5 + self.day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        u64::try_from(days).unwrap_or(0) * 86_400
            + self.hour * 3600
            + self.minute * 60
            + self.second
    }

    /// `YYYYMMDD_HHMMSS`, the timestamp of a migration id.
    pub fn compact(&self) -> String {
        format!(
            "{:04}{:02}{:02}_{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// Reads `YYYYMMDD_HHMMSS` (what follows is ignored).
    pub fn parse_compact(text: &str) -> Option<UtcTime> {
        let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<u64>().ok();
        if text.get(8..9)? != "_" {
            return None;
        }
        Some(UtcTime {
            year: i64::try_from(number(0..4)?).ok()?,
            month: i64::try_from(number(4..6)?).ok()?,
            day: i64::try_from(number(6..8)?).ok()?,
            hour: number(9..11)?,
            minute: number(11..13)?,
            second: number(13..15)?,
        })
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn rfc3339(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_across_leap_days_and_eras() {
        for seconds in [0, 951_782_400, 1_709_164_800, 4_102_444_800, 1_795_294_500] {
            let t = UtcTime::from_unix(seconds);
            assert_eq!(t.to_unix(), seconds, "{t:?}");
            assert_eq!(UtcTime::parse_compact(&t.compact()), Some(t));
        }
        assert_eq!(
            UtcTime::from_unix(951_782_400).rfc3339(),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(UtcTime::parse_compact("2026112_"), None);
    }
}
