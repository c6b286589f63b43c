//! Where a large review keeps its metrics' arrays (the review range's values, instances and fit) once they
//! pass a memory budget: an anonymous temporary file on disk, removed by the system when the review is dropped
//! or the process ends. Detectors, charts and views read a metric back when they need it
//! ([`super::Review::full`]), so memory stays bounded however many metrics the fleet has; what is small
//! (the metric, its weekly statistics, the findings) stays in memory. The file is this process's own, so
//! arrays are kept in the machine's byte order: writing and reading one is a copy of its memory.

mod place;

use std::io;
use std::os::unix::fs::FileExt;
use std::sync::Mutex;

use super::SeriesFit;

/// Where one metric's arrays are in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    offset: u64,
    len: u64,
    /// Points in each of the four arrays the detectors read, when the four are equally long (they are: the
    /// review range's length).
    points: Option<u64>,
}

/// The temporary file and where its end is.
pub struct Spill {
    file: std::fs::File,
    end: Mutex<u64>,
}

impl std::fmt::Debug for Spill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Spill({} bytes)", self.end.lock().map(|e| *e).unwrap_or(0))
    }
}

impl Spill {
    /// A new, empty file in a folder on disk ([`place::folder`]; the system's temporary folder if that fails).
    pub fn new() -> io::Result<Spill> {
        let file = tempfile::tempfile_in(place::folder()).or_else(|_| tempfile::tempfile())?;
        Ok(Spill { file, end: Mutex::new(0) })
    }

    /// Move a metric's arrays into the file (they stay in memory when the file cannot be written).
    pub fn put(&self, s: &mut SeriesFit) -> io::Result<()> {
        let bytes = encode(s);
        let n = s.fit.z.len();
        let points = [s.values.len(), s.fit.expected.len(), s.fit.sigma.len()].iter().all(|&l| l == n).then_some(n as u64);
        let offset = {
            let mut end = self.end.lock().map_err(|_| io::Error::other("the spill file's lock was poisoned"))?;
            let at = *end;
            *end += bytes.len() as u64;
            at
        };
        self.file.write_all_at(&bytes, offset)?;
        s.values = Vec::new();
        s.instances = Vec::new();
        s.fit.expected = Vec::new();
        s.fit.sigma = Vec::new();
        s.fit.z = Vec::new();
        s.fit.last_week = Vec::new();
        s.fit.usual_missing = Vec::new();
        s.spilled = Some(At { offset, len: bytes.len() as u64, points });
        Ok(())
    }

