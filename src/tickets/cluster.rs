//! Grouping tickets by cause: each ticket a TF-IDF vector of its [`terms`](super::terms) (the title counts
//! twice, error signatures half again, the service once), grouped by cosine similarity — a pass in time order
//! that joins a ticket to the closest group or starts one, a pass that moves each ticket to its closest
//! group's centre, and merges of groups whose centres are close. Deterministic: the same tickets give the
//! same groups.

use std::collections::HashMap;

use super::terms::terms;
use super::Ticket;

/// A ticket joins a group when its similarity to the group's centre is at least this (chosen on the
/// generated corpus's seeds 1–20, `flywheel-dev tickets-quality`; seeds 21–80 confirm it).
pub const JOIN: f32 = 0.33;
/// Two groups whose centres are at least this similar are one group.
pub const MERGE: f32 = 0.30;
/// The part of a description read (the first lines say what happened; stack traces and logs follow).
const DESCRIPTION_CHARS: usize = 1_500;

/// One group of tickets: the indices into the tickets given, oldest first, and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub members: Vec<usize>,
    /// Its most telling terms (`HTTP 502 · card · gateway`).
    pub label: String,
    pub terms: Vec<String>,
}

type Vector = Vec<(u32, f32)>;

struct Vocabulary {
    ids: HashMap<String, u32>,
    display: Vec<String>,
    signature: Vec<bool>,
    service: Vec<bool>,
}

impl Vocabulary {
    fn id(&mut self, key: &str, display: &str, signature: bool) -> u32 {
        if let Some(&i) = self.ids.get(key) {
            return i;
        }
        let i = self.display.len() as u32;
        self.ids.insert(key.to_string(), i);
        self.display.push(display.to_string());
        self.signature.push(signature);
        self.service.push(key.starts_with("svc:"));
        i
    }
}

/// The service as a term: lower case, letters and digits (`Payments API` and `payments-api` are one).
fn service_key(s: &str) -> String {
    format!("svc:{}", super::name_key(s))
}

/// Weighted term counts of every ticket.
fn counts(tickets: &[Ticket], vocab: &mut Vocabulary) -> Vec<HashMap<u32, f32>> {
    tickets
        .iter()
        .map(|t| {
            let mut c: HashMap<u32, f32> = HashMap::new();
            let description: String = t.description.chars().take(DESCRIPTION_CHARS).collect();
            for (text, weight) in [(t.title.as_str(), 2.0f32), (description.as_str(), 1.0)] {
                for term in terms(text) {
                    let w = if term.signature { weight * 1.5 } else { weight };
                    *c.entry(vocab.id(&term.key, &term.display, term.signature)).or_default() += w;
                }
            }
            if !t.service.trim().is_empty() {
                *c.entry(vocab.id(&service_key(&t.service), t.service.trim(), false)).or_default() += 1.0;
                // Its words too, so that `Pricing API` and `pricing` still meet.
                for w in t.service.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() >= 3) {
                    let w = w.to_lowercase();
                    if !matches!(w.as_str(), "api" | "service" | "svc" | "web" | "app" | "prod" | "worker") {
                        *c.entry(vocab.id(&format!("svc:{w}"), &w, false)).or_default() += 1.0;
                    }
                }
            }
            c
        })
        .collect()
}

fn normalise(v: &mut Vector) {
    let n = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if n > 0.0 {
        for (_, w) in v.iter_mut() {
            *w /= n;
        }
    }
}

/// Unit TF-IDF vectors (sublinear term frequency), sorted by term.
fn vectors(counts: &[HashMap<u32, f32>], terms: usize) -> Vec<Vector> {
    let mut df = vec![0u32; terms];
    for c in counts {
        for &t in c.keys() {
            df[t as usize] += 1;
        }
    }
    let n = counts.len() as f32;
    counts
        .iter()
        .map(|c| {
            let mut v: Vector = c
                .iter()
                .map(|(&t, &w)| (t, (1.0 + w.ln().max(-1.0)) * ((n + 1.0) / (df[t as usize] as f32 + 1.0)).ln().max(0.05)))
                .collect();
            v.sort_by_key(|(t, _)| *t);
            normalise(&mut v);
            v
        })
        .collect()
}

/// The centres of groups (sums of their members' vectors, unit length).
fn centres(groups: &[Vec<usize>], vs: &[Vector]) -> Vec<HashMap<u32, f32>> {
    groups
        .iter()
        .map(|g| {
            let mut c: HashMap<u32, f32> = HashMap::new();
            for &i in g {
                for &(t, w) in &vs[i] {
                    *c.entry(t).or_default() += w;
                }
            }
            let n = c.values().map(|w| w * w).sum::<f32>().sqrt().max(1e-9);
            c.values_mut().for_each(|w| *w /= n);
            c
        })
        .collect()
}

