//! Secrets stay secret end to end: the `flywheel` command reviews a workspace that pulls from a server
//! that echoes every request header back (in errors, in warnings, in a redirect's address), then every
//! file the run wrote — reports, the Prometheus cache, the journal, the workspace folder — and everything
//! it printed is searched for the bearer token. A URL with a password is refused without echoing it.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};

const TOKEN: &str = "tok-7f3a9c41d2e8b5-secret";
const PASSWORD: &str = "hunter2-pa55word";

/// `%XX` and `+` decoding of a form value.
fn form_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    out.push(v);
                    i += 2;
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn field<'a>(form: &'a str, key: &str) -> Option<&'a str> {
    form.split('&').find_map(|kv| kv.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// A Prometheus-like server on loopback that hands back what it was sent. By the query's job:
/// `good` answers data with a warning quoting the request's headers; `echo` fails with HTTP 500 and the
/// raw headers as its body; `moved` redirects (307) to an address carrying the token, where it fails
/// with HTTP 400 and a JSON error quoting the headers and the address. Returns the URL and the request log.
fn echo_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut request_line = String::new();
                let _ = reader.read_line(&mut request_line);
                let mut head = String::new();
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    head.push_str(&line);
                }
                let mut body = vec![0u8; len];
                let _ = reader.read_exact(&mut body);
                let form = String::from_utf8_lossy(&body).into_owned();
                if let Ok(mut l) = seen.lock() {
                    l.push(format!("{request_line}{head}\n{form}"));
                }
                let query = field(&form, "query").map(form_decode).unwrap_or_default();
                let num = |k: &str| field(&form, k).and_then(|v| form_decode(v).parse::<f64>().ok()).unwrap_or(0.0);
                let (start, end, step) = (num("start"), num("end"), num("step").max(1.0));
                let headers_json = serde_json::to_string(&head).expect("json");
                let (status, extra, answer) = if request_line.contains("/moved/") {
                    let e = format!(r#"you asked {} with headers {headers_json}"#, request_line.trim());
                    (400, String::new(), serde_json::json!({"status": "error", "errorType": "bad_data", "error": e}).to_string())
                } else if query.contains("job=\"moved\"") {
                    (307, format!("Location: /moved/api/v1/query_range?leak={TOKEN}\r\n"), String::new())
                } else if query.contains("job=\"echo\"") {
                    (500, String::new(), format!("upstream failed for request:\r\n{head}"))
                } else {
                    let n = ((end - start) / step).floor() as i64;
                    let values: Vec<String> =
                        (0..=n).map(|i| format!("[{},\"{}\"]", start + i as f64 * step, 50.0 + (i % 24) as f64)).collect();
                    let result = format!(r#"[{{"metric":{{"job":"good"}},"values":[{}]}}]"#, values.join(","));
                    let warning = serde_json::to_string(&format!("debug: {head}")).expect("json");
                    (
                        200,
                        String::new(),
                        format!(r#"{{"status":"success","warnings":[{warning}],"data":{{"resultType":"matrix","result":{result}}}}}"#),
                    )
                };
                let msg = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{answer}",
                    answer.len()
                );
                let _ = stream.write_all(msg.as_bytes());
            });
        }
    });
    (url, log)
}

fn workspace(dir: &Path, url: &str) {
    let metric = |id: &str, job: &str| {
        format!(
            "[[metric]]\nid = \"{id}\"\nservice = \"api\"\nworse = \"higher\"\nalarm = 1000\nsource = {{ promql = 'up{{job=\"{job}\"}}' }}\n\n"
        )
    };
    let toml = format!(
        "[workspace]\nname = \"Secrets\"\ntimezone = \"UTC\"\nstep = \"1h\"\nhistory_weeks = 1\n\n\
         [prometheus]\nurl = \"{url}\"\ntoken_env = \"FLYWHEEL_TEST_SECRET_TOKEN\"\nretries = 0\ntimeout = \"5s\"\n\n\
         [[team]]\nname = \"Core\"\n\n[[service]]\nname = \"api\"\nteam = \"Core\"\n\n{}{}{}",
        metric("api.good", "good"),
        metric("api.echo", "echo"),
        metric("api.moved", "moved"),
    );
    std::fs::write(dir.join("flywheel.toml"), toml).expect("write workspace");
}

struct Run {
    data: tempfile::TempDir,
    cache: tempfile::TempDir,
    out: tempfile::TempDir,
}

impl Run {
    fn new() -> Run {
        let t = || tempfile::tempdir().expect("tmp");
        Run { data: t(), cache: t(), out: t() }
    }

    fn flywheel(&self, args: &[&str]) -> Output {
        common::flywheel_in(self.data.path())
            .args(args)
            .env("FLYWHEEL_CACHE_DIR", self.cache.path())
            .env("FLYWHEEL_TEST_SECRET_TOKEN", TOKEN)
            .output()
            .expect("run flywheel")
    }
}

