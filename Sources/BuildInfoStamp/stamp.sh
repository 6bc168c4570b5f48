#!/bin/sh
# Writes BuildInfoGenerated.swift into $2: the version from $1/VERSION and the git commit of the
# checkout $1 ("-dirty" with uncommitted changes to tracked files, "unknown" outside git). The
# file is replaced only when its content changes, so an unchanged tree rebuilds nothing.
set -eu
root=$1
out=$2
mkdir -p "$out"
version=$(tr -d ' \n' < "$root/VERSION" 2>/dev/null || echo 0.0.0)
commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
tmp="$out/.BuildInfoGenerated.swift.tmp"
cat > "$tmp" <<SWIFT
// Generated at build time by Sources/BuildInfoStamp/stamp.sh; not committed.
extension BuildInfo {
    public static let version = "$version"
    public static let gitCommit = "$commit"
}
SWIFT
if cmp -s "$tmp" "$out/BuildInfoGenerated.swift"; then rm -f "$tmp"; else mv "$tmp" "$out/BuildInfoGenerated.swift"; fi
