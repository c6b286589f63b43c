//! The presenter wheel: a fair, weighted pick of the team that walks everyone through its dashboard.
//!
//! AWS's open-source ops wheel sets the winner's weight to 0 and shares it among the others. Its long-run
//! shares are equal, but its waits are long: with 12 teams and 10 % absences a team can wait 44 meetings
//! between two presentations. Flywheel's rule: a team's weight grows with the meetings since it last
//! presented — `(meetings waited + 1)^5`, rescaled so Σweight = N — so the team that waited longest is
//! very likely next, yet never certain (the last presenter keeps weight 1, so with two or more teams
//! present the pick stays a surprise). Over 10,000 simulated meetings of 12 teams with 10 % absences the
//! longest wait is about 21 meetings (99th percentile 17; the old rule: 44), shares stay within 1/12 ± 1 %
//! (`long_run_is_fair`). *Suggesting* a pick changes nothing (it can be repeated); *confirming* it counts
//! the meeting. Teams **absent this week** are left out of a spin and keep waiting (their weight grows);
//! **undo** of the last confirmation restores the exact previous state, and **reset** starts everyone
//! equal. A wheel saved by the old rule is carried over by counting the waits from its spin history
//! ([`Wheel::count_waits`]). Randomness is injected ([`Draw`]): the OS by default, a seeded generator in tests.
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

/// How strongly waiting raises a team's chance: weight ∝ (meetings waited + 1)^WAIT_POWER.
pub const WAIT_POWER: i32 = 5;

/// One participant, its current weight, and the meetings since it last presented.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    pub name: String,
    pub weight: f64,
    #[serde(default)]
    pub waited: u32,
}

/// The wheel's state: participants with weights (Σweight = N), and the states before each confirmation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wheel {
    pub participants: Vec<Participant>,
    #[serde(default)]
    history: Vec<Vec<Participant>>,
    /// What made each of the latest states of `history` the one before it, oldest first (a wheel saved
    /// before these were kept has fewer: its oldest states say nothing).
    #[serde(default)]
    changes: Vec<Change>,
    /// Whether `waited` is counted (false in a wheel saved by the old rule: see [`Wheel::count_waits`]).
    #[serde(default)]
    pub waits_counted: bool,
}

/// A change of the weights that can be undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// This team presented (a confirmed spin).
    Presented(String),
    /// Everyone equal again.
    Reset,
}

/// How far from its sector's edges the pointer stops, as a share of the sector's width.
pub const STOP_MARGIN: f64 = 0.15;

/// Where the pointer stops for the draw `u` that fell in `sector` (from, to): the draw's place within the
/// sector, squeezed into its middle so the stop is never on or beside a line between two teams. The order of
/// draws within a sector is kept, so the stops still spread over the whole sector's middle.
fn stop_at(u: f64, (from, to): (f64, f64)) -> f64 {
    let width = to - from;
    let within = if width > 0.0 { ((u - from) / width).clamp(0.0, 1.0) } else { 0.5 };
    from + width * (STOP_MARGIN + (1.0 - 2.0 * STOP_MARGIN) * within)
}

/// A suggested pick: the winner and everyone's odds at the time (absent teams at 0).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pick {
    pub winner: String,
    /// (team, probability) for every participant, in wheel order.
    pub odds: Vec<(String, f64)>,
    /// Where the pointer stops, from 0 to 1 in wheel order: inside the winner's sector and at least
    /// [`STOP_MARGIN`] of its width from either edge, so no one in the room sees it stop on a line (the
    /// winner is drawn by the uniform number alone; the stop only shows it). The app's animation stops
    /// exactly there.
    pub at: f64,
}

impl Wheel {
    /// A wheel of `names` (duplicates dropped, order kept), every weight 1.
    pub fn new<S: AsRef<str>>(names: &[S]) -> Wheel {
        let mut participants: Vec<Participant> = Vec::new();
        for n in names {
            let n = n.as_ref().trim();
            if !n.is_empty() && !participants.iter().any(|p| p.name == n) {
                participants.push(Participant { name: n.to_string(), weight: 1.0, waited: 0 });
            }
        }
        Wheel { participants, history: Vec::new(), changes: Vec::new(), waits_counted: true }
    }

