#!/usr/bin/env bash
# Rebuild the demo repository (repo/) from specs/ with rpmbuild and
# createrepo_c. Deterministic: the same rpm/createrepo_c versions give
# byte-identical RPMs and repodata (fixed SOURCE_DATE_EPOCH, build host,
# clamped mtimes, fixed repo revision and timestamps). Needs no root.
#   usage: examples/demo/build.sh [OUTDIR]   (default: examples/demo/repo)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/repo}"
for tool in rpmbuild createrepo_c; do
  command -v "$tool" >/dev/null || { echo "build.sh: needs $tool (apt-get install rpm createrepo-c)" >&2; exit 1; }
done

export SOURCE_DATE_EPOCH=1700000000
export TZ=UTC LC_ALL=C
umask 022
top="$(mktemp -d)"
trap 'rm -rf "$top"' EXIT

defs=(
  --define "_topdir $top"
  --define "_buildhost rpmkit-demo.example"
  --define "use_source_date_epoch_as_buildtime 1"
  --define "clamp_mtime_to_source_date_epoch 1"
  --define "_build_id_links none"
  --define "_binary_payload w19.zstdio"
  --define "_rpmfilename %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm"
  --define "packager rpmkit demo <demo@example.org>"
  --define "vendor rpmkit"
  --define "distribution rpmkit demo"
  --define "__os_install_post %{nil}"
)

build() { # spec [extra rpmbuild args...]
  local spec="$1"; shift
  rpmbuild -bb --quiet "${defs[@]}" "$@" "$here/specs/$spec" >/dev/null
}
build demo-base.spec
build demo-lib.spec --define "libver 1.0"
build demo-lib.spec --define "libver 1.2"
build demo-hello.spec
build demo-data.spec

rm -rf "$out"
mkdir -p "$out"
cp "$top"/RPMS/*.rpm "$out"/
touch -d "@$SOURCE_DATE_EPOCH" "$out"/*.rpm
createrepo_c --quiet --no-database --general-compress-type gz --checksum sha256 \
  --revision "$SOURCE_DATE_EPOCH" --set-timestamp-to-revision "$out" >/dev/null
ls -l "$out" "$out/repodata" >&2
