//! A review in batches is the review: a generated fleet (several Parquet and CSV files, instances,
//! incidents, gaps, a stray far-future row, a missing series, a series used twice, a time-ordered file,
//! a broken file) reviewed a few series at a time gives exactly the findings, warnings, errors, range and
//! fits of reviewing everything at once.

use std::path::{Path, PathBuf};

use chrono::Weekday;
use chrono_tz::Tz;

use flywheel::analysis::{Context, Params};
use flywheel::config::{Metric, Workspace, Worse};
use flywheel::review::{stream, RangeSpec, Review, StreamOptions};
use flywheel::source::file::{write_long_parquet_batches, LongRows};
use flywheel::source::{self, LoadOptions, Quiet};
use flywheel::synth::{Inject, Rng, Shape};
use flywheel::time;

const WEEKS: usize = 3;

fn context(tz: Tz) -> Context {
    let start = time::parse_user_time("2026-03-23", &tz).expect("a date");
    Context::new(tz, Weekday::Mon, 300, start, time::add_weeks(&tz, start, 1), WEEKS - 1)
}

/// One generated series key with its instances' grid values.
struct Gen {
    key: String,
    instances: Vec<(Option<String>, Vec<f64>)>,
}

fn fleet(ctx: &Context, n: usize, seed: u64) -> Vec<Gen> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let mut r = rng.fork();
            let shape = Shape {
                level: 10f64.powf(r.range(0.0, 3.0)),
                daily: r.range(0.1, 0.5),
                weekly: r.range(0.0, 0.3),
                noise: r.range(0.02, 0.08),
                growth_per_week: r.range(-0.01, 0.03),
            };
            let count = if i % 9 == 0 { 4 } else { 1 };
            let instances = (0..count)
                .map(|j| {
                    let mut v = shape.render(ctx, &mut r);
                    match (i + j) % 7 {
                        0 => Inject::Bump { at: r.below(1900), len: 12, factor: 2.5 }.apply(ctx, &mut v),
                        1 => Inject::Gap { at: r.below(1900), len: 30 }.apply(ctx, &mut v),
                        2 => Inject::Shift { at: 1200, factor: 1.6 }.apply(ctx, &mut v),
                        _ => {}
                    }
                    (if count == 1 { None } else { Some(format!("i-{j}")) }, v)
                })
                .collect();
            Gen { key: format!("svc{seed}.m{i:03}"), instances }
        })
        .collect()
}

fn rows_of(ctx: &Context, gens: &[Gen], instances: bool) -> LongRows {
    let mut rows = LongRows::default();
    for g in gens {
        for (inst, v) in &g.instances {
            for (j, x) in v.iter().enumerate() {
                if x.is_finite() {
                    let inst = if instances { Some(inst.as_deref().unwrap_or("main")) } else { None };
                    rows.push(ctx.grid.time(j), &g.key, inst, flywheel::text::round_sig(*x, 5));
                }
            }
        }
    }
    rows
}

/// Rows cut into row groups of `n` rows.
fn row_groups(rows: &LongRows, n: usize) -> Vec<Result<LongRows, flywheel::source::SourceError>> {
    (0..rows.values.len())
        .step_by(n)
        .map(|a| {
            let b = (a + n).min(rows.values.len());
            Ok(LongRows {
                timestamps_ms: rows.timestamps_ms[a..b].to_vec(),
                series: rows.series[a..b].to_vec(),
                instances: rows.instances[a..b].to_vec(),
                values: rows.values[a..b].to_vec(),
            })
        })
        .collect()
}

/// The workspace: every generated key as a metric, plus a missing one and one key read by two metrics.
fn workspace(root: &Path, files: &[(PathBuf, Vec<String>)], tz: Tz) -> Workspace {
    let mut metrics = Vec::new();
    for (k, (path, keys)) in files.iter().enumerate() {
        for (i, key) in keys.iter().enumerate() {
            let worse = if i % 2 == 0 { Worse::Higher } else { Worse::Lower };
            let mut m = Metric::new(key, &format!("Team {}", i % 3), &format!("svc-{k}"), worse, path, key);
            if i % 5 == 0 {
                m.alarm = Some(1e3);
                m.investigation = Some(500.0);
            }
            metrics.push(m);
        }
    }
    let (first, keys) = files.iter().find(|(_, keys)| keys.len() > 3).expect("a file of several keys");
    metrics.push(Metric::new("gone", "Team 0", "svc-0", Worse::Higher, first, "not.in.the.file"));
    metrics.push(Metric::new("twice", "Team 1", "svc-0", Worse::Higher, first, &keys[3]));
    Workspace { history_weeks: (WEEKS - 1) as u32, ..Workspace::of_metrics("batches", root, tz, metrics) }
}

