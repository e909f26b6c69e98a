#!/usr/bin/env bash
# The Debian packages vcskill needs besides its Python dependencies: a CJK font for the
# printable certificates (vcskill certificate, issue-batch --pdf) and Chromium with its driver
# for the browser tests of the verification page. Installs what is missing when run as root
# with apt-get; otherwise prints the command to run and fails.
set -euo pipefail

packages=(fonts-noto-cjk chromium chromium-driver)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "vcskill needs these Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
