#!/usr/bin/env bash
# Installs what `lambda-images` needs to build and run images without a Docker daemon:
# Debian's podman, buildah, runc and debootstrap. Skips what is there; never fails the build:
# without them the image tests skip and say why.
set -u
missing=()
for tool in podman buildah runc debootstrap; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "container tools missing (${missing[*]}) and apt-get is not usable here; image tests will skip"
  exit 0
fi
echo "installing ${missing[*]} from Debian's packages"
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/dev/null 2>&1; then
  echo "apt-get could not install ${missing[*]}; image tests will skip"
fi
exit 0