/// The closest of `centres` sharing a term with `v` (through the inverted index), with its similarity.
fn closest(v: &Vector, centres: &[HashMap<u32, f32>], postings: &HashMap<u32, Vec<usize>>) -> Option<(usize, f32)> {
    let mut score: HashMap<usize, f32> = HashMap::new();
    for (t, w) in v {
        for &g in postings.get(t).map(Vec::as_slice).unwrap_or(&[]) {
            *score.entry(g).or_default() += w * centres[g].get(t).copied().unwrap_or(0.0);
        }
    }
    score.into_iter().max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
}

fn index(centres: &[HashMap<u32, f32>]) -> HashMap<u32, Vec<usize>> {
    let mut p: HashMap<u32, Vec<usize>> = HashMap::new();
    for (g, c) in centres.iter().enumerate() {
        for &t in c.keys() {
            p.entry(t).or_default().push(g);
        }
    }
    p
}

/// Group `tickets` (in any order; each group's members come out oldest first, groups by their first ticket).
pub fn cluster(tickets: &[Ticket]) -> Vec<Group> {
    let mut vocab = Vocabulary { ids: HashMap::new(), display: Vec::new(), signature: Vec::new(), service: Vec::new() };
    let counts = counts(tickets, &mut vocab);
    let vs = vectors(&counts, vocab.display.len());
    let mut order: Vec<usize> = (0..tickets.len()).collect();
    order.sort_by(|&a, &b| tickets[a].created.cmp(&tickets[b].created).then_with(|| tickets[a].id.cmp(&tickets[b].id)));

    // 1. In time order: join the closest group, or start one.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut sums: Vec<HashMap<u32, f32>> = Vec::new();
    // Each sum's squared length, kept up to date as tickets join (not summed again for every candidate).
    let mut norms2: Vec<f32> = Vec::new();
    let mut postings: HashMap<u32, Vec<usize>> = HashMap::new();
    for &i in &order {
        let mut best: Option<(usize, f32)> = None;
        let mut score: HashMap<usize, f32> = HashMap::new();
        for (t, w) in &vs[i] {
            for &g in postings.get(t).map(Vec::as_slice).unwrap_or(&[]) {
                *score.entry(g).or_default() += w * sums[g].get(t).copied().unwrap_or(0.0);
            }
        }
        for (g, s) in score {
            let sim = s / norms2[g].sqrt().max(1e-9);
            if best.is_none_or(|(bg, bs)| sim > bs || (sim == bs && g < bg)) {
                best = Some((g, sim));
            }
        }
        let g = match best {
            Some((g, sim)) if sim >= JOIN => g,
            _ => {
                groups.push(Vec::new());
                sums.push(HashMap::new());
                norms2.push(0.0);
                groups.len() - 1
            }
        };
        groups[g].push(i);
        for &(t, w) in &vs[i] {
            let e = sums[g].entry(t).or_default();
            if *e == 0.0 {
                postings.entry(t).or_default().push(g);
            }
            norms2[g] += (*e + w) * (*e + w) - *e * *e;
            *e += w;
        }
    }

    // 2. Each ticket to its closest centre (alone when none is close enough).
    let cs = centres(&groups, &vs);
    let postings = index(&cs);
    let mut moved: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for &i in &order {
        match closest(&vs[i], &cs, &postings) {
            Some((g, sim)) if sim >= JOIN => moved[g].push(i),
            _ => moved.push(vec![i]),
        }
    }
    let mut groups: Vec<Vec<usize>> = moved.into_iter().filter(|g| !g.is_empty()).collect();

    // 3. Merge groups whose centres are close, closest pair first.
    loop {
        let cs = centres(&groups, &vs);
        let postings = index(&cs);
        let mut best: Option<(usize, usize, f32)> = None;
        for (a, ca) in cs.iter().enumerate() {
            let mut score: HashMap<usize, f32> = HashMap::new();
            for (t, w) in ca {
                for &b in postings.get(t).map(Vec::as_slice).unwrap_or(&[]) {
                    if b > a {
                        *score.entry(b).or_default() += w * cs[b].get(t).copied().unwrap_or(0.0);
                    }
                }
            }
            for (b, s) in score {
                if s >= MERGE && best.is_none_or(|(ba, bb, bs)| s > bs || (s == bs && (a, b) < (ba, bb))) {
                    best = Some((a, b, s));
                }
            }
        }
        let Some((a, b, _)) = best else { break };
        let taken = std::mem::take(&mut groups[b]);
        groups[a].extend(taken);
        groups.retain(|g| !g.is_empty());
    }

    let cs = centres(&groups, &vs);
    let mut out: Vec<Group> = groups
        .into_iter()
        .zip(cs)
        .map(|(mut members, centre)| {
            members.sort_by(|&a, &b| tickets[a].created.cmp(&tickets[b].created).then_with(|| tickets[a].id.cmp(&tickets[b].id)));
            let terms = label_terms(&members, &centre, &vs, &vocab);
            Group { label: terms.join(" · "), terms, members }
        })
        .collect();
    out.sort_by_key(|g| (tickets[g.members[0]].created, g.members[0]));
    out
}