/// Everything a review says, in a comparable form.
fn said(r: &Review) -> String {
    let mut out = format!("range {} {} {}\nrows {}\n", r.ctx.review_start(), r.ctx.review_end(), r.range_note, r.rows);
    for f in &r.findings {
        out += &format!("finding {:?}\n", f);
    }
    for w in &r.warnings {
        out += &format!("warning {w:?}\n");
    }
    for (m, e) in &r.errors {
        out += &format!("error {} {e}\n", m.id);
    }
    for s in &r.series {
        let s = r.full(s).expect("the arrays read back");
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        out += &format!(
            "series {} {:?} {:?} {:?} {:?} {:?}\n",
            s.metric.id,
            bits(&s.values),
            bits(&s.fit.expected),
            bits(&s.fit.sigma),
            s.instances.iter().map(|(n, v)| (n, bits(v))).collect::<Vec<_>>(),
            s.stats
        );
    }
    out
}

#[test]
fn a_fleet_reviewed_in_batches_gives_exactly_the_review_of_all_of_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let tz: Tz = "Europe/Berlin".parse().expect("zone");
    let ctx = context(tz);
    let mut files: Vec<(PathBuf, Vec<String>)> = Vec::new();

    // A Parquet file of 60 keys in row groups of 7,001 rows (keys straddle row groups and slices), with a
    // stray far-future row in the last series.
    let gens = fleet(&ctx, 60, 1);
    let path = dir.path().join("fleet.parquet");
    let mut rows = rows_of(&ctx, &gens, true);
    rows.push(253_402_214_000, &gens[59].key, Some("main"), 1.0);
    write_long_parquet_batches(&path, row_groups(&rows, 7_001).into_iter()).expect("write");
    files.push((path, gens.iter().map(|g| g.key.clone()).collect()));

    // CSV files of a few keys each.
    for k in 0..4 {
        let gens = fleet(&ctx, 5, 10 + k);
        let path = dir.path().join(format!("part-{k}.csv"));
        let rows = rows_of(&ctx, &gens, false);
        let mut text = String::from("timestamp,series,value\n");
        for ((t, s), v) in rows.timestamps_ms.iter().zip(&rows.series).zip(&rows.values) {
            text += &format!("{},{s},{v}\n", t / 1000);
        }
        std::fs::write(&path, text).expect("csv");
        files.push((path, gens.iter().map(|g| g.key.clone()).collect()));
    }

    // A time-ordered Parquet file (keys interleaved: read whole), and a broken one.
    let gens = fleet(&ctx, 8, 20);
    let rows = rows_of(&ctx, &gens, false);
    let mut order: Vec<usize> = (0..rows.values.len()).collect();
    order.sort_by_key(|&i| (rows.timestamps_ms[i], rows.series[i].clone()));
    let mut by_time = LongRows::default();
    for &i in &order {
        by_time.push(rows.timestamps_ms[i] / 1000, &rows.series[i], None, rows.values[i]);
    }
    let path = dir.path().join("by-time.parquet");
    let parts = row_groups(&by_time, 500);
    write_long_parquet_batches(&path, parts.into_iter()).expect("write");
    files.push((path, gens.iter().map(|g| g.key.clone()).collect()));
    let broken = dir.path().join("broken.csv");
    std::fs::write(&broken, "timestamp,series,value\n2026-03-23T00:00:00Z,b.one,1\n2026-03-23T00:05:00Z,b.one,oops\n").expect("csv");
    files.push((broken, vec!["b.one".into()]));

    let ws = workspace(dir.path(), &files, tz);
    let run = same_review_both_ways(&ws);
    assert_eq!(run.passes, 1, "the first slice points to the data's range: the files are read once");

    // A decommissioned service's file first: the range its data points to is a week early, so the files
    // are read a second time on the data's range.
    let early = dir.path().join("early.csv");
    let mut text = String::from("timestamp,series,value\n");
    for j in 0..ctx.grid.len - 2016 {
        text += &format!("{},old.one,{}\n", ctx.grid.time(j), 100.0 + (j % 288) as f64);
    }
    std::fs::write(&early, text).expect("csv");
    files.insert(0, (early, vec!["old.one".into()]));
    let ws = workspace(dir.path(), &files, tz);
    let run = same_review_both_ways(&ws);
    assert_eq!(run.passes, 2, "the range moved: the files are read again");
    assert!(run.findings.iter().any(|f| f.metric == "old.one"), "the silent series is a finding");
}

