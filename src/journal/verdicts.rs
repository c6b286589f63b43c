//! Verdicts: what the room said about a finding — it *needs action*, it was *expected* (a deploy, planned
//! maintenance, a traffic event, a known batch job, …) for a scope, or it was *noise*. One current verdict
//! per finding, changeable; each keeps who said it and when.

use serde::{Deserialize, Serialize};

use super::actions::{check_len, MAX_DETAILS, MAX_NAME};
use super::history::Recorded;
use super::store::{args, Row};
use super::{Invalid, Journal, JournalError};
use crate::finding::Kind;

pub const MIGRATION_5: &str = "
CREATE TABLE verdicts (
    finding TEXT PRIMARY KEY,
    metric TEXT NOT NULL,
    instance TEXT,
    kind TEXT NOT NULL,
    week TEXT NOT NULL,
    range_start INTEGER NOT NULL,
    range_end INTEGER NOT NULL,
    severity INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 100),
    verdict TEXT NOT NULL CHECK (verdict IN ('needs_action', 'expected', 'noise')),
    reason TEXT CHECK (reason IS NULL OR reason IN ('deploy', 'maintenance', 'event', 'batch_job', 'other')),
    note TEXT NOT NULL DEFAULT '',
    scope TEXT CHECK (scope IS NULL OR scope IN ('occurrence', 'time_of_week', 'weeks')),
    scope_weeks INTEGER,
    author TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX verdicts_metric ON verdicts (metric, kind);
";

/// What the room said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    NeedsAction,
    Expected,
    Noise,
}

/// Why a finding was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Deploy,
    Maintenance,
    /// A holiday or traffic event.
    Event,
    BatchJob,
    Other,
}

/// How far an "expected" verdict reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "weeks")]
pub enum Scope {
    /// This finding only.
    Occurrence,
    /// This metric and kind at this local time of week, every week.
    TimeOfWeek,
    /// This metric and kind for this many weeks from the finding's week.
    Weeks(u32),
}

macro_rules! keys {
    ($t:ty { $($v:ident => $k:literal),* $(,)? }) => {
        impl $t {
            pub fn key(self) -> &'static str {
                match self { $(Self::$v => $k),* }
            }
            pub fn from_key(s: &str) -> Option<Self> {
                match s { $($k => Some(Self::$v),)* _ => None }
            }
        }
    };
}
keys!(Verdict { NeedsAction => "needs_action", Expected => "expected", Noise => "noise" });
keys!(Reason { Deploy => "deploy", Maintenance => "maintenance", Event => "event", BatchJob => "batch_job", Other => "other" });

impl Reason {
    pub fn label(self) -> &'static str {
        match self {
            Reason::Deploy => "deploy",
            Reason::Maintenance => "planned maintenance",
            Reason::Event => "holiday or traffic event",
            Reason::BatchJob => "known batch job",
            Reason::Other => "other",
        }
    }
}

impl Verdict {
    /// `needs action`, `expected`, `noise`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::NeedsAction => "needs action",
            Verdict::Expected => "expected",
            Verdict::Noise => "noise",
        }
    }
}

impl Scope {
    /// `this occurrence`, `at this time every week`, `for 4 weeks`.
    pub fn label(self) -> String {
        match self {
            Scope::Occurrence => "this occurrence".to_string(),
            Scope::TimeOfWeek => "at this time every week".to_string(),
            Scope::Weeks(n) => format!("for {n} week{}", if n == 1 { "" } else { "s" }),
        }
    }

    fn key(self) -> &'static str {
        match self {
            Scope::Occurrence => "occurrence",
            Scope::TimeOfWeek => "time_of_week",
            Scope::Weeks(_) => "weeks",
        }
    }
    fn weeks(self) -> Option<u32> {
        match self {
            Scope::Weeks(n) => Some(n),
            _ => None,
        }
    }
}

/// A verdict to record on a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub verdict: Verdict,
    /// Required for `Expected`.
    pub reason: Option<Reason>,
    /// Free text (required with reason `Other`).
    pub note: String,
    /// For `Expected`: how far it reaches (this occurrence when none).
    pub scope: Option<Scope>,
    pub author: String,
}

/// A verdict as stored, with the finding it is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stored {
    pub finding: Recorded,
    pub verdict: Verdict,
    pub reason: Option<Reason>,
    pub note: String,
    pub scope: Option<Scope>,
    pub author: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Stored {
    /// `expected — known batch job, at this time every week: nightly export` (who said it is `author`).
    pub fn describe(&self) -> String {
        let what = match self.verdict {
            Verdict::Expected => {
                let scope = self.scope.unwrap_or(Scope::Occurrence).label();
                format!("expected — {}, {scope}", self.reason.map(Reason::label).unwrap_or("other"))
            }
            other => other.label().to_string(),
        };
        if self.note.is_empty() {
            what
        } else {
            format!("{what}: {}", self.note)
        }
    }
}