/// The group's most telling terms: those most of its tickets share, by their weight in its centre
/// (signatures first among equals); the service is said elsewhere.
fn label_terms(members: &[usize], centre: &HashMap<u32, f32>, vs: &[Vector], vocab: &Vocabulary) -> Vec<String> {
    let mut share: HashMap<u32, usize> = HashMap::new();
    for &i in members {
        for &(t, _) in &vs[i] {
            *share.entry(t).or_default() += 1;
        }
    }
    let need = members.len().div_ceil(2);
    let mut ranked: Vec<(u32, f32)> = centre
        .iter()
        .filter(|(t, _)| !vocab.service[**t as usize] && share.get(t).copied().unwrap_or(0) >= need)
        .map(|(&t, &w)| (t, w * if vocab.signature[t as usize] { 1.3 } else { 1.0 }))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| vocab.display[a.0 as usize].cmp(&vocab.display[b.0 as usize])));
    ranked.into_iter().take(3).map(|(t, _)| vocab.display[t as usize].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(id: &str, title: &str, service: &str, day: i64) -> Ticket {
        Ticket {
            id: id.into(),
            title: title.into(),
            description: String::new(),
            severity: None,
            severity_text: String::new(),
            status: String::new(),
            created: 1_762_000_000 + day * 86_400,
            resolved: None,
            service: service.into(),
            team: String::new(),
            link: None,
            source: "t".into(),
        }
    }

    #[test]
    fn tickets_with_one_cause_group_together_and_others_stay_apart() {
        let tickets = vec![
            t("A1", "Card gateway returns HTTP 502 on authorise", "payments-api", 0),
            t("B1", "Search results empty for queries with accents", "search-api", 0),
            t("A2", "502 Bad Gateway from card gateway when paying", "payments-api", 7),
            t("C1", "Disk full on orders-db-3", "orders-db", 8),
            t("A3", "payments failing: card gateway 502s", "payments-api", 14),
            t("B2", "Accented search queries return no results", "search-api", 15),
            t("D1", "Login page shows a blank screen in Safari", "identity-web", 15),
            t("C2", "orders-db-1 disk is full again", "orders-db", 21),
        ];
        let groups = cluster(&tickets);
        let ids: Vec<Vec<&str>> = groups.iter().map(|g| g.members.iter().map(|&i| tickets[i].id.as_str()).collect()).collect();
        assert_eq!(ids, vec![vec!["A1", "A2", "A3"], vec!["B1", "B2"], vec!["C1", "C2"], vec!["D1"]]);
        assert!(groups[0].terms.contains(&"HTTP 502".to_string()) && groups[0].terms.contains(&"gateway".to_string()), "{:?}", groups[0]);
        assert!(groups[2].terms.contains(&"disk".to_string()), "{:?}", groups[2]);
    }

    #[test]
    fn grouping_does_not_depend_on_the_order_given() {
        let mut tickets = vec![
            t("A1", "Queue backlog on orders consumer", "orders", 0),
            t("A2", "orders consumer queue is backlogged", "orders", 3),
            t("B1", "TLS certificate expired on api.acme.com", "edge", 4),
            t("B2", "certificate expiry for api.acme.com", "edge", 9),
        ];
        let a = cluster(&tickets);
        tickets.reverse();
        let b = cluster(&tickets);
        let names = |g: &[Group], ts: &[Ticket]| {
            g.iter().map(|g| g.members.iter().map(|&i| ts[i].id.clone()).collect::<Vec<_>>()).collect::<Vec<_>>()
        };
        assert_eq!(names(&a, &tickets.iter().rev().cloned().collect::<Vec<_>>()), names(&b, &tickets));
        assert_eq!(a.len(), 2);
    }
}
