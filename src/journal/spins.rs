//! The wheel's table: its current state and the history of every spin (time, everyone's odds, the
//! winner, the outcome, who was absent). State and history change in one transaction.

use serde::{Deserialize, Serialize};

use super::store::{args, value, Row};
use super::{Journal, JournalError};
use crate::wheel::Wheel;

pub const MIGRATION_1: &str = "
CREATE TABLE wheel_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    state TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE spins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    winner TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('suggested', 'presented', 'absent', 'respun', 'undone')),
    odds TEXT NOT NULL,
    absent TEXT NOT NULL
);
";

/// Who spun, and a revision of the wheel counted up by every save: a confirmation made on an older
/// revision (another host confirmed meanwhile) is refused, so two hosts cannot both win.
pub const MIGRATION_10: &str = "
ALTER TABLE spins ADD COLUMN author TEXT NOT NULL DEFAULT '';
ALTER TABLE wheel_state ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
";

/// Insert or replace the single row of wheel state (a new revision).
const SAVE_STATE: &str = "INSERT INTO wheel_state (id, state, updated_at, revision) VALUES (1, ?1, ?2, 1)
    ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, revision = wheel_state.revision + 1";

/// What became of a spin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Shown, not confirmed (a host trying the wheel, or a CLI spin without `--confirm`).
    Suggested,
    /// Confirmed: the team presented and the weights moved.
    Presented,
    /// The winner turned out to be absent; re-spun without changing weights.
    Absent,
    /// Spun again for another reason, without changing weights.
    Respun,
    /// A confirmation that was undone.
    Undone,
}

impl Outcome {
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Suggested => "suggested",
            Outcome::Presented => "presented",
            Outcome::Absent => "absent",
            Outcome::Respun => "respun",
            Outcome::Undone => "undone",
        }
    }
    fn parse(s: &str) -> Option<Outcome> {
        [Outcome::Suggested, Outcome::Presented, Outcome::Absent, Outcome::Respun, Outcome::Undone].into_iter().find(|o| o.key() == s)
    }
}

/// One spin as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spin {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub winner: String,
    pub outcome: Outcome,
    pub odds: Vec<(String, f64)>,
    pub absent: Vec<String>,
    /// Who spun (the journal's author then).
    pub author: String,
}

/// The confirmation of `winner` that undoing it takes back, from `spins` newest first: its latest confirmation
/// not undone yet (each `undone` spin of a team cancels that team's latest confirmation before it).
pub fn standing_confirmation<'a>(spins: &'a [Spin], winner: &str) -> Option<&'a Spin> {
    let mut undone = 0usize;
    for s in spins.iter().filter(|s| s.winner == winner) {
        match s.outcome {
            Outcome::Undone => undone += 1,
            Outcome::Presented if undone > 0 => undone -= 1,
            Outcome::Presented => return Some(s),
            _ => {}
        }
    }
    None
}

impl Journal {
    /// The saved wheel, if any.
    pub fn wheel(&self) -> Result<Option<Wheel>, JournalError> {
        let state = self.query_opt("SELECT state FROM wheel_state WHERE id = 1", &[], |r| r.get::<String>(0))?;
        state.map(|s| serde_json::from_str(&s).map_err(|e| self.corrupt(e))).transpose()
    }

