//! A WebDriver proxy on 127.0.0.1 in front of tauri-driver that sends a request again when it was not
//! answered: tauri-driver keeps a pooled connection to WebKitWebDriver, and when that connection is closed
//! under it the request fails with "connection reset" / "connection closed before message completed" —
//! the request never reached the app, so sending it again is safe. Each request goes upstream on a
//! connection of its own (`Connection: close`), at most [`TRIES`] times.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// How many times one request is sent before its failure is handed to the test.
pub const TRIES: usize = 5;

/// Failures that mean "not answered", in tauri-driver's error text or our own transport errors.
const UNANSWERED: [&str; 6] = [
    "connection reset",
    "connection closed",
    "closed before message completed",
    "broken pipe",
    "error sending request",
    "incompletemessage",
];

/// Start the proxy for the WebDriver server on `upstream`; returns the proxy's port.
pub fn start(upstream: u16) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the resend proxy");
    let port = listener.local_addr().expect("proxy address").port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            std::thread::spawn(move || serve(client, upstream));
        }
    });
    port
}

/// One request from the client, answered, then the client connection is closed.
fn serve(client: TcpStream, upstream: u16) {
    let Ok(mut out) = client.try_clone() else { return };
    let mut reader = BufReader::new(client);
    let Some(request) = read_request(&mut reader) else { return };
    let mut last = String::new();
    for attempt in 0..TRIES {
        match send(&request, upstream) {
            Ok(answer) if !unanswered(&answer) => {
                let _ = out.write_all(&answer);
                return;
            }
            Ok(answer) => last = String::from_utf8_lossy(&answer).into_owned(),
            Err(e) => last = e.to_string(),
        }
        let what = String::from_utf8_lossy(&request).lines().next().unwrap_or("").to_string();
        eprintln!("webdriver request `{what}` not answered (try {} of {TRIES}): {}", attempt + 1, last.lines().last().unwrap_or(""));
        std::thread::sleep(Duration::from_millis(200 * (attempt as u64 + 1)));
    }
    let body = format!(
        r#"{{"value":{{"error":"unknown error","message":"not answered after {TRIES} tries: {}"}}}}"#,
        last.replace('"', "'").lines().last().unwrap_or("")
    );
    let _ = write!(
        out,
        "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// The request's head (with `Connection: close`) and body, as bytes to send upstream.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
        if !lower.starts_with("connection:") && !lower.starts_with("keep-alive:") {
            head.extend_from_slice(line.as_bytes());
        }
    }
    head.extend_from_slice(b"Connection: close\r\n\r\n");
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    head.extend_from_slice(&body);
    Some(head)
}

/// Send one request on a new connection and read the whole answer (the server closes after it).
fn send(request: &[u8], upstream: u16) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect(("127.0.0.1", upstream))?;
    s.set_read_timeout(Some(Duration::from_secs(120)))?;
    s.write_all(request)?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer)?;
    if answer.is_empty() {
        return Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection closed before an answer"));
    }
    Ok(answer)
}

/// A server error whose text says the request was not answered downstream.
fn unanswered(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer).to_ascii_lowercase();
    let status_5xx = text.split_whitespace().nth(1).is_some_and(|s| s.starts_with('5'));
    status_5xx && UNANSWERED.iter().any(|p| text.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unanswered_server_errors_are_sent_again() {
        let cases: [(&str, bool); 4] = [
            (
                "HTTP/1.1 500 Internal Server Error\r\n\r\n{\"value\":{\"message\":\"error sending request: connection reset by peer\"}}",
                true,
            ),
            ("HTTP/1.1 500 Internal Server Error\r\n\r\n{\"value\":{\"error\":\"no such element\"}}", false),
            ("HTTP/1.1 200 OK\r\n\r\n{\"value\":\"connection reset is a string in a page\"}", false),
            ("HTTP/1.1 502 Bad Gateway\r\n\r\nconnection closed before message completed", true),
        ];
        for (answer, want) in cases {
            assert_eq!(unanswered(answer.as_bytes()), want, "{answer}");
        }
    }
}
