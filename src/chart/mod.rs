//! Chart widgets as SVG (plotters, no font libraries: the viewer renders `<text>`): the review range's
//! line, the seasonal band, last week faint, the alarm line red, the investigation line amber, and the
//! flagged episodes shaded. Returns the chart geometry with the SVG so a UI can map pixels back to time
//! and value (hover read-outs, drag-to-select) without re-rendering.

pub mod bars;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Serialize;

use crate::finding::{Finding, Kind};
use crate::review::{Review, SeriesFit};
use crate::text;
use crate::time;

/// Colours, chosen to read on light and dark pages and never to be the only carrier of meaning (every
/// line is also labelled).
const VALUE: RGBColor = RGBColor(37, 99, 235);
const BAND: RGBColor = RGBColor(96, 165, 250);
const LAST_WEEK: RGBColor = RGBColor(120, 120, 120);
const ALARM: RGBColor = RGBColor(220, 38, 38);
const INVESTIGATION: RGBColor = RGBColor(217, 119, 6);
const EPISODE: RGBColor = RGBColor(244, 63, 94);
const INK: RGBColor = RGBColor(90, 90, 90);
const ODD: RGBColor = RGBColor(234, 88, 12);
const NOTE: RGBColor = RGBColor(124, 58, 237);

#[derive(Debug, Clone, Copy)]
pub struct ChartOptions {
    pub width: u32,
    pub height: u32,
    /// Draw last week as a faint line.
    pub last_week: bool,
    /// Also draw this many earlier weeks (two, three, … weeks back, at the same local time of week),
    /// fainter with age.
    pub earlier_weeks: u8,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions { width: 860, height: 260, last_week: true, earlier_weeks: 0 }
    }
}

/// Where the plot sits in the SVG and what its axes span, for pointer → (time, value) mapping.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Geometry {
    pub width: u32,
    pub height: u32,
    /// Plot area in SVG pixels.
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
    /// Time range (Unix seconds) across the plot's width.
    pub t_start: i64,
    pub t_end: i64,
    /// Value range from bottom to top.
    pub y_min: f64,
    pub y_max: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub metric: String,
    pub svg: String,
    pub geometry: Geometry,
}

#[derive(Debug, thiserror::Error)]
#[error("chart of `{metric}`: {message}")]
pub struct ChartError {
    pub metric: String,
    pub message: String,
}

/// A reviewer's note drawn on a chart: a labelled shaded range (Unix seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub start: i64,
    pub end: i64,
    pub label: String,
}

impl From<&crate::journal::annotations::Annotation> for Note {
    fn from(a: &crate::journal::annotations::Annotation) -> Note {
        Note { start: a.start, end: a.end, label: a.note.clone() }
    }
}

/// The notes of `metric` among `annotations`, ready to draw.
pub fn notes_of(annotations: &[crate::journal::annotations::Annotation], metric: &str) -> Vec<Note> {
    annotations.iter().filter(|a| a.metric == metric).map(Note::from).collect()
}

/// Render the chart of one metric of a review, with its findings' episodes shaded.
pub fn render(review: &Review, s: &SeriesFit, opts: ChartOptions) -> Result<Chart, ChartError> {
    render_with(review, s, opts, &[])
}

/// The kinds of finding whose episode a chart shades.
fn shaded(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::AlarmBreach
            | Kind::InvestigationBreach
            | Kind::SeasonalAnomaly
            | Kind::LevelShift
            | Kind::MissingData
            | Kind::OddOneOut
            | Kind::UnusualStretch
            | Kind::SpikeBurst
    )
}

/// [`render`] with annotations drawn as labelled ranges.
pub fn render_with(review: &Review, s: &SeriesFit, opts: ChartOptions, notes: &[Note]) -> Result<Chart, ChartError> {
    let episodes: Vec<&Finding> = review.findings.iter().filter(|f| f.metric == s.metric.id && shaded(f.kind)).collect();
    let error = |message: String| ChartError { metric: s.metric.id.clone(), message };
    let full = review.full(s).map_err(|e| error(format!("its data could not be read back: {e}")))?;
    draw(review, &full, &episodes, opts, notes).map_err(error)
}

