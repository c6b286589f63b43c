//! The detectors that read the weekly statistics: drift toward a line, a line too loose to fire, growing
//! volatility.

use crate::analysis::stats::{mann_kendall, median, theil_sen};
use crate::analysis::{Context, Fit, Params};
use crate::config::{Metric, Worse};
use crate::finding::{Finding, Kind};
use crate::text;
use crate::time::{self, WEEK};

/// The weekly statistic on the worse side: p95 when higher is worse, p5 when lower is worse.
pub(super) fn worse_quantile(m: &Metric, w: &crate::analysis::WeekStat) -> f64 {
    match m.worse {
        Worse::Higher => w.p95,
        Worse::Lower => w.p05,
    }
}

pub(super) fn drift(ctx: &Context, m: &Metric, fit: &Fit, p: &Params) -> Vec<Finding> {
    // Toward a line: a metric without one has nothing to drift toward (asked first, before the weeks' fit).
    if m.investigation.is_none() && m.alarm.is_none() {
        return vec![];
    }
    let weeks: Vec<&crate::analysis::WeekStat> = fit.weeks.iter().filter(|w| w.usable()).collect();
    if weeks.len() < 4 || weeks.last().map(|w| w.week) != Some(0) {
        return vec![];
    }
    let xs: Vec<f64> = weeks.iter().map(|w| w.week as f64).collect();
    let ys: Vec<f64> = weeks.iter().map(|w| worse_quantile(m, w)).collect();
    let Some((b, a)) = theil_sen(&xs, &ys) else {
        return vec![];
    };
    let s = m.worse.sign();
    let q_now = a;
    let target = [(m.investigation, "investigation"), (m.alarm, "alarm")]
        .into_iter()
        .find_map(|(l, name)| l.filter(|&l| !m.worse.beyond(q_now, l)).map(|l| (l, name)));
    let Some((line, name)) = target else {
        return vec![];
    };
    let toward = b * s;
    let headroom = (line - q_now) * s;
    if toward <= 0.0 || headroom <= 0.0 {
        return vec![];
    }
    let mk = mann_kendall(&ys) * s;
    let first_q = a + b * xs[0];
    let head_then = (line - first_q) * s;
    let shrunk = if head_then > 0.0 { 1.0 - headroom / head_then } else { 0.0 };
    let weeks_to_cross = headroom / toward;
    let horizon = p.drift_horizon_weeks();
    if mk < 0.6 || shrunk < 0.2 || weeks_to_cross > horizon {
        return vec![];
    }
    let cross_at = ctx.review_end() + (weeks_to_cross * WEEK as f64) as i64;
    let sev = 35.0 + (30.0 * (1.0 - weeks_to_cross / horizon)).clamp(0.0, 30.0) + if name == "alarm" { 10.0 } else { 0.0 };
    let stat = if m.worse == Worse::Higher { "p95" } else { "p5" };
    let span_weeks = weeks.len();
    let sentence = format!(
        "{}'s weekly {stat} moved from {} to {} over {span_weeks} weeks ({} a week); at this pace it crosses the {name} line {} around {} (in about {}).",
        text::subject(m),
        text::value(ys[0], &m.unit),
        text::value(*ys.last().unwrap_or(&q_now), &m.unit),
        signed(b, &m.unit),
        text::value(line, &m.unit),
        time::local_date(&ctx.tz, cross_at).format("%a %-d %b %Y"),
        weeks_words(weeks_to_cross),
    );
    vec![Finding::new(Kind::DriftTowardLine, m, weeks[0].start, ctx.review_end(), sev, sentence)
        .with("line", line)
        .with("line_kind", name)
        .with("weekly_statistic", stat)
        .with("weekly_values", ys.clone())
        .with("slope_per_week", b)
        .with("headroom_now", headroom)
        .with("headroom_shrunk", shrunk)
        .with("weeks_to_cross", weeks_to_cross)
        .with("projected_crossing", time::local_date(&ctx.tz, cross_at).to_string())]
}

pub(super) fn signed(v: f64, unit: &str) -> String {
    // A change of a percentage is in points, not per cent.
    let s = if unit.trim() == "%" { format!("{} pts", text::value(v.abs(), "")) } else { text::value(v.abs(), unit) };
    if v >= 0.0 {
        format!("+{s}")
    } else {
        format!("−{s}")
    }
}

pub(super) fn weeks_words(w: f64) -> String {
    if w < 1.0 {
        format!("{} days", (w * 7.0).ceil().max(1.0))
    } else {
        let n = w.round().max(1.0) as i64;
        format!("{n} week{}", if n == 1 { "" } else { "s" })
    }
}