    /// Weights from the waits: `(waited + 1)^WAIT_POWER`, rescaled so Σweight = N.
    fn reweigh(&mut self) {
        let raw: Vec<f64> = self.participants.iter().map(|p| (f64::from(p.waited) + 1.0).powi(WAIT_POWER)).collect();
        let total: f64 = raw.iter().sum();
        let n = self.participants.len() as f64;
        for (p, r) in self.participants.iter_mut().zip(raw) {
            p.weight = if total > 0.0 && total.is_finite() { n * r / total } else { 1.0 };
        }
    }

    /// Carry a wheel saved by the old rule over: each team's wait is the number of meetings since its last
    /// presentation in `presented` (the confirmed winners, oldest first); a team that never presented
    /// has waited them all. Undo stops at the carry-over (older states knew no waits).
    pub fn count_waits<S: AsRef<str>>(&mut self, presented: &[S]) {
        let meetings = presented.len();
        for p in &mut self.participants {
            let last = presented.iter().rposition(|w| w.as_ref() == p.name);
            p.waited = u32::try_from(last.map_or(meetings, |i| meetings - 1 - i)).unwrap_or(u32::MAX);
        }
        self.history.clear();
        self.changes.clear();
        self.waits_counted = true;
        self.reweigh();
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
        Ok(Pick { winner, odds, at: stop_at(u, sector) })
    }

    /// Confirm that `winner` presented: a meeting is counted for everyone (absent teams too: they keep
    /// waiting), the winner's wait goes back to 0, and the weights follow the waits.
    pub fn confirm(&mut self, winner: &str) -> Result<(), WheelError> {
        let i = self.participants.iter().position(|p| p.name == winner).ok_or_else(|| WheelError::UnknownTeam(winner.to_string()))?;
        self.history.push(self.participants.clone());
        self.changes.push(Change::Presented(winner.to_string()));
        for p in &mut self.participants {
            p.waited = p.waited.saturating_add(1);
        }
        self.participants[i].waited = 0;
        self.reweigh();
        Ok(())
    }

    /// Undo the last confirmation (or reset), restoring the exact weights before it; says which it was (None
    /// for a state saved before the wheel kept what changed it).
    pub fn undo(&mut self) -> Result<Option<Change>, WheelError> {
        self.participants = self.history.pop().ok_or(WheelError::NothingToUndo)?;
        // The changes are those of the latest states (each state pushed with its change): the top state has one
        // unless the wheel was saved before they were kept.
        Ok(self.changes.pop())
    }

    /// Everyone equal again: no waits, every weight 1 (undoable like a confirmation).
    pub fn reset(&mut self) {
        self.history.push(self.participants.clone());
        self.changes.push(Change::Reset);
        self.participants.iter_mut().for_each(|p| p.waited = 0);
        self.reweigh();
    }

