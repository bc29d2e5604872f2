#!/usr/bin/env bash
# Installs the few system commands the scripts use (curl, openssl) from Debian when missing.
# Go and Node.js are expected on the machine (see README).
set -euo pipefail
for c in go node npm; do command -v "$c" >/dev/null || { echo "[deps] $c is required but not installed" >&2; exit 1; }; done
missing=()
for c in curl openssl setsid base64; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
[ ${#missing[@]} -eq 0 ] && exit 0
pkgs=()
for c in "${missing[@]}"; do
  case $c in curl) pkgs+=(curl) ;; openssl) pkgs+=(openssl) ;; setsid|base64) pkgs+=(util-linux coreutils) ;; esac
done
echo "[deps] installing ${pkgs[*]} for: ${missing[*]}" >&2
if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "${pkgs[@]}" >&2
else sudo apt-get update -qq && sudo apt-get install -y -qq "${pkgs[@]}" >&2; fi