    /// The saved wheel with its revision (0 when none was saved yet).
    pub fn wheel_at(&self) -> Result<(Option<Wheel>, i64), JournalError> {
        let row =
            self.query_opt("SELECT state, revision FROM wheel_state WHERE id = 1", &[], |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?)))?;
        match row {
            None => Ok((None, 0)),
            Some((s, rev)) => Ok((Some(serde_json::from_str(&s).map_err(|e| self.corrupt(e))?), rev)),
        }
    }

    /// Record a confirmed spin and the wheel after it, if the wheel is still at `base` (the revision it
    /// was read at); else nothing is written and the answer says who presented meanwhile. Returns the
    /// wheel's new revision.
    pub fn confirm_spin(
        &mut self,
        at: i64,
        winner: &str,
        odds: &[(String, f64)],
        absent: &[String],
        wheel: &Wheel,
        base: i64,
    ) -> Result<i64, JournalError> {
        let author = self.author.clone();
        let outcome = self.transaction(|tx| {
            let now: Option<i64> = tx
                .query_opt("SELECT revision FROM wheel_state WHERE id = 1", &[])?
                .map(|r| r.get(0))
                .transpose()
                .map_err(|m| super::corrupt_error(tx.at(), m))?;
            if now.unwrap_or(0) != base {
                let last = tx.query_opt("SELECT winner FROM spins WHERE outcome = 'presented' ORDER BY id DESC LIMIT 1", &[])?;
                let presented = last.map(|r| r.get::<String>(0)).transpose().map_err(|m| super::corrupt_error(tx.at(), m))?;
                return Ok(Err(super::Invalid::WheelChanged { presented: presented.unwrap_or_else(|| "another team".into()) }));
            }
            tx.execute(
                "INSERT INTO spins (at, winner, outcome, odds, absent, author) VALUES (?1, ?2, 'presented', ?3, ?4, ?5)",
                args![at, winner, to_json(&odds), to_json(&absent), &author],
            )?;
            tx.execute(SAVE_STATE, args![to_json(wheel), at])?;
            Ok(Ok(value::<i64>(tx, "SELECT revision FROM wheel_state WHERE id = 1", &[])?))
        })?;
        Ok(outcome?)
    }

    /// Record a spin and, when given, the wheel state after it — both or neither.
    pub fn record_spin(
        &mut self,
        at: i64,
        winner: &str,
        outcome: Outcome,
        odds: &[(String, f64)],
        absent: &[String],
        wheel: Option<&Wheel>,
    ) -> Result<i64, JournalError> {
        let author = self.author.clone();
        self.transaction(|tx| {
            let id: i64 = value(
                tx,
                "INSERT INTO spins (at, winner, outcome, odds, absent, author) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                args![at, winner, outcome.key(), to_json(&odds), to_json(&absent), &author],
            )?;
            if let Some(w) = wheel {
                tx.execute(SAVE_STATE, args![to_json(w), at])?;
            }
            Ok(id)
        })
    }

    /// The winners of every confirmed presentation, oldest first (undone ones are marked so, not here).
    pub fn presented(&self) -> Result<Vec<String>, JournalError> {
        self.query("SELECT winner FROM spins WHERE outcome = 'presented' ORDER BY id", &[], |r| r.get(0))
    }

    /// Save the wheel's state alone (a reset).
    pub fn save_wheel(&mut self, wheel: &Wheel, at: i64) -> Result<(), JournalError> {
        self.execute(SAVE_STATE, args![to_json(wheel), at]).map(|_| ())
    }

    /// The latest `limit` spins, newest first.
    pub fn spins(&self, limit: usize) -> Result<Vec<Spin>, JournalError> {
        self.query("SELECT id, at, winner, outcome, odds, absent, author FROM spins ORDER BY id DESC LIMIT ?1", args![limit], spin)
    }
}

fn spin(r: &Row) -> Result<Spin, String> {
    let outcome: String = r.get(3)?;
    Ok(Spin {
        id: r.get(0)?,
        at: r.get(1)?,
        winner: r.get(2)?,
        outcome: Outcome::parse(&outcome).ok_or_else(|| format!("unknown outcome `{outcome}`"))?,
        odds: serde_json::from_str(&r.get::<String>(4)?).map_err(|e| e.to_string())?,
        absent: serde_json::from_str(&r.get::<String>(5)?).map_err(|e| e.to_string())?,
        author: r.get(6)?,
    })
}

/// JSON text of plain data (serialising it cannot fail; "null" if it ever did).
fn to_json<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spins_and_state_round_trip() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut j = Journal::open(&dir.path().join("j.sqlite")).expect("open");
        assert_eq!(j.wheel().expect("read"), None);
        let mut w = Wheel::new(&["A", "B", "C"]);
        w.confirm("B").expect("confirm");
        let odds = vec![("A".to_string(), 0.5), ("B".to_string(), 0.0), ("C".to_string(), 0.5)];
        j.record_spin(100, "B", Outcome::Presented, &odds, &["C".to_string()], Some(&w)).expect("write");
        j.record_spin(200, "A", Outcome::Suggested, &odds, &[], None).expect("write");
        assert_eq!(j.wheel().expect("read"), Some(w));
        let spins = j.spins(10).expect("read");
        assert_eq!(spins.len(), 2);
        assert_eq!((spins[0].winner.as_str(), spins[0].outcome), ("A", Outcome::Suggested));
        assert_eq!((spins[1].at, spins[1].absent.clone(), spins[1].odds.clone()), (100, vec!["C".to_string()], odds));
    }

    #[test]
    fn an_undo_takes_back_the_latest_confirmation_not_undone_yet() {
        let spin = |id: i64, winner: &str, outcome: Outcome| Spin {
            id,
            at: id,
            winner: winner.into(),
            outcome,
            odds: vec![],
            absent: vec![],
            author: String::new(),
        };
        use Outcome::{Presented, Suggested, Undone};
        // Spins oldest first (id, winner, outcome), the team, the id of the confirmation an undo takes back.
        type Case<'a> = (&'a [(i64, &'a str, Outcome)], &'a str, Option<i64>);
        let cases: [Case; 5] = [
            (&[(1, "A", Presented), (2, "B", Presented)], "B", Some(2)),
            (&[(1, "A", Presented), (2, "A", Presented), (3, "A", Undone)], "A", Some(1)),
            (&[(1, "A", Presented), (2, "B", Presented), (3, "B", Undone), (4, "A", Suggested)], "A", Some(1)),
            (&[(1, "A", Presented), (2, "A", Undone)], "A", None),
            (&[(1, "A", Suggested)], "A", None),
        ];
        for (log, team, want) in cases {
            let newest_first: Vec<Spin> = log.iter().rev().map(|&(id, w, o)| spin(id, w, o)).collect();
            assert_eq!(standing_confirmation(&newest_first, team).map(|s| s.id), want, "{log:?}");
        }
    }
}