    /// A copy of a spilled metric with its arrays read back.
    pub fn get(&self, s: &SeriesFit, at: At) -> io::Result<SeriesFit> {
        // The record is read into a buffer each thread keeps (re-flagging reads back thousands of metrics).
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let len = usize::try_from(at.len).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a spilled metric is too large"))?;
        BUFFER.with_borrow_mut(|bytes| {
            bytes.resize(len, 0);
            self.file.read_exact_at(bytes, at.offset)?;
            let mut full = s.clone();
            let read = decode(bytes, &mut full);
            // A buffer grown for an unusually large metric is not kept.
            if bytes.capacity() > 1 << 20 {
                *bytes = Vec::new();
            }
            read.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "a spilled metric could not be read back"))?;
            full.spilled = None;
            Ok(full)
        })
    }

    /// A spilled metric's residuals z, values, expected values and sigma — what the detectors read — each read
    /// straight into its own vector (no buffer, no decoding); the rest of the record is not read.
    pub fn detector_arrays(&self, at: At) -> io::Result<[Vec<f64>; 4]> {
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "a spilled metric could not be read back");
        let n = at.points.and_then(|n| usize::try_from(n).ok()).ok_or_else(bad)?;
        // Each array is its length, then its numbers (see [`encode`]); the four come first, in this order.
        let stride = n.checked_mul(8).and_then(|b| b.checked_add(8)).ok_or_else(bad)? as u64;
        if stride.checked_mul(4).is_none_or(|end| end > at.len) {
            return Err(bad());
        }
        match self.four_at_once(at.offset + 8, n) {
            Some(out) => Ok(out),
            None => self.one_by_one(at.offset, n, stride),
        }
    }

    /// [`Spill::detector_arrays`] read one array at a time (records `stride` bytes apart from `offset`).
    fn one_by_one(&self, offset: u64, n: usize, stride: u64) -> io::Result<[Vec<f64>; 4]> {
        let mut out: [Vec<f64>; 4] = Default::default();
        for (i, v) in out.iter_mut().enumerate() {
            *v = vec![0.0; n];
            self.file.read_exact_at(bytemuck::cast_slice_mut(v), offset + i as u64 * stride + 8)?;
        }
        Ok(out)
    }

    /// The four detector arrays of `n` points each from `from` (each after the first preceded by its 8-byte
    /// length, skipped) in one system call, straight into new vectors that are not zeroed first: a re-flag
    /// reads back thousands of metrics, and four calls and the zeroing were a fifth of that. `None` when the
    /// call reads less than all of it (the caller reads the arrays one by one).
    #[allow(unsafe_code)]
    fn four_at_once(&self, from: u64, n: usize) -> Option<[Vec<f64>; 4]> {
        use std::os::fd::AsRawFd;
        let mut out: [Vec<f64>; 4] = std::array::from_fn(|_| Vec::with_capacity(n));
        let mut gaps = [[0u8; 8]; 3];
        let bytes = n.checked_mul(8)?;
        let mut iov: [libc::iovec; 7] = [libc::iovec { iov_base: std::ptr::null_mut(), iov_len: 0 }; 7];
        for (i, v) in out.iter_mut().enumerate() {
            iov[2 * i] = libc::iovec { iov_base: v.as_mut_ptr().cast(), iov_len: bytes };
        }
        for (i, g) in gaps.iter_mut().enumerate() {
            iov[2 * i + 1] = libc::iovec { iov_base: g.as_mut_ptr().cast(), iov_len: 8 };
        }
        let want = bytes.checked_mul(4)?.checked_add(24)?;
        let offset = libc::off_t::try_from(from).ok()?;
        // SAFETY: each iovec points at memory this function owns for the call: the vectors' capacity of `n`
        // f64 (`bytes` bytes) and the 8-byte gaps. The lengths are set only once the kernel wrote every byte
        // (an f64 is valid for any bits); on a short read or an error they stay 0 and nothing is read.
        unsafe {
            let got = libc::preadv(self.file.as_raw_fd(), iov.as_ptr(), 7, offset);
            if usize::try_from(got).ok()? != want {
                return None;
            }
            for v in &mut out {
                v.set_len(n);
            }
        }
        Some(out)
    }

    /// A spilled metric's residuals z alone (the first array of its record: its length, then its numbers).
    pub fn z(&self, at: At) -> io::Result<Vec<f64>> {
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "a spilled metric could not be read back");
        if at.len < 8 {
            return Err(bad());
        }
        let mut len = [0u8; 8];
        self.file.read_exact_at(&mut len, at.offset)?;
        let bytes =
            u64::from_le_bytes(len).checked_mul(8).filter(|&b| b.checked_add(8).is_some_and(|end| end <= at.len)).ok_or_else(bad)?;
        let mut raw = vec![0u8; usize::try_from(bytes).map_err(|_| bad())?];
        self.file.read_exact_at(&mut raw, at.offset + 8)?;
        Ok(bytemuck::pod_collect_to_vec(&raw))
    }
}

/// Bytes in memory of a metric's arrays (what spilling it saves).
pub fn array_bytes(s: &SeriesFit) -> usize {
    let n = s.values.len();
    n * 8 * 5 + n + s.instances.iter().map(|(name, v)| name.len() + v.len() * 8).sum::<usize>()
}

fn encode(s: &SeriesFit) -> Vec<u8> {
    let mut out = Vec::with_capacity(array_bytes(s) + 64);
    let f64s = |out: &mut Vec<u8>, v: &[f64]| {
        out.extend((v.len() as u64).to_le_bytes());
        out.extend_from_slice(bytemuck::cast_slice(v));
    };
    // The four the detectors read come first, each as long as the residuals (re-flagging reads them alone,
    // [`Spill::detector_arrays`]); the residuals lead (its quick test reads them alone, [`Spill::z`]).
    f64s(&mut out, &s.fit.z);
    f64s(&mut out, &s.values);
    f64s(&mut out, &s.fit.expected);
    f64s(&mut out, &s.fit.sigma);
    f64s(&mut out, &s.fit.last_week);
    out.extend((s.fit.usual_missing.len() as u64).to_le_bytes());
    out.extend(s.fit.usual_missing.iter().map(|&b| b as u8));
    out.extend((s.instances.len() as u64).to_le_bytes());
    for (name, v) in &s.instances {
        out.extend((name.len() as u64).to_le_bytes());
        out.extend(name.as_bytes());
        f64s(&mut out, v);
    }
    out
}

