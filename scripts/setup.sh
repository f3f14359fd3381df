#!/usr/bin/env bash
# Set up everything the project needs on a fresh Debian machine with Python 3.11:
#   a virtual environment (.venv) with pinned packages (requirements.txt) and the
#   project installed editable, the Jupyter kernel `zhenxing`, and — only when
#   missing — Debian's CJK fonts (fonts-noto-cjk: Noto Serif/Sans CJK SC, embedded
#   into PDFs and charts).
#   With --test it also installs what the tests use: poppler-utils (pdftotext,
#   pdffonts, pdftoppm) and chromium (accessibility checks with axe-core).
#   With --lab it also installs JupyterLab (requirements-lab.txt).
# Safe to run again: it checks first and prints nothing when everything is in place.
# Without root and without sudo it cannot install Debian packages: it prints the one
# command to run and carries on with what it can do (Python packages, the kernel).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
want_test=0
want_lab=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --lab) want_lab=1 ;;
    *) echo "setup.sh: unknown option $arg (accepted: --test, --lab)" >&2; exit 2 ;;
  esac
done

# --- Debian packages, only those missing -------------------------------------
# Each check captures its command's output into a variable first: a pipe into
# `grep -q` under pipefail fails whenever grep exits before the writer (SIGPIPE).
have_font() {
  local families
  families=$(fc-list : family 2>/dev/null || true)
  [[ "$families" == *"Noto Serif CJK SC"* && "$families" == *"Noto Sans CJK SC"* ]]
}
have_cmd() { command -v "$1" >/dev/null 2>&1; }

apt_pkgs=()
font_missing=0
if ! have_font; then apt_pkgs+=(fonts-noto-cjk); font_missing=1; fi
if [ $want_test = 1 ]; then
  have_cmd pdftotext || apt_pkgs+=(poppler-utils)
  have_cmd chromium || [ -x /usr/bin/chromium ] || apt_pkgs+=(chromium)
fi
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  SUDO=""
  can_install=1
  if [ "$(id -u)" != 0 ]; then
    if have_cmd sudo && sudo -n true 2>/dev/null; then SUDO="sudo -n"
    elif have_cmd sudo && [ -t 0 ]; then SUDO=sudo          # a terminal: sudo may ask for the password
    else can_install=0
    fi
  fi
  if ! have_cmd apt-get; then can_install=0; fi
  if [ $can_install = 1 ]; then
    echo "==> installing Debian packages (missing on this machine): ${apt_pkgs[*]}"
    if $SUDO apt-get update -qq \
       && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >/dev/null; then
      have_font && font_missing=0
    else
      echo "!! could not install ${apt_pkgs[*]}; continuing without them" >&2
    fi
  else
    echo "!! missing Debian packages: ${apt_pkgs[*]} — this user cannot install them (no root, no sudo)." >&2
    echo "   Ask an administrator to run:  apt-get install -y --no-install-recommends ${apt_pkgs[*]}" >&2
  fi
  if [ $font_missing = 1 ]; then
    echo "!! the CJK font (Noto Serif/Sans CJK SC) is missing: PDF rendering will fail (HTML and DOCX still work:" >&2
    echo "   zhenxing run --formats html,docx). Set-up continues." >&2
  fi
fi

# --- Python: .venv, pinned packages, the project editable --------------------
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
# JupyterLab, for `make lab` only
if [ $want_lab = 1 ]; then
  lab_stamp=.venv/.zhenxing-lab-installed
  lab_sum=$(sha256sum requirements-lab.txt | cut -c1-16)
  if [ ! -f $lab_stamp ] || [ "$(cat $lab_stamp)" != "$lab_sum" ] || [ ! -x .venv/bin/jupyter-lab ]; then
    echo "==> installing JupyterLab (requirements-lab.txt)"
    .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-lab.txt
    echo "$lab_sum" > $lab_stamp
  fi
fi
