#!/usr/bin/python3
"""Checks a `cimsim export` table against the HDF5 file it came from, reading the table with pandas.

Usage: /usr/bin/python3 check_export.py FILE.h5 TABLE.csv[.gz] --per month|run [--param KEY]

Every run of the file must have its rows (per month: one per recorded month; runs not ok: one row
with empty values), every time series value must equal the file's (per-sector series as
<name>_<sector> columns), numeric columns must be numeric, and each --param must be a column
holding the sweep point's value. Prints what it checked; exits 1 on the first mismatch.
"""
import argparse
import sys

import h5py
import numpy as np
import pandas as pd


def fail(msg):
    print(f"check_export: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("table")
    p.add_argument("--per", default="month")
    p.add_argument("--param", action="append", default=[])
    a = p.parse_args()

    # round_trip: pandas' default fast parser may be off in the last bit; the table holds exact values.
    df = pd.read_csv(a.table, float_precision="round_trip")
    with h5py.File(a.file, "r") as h:
        scen = [s.decode() if isinstance(s, bytes) else s for s in h["scenario"][:]]
        R = h["realization"].shape[0]
        months = h["time"][:]
        status = h["status"][:]
        seeds = h["seed"][:]
        outcome = h["outcome"][:]
        active = h["active_share"][:]
        sectors = [s.decode() if isinstance(s, bytes) else s for s in h["sector"][:]]
        final = h["final_outcome"][:]
        swept = None
        for name in ("swept_parameter", "parameter"):
            if name in h and "scenario_parameter" in h:
                swept = ([s.decode() if isinstance(s, bytes) else s for s in h[name][:]], h["scenario_parameter"][:])
                break

    for col in ("scenario", "replicate", "seed", "status"):
        if col not in df.columns:
            fail(f"column {col!r} missing (columns: {list(df.columns)})")
    for col in df.columns:
        if col not in ("scenario", "status") and df[col].dtype.kind not in "iufc":
            fail(f"column {col!r} is not numeric in pandas (dtype {df[col].dtype})")
    if set(df.scenario) != set(scen):
        fail(f"scenarios {sorted(set(df.scenario))} != file's {sorted(scen)}")
    names = {0: "not_run", 1: "ok", 2: "failed"}
    expected_rows = 0
    checked = 0
    for s, name in enumerate(scen):
        for r in range(R):
            rows = df[(df.scenario == name) & (df.replicate == r)]
            if len(rows) == 0:
                fail(f"no rows for {name} replicate {r}")
            if set(rows.status) != {names[int(status[s, r])]}:
                fail(f"{name}/{r}: status {set(rows.status)} != {names[int(status[s, r])]}")
            if int(rows.seed.iloc[0]) != int(seeds[s, r]):
                fail(f"{name}/{r}: seed {rows.seed.iloc[0]} != {seeds[s, r]}")
            for k, key in enumerate(a.param):
                if key not in df.columns:
                    fail(f"no column for the swept parameter {key!r}")
                want = swept[1][s, swept[0].index(key)]
                if not np.allclose(rows[key].to_numpy(dtype=float), want, equal_nan=True):
                    fail(f"{name}/{r}: {key} {rows[key].iloc[0]} != {want}")
            ok = status[s, r] == 1
            n = int(np.sum(~np.isnan(outcome[s, r]))) if ok else 1
            if a.per == "run":
                n = 1
            expected_rows += n
            if len(rows) != n:
                fail(f"{name}/{r}: {len(rows)} rows, expected {n}")
            if not ok:
                if rows.drop(columns=["scenario", "replicate", "seed", "status"] + a.param).notna().any().any():
                    fail(f"{name}/{r}: a run that is not ok has values")
                continue
            if a.per == "month":
                if not np.array_equal(rows.month.to_numpy(), months[:n]):
                    fail(f"{name}/{r}: months differ")
                if not np.array_equal(rows.outcome.to_numpy(), outcome[s, r, :n]):
                    fail(f"{name}/{r}: outcome differs from the file")
                for j, sec in enumerate(sectors):
                    if not np.array_equal(rows[f"active_share_{sec}"].to_numpy(), active[s, r, :n, j]):
                        fail(f"{name}/{r}: active_share_{sec} differs from the file")
            else:
                if rows.final_outcome.iloc[0] != final[s, r] or rows.outcome_end.iloc[0] != final[s, r]:
                    fail(f"{name}/{r}: final_outcome/outcome_end {rows.final_outcome.iloc[0]} != {final[s, r]}")
            checked += 1
    if len(df) != expected_rows:
        fail(f"{len(df)} rows, expected {expected_rows}")
    print(f"check_export: {a.table}: {len(df)} rows x {len(df.columns)} columns read by pandas {pd.__version__}; "
          f"{checked} runs match {a.file} exactly")


if __name__ == "__main__":
    main()
