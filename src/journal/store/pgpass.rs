//! The PostgreSQL password file (`~/.pgpass`, or the file `PGPASSFILE` names), read as libpq reads it, so
//! the shared journal's password lives where every PostgreSQL tool already looks and never in
//! `flywheel.toml`.
//!
//! Each line is `host:port:database:user:password`; `*` matches anything in the first four fields, `\`
//! escapes `:` and `\`, `#` starts a comment line, the first matching line wins. As libpq does, a file that
//! its group or others can read is ignored.

use std::path::PathBuf;

/// The password for this connection from the password file, if it has one.
pub fn find(host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let file =
        std::env::var_os("PGPASSFILE").map(PathBuf::from).or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pgpass")))?;
    if !private(&file) {
        return None;
    }
    let text = std::fs::read_to_string(&file).ok()?;
    lookup(&text, host, port, db, user)
}

#[cfg(unix)]
fn private(file: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(file).map(|m| m.is_file() && m.permissions().mode() & 0o077 == 0).unwrap_or(false)
}

#[cfg(not(unix))]
fn private(file: &std::path::Path) -> bool {
    file.is_file()
}

/// The first line of `text` matching the connection.
pub fn lookup(text: &str, host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let port = port.to_string();
    let wanted = [host, port.as_str(), db, user];
    text.lines().filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty()).find_map(|line| {
        let fields = split(line);
        if fields.len() != 5 {
            return None;
        }
        let matches = fields[..4].iter().zip(wanted).all(|(f, w)| f == "*" || f == w);
        matches.then(|| fields[4].clone())
    })
}

/// The fields of one line, unescaped.
fn split(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => field.extend(chars.next()),
            ':' if fields.len() < 4 => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_matching_line_wins_with_wildcards_and_escapes() {
        let file = "# the team's database\n\
                    db.internal:5432:ops:ana:first\n\
                    db.internal:*:ops:*:second\n\
                    *:*:*:bo:p\\:w\\\\d:with:colons\n\
                    broken line\n";
        let cases = [
            (("db.internal", 5432, "ops", "ana"), Some("first")),
            (("db.internal", 6543, "ops", "ana"), Some("second")),
            (("db.internal", 5432, "ops", "cy"), Some("second")),
            (("elsewhere", 5432, "ops", "bo"), Some("p:w\\d:with:colons")),
            (("elsewhere", 5432, "ops", "ana"), None),
        ];
        for ((h, p, d, u), want) in cases {
            assert_eq!(lookup(file, h, p, d, u).as_deref(), want, "{h}:{p}:{d}:{u}");
        }
    }
}
