//! Findings: what deserves attention, one record each, and how they are deduplicated and ranked.
//!
//! A finding carries its kind, where it is (team, service, metric, instance), when (a time span), how
//! much it matters (severity 0–100), the evidence numbers and one plain sentence. Ranking sorts by
//! severity, then recency; deduplication makes sure one incident on one series is told once.

use std::collections::BTreeMap;

use serde::Serialize;

/// How a severity reads at a glance: the one rule behind the colours of the app and the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// 70 and up.
    High,
    /// 45–69.
    Mid,
    /// Below 45.
    Low,
}

impl Band {
    pub fn of(severity: u8) -> Band {
        match severity {
            70.. => Band::High,
            45..=69 => Band::Mid,
            _ => Band::Low,
        }
    }
}

/// The kinds of finding, in the order the design lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    AlarmBreach,
    InvestigationBreach,
    SeasonalAnomaly,
    DriftTowardLine,
    LineTooLoose,
    GrowingVolatility,
    LevelShift,
    MissingData,
    OddOneOut,
    SourceError,
    UnusualStretch,
    SpikeBurst,
}

impl Kind {
    pub const ALL: [Kind; 12] = [
        Kind::AlarmBreach,
        Kind::InvestigationBreach,
        Kind::SeasonalAnomaly,
        Kind::DriftTowardLine,
        Kind::LineTooLoose,
        Kind::GrowingVolatility,
        Kind::LevelShift,
        Kind::MissingData,
        Kind::OddOneOut,
        Kind::SourceError,
        Kind::UnusualStretch,
        Kind::SpikeBurst,
    ];

    /// Stable machine name (as in JSON).
    pub fn key(self) -> &'static str {
        match self {
            Kind::AlarmBreach => "alarm_breach",
            Kind::InvestigationBreach => "investigation_breach",
            Kind::SeasonalAnomaly => "seasonal_anomaly",
            Kind::DriftTowardLine => "drift_toward_line",
            Kind::LineTooLoose => "line_too_loose",
            Kind::GrowingVolatility => "growing_volatility",
            Kind::LevelShift => "level_shift",
            Kind::MissingData => "missing_data",
            Kind::OddOneOut => "odd_one_out",
            Kind::SourceError => "source_error",
            Kind::UnusualStretch => "unusual_stretch",
            Kind::SpikeBurst => "spike_burst",
        }
    }

    /// The evidence key counting findings of this kind folded into a stronger one (`also_<key>`).
    pub fn also_key(self) -> &'static str {
        match self {
            Kind::AlarmBreach => "also_alarm_breach",
            Kind::InvestigationBreach => "also_investigation_breach",
            Kind::SeasonalAnomaly => "also_seasonal_anomaly",
            Kind::DriftTowardLine => "also_drift_toward_line",
            Kind::LineTooLoose => "also_line_too_loose",
            Kind::GrowingVolatility => "also_growing_volatility",
            Kind::LevelShift => "also_level_shift",
            Kind::MissingData => "also_missing_data",
            Kind::OddOneOut => "also_odd_one_out",
            Kind::SourceError => "also_source_error",
            Kind::UnusualStretch => "also_unusual_stretch",
            Kind::SpikeBurst => "also_spike_burst",
        }
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Kind::AlarmBreach => "alarm breach",
            Kind::InvestigationBreach => "investigation breach",
            Kind::SeasonalAnomaly => "seasonal anomaly",
            Kind::DriftTowardLine => "drift toward a line",
            Kind::LineTooLoose => "line too loose",
            Kind::GrowingVolatility => "growing volatility",
            Kind::LevelShift => "level shift",
            Kind::MissingData => "missing data",
            Kind::OddOneOut => "odd one out",
            Kind::SourceError => "source error",
            Kind::UnusualStretch => "unusual stretch",
            Kind::SpikeBurst => "spike burst",
        }
    }

    pub fn from_key(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.key() == s || k.label() == s)
    }
}

/// An evidence value: a number or a short text (a time, a proposed line, a list of weekly values).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Evidence {
    Number(f64),
    Text(String),
    Numbers(Vec<f64>),
}