/// Every regular file under `dir` (recursively).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else if p.is_file() {
            out.push(p);
        }
    }
    out
}

/// Where `needle` occurs in any of the files (as bytes: Parquet and SQLite included) or texts.
fn leaks(needle: &str, dirs: &[&Path], texts: &[(&str, &[u8])]) -> Vec<String> {
    let found = |hay: &[u8]| hay.windows(needle.len()).any(|w| w == needle.as_bytes());
    let mut out: Vec<String> = dirs
        .iter()
        .flat_map(|d| files(d))
        .filter(|p| std::fs::read(p).map(|b| found(&b)).unwrap_or(false))
        .map(|p| p.display().to_string())
        .collect();
    out.extend(texts.iter().filter(|(_, t)| found(t)).map(|(n, _)| n.to_string()));
    out
}

#[test]
fn the_token_appears_in_no_output_report_cache_or_journal_file() {
    let (url, log) = echo_server();
    let ws = tempfile::tempdir().expect("tmp");
    workspace(ws.path(), &url);
    let run = Run::new();
    let (w, o) = (ws.path().to_str().expect("path"), run.out.path());
    let (json, html, md) = (o.join("review.json"), o.join("review.html"), o.join("review.md"));
    let first = run.flywheel(&[
        "review",
        w,
        "--quiet",
        "--pull-stats",
        "--json",
        json.to_str().expect("path"),
        "--html",
        html.to_str().expect("path"),
        "--md",
        md.to_str().expect("path"),
    ]);
    assert!(first.status.success(), "exit {:?}: {}", first.status, String::from_utf8_lossy(&first.stderr));
    // Again from the cache, as JSON on stdout; then the journal gets an action item and an annotation-free list.
    let second = run.flywheel(&["review", w, "--quiet", "--json"]);
    let add = run.flywheel(&["actions", "add", w, "--title", "look at api.echo", "--metric", "api.echo"]);
    let list = run.flywheel(&["actions", "list", w]);
    assert!(add.status.success() && list.status.success(), "{}", String::from_utf8_lossy(&add.stderr));

    // The server really was sent the token, followed the redirect and echoed it: the test can fail.
    let requests = log.lock().expect("log").clone();
    assert!(requests.iter().any(|r| r.contains(&format!("Bearer {TOKEN}"))), "the token was never sent: {requests:?}");
    assert!(requests.iter().any(|r| r.contains("/moved/")), "the redirect was not followed: {requests:?}");
    // What the server said still reaches the user, with the token masked.
    let doc = std::fs::read_to_string(&json).expect("json report");
    assert!(doc.contains("api.echo") && doc.contains("500"), "the failing query is reported: {doc}");
    assert!(doc.contains("[redacted]"), "the echoed headers are shown masked: {doc}");

    let outputs: Vec<(&str, &[u8])> = vec![
        ("first run stdout", &first.stdout),
        ("first run stderr", &first.stderr),
        ("second run stdout", &second.stdout),
        ("second run stderr", &second.stderr),
        ("actions add output", &add.stdout),
        ("actions list output", &list.stdout),
    ];
    let dirs = [ws.path(), run.data.path(), run.cache.path(), run.out.path()];
    assert!(!files(run.cache.path()).is_empty(), "the pull was cached (the cache is part of what is searched)");
    assert!(!files(run.data.path()).is_empty(), "the journal was written (it is part of what is searched)");
    let leaked = leaks(TOKEN, &dirs, &outputs);
    assert!(leaked.is_empty(), "the token appears in: {leaked:?}");
}

#[test]
fn a_password_in_the_server_address_is_refused_and_never_echoed() {
    let (url, log) = echo_server();
    let ws = tempfile::tempdir().expect("tmp");
    workspace(ws.path(), &url.replace("http://", &format!("http://reviewer:{PASSWORD}@")));
    let run = Run::new();
    let json = run.out.path().join("review.json");
    let o = run.flywheel(&["review", ws.path().to_str().expect("path"), "--quiet", "--json", json.to_str().expect("path")]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "a URL with a password must be refused");
    assert!(err.contains("flywheel.toml") && err.contains("token_env"), "the error names the file and the way out: {err}");
    assert!(log.lock().expect("log").is_empty(), "nothing is sent to the server");
    let dirs = [ws.path(), run.data.path(), run.cache.path(), run.out.path()];
    let leaked: Vec<String> = leaks(PASSWORD, &dirs, &[("stdout", &o.stdout), ("stderr", &o.stderr)])
        .into_iter()
        .filter(|p| !p.ends_with("flywheel.toml")) // the user's own file holds it, of course
        .collect();
    assert!(leaked.is_empty(), "the password appears in: {leaked:?}");
}
