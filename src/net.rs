//! The rules of every HTTP client Flywheel opens (Prometheus, Grafana, Jira): a bearer token that is never
//! sent in the clear nor shown back, no downgrading redirects, no proxy for loopback, and what a server
//! sends back masked before anyone sees it.

use std::time::Duration;

/// A client for `url` that sends `token` as `Authorization: Bearer …` (marked sensitive), times out
/// after `timeout`, never follows a redirect from https to plain http, and bypasses proxies on loopback.
pub fn client(url: &str, timeout: Duration, token: Option<&str>) -> Result<reqwest::Client, String> {
    let auth = token.map(bearer).transpose()?;
    client_with(url, timeout, auth)
}

/// `Authorization: Bearer …`, marked sensitive.
pub fn bearer(token: &str) -> Result<reqwest::header::HeaderValue, String> {
    sensitive(&format!("Bearer {token}"), "the bearer token")
}

/// `Authorization: Basic …` for a user and a token (Jira Cloud's API tokens), marked sensitive.
pub fn basic(user: &str, token: &str) -> Result<reqwest::header::HeaderValue, String> {
    use base64::Engine as _;
    let pair = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{token}"));
    sensitive(&format!("Basic {pair}"), "the user name or token")
}

fn sensitive(value: &str, what: &str) -> Result<reqwest::header::HeaderValue, String> {
    let mut v = reqwest::header::HeaderValue::from_str(value).map_err(|_| format!("{what} holds characters a header cannot carry"))?;
    v.set_sensitive(true);
    Ok(v)
}

/// [`client`] with any `Authorization` value (already marked sensitive).
pub fn client_with(url: &str, timeout: Duration, auth: Option<reqwest::header::HeaderValue>) -> Result<reqwest::Client, String> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(v) = auth {
        headers.insert(reqwest::header::AUTHORIZATION, v);
    }
    let mut b = reqwest::Client::builder()
        .default_headers(headers)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("flywheel/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            let downgrade = attempt.previous().last().is_some_and(|prev| !redirect_allowed(prev, attempt.url()));
            if downgrade {
                attempt.error("the server redirected from https to plain http; refused so the token is never sent in the clear")
            } else if attempt.previous().len() >= 5 {
                attempt.error("more than 5 redirects")
            } else {
                attempt.follow()
            }
        }));
    if is_loopback(url) {
        b = b.no_proxy();
    }
    b.build().map_err(|e| format!("cannot set up the HTTP client: {e}"))
}

/// Mask what must never be shown: the token itself, and whatever follows `Bearer `, `Authorization:`,
/// `Cookie:` or `Set-Cookie:` in text a server sent back (some servers echo request headers in errors);
/// and keep at most 300 characters of it.
pub fn redact(text: &str, token: Option<&str>) -> String {
    let mut out = match token.filter(|t| !t.is_empty()) {
        Some(t) => text.replace(t, "[redacted]"),
        None => text.to_string(),
    };
    for key in ["bearer ", "authorization:", "cookie:", "basic "] {
        let mut from = 0;
        while let Some(p) = out[from..].to_ascii_lowercase().find(key).map(|p| p + from) {
            let start = p + key.len();
            let rest = &out[start..];
            let skip = rest.len() - rest.trim_start().len();
            let value_len = rest.trim_start().find(['"', '\n', '\r', ',', '}']).unwrap_or(rest.trim_start().len());
            if value_len > 0 && !rest.trim_start().starts_with("[redacted]") {
                out.replace_range(start + skip..start + skip + value_len, "[redacted]");
            }
            from = (start + skip + "[redacted]".len()).min(out.len());
        }
    }
    if out.chars().count() > 300 {
        out = out.chars().take(300).collect::<String>() + "…";
    }
    out
}

/// A redirect is followed only to the same scheme or from http to https: an https server that sends
/// the client to plain http would carry the `Authorization` header in the clear (reqwest keeps it when
/// host and port stay the same).
pub fn redirect_allowed(from: &reqwest::Url, to: &reqwest::Url) -> bool {
    !(from.scheme() == "https" && to.scheme() != "https")
}

pub fn is_loopback(url: &str) -> bool {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h == "localhost" || h == "127.0.0.1" || h == "[::1]" || h == "::1"))
        .unwrap_or(false)
}
