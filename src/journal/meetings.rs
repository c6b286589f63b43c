//! Meetings: each run of the weekly review as it happened — the agenda with the times each segment
//! actually started and ended, who was absent, who presented, and per finding whether it was discussed
//! or skipped with the note taken. Every capture is its own write, so a meeting survives the app being
//! killed and resumes where it was (migration 7).

use serde::{Deserialize, Serialize};

use super::actions::{check_len, MAX_DETAILS, MAX_NAME};
use super::store::{args, value};
use super::{Invalid, Journal, JournalError};
use crate::config::Segment;

pub const MIGRATION_7: &str = "
CREATE TABLE meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    week TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    host TEXT NOT NULL DEFAULT '',
    presenter TEXT NOT NULL DEFAULT '',
    absent TEXT NOT NULL DEFAULT '[]',
    segments TEXT NOT NULL
);
CREATE INDEX meetings_week ON meetings (week, id);
CREATE TABLE meeting_marks (
    meeting INTEGER NOT NULL REFERENCES meetings (id),
    finding TEXT NOT NULL,
    metric TEXT NOT NULL,
    sentence TEXT NOT NULL,
    mark TEXT NOT NULL CHECK (mark IN ('discussed', 'skipped', 'noted')),
    note TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL,
    PRIMARY KEY (meeting, finding)
);
";

/// A segment as it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ran {
    pub segment: Segment,
    /// Unix seconds; None until the meeting reaches it.
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
}

/// What the room did with a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    Discussed,
    Skipped,
    /// Only a note was taken.
    Noted,
}

impl Mark {
    pub fn key(self) -> &'static str {
        match self {
            Mark::Discussed => "discussed",
            Mark::Skipped => "skipped",
            Mark::Noted => "noted",
        }
    }
    fn parse(s: &str) -> Option<Mark> {
        [Mark::Discussed, Mark::Skipped, Mark::Noted].into_iter().find(|m| m.key() == s)
    }
}

/// A finding's mark and note in a meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marked {
    pub finding: String,
    pub metric: String,
    pub sentence: String,
    pub mark: Mark,
    pub note: String,
    pub at: i64,
}

/// One meeting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meeting {
    pub id: i64,
    /// The review week (`2026-11-09`).
    pub week: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub host: String,
    pub presenter: String,
    pub absent: Vec<String>,
    pub segments: Vec<Ran>,
    /// In the order they were marked.
    pub marks: Vec<Marked>,
}

