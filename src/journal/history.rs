//! Findings history: each reviewed week's findings (id, metric, instance, kind, range, severity,
//! sentence), so a week can be compared with the ones before it — the ground for "what keeps coming back".
//! A week is recorded whole: reviewing it again replaces what was kept for it, in one transaction (writing
//! only the rows that changed).

use serde::Serialize;

use std::collections::BTreeMap;

use super::store::{args, Row, Value};
use super::{Journal, JournalError};
use crate::finding::{Finding, Kind};

pub const MIGRATION_4: &str = "
CREATE TABLE findings_history (
    week TEXT NOT NULL CHECK (week GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    id TEXT NOT NULL,
    metric TEXT NOT NULL,
    instance TEXT,
    kind TEXT NOT NULL,
    range_start INTEGER NOT NULL,
    range_end INTEGER NOT NULL,
    severity INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 100),
    sentence TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (week, id)
);
CREATE INDEX findings_history_metric ON findings_history (metric, kind, week);
CREATE TABLE reviews (
    week TEXT PRIMARY KEY CHECK (week GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    findings INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL
);
";

/// A finding as a past review kept it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    /// The review week, as the local date it starts on (`2026-11-09`).
    pub week: String,
    pub id: String,
    pub metric: String,
    pub instance: Option<String>,
    pub kind: Kind,
    pub start: i64,
    pub end: i64,
    pub severity: u8,
    pub sentence: String,
}

/// The recorded reviews before a week: which weeks were reviewed (a quiet week counts: it was
/// reviewed and nothing stood out) and what they found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct History {
    /// Newest first.
    pub weeks: Vec<String>,
    /// The findings of those weeks, newest week first, then by severity.
    pub findings: Vec<Recorded>,
}

impl History {
    /// The `n` most recent of these weeks before `week`, with their findings (what
    /// [`Journal::weeks_before`] reads, taken from a history already read).
    pub fn before(&self, week: &str, n: usize) -> History {
        let weeks: Vec<String> = self.weeks.iter().filter(|w| w.as_str() < week).take(n).cloned().collect();
        let findings = self.findings.iter().filter(|f| weeks.contains(&f.week)).cloned().collect();
        History { weeks, findings }
    }
}

impl Journal {
    /// Keep `findings` as week `week`'s, replacing whatever an earlier review of that week kept. Only what
    /// differs from what is kept is written: the app records the week again at every verdict and every re-flag
    /// back to the workspace's sensitivity, and at an organisation's scale rewriting thousands of unchanged rows
    /// (each a round trip to a shared journal) was most of that. `recorded_at` is when a row, or the week's
    /// count, last changed.
    pub fn record_week(&mut self, week: &str, findings: &[Finding], now: i64) -> Result<(), JournalError> {
        // The findings to keep, one per id (the later of equal ids, as writing them in turn left it), in id
        // order: two apps recording one week at once take the rows' locks in the same order.
        let mut latest: BTreeMap<String, &Finding> = BTreeMap::new();
        for f in findings {
            latest.insert(f.id(), f);
        }
        self.transaction(|tx| {
            let sql = format!("SELECT {RECORDED} FROM findings_history WHERE week = ?1");
            let mut kept = BTreeMap::new();
            for row in tx.query(&sql, args![week])? {
                // A row that cannot be read back (a kind this version does not know) is written again or removed,
                // as a whole rewrite of the week did.
                match recorded(&row) {
                    Ok(r) => kept.insert(r.id.clone(), Some(r)),
                    Err(_) => kept.insert(row.get::<String>(1).map_err(|e| self.corrupt(format!("findings_history, week {week}: {e}")))?, None),
                };
            }
            let writes: Vec<(&String, &Finding)> = latest
                .iter()
                .filter(|(id, f)| {
                    !kept.remove(*id).flatten().is_some_and(|r| {
                        (r.metric.as_str(), &r.instance, r.kind, r.start, r.end, r.severity, r.sentence.as_str())
                            == (f.metric.as_str(), &f.instance, f.kind, f.start, f.end, f.severity, f.sentence.as_str())
                    })
                })
                .map(|(id, f)| (id, *f))
                .collect();
            // Many rows a statement: a new week is thousands of rows, each statement a round trip to a shared journal.
            for batch in writes.chunks(ROWS_A_STATEMENT) {
                let mut args = Vec::with_capacity(batch.len() * 10);
                for (id, f) in batch {
                    args.extend_from_slice(args![week, *id, &f.metric, &f.instance, f.kind.key(), f.start, f.end, f.severity, &f.sentence, now]);
                }
                let sql = format!(
                    "INSERT INTO findings_history (week, id, metric, instance, kind, range_start, range_end, severity, sentence, recorded_at)
                     VALUES {}
                     ON CONFLICT (week, id) DO UPDATE SET metric = excluded.metric, instance = excluded.instance, kind = excluded.kind,
                         range_start = excluded.range_start, range_end = excluded.range_end, severity = excluded.severity,
                         sentence = excluded.sentence, recorded_at = excluded.recorded_at",
                    placeholders(batch.len(), 10, 1)
                );
                tx.execute(&sql, &args)?;
            }
            // What the week no longer holds.
            let gone: Vec<&String> = kept.keys().collect();
            for batch in gone.chunks(ROWS_A_STATEMENT) {
                let mut args = args![week].to_vec();
                args.extend(batch.iter().map(|id| Value::from(*id)));
                let sql = format!("DELETE FROM findings_history WHERE week = ?1 AND id IN {}", placeholders(1, batch.len(), 2));
                tx.execute(&sql, &args)?;
            }
            let changed = !writes.is_empty() || !gone.is_empty();
            // The week's count is asked only when no row changed (a row written is the week written).
            let count_differs = !changed && {
                let count = tx.query_opt("SELECT findings FROM reviews WHERE week = ?1", args![week])?.map(|r| r.get::<i64>(0)).transpose();
                count.map_err(|e| self.corrupt(format!("reviews, week {week}: {e}")))? != i64::try_from(findings.len()).ok()
            };
            if changed || count_differs {
                tx.execute(
                    "INSERT INTO reviews (week, findings, recorded_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT(week) DO UPDATE SET findings = excluded.findings, recorded_at = excluded.recorded_at",
                    args![week, findings.len(), now],
                )?;
            }
            Ok(())
        })
    }