/// A metric's chart with its arrays at hand (`s` not spilled) and the episodes of `findings` shaded: the chart
/// of other lines tried on it ([`crate::review::Review::with_lines`]).
pub fn render_episodes(
    review: &Review,
    s: &SeriesFit,
    findings: &[Finding],
    opts: ChartOptions,
    notes: &[Note],
) -> Result<Chart, ChartError> {
    let episodes: Vec<&Finding> = findings.iter().filter(|f| f.metric == s.metric.id && shaded(f.kind)).collect();
    draw(review, s, &episodes, opts, notes).map_err(|message| ChartError { metric: s.metric.id.clone(), message })
}

fn draw(review: &Review, s: &SeriesFit, episodes: &[&Finding], opts: ChartOptions, notes: &[Note]) -> Result<Chart, String> {
    let fr = frame(review, s, opts)?;
    let m = &s.metric;
    let mut svg = String::new();
    let geometry;
    {
        let root = SVGBackend::with_string(&mut svg, (opts.width, opts.height)).into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .margin_right(16)
            .x_label_area_size(20)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..fr.x_end, fr.y_min..fr.y_max)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .light_line_style(RGBAColor(0, 0, 0, 0.0))
            .bold_line_style(RGBAColor(128, 128, 128, 0.18))
            .axis_style(RGBAColor(128, 128, 128, 0.5))
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(5)
            .y_label_formatter(&|v: &f64| text::value(*v, &m.unit))
            .label_style(("sans-serif", 11).into_font().color(&INK))
            .draw()
            .map_err(plot_error)?;

        // Back to front: shaded ranges, day rules, the band and earlier weeks, instances, the values, the lines.
        draw_ranges(&mut chart, &fr, episodes, notes)?;
        for h in &fr.midnights {
            chart.draw_series(LineSeries::new(vec![(*h, fr.y_min), (*h, fr.y_max)], RGBAColor(128, 128, 128, 0.25))).map_err(plot_error)?;
        }
        draw_band_and_weeks(&mut chart, &fr, s, opts)?;
        draw_instances(&mut chart, &fr, s, episodes)?;
        for seg in segments(fr.x) {
            chart.draw_series(LineSeries::new(seg.map(|j| (fr.xs[j], fr.x[j])), VALUE.stroke_width(2))).map_err(plot_error)?;
        }
        draw_lines(&mut chart, &fr, m)?;

        // The day's name under the axis, right of its midnight rule.
        let (px, py) = chart.plotting_area().get_pixel_range();
        for h in &fr.midnights {
            let x = px.start + ((h / fr.x_end) * (px.end - px.start) as f64) as i32;
            let label = time::utc(fr.t0 + (h * 3600.0) as i64).with_timezone(&review.ctx.tz).format("%a %d").to_string();
            root.draw(&Text::new(label, (x + 3, py.end + 5), ("sans-serif", 11).into_font().color(&INK))).map_err(plot_error)?;
        }
        geometry = Geometry {
            width: opts.width,
            height: opts.height,
            left: px.start,
            right: px.end,
            top: py.start,
            bottom: py.end,
            t_start: fr.t0,
            t_end: fr.t1,
            y_min: fr.y_min,
            y_max: fr.y_max,
        };
        root.present().map_err(plot_error)?;
    }
    let title = format!(
        "{} — review values (blue), seasonal band, last week (grey), alarm (red) and investigation (amber) lines",
        text::subject(m)
    );
    let svg = svg.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{}\" ", text::html(&title)), 1);
    Ok(Chart { metric: m.id.clone(), svg, geometry })
}

