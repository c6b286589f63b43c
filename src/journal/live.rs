//! Seeing what others wrote: a cheap summary of the journal's state (a token that changes with every
//! write people make: action items, their edits, annotations, spins, the wheel, verdicts) and who made the
//! latest change, polled by the app so a change made on another laptop shows within a couple of seconds.

use serde::Serialize;

use super::{Journal, JournalError};

/// The journal's state at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// Differs whenever anything people write changed since the last look.
    pub token: String,
    /// Who made the latest change (empty when unknown).
    pub by: String,
    /// When (Unix seconds; 0 when nothing was written yet).
    pub at: i64,
    /// The latest change came from this journal's own author.
    pub mine: bool,
}

/// One round trip: counts and revisions of everything people write (sums cast to 64-bit integers, so both
/// stores answer with the same type).
const STATE: &str = "SELECT
    (SELECT count(*) FROM action_items),
    (SELECT CAST(coalesce(sum(revision), 0) AS BIGINT) FROM action_items),
    (SELECT count(*) FROM annotations),
    (SELECT coalesce(max(id), 0) FROM spins),
    (SELECT coalesce(max(revision), 0) FROM wheel_state),
    (SELECT count(*) FROM verdicts),
    (SELECT coalesce(max(updated_at), 0) FROM verdicts),
    (SELECT count(*) FROM meetings)";

/// The latest writes that say who made them, newest first.
const LATEST: &str = "SELECT at, who FROM (
    SELECT updated_at AS at, updated_by AS who FROM action_items
    UNION ALL SELECT created_at, author FROM annotations
    UNION ALL SELECT at, author FROM spins
    UNION ALL SELECT updated_at, author FROM verdicts
) AS w ORDER BY at DESC LIMIT 1";

impl Journal {
    /// The journal's state and its latest writer (see [`Changes`]).
    pub fn changes(&self) -> Result<Changes, JournalError> {
        let parts =
            self.query_opt(STATE, &[], |r| (0..8).map(|i| r.get::<i64>(i)).collect::<Result<Vec<i64>, String>>())?.unwrap_or_default();
        let token = parts.iter().map(i64::to_string).collect::<Vec<_>>().join(".");
        let (at, by) = self.query_opt(LATEST, &[], |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?)))?.unwrap_or((0, String::new()));
        Ok(Changes { token, mine: !by.is_empty() && by == self.author, by, at })
    }

    /// Whether the journal can still be reached (a shared journal's connection may have dropped).
    pub fn is_alive(&self) -> bool {
        match &mut *self.db() {
            super::store::Db::Sqlite(_) => true,
            super::store::Db::Postgres(p) => p.is_alive(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::actions::{Draft, Status};

    #[test]
    fn every_write_changes_the_token_and_names_its_author() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut me = Journal::open(&dir.path().join("j.sqlite")).expect("open");
        me.author = "ana".into();
        let mut other = Journal::open(&dir.path().join("j.sqlite")).expect("open");
        other.author = "bo".into();
        let mut seen = vec![me.changes().expect("changes").token];
        let item = other.add_action(&Draft { title: "x".into(), week: "2026-11-09".into(), ..Default::default() }, 10).expect("add");
        let c = me.changes().expect("changes");
        assert_eq!((c.by.as_str(), c.at, c.mine), ("bo", 10, false));
        seen.push(c.token);
        other.set_action_status(item.id, Status::Done, 11).expect("status");
        seen.push(me.changes().expect("changes").token);
        me.record_spin(12, "Search", crate::journal::spins::Outcome::Suggested, &[], &[], None).expect("spin");
        let c = me.changes().expect("changes");
        assert!(c.mine && c.by == "ana", "{c:?}");
        seen.push(c.token);
        me.save_wheel(&crate::wheel::Wheel::new(&["A", "B"]), 13).expect("wheel");
        seen.push(me.changes().expect("changes").token);
        let n = seen.len();
        seen.dedup();
        assert_eq!(seen.len(), n, "every write changed the token: {seen:?}");
        assert_eq!(me.changes().expect("again").token, seen[n - 1], "no write, no change");
    }
}