    /// The `n` most recent reviewed weeks before `week` and their findings.
    pub fn weeks_before(&self, week: &str, n: usize) -> Result<History, JournalError> {
        self.weeks_to(week, false, n)
    }

    /// The `n` most recent reviewed weeks up to `week` (included, when it was recorded) and their findings.
    pub fn weeks_through(&self, week: &str, n: usize) -> Result<History, JournalError> {
        self.weeks_to(week, true, n)
    }

    fn weeks_to(&self, week: &str, inclusive: bool, n: usize) -> Result<History, JournalError> {
        let cmp = if inclusive { "<=" } else { "<" };
        let weeks: Vec<String> =
            self.query(&format!("SELECT week FROM reviews WHERE week {cmp} ?1 ORDER BY week DESC LIMIT ?2"), args![week, n], |r| r.get(0))?;
        let Some(oldest) = weeks.last() else { return Ok(History::default()) };
        let sql =
            format!("SELECT {RECORDED} FROM findings_history WHERE week >= ?1 AND week {cmp} ?2 ORDER BY week DESC, severity DESC, id");
        let findings = self.query(&sql, args![oldest, week], recorded)?;
        Ok(History { weeks, findings })
    }

    /// A finding of a reviewed week, by id (the newest week that holds it).
    pub fn recorded(&self, id: &str) -> Result<Option<Recorded>, JournalError> {
        let sql = format!("SELECT {RECORDED} FROM findings_history WHERE id = ?1 ORDER BY week DESC LIMIT 1");
        self.query_opt(&sql, args![id], recorded)
    }
}

#[cfg(test)]
impl Recorded {
    /// A stored finding for tests: id `metric:week`, range `[0, 1)`, severity 50, no sentence.
    pub(crate) fn example(week: &str, metric: &str, kind: Kind) -> Recorded {
        Recorded {
            week: week.into(),
            id: format!("{metric}:{week}"),
            metric: metric.into(),
            instance: None,
            kind,
            start: 0,
            end: 1,
            severity: 50,
            sentence: String::new(),
        }
    }
}

/// The findings written (10 values each: 1,000 a statement, within SQLite's and PostgreSQL's limits) or removed by
/// one statement of [`Journal::record_week`].
const ROWS_A_STATEMENT: usize = 100;

/// `rows` parenthesised tuples of `width` numbered placeholders from `?first` on: `(?1, ?2), (?3, ?4)`.
fn placeholders(rows: usize, width: usize, first: usize) -> String {
    let tuple = |r: usize| (0..width).map(|k| format!("?{}", first + r * width + k)).collect::<Vec<_>>().join(", ");
    (0..rows).map(|r| format!("({})", tuple(r))).collect::<Vec<_>>().join(", ")
}

