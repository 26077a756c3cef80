//! The wall clock: Python `datetime` values for `{now}` / `{utcnow}` and CalVer parts, with
//! `strftime` as CPython on glibc does it, and `BMV_FIXED_NOW` for reproducible runs.

/// A date and time as Python's `datetime.datetime`: naive (local wall clock) or UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    /// The year (1..=9999).
    pub year: i32,
    /// The month (1..=12).
    pub month: u32,
    /// The day of the month (1..=31).
    pub day: u32,
    /// The hour (0..=23).
    pub hour: u32,
    /// The minute (0..=59).
    pub minute: u32,
    /// The second (0..=59).
    pub second: u32,
    /// The microsecond (0..=999_999).
    pub microsecond: u32,
    /// `true` for an aware UTC datetime (`utcnow`), `false` for a naive one (`now`).
    pub utc: bool,
}

/// The two clocks a template sees: `now` (local, naive) and `utcnow` (UTC, aware).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    /// `datetime.datetime.now()`.
    pub local: DateTime,
    /// `datetime.datetime.now(datetime.timezone.utc)`.
    pub utc: DateTime,
}

/// The environment variable that pins the clock: an ISO 8601 date-time such as
/// `2024-03-15T10:20:30` or `2024-03-15T10:20:30+02:00`.
pub const FIXED_NOW_VAR: &str = "BMV_FIXED_NOW";

impl Now {
    /// The real clock, or the one in `BMV_FIXED_NOW` when that is set.
    pub fn from_env() -> Result<Now, crate::VersionError> {
        match std::env::var(FIXED_NOW_VAR) {
            Ok(text) if !text.is_empty() => {
                Now::parse_fixed(&text).ok_or(crate::VersionError::BadFixedNow { value: text })
            }
            // Not UTF-8: a bad value, not an unset one.
            Err(std::env::VarError::NotUnicode(raw)) => {
                Err(crate::VersionError::BadFixedNow { value: raw.to_string_lossy().into_owned() })
            }
            _ => Ok(Now::system()),
        }
    }

    /// The system clock in the system time zone.
    pub fn system() -> Now {
        let zoned = jiff::ZonedDateTime::now();
        let utc = zoned.with_time_zone(jiff::tz::TimeZone::UTC);
        Now { local: from_jiff(zoned.datetime(), false), utc: from_jiff(utc.datetime(), true) }
    }

    /// A pinned clock: the wall clock as given (its offset dropped) is `now`; `utcnow` is the
    /// same instant in UTC, or the same wall clock when no offset is given.
    pub fn parse_fixed(text: &str) -> Option<Now> {
        let (local, offset_minutes) = parse_iso(text.trim())?;
        let utc = match offset_minutes {
            Some(minutes) => shift_minutes(local, -minutes),
            None => local,
        };
        Some(Now { local, utc: DateTime { utc: true, ..utc } })
    }
}

fn from_jiff(dt: jiff::civil::DateTime, utc: bool) -> DateTime {
    DateTime {
        year: i32::from(dt.year()),
        month: dt.month() as u32,
        day: dt.day() as u32,
        hour: dt.hour() as u32,
        minute: dt.minute() as u32,
        second: dt.second() as u32,
        microsecond: (dt.subsec_nanosecond() / 1000) as u32,
        utc,
    }
}

