//! NAB's scoring method, written from its published description (Lavin & Ahmad, "Evaluating Real-time
//! Anomaly Detection Algorithms — the Numenta Anomaly Benchmark", 2015), so detection changes are scored
//! the way the field scores them.
//!
//! A file has rows (timestamps) and labelled windows (row ranges). A detector yields detections (row,
//! score). At a threshold, the detections at or above it count: inside a window the earliest one earns
//! the scaled sigmoid of its relative position (+A_TP at the window's first row, falling toward 0 at
//! its last); a window with none costs A_FN; a detection outside every window costs A_FP × the scaled sigmoid of its
//! distance past the previous window (−A_FP when no window came before). The first 15 % of each file
//! (at most 750 rows) is probation and not scored. One threshold serves the whole corpus, chosen to
//! maximise the total, which is normalised as 100 × (S − S_null) / (S_perfect − S_null): a detector
//! that finds every window at its first row scores 100, one that never fires 0.

/// A cost profile: the weights of a true positive, a false positive and a false negative.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    pub name: &'static str,
    pub a_tp: f64,
    pub a_fp: f64,
    pub a_fn: f64,
}

/// NAB's three profiles.
pub const PROFILES: [Profile; 3] = [
    Profile { name: "standard", a_tp: 1.0, a_fp: 0.11, a_fn: 1.0 },
    Profile { name: "low FP", a_tp: 1.0, a_fp: 0.22, a_fn: 1.0 },
    Profile { name: "low FN", a_tp: 1.0, a_fp: 0.11, a_fn: 2.0 },
];

/// One labelled file.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    pub name: String,
    /// Unix seconds of each row, in file order (ascending).
    pub times: Vec<i64>,
    /// Labelled windows as inclusive row ranges, in time order, not overlapping.
    pub windows: Vec<(usize, usize)>,
}

impl Labelled {
    /// Rows in probation: the first 15 % of the file, at most 750.
    pub fn probation(&self) -> usize {
        ((0.15 * self.times.len() as f64).floor() as usize).min(750)
    }

    /// The first row at or after `t` (None past the last row).
    pub fn row_at(&self, t: i64) -> Option<usize> {
        let i = self.times.partition_point(|&x| x < t);
        (i < self.times.len()).then_some(i)
    }

    /// Weeks of scored data (after probation).
    pub fn scored_weeks(&self) -> f64 {
        match (self.times.get(self.probation()), self.times.last()) {
            (Some(a), Some(b)) => (b - a) as f64 / (7.0 * 86_400.0),
            _ => 0.0,
        }
    }

    /// The weight a detection at `row` earns under `p`, and the window it falls in.
    pub fn weight(&self, row: usize, p: &Profile) -> (f64, Option<usize>) {
        if let Some(w) = self.windows.iter().position(|&(a, b)| (a..=b).contains(&row)) {
            let (_, b) = self.windows[w];
            let width = (b - self.windows[w].0 + 1) as f64;
            let pos = -((b - row + 1) as f64) / width;
            return (scaled_sigmoid(pos) / scaled_sigmoid(-1.0) * p.a_tp, Some(w));
        }
        match self.windows.iter().rev().find(|&&(_, b)| b < row) {
            None => (-p.a_fp, None),
            Some(&(a, b)) => {
                let width = (b - a + 1) as f64;
                let x = (row - b) as f64 / (width - 1.0).max(1.0);
                (scaled_sigmoid(x) * p.a_fp, None)
            }
        }
    }
}

/// NAB's scaled sigmoid: 2·σ(−5x) − 1, and −1 beyond x = 3.
pub fn scaled_sigmoid(x: f64) -> f64 {
    if x > 3.0 {
        -1.0
    } else {
        2.0 / (1.0 + (5.0 * x).exp()) - 1.0
    }
}

/// A detection: a row and its score (Flywheel: a finding's start and its severity).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    pub row: usize,
    pub score: f64,
}

/// What one file scored at one threshold.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FileScore {
    pub score: f64,
    pub windows: usize,
    pub found: usize,
    pub false_detections: usize,
}

/// Score one file's detections at `threshold` (detections scoring at least it count).
pub fn score_file(f: &Labelled, dets: &[Detection], threshold: f64, p: &Profile) -> FileScore {
    let prob = f.probation();
    let mut best: Vec<Option<f64>> = vec![None; f.windows.len()];
    let mut out = FileScore { windows: f.windows.len(), ..FileScore::default() };
    for d in dets.iter().filter(|d| d.row >= prob && d.row < f.times.len() && d.score >= threshold) {
        match f.weight(d.row, p) {
            (w, Some(i)) => best[i] = Some(best[i].map_or(w, |b: f64| b.max(w))),
            (w, None) => {
                out.score += w;
                out.false_detections += 1;
            }
        }
    }
    for b in best {
        match b {
            Some(w) => {
                out.score += w;
                out.found += 1;
            }
            None => out.score -= p.a_fn,
        }
    }
    out
}

