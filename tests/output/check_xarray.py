#!/usr/bin/python3
"""Checks that a cimsim output file opens in xarray as a netCDF-4 dataset.

Usage: /usr/bin/python3 check_xarray.py FILE.h5 [--expect-scenarios a,b] [--expect-replicates N]
                                          [--expect-analysis compare]

Exits 0 and prints a short summary when the file is fine; otherwise prints what is wrong
to stderr and exits 1 (2 when xarray or netCDF4 cannot be imported).
"""
import argparse
import json
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--expect-scenarios", help="comma-separated scenario names, in order")
    parser.add_argument("--expect-replicates", type=int, help="size of the realization dimension")
    parser.add_argument("--expect-analysis", action="append", default=[],
                        help="a group /analysis/NAME with a JSON string variable 'json' (repeatable)")
    parser.add_argument("--expect-parameter", action="append", default=[],
                        help="KEY=VALUE@SCENARIO: ds.parameter_value.sel(parameter=KEY, scenario=SCENARIO) == VALUE")
    args = parser.parse_args()

    try:
        import netCDF4
        import numpy as np
        import xarray as xr
    except ImportError as e:
        print(f"check_xarray: cannot import {e.name}: run scripts/setup.sh "
              f"(needs python3-xarray, python3-netcdf4)", file=sys.stderr)
        return 2

    problems = []

    def problem(msg):
        problems.append(msg)

    # netCDF-C's own view: dimensions and each variable's dimensions.
    try:
        with netCDF4.Dataset(args.file, "r") as nc:
            nc_dims = {name: len(d) for name, d in nc.dimensions.items()}
            for name, var in nc.variables.items():
                for d in var.dimensions:
                    if d.startswith("phony_dim"):
                        problem(f"variable {name!r} has the unnamed dimension {d!r}")
    except Exception as e:  # noqa: BLE001 - report anything netCDF-C refuses
        print(f"check_xarray: {args.file}: netCDF4 cannot open it: {e}", file=sys.stderr)
        return 1
    for d in nc_dims:
        if d.startswith("phony_dim"):
            problem(f"netCDF sees an unnamed dimension {d!r}")

    try:
        ds = xr.open_dataset(args.file, engine="netcdf4")
    except Exception as e:  # noqa: BLE001
        print(f"check_xarray: {args.file}: xarray cannot open it: {e}", file=sys.stderr)
        return 1

    with ds:
        for d in ("scenario", "realization", "time"):
            if d not in ds.dims:
                problem(f"missing dimension {d!r}")
        for d in ds.dims:
            if str(d).startswith("phony_dim"):
                problem(f"unnamed dimension {d!r}")

        def is_strings(name):
            values = ds[name].values
            return values.dtype.kind in ("U", "O") and all(isinstance(v, str) for v in values.ravel())

        for c in ("scenario", "sector", "pillar"):
            if c in ds.dims:
                if c not in ds.coords:
                    problem(f"dimension {c!r} has no coordinate variable")
                elif not is_strings(c):
                    problem(f"coordinate {c!r} is not strings (dtype {ds[c].dtype})")

        if "realization" in ds.coords:
            r = ds["realization"]
            if r.attrs.get("standard_name") != "realization":
                problem("realization has no standard_name 'realization'")
            if r.dtype.kind not in ("i", "u"):
                problem(f"realization is not integer (dtype {r.dtype})")
            elif not np.array_equal(r.values, np.arange(r.size)):
                problem("realization is not 0..N-1")
        elif "realization" in ds.dims:
            problem("dimension 'realization' has no coordinate variable")

        if "time" in ds.coords:
            t = ds["time"]
            if t.dtype.kind != "f":
                problem(f"time was decoded or is not floating point (dtype {t.dtype})")
            if t.attrs.get("units") != "month":
                problem(f"time units are {t.attrs.get('units')!r}, expected 'month'")
        elif "time" in ds.dims:
            problem("dimension 'time' has no coordinate variable")

        for name in list(ds.data_vars) + list(ds.coords):
            attrs = ds[name].attrs
            for a in ("long_name", "units"):
                if not isinstance(attrs.get(a), str):
                    problem(f"variable {name!r} has no {a}")

        if "status" in ds.data_vars:
            s = ds["status"]
            if list(np.asarray(s.attrs.get("flag_values", [])).tolist()) != [0, 1, 2]:
                problem("status flag_values are not [0, 1, 2]")
            if s.attrs.get("flag_meanings") != "not_run ok failed":
                problem("status flag_meanings are not 'not_run ok failed'")
            if s.dtype.kind not in ("i", "u"):
                problem(f"status was masked or is not integer (dtype {s.dtype})")

        if args.expect_scenarios is not None:
            want = [x for x in args.expect_scenarios.split(",")]
            got = [str(x) for x in ds["scenario"].values] if "scenario" in ds.coords else None
            if got != want:
                problem(f"scenarios are {got}, expected {want}")
        if args.expect_replicates is not None:
            got = ds.sizes.get("realization")
            if got != args.expect_replicates:
                problem(f"realization has size {got}, expected {args.expect_replicates}")

        # Every parameter of every scenario as a variable over (scenario, parameter).
        if "parameter_value" in ds.data_vars:
            pv = ds["parameter_value"]
            if pv.dims != ("scenario", "parameter"):
                problem(f"parameter_value has dimensions {pv.dims}, expected ('scenario', 'parameter')")
            elif bool(pv.isnull().any()):
                problem("parameter_value has missing values")
            if "parameter_unit" not in ds or ds["parameter_unit"].dims != ("parameter",):
                problem("parameter_unit(parameter) is missing")
        elif args.expect_parameter:
            problem("no variable parameter_value")
        for spec in args.expect_parameter:
            key, rest = spec.split("=", 1)
            value, scenario = rest.split("@", 1)
            try:
                got = float(ds.parameter_value.sel(parameter=key, scenario=scenario))
            except Exception as e:  # noqa: BLE001
                problem(f"ds.parameter_value.sel(parameter={key!r}, scenario={scenario!r}) fails: {e}")
                continue
            if got != float(value):
                problem(f"parameter {key} of {scenario} is {got}, expected {value}")

        for name in args.expect_analysis:
            try:
                with xr.open_dataset(args.file, engine="netcdf4", group=f"analysis/{name}") as g:
                    result = json.loads(str(g["json"].values.item()))
                    if not isinstance(result, dict) or "file" not in result:
                        problem(f"analysis/{name}/json is not a cimsim analysis result")
            except Exception as e:  # noqa: BLE001
                problem(f"cannot read group analysis/{name}: {e}")

        if problems:
            for p in problems:
                print(f"check_xarray: {args.file}: {p}", file=sys.stderr)
            return 1

        print(f"{args.file}: OK")
        print("  dims: " + ", ".join(f"{d}={n}" for d, n in ds.sizes.items()))
        for name in ds.data_vars:
            v = ds[name]
            print(f"  {name}({', '.join(map(str, v.dims))}) {v.dtype}: {v.attrs.get('long_name')} [{v.attrs.get('units')}]")
        for key in ("complete", "runs_completed", "runs_total"):
            if key in ds.attrs:
                print(f"  {key} = {ds.attrs[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
