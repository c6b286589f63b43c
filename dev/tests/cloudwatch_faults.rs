//! The CloudWatch source against a scripted local server (dev/src/cwmock.rs, 127.0.0.1): throttling and
//! 5xx retried with backoff, slow answers timed out, pages followed, malformed answers and failing metrics
//! reported on their metric, requests within CloudWatch's limits, retention tiers, cancelling — and no
//! credential in any message.

use std::path::Path;
use std::time::Duration;

use flywheel::config::cloudwatch::{CloudWatch, CwMetric, CwQuery};
use flywheel::config::{Metric, Source, Worse};
use flywheel::source::cloudwatch::pull;
use flywheel::source::{Instances, LoadOptions, Progress, Quiet, SourceError, Window};
use flywheel_dev::cwmock::{offline_credentials, value, Mock, Script};

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

fn metric(name: &str) -> Metric {
    let mut m = Metric::new(name, "Team", "svc", Worse::Higher, Path::new("x"), name);
    m.source = Source::CloudWatch(CwQuery::Metric(CwMetric {
        id: String::new(),
        namespace: "Mock".into(),
        metric: name.into(),
        dimensions: [("Service".to_string(), "svc".to_string())].into(),
        stat: "Average".into(),
    }));
    m
}

fn conf(mock: &Mock) -> CloudWatch {
    CloudWatch { region: Some("eu-west-1".into()), endpoint: Some(mock.url.clone()), timeout: 5, retries: 3, ..Default::default() }
}

/// Three weeks at hourly periods ending a day ago (inside the 1-minute tier: no coarser data).
fn window(step: i64) -> Window {
    let end = (flywheel::time::now() / DAY - 1) * DAY;
    Window { start: end - 21 * DAY, end, step }
}

fn run(
    c: &CloudWatch,
    names: &[&str],
    w: Window,
    progress: &dyn Progress,
) -> (Vec<Result<Instances, SourceError>>, flywheel::source::LoadStats) {
    offline_credentials();
    let metrics: Vec<Metric> = names.iter().map(|n| metric(n)).collect();
    let refs: Vec<&Metric> = metrics.iter().collect();
    let (r, _, stats) = pull(c, &refs, w, &LoadOptions::default(), progress);
    (r, stats)
}

fn points(r: &Result<Instances, SourceError>) -> usize {
    r.as_ref().map(|i| i.iter().map(|(_, s)| s.values.len()).sum()).unwrap_or(0)
}

fn no_secret(e: &SourceError) {
    let text = format!("{e} {e:?}");
    for secret in ["flywheel-test-secret", "AKIDFLYWHEELTEST", "Signature="] {
        assert!(!text.contains(secret), "a credential in a message: {text}");
    }
}

#[test]
fn throttling_and_5xx_are_retried_with_backoff() {
    let w = window(HOUR);
    for (script, requests) in [
        (Script { throttle_first: 2, ..Default::default() }, 3),
        (Script { fail_first: 2, ..Default::default() }, 3),
        (Script { throttle_first: 1, fail_first: 1, ..Default::default() }, 3),
    ] {
        let mock = Mock::start(script.clone());
        let (r, stats) = run(&conf(&mock), &["a", "b"], w, &Quiet);
        assert!(r.iter().all(Result::is_ok), "{script:?}: {r:?}");
        assert_eq!(points(&r[0]), 21 * 24, "{script:?}");
        assert_eq!((stats.requests, stats.retries), (requests, requests - 1), "{script:?}");
    }
}

#[test]
fn a_server_that_keeps_failing_is_each_metrics_error_with_what_it_said() {
    let w = window(HOUR);
    let mock = Mock::start(Script { throttle_first: 100, ..Default::default() });
    let c = CloudWatch { retries: 2, ..conf(&mock) };
    let (r, stats) = run(&c, &["a", "b"], w, &Quiet);
    assert_eq!(stats.requests, 3, "one try and two retries");
    for x in &r {
        let e = x.as_ref().expect_err("throttled to the end");
        assert!(e.message.contains("Throttling"), "{e}");
        assert!(e.series.as_deref().is_some_and(|s| s.contains("Mock")), "{e:?}");
        no_secret(e);
    }
}

