#!/usr/bin/env bash
# Set up everything the project needs on a fresh Debian machine with Python 3.11:
#   a virtual environment (.venv) with pinned packages (requirements.txt) and the
#   project installed editable, and — only when missing — Debian's CJK fonts
#   (fonts-noto-cjk: Noto Serif/Sans CJK SC, embedded into PDFs and charts).
#   With --test it also installs what the tests use: poppler-utils (pdftotext,
#   pdffonts, pdftoppm) and chromium (accessibility checks with axe-core).
# Safe to run again: it skips what is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_pkgs=()
if ! fc-list 2>/dev/null | grep -q "Noto Serif CJK SC"; then apt_pkgs+=(fonts-noto-cjk); fi
if [ $want_test = 1 ]; then
  command -v pdftotext >/dev/null || apt_pkgs+=(poppler-utils)
  command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || apt_pkgs+=(chromium)
fi
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  echo "==> installing Debian packages (missing on this machine): ${apt_pkgs[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  $PY -m venv .venv
fi
stamp=.venv/.zhenxing-installed
sum=$(cat requirements.txt pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f $stamp ] || [ "$(cat $stamp)" != "$sum" ]; then
  echo "==> installing pinned Python packages"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
  echo "$sum" > $stamp
fi
# the Jupyter kernel the notebooks name (papermill, nbval and JupyterLab use it)
if [ ! -d .venv/share/jupyter/kernels/zhenxing ]; then
  .venv/bin/python -m ipykernel install --sys-prefix --name zhenxing --display-name "zhenxing (Python 3)" >/dev/null
fi