impl From<f64> for Evidence {
    fn from(v: f64) -> Self {
        if v.is_finite() {
            Evidence::Number(v)
        } else {
            Evidence::Text(v.to_string())
        }
    }
}
impl From<String> for Evidence {
    fn from(v: String) -> Self {
        Evidence::Text(v)
    }
}
impl From<&str> for Evidence {
    fn from(v: &str) -> Self {
        Evidence::Text(v.to_string())
    }
}
impl From<Vec<f64>> for Evidence {
    fn from(v: Vec<f64>) -> Self {
        Evidence::Numbers(v.into_iter().map(|x| if x.is_finite() { x } else { 0.0 }).collect())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub team: String,
    pub service: String,
    /// Metric id.
    pub metric: String,
    pub metric_name: String,
    pub instance: Option<String>,
    /// Unix seconds, `[start, end)`.
    pub start: i64,
    pub end: i64,
    /// 0–100.
    pub severity: u8,
    /// One plain sentence.
    pub sentence: String,
    /// Named numbers and texts behind the sentence (keys are the detectors' own words: no allocation each).
    pub evidence: BTreeMap<&'static str, Evidence>,
}

impl Finding {
    /// A finding of `kind` on a metric, filled in by the detector.
    pub fn new(kind: Kind, m: &crate::config::Metric, start: i64, end: i64, severity: f64, sentence: String) -> Finding {
        Finding {
            kind,
            team: m.team.clone(),
            service: m.service.clone(),
            metric: m.id.clone(),
            metric_name: m.name.clone(),
            instance: None,
            start,
            end,
            severity: Finding::shown_severity(severity),
            sentence,
            evidence: BTreeMap::new(),
        }
    }

    /// A severity as findings hold it: a whole number 0–100 (NaN reads 0).
    pub fn shown_severity(severity: f64) -> u8 {
        severity.round().clamp(0.0, 100.0) as u8
    }

    pub fn with(mut self, key: &'static str, v: impl Into<Evidence>) -> Finding {
        self.evidence.insert(key, v.into());
        self
    }

    /// A stable id: metric, instance, kind and start.
    pub fn id(&self) -> String {
        format!("{}{}:{}:{}", self.metric, self.instance.as_ref().map(|i| format!("@{i}")).unwrap_or_default(), self.kind.key(), self.start)
    }

