#!/usr/bin/python3
"""Writes a small sweep file with the layout of contract A (docs: README "Sensitivity analysis"),
for testing `cimsim sensitivity` without running the model.

usage: make_sweep_fixture.py OUT.h5 DESIGN POINTS.csv FUNCTION [SALTELLI_N]
  POINTS.csv: one row per sweep point, first line the parameter keys.
  FUNCTION: ishigami (3 parameters, a=7, b=0.1) or linear (y = sum_j (j+1) * x_j).
Two realizations per point, both with the function's value, except that the second run of
the first point failed (status 2, value missing). A "baseline" scenario that is not a sweep
point follows the sweep points (scenario_parameter NaN)."""
import sys

import h5py
import numpy as np

out, design, points_csv, function = sys.argv[1:5]
saltelli_n = sys.argv[5] if len(sys.argv) > 5 else None
with open(points_csv) as f:
    keys = f.readline().strip().split(",")
x = np.loadtxt(points_csv, delimiter=",", skiprows=1, ndmin=2)
if function == "ishigami":
    y = np.sin(x[:, 0]) + 7.0 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
else:
    y = sum((j + 1) * x[:, j] for j in range(x.shape[1]))
n_points, k = x.shape
S, R, T = n_points + 1, 2, 13
names = [f"sweep-{i:05d}" for i in range(n_points)] + ["baseline"]
param = np.vstack([x, np.full((1, k), np.nan)])
final = np.repeat(np.append(y, 0.5)[:, None], R, axis=1)
status = np.ones((S, R), dtype=np.int8)
status[0, 1] = 2
final[0, 1] = np.nan
outcome = np.repeat(final[:, :, None], T, axis=2) * np.linspace(0, 1, T)

s = h5py.string_dtype()
with h5py.File(out, "w") as f:
    f.attrs["design"] = design
    if saltelli_n is not None:
        f.attrs["saltelli_n"] = saltelli_n
    f["scenario"] = np.array(names, dtype=object).astype(s)
    f["realization"] = np.arange(R, dtype=np.int32)
    f["time"] = np.arange(T, dtype=np.float64)
    f["swept_parameter"] = np.array(keys, dtype=object).astype(s)
    f["scenario_parameter"] = param
    f["status"] = status
    f["seed"] = np.repeat(np.arange(1, R + 1, dtype=np.uint64)[None, :], S, axis=0)
    f["final_outcome"] = final
    f["outcome"] = outcome
