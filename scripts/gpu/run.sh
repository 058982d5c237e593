#!/usr/bin/env bash
# On the GPU machine, in the repository root of a device call that carried .carry/gpu/runner and
# one or more .carry/gpu/bundle.part-* (the parts arrive over several calls: each call stores its
# parts in /tmp/sgp-gpu, which lasts while the machine stays warm). Once every part is there (and
# matches runner/parts.sha256) it unpacks the bundle, installs the GL/Vulkan loaders, serves the
# site, runs the page in Chromium's headless shell on the NVIDIA adapter, then the Python anchors,
# and writes $OUT/gpu-results.json (page.json + anchors.json + ratios; chrome.log beside them).
#   Q='sections=…&tokens=…'  page query (default: every section)
#   ANCHORS=0                skip the anchors;  PAGE=0  skip the page
#   PAGE_TIMEOUT=420         seconds the page may run
#   GL_LOADERS=0             leave the system's loaders alone (local dry run: S=/tmp/x OUT=/tmp/x/out)
set -u
R=$(cd "$(dirname "$0")" && pwd); B=$(dirname "$R"); S=${S:-/tmp/sgp-gpu}; OUT=${OUT:-$S/out}
mkdir -p $S/parts "$OUT"
cp "$B"/bundle.part-* $S/parts/ 2>/dev/null
missing=$(cd $S/parts && while read -r sum name; do echo "$sum  $name" | sha256sum -c --status 2>/dev/null || echo "$name"; done < "$R/parts.sha256")
if [ -n "$missing" ]; then echo "stored $(ls $S/parts | tr '\n' ' '); still missing: $missing"; exit 0; fi
if [ ! -f $S/tree/.unpacked ] || [ "$(cat $S/tree/.unpacked)" != "$(sha256sum < "$R/parts.sha256")" ]; then
  rm -rf $S/tree && mkdir -p $S/tree
  cat $S/parts/bundle.part-* | xz -d -T0 | tar -C $S/tree -xf - || { echo "unpacking the bundle failed"; exit 1; }
  sha256sum < "$R/parts.sha256" > $S/tree/.unpacked
fi
# GL_LOADERS=0: a local dry run on SwiftShader, where the system's own loaders must stay
[ "${GL_LOADERS:-1}" = 1 ] && { for f in $S/tree/gl/*.deb; do dpkg -x "$f" /; done; ldconfig; }
# keep only the libraries this system lacks: the system's own are newer and match its driver
for f in $S/tree/chrome/lib/*; do n=$(basename "$f"); ldconfig -p | grep -q " $n " && rm -f "$f"; done
echo "bundled libraries used: $(ls $S/tree/chrome/lib | tr '\n' ' ')"
export LD_LIBRARY_PATH=$S/tree/chrome/lib:$S/tree/chrome
# without this override Dawn finds only SwiftShader (the driver's ICD file is not where the loader looks)
N=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; [ ! -f /usr/share/vulkan/icd.d/nvidia_icd.json ] && [ -f $N ] && export VK_DRIVER_FILES=$N
[ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$OUT/nvidia-smi.txt" 2>&1

if [ "${PAGE:-1}" = 1 ]; then
  rm -f "$OUT/page.json"
  mkdir -p $S/tree/site/gpu && cp "$R/page/gpu.html" $S/tree/site/ && cp "$R/page/driver.js" "$R/page/gpu-goldens.json" $S/tree/site/gpu/
  python3 "$R/serve.py" $S/tree/site 8765 "$OUT" & SP=$!
  # Chromium shows an error page, and never retries, if the server is not listening yet
  for _ in $(seq 100); do python3 -c 'import urllib.request as u; u.urlopen("http://127.0.0.1:8765/gpu.html")' 2>/dev/null && break; sleep 0.1; done
  # flags from the recipe: ANGLE on EGL (the driver has no VK_KHR_surface), WebGPU's Dawn on Vulkan
  $S/tree/chrome/chromium-headless-shell --no-sandbox --disable-gpu-sandbox --enable-unsafe-webgpu --ignore-gpu-blocklist \
    --enable-features=Vulkan --use-gl=angle --use-angle=gl-egl --disable-vulkan-surface ${CHROME_FLAGS:-} \
    --user-data-dir=$S/profile --remote-debugging-port=0 "http://127.0.0.1:8765/gpu.html?${Q:-}" > "$OUT/chrome.log" 2>&1 & CP=$!
  ( sleep "${PAGE_TIMEOUT:-420}"; echo "page timed out after ${PAGE_TIMEOUT:-420} s" >> "$OUT/chrome.log"; kill $SP 2>/dev/null ) & TP=$!
  wait $SP; kill $CP $TP 2>/dev/null; wait $CP 2>/dev/null
  grep -iE "error|fail|vulkan|webgpu" "$OUT/chrome.log" | head -20
fi
if [ "${ANCHORS:-1}" = 1 ]; then
  PYTHONUNBUFFERED=1 python3 "$R/anchors.py" --site $S/tree/site > "$OUT/anchors.json"
fi
python3 "$R/merge.py" "$OUT" > "$OUT/gpu-results.json" && python3 "$R/merge.py" "$OUT" --table