    fn overlaps(&self, o: &Finding) -> bool {
        self.start < o.end && o.start < self.end
    }
}

/// How close (seconds) a weaker anomaly or stretch must be to a stronger one of the same series to be told
/// as part of it.
pub const NEARBY_SECS: i64 = 12 * 3600;

/// Deduplicate the findings of one series (same metric and instance) so one incident is told once:
/// an investigation breach inside an alarm episode, and a seasonal anomaly inside a breach or after a
/// level shift, and an unusual stretch overlapping any of those, are folded into the stronger finding (which gains `also_*` evidence);
/// weaker anomalies and stretches within [`NEARBY_SECS`] of a stronger one are counted on it (`nearby_episodes`).
pub fn dedupe(mut fs: Vec<Finding>) -> Vec<Finding> {
    fn absorbed_by(weak: Kind, strong: Kind) -> bool {
        matches!(
            (weak, strong),
            (Kind::InvestigationBreach, Kind::AlarmBreach)
                | (Kind::SeasonalAnomaly, Kind::AlarmBreach)
                | (Kind::SeasonalAnomaly, Kind::InvestigationBreach)
                | (Kind::SeasonalAnomaly, Kind::LevelShift)
                | (Kind::SeasonalAnomaly, Kind::GrowingVolatility)
                | (Kind::UnusualStretch, Kind::AlarmBreach)
                | (Kind::UnusualStretch, Kind::InvestigationBreach)
                | (Kind::UnusualStretch, Kind::SeasonalAnomaly)
                | (Kind::UnusualStretch, Kind::LevelShift)
                | (Kind::UnusualStretch, Kind::GrowingVolatility)
                | (Kind::SpikeBurst, Kind::AlarmBreach)
                | (Kind::SpikeBurst, Kind::InvestigationBreach)
                | (Kind::SpikeBurst, Kind::LevelShift)
                | (Kind::SpikeBurst, Kind::GrowingVolatility)
                | (Kind::SpikeBurst, Kind::UnusualStretch)
        )
    }
    // A few points beyond the band inside a longer stretch are part of the stretch, not a second story.
    let inside_stretch = |weak: &Finding, strong: &Finding| {
        weak.kind == Kind::SeasonalAnomaly
            && strong.kind == Kind::UnusualStretch
            && strong.start <= weak.start
            && weak.end <= strong.end
            && strong.end - strong.start >= 3 * (weak.end - weak.start)
    };
    let mut keep = vec![true; fs.len()];
    for i in 0..fs.len() {
        for j in 0..fs.len() {
            if i == j || !keep[j] || fs[i].metric != fs[j].metric || fs[i].instance != fs[j].instance {
                continue;
            }
            if inside_stretch(&fs[j], &fs[i]) {
                continue;
            }
            if (absorbed_by(fs[i].kind, fs[j].kind) || inside_stretch(&fs[i], &fs[j])) && fs[i].overlaps(&fs[j]) {
                keep[i] = false;
                let key = fs[i].kind.also_key();
                let n = match fs[j].evidence.get(key) {
                    Some(Evidence::Number(n)) => *n + 1.0,
                    _ => 1.0,
                };
                fs[j].evidence.insert(key, Evidence::Number(n));
                break;
            }
        }
    }
    // One turbulent stretch is one story: a weaker seasonal anomaly or unusual stretch within 12 hours of a
    // stronger one on the same series is folded into it (counted, and said in its sentence).
    let weakish = |k: Kind| matches!(k, Kind::SeasonalAnomaly | Kind::UnusualStretch);
    let mut order: Vec<usize> = (0..fs.len()).filter(|&i| keep[i] && weakish(fs[i].kind)).collect();
    order.sort_by(|&a, &b| fs[b].severity.cmp(&fs[a].severity).then(fs[a].start.cmp(&fs[b].start)));
    for (pos, &j) in order.iter().enumerate() {
        if !keep[j] {
            continue;
        }
        let mut folded = 0;
        for &i in &order[pos + 1..] {
            if !keep[i] || fs[i].metric != fs[j].metric || fs[i].instance != fs[j].instance {
                continue;
            }
            let gap = (fs[i].start - fs[j].end).max(fs[j].start - fs[i].end);
            if gap <= NEARBY_SECS {
                keep[i] = false;
                folded += 1;
            }
        }
        if folded > 0 {
            let f = &mut fs[j];
            f.evidence.insert("nearby_episodes", Evidence::Number(folded as f64));
            let said = format!("{folded} weaker episode{} within 12 hours of it counted here", if folded == 1 { "" } else { "s" });
            // One parenthesis at the end of a sentence, not two in a row.
            if f.sentence.ends_with(").") {
                f.sentence.truncate(f.sentence.len() - 2);
                f.sentence.push_str(&format!("; {said})."));
            } else {
                if f.sentence.ends_with('.') {
                    f.sentence.pop();
                }
                f.sentence.push_str(&format!(" ({said})."));
            }
        }
    }
    let mut k = keep.into_iter();
    fs.retain(|_| k.next().unwrap_or(true));
    fs
}

/// Rank: severity first, then the most recent, then a stable order by team and metric (then kind and start;
/// findings equal in all of those keep their order).
pub fn rank(fs: &mut [Finding]) {
    // Tens of thousands of findings tie on severity and end (a high sensitivity's): comparing their names at
    // each step of the sort was most of its time, and so was moving whole findings. The names are compared once
    // per (team, metric) run instead — a metric's findings come together — and the sort moves numbers.
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut pair_of: Vec<u32> = Vec::with_capacity(fs.len());
    for f in fs.iter() {
        let p = (f.team.as_str(), f.metric.as_str());
        if pairs.last() != Some(&p) {
            pairs.push(p);
        }
        pair_of.push(pairs.len() as u32 - 1);
    }
    let mut by_name: Vec<u32> = (0..pairs.len() as u32).collect();
    by_name.sort_by_key(|&i| pairs[i as usize]);
    // A pair's place in name order; the same pair met in two runs gets one place.
    let mut place = vec![0u32; pairs.len()];
    let mut at = 0;
    for (i, &p) in by_name.iter().enumerate() {
        if i > 0 && pairs[by_name[i - 1] as usize] != pairs[p as usize] {
            at = i as u32;
        }
        place[p as usize] = at;
    }
    // The finding's own index last: the unstable sort of distinct keys is the stable sort.
    let mut keys: Vec<_> = fs
        .iter()
        .zip(&pair_of)
        .enumerate()
        .map(|(i, (f, &p))| (std::cmp::Reverse(f.severity), std::cmp::Reverse(f.end), place[p as usize], f.kind, f.start, i))
        .collect();
    keys.sort_unstable();
    // Put each finding where its key went, following each cycle of the permutation once.
    let mut done = vec![false; fs.len()];
    for start in 0..fs.len() {
        let mut j = start;
        while !done[j] {
            done[j] = true;
            let from = keys[j].5;
            if from == start {
                break;
            }
            fs.swap(j, from);
            j = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_bands() {
        for (sev, band) in [(0, Band::Low), (44, Band::Low), (45, Band::Mid), (69, Band::Mid), (70, Band::High), (100, Band::High)] {
            assert_eq!(Band::of(sev), band, "severity {sev}");
        }
    }
    use crate::config::Metric;

    fn f(kind: Kind, start: i64, end: i64, sev: f64) -> Finding {
        Finding::new(kind, &Metric::bare("m", std::path::Path::new("x.csv"), "m"), start, end, sev, String::new())
    }

    #[test]
    fn one_incident_is_told_once() {
        let cases: Vec<(Vec<Finding>, Vec<Kind>)> = vec![
            (
                vec![f(Kind::AlarmBreach, 10, 20, 80.0), f(Kind::InvestigationBreach, 5, 25, 50.0), f(Kind::SeasonalAnomaly, 12, 14, 30.0)],
                vec![Kind::AlarmBreach],
            ),
            (
                vec![f(Kind::AlarmBreach, 10, 20, 80.0), f(Kind::InvestigationBreach, 30, 40, 50.0)],
                vec![Kind::AlarmBreach, Kind::InvestigationBreach],
            ),
            (
                vec![f(Kind::LevelShift, 100, 200, 40.0), f(Kind::SeasonalAnomaly, 150, 160, 30.0), f(Kind::SeasonalAnomaly, 10, 20, 30.0)],
                vec![Kind::LevelShift, Kind::SeasonalAnomaly],
            ),
            (vec![f(Kind::MissingData, 0, 10, 60.0), f(Kind::LineTooLoose, 0, 10, 20.0)], vec![Kind::MissingData, Kind::LineTooLoose]),
            // A short anomaly inside a much longer stretch is part of the stretch...
            (vec![f(Kind::SeasonalAnomaly, 40, 50, 50.0), f(Kind::UnusualStretch, 0, 100, 40.0)], vec![Kind::UnusualStretch]),
            // ...and a stretch that is mostly one anomaly is told as the anomaly.
            (vec![f(Kind::UnusualStretch, 30, 60, 40.0), f(Kind::SeasonalAnomaly, 40, 55, 50.0)], vec![Kind::SeasonalAnomaly]),
            (vec![f(Kind::UnusualStretch, 0, 100, 40.0), f(Kind::LevelShift, 50, 200, 45.0)], vec![Kind::LevelShift]),
        ];
        for (input, want) in cases {
            let got: Vec<Kind> = dedupe(input).iter().map(|x| x.kind).collect();
            assert_eq!(got, want);
        }
        let merged = dedupe(vec![f(Kind::AlarmBreach, 10, 20, 80.0), f(Kind::SeasonalAnomaly, 12, 14, 30.0)]);
        assert_eq!(merged[0].evidence.get("also_seasonal_anomaly"), Some(&Evidence::Number(1.0)));
    }

    #[test]
    fn weaker_episodes_within_twelve_hours_are_counted_on_the_stronger() {
        const H: i64 = 3600;
        type Case = (Vec<Finding>, Vec<(Kind, i64)>);
        let cases: Vec<Case> = vec![
            // Six hours after a stronger anomaly: part of it.
            (vec![f(Kind::SeasonalAnomaly, 0, H, 60.0), f(Kind::SeasonalAnomaly, 7 * H, 8 * H, 40.0)], vec![(Kind::SeasonalAnomaly, 0)]),
            // Before it counts too; the stronger one keeps its own start.
            (
                vec![f(Kind::UnusualStretch, 0, 2 * H, 40.0), f(Kind::SeasonalAnomaly, 10 * H, 11 * H, 60.0)],
                vec![(Kind::SeasonalAnomaly, 10 * H)],
            ),
            // Thirteen hours apart: two stories.
            (
                vec![f(Kind::SeasonalAnomaly, 0, H, 60.0), f(Kind::SeasonalAnomaly, 14 * H, 15 * H, 40.0)],
                vec![(Kind::SeasonalAnomaly, 0), (Kind::SeasonalAnomaly, 14 * H)],
            ),
            // Breaches are never folded away.
            (
                vec![f(Kind::SeasonalAnomaly, 0, H, 60.0), f(Kind::InvestigationBreach, 3 * H, 4 * H, 45.0)],
                vec![(Kind::SeasonalAnomaly, 0), (Kind::InvestigationBreach, 3 * H)],
            ),
        ];
        for (input, want) in cases {
            let got: Vec<(Kind, i64)> = dedupe(input).iter().map(|x| (x.kind, x.start)).collect();
            assert_eq!(got, want);
        }
        let kept = dedupe(vec![
            f(Kind::SeasonalAnomaly, 0, H, 60.0),
            f(Kind::SeasonalAnomaly, 2 * H, 3 * H, 40.0),
            f(Kind::UnusualStretch, 5 * H, 9 * H, 30.0),
        ]);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].evidence.get("nearby_episodes"), Some(&Evidence::Number(2.0)));
        assert!(kept[0].sentence.contains("2 weaker episodes within 12 hours"), "{}", kept[0].sentence);
        // A sentence that already ends in a parenthesis says it there, not in a second one.
        let mut counted = f(Kind::SeasonalAnomaly, 0, H, 60.0);
        counted.sentence = "It rose (4 more anomalous episodes this week).".into();
        let kept = dedupe(vec![counted, f(Kind::SeasonalAnomaly, 2 * H, 3 * H, 40.0)]);
        assert_eq!(kept[0].sentence, "It rose (4 more anomalous episodes this week; 1 weaker episode within 12 hours of it counted here).");
        // Another series is another story.
        let mut other = f(Kind::SeasonalAnomaly, 2 * H, 3 * H, 40.0);
        other.metric = "other".into();
        assert_eq!(dedupe(vec![f(Kind::SeasonalAnomaly, 0, H, 60.0), other]).len(), 2);
    }

    #[test]
    fn ranking_is_by_severity_then_recency() {
        let mut v = vec![f(Kind::SeasonalAnomaly, 0, 10, 30.0), f(Kind::AlarmBreach, 0, 5, 90.0), f(Kind::SeasonalAnomaly, 0, 50, 30.0)];
        rank(&mut v);
        assert_eq!((v[0].severity, v[1].end, v[2].end), (90, 50, 10));
    }

    #[test]
    fn ranking_is_the_stable_sort_by_severity_end_team_metric_kind_start() {
        // Ties on severity and end are ordered by team, metric, kind and start; full ties keep their order (told
        // apart here by their sentences). A metric's findings met in two runs, and metrics whose names order
        // differently from the team's, are among them.
        let mk = |team: &str, metric: &str, kind: Kind, start: i64, end: i64, sev: f64, tag: &str| {
            let mut x = f(kind, start, end, sev);
            (x.team, x.metric, x.sentence) = (team.into(), metric.into(), tag.into());
            x
        };
        let mut rng = crate::synth::Rng::new(7);
        let (teams, metrics, kinds) =
            (["b", "a", "c"], ["m2", "m10", "m1"], [Kind::SeasonalAnomaly, Kind::AlarmBreach, Kind::UnusualStretch]);
        let mut v: Vec<Finding> = Vec::new();
        for i in 0..600 {
            let pick = |n: usize, rng: &mut crate::synth::Rng| (rng.next_u64() % n as u64) as usize;
            let (t, m, k) = (pick(3, &mut rng), pick(3, &mut rng), pick(3, &mut rng));
            let (start, end, sev) = (pick(2, &mut rng) as i64, 10 + pick(3, &mut rng) as i64, 40.0 + pick(3, &mut rng) as f64);
            // Runs of one metric, as detectors give them, broken now and then.
            let run = if i % 5 == 0 { 1 } else { 3 };
            for r in 0..run {
                v.push(mk(teams[t], metrics[m], kinds[k], start, end, sev, &format!("{i}.{r}")));
            }
        }
        let by_hand = |fs: &mut Vec<Finding>| {
            fs.sort_by(|a, b| {
                (b.severity, b.end, &a.team, &a.metric, a.kind, a.start).cmp(&(a.severity, a.end, &b.team, &b.metric, b.kind, b.start))
            })
        };
        let tags = |fs: &[Finding]| fs.iter().map(|f| f.sentence.clone()).collect::<Vec<_>>();
        for n in [0, 1, 2, 3, v.len()] {
            let mut got: Vec<Finding> = v[..n].to_vec();
            let mut want = got.clone();
            by_hand(&mut want);
            rank(&mut got);
            assert_eq!(tags(&got), tags(&want), "{n} findings");
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_key(k.key()), Some(k));
            assert_eq!(Kind::from_key(k.label()), Some(k));
            assert_eq!(k.also_key(), format!("also_{}", k.key()), "the evidence key of {k:?} folded away");
        }
    }
}