pub(super) fn too_loose(ctx: &Context, m: &Metric, fit: &Fit, p: &Params) -> Vec<Finding> {
    let weeks: Vec<&crate::analysis::WeekStat> = fit.weeks.iter().filter(|w| w.usable()).collect();
    if weeks.len() < 2 || (m.alarm.is_none() && m.investigation.is_none()) {
        return vec![];
    }
    let s = m.worse.sign();
    let worst = weeks.iter().map(|w| if m.worse == Worse::Higher { w.p995 } else { w.p005 }).fold(f64::NAN, |acc, v| {
        if acc.is_nan() || (v - acc) * s > 0.0 {
            v
        } else {
            acc
        }
    });
    let typical = fit.level;
    if !worst.is_finite() || !typical.is_finite() {
        return vec![];
    }
    let e = ((worst - typical) * s).max(0.02 * typical.abs()).max(1e-9);
    let limit = p.loose_ratio();
    let ratio = |l: f64| (l - worst) * s / e;
    // Higher-is-worse lines must also be several times the worst normal value (an alarm at 2× a p99 is
    // normal practice); lower-is-worse lines (success ratios, traffic floors) use the distance alone.
    let far = |l: f64| ratio(l) > limit && (m.worse == Worse::Lower || worst <= 0.0 || l >= limit * worst);
    let loose_alarm = m.alarm.filter(|&l| far(l));
    let loose_inv = m.investigation.filter(|&l| far(l));
    if loose_alarm.is_none() && loose_inv.is_none() {
        return vec![];
    }
    let up = m.worse == Worse::Higher;
    let propose_alarm = crate::analysis::stats::round_nice(worst + s * e, up);
    let propose_inv = crate::analysis::stats::round_nice(worst + s * e / 3.0, up);
    let r = loose_alarm.or(loose_inv).map(ratio).unwrap_or(limit);
    let sev = 20.0 + (4.0 * (r - limit)).clamp(0.0, 20.0) + if loose_alarm.is_some() { 5.0 } else { 0.0 };
    let u = &m.unit;
    let beyond = if up { "above" } else { "below" };
    let which = match (loose_alarm, loose_inv) {
        (Some(a), Some(i)) => format!("the alarm line {} and the investigation line {} sit", text::value(a, u), text::value(i, u)),
        (Some(a), None) => format!("the alarm line {} sits", text::value(a, u)),
        (None, Some(i)) => format!("the investigation line {} sits", text::value(i, u)),
        (None, None) => String::new(),
    };
    let proposal = match (loose_alarm, loose_inv) {
        (Some(_), Some(_)) => format!(
            "move the alarm line to about {} and the investigation line to about {}",
            text::value(propose_alarm, u),
            text::value(propose_inv, u)
        ),
        (Some(_), None) => format!("move it to about {}", text::value(propose_alarm, u)),
        _ => format!("pull it to about {}", text::value(propose_inv, u)),
    };
    let sentence = format!(
        "For {}, {which} far {beyond} anything it did in {} weeks (worst weekly p99.5 {}, typical {}), so it would miss real trouble: {proposal}.",
        text::subject(m),
        weeks.len(),
        text::value(worst, u),
        text::value(typical, u),
    );
    let mut f = Finding::new(Kind::LineTooLoose, m, ctx.grid.start, ctx.review_end(), sev, sentence)
        .with("worst_normal", worst)
        .with("typical", typical)
        .with("normal_excursion", e)
        .with("looseness", r);
    if let Some(a) = loose_alarm {
        f = f.with("alarm", a).with("proposed_alarm", propose_alarm);
    }
    if let Some(i) = loose_inv {
        f = f.with("investigation", i).with("proposed_investigation", propose_inv);
    }
    vec![f]
}

pub(super) fn volatility(ctx: &Context, m: &Metric, fit: &Fit, p: &Params) -> Vec<Finding> {
    let weeks: Vec<&crate::analysis::WeekStat> = fit.weeks.iter().filter(|w| w.usable() && w.spread.is_finite()).collect();
    if weeks.len() < 4 || weeks.last().map(|w| w.week) != Some(0) {
        return vec![];
    }
    let spreads: Vec<f64> = weeks.iter().map(|w| w.spread).collect();
    let first = median(&spreads[..2]);
    let last = spreads[spreads.len() - 1];
    let prev_max = spreads[..spreads.len() - 1].iter().copied().fold(0.0, f64::max);
    if first <= 0.0 {
        return vec![];
    }
    let ratio = last / first;
    let mk = mann_kendall(&spreads);
    if ratio < p.volatility_ratio() || mk < 0.6 || last < 0.9 * prev_max {
        return vec![];
    }
    let l0 = weeks[0].median;
    let l1 = weeks[weeks.len() - 1].median;
    let growth = if l0.abs() > 1e-12 { l1 / l0 - 1.0 } else { 0.0 };
    let sev = 25.0 + (15.0 * (ratio - p.volatility_ratio())).clamp(0.0, 25.0) + if growth * m.worse.sign() > 0.05 { 5.0 } else { 0.0 };
    let level = if growth.abs() >= 0.05 {
        format!(" while its level {} {:.0}%", if growth > 0.0 { "rose" } else { "fell" }, growth.abs() * 100.0)
    } else {
        String::new()
    };
    let show = |s: f64| {
        if fit.spread_relative {
            format!("{:.1}% of its level", s * 100.0)
        } else {
            text::value(s, &m.unit)
        }
    };
    let sentence = format!(
        "{} is getting more variable: its spread around the usual pattern grew from {} to {} over {} weeks ({:.1}×){level}.",
        text::subject(m),
        show(first),
        show(last),
        weeks.len(),
        ratio,
    );
    vec![Finding::new(Kind::GrowingVolatility, m, weeks[0].start, ctx.review_end(), sev, sentence)
        .with("weekly_spread", spreads)
        .with("ratio", ratio)
        .with("trend_score", mk)
        .with("level_growth", growth)]
}
