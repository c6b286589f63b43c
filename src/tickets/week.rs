//! One week's ticket review: the week's tickets grouped with the earlier weeks' into problems (a group that
//! grew or spans three or more weeks is *recurring* and comes first), the new high-severity tickets, and
//! each ticket tied to the findings it probably reports (same service, opened during the finding's episode
//! or within two hours after it).

use serde::Serialize;

use super::cluster::cluster;
use super::{Note, Severity, Ticket, Tickets};
use crate::config::Workspace;
use crate::finding::{Finding, Kind};

/// A ticket opened this long after a finding's episode ended may still report it.
pub const LINK_AFTER_SECS: i64 = 2 * 3600;
/// A problem seen in this many weeks is recurring.
pub const RECURRING_WEEKS: usize = 3;

/// One group of tickets with a shared cause, as the review shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Its most telling terms, with the service when its tickets share one.
    pub label: String,
    pub service: Option<String>,
    /// Indices into [`TicketReview::tickets`], oldest first.
    pub tickets: Vec<usize>,
    /// Tickets per week, oldest first; the last is the review week.
    pub per_week: Vec<usize>,
    pub teams: Vec<String>,
    pub first_seen: i64,
    pub last_seen: i64,
    pub recurring: bool,
    /// Why it is recurring, or how often it was seen ("in 4 of the last 6 weeks; grew from 1 to 3").
    pub why: String,
    pub worst: Option<Severity>,
    pub this_week: usize,
}

/// A ticket and a finding that probably tell of the same thing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub ticket: usize,
    /// Index into the findings given.
    pub finding: usize,
    pub finding_id: String,
}

/// The ticket review of one week.
#[derive(Debug, Clone, Serialize)]
pub struct TicketReview {
    pub week_start: i64,
    pub week_end: i64,
    /// Starts of the weeks looked at, oldest first (the last is the review week).
    pub weeks: Vec<i64>,
    /// Every ticket of those weeks, oldest first.
    pub tickets: Vec<Ticket>,
    /// Groups with a ticket this week and at least two in all: recurring first, then by this week's count.
    pub problems: Vec<Problem>,
    /// This week's critical and high tickets, newest first.
    pub new_high: Vec<usize>,
    pub links: Vec<Link>,
    pub notes: Vec<Note>,
    pub failed: Vec<Note>,
}

impl TicketReview {
    /// The tickets opened in the review week.
    pub fn this_week(&self) -> impl Iterator<Item = (usize, &Ticket)> {
        self.tickets.iter().enumerate().filter(|(_, t)| t.created >= self.week_start && t.created < self.week_end)
    }

    /// The problem a ticket belongs to, if it is in a listed one.
    pub fn problem_of(&self, ticket: usize) -> Option<usize> {
        self.problems.iter().position(|p| p.tickets.contains(&ticket))
    }

    /// The findings linked to a ticket.
    pub fn findings_of(&self, ticket: usize) -> impl Iterator<Item = &Link> {
        self.links.iter().filter(move |l| l.ticket == ticket)
    }
}

/// The same name however written (see [`super::name_key`]); an empty name is no name.
fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (super::name_key(a), super::name_key(b));
    !a.is_empty() && a == b
}

/// The week starts from `history` weeks before `week_start` up to it.
fn week_starts(ws: &Workspace, week_start: i64, history: usize) -> Vec<i64> {
    (0..=history).rev().map(|k| crate::time::add_weeks(&ws.tz, week_start, -(k as i64))).collect()
}

/// Load the tickets of the review week and the workspace's history weeks before it.
pub fn load(ws: &Workspace, week_start: i64, week_end: i64) -> Tickets {
    let from = crate::time::add_weeks(&ws.tz, week_start, -(ws.history_weeks as i64));
    super::load(ws, from, week_end)
}

/// The ticket review of a review's week from the tickets already [`load`]ed for it, linked to its findings.
pub fn of_review(r: &crate::review::Review, loaded: Tickets) -> TicketReview {
    build(&r.workspace, loaded, r.ctx.review_start(), r.ctx.review_end(), &r.findings)
}

/// The ticket review of a review's week, its tickets read from the sources now; none when the workspace names
/// no ticket sources.
pub fn for_review(r: &crate::review::Review) -> Option<TicketReview> {
    (!r.workspace.tickets.is_empty()).then(|| of_review(r, load(&r.workspace, r.ctx.review_start(), r.ctx.review_end())))
}