/// Reads what [`encode`] wrote into `s`; `None` when the bytes are not that.
fn decode(bytes: &[u8], s: &mut SeriesFit) -> Option<()> {
    let mut r = Reader { bytes, at: 0 };
    s.fit.z = r.f64s()?;
    s.values = r.f64s()?;
    s.fit.expected = r.f64s()?;
    s.fit.sigma = r.f64s()?;
    s.fit.last_week = r.f64s()?;
    let n = r.len()?;
    s.fit.usual_missing = r.take(n)?.iter().map(|&b| b != 0).collect();
    let k = r.len()?;
    s.instances = (0..k)
        .map(|_| {
            let n = r.len()?;
            let name = String::from_utf8(r.take(n)?.to_vec()).ok()?;
            Some((name, r.f64s()?))
        })
        .collect::<Option<Vec<_>>>()?;
    (r.at == bytes.len()).then_some(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.at.checked_add(n)?;
        let out = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(out)
    }

    fn len(&mut self) -> Option<usize> {
        let b: [u8; 8] = self.take(8)?.try_into().ok()?;
        usize::try_from(u64::from_le_bytes(b)).ok()
    }

    fn f64s(&mut self) -> Option<Vec<f64>> {
        let n = self.len()?;
        let raw = self.take(n.checked_mul(8)?)?;
        Some(bytemuck::pod_collect_to_vec(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{self, Context};
    use crate::config::{Metric, Worse};

    #[test]
    fn a_spilled_metric_reads_back_whole_and_its_residuals_alone() {
        let ctx: Context = analysis::test_week();
        let values: Vec<f64> = (0..ctx.grid.len).map(|i| if i % 97 == 0 { f64::NAN } else { 100.0 + (i % 288) as f64 }).collect();
        let fit = analysis::fit(&ctx, &values);
        let m = Metric::new("m", "T", "svc", Worse::Higher, std::path::Path::new("x"), "m");
        let review: Vec<f64> = values[ctx.review.clone()].to_vec();
        let instances = vec![("a".to_string(), review.clone()), ("b".to_string(), review.iter().map(|v| v * 2.0).collect())];
        let mut s = SeriesFit {
            metric: m,
            values: review,
            instance_names: vec!["a".into(), "b".into()],
            instances,
            coverage: 1.0,
            fit,
            stats: Default::default(),
            spilled: None,
            steady: vec![],
            clock: vec![],
            spark: Default::default(),
        };
        let before = s.clone();
        let spill = Spill::new().expect("temporary file");
        // Another metric first (with instances of its own), so the record does not start at offset 0.
        let mut other = s.clone();
        other.instances.pop();
        other.values[0] = -1.0;
        let other_before = other.clone();
        spill.put(&mut other).expect("put");
        spill.put(&mut s).expect("put");
        let at = s.spilled.expect("spilled");
        assert!(s.values.is_empty() && s.fit.z.is_empty() && s.instances.is_empty(), "the arrays left memory");
        let back = spill.get(&s, at).expect("get");
        let same = |a: &[f64], b: &[f64]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
        assert!(same(&back.values, &before.values) && same(&back.fit.z, &before.fit.z) && same(&back.fit.sigma, &before.fit.sigma));
        assert_eq!(back.instances.len(), 2);
        assert!(same(&back.instances[1].1, &before.instances[1].1));
        assert_eq!(back.fit.usual_missing, before.fit.usual_missing);
        assert!(same(&spill.z(at).expect("z"), &before.fit.z));
        let [z, values, expected, sigma] = spill.detector_arrays(at).expect("the detectors' arrays");
        assert!(same(&z, &before.fit.z) && same(&values, &before.values));
        assert!(same(&expected, &before.fit.expected) && same(&sigma, &before.fit.sigma));
        // The same read one array at a time (what a short read falls back to).
        let n = before.fit.z.len();
        let [z, values, expected, sigma] = spill.one_by_one(at.offset, n, n as u64 * 8 + 8).expect("one by one");
        assert!(same(&z, &before.fit.z) && same(&values, &before.values));
        assert!(same(&expected, &before.fit.expected) && same(&sigma, &before.fit.sigma));
        // The read-back buffer each thread keeps serves the next metric whole.
        let other_at = other.spilled.expect("spilled");
        let back = spill.get(&other, other_at).expect("get");
        assert!(same(&back.values, &other_before.values) && back.instances.len() == 1);
        assert!(same(&spill.detector_arrays(other_at).expect("arrays")[1], &other_before.values));
        // A record cut short is an error, not a panic nor a wrong array.
        let z_end = 8 + 8 * before.fit.z.len() as u64;
        for len in [0, 8, 20, z_end - 1, z_end, z_end + 8, 2 * z_end, 4 * z_end - 1, 4 * z_end, at.len - 1] {
            let cut = At { len, ..at };
            assert!(spill.get(&s, cut).is_err(), "cut to {len} bytes");
            assert_eq!(spill.detector_arrays(cut).is_ok(), len >= 4 * z_end, "the detectors' arrays, cut to {len} bytes");
            assert_eq!(spill.z(cut).is_ok(), len >= z_end, "z, cut to {len} bytes");
        }
    }
}
