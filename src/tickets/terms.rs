//! What a ticket says, as terms to compare: plain words brought to one form (`timed out`, `timeouts` →
//! `timeout`), and error signatures that name a cause whatever the words around them — HTTP status codes,
//! exception and errno names, host names with their numbers taken out (`web-12.prod` → `web-#.prod`).

/// One term of a ticket with the form to show it in (labels) and how strongly it speaks for a cause.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The key compared (`timeout`, `http:503`, `exc:nullpointerexception`, `host:web-#`).
    pub key: String,
    /// How a label shows it (`timeout`, `HTTP 503`, `NullPointerException`, `web-#`).
    pub display: String,
    /// Signatures count more than words.
    pub signature: bool,
}

/// Words that say nothing about a cause.
const STOP: &[&str] = &[
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "been",
    "being",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "for",
    "from",
    "had",
    "has",
    "have",
    "he",
    "her",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "me",
    "my",
    "no",
    "not",
    "of",
    "on",
    "or",
    "our",
    "out",
    "over",
    "she",
    "so",
    "some",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "to",
    "up",
    "us",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "again",
    "all",
    "also",
    "after",
    "before",
    "about",
    "any",
    "still",
    "seems",
    "seem",
    "getting",
    "get",
    "got",
    "see",
    "seeing",
    "seen",
    "please",
    "pls",
    "issue",
    "issues",
    "problem",
    "problems",
    "ticket",
    "hi",
    "hello",
    "team",
    "thanks",
    "today",
    "yesterday",
    "now",
    "since",
    "around",
    "very",
    "too",
    "more",
    "most",
    "many",
    "much",
    "lot",
    "lots",
    "other",
    "others",
    "users",
    "user",
    "customer",
    "customers",
    "reported",
    "report",
    "reports",
    "reporting",
    "noticed",
    "observed",
    "someone",
    "anyone",
    "investigate",
    "investigating",
    "investigation",
    "check",
    "checking",
    "look",
    "looking",
    "help",
    "need",
    "needs",
    "urgent",
    "am",
    "pm",
    "morning",
    "afternoon",
    "evening",
    "night",
    "week",
    "day",
    "days",
    "hours",
    "hour",
    "minutes",
    "min",
    "mins",
];

/// Ops words brought to one form, so that people who write the same cause differently still match.
const SAME: &[(&str, &[&str])] = &[
    ("timeout", &["timeout", "timeouts", "timed", "timing", "timeouted", "deadline"]),
    ("slow", &["slow", "slowness", "slower", "sluggish", "latency", "latencies", "delay", "delayed", "delays", "lag", "lagging", "laggy"]),
    ("fail", &["fail", "fails", "failed", "failing", "failure", "failures", "error", "errors", "erroring", "broken", "breaks", "broke"]),
    ("down", &["down", "outage", "outages", "unavailable", "unreachable", "offline", "unresponsive"]),
    (
        "crash",
        &["crash", "crashes", "crashed", "crashing", "crashloop", "crashloopbackoff", "restart", "restarts", "restarted", "restarting"],
    ),
    ("exhaust", &["exhausted", "exhaust", "exhaustion", "saturated", "saturation", "maxed", "full"]),
    ("memory", &["memory", "oom", "oomkilled", "ram", "heap"]),
    ("disk", &["disk", "disks", "storage", "volume", "volumes"]),
    ("cert", &["cert", "certs", "certificate", "certificates", "tls", "ssl"]),
    ("expire", &["expire", "expired", "expires", "expiry", "expiring", "expiration"]),
    ("db", &["db", "database", "databases", "postgres", "postgresql", "mysql"]),
    ("connect", &["connect", "connection", "connections", "connecting", "conn", "conns", "connectivity"]),
    ("deploy", &["deploy", "deploys", "deployed", "deployment", "deployments", "rollout", "release", "released"]),
    ("javascript", &["javascript", "js"]),
    ("email", &["email", "emails", "mail", "mails", "e-mail"]),
    ("login", &["login", "logins", "signin", "log-in", "authentication", "auth", "authenticate"]),
    ("logout", &["logout", "logouts", "logged", "signout"]),
    ("queue", &["queue", "queues", "queued", "backlog", "backlogged"]),
    ("duplicate", &["duplicate", "duplicates", "duplicated", "double", "twice"]),
    ("alert", &["alert", "alerts", "alerting", "alarm", "alarms", "paged", "page"]),
    ("spike", &["spike", "spikes", "spiking", "surge", "burst", "bursts"]),
    ("missing", &["missing", "lost", "dropped", "gone", "disappeared"]),
];