/// The longest scope in weeks an "expected" verdict may have.
pub const MAX_SCOPE_WEEKS: u32 = 52;

fn check(m: &Mark) -> Result<(), Invalid> {
    check_len("note", &m.note, MAX_DETAILS)?;
    check_len("author", &m.author, MAX_NAME)?;
    match (m.verdict, m.reason, m.scope) {
        (Verdict::Expected, None, _) => Err(Invalid::Empty { what: "an \"expected\" verdict", field: "reason" }),
        (Verdict::Expected, Some(Reason::Other), _) if m.note.trim().is_empty() => {
            Err(Invalid::Empty { what: "an \"expected\" verdict for another reason", field: "note" })
        }
        (Verdict::Expected, _, Some(Scope::Weeks(n))) if n == 0 || n > MAX_SCOPE_WEEKS => {
            Err(Invalid::OutOfRange { field: "scope", message: format!("{n} weeks; use 1 to {MAX_SCOPE_WEEKS}") })
        }
        (Verdict::NeedsAction | Verdict::Noise, Some(_), _) | (Verdict::NeedsAction | Verdict::Noise, _, Some(_)) => {
            Err(Invalid::OutOfRange { field: "verdict", message: "only an \"expected\" verdict has a reason and a scope".into() })
        }
        _ => Ok(()),
    }
}

/// A verdict's columns, then its finding's sentence from the findings history, in the order [`raw`] reads them.
const COLUMNS: &str = "finding, metric, instance, kind, week, range_start, range_end, severity, verdict, reason, note, scope, scope_weeks, author, created_at, updated_at,
    (SELECT sentence FROM findings_history h WHERE h.id = verdicts.finding ORDER BY h.week DESC LIMIT 1)";

impl Journal {
    /// Record (or change) the verdict on a finding of a reviewed week, found by id in the findings
    /// history. Returns it as stored.
    pub fn mark(&mut self, finding_id: &str, m: &Mark, now: i64) -> Result<Stored, JournalError> {
        self.mark_seen(finding_id, None, m, now)
    }

    /// [`Journal::mark`], or, when no reviewed week holds the finding, on `seen`: the finding as the open review
    /// shows it ([`crate::recurring::seen`]). A review at another sensitivity than the workspace's keeps no week
    /// (the history stays the workspace's), so what it finds beyond the kept week's findings is known only to it,
    /// and the room still says what it makes of them. (Such a verdict reads back without a sentence: the history
    /// holds the sentences.)
    pub fn mark_seen(&mut self, finding_id: &str, seen: Option<&Recorded>, m: &Mark, now: i64) -> Result<Stored, JournalError> {
        check(m)?;
        let f = match self.recorded(finding_id)? {
            Some(f) => f,
            None => seen.filter(|s| s.id == finding_id).cloned().ok_or_else(|| Invalid::NoSuchFinding(finding_id.to_string()))?,
        };
        let scope = if m.verdict == Verdict::Expected { Some(m.scope.unwrap_or(Scope::Occurrence)) } else { None };
        self.execute(
            "INSERT INTO verdicts (finding, metric, instance, kind, week, range_start, range_end, severity, verdict, reason, note, scope, scope_weeks, author, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)
             ON CONFLICT(finding) DO UPDATE SET verdict = excluded.verdict, reason = excluded.reason, note = excluded.note,
                 scope = excluded.scope, scope_weeks = excluded.scope_weeks, author = excluded.author, updated_at = excluded.updated_at",
            args![
                &f.id,
                &f.metric,
                &f.instance,
                f.kind.key(),
                &f.week,
                f.start,
                f.end,
                f.severity,
                m.verdict.key(),
                m.reason.map(Reason::key),
                m.note.trim(),
                scope.map(Scope::key),
                scope.and_then(Scope::weeks),
                m.author.trim(),
                now
            ],
        )?;
        self.verdict(finding_id)?.ok_or_else(|| self.corrupt(format!("the verdict on {finding_id} vanished after it was written")))
    }

    pub fn verdict(&self, finding_id: &str) -> Result<Option<Stored>, JournalError> {
        let sql = format!("SELECT {COLUMNS} FROM verdicts WHERE finding = ?1");
        let row = self.query_opt(&sql, args![finding_id], raw)?;
        row.map(|raw| self.stored(raw)).transpose()
    }

