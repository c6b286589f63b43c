//! Reading dashboards and alarms from CloudWatch for an import: GetDashboard by name and DescribeAlarms for
//! the alarms the dashboards' widgets show, over the same SDK client (and credential chain) as the source.

use std::collections::HashMap;

use serde_json::Value;

use super::{alarm_name, Alarm, CwImportError, Dashboard};
use crate::config::cloudwatch::{CloudWatch, CwMetric};
use crate::source::cloudwatch::client::{connect, describe};

/// Where to read from: region, profile, endpoint.
pub fn conf(region: Option<&str>, profile: Option<&str>, endpoint: Option<&str>) -> CloudWatch {
    CloudWatch {
        region: region.map(str::to_string),
        profile: profile.map(str::to_string),
        endpoint: endpoint.map(str::to_string),
        ..Default::default()
    }
}

/// Read each source: a dashboard body file (a path that exists or ends in `.json`), else a dashboard name
/// in CloudWatch. Then read the alarms their widgets show (when CloudWatch can be asked: a region is
/// known). Returns the dashboards and the alarms by name; an alarm that cannot be read is left out (the
/// import says so on its metric).
pub fn read_sources(sources: &[String], cw: &CloudWatch) -> Result<(Vec<Dashboard>, HashMap<String, Alarm>), CwImportError> {
    let mut dashboards = Vec::new();
    let mut names = Vec::new();
    for s in sources {
        let s = s.trim();
        let p = std::path::Path::new(s);
        if p.exists() || s.ends_with(".json") {
            dashboards.push(Dashboard::read(p)?);
        } else {
            names.push(s.to_string());
        }
    }
    let online = !names.is_empty() || cw.region.is_some() || cw.endpoint.is_some();
    if !online {
        return Ok((dashboards, HashMap::new()));
    }
    let (rt, client) = connect(cw).map_err(CwImportError::CloudWatch)?;
    for name in names {
        let out = rt
            .block_on(client.get_dashboard().dashboard_name(&name).send())
            .map_err(|e| CwImportError::CloudWatch(format!("dashboard {name}: {}", describe(e))))?;
        let body = out.dashboard_body().unwrap_or("{}");
        dashboards.push(Dashboard::from_json(&name, &format!("cloudwatch:{name}"), body.as_bytes())?);
    }
    let mut wanted: Vec<String> = dashboards.iter().flat_map(|d| alarm_arns(&d.body)).map(|a| alarm_name(&a)).collect();
    wanted.sort();
    wanted.dedup();
    let mut alarms = HashMap::new();
    for chunk in wanted.chunks(100) {
        let mut token: Option<String> = None;
        loop {
            let out = rt
                .block_on(client.describe_alarms().set_alarm_names(Some(chunk.to_vec())).set_next_token(token.take()).send())
                .map_err(|e| CwImportError::CloudWatch(format!("the dashboards' alarms: {}", describe(e))))?;
            for a in out.metric_alarms() {
                let Some(name) = a.alarm_name() else { continue };
                let stat = a.extended_statistic().map(str::to_string).or_else(|| a.statistic().map(|s| s.as_str().to_string()));
                let metric = match (a.namespace(), a.metric_name(), stat) {
                    (Some(ns), Some(m), Some(stat)) => Some(CwMetric {
                        id: String::new(),
                        namespace: ns.to_string(),
                        metric: m.to_string(),
                        dimensions: a.dimensions().iter().filter_map(|d| Some((d.name()?.to_string(), d.value()?.to_string()))).collect(),
                        stat,
                    }),
                    _ => None,
                };
                alarms.insert(
                    name.to_string(),
                    Alarm {
                        name: name.to_string(),
                        threshold: a.threshold().filter(|t| t.is_finite()),
                        comparison: a.comparison_operator().map(|c| c.as_str().to_string()).unwrap_or_default(),
                        metric,
                        period: a.period().map(i64::from),
                        evaluation_periods: a.evaluation_periods().and_then(|n| usize::try_from(n).ok()),
                        datapoints_to_alarm: a.datapoints_to_alarm().and_then(|n| usize::try_from(n).ok()),
                    },
                );
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
    }
    Ok((dashboards, alarms))
}

/// The alarm ARNs a dashboard's widgets show.
fn alarm_arns(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for w in body.get("widgets").and_then(Value::as_array).into_iter().flatten() {
        let p = w.get("properties");
        let lists = [p.and_then(|p| p.get("annotations")).and_then(|a| a.get("alarms")), p.and_then(|p| p.get("alarms"))];
        for l in lists.into_iter().flatten() {
            out.extend(l.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_string));
        }
    }
    out
}
