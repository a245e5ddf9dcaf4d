#!/usr/bin/python3
"""Fan chart of one variable from a cimsim output file, with xarray and matplotlib.

Usage: /usr/bin/python3 analysis/python/fan_chart.py FILE.h5 [-s SCENARIO ...] [-v VARIABLE]
                                                    [--sector citizen] [-o fan_chart.png]

Opens the file as a netCDF-4 dataset, keeps the scenarios asked for (default: all), drops the
runs that did not complete, and draws per scenario the median over realizations with the 50%
and 90% bands over time. Needs Debian's python3-xarray, python3-netcdf4 and python3-matplotlib
(scripts/setup.sh installs them; use /usr/bin/python3, not a virtual environment without them).
"""
import argparse

import matplotlib

matplotlib.use("Agg")  # write files; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import xarray as xr  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("-s", "--scenario", nargs="+", help="scenarios to show (default: all)")
    parser.add_argument("-v", "--variable", default="outcome", help="a series with a time axis (default: outcome)")
    parser.add_argument("--sector", default="citizen", help="sector, for per-sector series such as active_share")
    parser.add_argument("-o", "--out", default="fan_chart.png")
    args = parser.parse_args()

    ds = xr.open_dataset(args.file)  # netCDF-4: dims scenario, realization, time (months), sector, ...
    if args.scenario:
        ds = ds.sel(scenario=args.scenario)
    da = ds[args.variable]
    if "sector" in da.dims:
        da = da.sel(sector=args.sector)
    da = da.where(ds["status"] == 1)  # only runs that completed (flag_meanings: not_run ok failed)

    q = da.quantile([0.05, 0.25, 0.5, 0.75, 0.95], dim="realization")
    years = ds["time"] / 12.0
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for i, name in enumerate(q["scenario"].values):
        qs = q.sel(scenario=name)
        colour = f"C{i}"
        ax.fill_between(years, qs.sel(quantile=0.05), qs.sel(quantile=0.95), color=colour, alpha=0.15, linewidth=0)
        ax.fill_between(years, qs.sel(quantile=0.25), qs.sel(quantile=0.75), color=colour, alpha=0.3, linewidth=0)
        ax.plot(years, qs.sel(quantile=0.5), color=colour, label=str(name))
    label = da.attrs.get("long_name", args.variable)
    if "sector" in ds[args.variable].dims:
        label += f" ({args.sector})"
    ax.set_title(f"{label}: median, 50% and 90% of runs")
    ax.set_xlabel("years since the start")
    ax.set_ylabel(f"{args.variable} ({da.attrs.get('units', '')})")
    ax.legend(title="scenario")
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
