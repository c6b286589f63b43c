//! A scripted HTTP server on 127.0.0.1 for the tests of Flywheel's HTTP clients (Jira, Grafana): each
//! request's path (with its query) and Authorization header are logged, and answered by a route given the
//! request and its number.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// What the server saw of one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub path: String,
    pub auth: String,
}

/// Every request so far, in order.
pub type Log = Arc<Mutex<Vec<Request>>>;

/// Serve `route(request, n)` → (status, extra headers, JSON body) on a free loopback port; the base URL and
/// the log.
pub fn serve(route: impl Fn(&Request, usize) -> (u16, Vec<(&'static str, String)>, String) + Send + 'static) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut auth = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("authorization:") {
                    auth = line[line.len() - v.len()..].trim().to_string();
                }
            }
            let request = Request { path, auth };
            seen.lock().expect("log").push(request.clone());
            let (status, headers, body) = route(&request, n);
            let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    (url, log)
}
