#!/usr/bin/env bash
# npm run bench:gpu:pack — builds the bundle the GPU machine needs, in ignored paths:
#   .cache/gpu-pack/  work folder (site, browser, loaders; the Debian packages it downloads are kept)
#   .carry/gpu/       what travels: bundle.part-aa… (xz tar at level GPU_XZ_LEVEL, default 6; ≤ GPU_PART_MB each, default 50) + runner/
# The tar holds site/ (dist/ without pyodide-core),
# chrome/ (Debian's chromium-headless-shell + the files and shared libraries it needs beside it) and
# gl/ (the GL/Vulkan loader .debs). runner/ holds run.sh, serve.py, the anchors, the Python modules
# they import and page/ (gpu.html, its bundled driver and native onnxruntime's int8 logits). Needs: npm deps, apt-get (Debian/Ubuntu, amd64 lists), python3 with onnxruntime.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
W=.cache/gpu-pack; OUT=${GPU_CARRY_DIR:-.carry/gpu}; PART_MB=${GPU_PART_MB:-50}
mkdir -p $W/debs $W/gl
[ "${SKIP_BUILD:-}" = 1 ] || [ "${RUNNER_ONLY:-}" = 1 ] || npx vite build --logLevel warn

if [ "${RUNNER_ONLY:-}" != 1 ]; then  # RUNNER_ONLY=1: refresh runner/ only, keep the parts

echo "== site"
rm -rf $W/tree && mkdir -p $W/tree/site
tar -C dist --exclude=./pyodide-core -cf - . | tar -C $W/tree/site -xf -

echo "== browser"
# apt-get download writes into the current folder; an amd64 list is what the GPU machine runs
( cd $W/debs && ls chromium-headless-shell_*.deb >/dev/null 2>&1 || apt-get download chromium-headless-shell )
( cd $W/debs && ls chromium_*.deb >/dev/null 2>&1 || [ -d /usr/lib/chromium ] || apt-get download chromium )
rm -rf $W/x && mkdir -p $W/x && dpkg -x $W/debs/chromium-headless-shell_*.deb $W/x
# the probe's list: ICU data, V8 snapshots, paks, ANGLE's EGL/GLES, the Vulkan loader and SwiftShader
LIBDIR=/usr/lib/chromium
if [ ! -d $LIBDIR ]; then dpkg -x $W/debs/chromium_*.deb $W/x; LIBDIR=$W/x/usr/lib/chromium; fi
C=$W/tree/chrome && mkdir -p $C/lib $C/locales
cp $W/x/usr/lib/chromium/chromium-headless-shell $W/x/usr/lib/chromium/headless_*.pak $C/
for f in icudtl.dat resources.pak chrome_100_percent.pak v8_context_snapshot.bin snapshot_blob.bin libEGL.so libGLESv2.so libvulkan.so.1 libvk_swiftshader.so vk_swiftshader_icd.json; do
  cp $LIBDIR/$f $C/
done
cp $LIBDIR/locales/en-US.pak $C/locales/
# shared libraries the binaries load, less glibc's own; run.sh drops those the GPU machine already has
ldd $C/chromium-headless-shell $C/libEGL.so $C/libGLESv2.so | awk '/=> \//{print $3}' | sort -u \
  | grep -Ev '/(libc|libm|libdl|libpthread|librt|ld-linux[^/]*)\.so' | xargs -I{} cp -L {} $C/lib/

echo "== loaders"
( cd $W/gl && for p in libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2; do ls ${p}_*.deb >/dev/null 2>&1 || apt-get download $p; done )
mkdir -p $W/tree/gl && cp $W/gl/*.deb $W/tree/gl/

echo "== pack"
rm -rf $OUT && mkdir -p $OUT
tar -C $W/tree -cf - site chrome gl | xz -T0 -${GPU_XZ_LEVEL:-6} | split -b ${PART_MB}M -a 2 - $OUT/bundle.part-
( cd $OUT && sha256sum bundle.part-* > parts.sha256 )
fi

echo "== runner"
rm -rf $OUT/runner && mkdir -p $OUT/runner/training/policy $OUT/runner/training/common
cp $OUT/parts.sha256 $OUT/runner/
cp scripts/gpu/run.sh scripts/gpu/serve.py scripts/gpu/anchors.py scripts/gpu/merge.py $OUT/runner/
cp training/policy/*.py $OUT/runner/training/policy/
cp training/common/*.py $OUT/runner/training/common/
cp -r training/encoders $OUT/runner/training/encoders
rm -rf $OUT/runner/training/*/__pycache__
# the driver page travels with the runner (small), not in the parts: run.sh copies it into the site
mkdir -p $OUT/runner/page
node_modules/.bin/esbuild scripts/gpu/page/driver.ts --bundle --format=esm --target=es2022 --log-level=warning --outfile=$OUT/runner/page/driver.js
cp scripts/gpu/page/gpu.html $OUT/runner/page/
python3 scripts/gpu/int8_goldens.py public/models/sgp-tiny-policy $OUT/runner/page/gpu-goldens.json
du -b $OUT/bundle.part-* $OUT/runner | awk '{printf "%8.1f MB  %s\n", $1/1e6, $2}'
echo "carry, one call each, in order: $(cd $OUT && ls bundle.part-* | sed "s|^|$OUT/|" | tr '\n' ' ') (each with $OUT/runner)"
