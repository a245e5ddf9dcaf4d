#!/usr/bin/python3
"""A cimsim export table in pandas: medians over time and the paired difference from a baseline.

Usage: /usr/bin/python3 analysis/python/from_table.py TABLE.csv [--baseline baseline]
                                                      [-v outcome] [-o table_chart.png]

TABLE.csv is written by `cimsim export FILE.h5 -o TABLE.csv` (one row per scenario x replicate x
month; .csv.gz works as well). The script keeps the runs with status "ok", prints each scenario's
median of the variable at the last month, the mean difference from the baseline run with the same
seed (common random numbers make this pairing meaningful), and draws the medians over time.
Needs python3-pandas and python3-matplotlib (scripts/setup.sh installs them).
"""
import argparse

import matplotlib

matplotlib.use("Agg")  # write files; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table")
    parser.add_argument("--baseline", default="baseline")
    parser.add_argument("-v", "--variable", default="outcome", help="a column of the table (default: outcome)")
    parser.add_argument("-o", "--out", default="table_chart.png")
    args = parser.parse_args()

    df = pd.read_csv(args.table)
    print(f"read {len(df)} rows, {len(df.columns)} columns; scenarios: {', '.join(df.scenario.unique())}")
    df = df[df.status == "ok"]
    last = df[df.month == df.groupby(["scenario", "replicate"]).month.transform("max")]
    print(last.groupby("scenario", sort=False)[args.variable].median().rename(f"median {args.variable} at the end")
          .to_string())

    if args.baseline in set(df.scenario):
        wide = last.pivot(index="seed", columns="scenario", values=args.variable)  # one row per seed
        diff = wide.drop(columns=args.baseline).sub(wide[args.baseline], axis=0)
        print(f"\nmean difference from {args.baseline} at the end (runs paired by seed):")
        print(diff.mean().to_string())

    med = df.groupby(["scenario", "month"], sort=False)[args.variable].median().unstack("scenario")
    ax = (med.set_index(med.index / 12.0)).plot(figsize=(8, 4.5))
    ax.set_xlabel("years since the start")
    ax.set_ylabel(args.variable)
    ax.set_title(f"{args.variable}: median over runs")
    plt.tight_layout()
    plt.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
