//! Talking to CloudWatch through the AWS SDK: the client (region, profile, endpoint and credentials from
//! the standard chain; the SDK's standard retry mode for throttling, 5xx and timeouts), one GetMetricData
//! request with its pages, and errors said plainly without anything secret in them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cloudwatch as cw;
use cw::config::interceptors::BeforeTransmitInterceptorContextRef;
use cw::config::{ConfigBag, Intercept, RuntimeComponents};
use cw::error::{ProvideErrorMetadata, SdkError};
use cw::types::{Dimension, MetricDataQuery, MetricStat, ScanBy, StatusCode};
use futures_util::stream::{self, StreamExt};

use super::{Job, JobAnswer, MAX_DATAPOINTS};
use crate::config::cloudwatch::{CloudWatch, CwMetric, CwQuery};
use crate::config::Metric;
use crate::source::{cancelled, runtime, LoadStats, Progress};

/// Counts the attempts the SDK makes (first tries and retries).
#[derive(Debug, Clone, Default)]
struct Attempts(Arc<AtomicUsize>);

impl Intercept for Attempts {
    fn name(&self) -> &'static str {
        "flywheel-attempts"
    }
    fn read_before_attempt(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), cw::error::BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// A CloudWatch client and the runtime its requests run on.
pub(super) struct Client {
    cw: cw::Client,
    runtime: tokio::runtime::Runtime,
    attempts: Attempts,
}

/// The SDK configuration of a workspace's `[cloudwatch]`: its region, profile and endpoint over the
/// standard chain, rustls (ring), and how long and how often to try.
pub async fn sdk_config(conf: &CloudWatch) -> aws_config::SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring))
        .build_https();
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(conf.timeout.clamp(1, 10)))
        .operation_attempt_timeout(Duration::from_secs(conf.timeout.max(1)))
        .build();
    let retries = aws_config::retry::RetryConfig::standard()
        .with_max_attempts(conf.retries + 1)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(20));
    let mut loader =
        aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http).timeout_config(timeouts).retry_config(retries);
    if let Some(p) = &conf.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &conf.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(e) = &conf.endpoint {
        loader = loader.endpoint_url(e);
    }
    loader.load().await
}

/// A CloudWatch client for a workspace's `[cloudwatch]` (or an importer's region and profile), and the
/// runtime to run its requests on.
pub fn connect(conf: &CloudWatch) -> Result<(tokio::runtime::Runtime, cw::Client), String> {
    let (runtime, client, _) = connect_counting(conf)?;
    Ok((runtime, client))
}

fn connect_counting(conf: &CloudWatch) -> Result<(tokio::runtime::Runtime, cw::Client, Attempts), String> {
    let runtime = runtime()?;
    let sdk = runtime.block_on(sdk_config(conf));
    if sdk.region().is_none() {
        return Err("no AWS region: set `region` in [cloudwatch], or AWS_REGION, or a region in the profile".into());
    }
    let attempts = Attempts::default();
    let config = cw::config::Builder::from(&sdk).interceptor(attempts.clone()).build();
    Ok((runtime, cw::Client::from_conf(config), attempts))
}

impl Client {
    pub(super) fn open(conf: &CloudWatch) -> Result<Client, String> {
        let (runtime, cw, attempts) = connect_counting(conf)?;
        Ok(Client { cw, runtime, attempts })
    }

    /// Run every job, `concurrency` at a time, reporting progress; None when cancelled. Returns each job's
    /// index with what it brought.
    pub(super) fn fetch_all(
        &self,
        metrics: &[&Metric],
        jobs: &[Job],
        concurrency: usize,
        progress: &dyn Progress,
        stats: &mut LoadStats,
    ) -> Option<Vec<(usize, Result<JobAnswer, String>)>> {
        let total = jobs.len();
        progress.update("pull", 0, total);
        let done = AtomicUsize::new(0);
        let pages = AtomicUsize::new(0);
        let work = stream::iter(jobs.iter().enumerate())
            .map(|(i, job)| {
                let (done, pages) = (&done, &pages);
                async move {
                    let r = fetch(&self.cw, metrics, job, pages).await;
                    progress.update("pull", done.fetch_add(1, Ordering::Relaxed) + 1, total);
                    (i, r)
                }
            })
            .buffer_unordered(concurrency.max(1))
            .collect::<Vec<_>>();
        let answers = self.runtime.block_on(async {
            tokio::select! {
                r = work => Some(r),
                _ = cancelled(progress) => None,
            }
        });
        let attempts = self.attempts.0.load(Ordering::Relaxed);
        stats.requests = attempts;
        stats.retries = attempts.saturating_sub(pages.load(Ordering::Relaxed));
        answers
    }
}

fn stat_query(id: &str, m: &CwMetric, period: i64, return_data: bool) -> MetricDataQuery {
    let mut metric = cw::types::Metric::builder().namespace(&m.namespace).metric_name(&m.metric);
    for (k, v) in &m.dimensions {
        metric = metric.dimensions(Dimension::builder().name(k).value(v).build());
    }
    let stat = MetricStat::builder().metric(metric.build()).period(period as i32).stat(&m.stat).build();
    MetricDataQuery::builder().id(id).metric_stat(stat).return_data(return_data).build()
}

/// The id an expression's result goes by (the user's metrics take `m1`, `e1`…; this one is ours).
const EXPRESSION_ID: &str = "flywheel_result";