/// The columns of a stored finding, in the order [`recorded`] reads them.
const RECORDED: &str = "week, id, metric, instance, kind, range_start, range_end, severity, sentence";

/// A stored finding, its kind and severity checked.
fn recorded(r: &Row) -> Result<Recorded, String> {
    let id: String = r.get(1)?;
    let kind: String = r.get(4)?;
    let kind = Kind::from_key(&kind).ok_or_else(|| format!("finding {id} has an unknown kind `{kind}`"))?;
    let severity: i64 = r.get(7)?;
    let severity = u8::try_from(severity).map_err(|_| format!("finding {id} has severity {severity}"))?;
    Ok(Recorded {
        week: r.get(0)?,
        metric: r.get(2)?,
        instance: r.get(3)?,
        kind,
        start: r.get(5)?,
        end: r.get(6)?,
        severity,
        sentence: r.get(8)?,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(metric: &str, kind: Kind, start: i64, severity: u8) -> Finding {
        let m = crate::config::Metric::new(metric, "T", "svc", crate::config::Worse::Higher, std::path::Path::new("x"), metric);
        Finding::new(kind, &m, start, start + 600, severity as f64, format!("{metric} did something"))
    }

    #[test]
    fn placeholders_number_each_tuple_on_from_the_first() {
        for (rows, width, first, want) in
            [(1, 1, 1, "(?1)"), (2, 2, 1, "(?1, ?2), (?3, ?4)"), (1, 3, 2, "(?2, ?3, ?4)"), (3, 1, 2, "(?2), (?3), (?4)")]
        {
            assert_eq!(placeholders(rows, width, first), want, "{rows} × {width} from ?{first}");
        }
    }

    #[test]
    fn a_week_of_many_findings_is_kept_as_writing_them_in_turn_would() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut j = crate::journal::Journal::open(&dir.path().join("j.sqlite")).expect("open");
        let week = "2026-11-09";
        // 250 findings (three statements' worth), then one id again with another severity: the later one is kept.
        let mut findings: Vec<Finding> = (0..250).map(|i| finding(&format!("m{i:03}"), Kind::SeasonalAnomaly, 100, 50)).collect();
        findings.push(finding("m007", Kind::SeasonalAnomaly, 100, 90));
        for (round, now) in [(1, 10), (2, 11)] {
            j.record_week(week, &findings, now).expect("recorded");
            let h = j.weeks_through(week, 1).expect("read");
            assert_eq!(h.findings.len(), 250, "round {round}: one row an id");
            assert_eq!(h.findings[0].metric, "m007", "round {round}: the later of the same id");
            assert_eq!(h.findings[0].severity, 90, "round {round}");
            let ids: std::collections::BTreeSet<&str> = h.findings.iter().map(|r| r.metric.as_str()).collect();
            assert_eq!(ids.len(), 250, "round {round}");
        }
        // Reviewed again with 20 of them left: the other 230 are removed (three statements' worth).
        j.record_week(week, &findings[..20], 12).expect("fewer");
        let h = j.weeks_through(week, 1).expect("read");
        let left: Vec<&str> = h.findings.iter().map(|r| r.metric.as_str()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        assert_eq!(left, (0..20).map(|i| format!("m{i:03}")).collect::<Vec<_>>());
    }

    #[test]
    fn recording_a_week_again_writes_only_what_changed() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut j = crate::journal::Journal::open(&dir.path().join("j.sqlite")).expect("open");
        let week = "2026-11-09";
        // (id's metric, severity, when each row was written), by metric; and (count, when) of the week.
        let rows = |j: &crate::journal::Journal| {
            j.query("SELECT metric, severity, recorded_at FROM findings_history WHERE week = ?1 ORDER BY metric", args![week], |r| {
                Ok((r.get::<String>(0)?, r.get::<i64>(1)?, r.get::<i64>(2)?))
            })
            .expect("rows")
        };
        let review = |j: &crate::journal::Journal| {
            j.query("SELECT findings, recorded_at FROM reviews WHERE week = ?1", args![week], |r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)?)))
                .expect("review")
        };
        let (a, b) = (finding("a", Kind::SeasonalAnomaly, 100, 60), finding("b", Kind::MissingData, 300, 80));
        j.record_week(week, &[a.clone(), b.clone()], 1).expect("first");
        // The same findings again (a verdict, a re-flag back): nothing is written.
        j.record_week(week, &[a.clone(), b.clone()], 2).expect("again");
        assert_eq!(rows(&j), vec![("a".into(), 60, 1), ("b".into(), 80, 1)]);
        assert_eq!(review(&j), vec![(2, 1)]);
        // One changed (its severity), one gone, one new: those are written, the week's count with them.
        let mut a2 = a.clone();
        a2.severity = 61;
        let c = finding("c", Kind::LevelShift, 500, 40);
        j.record_week(week, &[a2.clone(), c.clone()], 3).expect("changed");
        assert_eq!(rows(&j), vec![("a".into(), 61, 3), ("c".into(), 40, 3)]);
        assert_eq!(review(&j), vec![(2, 3)]);
        // A changed sentence alone is a change; an unchanged row keeps when it was written.
        let mut c2 = c.clone();
        c2.sentence.push_str(" again");
        j.record_week(week, &[a2.clone(), c2.clone()], 4).expect("sentence");
        assert_eq!(rows(&j), vec![("a".into(), 61, 3), ("c".into(), 40, 4)]);
        // A row this version cannot read (a kind it does not know) is written again, not a failure.
        j.transaction(|tx| {
            tx.execute("UPDATE findings_history SET kind = 'from_the_future' WHERE metric = 'a'", args![]).map_err(Into::into)
        })
        .expect("an unknown kind");
        j.record_week(week, &[a2.clone(), c2.clone()], 5).expect("unknown kind");
        assert_eq!(rows(&j), vec![("a".into(), 61, 5), ("c".into(), 40, 4)]);
        let read = j.weeks_through(week, 1).expect("readable again");
        assert_eq!(read.findings.iter().find(|r| r.metric == "a").map(|r| r.kind), Some(Kind::SeasonalAnomaly));
        // A quiet review of the week empties it and says so.
        j.record_week(week, &[], 6).expect("quiet");
        assert_eq!(rows(&j), vec![]);
        assert_eq!(review(&j), vec![(0, 6)]);
        j.record_week(week, &[], 7).expect("quiet again");
        assert_eq!(review(&j), vec![(0, 6)]);
    }

    #[test]
    fn a_week_is_kept_whole_and_replaced_by_its_next_review() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut j = crate::journal::Journal::open(&dir.path().join("j.sqlite")).expect("open");
        j.record_week("2026-11-02", &[finding("a", Kind::SeasonalAnomaly, 100, 60)], 1).expect("week 1");
        j.record_week("2026-11-09", &[finding("a", Kind::SeasonalAnomaly, 200, 50), finding("b", Kind::MissingData, 300, 80)], 2)
            .expect("week 2");
        // A second review of week 2 (a re-run after new data) replaces it.
        j.record_week("2026-11-09", &[finding("b", Kind::MissingData, 300, 81)], 3).expect("week 2 again");
        j.record_week("2026-11-16", &[], 4).expect("a quiet week");
        let h = j.weeks_before("2026-11-23", 6).expect("history");
        assert_eq!(h.weeks, vec!["2026-11-16", "2026-11-09", "2026-11-02"], "a quiet week is a reviewed week");
        let got: Vec<(&str, &str, u8)> = h.findings.iter().map(|r| (r.week.as_str(), r.metric.as_str(), r.severity)).collect();
        assert_eq!(got, vec![("2026-11-09", "b", 81), ("2026-11-02", "a", 60)]);
        assert_eq!(h.findings[0].kind, Kind::MissingData);
        let last_two = j.weeks_before("2026-11-23", 2).expect("two weeks");
        assert_eq!(last_two.weeks, vec!["2026-11-16", "2026-11-09"]);
        assert_eq!(last_two.findings.len(), 1, "only the findings of those weeks");
        assert_eq!(j.weeks_before("2026-11-02", 6).expect("none"), History::default(), "nothing before the first week");
        let through = j.weeks_through("2026-11-09", 6).expect("through");
        assert_eq!(through.weeks, vec!["2026-11-09", "2026-11-02"], "the week itself is included");
        assert_eq!(through.findings.len(), 2, "with its findings");
        for (week, n) in [("2026-11-23", 6), ("2026-11-23", 2), ("2026-11-16", 6), ("2026-11-02", 6)] {
            assert_eq!(
                j.weeks_through("2026-11-23", 6).expect("all").before(week, n),
                j.weeks_before(week, n).expect("before"),
                "{week} {n}"
            );
        }
    }
}
