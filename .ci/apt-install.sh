#!/usr/bin/env bash
# Installs a Debian package unless a file it provides is already there: apt-install.sh FILE PACKAGE.
set -euo pipefail
file="$1"
package="$2"

if [ -e "$file" ]; then
  echo "apt-install: $package present ($file)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "$package"

if [ ! -e "$file" ]; then
  echo "apt-install: $package installed but $file is missing" >&2
  exit 1
fi
echo "apt-install: installed $package $(dpkg-query -W -f='${Version}' "$package")"
