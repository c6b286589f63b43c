//! Small robust statistics used by every detector: medians, MAD, quantiles, Theil–Sen slopes and the
//! Mann–Kendall trend score. All of them ignore NaN (missing) values.

use std::cmp::Ordering;

/// Median of the finite values (NaN when there are none). Reorders `v`.
pub fn median_mut(v: &mut [f64]) -> f64 {
    quantile_mut(v, 0.5)
}

/// Median of the finite values of a slice (copies).
pub fn median(v: &[f64]) -> f64 {
    let mut c: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    quantile_mut(&mut c, 0.5)
}

/// Linear-interpolated quantile `q` (0..=1) of the finite values. Reorders `v`.
pub fn quantile_mut(v: &mut [f64], q: f64) -> f64 {
    quantiles_mut(v, [q])[0]
}

/// Several quantiles of the finite values at once (`qs` ascending, at most 8), each linear-interpolated like
/// [`quantile_mut`]. Cheaper than one selection per quantile: the middle rank is selected first and the
/// others only in the side of `v` that holds them. Reorders `v` (one quantile: exactly as one
/// `select_nth_unstable` at its rank does — callers may sum `v` afterwards, and sums follow the order).
pub fn quantiles_mut<const N: usize>(v: &mut [f64], qs: [f64; N]) -> [f64; N] {
    const MOST: usize = 8;
    const { assert!(N <= MOST, "at most 8 quantiles at once") };
    // One vectorised pass says whether any value is not finite (its exponent all ones) and whether any is −0.
    const EXPONENT: u64 = 0x7ff0_0000_0000_0000;
    const NEG_ZERO: u64 = 1 << 63;
    let (not_finite, neg_zero) = v.iter().fold((0u64, 0u64), |(nf, nz), x| {
        let b = x.to_bits();
        (nf | ((b & EXPONENT) == EXPONENT) as u64, nz | (b == NEG_ZERO) as u64)
    });
    // The finite values to the front (mostly, all of them are).
    let n = if not_finite == 0 {
        v.len()
    } else {
        let mut n = 0;
        for i in 0..v.len() {
            if v[i].is_finite() {
                v.swap(n, i);
                n += 1;
            }
        }
        n
    };
    let v = &mut v[..n];
    let mut out = [f64::NAN; N];
    if n == 0 {
        return out;
    }
    // Each quantile's position: the rank below it and how far toward the rank above.
    let at = |q: f64| {
        let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
        let lo = pos.floor() as usize;
        (lo, pos - lo as f64)
    };
    // The ranks below the quantiles, ascending and distinct, are selected; the rank above one is the
    // smallest value between it and the next selected rank (every value there lies between the two).
    let mut ranks = [0usize; MOST];
    let mut len = 0;
    for q in qs {
        let lo = at(q).0;
        if len == 0 || ranks[len - 1] < lo {
            ranks[len] = lo;
            len += 1;
        }
    }
    let ranks = &ranks[..len];
    // The selection makes exactly the decisions `total_cmp` would (the same order of `v` afterwards) with a
    // cheaper test: among finite values without a −0, `<` is that order; with a −0 (which `total_cmp` puts
    // before 0), the values' total-order keys are compared as integers.
    if neg_zero != 0 {
        let keys: &mut [i64] = bytemuck::cast_slice_mut(v);
        keys.iter_mut().for_each(|k| *k = total_key(*k));
        select_ranks(keys, 0, ranks, &mut |a, b| a.cmp(b));
        keys.iter_mut().for_each(|k| *k = total_key(*k));
    } else {
        select_ranks(v, 0, ranks, &mut |a, b| {
            if a < b {
                Ordering::Less
            } else if b < a {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        });
    }
    for (o, q) in out.iter_mut().zip(qs) {
        let (lo, frac) = at(q);
        *o = if frac > 0.0 && lo + 1 < n {
            let next = ranks.iter().copied().find(|&r| r > lo).map_or(n, |r| r + 1);
            let upper = v[lo + 1..next].iter().copied().fold(f64::INFINITY, f64::min);
            v[lo] + frac * (upper - v[lo])
        } else {
            v[lo]
        };
    }
    out
}

/// Put the values of `ranks` (ascending ranks of the whole slice that `v` is the part of from `base`) in
/// place: the middle rank first, then the lower ranks in the part left of it and the higher ones right of it.
fn select_ranks<T>(v: &mut [T], base: usize, ranks: &[usize], cmp: &mut impl FnMut(&T, &T) -> Ordering) {
    let mid = ranks.len() / 2;
    let Some(&k) = ranks.get(mid) else { return };
    let (left, _, right) = v.select_nth_unstable_by(k - base, &mut *cmp);
    select_ranks(left, base, &ranks[..mid], cmp);
    select_ranks(right, k + 1, &ranks[mid + 1..], cmp);
}

/// An f64's bits (as i64) to a key whose integer order is [`f64::total_cmp`]'s, and back: the same function
/// (the sign bit is kept; a negative number's other bits are flipped).
pub(crate) fn total_key(bits: i64) -> i64 {
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// An f64's [`total_key`].
pub(crate) fn value_key(v: f64) -> i64 {
    total_key(v.to_bits() as i64)
}

/// The f64 a [`total_key`] stands for.
pub(crate) fn key_value(key: i64) -> f64 {
    f64::from_bits(total_key(key) as u64)
}

pub fn quantile(v: &[f64], q: f64) -> f64 {
    let mut c: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    quantile_mut(&mut c, q)
}

/// Median absolute deviation around `center` (unscaled).
pub fn mad(v: &[f64], center: f64) -> f64 {
    mad_mut(&mut v.to_vec(), center)
}

/// Median absolute deviation around `center` (unscaled) without a copy: `v`'s values are replaced by their
/// distances from `center` (non-finite ones stay non-finite and are ignored, as in [`mad`]).
pub fn mad_mut(v: &mut [f64], center: f64) -> f64 {
    v.iter_mut().for_each(|x| *x = (*x - center).abs());
    median_mut(v)
}

/// 1.4826 × MAD: a robust standard deviation (equal to σ for normal data).
pub fn robust_sd(v: &[f64]) -> f64 {
    let m = median(v);
    1.4826 * mad(v, m)
}

/// Theil–Sen line through the finite points: (slope, intercept), or None with fewer than two points.
pub fn theil_sen(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let pts: Vec<(f64, f64)> = x.iter().zip(y).filter(|(a, b)| a.is_finite() && b.is_finite()).map(|(a, b)| (*a, *b)).collect();
    if pts.len() < 2 {
        return None;
    }
    let mut slopes = Vec::with_capacity(pts.len() * (pts.len() - 1) / 2);
    for i in 0..pts.len() {
        for j in i + 1..pts.len() {
            let dx = pts[j].0 - pts[i].0;
            if dx != 0.0 {
                slopes.push((pts[j].1 - pts[i].1) / dx);
            }
        }
    }
    let b = median_mut(&mut slopes);
    if !b.is_finite() {
        return None;
    }
    let mut icpt: Vec<f64> = pts.iter().map(|(a, c)| c - b * a).collect();
    Some((b, median_mut(&mut icpt)))
}

/// Mann–Kendall score: (concordant − discordant pairs) / pairs, in −1..=1. +1 means every later value
/// is above every earlier one. NaN with fewer than two finite values.
pub fn mann_kendall(y: &[f64]) -> f64 {
    let v: Vec<f64> = y.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 2 {
        return f64::NAN;
    }
    let mut s = 0i64;
    let mut pairs = 0i64;
    for i in 0..v.len() {
        for j in i + 1..v.len() {
            pairs += 1;
            s += (v[j] - v[i]).partial_cmp(&0.0).map(|o| o as i64).unwrap_or(0);
        }
    }
    s as f64 / pairs as f64
}

/// Round to two significant digits, up (toward +∞) when `up`, else down: used for proposed lines so a
/// proposal reads like something a person would type (`260`, `0.98`, `1.2`).
pub fn round_nice(v: f64, up: bool) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let mag = 10f64.powf(v.abs().log10().floor() - 1.0);
    let scaled = v / mag;
    let r = if up { scaled.ceil() } else { scaled.floor() };
    // Avoid artefacts like 0.9800000000000001.
    let out = r * mag;
    let digits = (-(mag.log10().floor()) as i32).max(0) as usize;
    format!("{out:.digits$}").parse().unwrap_or(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 || (a.is_nan() && b.is_nan())
    }

    #[test]
    fn quantiles_ignore_missing() {
        let nan = f64::NAN;
        let cases: &[(&[f64], f64, f64)] = &[
            (&[3.0, 1.0, 2.0], 0.5, 2.0),
            (&[4.0, 1.0, 2.0, 3.0], 0.5, 2.5),
            (&[1.0, nan, 3.0], 0.5, 2.0),
            (&[nan, nan], 0.5, nan),
            (&[], 0.5, nan),
            (&[0.0, 10.0], 0.95, 9.5),
            (&[5.0], 0.99, 5.0),
        ];
        for (v, q, want) in cases {
            assert!(close(quantile(v, *q), *want), "{v:?} q{q}: {}", quantile(v, *q));
        }
        assert!(close(robust_sd(&[1.0, 2.0, 3.0, 4.0, 100.0]), 1.4826));
    }

    #[test]
    fn several_quantiles_at_once_match_one_at_a_time() {
        let mut rng = crate::synth::Rng::new(3);
        // Sizes where neighbouring quantiles fall on neighbouring ranks (23–45 values: 0.95 and 0.995,
        // 0.005 and 0.05) are where selecting one quantile could disturb the next.
        for n in [1usize, 2, 5, 17, 23, 30, 41, 45, 200, 2016] {
            for _ in 0..200 {
                let mut v: Vec<f64> = (0..n).map(|_| (rng.normal() * 100.0).round()).collect();
                if n > 4 {
                    v[1] = f64::NAN;
                }
                let mut sorted: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
                sorted.sort_by(f64::total_cmp);
                let qs = [0.005, 0.05, 0.5, 0.95, 0.995];
                let got = quantiles_mut(&mut v.clone(), qs);
                for (g, q) in got.iter().zip(qs) {
                    let pos = q * (sorted.len() - 1) as f64;
                    let (lo, frac) = (pos.floor() as usize, pos - pos.floor());
                    let want = if frac > 0.0 { sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]) } else { sorted[lo] };
                    assert!(close(*g, want) && close(*g, quantile(&v, q)), "n={n} q={q}: {g} vs {want}");
                }
            }
        }
    }

    #[test]
    fn total_keys_order_as_total_cmp_does() {
        let table = [
            f64::NEG_INFINITY,
            -1e308,
            -2.5,
            -f64::MIN_POSITIVE,
            -5e-324,
            -0.0,
            0.0,
            5e-324,
            f64::MIN_POSITIVE,
            1.0,
            1.0 + f64::EPSILON,
            1e308,
            f64::INFINITY,
        ];
        for a in table {
            let bits = a.to_bits() as i64;
            assert_eq!(total_key(total_key(bits)), bits, "{a}: the key turns back into the value");
            assert_eq!(key_value(value_key(a)).to_bits(), a.to_bits(), "{a}");
            for b in table {
                assert_eq!(total_key(bits).cmp(&total_key(b.to_bits() as i64)), a.total_cmp(&b), "{a} vs {b}");
            }
        }
        // A quantile's selection leaves the values in the very order a selection with `total_cmp` leaves them
        // (callers sum them afterwards), with or without a −0 among them: ties and repeated values included.
        let mut rng = crate::synth::Rng::new(7);
        for (n, neg_zero) in [2usize, 9, 20, 21, 64, 300, 2016].into_iter().flat_map(|n| [(n, false), (n, true)]) {
            for q in [0.05, 0.5, 0.95, 0.99] {
                let v: Vec<f64> =
                    (0..n).map(|i| if neg_zero && i % 7 == 0 { -0.0 } else { (rng.normal() * 4.0).round() * 0.5 + 0.0 }).collect();
                let mut want = v.clone();
                want.select_nth_unstable_by((q * (n - 1) as f64).floor() as usize, f64::total_cmp);
                let mut got = v.clone();
                quantiles_mut(&mut got, [q]);
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "n={n} q={q}");
            }
        }
    }

    #[test]
    fn trends() {
        let x = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [1.0, 3.0, 5.0, 7.0, 100.0, 11.0]; // one outlier does not move Theil–Sen
        let (b, a) = theil_sen(&x, &y).expect("fit");
        assert!(close(b, 2.0) && close(a, 1.0), "{b} {a}");
        assert!(close(mann_kendall(&[1.0, 2.0, 3.0, 4.0]), 1.0));
        assert!(close(mann_kendall(&[4.0, 3.0, 2.0, 1.0]), -1.0));
        assert!(mann_kendall(&[1.0, 3.0, 2.0, 4.0]).abs() < 1.0);
        assert!(theil_sen(&[1.0], &[1.0]).is_none());
    }

    #[test]
    fn nice_rounding() {
        for (v, up, want) in [(257.3, true, 260.0), (257.3, false, 250.0), (0.9812, false, 0.98), (1.234, true, 1.3), (-3.21, true, -3.2)] {
            assert!(close(round_nice(v, up), want), "{v} {up}: {}", round_nice(v, up));
        }
    }
}
