//! The presenter wheel: a fair, weighted pick of the team that walks everyone through its dashboard.
//!
//! The algorithm is the one AWS's open-source ops wheel uses in its weekly operations review, kept for
//! its fairness: a team is picked with probability weight / Σweight; *suggesting* a pick changes
//! nothing (it can be repeated); *confirming* it sets the winner's weight to 0, shares its old weight
//! equally among the others, and rescales so Σweight = N (without the rescale the weights drift, their
//! PRs #40/#41). Flywheel adds: teams **absent this week** are left out of a spin without touching
//! anyone's weight, **undo** of the last confirmation restores the exact previous state, and weights can
//! be **reset**. Randomness is injected ([`Draw`]): the OS by default, a seeded generator in tests.
//!
//! Persistence (the journal) and the wheel view are separate pieces built on this module.

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
pub enum WheelError {
    #[error("the wheel has no teams")]
    Empty,
    #[error("every team is absent this week: nobody can be picked")]
    AllAbsent,
    #[error("no team `{0}` on the wheel")]
    UnknownTeam(String),
    #[error("nothing to undo")]
    NothingToUndo,
}

/// A source of uniform numbers in [0, 1).
pub trait Draw {
    fn uniform(&mut self) -> f64;
}

/// Any `rand` generator draws (`rand::rng()` for OS-seeded randomness, `StdRng::seed_from_u64` in tests).
impl<R: rand::Rng> Draw for R {
    fn uniform(&mut self) -> f64 {
        self.random::<f64>()
    }
}

/// One participant and its current weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    pub name: String,
    pub weight: f64,
}

/// The wheel's state: participants with weights (Σweight = N), and the states before each confirmation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wheel {
    pub participants: Vec<Participant>,
    #[serde(default)]
    history: Vec<Vec<Participant>>,
}

/// A suggested pick: the winner and everyone's odds at the time (absent teams at 0).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pick {
    pub winner: String,
    /// (team, probability) for every participant, in wheel order.
    pub odds: Vec<(String, f64)>,
    /// Where the draw fell on the wheel, from 0 to 1 in wheel order (always inside the winner's
    /// sector): the app's animation stops exactly there.
    pub at: f64,
}

impl Wheel {
    /// A wheel of `names` (duplicates dropped, order kept), every weight 1.
    pub fn new<S: AsRef<str>>(names: &[S]) -> Wheel {
        let mut participants: Vec<Participant> = Vec::new();
        for n in names {
            let n = n.as_ref().trim();
            if !n.is_empty() && !participants.iter().any(|p| p.name == n) {
                participants.push(Participant { name: n.to_string(), weight: 1.0 });
            }
        }
        Wheel { participants, history: Vec::new() }
    }

    /// Everyone's chance of being picked now, leaving out `absent` (probabilities sum to 1).
    pub fn odds(&self, absent: &[&str]) -> Result<Vec<(String, f64)>, WheelError> {
        if self.participants.is_empty() {
            return Err(WheelError::Empty);
        }
        for a in absent {
            if !self.participants.iter().any(|p| p.name == *a) {
                return Err(WheelError::UnknownTeam(a.to_string()));
            }
        }
        let present = |p: &Participant| !absent.contains(&p.name.as_str());
        let total: f64 = self.participants.iter().filter(|p| present(p)).map(|p| p.weight).sum();
        let count = self.participants.iter().filter(|p| present(p)).count();
        if count == 0 {
            return Err(WheelError::AllAbsent);
        }
        Ok(self
            .participants
            .iter()
            .map(|p| {
                let share = match (present(p), total > 0.0) {
                    (false, _) => 0.0,
                    (true, true) => p.weight / total,
                    // Everyone present has weight 0 (they all presented since the last reset): equal odds.
                    (true, false) => 1.0 / count as f64,
                };
                (p.name.clone(), share)
            })
            .collect())
    }

    /// Suggest a winner. Pure: the wheel does not change, so a suggestion can be repeated (a re-spin).
    pub fn suggest(&self, absent: &[&str], rng: &mut impl Draw) -> Result<Pick, WheelError> {
        let odds = self.odds(absent)?;
        let u = rng.uniform();
        let mut acc = 0.0;
        let mut winner = None;
        let mut sector = (0.0, 0.0);
        for (name, p) in &odds {
            if *p <= 0.0 {
                acc += p.max(0.0);
                continue;
            }
            sector = (acc, acc + p);
            acc += p;
            winner = Some(name);
            if u < acc {
                break;
            }
        }
        // Rounding can leave `acc` a hair under 1: the last team with odds then wins, as it should.
        let winner = winner.ok_or(WheelError::AllAbsent)?.clone();
        let width = sector.1 - sector.0;
        let at = u.clamp(sector.0 + width * 1e-6, sector.1 - width * 1e-6);
        Ok(Pick { winner, odds, at })
    }

