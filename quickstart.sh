#!/usr/bin/env bash
# chipsim quick start for a fresh Debian 12 machine (run as root, or with sudo available).
#   ./quickstart.sh run    install what is missing, build, run the default scenario, print a summary
#   ./quickstart.sh test   install what is missing, build, run the whole test suite (CTest)
set -euo pipefail
cd "$(dirname "$0")"

what=${1:-run}
case "$what" in run|test) ;; *) echo "usage: $0 run|test" >&2; exit 2 ;; esac

# Everything comes from Debian's archive. Python packages are for /usr/bin/python3.
packages=(build-essential cmake git pkg-config
          libeigen3-dev libtbb-dev libnlopt-cxx-dev libhdf5-dev hdf5-tools libtomlplusplus-dev libcli11-dev
          catch2 librandom123-dev libboost-dev liblemon-dev openmpi-bin libopenmpi-dev
          python3 python3-numpy python3-h5py python3-xarray python3-netcdf4 python3-matplotlib python3-pandas netcdf-bin
          r-base-core chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "quickstart: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake --preset release
cmake --build --preset release

if [ "$what" = run ]; then
  ./build/release/experiments/chipsim run experiments/scenarios/history.toml -o history.h5
  echo "Open it:  /usr/bin/python3 -c \"import xarray as xr; print(xr.open_dataset('history.h5'))\""
else
  ctest --preset release
fi