/// A corpus score at its best threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusScore {
    pub profile: Profile,
    pub threshold: f64,
    pub raw: f64,
    pub normalised: f64,
    pub per_file: Vec<FileScore>,
}

impl CorpusScore {
    pub fn windows(&self) -> usize {
        self.per_file.iter().map(|f| f.windows).sum()
    }
    pub fn found(&self) -> usize {
        self.per_file.iter().map(|f| f.found).sum()
    }
    pub fn false_detections(&self) -> usize {
        self.per_file.iter().map(|f| f.false_detections).sum()
    }
}

/// Score a corpus (files with their detections) under `p`, at the one threshold that maximises the total.
pub fn score_corpus(files: &[(Labelled, Vec<Detection>)], p: &Profile) -> CorpusScore {
    let mut thresholds: Vec<f64> = files.iter().flat_map(|(_, d)| d.iter().map(|d| d.score)).collect();
    thresholds.push(f64::INFINITY);
    thresholds.sort_by(f64::total_cmp);
    thresholds.dedup();
    let windows: usize = files.iter().map(|(f, _)| f.windows.len()).sum();
    let null = -p.a_fn * windows as f64;
    let perfect = p.a_tp * windows as f64;
    let mut best: Option<CorpusScore> = None;
    for &t in &thresholds {
        let per_file: Vec<FileScore> = files.iter().map(|(f, d)| score_file(f, d, t, p)).collect();
        let raw: f64 = per_file.iter().map(|s| s.score).sum();
        if best.as_ref().is_none_or(|b| raw > b.raw) {
            let normalised = if perfect > null { 100.0 * (raw - null) / (perfect - null) } else { 0.0 };
            best = Some(CorpusScore { profile: *p, threshold: t, raw, normalised, per_file });
        }
    }
    best.unwrap_or(CorpusScore { profile: *p, threshold: f64::INFINITY, raw: null, normalised: 0.0, per_file: vec![] })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 100 rows a minute apart with windows at rows 40–49 and 70–79 (probation: 15 rows).
    fn file() -> Labelled {
        Labelled { name: "f".into(), times: (0..100).map(|i| i * 60).collect(), windows: vec![(40, 49), (70, 79)] }
    }

    fn det(row: usize, score: f64) -> Detection {
        Detection { row, score }
    }

    #[test]
    fn a_perfect_detector_scores_100_and_a_silent_one_0() {
        for p in PROFILES {
            let perfect = score_corpus(&[(file(), vec![det(40, 1.0), det(70, 1.0)])], &p);
            assert!((perfect.normalised - 100.0).abs() < 1e-9, "{}: {}", p.name, perfect.normalised);
            assert_eq!(perfect.found(), 2);
            let silent = score_corpus(&[(file(), vec![])], &p);
            assert_eq!(silent.normalised, 0.0, "{}", p.name);
            assert_eq!(silent.found(), 0);
        }
    }

    #[test]
    fn the_threshold_drops_low_scoring_false_detections() {
        let p = PROFILES[0];
        let s = score_corpus(&[(file(), vec![det(20, 10.0), det(40, 50.0), det(70, 60.0)])], &p);
        assert_eq!((s.threshold, s.found(), s.false_detections()), (50.0, 2, 0));
        assert!((s.normalised - 100.0).abs() < 1e-9);
    }

    #[test]
    fn weights_follow_the_published_shape() {
        let f = file();
        let p = PROFILES[0];
        let cases = [
            (40, 1.0, Some(0)),        // first row of a window: the whole A_TP
            (49, 0.248, Some(0)),      // last row of a 10-row window: about a quarter
            (20, -0.11, None),         // before any window: −A_FP
            (99, -0.11, None),         // far past the last window: about −A_FP
            (50, -0.11 * 0.277, None), // one row past a window of 10: a small cost
        ];
        for (row, want, win) in cases {
            let (w, at) = f.weight(row, &p);
            assert_eq!(at, win, "row {row}");
            assert!((w - want).abs() < 0.03, "row {row}: {w} (want {want})");
        }
        // Earlier is better inside a window.
        assert!(f.weight(42, &p).0 > f.weight(45, &p).0);
        // Only the earliest detection of a window counts, and later ones are not false.
        let s = score_file(&f, &[det(45, 1.0), det(42, 1.0)], 0.0, &p);
        assert_eq!((s.found, s.false_detections), (1, 0));
        assert!((s.score - f.weight(42, &p).0 + 1.0).abs() < 1e-9, "{s:?}");
    }

    #[test]
    fn probation_rows_are_not_scored() {
        let f = file();
        assert_eq!(f.probation(), 15);
        let s = score_file(&f, &[det(3, 99.0)], 0.0, &PROFILES[0]);
        assert_eq!(s.false_detections, 0);
        let long = Labelled { times: (0..10_000).collect(), ..file() };
        assert_eq!(long.probation(), 750);
    }
}