fn parse_iso(text: &str) -> Option<(DateTime, Option<i64>)> {
    let num = |s: &str| -> Option<u32> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    // The date is the first ten bytes; a multi-byte character across them is no date.
    let (date, rest) = if text.len() > 10 { text.split_at_checked(10)? } else { (text, "") };
    let mut parts = date.split('-');
    let year = num(parts.next()?)? as i32;
    let month = num(parts.next()?)?;
    let day = num(parts.next()?)?;
    if parts.next().is_some() || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut dt = DateTime { year, month, day, hour: 0, minute: 0, second: 0, microsecond: 0, utc: false };
    if rest.is_empty() {
        return Some((dt, None));
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (time, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(k) => (&rest[..k], Some(&rest[k..])),
        None => (rest, None),
    };
    let (hms, frac) = match time.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (time, None),
    };
    let mut fields = hms.split(':');
    dt.hour = num(fields.next()?)?;
    dt.minute = num(fields.next()?)?;
    dt.second = match fields.next() {
        Some(s) => num(s)?,
        None => 0,
    };
    if fields.next().is_some() || dt.hour > 23 || dt.minute > 59 || dt.second > 59 {
        return None;
    }
    if let Some(frac) = frac {
        num(frac)?;
        let six: String = frac.chars().chain(std::iter::repeat('0')).take(6).collect();
        dt.microsecond = six.parse().ok()?;
    }
    let offset = match offset {
        None => None,
        Some("Z" | "z") => Some(0),
        Some(o) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (h, m) = o[1..].split_once(':').unwrap_or((&o[1..], "0"));
            Some(sign * (i64::from(num(h)?) * 60 + i64::from(num(m)?)))
        }
    };
    Some((dt, offset))
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((y + i64::from(m <= 2)) as i32, m, d)
}

fn shift_minutes(dt: DateTime, minutes: i64) -> DateTime {
    let total =
        days_from_civil(dt.year, dt.month, dt.day) * 1440 + i64::from(dt.hour) * 60 + i64::from(dt.minute) + minutes;
    let (year, month, day) = civil_from_days(total.div_euclid(1440));
    let in_day = total.rem_euclid(1440);
    DateTime { year, month, day, hour: (in_day / 60) as u32, minute: (in_day % 60) as u32, ..dt }
}

