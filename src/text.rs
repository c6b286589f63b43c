//! Plain-language formatting shared by findings and reports: values with units, durations, subjects,
//! and escaping for HTML and Markdown so user text is always inert.

use crate::config::{fmt_num, Metric};

/// A value with its unit: `412 ms`, `78%`, `1.2k req/s`.
pub fn value(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "—".to_string();
    }
    let n = if v.abs() >= 1e7 {
        // Beyond millions, thousands stop helping: 3 significant digits with an exponent.
        format!("{v:.2e}")
    } else if v.abs() >= 10_000.0 {
        // Tenths of thousands, halves away from zero (as everywhere else here, not the formatter's ties to even).
        format!("{:.1}k", (v / 100.0).round() / 10.0).replace(".0k", "k")
    } else {
        fmt_num(round_sig(v, 3))
    };
    let mut n = n;
    match unit.trim() {
        "" => {}
        "%" => n.push('%'),
        u => {
            n.push(' ');
            n.push_str(u);
        }
    }
    n
}

/// User text made safe for a terminal: control characters (escape sequences that could rewrite the
/// screen, C1 controls, DEL) and bidirectional overrides become `�`; tabs and line breaks become spaces
/// when `one_line`. Only for what is printed: the stored text is never changed.
pub fn terminal_safe(s: &str, one_line: bool) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' | '\r' if one_line => ' ',
            '\n' => c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => '\u{FFFD}',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Round to `digits` significant digits (for display only).
pub fn round_sig(v: f64, digits: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let mag = 10f64.powi(digits - 1 - v.abs().log10().floor() as i32);
    (v * mag).round() / mag
}

/// A duration in words: `40 min`, `3 h 20 min`, `2 d 4 h`.
pub fn duration(secs: i64) -> String {
    let m = (secs.max(0) + 30) / 60;
    if m < 60 {
        format!("{m} min")
    } else if m < 24 * 60 {
        let (h, mm) = (m / 60, m % 60);
        if mm == 0 {
            format!("{h} h")
        } else {
            format!("{h} h {mm} min")
        }
    } else {
        let (d, h) = (m / 1440, (m % 1440) / 60);
        if h == 0 {
            format!("{d} d")
        } else {
            format!("{d} d {h} h")
        }
    }
}

/// The subject of a sentence: `payments-api p99 latency`.
pub fn subject(m: &Metric) -> String {
    if m.line == 0 || m.service.is_empty() || m.name.contains(&m.service) {
        m.name.clone()
    } else {
        format!("{} {}", m.service, m.name)
    }
}

/// The start of a self-contained HTML page Flywheel exports (reports, minutes, COEs): a policy that lets it
/// load nothing and run nothing (inline styles and `data:` images only), its title escaped, its style.
pub fn html_page_start(title: &str, css: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{css}</style></head><body>\n",
        html(title)
    )
}

/// Escape text for HTML element content and attribute values.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escape text for Markdown (tables and prose): markup characters are backslash-escaped, HTML is
/// neutralised, and line breaks become spaces so a cell stays one cell.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// User text on one line: control characters (line breaks included) become spaces, trimmed.
pub fn one_line(s: &str) -> String {
    let t: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_durations_read_plainly() {
        for (v, u, want) in [
            (412.37, "ms", "412 ms"),
            (0.6234, "%", "0.623%"),
            (78.0, "%", "78%"),
            (12_345.0, "req/s", "12.3k req/s"),
            (12_250.0, "", "12.3k"),
            (-12_250.0, "", "-12.3k"),
            (f64::NAN, "ms", "—"),
            (3.0, "", "3"),
            (1.79e308, "", "1.79e308"),
            (-2.5e9, "ms", "-2.50e9 ms"),
        ] {
            assert_eq!(value(v, u), want);
        }
        for (s, want) in [(40 * 60, "40 min"), (200 * 60, "3 h 20 min"), (3 * 3600, "3 h"), (52 * 3600, "2 d 4 h"), (0, "0 min")] {
            assert_eq!(duration(s), want);
        }
    }

    #[test]
    fn terminal_text_cannot_rewrite_the_screen() {
        let cases = [
            ("plain", true, "plain"),
            ("\x1b[2J\x1b[Hpwned", true, "\u{FFFD}[2J\u{FFFD}[Hpwned"),
            ("a\nb\tc", true, "a b c"),
            ("a\nb", false, "a\nb"),
            ("\u{9b}31m", true, "\u{FFFD}31m"),
            ("abc\u{202E}fdp.exe", true, "abc\u{FFFD}fdp.exe"),
            ("\x07bell\x7f", true, "\u{FFFD}bell\u{FFFD}"),
        ];
        for (input, one_line, want) in cases {
            assert_eq!(terminal_safe(input, one_line), want, "{input:?}");
        }
    }

    #[test]
    fn user_text_is_inert() {
        assert_eq!(html("<script>alert('x')</script>&"), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;");
        assert_eq!(html("\" onmouseover=\"x"), "&quot; onmouseover=&quot;x");
        let md = markdown("[click](javascript:alert(1)) <img src=x onerror=alert(1)> | a\nb");
        assert!(!md.contains("[click](") && !md.contains("<img") && !md.contains('\n'), "{md}");
        assert!(md.contains("\\|"));
    }
}