impl Meeting {
    /// The segment under way (the last one started and not ended), if any.
    pub fn current(&self) -> Option<usize> {
        self.segments.iter().rposition(|r| r.started_at.is_some() && r.ended_at.is_none())
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

impl Journal {
    /// Start week `week`'s meeting with `agenda` (its first segment under way), or resume the one not
    /// ended yet (a meeting the app lost in the middle goes on where it was).
    pub fn start_meeting(&mut self, week: &str, agenda: &[Segment], host: &str, now: i64) -> Result<Meeting, JournalError> {
        check_len("host", host, MAX_NAME)?;
        if let Some(open) = self.open_meeting(week)? {
            return Ok(open);
        }
        let segments: Vec<Ran> = agenda
            .iter()
            .enumerate()
            .map(|(i, s)| Ran { segment: s.clone(), started_at: (i == 0).then_some(now), ended_at: None })
            .collect();
        let id = self.transaction(|tx| {
            Ok(value(
                tx,
                "INSERT INTO meetings (week, started_at, host, segments) VALUES (?1, ?2, ?3, ?4) RETURNING id",
                args![week, now, host, json(&segments)],
            )?)
        })?;
        self.meeting(id)?.ok_or_else(|| self.corrupt("the meeting just started is not there"))
    }

    /// Week `week`'s meeting that has not ended, if any.
    pub fn open_meeting(&self, week: &str) -> Result<Option<Meeting>, JournalError> {
        let id =
            self.query_opt("SELECT id FROM meetings WHERE week = ?1 AND ended_at IS NULL ORDER BY id DESC LIMIT 1", args![week], |r| {
                r.get::<i64>(0)
            })?;
        id.map(|id| self.meeting(id)).transpose().map(Option::flatten)
    }

    /// Meeting `id` with its marks.
    pub fn meeting(&self, id: i64) -> Result<Option<Meeting>, JournalError> {
        let row = self.query_opt(
            "SELECT id, week, started_at, ended_at, host, presenter, absent, segments FROM meetings WHERE id = ?1",
            args![id],
            |r| {
                let absent: Vec<String> = serde_json::from_str(&r.get::<String>(6)?).map_err(|e| e.to_string())?;
                let segments: Vec<Ran> = serde_json::from_str(&r.get::<String>(7)?).map_err(|e| e.to_string())?;
                Ok(Meeting {
                    id: r.get(0)?,
                    week: r.get(1)?,
                    started_at: r.get(2)?,
                    ended_at: r.get(3)?,
                    host: r.get(4)?,
                    presenter: r.get(5)?,
                    absent,
                    segments,
                    marks: Vec::new(),
                })
            },
        )?;
        let Some(mut meeting) = row else { return Ok(None) };
        meeting.marks = self.query(
            "SELECT finding, metric, sentence, mark, note, at FROM meeting_marks WHERE meeting = ?1 ORDER BY at, finding",
            args![id],
            |r| {
                let mark: String = r.get(3)?;
                let mark = Mark::parse(&mark).ok_or_else(|| format!("unknown mark `{mark}`"))?;
                Ok(Marked { finding: r.get(0)?, metric: r.get(1)?, sentence: r.get(2)?, mark, note: r.get(4)?, at: r.get(5)? })
            },
        )?;
        Ok(Some(meeting))
    }

    /// The meetings of `week` (all weeks when None), newest first.
    pub fn meetings(&self, week: Option<&str>) -> Result<Vec<Meeting>, JournalError> {
        let ids: Vec<i64> = self.query(
            "SELECT id FROM meetings WHERE CAST(?1 AS TEXT) IS NULL OR week = ?1 ORDER BY started_at DESC, id DESC",
            args![week],
            |r| r.get(0),
        )?;
        ids.into_iter().filter_map(|id| self.meeting(id).transpose()).collect()
    }

    fn meeting_open(&self, id: i64) -> Result<Meeting, JournalError> {
        match self.meeting(id)? {
            Some(m) if m.ended_at.is_none() => Ok(m),
            Some(_) => Err(Invalid::OutOfRange { field: "meeting", message: format!("meeting {id} has ended") }.into()),
            None => Err(Invalid::OutOfRange { field: "meeting", message: format!("no meeting {id}") }.into()),
        }
    }

    /// Move meeting `id` to segment `index`: the one under way ends, `index` starts (again, if it ran
    /// before: its end is cleared and its first start kept).
    pub fn meeting_segment(&mut self, id: i64, index: usize, now: i64) -> Result<Meeting, JournalError> {
        let mut m = self.meeting_open(id)?;
        if index >= m.segments.len() {
            return Err(Invalid::OutOfRange { field: "segment", message: format!("the agenda has {} segments", m.segments.len()) }.into());
        }
        if let Some(c) = m.current() {
            m.segments[c].ended_at = Some(now);
        }
        let s = &mut m.segments[index];
        s.started_at = s.started_at.or(Some(now));
        s.ended_at = None;
        self.execute("UPDATE meetings SET segments = ?1 WHERE id = ?2", args![json(&m.segments), id])?;
        Ok(m)
    }

    /// Who is absent from meeting `id`, and who presents (empty: not picked yet).
    pub fn meeting_people(&mut self, id: i64, absent: &[String], presenter: &str) -> Result<(), JournalError> {
        self.meeting_open(id)?;
        check_len("presenter", presenter, MAX_NAME)?;
        for a in absent {
            check_len("absent team", a, MAX_NAME)?;
        }
        self.execute("UPDATE meetings SET absent = ?1, presenter = ?2 WHERE id = ?3", args![json(&absent), presenter, id]).map(|_| ())
    }

    /// Mark a finding in meeting `id` (discussed, skipped, or only noted), with its note; marking again
    /// replaces the mark, and a note given as None keeps the one taken before.
    #[allow(clippy::too_many_arguments)]
    pub fn meeting_mark(
        &mut self,
        id: i64,
        finding: &str,
        metric: &str,
        sentence: &str,
        mark: Mark,
        note: Option<&str>,
        now: i64,
    ) -> Result<(), JournalError> {
        self.meeting_open(id)?;
        for (field, text) in [("finding", finding), ("metric", metric)] {
            check_len(field, text, MAX_NAME)?;
        }
        check_len("sentence", sentence, MAX_DETAILS)?;
        check_len("note", note.unwrap_or(""), MAX_DETAILS)?;
        self.execute(
                "INSERT INTO meeting_marks (meeting, finding, metric, sentence, mark, note, at) VALUES (?1, ?2, ?3, ?4, ?5, COALESCE(?6, ''), ?7)
                 ON CONFLICT (meeting, finding) DO UPDATE SET
                   mark = CASE WHEN excluded.mark = 'noted' THEN meeting_marks.mark ELSE excluded.mark END,
                   note = COALESCE(?6, meeting_marks.note)",
                args![id, finding, metric, sentence, mark.key(), note, now],
            )
            .map(|_| ())
    }

    /// End meeting `id`: the segment under way ends with it.
    pub fn end_meeting(&mut self, id: i64, now: i64) -> Result<Meeting, JournalError> {
        let mut m = self.meeting_open(id)?;
        if let Some(c) = m.current() {
            m.segments[c].ended_at = Some(now);
        }
        self.execute("UPDATE meetings SET segments = ?1, ended_at = ?2 WHERE id = ?3", args![json(&m.segments), now, id])?;
        m.ended_at = Some(now);
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::agenda::default_agenda;

    #[test]
    fn a_meeting_runs_its_segments_keeps_every_capture_and_resumes_after_a_crash() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("j.sqlite");
        let mut j = Journal::open(&path).expect("open");
        let m = j.start_meeting("2026-11-09", &default_agenda(), "ana", 100).expect("start");
        assert_eq!((m.current(), m.segments[0].started_at), (Some(0), Some(100)));
        j.meeting_segment(m.id, 1, 700).expect("next");
        j.meeting_people(m.id, &["Search".into()], "Payments").expect("people");
        j.meeting_mark(m.id, "f1", "payments.api.p99", "p99 went up", Mark::Discussed, Some("retry storm <b>"), 800).expect("mark");
        j.meeting_mark(m.id, "f2", "search.api.errors", "errors", Mark::Skipped, None, 810).expect("skip");
        // A note alone keeps the mark; a mark alone keeps the note.
        j.meeting_mark(m.id, "f2", "search.api.errors", "errors", Mark::Noted, Some("known"), 820).expect("note");
        j.meeting_mark(m.id, "f1", "payments.api.p99", "p99 went up", Mark::Discussed, None, 830).expect("again");
        drop(j);

        // The app died: reopening resumes the same meeting with everything captured.
        let mut j = Journal::open(&path).expect("reopen");
        let m2 = j.start_meeting("2026-11-09", &default_agenda(), "bo", 900).expect("resume");
        assert_eq!(m2.id, m.id);
        assert_eq!((m2.current(), m2.segments[0].ended_at, m2.segments[1].started_at), (Some(1), Some(700), Some(700)));
        assert_eq!((m2.presenter.as_str(), m2.absent.clone()), ("Payments", vec!["Search".to_string()]));
        let marks: Vec<(&str, Mark, &str)> = m2.marks.iter().map(|k| (k.finding.as_str(), k.mark, k.note.as_str())).collect();
        assert_eq!(marks, vec![("f1", Mark::Discussed, "retry storm <b>"), ("f2", Mark::Skipped, "known")]);

        let ended = j.end_meeting(m.id, 3000).expect("end");
        assert_eq!((ended.ended_at, ended.segments[1].ended_at), (Some(3000), Some(3000)));
        assert!(j.meeting_segment(m.id, 2, 3100).is_err(), "an ended meeting takes no more captures");
        assert!(j.meeting_segment(m.id + 1, 0, 3100).is_err());
        let next = j.start_meeting("2026-11-09", &default_agenda(), "ana", 4000).expect("a second meeting");
        assert_ne!(next.id, m.id);
        assert_eq!(j.meetings(Some("2026-11-09")).expect("list").len(), 2);
        assert_eq!(j.meetings(Some("2026-11-16")).expect("none").len(), 0);
    }
}