    /// Confirm that `winner` presented: its weight goes to 0, its old weight is shared equally among the
    /// others, and all weights are rescaled so Σweight = N. Absent teams are treated like everyone
    /// else here: absence never changes fairness.
    pub fn confirm(&mut self, winner: &str) -> Result<(), WheelError> {
        let i = self.participants.iter().position(|p| p.name == winner).ok_or_else(|| WheelError::UnknownTeam(winner.to_string()))?;
        self.history.push(self.participants.clone());
        let n = self.participants.len();
        let old = self.participants[i].weight;
        self.participants[i].weight = 0.0;
        if n > 1 {
            let share = old / (n - 1) as f64;
            for (j, p) in self.participants.iter_mut().enumerate() {
                if j != i {
                    p.weight += share;
                }
            }
        }
        let total: f64 = self.participants.iter().map(|p| p.weight).sum();
        if total > 0.0 {
            let scale = n as f64 / total;
            self.participants.iter_mut().for_each(|p| p.weight *= scale);
        } else {
            self.participants.iter_mut().for_each(|p| p.weight = 1.0);
        }
        Ok(())
    }

    /// Undo the last confirmation, restoring the exact weights before it.
    pub fn undo(&mut self) -> Result<(), WheelError> {
        self.participants = self.history.pop().ok_or(WheelError::NothingToUndo)?;
        Ok(())
    }

    /// Every weight back to 1 (undoable like a confirmation).
    pub fn reset(&mut self) {
        self.history.push(self.participants.clone());
        self.participants.iter_mut().for_each(|p| p.weight = 1.0);
    }

    /// Match the wheel to the workspace's teams: teams that left are dropped, new teams join with
    /// weight 1, the order follows `names`, and weights are rescaled so Σweight = N again. Undo history
    /// is kept only when nothing changed (an old state would name other teams).
    pub fn sync<S: AsRef<str>>(&mut self, names: &[S]) {
        let fresh = Wheel::new(names);
        let same = fresh.participants.iter().map(|p| &p.name).eq(self.participants.iter().map(|p| &p.name));
        if same {
            return;
        }
        let mut next: Vec<Participant> =
            fresh.participants.into_iter().map(|p| self.participants.iter().find(|q| q.name == p.name).cloned().unwrap_or(p)).collect();
        let total: f64 = next.iter().map(|p| p.weight).sum();
        let n = next.len() as f64;
        if total > 0.0 {
            next.iter_mut().for_each(|p| p.weight *= n / total);
        } else {
            next.iter_mut().for_each(|p| p.weight = 1.0);
        }
        self.participants = next;
        self.history.clear();
    }

    /// Whether there is a confirmation (or reset) to undo.
    pub fn can_undo(&self) -> bool {
        !self.history.is_empty()
    }