/// The queries of a job, and which metric each returned id belongs to.
fn queries(metrics: &[&Metric], job: &Job) -> (Vec<MetricDataQuery>, Vec<(String, usize)>) {
    let mut qs = Vec::new();
    let mut ids = Vec::new();
    for &i in &job.metrics {
        let Some(q) = super::query_of(metrics[i]) else { continue };
        match q {
            CwQuery::Metric(m) => {
                let id = format!("q{i}");
                qs.push(stat_query(&id, m, job.period, true));
                ids.push((id, i));
            }
            CwQuery::Expression { expression, metrics: used } => {
                for m in used {
                    qs.push(stat_query(&m.id, m, job.period, false));
                }
                qs.push(
                    MetricDataQuery::builder().id(EXPRESSION_ID).expression(expression).period(job.period as i32).return_data(true).build(),
                );
                ids.push((EXPRESSION_ID.to_string(), i));
            }
        }
    }
    (qs, ids)
}

/// One job: GetMetricData and its pages.
async fn fetch(client: &cw::Client, metrics: &[&Metric], job: &Job, pages: &AtomicUsize) -> Result<JobAnswer, String> {
    let (qs, ids) = queries(metrics, job);
    let mut got: JobAnswer = ids.iter().map(|(_, i)| (*i, Ok(Vec::new()))).collect();
    let mut token: Option<String> = None;
    for _ in 0..10_000 {
        pages.fetch_add(1, Ordering::Relaxed);
        let out = client
            .get_metric_data()
            .set_metric_data_queries(Some(qs.clone()))
            .start_time(aws_smithy_types_time(job.from))
            .end_time(aws_smithy_types_time(job.to))
            .scan_by(ScanBy::TimestampAscending)
            .max_datapoints(MAX_DATAPOINTS as i32)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(describe)?;
        if let Some(m) = out.messages().iter().find(|m| m.code().is_some_and(|c| !c.is_empty())) {
            return Err(format!(
                "CloudWatch says ({}): {}",
                m.code().unwrap_or("error"),
                crate::text::one_line(m.value().unwrap_or("no message"))
            ));
        }
        for r in out.metric_data_results() {
            let Some(slot) = r.id().and_then(|id| ids.iter().position(|(q, _)| q == id)) else { continue };
            let failed = matches!(r.status_code(), Some(StatusCode::InternalError) | Some(StatusCode::Forbidden));
            match &mut got[slot].1 {
                Err(_) => {}
                slot_ok @ Ok(_) if failed => {
                    let why: Vec<String> =
                        r.messages().iter().map(|m| crate::text::one_line(m.value().unwrap_or(m.code().unwrap_or("")))).collect();
                    *slot_ok = Err(format!(
                        "CloudWatch could not answer this query ({}){}",
                        r.status_code().map(|s| s.as_str()).unwrap_or("error"),
                        if why.is_empty() { String::new() } else { format!(": {}", why.join("; ")) }
                    ));
                }
                Ok(series) => {
                    if r.timestamps().len() != r.values().len() {
                        return Err(format!(
                            "CloudWatch's answer is malformed: {} timestamps and {} values for one series",
                            r.timestamps().len(),
                            r.values().len()
                        ));
                    }
                    let label = r.label().unwrap_or("").to_string();
                    let points: Vec<(i64, f64)> = r.timestamps().iter().map(|t| t.secs()).zip(r.values().iter().copied()).collect();
                    match series.iter_mut().find(|(l, _)| *l == label) {
                        Some((_, p)) => p.extend(points),
                        None => series.push((label, points)),
                    }
                }
            }
        }
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(got),
        }
    }
    Err("CloudWatch kept answering with another page (10,000 pages): stopped".into())
}

fn aws_smithy_types_time(t: i64) -> cw::primitives::DateTime {
    cw::primitives::DateTime::from_secs(t)
}

/// An SDK error said plainly: what went wrong and what CloudWatch said, never a credential.
pub fn describe<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(e: SdkError<E, R>) -> String {
    let detail = |e: &dyn std::error::Error| {
        let mut parts = Vec::new();
        let mut cur: Option<&dyn std::error::Error> = Some(e);
        while let Some(x) = cur {
            let s = x.to_string();
            if !parts.contains(&s) {
                parts.push(s);
            }
            cur = x.source();
        }
        crate::text::one_line(&parts.join(": "))
    };
    match &e {
        SdkError::ServiceError(s) if s.err().code().is_none() => {
            format!("CloudWatch's answer could not be read: {}", detail(&e))
        }
        SdkError::ServiceError(s) => {
            let err = s.err();
            format!("CloudWatch says ({}): {}", err.code().unwrap_or("error"), crate::text::one_line(err.message().unwrap_or("no message")))
        }
        SdkError::TimeoutError(_) => "CloudWatch did not answer in time (the timeout in [cloudwatch]), after retries".into(),
        SdkError::DispatchFailure(d) => {
            if d.is_io() || d.is_timeout() {
                format!("cannot reach CloudWatch: {}", detail(&e))
            } else {
                format!("the request could not be sent: {}", detail(&e))
            }
        }
        SdkError::ResponseError(_) => format!("CloudWatch's answer could not be read: {}", detail(&e)),
        SdkError::ConstructionFailure(_) => format!("the request could not be made (credentials?): {}", detail(&e)),
        _ => detail(&e),
    }
}