fn same(word: &str) -> Option<&'static str> {
    SAME.iter().find(|(_, ws)| ws.contains(&word)).map(|(k, _)| *k)
}

/// A word's plain form: known ops words by [`SAME`], else a light suffix strip (`payments` → `payment`).
fn stem(word: &str) -> String {
    if let Some(k) = same(word) {
        return k.to_string();
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") || word.len() < 5 {
        return word.to_string();
    }
    if let Some(base) = word.strip_suffix("ies") {
        return format!("{base}y");
    }
    // `-es` is a plural ending after s, x, z, ch and sh (`boxes`, `patches`); otherwise only the `s` goes.
    if let Some(base) = word.strip_suffix("es") {
        if base.ends_with(['s', 'x', 'z']) || base.ends_with("ch") || base.ends_with("sh") {
            return base.to_string();
        }
    }
    word.strip_suffix('s').unwrap_or(word).to_string()
}

/// `NullPointerException`, `java.io.IOException`, `KeyError`, `SocketTimeout`: the last dotted part.
fn exception(token: &str) -> Option<String> {
    let last = token.rsplit('.').next()?;
    let first = last.chars().next()?;
    let ends = ["Exception", "Error", "Fault", "Timeout", "Panic"].iter().any(|e| last.ends_with(e) && last.len() > e.len());
    (first.is_ascii_uppercase() && ends && last.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then(|| last.to_string())
}

/// `ECONNRESET`, `ETIMEDOUT`, `ENOSPC`: POSIX error names.
fn errno(token: &str) -> bool {
    token.len() >= 5 && token.len() <= 14 && token.starts_with('E') && token.chars().all(|c| c.is_ascii_uppercase())
}

/// `web-12`, `ip-10-0-3-4.ec2.internal`, `db03.prod`, `10.0.3.4`: a host with its numbers as `#`.
fn host(token: &str) -> Option<String> {
    let has_digit = token.chars().any(|c| c.is_ascii_digit());
    let has_sep = token.contains('-') || token.contains('.');
    if !has_digit || !has_sep || token.len() < 4 || !token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
        return None;
    }
    let mut out = String::new();
    let mut in_digits = false;
    for c in token.to_ascii_lowercase().chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    if out.chars().all(|c| c == '#' || c == '.') {
        return Some("ip".to_string());
    }
    // A version (`v1.2.3`) or a date (`2026-11-09`) is not a host.
    let letters = out.chars().filter(|c| c.is_ascii_alphabetic()).count();
    (letters >= 2).then_some(out)
}

/// An id, a hash or a number: says nothing about a cause.
fn noise(word: &str) -> bool {
    let digits = word.chars().filter(|c| c.is_ascii_digit()).count();
    digits > 0 && (digits * 3 >= word.len() || word.len() >= 12)
}