#[test]
fn a_slow_server_times_out() {
    let w = window(HOUR);
    let mock = Mock::start(Script { slow_first: 100, delay: Duration::from_secs(4), ..Default::default() });
    let c = CloudWatch { timeout: 1, retries: 1, ..conf(&mock) };
    let t = std::time::Instant::now();
    let (r, _) = run(&c, &["a"], w, &Quiet);
    let e = r[0].as_ref().expect_err("timed out");
    assert!(e.message.contains("did not answer in time") || e.message.contains("timeout"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(15), "{:?}", t.elapsed());
    no_secret(e);
}

#[test]
fn pages_are_followed_and_give_what_one_answer_gives() {
    let w = window(HOUR);
    let whole = Mock::start(Script::default());
    let paged = Mock::start(Script { page: 100, ..Default::default() });
    let (a, _) = run(&conf(&whole), &["a", "b"], w, &Quiet);
    let (b, stats) = run(&conf(&paged), &["a", "b"], w, &Quiet);
    assert_eq!(stats.requests, (2 * 21 * 24usize).div_ceil(100), "one request per page");
    for (x, y) in a.iter().zip(&b) {
        let (x, y) = (x.as_ref().expect("whole"), y.as_ref().expect("paged"));
        assert_eq!(x[0].1.times, y[0].1.times);
        assert_eq!(x[0].1.values, y[0].1.values);
    }
    let first = &a[0].as_ref().expect("a")[0].1;
    assert_eq!(first.values[5], value("a", first.times[5] as i64), "the values the server sent");
}

#[test]
fn a_malformed_answer_or_a_failing_metric_is_that_metrics_error() {
    let w = window(HOUR);
    let mock = Mock::start(Script { malformed: true, ..Default::default() });
    let (r, _) = run(&CloudWatch { retries: 0, ..conf(&mock) }, &["a"], w, &Quiet);
    let e = r[0].as_ref().expect_err("malformed");
    assert!(e.message.contains("could not be read"), "{e}");
    no_secret(e);

    let mock = Mock::start(Script { failing_metric: Some("b".into()), ..Default::default() });
    let (r, _) = run(&conf(&mock), &["a", "b", "c"], w, &Quiet);
    assert!(r[0].is_ok() && r[2].is_ok(), "{r:?}");
    let e = r[1].as_ref().expect_err("b fails");
    assert!(e.message.contains("mock: this metric failed"), "{e}");
}

#[test]
fn requests_stay_within_cloudwatchs_limits() {
    let mock = Mock::start(Script::default());
    let names: Vec<String> = (0..20).map(|i| format!("m{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let end = (flywheel::time::now() / DAY - 1) * DAY;
    let w = Window { start: end - 14 * DAY, end, step: 300 };
    let (r, stats) = run(&conf(&mock), &refs, w, &Quiet);
    assert!(r.iter().all(|x| points(x) == 14 * 288), "every metric whole");
    // 4,032 points a metric: 25 fit under 100,800 datapoints, so one request of 20 queries.
    assert_eq!(stats.requests, 1);
    let seen = mock.seen.lock().expect("seen");
    let queries = |f: &std::collections::BTreeMap<String, String>| f.keys().filter(|k| k.ends_with(".Id")).count();
    assert_eq!(queries(&seen[0]), 20);
    assert_eq!(seen[0].get("ScanBy").map(String::as_str), Some("TimestampAscending"));
}

#[test]
fn data_older_than_fifteen_days_is_asked_for_at_five_minutes_and_spread_onto_the_grid() {
    offline_credentials();
    let mock = Mock::start(Script::default());
    let end = (flywheel::time::now() / DAY - 10) * DAY;
    let w = Window { start: end - 10 * DAY, end, step: 60 };
    let m = metric("a");
    let (r, notes, _) = pull(&conf(&mock), &[&m], w, &LoadOptions::default(), &Quiet);
    let s = &r[0].as_ref().expect("pulled")[0].1;
    assert_eq!(s.values.len(), 10 * 1440, "every 1-minute grid point has a value");
    let periods: Vec<String> =
        mock.seen.lock().expect("seen").iter().filter_map(|f| f.get("MetricDataQueries.member.1.MetricStat.Period").cloned()).collect();
    assert!(periods.contains(&"300".to_string()) && periods.contains(&"60".to_string()), "{periods:?}");
    // In the old part, five 1-minute points share one 5-minute value.
    assert_eq!(s.values[0], s.values[4]);
    assert_ne!(s.values[4], s.values[5]);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].message.contains("5m periods") && notes[0].metric == "a", "{notes:?}");
}

/// Cancels as soon as the pull starts.
struct CancelAtOnce;
impl Progress for CancelAtOnce {
    fn update(&self, _: &str, _: usize, _: usize) {}
    fn cancelled(&self) -> bool {
        true
    }
}

#[test]
fn a_cancelled_pull_says_so() {
    let mock = Mock::start(Script { slow_first: 10, delay: Duration::from_secs(3), ..Default::default() });
    let t = std::time::Instant::now();
    let (r, _) = run(&conf(&mock), &["a"], window(HOUR), &CancelAtOnce);
    assert!(r[0].as_ref().expect_err("cancelled").message.contains("cancelled"));
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
}

#[test]
fn a_search_gives_the_metrics_instances_named_by_their_labels() {
    offline_credentials();
    let mock = Mock::start(Script::default());
    let mut m = metric("fleet");
    m.source = Source::CloudWatch(CwQuery::Expression {
        expression: "SEARCH('{AWS/EC2,InstanceId} MetricName=\"CPUUtilization\"', 'Average', 3600)".into(),
        metrics: vec![],
    });
    let (r, _, _) = pull(&conf(&mock), &[&m], window(HOUR), &LoadOptions::default(), &Quiet);
    let inst = r[0].as_ref().expect("pulled");
    let names: Vec<Option<&str>> = inst.iter().map(|(n, _)| n.as_deref()).collect();
    assert_eq!(names, vec![Some("i-1"), Some("i-2"), Some("i-3")]);
    assert!(inst.iter().all(|(_, s)| s.values.len() == 21 * 24));
    let seen = mock.seen.lock().expect("seen");
    assert!(seen[0].get("MetricDataQueries.member.1.Expression").is_some_and(|e| e.starts_with("SEARCH(")), "{:?}", seen[0]);
}
