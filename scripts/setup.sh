#!/usr/bin/env bash
# Installs every Debian package cimsim needs to build, test and benchmark.
# Safe to run again: apt-get skips what is already installed.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build git pkg-config
  libboost-dev libboost-graph-dev libtbb-dev libhdf5-dev hdf5-tools zlib1g-dev
  librandom123-dev libtomlplusplus-dev libcsv-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  openmpi-bin libopenmpi-dev time
  python3 python3-xarray python3-netcdf4 python3-h5py python3-numpy python3-pandas
  nodejs chromium python3-matplotlib r-base-core r-cran-hdf5r
)
# npm comes with some builds of nodejs (e.g. NodeSource's, which conflict with Debian's npm);
# Debian's own nodejs needs Debian's npm package.
command -v npm >/dev/null || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The charting libraries of `cimsim report` (Vega, Vega-Lite, vega-embed), pinned by
# analysis/report/package-lock.json; CMake embeds them into the binary at build time.
report_dir="$(cd "$(dirname "$0")/.." && pwd)/analysis/report"
if [ ! -f "$report_dir/node_modules/.package-lock.json" ] || \
   [ "$report_dir/package-lock.json" -nt "$report_dir/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in analysis/report"
  (cd "$report_dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
else
  echo "setup: analysis/report/node_modules is up to date"
fi
