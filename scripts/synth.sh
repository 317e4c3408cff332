#!/usr/bin/env bash
# `cdk synth` into cdk.out without ever losing a good one:
#
#   scripts/synth.sh [CDK SYNTH ARGUMENTS...]
#
# The app is synthesized into a new folder (cdk.out.tmp.*); only when that succeeds does it
# replace cdk.out (two renames), so a configuration error or an interrupted synth leaves the
# last good cdk.out as it was. A lock (flock on cdk.out.lock) makes a second synth wait for the
# first rather than delete the output being written under it.
set -euo pipefail
exec 9>cdk.out.lock
flock 9
# Under the lock no other synth runs: these are leftovers of killed ones.
rm -rf cdk.out.tmp.* cdk.out.old.*
output=$(mktemp -d cdk.out.tmp.XXXXXX)
trap 'rm -rf "$output"' EXIT
cdk synth --quiet --no-notices --output "$output" "$@"
if [ -e cdk.out ]; then
  mv cdk.out "cdk.out.old.$$"
fi
mv "$output" cdk.out
rm -rf "cdk.out.old.$$"