/// The terms of a text, in order (repeats kept: the caller weighs them).
pub fn terms(text: &str) -> Vec<Term> {
    let mut out = Vec::new();
    let mut prev_http = false;
    for raw in text.split(|c: char| c.is_whitespace() || ",;()[]{}\"'<>=|\\`*!?".contains(c)) {
        let token = raw.trim_matches(|c: char| c == '.' || c == ':' || c == '/' || c == '-' || c == '#');
        if token.is_empty() {
            continue;
        }
        if let Some(e) = exception(token) {
            out.push(Term { key: format!("exc:{}", e.to_ascii_lowercase()), display: e, signature: true });
            prev_http = false;
            continue;
        }
        if errno(token) {
            out.push(Term { key: format!("err:{}", token.to_ascii_lowercase()), display: token.to_string(), signature: true });
            prev_http = false;
            continue;
        }
        let lower = token.to_ascii_lowercase();
        let code =
            lower.strip_prefix("http/1.1").or_else(|| lower.strip_prefix("http")).unwrap_or(&lower).trim_start_matches(['-', '/', ':']);
        // `502s`: the plural of a code.
        let code = if code.len() == 4 && code.ends_with('s') { &code[..3] } else { code };
        if code.len() == 3
            && (code.starts_with('4') || code.starts_with('5'))
            && (code.chars().all(|c| c.is_ascii_digit()) || &code[1..] == "xx")
        {
            out.push(Term { key: format!("http:{code}"), display: format!("HTTP {}", code.to_ascii_uppercase()), signature: true });
            prev_http = false;
            continue;
        }
        if let Some(h) = host(token) {
            out.push(Term { key: format!("host:{h}"), display: h, signature: true });
            prev_http = false;
            continue;
        }
        for word in lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            if word == "http" || word == "https" || word == "status" || word == "code" {
                prev_http = true;
                continue;
            }
            if prev_http && word.len() == 3 && word.chars().all(|c| c.is_ascii_digit()) {
                // `status 503` without an HTTP word was caught above; a code after `status`/`http` always is.
                out.push(Term { key: format!("http:{word}"), display: format!("HTTP {word}"), signature: true });
                prev_http = false;
                continue;
            }
            prev_http = false;
            if word == "out" && out.last().is_some_and(|t: &Term| t.key == "time") {
                // `time out`, `timing out`: one cause, however it is spelt.
                if let Some(t) = out.last_mut() {
                    *t = Term { key: "timeout".into(), display: "timeout".into(), signature: false };
                }
                continue;
            }
            if word.len() < 2 || STOP.contains(&word) || noise(word) {
                continue;
            }
            let key = stem(word);
            out.push(Term { display: key.clone(), key, signature: false });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        terms(text).into_iter().map(|t| t.key).collect()
    }

    #[test]
    fn signatures_and_words_are_brought_to_one_form() {
        let cases: [(&str, &[&str]); 8] = [
            ("Checkout API returns HTTP 503 again", &["checkout", "api", "return", "http:503"]),
            ("status code 502 from the card gateway", &["http:502", "card", "gateway"]),
            ("java.lang.NullPointerException in OrderMapper", &["exc:nullpointerexception", "ordermapper"]),
            ("read ECONNRESET on web-12.prod.acme.net", &["read", "err:econnreset", "host:web-#.prod.acme.net"]),
            ("Requests timed out; timeouts everywhere", &["request", "timeout", "timeout", "everywhere"]),
            ("DB connection pool exhausted", &["db", "connect", "pool", "exhaust"]),
            ("Order 8812734 failed, trace 9f2c1e0a77b3", &["order", "fail", "trace"]),
            ("released v2.3.1 on 2026-11-09 at 10.0.3.4", &["deploy", "host:ip"]),
        ];
        for (text, want) in cases {
            assert_eq!(keys(text), want.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{text}");
        }
    }

    #[test]
    fn a_paraphrase_shares_the_causes_terms() {
        let a: std::collections::HashSet<String> = keys("Payments DB connections exhausted, checkout timing out").into_iter().collect();
        let b: std::collections::HashSet<String> =
            keys("payment database out of connections - requests time out at checkout").into_iter().collect();
        for k in ["payment", "db", "connect", "checkout", "timeout"] {
            assert!(a.contains(k) && b.contains(k), "{k}: {a:?} {b:?}");
        }
    }
}
