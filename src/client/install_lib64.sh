#!/bin/sh
# Install step of libdaos (meson.add_install_script): applications find the
# client libraries in PREFIX/lib and in PREFIX/lib64 (daos-api-subset.md,
# "Packaging"). Meson installs them in libdir; this links each one (and its
# versioned names) into PREFIX/lib when libdir is elsewhere, and makes
# PREFIX/lib64 a symlink to lib unless it already exists.
# Usage: install_lib64.sh <libdir relative to the prefix>
set -eu
prefix="${MESON_INSTALL_DESTDIR_PREFIX:?run from meson install}"
libdir="$1"
mkdir -p "$prefix/lib"
if [ "$libdir" != "lib" ]; then
	for name in libdaos libdaos_common libcart libgurt; do
		for f in "$prefix/$libdir/$name".so*; do
			[ -e "$f" ] || continue
			ln -sfn "../$libdir/$(basename "$f")" "$prefix/lib/$(basename "$f")"
		done
	done
fi
if [ ! -e "$prefix/lib64" ] && [ ! -L "$prefix/lib64" ]; then
	ln -s lib "$prefix/lib64"
fi