/// Review `ws` whole and in batches of several sizes: the same review every way. The review in batches.
fn same_review_both_ways(ws: &Workspace) -> Review {
    let params = Params::default();
    let whole = Review::from_loaded(ws.clone(), source::load(ws, &Quiet), RangeSpec::LastCompleteWeek, params, &Quiet).expect("whole");
    assert!(whole.findings.len() > 10, "the fleet has findings to compare: {}", whole.findings.len());
    assert!(whole.errors.len() == 2 && whole.warnings.iter().any(|w| w.message.contains("far beyond")), "{:?}", whole.errors);
    let want = said(&whole);
    for opts in [
        // Tiny slices and batches: every file in many slices, a batch every few series, every metric's
        // arrays in the temporary file.
        StreamOptions { slice_rows: 3_000, batch_points: 20_000, memory_budget: 0, pull_chunk: 1 },
        // Some in memory, the rest in the file.
        StreamOptions { slice_rows: 50_000, batch_points: 200_000, memory_budget: 1 << 20, pull_chunk: 3 },
        StreamOptions::default(),
    ] {
        let mut batched =
            stream::run(ws.clone(), RangeSpec::LastCompleteWeek, params, &LoadOptions::default(), &Quiet, &opts).expect("batched");
        let spilled = batched.series.iter().filter(|s| s.spilled.is_some()).count();
        assert_eq!(spilled == batched.series.len(), opts.memory_budget == 0, "{opts:?}: {spilled} spilled");
        let got = said(&batched);
        if got != want {
            let first = want.lines().zip(got.lines()).find(|(a, b)| a != b);
            panic!("{opts:?}: the reviews differ; first difference:\n{first:#?}");
        }
        // Re-flagging reads the arrays back: the same findings as re-flagging the whole review.
        let mut again = whole.clone();
        again.reflag(Params::new(2.5).expect("sensitivity"));
        batched.reflag(Params::new(2.5).expect("sensitivity"));
        assert!(again.findings.len() > whole.findings.len());
        assert_eq!(format!("{:?}", batched.findings), format!("{:?}", again.findings), "{opts:?}");
        every_detector_agrees(&mut batched);
        // Lines tried on a metric read its arrays back: the same answer as trying them on the whole review.
        batched.reflag(params);
        let s = whole.series.iter().find(|s| s.values.iter().filter(|v| v.is_finite()).count() > 1000).expect("a metric with data");
        let mut v: Vec<f64> = s.values.iter().copied().filter(|v| v.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let lines = flywheel::review::lines::Lines { alarm: v.get(v.len() * 9 / 10).copied(), investigation: None };
        let (a, b) = (whole.with_lines(&s.metric.id, lines).expect("whole"), batched.with_lines(&s.metric.id, lines).expect("batched"));
        assert!(a.findings.iter().any(|f| f.kind == flywheel::finding::Kind::AlarmBreach), "{:?}", a.findings);
        assert_eq!(format!("{:?}", a.findings), format!("{:?}", b.findings), "{opts:?}");
        let chart = flywheel::chart::render(&batched, &batched.series[0], Default::default()).expect("a chart from the file");
        assert!(chart.svg.contains("<svg"));
    }
    // What the app and the CLI run is the review in batches.
    let run = Review::run(ws.clone(), RangeSpec::LastCompleteWeek, params, &Quiet).expect("run");
    assert_eq!(said(&run), want);
    run
}

/// Re-flagging skips the metrics that cannot flag anything at the new sensitivity (answered from the fit's
/// summary, or from the residuals read back alone); at sensitivities across the range that gives exactly
/// what running every detector on every metric gives.
fn every_detector_agrees(r: &mut Review) {
    use flywheel::analysis::{detect, group};
    use flywheel::finding::{self, Kind};
    for s in [0.2, 0.6, 1.0, 1.4, 3.0, 8.0] {
        let p = Params::new(s).expect("sensitivity");
        r.reflag(p);
        let mut all: Vec<_> = r
            .series
            .iter()
            .flat_map(|s| {
                let s = r.full(s).expect("read back");
                let p = p.for_metric(&s.metric);
                let mut f = detect::detect(&r.ctx, &s.metric, &s.values, &s.fit, &p);
                f.extend(group::odd_one_out(&r.ctx, &s.metric, &s.instances, &p));
                finding::dedupe(f)
            })
            .collect();
        finding::rank(&mut all);
        let got: Vec<_> = r.findings.iter().filter(|f| f.kind != Kind::SourceError).cloned().collect();
        assert!(!all.is_empty() || s < 0.5, "at {s}");
        assert_eq!(format!("{got:?}"), format!("{all:?}"), "re-flagging at {s}");
    }
}

#[test]
fn a_metrics_history_is_read_again_for_its_earlier_weeks() {
    let dir = tempfile::tempdir().expect("tmp");
    let tz: Tz = "UTC".parse().expect("zone");
    let ctx = context(tz);
    let gens = fleet(&ctx, 6, 3);
    let path = dir.path().join("fleet.parquet");
    write_long_parquet_batches(&path, gens.chunks(2).map(|c| Ok(rows_of(&ctx, c, false)))).expect("write");
    let ws = workspace(dir.path(), &[(path.clone(), gens.iter().map(|g| g.key.clone()).collect())], tz);
    let r = Review::run(ws, RangeSpec::LastCompleteWeek, Params::default(), &Quiet).expect("review");
    let s = r.series_of(&gens[4].key).expect("series");
    assert_eq!(s.values.len(), r.ctx.review_len(), "the review keeps the review range");
    let all = r.history(s).expect("history");
    assert_eq!(all.len(), r.ctx.grid.len);
    assert_eq!(&all[r.ctx.review.clone()], s.values.as_slice(), "the same values again");
    assert!(all[..r.ctx.review.start].iter().filter(|x| x.is_finite()).count() > 3000, "the history weeks are there");
    std::fs::remove_file(&path).expect("rm");
    let e = r.history(s).expect_err("the file is gone");
    assert!(e.to_string().contains("fleet.parquet"), "{e}");
}

/// One data file opened as it is (no workspace): a Parquet or CSV file's series, listed a slice (a chunk of
/// text) at a time, are reviewed in batches and give exactly the review of reading the file whole; a bare
/// `timestamp,value` file is one metric either way; a file whose keys come back after others (interleaved) in a
/// later slice is read whole.
#[test]
fn one_data_file_opened_as_it_is_is_reviewed_in_batches_and_gives_the_same_review() {
    let dir = tempfile::tempdir().expect("tmp");
    let ctx = context(Tz::UTC);
    let gens = fleet(&ctx, 40, 7);
    let rows = rows_of(&ctx, &gens, true);

    let long = dir.path().join("fleet.parquet");
    write_long_parquet_batches(&long, row_groups(&rows, 7_001).into_iter()).expect("write");
    let mut one = LongRows::default();
    for (j, v) in gens[1].instances[0].1.iter().enumerate() {
        one.push(ctx.grid.time(j), "", None, *v);
    }
    let bare = dir.path().join("one.parquet");
    write_bare_parquet(&bare, &one);
    let mut order: Vec<usize> = (0..rows.values.len()).collect();
    order.sort_by_key(|&i| (rows.timestamps_ms[i], rows.series[i].clone()));
    let mut by_time = LongRows::default();
    // The series of one instance, rows in time order.
    for &i in order.iter().filter(|&&i| rows.instances[i].as_deref() == Some("main")) {
        by_time.push(rows.timestamps_ms[i] / 1000, &rows.series[i], None, rows.values[i]);
    }
    let interleaved = dir.path().join("by-time.parquet");
    write_long_parquet_batches(&interleaved, row_groups(&by_time, 5_000).into_iter()).expect("write");
    let csv = dir.path().join("part.csv");
    let mut text = String::from("timestamp,series,value\n");
    for i in 0..by_time.values.len() {
        text += &format!("{},{},{}\n", by_time.timestamps_ms[i] / 1000, by_time.series[i], by_time.values[i]);
    }
    std::fs::write(&csv, text).expect("csv");
    // The same as the Parquet file, each series' rows together, as CSV.
    let grouped = dir.path().join("grouped.csv");
    let mut text = String::from("timestamp,series,instance,value\n");
    for i in 0..rows.values.len() {
        let inst = rows.instances[i].as_deref().unwrap_or("");
        text += &format!("{},{},{inst},{}\n", rows.timestamps_ms[i] / 1000, rows.series[i], rows.values[i]);
    }
    std::fs::write(&grouped, text).expect("csv");

    // (A CSV file of one chunk at the default size is listed at once.)
    for (path, metrics, batched) in [(&long, 40, true), (&bare, 1, true), (&interleaved, 35, true), (&csv, 35, true), (&grouped, 40, true)]
    {
        let ws = Workspace::bare(path);
        let params = Params::default();
        let whole = Review::from_loaded(ws.clone(), source::load(&ws, &Quiet), RangeSpec::LastCompleteWeek, params, &Quiet).expect("whole");
        let run = Review::run(ws, RangeSpec::LastCompleteWeek, params, &Quiet).expect("run");
        assert_eq!(run.series.len(), metrics, "{path:?}");
        assert_eq!(run.passes > 0, batched, "{path:?}: reviewed in batches");
        assert!(!run.findings.is_empty(), "{path:?}: findings to compare");
        let (want, got) = (said(&whole), said(&run));
        if got != want {
            let first = want.lines().zip(got.lines()).find(|(a, b)| a != b);
            panic!("{path:?}: the reviews differ; first difference:\n{first:#?}");
        }
    }
    // The keys as listed: sorted, the bare file's one series, and none when they are interleaved across
    // slices (the file is then read whole).
    use flywheel::source::slices::list_keys;
    let mut keys: Vec<String> = gens.iter().map(|g| g.key.clone()).collect();
    keys.sort();
    assert_eq!(list_keys(&long, &Tz::UTC, 7_001, &|| true), Some(Some(keys.clone())));
    assert_eq!(list_keys(&bare, &Tz::UTC, 1_000, &|| true), Some(None));
    assert_eq!(list_keys(&interleaved, &Tz::UTC, 5_000, &|| true), None);
    assert_eq!(list_keys(&csv, &Tz::UTC, 5_000, &|| true), None);
    assert_eq!(list_keys(&grouped, &Tz::UTC, 5_000, &|| true), Some(Some(keys)));
    assert_eq!(list_keys(&dir.path().join("missing.parquet"), &Tz::UTC, 5_000, &|| true), None);
    // Cancelled while listing: no list, and the review stops rather than reading the file whole.
    assert_eq!(list_keys(&long, &Tz::UTC, 7_001, &|| false), None);
    struct Cancel;
    impl source::Progress for Cancel {
        fn update(&self, _: &str, _: usize, _: usize) {}
        fn cancelled(&self) -> bool {
            true
        }
    }
    let r = Review::run_with(Workspace::bare(&long), RangeSpec::LastCompleteWeek, Params::default(), &LoadOptions::default(), &Cancel);
    assert!(matches!(r, Err(flywheel::review::ReviewError::Cancelled)), "{:?}", r.map(|r| r.findings.len()));
}

/// A Parquet file of `timestamp, value` only (no series column).
fn write_bare_parquet(path: &Path, rows: &LongRows) {
    use polars::prelude::*;
    let mut df = df!("timestamp" => &rows.timestamps_ms, "value" => &rows.values).expect("frame");
    let f = std::fs::File::create(path).expect("create");
    ParquetWriter::new(f).finish(&mut df).expect("write");
}

/// A folder of exports (no `flywheel.toml`) is listed a file at a time and reviewed in batches, with exactly
/// the metrics, errors and findings of reading every file at once: a long Parquet file, a wide CSV file with
/// a column that cannot be read, a long CSV file sharing a key with the Parquet file, two one-series files
/// of the same name, and a file that is not data.
#[test]
fn a_folder_of_exports_is_reviewed_in_batches_and_gives_the_same_review() {
    let dir = tempfile::tempdir().expect("tmp");
    let exports = dir.path().join("exports");
    std::fs::create_dir(&exports).expect("folder");
    let ctx = context(Tz::UTC);
    let gens = fleet(&ctx, 24, 11);
    let (parquet, rest) = gens.split_at(12);
    write_long_parquet_batches(&exports.join("fleet.parquet"), row_groups(&rows_of(&ctx, parquet, true), 6_001).into_iter())
        .expect("write");

    let time = |j: usize| ctx.grid.time(j);
    let len = rest[0].instances[0].1.len();
    let cell = |x: f64| if x.is_finite() { format!("{}", flywheel::text::round_sig(x, 5)) } else { String::new() };
    // Wide: three series' columns and one whose 40th cell is text.
    let mut wide = String::from("time,w.a,w.b,w.c,w.bad\n");
    for j in 0..len {
        let bad = if j == 40 { "x".to_string() } else { "1".to_string() };
        wide += &format!(
            "{},{},{},{},{bad}\n",
            time(j),
            cell(rest[0].instances[0].1[j]),
            cell(rest[1].instances[0].1[j]),
            cell(rest[2].instances[0].1[j])
        );
    }
    std::fs::write(exports.join("wide.csv"), wide).expect("csv");
    // Long, one key of the Parquet file's among its own.
    let mut long = String::from("timestamp,series,value\n");
    for g in rest[3..].iter().chain(&parquet[1..2]) {
        let v = &g.instances[0].1;
        for (j, x) in v.iter().enumerate().filter(|(_, x)| x.is_finite()) {
            long += &format!("{},{},{}\n", time(j), g.key, cell(*x));
        }
    }
    std::fs::write(exports.join("more.csv"), long).expect("csv");
    let mut one = String::from("timestamp,value\n");
    let mut bare = LongRows::default();
    for (j, x) in rest[4].instances[0].1.iter().enumerate().filter(|(_, x)| x.is_finite()) {
        one += &format!("{},{}\n", time(j), cell(*x));
        bare.push(time(j), "", None, *x * 2.0);
    }
    std::fs::write(exports.join("one.csv"), one).expect("csv");
    write_bare_parquet(&exports.join("one.parquet"), &bare);
    std::fs::write(exports.join("notes.csv"), "this is not\na data file\n").expect("csv");

    let ws = Workspace::open(&exports).expect("a folder of exports");
    assert_eq!(ws.bare_files.len(), 6);
    let params = Params::default();
    let whole = Review::from_loaded(ws.clone(), source::load(&ws, &Quiet), RangeSpec::LastCompleteWeek, params, &Quiet).expect("whole");
    let run = Review::run(ws.clone(), RangeSpec::LastCompleteWeek, params, &Quiet).expect("run");
    assert!(run.passes > 0, "reviewed in batches");
    assert!(!run.findings.is_empty(), "findings to compare");
    let ids: Vec<&str> = run.workspace.metrics.iter().map(|m| m.id.as_str()).collect();
    for id in ["fleet/svc11.m001", "more/svc11.m001", "w.a", "w.bad", "one.csv", "one.parquet", "notes"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    assert_eq!(ids.len(), 12 + 4 + 9 + 1 + 2 + 1, "{ids:?}");
    let errors: Vec<String> = run.errors.iter().map(|(m, e)| format!("{} {e}", m.id)).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("w.bad ") && e.contains("wide.csv") && e.contains("`x` is not a number")), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("notes ") && e.contains("notes.csv")), "{errors:?}");
    let (want, got) = (said(&whole), said(&run));
    if got != want {
        let first = want.lines().zip(got.lines()).find(|(a, b)| a != b);
        panic!("the reviews differ; first difference:\n{first:#?}");
    }
    // Stopped while listing: the review stops.
    struct Cancel;
    impl source::Progress for Cancel {
        fn update(&self, _: &str, _: usize, _: usize) {}
        fn cancelled(&self) -> bool {
            true
        }
    }
    let r = Review::run_with(ws, RangeSpec::LastCompleteWeek, params, &LoadOptions::default(), &Cancel);
    assert!(matches!(r, Err(flywheel::review::ReviewError::Cancelled)), "{:?}", r.map(|r| r.findings.len()));
}