    /// Match the wheel to the workspace's teams: teams that left are dropped, new teams join at the back
    /// of the queue (no wait yet), the order follows `names`, and the weights follow the waits. Undo
    /// history is kept only when nothing changed (an old state would name other teams).
    pub fn sync<S: AsRef<str>>(&mut self, names: &[S]) {
        let fresh = Wheel::new(names);
        let same = fresh.participants.iter().map(|p| &p.name).eq(self.participants.iter().map(|p| &p.name));
        if same {
            return;
        }
        self.participants =
            fresh.participants.into_iter().map(|p| self.participants.iter().find(|q| q.name == p.name).cloned().unwrap_or(p)).collect();
        self.history.clear();
        self.changes.clear();
        self.reweigh();
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

    /// Where the pointer stops: in the winner's sector, clear of its edges, and in the draw's order.
    #[test]
    fn the_pointer_stops_clear_of_the_sectors_edges() {
        // (draw, sector, stop)
        let cases: [(f64, (f64, f64), f64); 7] = [
            (0.0, (0.0, 0.5), 0.075),
            (0.25, (0.0, 0.5), 0.25),
            (0.499_999_999, (0.0, 0.5), 0.425),
            (0.5, (0.5, 1.0), 0.575),
            (0.999_999_999, (0.5, 1.0), 0.925),
            // Rounding left the draw past the last sector's end: still inside it.
            (1.0, (0.9, 0.999_999), 0.984_999_15),
            // A sector of no width (cannot be drawn; guarded anyway).
            (0.3, (0.3, 0.3), 0.3),
        ];
        for (u, sector, want) in cases {
            let got = stop_at(u, sector);
            assert!((got - want).abs() < 1e-9, "draw {u} in {sector:?}: stop {got}, want {want}");
        }
        let w = uneven_wheel();
        let odds = w.odds(&[]).expect("odds");
        let mut rng = StdRng::seed_from_u64(11);
        for _ in 0..10_000 {
            let pick = w.suggest(&[], &mut rng).expect("pick");
            let from: f64 = odds.iter().take_while(|(n, _)| *n != pick.winner).map(|(_, p)| p).sum();
            let width = odds.iter().find(|(n, _)| *n == pick.winner).map(|(_, p)| *p).expect("winner's odds");
            let margin = (pick.at - from).min(from + width - pick.at);
            assert!(margin >= STOP_MARGIN * width - 1e-12, "{pick:?}: the stop is {margin} from an edge of a sector {width} wide");
        }
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
    fn confirm_counts_the_meeting_and_the_weights_follow_the_waits() {
        let mut w = Wheel::new(&names(4));
        w.confirm("team-1").expect("confirm");
        // team-1 waited 0 (raw 1), the others 1 (raw 2^5 = 32): weights 4·raw/97.
        let weights: Vec<f64> = w.participants.iter().map(|p| p.weight).collect();
        let (other, winner) = (4.0 * 32.0 / 97.0, 4.0 / 97.0);
        for (got, want) in weights.iter().zip([other, winner, other, other]) {
            assert!((got - want).abs() < 1e-12, "{weights:?}");
        }
        assert!((w.total_weight() - 4.0).abs() < 1e-12);
        w.confirm("team-2").expect("confirm");
        let waited: Vec<u32> = w.participants.iter().map(|p| p.waited).collect();
        assert_eq!(waited, [2, 1, 0, 2]);
        assert!(w.participants[0].weight > w.participants[1].weight && w.participants[1].weight > w.participants[2].weight);
        // Never certain: the last presenter keeps a chance while two teams are here.
        let odds = w.odds(&["team-0", "team-3"]).expect("odds");
        assert!(odds[2].1 > 0.0 && odds[1].1 < 1.0, "{odds:?}");
        assert_eq!(w.confirm("nobody"), Err(WheelError::UnknownTeam("nobody".into())));
    }

    #[test]
    fn a_wheel_of_the_old_rule_is_carried_over_from_its_history() {
        let old = r#"{"participants":[{"name":"A","weight":0.0},{"name":"B","weight":1.5},{"name":"C","weight":1.5}],"history":[[{"name":"A","weight":1.0},{"name":"B","weight":1.0},{"name":"C","weight":1.0}]]}"#;
        let mut w: Wheel = serde_json::from_str(old).expect("an old state reads");
        assert!(!w.waits_counted);
        // B presented, then C, then A: A waited 0, C 1, B 2.
        w.count_waits(&["B", "C", "A"]);
        let waited: Vec<u32> = w.participants.iter().map(|p| p.waited).collect();
        assert_eq!(waited, [0, 2, 1]);
        assert!(w.waits_counted && !w.can_undo());
        assert!((w.total_weight() - 3.0).abs() < 1e-12);
        // A team that never presented has waited every meeting.
        let mut w = Wheel::new(&["A", "B"]);
        w.count_waits(&["A", "A"]);
        assert_eq!(w.participants[1].waited, 2);
    }

    #[test]
    fn undo_restores_byte_identical_state_and_reset_is_undoable() {
        let mut w = uneven_wheel();
        w.confirm("team-4").expect("confirm");
        let before = serde_json::to_string(&w.participants).expect("json");
        w.confirm("team-2").expect("confirm");
        assert_eq!(w.undo(), Ok(Some(Change::Presented("team-2".into()))));
        assert_eq!(serde_json::to_string(&w.participants).expect("json"), before);
        w.reset();
        assert!(w.participants.iter().all(|p| (p.weight - 1.0).abs() < 1e-12 && p.waited == 0));
        assert_eq!(w.undo(), Ok(Some(Change::Reset)), "the reset, not a confirmation");
        assert_eq!(serde_json::to_string(&w.participants).expect("json"), before);
        assert_eq!(w.undo(), Ok(Some(Change::Presented("team-4".into()))), "then the confirmation before it");
        assert_eq!(w.participants, uneven_wheel().participants);
        assert_eq!(w.undo(), Err(WheelError::NothingToUndo));
    }

    #[test]
    fn a_wheel_saved_before_changes_were_kept_undoes_its_old_states_unnamed() {
        // Saved with one state in its history and no `changes`; one confirmation after it is named.
        let old = r#"{"participants":[{"name":"A","weight":0.5,"waited":0},{"name":"B","weight":1.5,"waited":1}],"history":[[{"name":"A","weight":1.0,"waited":0},{"name":"B","weight":1.0,"waited":0}]],"waits_counted":true}"#;
        let mut w: Wheel = serde_json::from_str(old).expect("old wheel");
        w.confirm("B").expect("confirm");
        let back: Wheel = serde_json::from_str(&serde_json::to_string(&w).expect("json")).expect("round trip");
        assert_eq!(back, w);
        assert_eq!(w.undo(), Ok(Some(Change::Presented("B".into()))));
        assert_eq!(w.undo(), Ok(None), "the state from before changes were kept");
        assert_eq!(w.participants[0].weight, 1.0);
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

    /// 10,000 confirmed meetings of 12 teams with 10 % absences: every team presents 1/N of the time
    /// (±1 %), Σweight = N after every meeting, the longest wait between two presentations of a team is
    /// at most 24 meetings (99th percentile ≤ 20), and the pick is never certain while two or more teams
    /// are here (the entropy of each pick is above 0).
    #[test]
    fn long_run_is_fair() {
        let teams = names(12);
        let mut w = Wheel::new(&teams);
        let mut rng = StdRng::seed_from_u64(2026);
        let mut presented = vec![0usize; 12];
        let mut last = [0usize; 12];
        let mut gaps = Vec::new();
        let (mut entropy_sum, mut entropy_min, mut picks) = (0.0f64, f64::MAX, 0usize);
        for meeting in 1..=10_000usize {
            let absent: Vec<&str> = teams.iter().filter(|_| rng.uniform() < 0.1).map(String::as_str).collect();
            let Ok(pick) = w.suggest(&absent, &mut rng) else { continue };
            let eligible = pick.odds.iter().filter(|(_, p)| *p > 0.0).count();
            let h: f64 = pick.odds.iter().filter(|(_, p)| *p > 0.0).map(|(_, p)| -p * p.log2()).sum();
            if eligible >= 2 {
                assert!(pick.odds.iter().all(|(_, p)| *p < 1.0), "certain at meeting {meeting}: {:?}", pick.odds);
                entropy_min = entropy_min.min(h);
            }
            entropy_sum += h;
            picks += 1;
            w.confirm(&pick.winner).expect("confirm");
            let i = teams.iter().position(|t| *t == pick.winner).expect("known");
            presented[i] += 1;
            if last[i] > 0 {
                gaps.push(meeting - last[i]);
            }
            last[i] = meeting;
            assert!((w.total_weight() - 12.0).abs() < 1e-9, "Σweight {} after meeting {meeting}", w.total_weight());
        }
        let total: usize = presented.iter().sum();
        for (t, &c) in teams.iter().zip(&presented) {
            let share = c as f64 / total as f64;
            assert!((share - 1.0 / 12.0).abs() < 0.01, "{t} presented {share:.4} of the time");
        }
        gaps.sort_unstable();
        let longest = gaps.last().copied().unwrap_or(0);
        let p99 = gaps[gaps.len() * 99 / 100];
        eprintln!(
            "long run: {total} meetings, presentations per team {presented:?}; waits between two presentations: longest {longest}, 99th percentile {p99}; entropy of a pick: mean {:.2} bits, lowest {entropy_min:.2} bits",
            entropy_sum / picks as f64
        );
        assert!(longest <= 24, "a team waited {longest} meetings");
        assert!(p99 <= 20, "99th percentile wait {p99}");
        assert!(entropy_min > 0.0);
    }
}
