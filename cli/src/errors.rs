//! How an error reads on the terminal: its chain of causes on one line, each said once.

/// `e` and its causes joined by ": ", leaving out a cause whose text the line already ends with: many errors
/// put their cause in their own message (`cannot write x: {source}`) and also give it as their source, which
/// `{:#}` would print twice.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Inner {
        #[error("due date `2026-02-30` is not a date like 2026-11-23")]
        BadDue,
        #[error("no such file")]
        Missing,
    }

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        /// Its cause's text as its own, and the cause as its source.
        #[error("{0}")]
        Same(#[source] Inner),
        /// Its cause at the end of its own text.
        #[error("cannot write x.json: {0}")]
        Ends(#[source] Inner),
        /// Its own text only.
        #[error("cannot open the journal")]
        Own(#[source] Inner),
    }

    #[test]
    fn each_cause_is_said_once() {
        let cases: Vec<(anyhow::Error, &str)> = vec![
            (Outer::Same(Inner::BadDue).into(), "due date `2026-02-30` is not a date like 2026-11-23"),
            (Outer::Ends(Inner::Missing).into(), "cannot write x.json: no such file"),
            (Outer::Own(Inner::Missing).into(), "cannot open the journal: no such file"),
            (anyhow::Error::from(Outer::Own(Inner::Missing)).context("--week"), "--week: cannot open the journal: no such file"),
            (anyhow::Error::from(Outer::Same(Inner::BadDue)).context("add"), "add: due date `2026-02-30` is not a date like 2026-11-23"),
            (anyhow::anyhow!("plain"), "plain"),
        ];
        for (e, want) in cases {
            assert_eq!(one_line(&e), want, "{e:#}");
        }
    }
}
