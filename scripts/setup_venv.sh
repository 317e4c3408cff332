#!/usr/bin/env bash
# Makes a virtual environment whole, atomically and once at a time:
#
#   scripts/setup_venv.sh VENV PYTHON CHECKED... -- PIP_INSTALL_ARGUMENTS... [-- MORE...]
#
# (one `pip install` for each group of arguments after a --)
# VENV (e.g. .venv) is a symbolic link to a complete environment in VENV.d/. It is left alone
# when it was made from the same inputs (the CHECKED files and the interpreter's version) and
# scripts/check_venv.py finds it whole (pip imports, every pin installed, no recorded file
# missing). Otherwise a new environment is built in VENV.d/ and the link is switched to it in one
# rename, so an interrupted build never leaves a half-made VENV behind, and a broken or changed
# one is rebuilt rather than failing every later run. A lock (flock) makes a second set-up wait
# for the first, then find the environment ready.
set -euo pipefail
venv=$1 python=$2
shift 2
checked=()
while [ "$#" -gt 0 ] && [ "$1" != -- ]; do checked+=("$1"); shift; done
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$venv.d"
store=$(cd "$venv.d" && pwd)
exec 9>"$store/lock"
flock 9

requirement_files=()
for file in "${checked[@]}"; do
  case "$file" in requirements*.txt) requirement_files+=("$file") ;; esac
done
inputs=$({ "$python" --version 2>&1; cat "${checked[@]}"; echo "$*"; } | sha256sum | cut -c1-16)
whole() {
  [ -x "$1/bin/python" ] && [ "$(cat "$1/.inputs" 2>/dev/null)" = "$inputs" ] \
    && "$1/bin/python" "$here/check_venv.py" "${requirement_files[@]}"
}
if [ -e "$venv" ] && whole "$venv"; then
  exit 0
fi
if [ -e "$venv" ] || [ -L "$venv" ]; then
  echo "$venv is missing packages, broken or out of date: building it again"
fi

# Under the lock no other set-up is building, so whatever is in the store and not linked is
# the leftover of an interrupted one.
current=$(readlink "$venv" 2>/dev/null || true)
for old in "$store"/*/; do
  [ -d "$old" ] && [ "${old%/}" != "$current" ] && rm -rf "${old%/}"
done
new="$store/$inputs-$$"
"$python" -m venv "$new"
group=()
for argument in "$@" --; do
  if [ "$argument" = -- ]; then
    [ "${#group[@]}" -gt 0 ] && "$new/bin/python" -m pip install --quiet "${group[@]}"
    group=()
  else
    group+=("$argument")
  fi
done
echo "$inputs" > "$new/.inputs"
if ! whole "$new"; then
  echo "$new is not whole right after it was built"
  exit 1
fi
ln -sfn "$new" "$venv.link.$$"
if [ -d "$venv" ] && [ ! -L "$venv" ]; then
  # An environment from before this script (a real folder): set aside, then removed.
  mv "$venv" "$store/replaced-$$"
fi
mv -T "$venv.link.$$" "$venv"
rm -rf "$store/replaced-$$"
[ -n "$current" ] && [ "$current" != "$new" ] && rm -rf "$current"
exit 0