    pub fn total_weight(&self) -> f64 {
        self.participants.iter().map(|p| p.weight).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("team-{i}")).collect()
    }

    /// Chi-square statistic of observed counts against expected probabilities.
    fn chi_square(counts: &[usize], probs: &[f64]) -> f64 {
        let n: usize = counts.iter().sum();
        counts.iter().zip(probs).map(|(&c, &p)| (c as f64 - n as f64 * p).powi(2) / (n as f64 * p)).sum()
    }

    /// Critical value of chi-square with 5 degrees of freedom at p = 0.001.
    const CHI2_5DF_P001: f64 = 20.515;

    fn uneven_wheel() -> Wheel {
        let mut w = Wheel::new(&names(6));
        for (p, weight) in w.participants.iter_mut().zip([0.25, 0.5, 0.75, 1.0, 1.5, 2.0]) {
            p.weight = weight;
        }
        w
    }

    #[test]
    fn suggestions_follow_the_weights() {
        let w = uneven_wheel();
        let mut rng = StdRng::seed_from_u64(7);
        let probs: Vec<f64> = w.odds(&[]).expect("odds").iter().map(|(_, p)| *p).collect();
        let mut counts = vec![0usize; 6];
        for _ in 0..100_000 {
            let pick = w.suggest(&[], &mut rng).expect("pick");
            counts[w.participants.iter().position(|p| p.name == pick.winner).expect("known")] += 1;
        }
        let chi = chi_square(&counts, &probs);
        assert!(chi < CHI2_5DF_P001, "chi-square {chi:.1} ≥ {CHI2_5DF_P001}: counts {counts:?} for {probs:?}");
    }

    /// The test above can fail: a picker that ignores the weights (AWS's equal sectors) fails it.
    #[test]
    fn a_biased_picker_fails_the_same_test() {
        let w = uneven_wheel();
        let probs: Vec<f64> = w.odds(&[]).expect("odds").iter().map(|(_, p)| *p).collect();
        let mut rng = StdRng::seed_from_u64(7);
        let equal = Wheel::new(&names(6));
        let mut counts = vec![0usize; 6];
        for _ in 0..100_000 {
            let pick = equal.suggest(&[], &mut rng).expect("pick");
            counts[equal.participants.iter().position(|p| p.name == pick.winner).expect("known")] += 1;
        }
        assert!(chi_square(&counts, &probs) > CHI2_5DF_P001);
    }

    #[test]
    fn suggesting_changes_nothing_and_absence_never_changes_weights() {
        let w = uneven_wheel();
        let before = w.clone();
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..1000 {
            let pick = w.suggest(&["team-5", "team-0"], &mut rng).expect("pick");
            assert!(pick.winner != "team-5" && pick.winner != "team-0", "an absent team won");
            assert_eq!(pick.odds[5].1, 0.0);
        }
        assert_eq!(w, before);
        assert_eq!(w.suggest(&["team-9"], &mut rng), Err(WheelError::UnknownTeam("team-9".into())));
        let all: Vec<String> = names(6);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        assert_eq!(w.suggest(&all, &mut rng), Err(WheelError::AllAbsent));
        assert_eq!(Wheel::new::<&str>(&[]).suggest(&[], &mut rng), Err(WheelError::Empty));
    }

    #[test]
    fn confirm_redistributes_and_keeps_the_sum_at_n() {
        let mut w = Wheel::new(&names(4));
        w.confirm("team-1").expect("confirm");
        let weights: Vec<f64> = w.participants.iter().map(|p| p.weight).collect();
        // team-1's weight 1 is shared (1/3 each), then everything rescaled to sum 4.
        let other = 4.0 / 3.0;
        for (got, want) in weights.iter().zip([other, 0.0, other, other]) {
            assert!((got - want).abs() < 1e-12, "{weights:?}");
        }
        assert!((w.total_weight() - 4.0).abs() < 1e-12);
        assert_eq!(w.confirm("nobody"), Err(WheelError::UnknownTeam("nobody".into())));
    }

    #[test]
    fn undo_restores_byte_identical_state_and_reset_is_undoable() {
        let mut w = uneven_wheel();
        w.confirm("team-4").expect("confirm");
        let before = serde_json::to_string(&w.participants).expect("json");
        w.confirm("team-2").expect("confirm");
        w.undo().expect("undo");
        assert_eq!(serde_json::to_string(&w.participants).expect("json"), before);
        w.reset();
        assert!(w.participants.iter().all(|p| p.weight == 1.0));
        w.undo().expect("undo reset");
        assert_eq!(serde_json::to_string(&w.participants).expect("json"), before);
        w.undo().expect("undo first");
        assert_eq!(w.participants, uneven_wheel().participants);
        assert_eq!(w.undo(), Err(WheelError::NothingToUndo));
    }

    #[test]
    fn sync_follows_the_workspace_and_keeps_fairness() {
        let mut w = Wheel::new(&["A", "B", "C"]);
        w.confirm("A").expect("confirm");
        let b = w.participants[1].weight;
        w.sync(&["A", "B", "C"]);
        assert_eq!(w.participants[1].weight, b, "no change, no rescale");
        w.undo().expect("history kept when nothing changed");
        w.confirm("A").expect("confirm");
        w.sync(&["B", "C", "D"]);
        let names: Vec<&str> = w.participants.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["B", "C", "D"]);
        assert!((w.total_weight() - 3.0).abs() < 1e-12);
        assert!(w.participants[0].weight > w.participants[2].weight, "B waited longer than newcomer D");
        assert_eq!(w.undo(), Err(WheelError::NothingToUndo));
    }

    /// 10,000 confirmed meetings of 12 teams with random absences: every team presents 1/N of the time
    /// (±1 %), Σweight = N after every meeting, and no team waits unreasonably long.
    #[test]
    fn long_run_is_fair() {
        let teams = names(12);
        let mut w = Wheel::new(&teams);
        let mut rng = StdRng::seed_from_u64(2026);
        let mut presented = vec![0usize; 12];
        let mut last = [0usize; 12];
        let mut longest_gap = 0usize;
        for meeting in 1..=10_000usize {
            let absent: Vec<&str> = teams.iter().filter(|_| rng.uniform() < 0.1).map(String::as_str).collect();
            let Ok(pick) = w.suggest(&absent, &mut rng) else { continue };
            w.confirm(&pick.winner).expect("confirm");
            let i = teams.iter().position(|t| *t == pick.winner).expect("known");
            presented[i] += 1;
            longest_gap = longest_gap.max(meeting - last[i]);
            last[i] = meeting;
            assert!((w.total_weight() - 12.0).abs() < 1e-9, "Σweight {} after meeting {meeting}", w.total_weight());
        }
        let total: usize = presented.iter().sum();
        for (t, &c) in teams.iter().zip(&presented) {
            let share = c as f64 / total as f64;
            assert!((share - 1.0 / 12.0).abs() < 0.01, "{t} presented {share:.4} of the time");
        }
        eprintln!("long run: {total} meetings, presentations per team {presented:?}, longest gap between two presentations of a team: {longest_gap} meetings");
        assert!(longest_gap < 60, "a team waited {longest_gap} meetings");
    }
}
