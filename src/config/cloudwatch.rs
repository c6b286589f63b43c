//! CloudWatch in `flywheel.toml`: the `[cloudwatch]` table (region, profile, endpoint, how hard to try)
//! and a metric's `source = { cloudwatch = { … } }` — one metric with its dimensions and statistic, or a
//! metric-math / `SEARCH(…)` expression (with the metrics it names) — checked field by field.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// The workspace's CloudWatch (`[cloudwatch]`). Credentials are never here: they come from the standard
/// AWS chain (environment, shared config and credentials files, SSO, instance and container roles).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CloudWatch {
    /// `us-east-1`; none: the profile's or the environment's region.
    pub region: Option<String>,
    /// A profile of the shared AWS config files; none: `AWS_PROFILE` or `default`.
    pub profile: Option<String>,
    /// Another endpoint (a CloudWatch-compatible server, a VPC endpoint); none: AWS's own.
    pub endpoint: Option<String>,
    /// Seconds one request may take before it counts as failed.
    pub timeout: u64,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Further attempts after throttling, a 5xx or a broken connection (with backoff).
    pub retries: u32,
}

impl Default for CloudWatch {
    fn default() -> CloudWatch {
        CloudWatch { region: None, profile: None, endpoint: None, timeout: 30, concurrency: 4, retries: 3 }
    }
}

/// One CloudWatch metric: namespace, name, dimensions and statistic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, Deserialize)]
pub struct CwMetric {
    /// The id an expression refers to it by (`m1`); empty for a metric source's own metric.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub namespace: String,
    pub metric: String,
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    pub stat: String,
}

/// What a CloudWatch metric source asks for.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "query", rename_all = "snake_case")]
pub enum CwQuery {
    /// One metric and statistic.
    Metric(CwMetric),
    /// Metric math or `SEARCH(…)` over the named metrics (`m1`, `m2`); several result series are the
    /// metric's instances, named by their labels.
    Expression { expression: String, metrics: Vec<CwMetric> },
}

impl CwQuery {
    /// For messages: `AWS/ELB TargetResponseTime p99 {LoadBalancer=app/shop}` or the expression.
    pub fn describe(&self) -> String {
        match self {
            CwQuery::Metric(m) => describe_metric(m),
            CwQuery::Expression { expression, .. } => format!("cloudwatch `{expression}`"),
        }
    }
}