/// The plot of a chart: hours since the review's start across, values up.
type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn plot_error(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// What a chart shows, settled before anything is drawn: the review range's values and their x positions
/// (hours since the review's start), the band, the earlier weeks, the value range and the lines that fit it.
struct Frame<'a> {
    x: &'a [f64],
    xs: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    earlier: Vec<Vec<f64>>,
    t0: i64,
    t1: i64,
    x_end: f64,
    y_min: f64,
    y_max: f64,
    /// Lines too far from the data to draw without squashing it: named at the edge with an arrow.
    off_chart: Vec<(f64, &'static str)>,
    /// Local midnights (DST-aware), in hours since the review's start.
    midnights: Vec<f64>,
}

impl Frame<'_> {
    fn hours(&self, t: i64) -> f64 {
        (t - self.t0) as f64 / 3600.0
    }
}

fn frame<'a>(review: &Review, s: &'a SeriesFit, opts: ChartOptions) -> Result<Frame<'a>, String> {
    let ctx = &review.ctx;
    let (t0, t1) = (ctx.review_start(), ctx.review_end());
    let hours = |t: i64| (t - t0) as f64 / 3600.0;
    let x = s.values.as_slice();
    let (lower, upper) = s.fit.band(review.params.anomaly_z(), &s.metric.unit);
    // The review keeps only the review range: earlier weeks are read again from the source.
    let earlier: Vec<Vec<f64>> = if opts.earlier_weeks == 0 {
        vec![]
    } else {
        let all = review.history(s).map_err(|e| format!("its earlier weeks could not be read again: {e}"))?;
        (2..2 + opts.earlier_weeks as usize).map(|k| ctx.weeks_back(&all, k)).filter(|v| v.iter().any(|x| x.is_finite())).collect()
    };

    // Value range: the data, the band and the weeks shown; a line only when it is near enough to show
    // without squashing the data.
    let mut shown: Vec<&[f64]> = vec![x, &upper, &lower];
    if opts.last_week {
        shown.push(&s.fit.last_week);
    }
    shown.extend(earlier.iter().map(Vec::as_slice));
    shown.extend(s.instances.iter().map(|(_, v)| v.as_slice()));
    let (mut lo, mut hi) = shown
        .iter()
        .flat_map(|v| v.iter().copied().filter(|v| v.is_finite()))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let data_span = (hi - lo).max(hi.abs() * 0.05).max(1e-9);
    let mut off_chart = Vec::new();
    for (line, name) in [(s.metric.alarm, "alarm"), (s.metric.investigation, "investigation")] {
        if let Some(l) = line {
            if l <= hi + 1.5 * data_span && l >= lo - 1.5 * data_span {
                lo = lo.min(l);
                hi = hi.max(l);
            } else {
                off_chart.push((l, name));
            }
        }
    }
    // Values near the ends of f64 make the axis arithmetic overflow (plotters then never finishes its
    // key points): such a chart is refused, the review is not.
    if !(hi - lo).is_finite() || lo.abs() > 1e200 || hi.abs() > 1e200 {
        return Err(format!("its values reach {:e}, too large to draw", if hi.abs() > lo.abs() { hi } else { lo }));
    }
    let pad = (hi - lo).max(hi.abs().max(lo.abs()) * 1e-9).max(1e-9) * 0.08;
    let (y_min, y_max) = (if lo >= 0.0 && lo - pad < 0.0 { 0.0 } else { lo - pad }, hi + pad);

    let mut midnights = Vec::new();
    let mut d = time::local_date(&ctx.tz, t0);
    loop {
        let t = time::local_midnight(&ctx.tz, d);
        if t >= t1 {
            break;
        }
        if t >= t0 {
            midnights.push(hours(t));
        }
        d = d.succ_opt().ok_or("date overflow")?;
    }
    let xs = (0..ctx.review_len()).map(|j| hours(ctx.rtime(j))).collect();
    Ok(Frame { x, xs, lower, upper, earlier, t0, t1, x_end: hours(t1), y_min, y_max, off_chart, midnights })
}

