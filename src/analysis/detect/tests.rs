//! The detectors' tests: each kind found where injected and nowhere else, and re-flagging's quick answer.

mod kinds {
    use super::super::*;
    use crate::analysis::fit;
    use crate::config::Worse;
    use crate::finding::Evidence;
    use crate::synth::{Inject, Rng, Shape};

    fn ctx() -> Context {
        crate::analysis::test_week()
    }

    fn metric(worse: Worse, lines: (f64, f64)) -> Metric {
        Metric {
            name: "metric".into(),
            unit: "ms".into(),
            statistic: "p99".into(),
            alarm: Some(lines.1),
            investigation: Some(lines.0),
            line: 1,
            ..Metric::new("m", "T", "svc", worse, std::path::Path::new("x"), "m")
        }
    }

    const SHAPE: Shape = Shape { level: 100.0, daily: 0.3, weekly: 0.1, noise: 0.04, growth_per_week: 0.0 };
    const HIGHER: (f64, f64) = (170.0, 220.0);
    const LOWER: (f64, f64) = (33.0, 16.0);
    /// Review offset of day `d` (Monday = 0) at `h` o'clock.
    fn at(d: usize, h: usize) -> usize {
        (d * 24 + h) * 12
    }

    struct Case {
        name: &'static str,
        worse: Worse,
        lines: (f64, f64),
        shape: Shape,
        widen: f64,
        inject: Vec<Inject>,
        /// The kind that must be found, and a review offset its span must contain (None: anywhere).
        want: Option<(Kind, Option<usize>)>,
    }

    fn case(name: &'static str, worse: Worse, inject: Vec<Inject>, want: Option<(Kind, Option<usize>)>) -> Case {
        Case { name, worse, lines: if worse == Worse::Higher { HIGHER } else { LOWER }, shape: SHAPE, widen: 0.0, inject, want }
    }

    fn cases() -> Vec<Case> {
        use Kind::*;
        vec![
            case("clean, higher is worse", Worse::Higher, vec![], None),
            case("clean, lower is worse", Worse::Lower, vec![], None),
            case(
                "alarm breach",
                Worse::Higher,
                vec![Inject::Bump { at: at(1, 14), len: 8, factor: 2.5 }],
                Some((AlarmBreach, Some(at(1, 14) + 2))),
            ),
            case(
                "alarm breach, lower is worse",
                Worse::Lower,
                vec![Inject::Bump { at: at(3, 10), len: 10, factor: 0.08 }],
                Some((AlarmBreach, Some(at(3, 10) + 3))),
            ),
            case(
                "investigation breach",
                Worse::Higher,
                vec![Inject::Bump { at: at(3, 14), len: 12, factor: 1.45 }],
                Some((InvestigationBreach, Some(at(3, 14) + 3))),
            ),
            case(
                "anomaly crossing no line",
                Worse::Higher,
                vec![Inject::Bump { at: at(2, 3), len: 6, factor: 1.6 }],
                Some((SeasonalAnomaly, Some(at(2, 3) + 2))),
            ),
            case(
                "dip when lower is worse",
                Worse::Lower,
                vec![Inject::Bump { at: at(4, 11), len: 12, factor: 0.6 }],
                Some((SeasonalAnomaly, Some(at(4, 11) + 2))),
            ),
            case("level shift", Worse::Higher, vec![Inject::Shift { at: at(2, 9), factor: 1.25 }], Some((LevelShift, Some(at(2, 9) + 1)))),
            case("gap", Worse::Higher, vec![Inject::Gap { at: at(1, 2), len: 10 }], Some((MissingData, Some(at(1, 2) + 1)))),
            case("stopped reporting", Worse::Lower, vec![Inject::Stop { at: at(5, 18) }], Some((MissingData, Some(at(6, 0))))),
            Case {
                name: "drift toward the investigation line",
                shape: Shape { growth_per_week: 0.08, ..SHAPE },
                lines: (170.0, 240.0),
                ..case("", Worse::Higher, vec![], Some((DriftTowardLine, None)))
            },
            Case { name: "line too loose", lines: (3000.0, 5000.0), ..case("", Worse::Higher, vec![], Some((LineTooLoose, None))) },
            Case {
                name: "growing volatility",
                widen: 0.3,
                lines: (400.0, 500.0),
                ..case("", Worse::Higher, vec![], Some((GrowingVolatility, None)))
            },
        ]
    }