const DAY_NAMES: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl DateTime {
    /// Monday = 0 … Sunday = 6, as Python's `weekday()`.
    pub fn weekday(&self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        (days_from_civil(self.year, self.month, self.day) + 3).rem_euclid(7) as u32
    }

    /// Day of the year, 1-based.
    pub fn ordinal(&self) -> u32 {
        (days_from_civil(self.year, self.month, self.day) - days_from_civil(self.year, 1, 1)) as u32 + 1
    }

    /// The ISO 8601 week-numbering year and week.
    pub fn iso_week(&self) -> (i32, u32) {
        let ordinal = self.ordinal() as i64;
        let weekday = i64::from(self.weekday()) + 1; // Monday = 1
        let week = (ordinal - weekday + 10) / 7;
        if week < 1 {
            let prev = DateTime { year: self.year - 1, month: 12, day: 31, ..*self };
            return prev.iso_week();
        }
        let days_in_year = if is_leap(self.year) { 366 } else { 365 };
        // A week 53 only exists if Dec 31 is a Thursday, or a Friday in a leap year... computed
        // directly: if the Thursday of this week lies in the next year, it is week 1 of it.
        let thursday = ordinal - weekday + 4;
        if thursday > days_in_year {
            return (self.year + 1, 1);
        }
        (self.year, week as u32)
    }

    /// `str(datetime)`: `2024-03-15 10:20:30[.123456][+00:00]`.
    pub fn to_py_str(&self) -> String {
        let mut s = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if self.microsecond != 0 {
            s.push_str(&format!(".{:06}", self.microsecond));
        }
        if self.utc {
            s.push_str("+00:00");
        }
        s
    }

    /// `datetime.isoformat()`.
    pub fn to_iso(&self) -> String {
        self.to_py_str().replacen(' ', "T", 1)
    }

    pub(crate) fn to_py_repr(self) -> String {
        let mut s =
            format!("datetime.datetime({}, {}, {}, {}, {}", self.year, self.month, self.day, self.hour, self.minute);
        if self.second != 0 || self.microsecond != 0 {
            s.push_str(&format!(", {}", self.second));
        }
        if self.microsecond != 0 {
            s.push_str(&format!(", {}", self.microsecond));
        }
        if self.utc {
            s.push_str(", tzinfo=datetime.timezone.utc");
        }
        s.push(')');
        s
    }

    pub(crate) fn attribute(&self, name: &str) -> Option<crate::pyformat::Value> {
        use crate::pyformat::Value;
        let v = match name {
            "year" => i64::from(self.year),
            "month" => i64::from(self.month),
            "day" => i64::from(self.day),
            "hour" => i64::from(self.hour),
            "minute" => i64::from(self.minute),
            "second" => i64::from(self.second),
            "microsecond" => i64::from(self.microsecond),
            _ => return None,
        };
        Some(Value::Int(v))
    }

    /// `strftime` as CPython on glibc formats it (C locale).
    pub fn strftime(&self, spec: &str) -> String {
        let mut out = String::new();
        let mut chars = spec.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let Some(d) = chars.next() else {
                out.push('%');
                break;
            };
            let weekday = self.weekday();
            let sunday_based = (weekday + 1) % 7;
            match d {
                'a' => out.push_str(&DAY_NAMES[weekday as usize][..3]),
                'A' => out.push_str(DAY_NAMES[weekday as usize]),
                'b' | 'h' => out.push_str(&MONTH_NAMES[self.month as usize - 1][..3]),
                'B' => out.push_str(MONTH_NAMES[self.month as usize - 1]),
                'C' => out.push_str(&format!("{:02}", self.year / 100)),
                'd' => out.push_str(&format!("{:02}", self.day)),
                'D' => out.push_str(&self.strftime("%m/%d/%y")),
                'e' => out.push_str(&format!("{:>2}", self.day)),
                'f' => out.push_str(&format!("{:06}", self.microsecond)),
                'F' => out.push_str(&self.strftime("%Y-%m-%d")),
                'G' => out.push_str(&self.iso_week().0.to_string()),
                'g' => out.push_str(&format!("{:02}", self.iso_week().0 % 100)),
                'H' => out.push_str(&format!("{:02}", self.hour)),
                'I' => out.push_str(&format!("{:02}", (self.hour + 11) % 12 + 1)),
                'j' => out.push_str(&format!("{:03}", self.ordinal())),
                'k' => out.push_str(&format!("{:>2}", self.hour)),
                'l' => out.push_str(&format!("{:>2}", (self.hour + 11) % 12 + 1)),
                'm' => out.push_str(&format!("{:02}", self.month)),
                'M' => out.push_str(&format!("{:02}", self.minute)),
                'n' => out.push('\n'),
                'p' => out.push_str(if self.hour < 12 { "AM" } else { "PM" }),
                'P' => out.push_str(if self.hour < 12 { "am" } else { "pm" }),
                'R' => out.push_str(&self.strftime("%H:%M")),
                'S' => out.push_str(&format!("{:02}", self.second)),
                't' => out.push('\t'),
                'T' => out.push_str(&self.strftime("%H:%M:%S")),
                'u' => out.push_str(&(weekday + 1).to_string()),
                'U' => out.push_str(&format!("{:02}", (self.ordinal() + 6 - sunday_based) / 7)),
                'V' => out.push_str(&format!("{:02}", self.iso_week().1)),
                'w' => out.push_str(&sunday_based.to_string()),
                'W' => out.push_str(&format!("{:02}", (self.ordinal() + 6 - weekday) / 7)),
                'y' => out.push_str(&format!("{:02}", self.year % 100)),
                'Y' => out.push_str(&self.year.to_string()),
                'z' => out.push_str(if self.utc { "+0000" } else { "" }),
                'Z' => out.push_str(if self.utc { "UTC" } else { "" }),
                'c' => out.push_str(&self.strftime("%a %b %e %H:%M:%S %Y")),
                'x' => out.push_str(&self.strftime("%m/%d/%y")),
                'X' => out.push_str(&self.strftime("%H:%M:%S")),
                '%' => out.push('%'),
                other => {
                    out.push('%');
                    out.push(other);
                }
            }
        }
        out
    }

    /// The CalVer fields bump-my-version computes for a date (`context.get_datetime_info`).
    pub(crate) fn calver_field(&self, name: &str) -> Option<String> {
        let short_year = if self.year >= 2000 { self.year - 2000 } else { self.year % 100 };
        let strip = |s: String| {
            let t = s.trim_start_matches('0');
            if t.is_empty() { "0".to_owned() } else { t.to_owned() }
        };
        let iso_year = self.iso_week().0.to_string();
        Some(match name {
            "YYYY" => self.strftime("%Y"),
            "YY" => short_year.to_string(),
            "0Y" => format!("{short_year:02}"),
            "MMM" => self.strftime("%b"),
            "MM" => self.month.to_string(),
            "0M" => self.strftime("%m"),
            "DD" => self.day.to_string(),
            "0D" => self.strftime("%d"),
            "JJJ" => self.strftime("%j").trim_start_matches('0').to_owned(),
            "00J" => self.strftime("%j"),
            "Q" => ((self.month - 1) / 3 + 1).to_string(),
            "WW" => strip(self.strftime("%W")),
            "0W" => self.strftime("%W"),
            "UU" => strip(self.strftime("%U")),
            "0U" => self.strftime("%U"),
            "VV" => strip(self.strftime("%V")),
            "0V" => self.strftime("%V"),
            "GGGG" => iso_year,
            "GG" => strip(iso_year.get(2..).unwrap_or("").to_owned()),
            "0G" => iso_year.get(2..).unwrap_or("").to_owned(),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(year: i32, month: u32, day: u32) -> DateTime {
        DateTime { year, month, day, hour: 9, minute: 5, second: 7, microsecond: 0, utc: false }
    }

    #[test]
    fn strftime_matches_glibc() {
        // Values checked against CPython 3 on glibc.
        let cases = [
            (
                dt(2024, 3, 15),
                "%Y-%m-%d %H:%M:%S %a %A %b %B %j %U %W %V %G %u %w %y %I %p",
                "2024-03-15 09:05:07 Fri Friday Mar March 075 10 11 11 2024 5 5 24 09 AM",
            ),
            (dt(2021, 1, 1), "%V %G %U %W %j", "53 2020 00 00 001"),
            (dt(2024, 12, 30), "%V %G %g", "01 2025 25"),
            (dt(2023, 1, 1), "%U %W %V", "01 00 52"),
            (dt(2024, 3, 15), "%q %% %f %z", "%q % 000000 "),
        ];
        for (date, spec, expected) in cases {
            assert_eq!(date.strftime(spec), expected, "{spec}");
        }
    }

    #[test]
    fn python_str_and_fixed_clock() {
        let now = Now::parse_fixed("2024-03-15T23:30:00.5-01:00").unwrap();
        assert_eq!(now.local.to_py_str(), "2024-03-15 23:30:00.500000");
        assert_eq!(now.utc.to_py_str(), "2024-03-16 00:30:00.500000+00:00");
        let now = Now::parse_fixed("2024-02-29").unwrap();
        assert_eq!(now.utc.to_py_str(), "2024-02-29 00:00:00+00:00");
        for bad in ["", "2024-02-30", "2024-13-01", "yesterday", "2024-01-01T25:00"] {
            assert_eq!(Now::parse_fixed(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_multibyte_character_in_the_fixed_clock_is_refused_not_a_panic() {
        // `é` spans bytes 9 and 10, where the date ends.
        for bad in [
            "2024-03-1é:00",
            "2024-03-1é",
            "2024-03-15é",
            "2024-03-15T1é:00",
            "２０２４-03-15",
            "2024-03-15T10:20:30+0é",
        ] {
            assert_eq!(Now::parse_fixed(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parsing_the_fixed_clock_never_panics(text in "\\PC{0,30}", prefix in "(2024-03-1|2024-03-15T|2024-03-15T10:2)?") {
            let _ = Now::parse_fixed(&format!("{prefix}{text}"));
        }
    }

    #[test]
    fn calver_fields() {
        let d = dt(2106, 1, 5);
        assert_eq!(d.calver_field("YY").unwrap(), "106");
        assert_eq!(d.calver_field("0Y").unwrap(), "106");
        let d = dt(2024, 1, 5);
        let got: Vec<String> = ["YYYY", "YY", "0Y", "MM", "0M", "DD", "0D", "JJJ", "00J", "Q", "WW", "0W", "GG", "0G"]
            .iter()
            .map(|f| d.calver_field(f).unwrap())
            .collect();
        assert_eq!(got, ["2024", "24", "24", "1", "01", "5", "05", "5", "005", "1", "1", "01", "24", "24"]);
    }
}
