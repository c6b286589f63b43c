//! Dashboards fetched over Grafana's HTTP API: `…/d/<uid>` is one dashboard, `…/dashboards/f/<uid>` a
//! folder (its dashboards listed page by page), each with its folder, its address and the addresses of
//! its Prometheus data sources. The service-account token comes from an environment variable, is sent
//! only as `Authorization: Bearer …`, and is never written or shown.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use super::{DataSource, ImportError, Source, MAX_DASHBOARD_BYTES};

/// Dashboards per page of a folder listing.
const PAGE: usize = 100;
const TIMEOUT: Duration = Duration::from_secs(30);

/// What a Grafana address points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Dashboard { base: String, uid: String },
    Folder { base: String, uid: String },
}

/// Read a Grafana address: `https://grafana.example.com[/prefix]/d/<uid>[/slug][?…]` or
/// `…/dashboards/f/<uid>[/slug]`. Only http(s).
pub fn target(url: &str) -> Result<Target, ImportError> {
    let u = crate::config::check_url(url).map_err(|e| ImportError::BadSource(format!("{url}: {e}")))?;
    let parsed = reqwest::Url::parse(&u).map_err(|e| ImportError::BadSource(format!("{url}: {e}")))?;
    let path = parsed.path();
    let origin = parsed.origin().ascii_serialization();
    let after = |marker: &str| -> Option<(String, String)> {
        let at = path.find(marker)?;
        let uid = path[at + marker.len()..].split('/').next().filter(|u| valid_uid(u))?;
        Some((format!("{origin}{}", &path[..at]), uid.to_string()))
    };
    if let Some((base, uid)) = after("/dashboards/f/") {
        return Ok(Target::Folder { base, uid });
    }
    if let Some((base, uid)) = after("/d/") {
        return Ok(Target::Dashboard { base, uid });
    }
    Err(ImportError::BadSource(format!("{url}: not a dashboard (…/d/<uid>) or folder (…/dashboards/f/<uid>) address")))
}

/// Grafana's uids: letters, digits, `-` and `_` (at most 40; a little slack here).
fn valid_uid(u: &str) -> bool {
    !u.is_empty() && u.len() <= 64 && u.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A Grafana server to fetch from.
pub struct Grafana {
    base: String,
    token: Option<String>,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    /// Data sources looked up so far (by uid or name); None when the lookup failed.
    datasources: HashMap<String, Option<DataSource>>,
    token_env: String,
}

impl Grafana {
    /// A client for the server at `base`, with the token in the environment variable `token_env` (none
    /// when it is unset: an anonymous Grafana answers without one).
    pub fn new(base: &str, token_env: &str) -> Result<Grafana, ImportError> {
        let token = std::env::var(token_env).ok().filter(|t| !t.trim().is_empty()).map(|t| t.trim().to_string());
        let client = crate::net::client(base, TIMEOUT, token.as_deref()).map_err(ImportError::Http)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ImportError::Http(format!("cannot start the network runtime: {e}")))?;
        Ok(Grafana {
            base: base.trim_end_matches('/').to_string(),
            token,
            client,
            runtime,
            datasources: HashMap::new(),
            token_env: token_env.into(),
        })
    }

    /// GET `path` (under the base) as JSON, at most [`MAX_DASHBOARD_BYTES`].
    fn get(&self, path: &str) -> Result<Value, ImportError> {
        let url = format!("{}{path}", self.base);
        let shown = crate::net::redact(&url, self.token.as_deref());
        let err = |m: String| ImportError::Http(format!("Grafana {shown}: {m}"));
        self.runtime.block_on(async {
            let mut resp = self
                .client
                .get(&url)
                .header("Accept", "application/json")
                .send()
                .await
                .map_err(|e| err(crate::net::redact(&e.to_string(), self.token.as_deref())))?;
            let status = resp.status();
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| err(e.to_string()))? {
                body.extend_from_slice(&chunk);
                if body.len() as u64 > MAX_DASHBOARD_BYTES {
                    return Err(ImportError::TooLarge { what: shown.clone(), bytes: body.len() as u64 });
                }
            }
            if !status.is_success() {
                let said = crate::net::redact(&String::from_utf8_lossy(&body), self.token.as_deref());
                let hint = match status.as_u16() {
                    401 if self.token.is_none() => format!(" — set {} to a service-account token", self.token_env),
                    401 => format!(" — the token in {} was refused", self.token_env),
                    403 => format!(" — the token in {} may not read this (Viewer rights are enough for dashboards)", self.token_env),
                    404 => " — no such dashboard or folder".to_string(),
                    _ => String::new(),
                };
                return Err(err(format!("answered {status}{hint}: {}", said.trim())));
            }
            serde_json::from_slice(&body).map_err(|e| err(format!("the answer is not JSON ({e})")))
        })
    }

    /// The dashboards an address points at (a folder's, page by page).
    pub fn fetch(&mut self, t: &Target) -> Result<Vec<Source>, ImportError> {
        match t {
            Target::Dashboard { uid, .. } => Ok(vec![self.dashboard(uid)?]),
            Target::Folder { uid, .. } => {
                let mut uids = Vec::new();
                for page in 1.. {
                    let list = self.get(&format!("/api/search?type=dash-db&folderUIDs={}&limit={PAGE}&page={page}", enc(uid)))?;
                    let items = list.as_array().ok_or_else(|| ImportError::Http("Grafana's search did not answer a list".into()))?;
                    uids.extend(
                        items.iter().filter_map(|i| i.get("uid").and_then(Value::as_str)).filter(|u| valid_uid(u)).map(str::to_string),
                    );
                    if items.len() < PAGE {
                        break;
                    }
                }
                if uids.is_empty() {
                    return Err(ImportError::BadSource(format!("the folder {uid} holds no dashboards")));
                }
                uids.iter().map(|u| self.dashboard(u)).collect()
            }
        }
    }

    /// One dashboard by uid, with its folder, address and Prometheus data sources.
    fn dashboard(&mut self, uid: &str) -> Result<Source, ImportError> {
        let v = self.get(&format!("/api/dashboards/uid/{}", enc(uid)))?;
        let origin = format!("{}/d/{uid}", self.base);
        let bytes = serde_json::to_vec(&v).map_err(|e| ImportError::Http(e.to_string()))?;
        let mut s = Source::from_json(&origin, &bytes)?;
        if let Some(rel) = v.pointer("/meta/url").and_then(Value::as_str) {
            let full = if rel.starts_with("http") { rel.to_string() } else { format!("{}{}", origin_of(&self.base), rel) };
            s.url = crate::config::check_url(&full).ok();
        }
        for key in referenced_datasources(&s.dashboard) {
            if let Some(ds) = self.datasource(&key) {
                s.datasources.insert(key, ds);
            }
        }
        Ok(s)
    }

    /// A data source by uid (else by name). A lookup Grafana refuses (non-admin tokens often may not
    /// read data sources) leaves the address unknown: `--prometheus` gives it.
    fn datasource(&mut self, key: &str) -> Option<DataSource> {
        if let Some(known) = self.datasources.get(key) {
            return known.clone();
        }
        let read = |v: Value| DataSource {
            kind: v.get("type").and_then(Value::as_str).unwrap_or("").to_string(),
            url: v.get("url").and_then(Value::as_str).filter(|u| crate::config::check_url(u).is_ok()).map(str::to_string),
        };
        let found = self
            .get(&format!("/api/datasources/uid/{}", enc(key)))
            .or_else(|_| self.get(&format!("/api/datasources/name/{}", enc(key))))
            .ok()
            .map(read);
        self.datasources.insert(key.to_string(), found.clone());
        found
    }
}