/// Shaded ranges under everything else: the findings' episodes (grey for missing data), then the
/// reviewers' notes in violet with their text at the top (plotters escapes it).
fn draw_ranges(chart: &mut Plot, fr: &Frame, episodes: &[&Finding], notes: &[Note]) -> Result<(), String> {
    let span = |start: i64, end: i64| (fr.hours(start.max(fr.t0)), fr.hours(end.min(fr.t1)));
    for e in episodes {
        let (a, b) = span(e.start, e.end);
        if b > a {
            let colour = if e.kind == Kind::MissingData { INK } else { EPISODE };
            chart
                .draw_series(std::iter::once(Rectangle::new([(a, fr.y_min), (b.max(a + 0.25), fr.y_max)], colour.mix(0.13).filled())))
                .map_err(plot_error)?;
        }
    }
    for n in notes {
        let (a, b) = span(n.start, n.end);
        if b <= a {
            continue;
        }
        chart
            .draw_series(std::iter::once(Rectangle::new([(a, fr.y_min), (b.max(a + 0.25), fr.y_max)], NOTE.mix(0.16).filled())))
            .map_err(plot_error)?;
        let label: String = if n.label.chars().count() > 40 { n.label.chars().take(39).chain(['…']).collect() } else { n.label.clone() };
        chart
            .draw_series(std::iter::once(Text::new(
                format!("✎ {label}"),
                (a, fr.y_max),
                ("sans-serif", 11).into_font().color(&NOTE).pos(Pos::new(HPos::Left, VPos::Top)),
            )))
            .map_err(plot_error)?;
    }
    Ok(())
}

/// The seasonal band (one polygon per stretch where it is defined), earlier weeks fainter with age, last week.
fn draw_band_and_weeks(chart: &mut Plot, fr: &Frame, s: &SeriesFit, opts: ChartOptions) -> Result<(), String> {
    for seg in segments(&fr.upper) {
        let mut poly: Vec<(f64, f64)> = seg.clone().map(|j| (fr.xs[j], fr.upper[j])).collect();
        poly.extend(seg.rev().map(|j| (fr.xs[j], fr.lower[j].max(fr.y_min))));
        chart.draw_series(std::iter::once(Polygon::new(poly, BAND.mix(0.22).filled()))).map_err(plot_error)?;
    }
    for (i, w) in fr.earlier.iter().enumerate().rev() {
        let alpha = 0.32 - 0.2 * i as f64 / fr.earlier.len().max(1) as f64;
        for seg in segments(w) {
            chart.draw_series(LineSeries::new(seg.map(|j| (fr.xs[j], w[j])), LAST_WEEK.mix(alpha).stroke_width(1))).map_err(plot_error)?;
        }
    }
    if opts.last_week {
        let w = &s.fit.last_week;
        for seg in segments(w) {
            chart.draw_series(LineSeries::new(seg.map(|j| (fr.xs[j], w[j])), LAST_WEEK.mix(0.45).stroke_width(1))).map_err(plot_error)?;
        }
    }
    Ok(())
}

/// Instances: the siblings thin and grey, an odd one out in orange and named at its peak.
fn draw_instances(chart: &mut Plot, fr: &Frame, s: &SeriesFit, episodes: &[&Finding]) -> Result<(), String> {
    let odd_instances: Vec<&str> = episodes.iter().filter(|e| e.kind == Kind::OddOneOut).filter_map(|e| e.instance.as_deref()).collect();
    for (name, v) in &s.instances {
        let odd = odd_instances.contains(&name.as_str());
        let r = v.as_slice();
        let style = if odd { ODD.stroke_width(2) } else { INK.mix(0.35).stroke_width(1) };
        for seg in segments(r) {
            chart.draw_series(LineSeries::new(seg.map(|j| (fr.xs[j], r[j])), style)).map_err(plot_error)?;
        }
        let peak = (0..r.len()).filter(|&j| r[j].is_finite()).max_by(|&a, &b| r[a].total_cmp(&r[b]));
        if let Some(j) = peak.filter(|_| odd) {
            chart
                .draw_series(std::iter::once(Text::new(
                    name.clone(),
                    (fr.xs[j], r[j]),
                    ("sans-serif", 11).into_font().color(&ODD).pos(Pos::new(HPos::Center, VPos::Bottom)),
                )))
                .map_err(plot_error)?;
        }
    }
    Ok(())
}

