//! The meeting host's wheel for one workspace: the workspace's teams, the weights saved in its journal
//! and the history of spins, together — what the app's wheel view needs (suggest, then a decision:
//! present, absent, or cancel), with every decision recorded.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::Workspace;
use crate::journal::spins::{Outcome, Spin};
use crate::journal::{Invalid, Journal, JournalError};
use crate::wheel::{Draw, Pick, Wheel, WheelError};

#[derive(Debug, Error)]
pub enum HostError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Wheel(#[from] WheelError),
}

/// What the host decided about a suggested winner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The team presents: the meeting is counted (the winner's wait back to 0, everyone else's up one).
    Present,
    /// The team is not here: recorded, no weight changes; the host spins again without it.
    Absent,
    /// Dismissed: recorded as a suggestion only.
    Cancel,
}

/// One team on the wheel now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seat {
    pub name: String,
    pub weight: f64,
    /// Chance of being picked this spin (0 when absent).
    pub odds: f64,
    pub absent: bool,
    pub dashboard: Option<String>,
}

/// The wheel as the app shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostView {
    pub seats: Vec<Seat>,
    pub history: Vec<Spin>,
    pub can_undo: bool,
}

pub struct Host {
    journal: Journal,
    wheel: Wheel,
    /// The journal's revision of the wheel this host holds: a confirmation is made on it.
    revision: i64,
    dashboards: Vec<(String, Option<String>)>,
    /// The workspace's teams, in order.
    names: Vec<String>,
}

impl Host {
    /// Open the wheel of a workspace (its journal in the user's data folder), matched to its teams.
    pub fn open(ws: &Workspace) -> Result<Host, HostError> {
        Host::with_journal(ws, Journal::for_workspace(ws)?)
    }

    /// The wheel of a workspace kept in a given journal.
    pub fn with_journal(ws: &Workspace, mut journal: Journal) -> Result<Host, HostError> {
        let names: Vec<&str> = ws.teams.iter().map(|t| t.name.as_str()).collect();
        let (saved, mut revision) = journal.wheel_at()?;
        let mut wheel = saved.unwrap_or_else(|| Wheel::new(&names));
        if !wheel.waits_counted {
            // Saved by the old rule: the waits come from the spin history, and the carried-over state is
            // saved at once (the old weights are not read again).
            wheel.count_waits(&journal.presented()?);
            journal.save_wheel(&wheel, crate::time::now())?;
            revision = journal.wheel_at()?.1;
        }
        wheel.sync(&names);
        let dashboards = ws.teams.iter().map(|t| (t.name.clone(), t.dashboard.clone())).collect();
        Ok(Host { journal, wheel, revision, dashboards, names: names.iter().map(|n| n.to_string()).collect() })
    }

    /// Read the wheel again from the journal (after someone else changed it).
    pub fn reload(&mut self) -> Result<(), HostError> {
        let (saved, revision) = self.journal.wheel_at()?;
        if let Some(mut w) = saved {
            w.sync(&self.names);
            self.wheel = w;
        }
        self.revision = revision;
        Ok(())
    }

    /// Where the wheel's journal is (the file, or the shared server).
    pub fn journal_location(&self) -> &str {
        &self.journal.location
    }

    /// Whether the wheel's journal can still be reached (else the host should be opened again).
    pub fn is_alive(&self) -> bool {
        self.journal.is_alive()
    }

    /// Take the wheel from the journal when someone else changed it (a spin confirmed on another
    /// laptop), so the view and the next spin use the wheel as it is.
    pub fn catch_up(&mut self) -> Result<(), HostError> {
        if self.journal.wheel_at()?.1 != self.revision {
            self.reload()?;
        }
        Ok(())
    }

    /// Everyone's weight and odds with `absent` left out, the latest spins, and whether undo is possible.
    pub fn view(&self, absent: &[String]) -> Result<HostView, HostError> {
        let refs: Vec<&str> = absent.iter().map(String::as_str).collect();
        let odds = self.wheel.odds(&refs)?;
        let seats = self
            .wheel
            .participants
            .iter()
            .zip(odds)
            .map(|(p, (_, o))| Seat {
                name: p.name.clone(),
                weight: p.weight,
                odds: o,
                absent: absent.contains(&p.name),
                dashboard: self.dashboards.iter().find(|(n, _)| *n == p.name).and_then(|(_, d)| d.clone()),
            })
            .collect();
        Ok(HostView { seats, history: self.journal.spins(50)?, can_undo: self.wheel.can_undo() })
    }