/// Build the ticket review of `[week_start, week_end)` from the tickets loaded for it, linked to `findings`.
pub fn build(ws: &Workspace, loaded: Tickets, week_start: i64, week_end: i64, findings: &[Finding]) -> TicketReview {
    let weeks = week_starts(ws, week_start, ws.history_weeks as usize);
    let tickets = loaded.tickets;
    let week_of = |t: i64| weeks.iter().rposition(|&w| t >= w).unwrap_or(0);
    let last = weeks.len() - 1;
    let mut problems = Vec::new();
    for g in cluster(&tickets) {
        let mut per_week = vec![0usize; weeks.len()];
        for &i in &g.members {
            per_week[week_of(tickets[i].created)] += 1;
        }
        let this_week = per_week[last];
        if this_week == 0 || g.members.len() < 2 {
            continue;
        }
        let seen_weeks = per_week.iter().filter(|&&c| c > 0).count();
        let before = if last > 0 { per_week[last - 1] } else { 0 };
        let grew = this_week >= 2 && this_week > before;
        let mut why = vec![format!("in {seen_weeks} of the last {} weeks", weeks.len())];
        if grew {
            why.push(format!("grew from {before} to {this_week} this week"));
        }
        let mut teams: Vec<String> = Vec::new();
        let mut services: Vec<&str> = Vec::new();
        for &i in &g.members {
            let t = &tickets[i];
            if !t.team.is_empty() && !teams.iter().any(|x| same_name(x, &t.team)) {
                teams.push(t.team.clone());
            }
            services.push(&t.service);
        }
        let service = services
            .iter()
            .find(|s| !s.is_empty() && services.iter().filter(|x| same_name(x, s)).count() * 2 > services.len())
            .map(|s| s.to_string());
        let label = match (&service, g.label.is_empty()) {
            (Some(s), false) => format!("{s}: {}", g.label),
            (Some(s), true) => s.clone(),
            (None, false) => g.label.clone(),
            (None, true) => tickets[g.members[0]].title.clone(),
        };
        problems.push(Problem {
            label,
            service,
            first_seen: tickets[g.members[0]].created,
            last_seen: g.members.iter().map(|&i| tickets[i].created).max().unwrap_or(0),
            worst: g.members.iter().filter_map(|&i| tickets[i].severity).min(),
            tickets: g.members,
            per_week,
            teams,
            recurring: seen_weeks >= RECURRING_WEEKS || grew,
            why: why.join("; "),
            this_week,
        });
    }
    problems.sort_by(|a, b| {
        b.recurring
            .cmp(&a.recurring)
            .then(b.this_week.cmp(&a.this_week))
            .then(b.tickets.len().cmp(&a.tickets.len()))
            .then(a.worst.unwrap_or(Severity(9)).cmp(&b.worst.unwrap_or(Severity(9))))
            .then(a.first_seen.cmp(&b.first_seen))
    });
    let mut new_high: Vec<usize> = (0..tickets.len())
        .filter(|&i| {
            tickets[i].created >= week_start && tickets[i].created < week_end && tickets[i].severity.is_some_and(Severity::is_high)
        })
        .collect();
    new_high.sort_by(|&a, &b| tickets[b].created.cmp(&tickets[a].created).then(tickets[a].id.cmp(&tickets[b].id)));
    let links = link(&tickets, findings);
    TicketReview { week_start, week_end, weeks, tickets, problems, new_high, links, notes: loaded.notes, failed: loaded.failed }
}

/// Findings that are something happening at a time (a breach, an anomaly, a silence, a shift), which a
/// ticket can report; not the weeks-long trends (drift, a line too loose, growing volatility) nor a source
/// error, which no one files a ticket about at a given hour.
fn is_episode(kind: Kind) -> bool {
    !matches!(kind, Kind::DriftTowardLine | Kind::LineTooLoose | Kind::GrowingVolatility | Kind::SourceError)
}

/// Tickets and findings on the same service where the ticket was opened during the finding's episode or
/// within [`LINK_AFTER_SECS`] after it.
pub fn link(tickets: &[Ticket], findings: &[Finding]) -> Vec<Link> {
    let mut out = Vec::new();
    for (ti, t) in tickets.iter().enumerate() {
        for (fi, f) in findings.iter().enumerate() {
            if is_episode(f.kind) && same_name(&t.service, &f.service) && t.created >= f.start && t.created <= f.end + LINK_AFTER_SECS {
                out.push(Link { ticket: ti, finding: fi, finding_id: f.id() });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
