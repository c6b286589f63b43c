"""The notebook alternative to Flywheel, as a team lead would write it: pandas + statsmodels' MSTL.

For each series: put it on the 5-minute grid, fill gaps by linear interpolation (MSTL rejects NaN),
decompose with MSTL (daily and weekly periods), and flag review-range points whose residual lies
outside ±k robust sigmas (1.4826 × MAD of the whole residual). Flagged points form episodes (runs,
gaps of up to 2 points merged). Episodes are written for several k so the caller can pick the k
with the same false-positive rate as Flywheel.

Usage: peer.py DATA.parquet SERIES.txt REVIEW_START REVIEW_END STEP OUT.json
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import MSTL

KS = [round(3.0 + 0.25 * i, 2) for i in range(29)]  # 3.0, 3.25, … 10.0: fine enough to match a false rate


def episodes(flags, times, max_gap=2):
    out = []
    i, n = 0, len(flags)
    while i < n:
        if not flags[i]:
            i += 1
            continue
        a = i
        while i < n and flags[i]:
            i += 1
        b = i - 1
        if out and a - out[-1][1] - 1 <= max_gap:
            out[-1][1] = b
        else:
            out.append([a, b])
    return [[int(times[a]), int(times[b])] for a, b in out]


def main():
    data, series_file, start, end, step, out_path = sys.argv[1:7]
    start, end, step = int(start), int(end), int(step)
    wanted = [s.strip() for s in open(series_file) if s.strip()]
    t_load = time.time()
    df = pd.read_parquet(data)
    df = df[df["series"].isin(wanted)]
    if "instance" in df.columns:
        # One series per metric: the mean across instances, as a notebook would plot it.
        df = df.groupby(["series", "timestamp"], as_index=False)["value"].mean()
    load_s = time.time() - t_load
    results = {}
    fit_total = 0.0
    for key, g in df.groupby("series"):
        t0 = time.time()
        s = pd.Series(g["value"].to_numpy(dtype=float), index=(g["timestamp"].to_numpy() // 1000).astype(np.int64))
        s = s[~s.index.duplicated()].sort_index()
        first = int(s.index.min())
        idx = np.arange(first - (first - start) % step, end, step)
        y = s.reindex(idx).replace([np.inf, -np.inf], np.nan).interpolate(limit_direction="both")
        if y.isna().all():
            continue
        periods = tuple(p for p in (86400 // step, 7 * 86400 // step) if 2 * p < len(y))
        resid = MSTL(y.to_numpy(), periods=periods).fit().resid
        mad = np.median(np.abs(resid - np.median(resid)))
        sigma = 1.4826 * mad if mad > 0 else np.std(resid) or 1.0
        z = np.abs(resid) / sigma
        in_review = (idx >= start) & (idx < end)
        zr, tr = z[in_review], idx[in_review]
        results[key] = {str(k): episodes(zr > k, tr) for k in KS}
        fit_total += time.time() - t0
    json.dump({"load_seconds": load_s, "fit_seconds": fit_total, "series": results, "ks": KS}, open(out_path, "w"))


if __name__ == "__main__":
    main()
