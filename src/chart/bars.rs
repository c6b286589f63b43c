//! The noise report's small chart: one bar per reviewed week, the share of findings the room marked
//! noise (grey) or expected (amber) stacked on a full-height track, the percentage above and the week
//! under it. Plain SVG (no plotters): a few rectangles and labels, identical in the app and the reports.

use std::fmt::Write;

use crate::noise::WeekShare;
use crate::text;

const SLOT: u32 = 46;
const BAR: u32 = 26;
const TOP: u32 = 14;
const TRACK: u32 = 36;
const HEIGHT: u32 = TOP + TRACK + 16;
const NOISE: &str = "#6b7280";
const EXPECTED: &str = "#d97706";
const TRACK_FILL: &str = "#9ca3af";

/// The bars of `weeks` (oldest first) as an SVG document, `46 × weeks` pixels wide.
pub fn dismissed_bars(weeks: &[WeekShare]) -> String {
    let width = SLOT * weeks.len().max(1) as u32;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{HEIGHT}\" viewBox=\"0 0 {width} {HEIGHT}\" font-family=\"sans-serif\" font-size=\"10\" role=\"img\">"
    );
    for (i, w) in weeks.iter().enumerate() {
        let x = i as u32 * SLOT + (SLOT - BAR) / 2;
        let mid = i as u32 * SLOT + SLOT / 2;
        let share = |n: usize| if w.findings == 0 { 0.0 } else { n as f64 / w.findings as f64 };
        let noise_h = share(w.noise) * TRACK as f64;
        let expected_h = share(w.expected) * TRACK as f64;
        let bottom = (TOP + TRACK) as f64;
        let _ = write!(
            svg,
            "<g><title>{}</title><rect x=\"{x}\" y=\"{TOP}\" width=\"{BAR}\" height=\"{TRACK}\" fill=\"{TRACK_FILL}\" fill-opacity=\"0.18\"/>",
            text::html(&tooltip(w))
        );
        if noise_h > 0.0 {
            let _ = write!(
                svg,
                "<rect class=\"noise\" x=\"{x}\" y=\"{:.1}\" width=\"{BAR}\" height=\"{noise_h:.1}\" fill=\"{NOISE}\"/>",
                bottom - noise_h
            );
        }
        if expected_h > 0.0 {
            let _ = write!(
                svg,
                "<rect class=\"expected\" x=\"{x}\" y=\"{:.1}\" width=\"{BAR}\" height=\"{expected_h:.1}\" fill=\"{EXPECTED}\"/>",
                bottom - noise_h - expected_h
            );
        }
        let above = if w.findings == 0 { "–".to_string() } else { format!("{:.0}%", 100.0 * w.dismissed()) };
        let _ = write!(
            svg,
            "<text x=\"{mid}\" y=\"{}\" text-anchor=\"middle\" fill=\"#6b7280\">{}</text><text x=\"{mid}\" y=\"{}\" text-anchor=\"middle\" fill=\"#6b7280\">{}</text></g>",
            TOP - 3,
            text::html(&above),
            HEIGHT - 3,
            text::html(w.week.get(5..).unwrap_or(&w.week)),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// `week of 2026-11-09: 2 noise, 1 expected of 5 findings`.
fn tooltip(w: &WeekShare) -> String {
    if w.findings == 0 {
        return format!("week of {}: no findings", w.week);
    }
    format!(
        "week of {}: {} noise, {} expected of {} finding{}",
        w.week,
        w.noise,
        w.expected,
        w.findings,
        if w.findings == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(week: &str, findings: usize, noise: usize, expected: usize) -> WeekShare {
        WeekShare { week: week.into(), findings, noise, expected }
    }

    /// The height of the first `<rect class="{class}"` in the SVG, if any.
    fn height(svg: &str, class: &str) -> Option<f64> {
        let at = svg.find(&format!("class=\"{class}\""))?;
        let rest = &svg[at..];
        let h = rest.find("height=\"")? + 8;
        rest[h..].split('"').next()?.parse().ok()
    }

    #[test]
    fn bars_stack_the_shares_and_label_each_week() {
        type Case<'a> = (WeekShare, Option<f64>, Option<f64>, &'a str);
        let cases: Vec<Case> = vec![
            // (week, noise bar height, expected bar height, label above)
            (week("2026-11-09", 4, 1, 1), Some(9.0), Some(9.0), "50%"),
            (week("2026-11-16", 2, 2, 0), Some(36.0), None, "100%"),
            (week("2026-11-23", 3, 0, 0), None, None, "0%"),
            (week("2026-11-30", 0, 0, 0), None, None, "–"),
        ];
        for (w, noise, expected, label) in cases {
            let svg = dismissed_bars(std::slice::from_ref(&w));
            assert_eq!(height(&svg, "noise"), noise, "{w:?}");
            assert_eq!(height(&svg, "expected"), expected, "{w:?}");
            assert!(svg.contains(&format!(">{label}</text>")), "{w:?}: {svg}");
            assert!(svg.contains(&format!(">{}</text>", &w.week[5..])), "the week under the bar");
        }
    }

    #[test]
    fn one_slot_per_week_and_tooltips_say_the_counts() {
        let svg = dismissed_bars(&[week("2026-11-09", 5, 2, 1), week("2026-11-16", 1, 0, 1)]);
        assert!(svg.contains("width=\"92\""), "two slots of 46: {svg}");
        assert!(svg.contains("<title>week of 2026-11-09: 2 noise, 1 expected of 5 findings</title>"));
        assert!(svg.contains("<title>week of 2026-11-16: 0 noise, 1 expected of 1 finding</title>"));
        assert_eq!(svg.matches("<g>").count(), 2);
    }
}