/// The alarm and investigation lines, dashed and labelled; a line off the chart is named at its edge.
fn draw_lines(chart: &mut Plot, fr: &Frame, m: &crate::config::Metric) -> Result<(), String> {
    for (line, name, colour) in [(m.alarm, "alarm", ALARM), (m.investigation, "investigation", INVESTIGATION)] {
        let Some(l) = line else { continue };
        if fr.off_chart.iter().any(|(v, _)| *v == l) {
            continue;
        }
        chart.draw_series(DashedLineSeries::new(vec![(0.0, l), (fr.x_end, l)], 8, 4, colour.stroke_width(2))).map_err(plot_error)?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{name} {}", text::value(l, &m.unit)),
                (fr.x_end * 0.995, l),
                ("sans-serif", 11).into_font().color(&colour).pos(Pos::new(HPos::Right, VPos::Bottom)),
            )))
            .map_err(plot_error)?;
    }
    let (y_min, y_max) = (fr.y_min, fr.y_max);
    for (i, (l, name)) in fr.off_chart.iter().enumerate() {
        let colour = if *name == "alarm" { ALARM } else { INVESTIGATION };
        let arrow = if *l > y_max { "↑" } else { "↓" };
        // Named at the top-left (or bottom-left) corner, one line per off-chart line.
        let (y, pos) = if *l > y_max {
            (y_max - (y_max - y_min) * 0.08 * i as f64, VPos::Top)
        } else {
            (y_min + (y_max - y_min) * 0.08 * i as f64, VPos::Bottom)
        };
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{name} line {} {arrow} (off chart)", text::value(*l, &m.unit)),
                (fr.x_end * 0.005, y),
                ("sans-serif", 11).into_font().color(&colour).pos(Pos::new(HPos::Left, pos)),
            )))
            .map_err(plot_error)?;
    }
    Ok(())
}

/// Index ranges of consecutive finite values.
fn segments(v: &[f64]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        if !v[i].is_finite() {
            i += 1;
            continue;
        }
        let a = i;
        while i < v.len() && v[i].is_finite() {
            i += 1;
        }
        out.push(a..i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_split_at_gaps() {
        let n = f64::NAN;
        assert_eq!(segments(&[1.0, 2.0, n, n, 3.0, n, 4.0, 5.0]), vec![0..2, 4..5, 6..8]);
        assert!(segments(&[n, n]).is_empty());
    }

    #[test]
    fn a_metric_gets_only_its_own_notes() {
        use crate::journal::annotations::Annotation;
        let a = |metric: &str, start: i64, note: &str| Annotation {
            id: 0,
            metric: metric.into(),
            start,
            end: start + 600,
            note: note.into(),
            finding: String::new(),
            author: String::new(),
            created_at: 0,
            maintenance: false,
        };
        let all = [a("api.p99", 100, "deploy"), a("db.cpu", 200, "vacuum"), a("api.p99", 900, "rollback")];
        let cases: &[(&str, &[(i64, &str)])] =
            &[("api.p99", &[(100, "deploy"), (900, "rollback")]), ("db.cpu", &[(200, "vacuum")]), ("none", &[])];
        for (metric, want) in cases {
            let got: Vec<(i64, String)> = notes_of(&all, metric).into_iter().map(|n| (n.start, n.label)).collect();
            let want: Vec<(i64, String)> = want.iter().map(|(t, l)| (*t, l.to_string())).collect();
            assert_eq!(got, want, "{metric}");
        }
    }
}