    pub fn verdicts(&self, metric: Option<&str>) -> Result<Vec<Stored>, JournalError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM verdicts WHERE CAST(?1 AS TEXT) IS NULL OR metric = ?1 ORDER BY week DESC, updated_at DESC, finding"
        );
        let rows = self.query(&sql, args![metric], raw)?;
        rows.into_iter().map(|raw| self.stored(raw)).collect()
    }

    fn stored(&self, raw: Raw) -> Result<Stored, JournalError> {
        let bad = |what: &str| self.corrupt(format!("verdict on {}: {what}", raw.finding));
        let kind = Kind::from_key(&raw.kind).ok_or_else(|| bad("unknown kind"))?;
        let verdict = Verdict::from_key(&raw.verdict).ok_or_else(|| bad("unknown verdict"))?;
        let reason = raw.reason.as_deref().map(|r| Reason::from_key(r).ok_or_else(|| bad("unknown reason"))).transpose()?;
        let scope = match (raw.scope.as_deref(), raw.scope_weeks) {
            (None, _) => None,
            (Some("occurrence"), _) => Some(Scope::Occurrence),
            (Some("time_of_week"), _) => Some(Scope::TimeOfWeek),
            (Some("weeks"), Some(n)) => Some(Scope::Weeks(u32::try_from(n).map_err(|_| bad("bad scope"))?)),
            _ => return Err(bad("unknown scope")),
        };
        Ok(Stored {
            finding: Recorded {
                week: raw.week,
                id: raw.finding,
                metric: raw.metric,
                instance: raw.instance,
                kind,
                start: raw.start,
                end: raw.end,
                severity: raw.severity.clamp(0, 100) as u8,
                sentence: raw.sentence.unwrap_or_default(),
            },
            verdict,
            reason,
            note: raw.note,
            scope,
            author: raw.author,
            created_at: raw.created_at,
            updated_at: raw.updated_at,
        })
    }
}

/// A row as SQLite holds it, checked by [`Journal::stored`].
struct Raw {
    finding: String,
    metric: String,
    instance: Option<String>,
    kind: String,
    week: String,
    start: i64,
    end: i64,
    severity: i64,
    verdict: String,
    reason: Option<String>,
    note: String,
    scope: Option<String>,
    scope_weeks: Option<i64>,
    author: String,
    created_at: i64,
    updated_at: i64,
    /// The finding's sentence from the findings history (none if that week's record is gone).
    sentence: Option<String>,
}

fn raw(r: &Row) -> Result<Raw, String> {
    Ok(Raw {
        finding: r.get(0)?,
        metric: r.get(1)?,
        instance: r.get(2)?,
        kind: r.get(3)?,
        week: r.get(4)?,
        start: r.get(5)?,
        end: r.get(6)?,
        severity: r.get(7)?,
        verdict: r.get(8)?,
        reason: r.get(9)?,
        note: r.get(10)?,
        scope: r.get(11)?,
        scope_weeks: r.get(12)?,
        author: r.get(13)?,
        created_at: r.get(14)?,
        updated_at: r.get(15)?,
        sentence: r.get(16)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;

    fn mark(verdict: Verdict, reason: Option<Reason>, note: &str, scope: Option<Scope>) -> Mark {
        Mark { verdict, reason, note: note.into(), scope, author: "ana".into() }
    }

    #[test]
    fn a_verdict_is_checked_kept_and_changeable() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut j = Journal::open(&dir.path().join("j.sqlite")).expect("open");
        let m = crate::config::Metric::new("db.cpu", "T", "svc", crate::config::Worse::Higher, std::path::Path::new("x"), "cpu");
        let f = Finding::new(Kind::LevelShift, &m, 1_000, 2_000, 61.0, "db.cpu stepped up".into());
        j.record_week("2026-11-09", std::slice::from_ref(&f), 1).expect("week");
        let refused: [(Mark, &str); 5] = [
            (mark(Verdict::Expected, None, "", None), "needs a reason"),
            (mark(Verdict::Expected, Some(Reason::Other), " ", None), "needs a note"),
            (mark(Verdict::Expected, Some(Reason::Deploy), "", Some(Scope::Weeks(0))), "0 weeks"),
            (mark(Verdict::Noise, Some(Reason::Deploy), "", None), "only an \"expected\" verdict"),
            (mark(Verdict::NeedsAction, None, "", Some(Scope::TimeOfWeek)), "only an \"expected\" verdict"),
        ];
        for (bad, want) in refused {
            let e = j.mark(&f.id(), &bad, 2).expect_err(want).to_string();
            assert!(e.contains(want), "{e}");
        }
        assert!(j.verdicts(None).expect("list").is_empty(), "nothing refused was written");
        let first = j.mark(&f.id(), &mark(Verdict::Noise, None, "", None), 3).expect("noise");
        assert_eq!((first.verdict, first.finding.severity, first.finding.sentence.as_str()), (Verdict::Noise, 61, "db.cpu stepped up"));
        let changed = j.mark(&f.id(), &mark(Verdict::Expected, Some(Reason::Deploy), "v2.3", None), 4).expect("expected");
        assert_eq!(
            (changed.verdict, changed.scope, changed.created_at, changed.updated_at),
            (Verdict::Expected, Some(Scope::Occurrence), 3, 4)
        );
        assert_eq!(j.verdicts(Some("db.cpu")).expect("list"), vec![changed]);
        assert!(j.verdicts(Some("other")).expect("list").is_empty());
        assert!(matches!(
            j.mark("db.cpu:level_shift:5", &mark(Verdict::Noise, None, "", None), 5),
            Err(JournalError::Invalid(Invalid::NoSuchFinding(_)))
        ));
    }
}