fn describe_metric(m: &CwMetric) -> String {
    let dims: Vec<String> = m.dimensions.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let dims = if dims.is_empty() { String::new() } else { format!(" {{{}}}", dims.join(", ")) };
    format!("cloudwatch {} {} {}{dims}", m.namespace, m.metric, m.stat)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCloudWatch {
    region: Option<Spanned<String>>,
    profile: Option<Spanned<String>>,
    endpoint: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    concurrency: Option<Spanned<i64>>,
    retries: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCwSource {
    namespace: Option<String>,
    metric: Option<String>,
    #[serde(default)]
    dimensions: BTreeMap<String, String>,
    stat: Option<String>,
    expression: Option<String>,
    #[serde(default)]
    metrics: Vec<RawCwMetric>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCwMetric {
    id: String,
    namespace: String,
    metric: String,
    #[serde(default)]
    dimensions: BTreeMap<String, String>,
    stat: String,
}

/// A problem: the byte offset it is at (None: the table's own), the field and the message.
pub(super) type Problem = (Option<usize>, &'static str, String);

/// Whether `s` can be a region or profile name (`eu-west-1`, `prod_admin`): what a workspace accepts.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// `[cloudwatch]`, checked: a region and profile that are names, an http(s) endpoint without credentials.
pub(super) fn table(raw: &RawCloudWatch, problems: &mut Vec<Problem>) -> CloudWatch {
    let mut cw = CloudWatch::default();
    if let Some(r) = &raw.region {
        let v = r.get_ref().trim();
        if valid_name(v) {
            cw.region = Some(v.to_string());
        } else {
            problems.push((Some(r.span().start), "region", format!("cloudwatch: region must be like \"us-east-1\", not \"{v}\"")));
        }
    }
    if let Some(p) = &raw.profile {
        let v = p.get_ref().trim();
        if valid_name(v) {
            cw.profile = Some(v.to_string());
        } else {
            problems.push((Some(p.span().start), "profile", format!("cloudwatch: profile must be a profile name, not \"{v}\"")));
        }
    }
    if let Some(e) = &raw.endpoint {
        match super::check_url(e.get_ref()) {
            Ok(u) => cw.endpoint = Some(u.trim_end_matches('/').to_string()),
            Err(msg) => problems.push((Some(e.span().start), "endpoint", format!("cloudwatch: endpoint {msg}"))),
        }
    }
    if let Some(t) = &raw.timeout {
        match crate::time::parse_step(t.get_ref()) {
            Ok(v) if v <= 600 => cw.timeout = v as u64,
            _ => problems.push((
                Some(t.span().start),
                "timeout",
                format!("cloudwatch: timeout must be like \"30s\" (at most 10 minutes), not \"{}\"", t.get_ref()),
            )),
        }
    }
    if let Some(c) = &raw.concurrency {
        match usize::try_from(*c.get_ref()) {
            Ok(v) if (1..=64).contains(&v) => cw.concurrency = v,
            _ => problems.push((
                Some(c.span().start),
                "concurrency",
                format!("cloudwatch: concurrency must be 1 to 64, not {}", c.get_ref()),
            )),
        }
    }
    if let Some(r) = &raw.retries {
        match u32::try_from(*r.get_ref()) {
            Ok(v) if v <= 10 => cw.retries = v,
            _ => problems.push((Some(r.span().start), "retries", format!("cloudwatch: retries must be 0 to 10, not {}", r.get_ref()))),
        }
    }
    cw
}

/// CloudWatch's statistics: the five simple ones and the extended ones (`p99`, `p99.9`, `tm90`,
/// `wm(10%:90%)`, `TC(10:)`, `IQM`, …).
pub fn valid_stat(s: &str) -> bool {
    if ["Average", "Sum", "Minimum", "Maximum", "SampleCount", "IQM"].contains(&s) {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    let Some(prefix) = ["p", "tm", "wm", "tc", "ts", "pr"].into_iter().find(|p| lower.starts_with(p)) else { return false };
    let rest = &s[prefix.len()..];
    let number = |x: &str| !x.is_empty() && x.parse::<f64>().is_ok_and(|v| (0.0..=100.0).contains(&v));
    if prefix == "p" {
        return number(rest);
    }
    number(rest)
        || (rest.starts_with('(')
            && rest.ends_with(')')
            && rest[1..rest.len() - 1].split_once(':').is_some_and(|(a, b)| {
                let bound = |x: &str| x.is_empty() || number(x.trim_end_matches('%'));
                bound(a) && bound(b)
            }))
}

/// The id rules of GetMetricData: a lower-case letter, then letters, digits and `_`.
pub fn valid_id(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_ascii_lowercase()) && c.all(|x| x.is_ascii_alphanumeric() || x == '_') && s.len() <= 255
}

/// A metric's `cloudwatch = { … }`, checked. None when it cannot be used (problems say why).
pub(super) fn source(raw: &RawCwSource, id: &str, problems: &mut Vec<String>) -> Option<CwQuery> {
    let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let check_metric = |m: CwMetric, problems: &mut Vec<String>| -> Option<CwMetric> {
        let mut ok = true;
        if !valid_stat(&m.stat) {
            problems.push(format!(
                "metric `{id}`: CloudWatch statistic \"{}\" is not one of Average, Sum, Minimum, Maximum, SampleCount or an extended one (p99, tm90, …)",
                m.stat
            ));
            ok = false;
        }
        if m.dimensions.len() > 30 {
            problems.push(format!("metric `{id}`: CloudWatch allows at most 30 dimensions, not {}", m.dimensions.len()));
            ok = false;
        }
        ok.then_some(m)
    };
    match (nonempty(&raw.expression), nonempty(&raw.namespace), nonempty(&raw.metric)) {
        (Some(expression), None, None) => {
            let mut metrics = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for m in &raw.metrics {
                if !valid_id(&m.id) {
                    problems.push(format!(
                        "metric `{id}`: CloudWatch metric id \"{}\" must start with a lower-case letter (letters, digits, _)",
                        m.id
                    ));
                    return None;
                }
                if !seen.insert(m.id.clone()) {
                    problems.push(format!("metric `{id}`: CloudWatch metric id \"{}\" is used twice", m.id));
                    return None;
                }
                let cm = CwMetric {
                    id: m.id.clone(),
                    namespace: m.namespace.trim().to_string(),
                    metric: m.metric.trim().to_string(),
                    dimensions: m.dimensions.clone(),
                    stat: m.stat.trim().to_string(),
                };
                metrics.push(check_metric(cm, problems)?);
            }
            if !raw.dimensions.is_empty() || raw.stat.is_some() {
                problems.push(format!(
                    "metric `{id}`: a CloudWatch expression takes its metrics from `metrics = [...]` (or its SEARCH); dimensions and stat belong to those"
                ));
                return None;
            }
            Some(CwQuery::Expression { expression, metrics })
        }
        (None, Some(namespace), Some(metric)) => {
            if !raw.metrics.is_empty() {
                problems.push(format!("metric `{id}`: `metrics` only goes with an `expression`"));
                return None;
            }
            let stat = nonempty(&raw.stat).unwrap_or_else(|| "Average".into());
            check_metric(CwMetric { id: String::new(), namespace, metric, dimensions: raw.dimensions.clone(), stat }, problems)
                .map(CwQuery::Metric)
        }
        (Some(_), _, _) => {
            problems.push(format!("metric `{id}`: a CloudWatch source has a `namespace` and `metric`, or an `expression`, not both"));
            None
        }
        _ => {
            problems.push(format!(
                "metric `{id}`: a CloudWatch source needs `namespace` and `metric` (with `dimensions` and `stat`), or an `expression`"
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_are_cloudwatchs() {
        for (s, ok) in [
            ("Average", true),
            ("SampleCount", true),
            ("p99", true),
            ("p99.9", true),
            ("p100", true),
            ("p101", false),
            ("tm90", true),
            ("wm(10%:90%)", true),
            ("TC(10:)", true),
            ("IQM", true),
            ("average", false),
            ("avg", false),
            ("p", false),
            ("pxx", false),
            ("", false),
        ] {
            assert_eq!(valid_stat(s), ok, "{s}");
        }
    }

    #[test]
    fn ids_follow_getmetricdata() {
        for (s, ok) in [("m1", true), ("e_1", true), ("M1", false), ("1m", false), ("m-1", false), ("", false)] {
            assert_eq!(valid_id(s), ok, "{s}");
        }
    }
}

#[cfg(test)]
mod parse_tests {
    use crate::config::{Source, Workspace};

    const HEAD: &str = "[workspace]\nname = \"w\"\n[cloudwatch]\nregion = \"eu-west-1\"\n[[team]]\nname = \"T\"\n[[service]]\nname = \"s\"\nteam = \"T\"\n";

    fn parse(metric_source: &str, extra: &str) -> Result<Workspace, String> {
        let text = format!("{HEAD}{extra}[[metric]]\nid = \"m\"\nservice = \"s\"\nworse = \"higher\"\nsource = {metric_source}\n");
        Workspace::from_toml(&text, std::path::Path::new("w/flywheel.toml"), std::path::Path::new("w")).map_err(|e| e.to_string())
    }

    #[test]
    fn cloudwatch_sources_are_read_and_checked_by_line() {
        let ok = parse(
            "{ cloudwatch = { expression = \"100 * m1 / m2\", metrics = [\n  { id = \"m1\", namespace = \"AWS/ApplicationELB\", metric = \"HTTPCode_Target_5XX_Count\", dimensions = { LoadBalancer = \"app/x\" }, stat = \"Sum\" },\n  { id = \"m2\", namespace = \"AWS/ApplicationELB\", metric = \"RequestCount\", stat = \"Sum\" } ] } }",
            "",
        )
        .expect("a multi-line expression source (as in the README)");
        assert!(matches!(&ok.metrics[0].source, Source::CloudWatch(super::CwQuery::Expression { metrics, .. }) if metrics.len() == 2));
        let search = parse(
            "{ cloudwatch = { expression = \"SEARCH('{AWS/EC2,InstanceId} MetricName=\\\"CPUUtilization\\\"', 'Average', 300)\" } }",
            "",
        )
        .expect("a SEARCH");
        assert!(search.metrics[0].source.describe().contains("SEARCH("));
        let plain = parse("{ cloudwatch = { namespace = \"AWS/EC2\", metric = \"CPUUtilization\" } }", "").expect("defaults");
        assert!(matches!(&plain.metrics[0].source, Source::CloudWatch(super::CwQuery::Metric(m)) if m.stat == "Average"));
        for (source, want) in [
            (
                "{ cloudwatch = { namespace = \"A\", metric = \"B\", stat = \"avg\" } }",
                "flywheel.toml:14: metric `m`: CloudWatch statistic \"avg\"",
            ),
            ("{ cloudwatch = { namespace = \"A\" } }", "needs `namespace` and `metric`"),
            ("{ cloudwatch = { expression = \"m1\", namespace = \"A\", metric = \"B\" } }", "not both"),
            (
                "{ cloudwatch = { expression = \"M1\", metrics = [{ id = \"M1\", namespace = \"A\", metric = \"B\", stat = \"Sum\" }] } }",
                "must start with a lower-case letter",
            ),
            ("{ cloudwatch = { namespace = \"A\", metric = \"B\" }, file = \"x.csv\" }", "more than one of"),
            ("{ cloudwatch = { namespace = \"A\", metric = \"B\", colour = \"red\" } }", "colour"),
        ] {
            let e = parse(source, "").expect_err(source);
            assert!(e.contains(want), "{source}: {e}");
        }
        for (table, want) in [
            ("region = \"eu west 1\"\n", "region must be like"),
            ("endpoint = \"ftp://x\"\n", "endpoint"),
            ("endpoint = \"https://user:pw@x\"\n", "user name or password"),
            ("retries = 11\n", "retries must be 0 to 10"),
        ] {
            let text = format!(
                "{}{table}{}",
                &HEAD[..HEAD.find("[[team]]").unwrap_or(0)].replace("region = \"eu-west-1\"\n", ""),
                &HEAD[HEAD.find("[[team]]").unwrap_or(0)..]
            );
            let text = format!("{text}[[metric]]\nid = \"m\"\nservice = \"s\"\nworse = \"higher\"\nsource = {{ cloudwatch = {{ namespace = \"A\", metric = \"B\" }} }}\n");
            let e = Workspace::from_toml(&text, std::path::Path::new("w/flywheel.toml"), std::path::Path::new("w"))
                .expect_err(table)
                .to_string();
            assert!(e.contains(want), "{table}: {e}");
        }
        let e = Workspace::from_toml(
            "[workspace]\n[[team]]\nname = \"T\"\n[[service]]\nname = \"s\"\nteam = \"T\"\n[[metric]]\nid = \"m\"\nservice = \"s\"\nworse = \"higher\"\nsource = { cloudwatch = { namespace = \"A\", metric = \"B\" } }\n",
            std::path::Path::new("w/flywheel.toml"),
            std::path::Path::new("w"),
        )
        .expect_err("no [cloudwatch]")
        .to_string();
        assert!(e.contains("needs a [cloudwatch] table"), "{e}");
    }
}