    /// Draw a winner (the wheel does not change until [`Host::decide`]).
    pub fn spin(&self, absent: &[String], rng: &mut impl Draw) -> Result<Pick, HostError> {
        let refs: Vec<&str> = absent.iter().map(String::as_str).collect();
        Ok(self.wheel.suggest(&refs, rng)?)
    }

    /// Apply and record the host's decision about `pick` (made with `absent` left out), at `now`.
    pub fn decide(&mut self, pick: &Pick, decision: Decision, absent: &[String], now: i64) -> Result<(), HostError> {
        match decision {
            Decision::Present => {
                let mut next = self.wheel.clone();
                next.confirm(&pick.winner)?;
                match self.journal.confirm_spin(now, &pick.winner, &pick.odds, absent, &next, self.revision) {
                    Ok(revision) => {
                        self.wheel = next;
                        self.revision = revision;
                    }
                    Err(e) => {
                        // Another host confirmed first: take the wheel as it is now, so the next spin is fair.
                        if matches!(e, JournalError::Invalid(Invalid::WheelChanged { .. })) {
                            self.reload()?;
                        }
                        return Err(e.into());
                    }
                }
            }
            Decision::Absent => {
                self.journal.record_spin(now, &pick.winner, Outcome::Absent, &pick.odds, absent, None)?;
            }
            Decision::Cancel => {
                self.journal.record_spin(now, &pick.winner, Outcome::Suggested, &pick.odds, absent, None)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn workspace(dir: &std::path::Path) -> Workspace {
        std::fs::write(
            dir.join("flywheel.toml"),
            "[workspace]\nname = \"w\"\ntimezone = \"UTC\"\n\n[[team]]\nname = \"Alpha\"\ndashboard = \"https://example.com/a\"\n\n[[team]]\nname = \"Beta\"\n\n[[team]]\nname = \"Gamma\"\n\n[[service]]\nname = \"api\"\nteam = \"Alpha\"\n\n[[metric]]\nid = \"api.rps\"\nservice = \"api\"\nworse = \"higher\"\nsource = { file = \"m.csv\" }\n",
        )
        .expect("write");
        Workspace::open(dir).expect("open")
    }

    #[test]
    fn two_hosts_confirming_at_once_cannot_both_win() {
        let dir = tempfile::tempdir().expect("tmp");
        let data = tempfile::tempdir().expect("tmp");
        let ws = workspace(dir.path());
        let journal_file = data.path().join("j.sqlite");
        let mut a = Host::with_journal(&ws, Journal::open(&journal_file).expect("journal")).expect("host a");
        let mut b = Host::with_journal(&ws, Journal::open(&journal_file).expect("journal")).expect("host b");
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let pick_a = a.spin(&[], &mut rng).expect("spin");
        let pick_b = b.spin(&[], &mut rng).expect("spin");
        a.decide(&pick_a, Decision::Present, &[], 10).expect("the first confirmation wins");
        let e = b.decide(&pick_b, Decision::Present, &[], 10).expect_err("the second is refused").to_string();
        assert_eq!(e, format!("the wheel changed since you spun ({} presented): spin again", pick_a.winner));
        // B now holds the wheel A left: one confirmation counted, and B's next confirmation goes through.
        let mut once = Wheel::new(&["Alpha", "Beta", "Gamma"]);
        once.confirm(&pick_a.winner).expect("confirm");
        assert_eq!(b.view(&[]).expect("view").seats, a.view(&[]).expect("view").seats);
        let expected: Vec<f64> = once.participants.iter().map(|p| p.weight).collect();
        let got: Vec<f64> = b.view(&[]).expect("view").seats.iter().map(|s| s.weight).collect();
        assert_eq!(got, expected, "the weights are exactly one confirmation's");
        let again = b.spin(&[], &mut rng).expect("spin");
        b.decide(&again, Decision::Present, &[], 20).expect("spun again, confirmed");
        let j = Journal::open(&journal_file).expect("journal");
        let presented = j.presented().expect("spins");
        assert_eq!(presented, vec![pick_a.winner.clone(), again.winner.clone()], "two confirmations recorded, not three");
    }

    #[test]
    fn decisions_are_recorded_and_only_present_moves_weights() {
        let dir = tempfile::tempdir().expect("tmp");
        let data = tempfile::tempdir().expect("tmp");
        let ws = workspace(dir.path());
        let journal_file = data.path().join("j.sqlite");
        let mut host = Host::with_journal(&ws, Journal::open(&journal_file).expect("journal")).expect("host");
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let absent = vec!["Beta".to_string()];
        let before = host.view(&absent).expect("view");
        assert_eq!(before.seats.iter().find(|s| s.name == "Beta").map(|s| s.odds), Some(0.0));
        assert_eq!(before.seats[0].dashboard.as_deref(), Some("https://example.com/a"));
        let pick = host.spin(&absent, &mut rng).expect("spin");
        assert_ne!(pick.winner, "Beta");
        host.decide(&pick, Decision::Absent, &absent, 10).expect("absent");
        host.decide(&pick, Decision::Cancel, &absent, 11).expect("cancel");
        assert_eq!(host.view(&absent).expect("view").seats, before.seats, "absent and cancel change no weight");
        host.decide(&pick, Decision::Present, &absent, 12).expect("present");
        let after = host.view(&[]).expect("view");
        let winner = after.seats.iter().find(|s| s.name == pick.winner).map(|s| s.weight).unwrap_or(f64::NAN);
        assert!(
            after.seats.iter().all(|s| s.name == pick.winner || s.weight > 10.0 * winner),
            "the presenter goes to the back: {:?}",
            after.seats
        );
        assert!(after.can_undo);
        let outcomes: Vec<Outcome> = after.history.iter().map(|s| s.outcome).collect();
        assert_eq!(outcomes, vec![Outcome::Presented, Outcome::Suggested, Outcome::Absent]);
        // Reopened from its journal, the wheel has the confirmed weights.
        drop(host);
        let reopened = Host::with_journal(&ws, Journal::open(&journal_file).expect("journal")).expect("host");
        assert_eq!(reopened.view(&[]).expect("view").seats, after.seats);
    }

    #[test]
    fn a_wheel_saved_by_the_old_rule_is_carried_over_from_its_spins() {
        let dir = tempfile::tempdir().expect("tmp");
        let data = tempfile::tempdir().expect("tmp");
        let ws = workspace(dir.path());
        let journal_file = data.path().join("j.sqlite");
        {
            let mut j = Journal::open(&journal_file).expect("journal");
            let odds = vec![("Alpha".to_string(), 0.5), ("Beta".to_string(), 0.5)];
            for (at, winner) in [(1, "Beta"), (2, "Alpha")] {
                j.record_spin(at, winner, Outcome::Presented, &odds, &[], None).expect("spin");
            }
            j.record_spin(3, "Gamma", Outcome::Undone, &odds, &[], None).expect("undone");
            // The old rule's state: weights only.
            let old: Wheel = serde_json::from_str(
                r#"{"participants":[{"name":"Alpha","weight":0.0},{"name":"Beta","weight":1.2},{"name":"Gamma","weight":1.8}]}"#,
            )
            .expect("old state");
            j.save_wheel(&old, 3).expect("save");
        }
        let host = Host::with_journal(&ws, Journal::open(&journal_file).expect("journal")).expect("host");
        let waited: Vec<u32> = host.wheel.participants.iter().map(|p| p.waited).collect();
        assert_eq!(waited, [0, 1, 2], "Alpha presented last, Beta before it, Gamma never");
        let saved = Journal::open(&journal_file).expect("journal").wheel().expect("read").expect("state");
        assert!(saved.waits_counted, "the carried-over state is saved");
        assert_eq!(saved.participants, host.wheel.participants);
    }
}
