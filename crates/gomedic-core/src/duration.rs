//! The one way gomedic writes a duration for people: `35 ms` below a second, else
//! seconds to a tenth (`2.5 s`, `10 s`). Machine-readable output carries integer
//! milliseconds in `*_ms` keys instead.

use std::time::Duration;

/// `35 ms`, `2.5 s`, `10 s`.
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let tenths = (ms + 50) / 100;
    if tenths.is_multiple_of(10) {
        format!("{} s", tenths / 10)
    } else {
        format!("{}.{} s", tenths / 10, tenths % 10)
    }
}

/// [`human`] of a number of milliseconds.
pub fn human_ms(ms: u64) -> String {
    human(Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_format() {
        assert_eq!(human_ms(0), "0 ms");
        assert_eq!(human_ms(35), "35 ms");
        assert_eq!(human_ms(999), "999 ms");
        assert_eq!(human_ms(1000), "1 s");
        assert_eq!(human_ms(1500), "1.5 s");
        assert_eq!(human_ms(2006), "2 s");
        assert_eq!(human_ms(2050), "2.1 s");
        assert_eq!(human_ms(10_000), "10 s");
        assert_eq!(human_ms(899_960), "900 s");
    }
}