    #[test]
    fn each_kind_is_found_where_injected_and_nothing_on_clean_series() {
        let c = ctx();
        for case in cases() {
            for seed in 1..=3u64 {
                let mut rng = Rng::new(seed);
                let mut v =
                    if case.widen > 0.0 { case.shape.render_widening(&c, &mut rng, case.widen) } else { case.shape.render(&c, &mut rng) };
                for inj in &case.inject {
                    inj.apply(&c, &mut v);
                }
                let m = metric(case.worse, case.lines);
                let f = fit(&c, &v);
                let found = crate::finding::dedupe(detect(&c, &m, &v[c.review.clone()], &f, &Params::default()));
                match case.want {
                    None => assert!(
                        found.is_empty(),
                        "{} (seed {seed}): unexpected {:?}",
                        case.name,
                        found.iter().map(|f| &f.sentence).collect::<Vec<_>>()
                    ),
                    Some((kind, point)) => {
                        let hit =
                            found.iter().any(|f| f.kind == kind && point.map(|j| (f.start..f.end).contains(&c.rtime(j))).unwrap_or(true));
                        assert!(
                            hit,
                            "{} (seed {seed}): {kind:?} not found; got {:?}",
                            case.name,
                            found.iter().map(|f| (f.kind, &f.sentence)).collect::<Vec<_>>()
                        );
                        let others: Vec<&Finding> = found.iter().filter(|f| f.kind != kind).collect();
                        assert!(
                            others.len() <= 1,
                            "{} (seed {seed}): too much besides {kind:?}: {:?}",
                            case.name,
                            others.iter().map(|f| &f.sentence).collect::<Vec<_>>()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_steady_findings_with_the_moving_ones_are_what_detect_finds() {
        // Re-flagging keeps the steady findings (breaches, missing data) from fit time and runs only the
        // detectors that depend on the sensitivity: every case, at every sensitivity, gives detect's findings
        // in detect's order. With its last week and usually-missing slots gone, as a spilled metric is read back.
        let c = ctx();
        let mut kinds = std::collections::BTreeSet::new();
        for case in cases() {
            let mut v = case.shape.render(&c, &mut Rng::new(5));
            for inj in &case.inject {
                inj.apply(&c, &mut v);
            }
            let m = metric(case.worse, case.lines);
            let f = fit(&c, &v);
            let x = &v[c.review.clone()];
            let steady = steady(&c, &m, x, &f);
            let lean = Fit { last_week: Vec::new(), usual_missing: Vec::new(), ..f.clone() };
            for s in [0.25, 0.5, 1.0, 1.5, 2.0, 4.0] {
                let p = Params { sensitivity: s };
                let whole = detect(&c, &m, x, &f, &p);
                let again = with_steady(&steady, moving(&c, &m, x, &lean, &p));
                let show = |fs: &[Finding]| fs.iter().map(|f| (f.kind, f.start, f.severity, f.sentence.clone())).collect::<Vec<_>>();
                assert_eq!(show(&again), show(&whole), "{} at {s}", case.name);
                kinds.extend(whole.iter().map(|f| f.kind));
            }
        }
        // Steady kinds on both sides of the moving ones were among them, so the order was put to the test.
        for k in [Kind::AlarmBreach, Kind::InvestigationBreach, Kind::MissingData, Kind::SeasonalAnomaly] {
            assert!(kinds.contains(&k), "no {k:?} among the cases");
        }
    }

    #[test]
    fn sensitivity_re_flags_the_same_fit() {
        let c = ctx();
        let mut v = SHAPE.render(&c, &mut Rng::new(9));
        Inject::Bump { at: at(2, 3), len: 4, factor: 1.22 }.apply(&c, &mut v);
        let m = metric(Worse::Higher, HIGHER);
        let f = fit(&c, &v);
        let count = |s: f64| detect(&c, &m, &v[c.review.clone()], &f, &Params { sensitivity: s }).len();
        assert!(
            count(0.5) <= count(1.0) && count(1.0) <= count(2.0) && count(0.5) < count(2.0),
            "{} {} {}",
            count(0.5),
            count(1.0),
            count(2.0)
        );
    }

    #[test]
    fn anomalies_past_three_a_week_are_counted_not_told() {
        let c = ctx();
        let m = metric(Worse::Higher, (1e9, 2e9));
        // Spikes of two points, ~21 h apart, the first the weakest (z ≈ 7) and each stronger than the last.
        let factors = [1.3, 1.6, 2.0, 2.6, 3.4, 4.4, 5.8, 7.6];
        for n in [1, 2, 3, 4, 8] {
            let mut v = SHAPE.render(&c, &mut Rng::new(21));
            for (i, &factor) in factors.iter().take(n).enumerate() {
                Inject::Bump { at: 100 + 250 * i, len: 2, factor }.apply(&c, &mut v);
            }
            let f = fit(&c, &v);
            let found: Vec<Finding> = detect(&c, &m, &v[c.review.clone()], &f, &Params::default())
                .into_iter()
                .filter(|f| f.kind == Kind::SeasonalAnomaly)
                .collect();
            assert_eq!(found.len(), n.min(3), "{n} spikes: {found:#?}");
            assert!(found.windows(2).all(|w| w[0].severity >= w[1].severity), "{n} spikes: not strongest first");
            let more = n.saturating_sub(3);
            let counted: Vec<Option<f64>> = found
                .iter()
                .map(|f| match f.evidence.get("more_episodes") {
                    Some(Evidence::Number(x)) => Some(*x),
                    _ => None,
                })
                .collect();
            if more > 0 {
                assert_eq!(counted[0], Some(more as f64), "{n} spikes");
                let episodes = if more == 1 { "episode" } else { "episodes" };
                assert!(found[0].sentence.ends_with(&format!(" ({more} more anomalous {episodes} this week).")), "{}", found[0].sentence);
                assert!(counted[1..].iter().all(Option::is_none), "{n} spikes: counted twice");
                // The weakest spike is among those counted, not told.
                let weakest = c.rtime(100);
                assert!(found.iter().all(|f| !(f.start <= weakest && weakest < f.end)), "{n} spikes: the weakest was kept");
            } else {
                assert!(counted.iter().all(Option::is_none), "{n} spikes: {counted:?}");
                assert!(found.iter().all(|f| !f.sentence.contains("more anomalous")), "{n} spikes");
            }
        }
    }

    #[test]
    fn an_irregularly_sampled_series_is_not_missing_data_for_its_usual_gaps() {
        let c = ctx();
        let m = metric(Worse::Higher, HIGHER);
        // Samples every 5 to 15 minutes: on the 5-minute grid, gaps of 1–2 points everywhere.
        let mut v = SHAPE.render(&c, &mut Rng::new(4));
        let mut rng = Rng::new(5);
        for x in v.iter_mut() {
            if rng.uniform() < 0.3 {
                *x = f64::NAN;
            }
        }
        let kinds = |v: &[f64]| {
            detect(&c, &m, &v[c.review.clone()], &fit(&c, v), &Params::default()).into_iter().map(|f| f.kind).collect::<Vec<_>>()
        };
        assert!(!kinds(&v).contains(&Kind::MissingData), "{:?}", kinds(&v));
        // Two hours of silence are still news.
        Inject::Gap { at: at(2, 10), len: 24 }.apply(&c, &mut v);
        assert!(kinds(&v).contains(&Kind::MissingData), "{:?}", kinds(&v));
    }

    #[test]
    fn a_silence_is_usual_only_if_the_history_it_reported_in_says_so() {
        let c = ctx();
        let m = metric(Worse::Higher, HIGHER);
        // (case, history weeks back (1 = last week) that sent nothing at all, every history week silent, a
        // nightly pause 02:00–04:00, a 2-hour gap on Wednesday at 10:00, whether missing data is flagged)
        let cases = [
            ("a nightly pause it always has", &[][..], false, true, false, false),
            ("the pause after a week-long outage in the history", &[3][..], false, true, false, false),
            ("the pause after two silent weeks of five", &[1, 4][..], false, true, false, false),
            ("a new gap after an outage week", &[3][..], false, false, true, true),
            ("a series new this week: its pauses are not usual yet", &[][..], true, true, false, true),
            ("a series new this week with one gap", &[][..], true, false, true, true),
            ("a series new this week, reporting throughout", &[][..], true, false, false, false),
        ];
        for (name, silent_weeks, new, pause, gap, want) in cases {
            let mut v = SHAPE.render(&c, &mut Rng::new(7));
            for (i, x) in v.iter_mut().enumerate() {
                let week = c.week[i];
                let hour = c.slot[i] as usize * c.grid.step as usize / 3600 % 24;
                if (week < 0 && (new || silent_weeks.contains(&(-week)))) || (pause && (2..4).contains(&hour)) {
                    *x = f64::NAN;
                }
            }
            if gap {
                Inject::Gap { at: at(2, 10), len: 24 }.apply(&c, &mut v);
            }
            let found = detect(&c, &m, &v[c.review.clone()], &fit(&c, &v), &Params::default());
            let missing: Vec<&Finding> = found.iter().filter(|f| f.kind == Kind::MissingData).collect();
            assert_eq!(!missing.is_empty(), want, "{name}: {:?}", missing.iter().map(|f| &f.sentence).collect::<Vec<_>>());
        }
        // With nothing in the history and nothing this week, the series sent no data at all: news, not usual.
        let v = vec![f64::NAN; c.grid.len];
        let found = detect(&c, &m, &v[c.review.clone()], &fit(&c, &v), &Params::default());
        assert!(found.iter().any(|f| f.kind == Kind::MissingData && f.sentence.contains("sent no data at all")), "{found:?}");
    }

    #[test]
    fn novelty_is_graded_by_the_historys_largest_departure() {
        for (pz, hmax, want) in [
            (8.0, 8.0, 10.0),     // as large as anything in the history
            (16.0, 8.0, 15.0),    // twice as large: capped at +15
            (11.3, 8.0, 15.0),    // just under twice: 10 + 10·log2(1.41) ≈ 15
            (4.0, 8.0, 0.0),      // half the history's largest: nothing
            (1.0, 8.0, -5.0),     // routine for this series: −5 at most
            (8.0, f64::NAN, 0.0), // no history: nothing either way
            (f64::INFINITY, 8.0, 0.0),
        ] {
            let got = novelty_bonus(pz, hmax);
            assert!((got - want).abs() < 0.1, "pz {pz} hmax {hmax}: {got} != {want}");
        }
    }

    #[test]
    fn runs_merge_short_gaps() {
        let t = true;
        let f = false;
        assert_eq!(runs(&[t, t, f, t, f, f, f, t], 1), vec![(0, 3), (7, 7)]);
        assert_eq!(runs(&[f, f], 2), vec![]);
        assert_eq!(runs(&[t, f, f, t], 2), vec![(0, 3)]);
    }
}

mod quick {
    use super::super::*;
    use crate::config::Worse;
    use crate::finding::dedupe;
    use crate::synth::{Inject, Rng, Shape as Synth};

    /// Re-flagging answers "steady findings only" when `moving_possible` says no: over series that flag
    /// every kind and quiet ones, at sensitivities across the whole range, that answer is exactly what
    /// running every detector gives — and both answers occur, so neither branch goes untested.
    #[test]
    fn the_quick_answer_is_the_full_answer() {
        let c = crate::analysis::test_week();
        let base = Synth { level: 100.0, daily: 0.3, weekly: 0.1, noise: 0.04, growth_per_week: 0.0 };
        let growing = Synth { growth_per_week: 0.06, ..base };
        type Case = (&'static str, Synth, &'static [Inject], Option<f64>, Option<f64>);
        let cases: [Case; 10] = [
            ("erratic for eight hours", base, &[], None, None),
            ("clean", base, &[], None, None),
            ("clean with distant lines", base, &[], Some(1e4), Some(5e3)),
            ("spike", base, &[Inject::Bump { at: 1000, len: 3, factor: 1.6 }], None, None),
            ("level shift", base, &[Inject::Shift { at: 1200, factor: 1.25 }], None, None),
            ("six high hours", base, &[Inject::Bump { at: 700, len: 72, factor: 1.1 }], None, None),
            ("a gap and a stop", base, &[Inject::Gap { at: 300, len: 20 }, Inject::Stop { at: 1900 }], None, None),
            ("breaching its lines", base, &[Inject::Bump { at: 500, len: 12, factor: 3.0 }], Some(250.0), Some(180.0)),
            ("growing toward its line", growing, &[], Some(400.0), Some(300.0)),
            ("a dip", base, &[Inject::Bump { at: 1500, len: 4, factor: 0.5 }], Some(1e4), None),
        ];
        let (mut quiet, mut busy, mut asked) = (0, 0, 0);
        for (name, shape, edits, alarm, investigation) in cases {
            let mut m = Metric::new("m", "T", "svc", Worse::Higher, std::path::Path::new("x"), "m");
            (m.alarm, m.investigation) = (alarm, investigation);
            for seed in 1..=3u64 {
                let mut v = shape.render(&c, &mut Rng::new(seed));
                edits.iter().for_each(|e| e.apply(&c, &mut v));
                if name.starts_with("erratic") {
                    let mut rng = Rng::new(seed + 100);
                    for j in 4 * 288 + 100..4 * 288 + 196 {
                        v[c.review.start + j] *= 1.0 + 0.12 * rng.normal();
                    }
                }
                let fit = crate::analysis::fit(&c, &v);
                let x = &v[c.review.clone()];
                let steady = steady(&c, &m, x, &fit);
                // Besides the slider's range, the sensitivities whose thresholds sit right on the anomaly reach
                // and on the largest |z|, where the summary leaves the answer to the residuals.
                let edges = [4.0 / fit.summary.anomaly, 4.0 / fit.summary.largest()];
                for s in [0.1, 0.25, 0.5, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0].into_iter().chain(edges) {
                    let Ok(p) = Params::new(s) else { continue };
                    let full = dedupe(detect(&c, &m, x, &fit, &p));
                    let from_summary = moving_possible(&c, &m, &fit, 0, &p);
                    if from_summary.is_none() {
                        asked += 1;
                    }
                    if moving_possible_in(&c, &m, &fit, &fit.z, 0, &p) {
                        busy += 1;
                    } else {
                        quiet += 1;
                        assert_eq!(dedupe(steady.clone()), full, "{name}, seed {seed}, sensitivity {s}");
                    }
                    if from_summary == Some(false) {
                        assert_eq!(dedupe(steady.clone()), full, "{name}, seed {seed}, sensitivity {s} (summary)");
                    }
                }
            }
        }
        assert!(quiet > 20 && busy > 20 && asked > 10, "every branch: {quiet} quiet, {busy} busy, {asked} read the residuals");
    }
}

mod reach {
    use super::super::episodes::anomaly_possible_in;
    use super::super::*;
    use crate::synth::Rng;

    /// An episode exists at every threshold below the reach and at none above it.
    fn agrees(z: &[f64]) -> (usize, usize) {
        let reach = anomaly_reach(z);
        let (mut yes, mut no) = (0, 0);
        let mut ks: Vec<f64> = (1..=80).map(|i| i as f64 * 0.1).collect();
        // Right around the reach, too (beyond the rounding of 0.6 k and 1.5 k).
        ks.extend([reach * (1.0 - 1e-6), reach * (1.0 + 1e-6)]);
        // At the reach itself (within rounding) the summary does not answer: the residuals do.
        for k in ks.into_iter().filter(|&k| k > 0.0 && (k - reach).abs() > 1e-9 * reach) {
            let want = anomaly_possible_in(z, k);
            assert_eq!(k < reach, want, "k {k}, reach {reach}, z {z:?}");
            if want {
                yes += 1;
            } else {
                no += 1;
            }
        }
        (yes, no)
    }

    #[test]
    fn the_reach_is_where_episodes_stop() {
        let nan = f64::NAN;
        // (residuals, reach)
        let cases: [(&[f64], f64); 9] = [
            (&[], 0.0),
            (&[0.5, -0.3, nan], 0.5 / 1.5),
            // One point alone: up to a third below it.
            (&[0.0, 6.0, 0.0], 4.0),
            // Two side by side: the smaller of the two (above what one alone reaches).
            (&[0.0, 5.0, 4.5, 0.0], 4.5),
            // Two points three apart with two quiet points between: one run at any k.
            (&[5.0, 0.0, 0.0, 5.0], 5.0),
            // Three quiet points between: joined only while their largest is at least 0.6 k.
            (&[5.0, 0.0, 2.4, 0.0, 5.0], 4.0),
            (&[5.0, 0.0, 0.0, 0.0, 5.0], 5.0 / 1.5),
            // A missing point is never in a run; downward counts the same.
            (&[-5.0, nan, nan, nan, -5.0], 5.0 / 1.5),
            (&[-5.0, -2.4, nan, -2.4, -5.0], 4.0),
        ];
        for (z, want) in cases {
            let got = anomaly_reach(z);
            assert!((got - want).abs() < 1e-12, "{z:?}: reach {got}, want {want}");
            agrees(z);
        }
        // Random residuals with heavy tails, gaps and runs: the reach agrees with the detector's runs.
        let mut rng = Rng::new(5);
        let (mut yes, mut no) = (0, 0);
        for _ in 0..300 {
            let n = 20 + (rng.uniform() * 200.0) as usize;
            let z: Vec<f64> = (0..n)
                .map(|_| {
                    let u = rng.uniform();
                    if u < 0.05 {
                        nan
                    } else if u < 0.15 {
                        rng.normal() * 4.0
                    } else {
                        rng.normal()
                    }
                })
                .collect();
            let (y, n) = agrees(&z);
            yes += y;
            no += n;
        }
        assert!(yes > 1000 && no > 1000, "both answers: {yes} yes, {no} no");
    }
}