/// `scheme://host[:port]` of a base address (Grafana's `meta.url` already holds any sub-path).
fn origin_of(base: &str) -> String {
    reqwest::Url::parse(base).map(|u| u.origin().ascii_serialization()).unwrap_or_else(|_| base.to_string())
}

/// A path segment or query value, percent-encoded.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// The uids and names of the data sources a dashboard's panels and queries name (variables excluded).
fn referenced_datasources(d: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut visit = |v: &Value| {
        let key = match v {
            Value::String(s) => Some(s.as_str()),
            Value::Object(_) => v.get("uid").and_then(Value::as_str),
            _ => None,
        };
        if let Some(k) = key.filter(|k| !k.is_empty() && !k.starts_with('$') && !k.starts_with("--") && *k != "grafana") {
            if !out.iter().any(|o| o == k) {
                out.push(k.to_string());
            }
        }
    };
    for p in super::panels::walk(d).into_iter().map(|placed| placed.panel) {
        if let Some(ds) = p.get("datasource") {
            visit(ds);
        }
        for t in p.get("targets").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            if let Some(ds) = t.get("datasource") {
                visit(ds);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_name_a_dashboard_or_a_folder() {
        let d = |b: &str, u: &str| Ok(Target::Dashboard { base: b.into(), uid: u.into() });
        let f = |b: &str, u: &str| Ok(Target::Folder { base: b.into(), uid: u.into() });
        let cases: Vec<(&str, Result<Target, ()>)> = vec![
            ("https://grafana.example.com/d/abc123/node-exporter?orgId=1", d("https://grafana.example.com", "abc123")),
            ("https://grafana.example.com/d/abc123", d("https://grafana.example.com", "abc123")),
            ("http://127.0.0.1:3000/grafana/d/x-y_z/slug", d("http://127.0.0.1:3000/grafana", "x-y_z")),
            ("https://grafana.example.com/dashboards/f/fold1/payments", f("https://grafana.example.com", "fold1")),
            ("https://grafana.example.com/explore", Err(())),
            ("https://grafana.example.com/d/", Err(())),
            ("https://grafana.example.com/d/../admin", Err(())),
            ("file:///etc/passwd", Err(())),
            ("javascript:alert(1)", Err(())),
        ];
        for (url, want) in cases {
            assert_eq!(target(url).map_err(|_| ()), want, "{url}");
        }
    }

    #[test]
    fn percent_encoding_keeps_uids_safe_in_a_path() {
        assert_eq!(enc("abc-1_2.3~"), "abc-1_2.3~");
        assert_eq!(enc("../admin?x=1"), "..%2Fadmin%3Fx%3D1");
    }
}
