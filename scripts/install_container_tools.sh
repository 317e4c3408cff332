#!/usr/bin/env bash
# Installs what `lambda-images` needs to build and run images without a Docker daemon:
# Debian's podman, buildah, runc and debootstrap, and netavark with iptables, which give each
# container a network of its own (Debian only recommends them with podman, and an apt set not
# to install recommendations leaves them out). Skips what is there; never fails the build:
# without them the image tests skip and say why.
set -u
missing=()
for tool in podman buildah runc debootstrap iptables; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
[ -x /usr/lib/podman/netavark ] || missing+=(netavark)
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
