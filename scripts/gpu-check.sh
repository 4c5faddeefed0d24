#!/usr/bin/env bash
# GPU check: run once on a machine with an NVIDIA GPU, unattended, in under 8 minutes.
#   scripts/gpu-check.sh [OUT_DIR]        (or: dotnet cake --target=GpuCheck)
# 1. prints what it finds: nvidia-smi (GPU, driver, the driver's CUDA version) and the CUDA 13 / cuDNN 9 libraries
#    ONNX Runtime 1.31's CUDA provider loads (libcudart.so.13, libcublasLt.so.13, libcudnn.so.9), via ldconfig and a
#    search of the usual folders (pip's nvidia-* wheels included; folders found are added to LD_LIBRARY_PATH);
# 2. builds graft (Release; the default build references Microsoft.ML.OnnxRuntime.Gpu) unless it is already built;
# 3. runs `graft bench gpu`: ResNet18 and random-init NASNetLarge, fp32 and fp16 (graft backbone convert), on the CUDA
#    EP at batch 1/8/32 (images/s, GPU memory), the full precompute of synthetic photos, and CUDA features against
#    CPU features; writes ONE JSON summary, OUT_DIR/gpu-check.json (OUT_DIR: $1, else $OUT, else artifacts/gpu-check).
# Overrides (environment): GPU_CHECK_MODELS, GPU_CHECK_BATCH_SIZES, GPU_CHECK_IMAGES, GPU_CHECK_SECONDS, GPU_CHECK_DEVICE
# GPU_CHECK_DRY_RUN=1 (no GPU needed: everything on the CPU execution provider), GPU_CHECK_REBUILD=1, GPU_CHECK_GRAFT=DLL,
# GPU_CHECK_LIMIT_SECONDS (default 470, the whole script).
# Exit: 0 passed; 77 skipped (no NVIDIA GPU/driver: nothing to check here); 4 ran, but CUDA features differ from the
# CPU's beyond tolerance; 5 build failed (NuGet unreachable is said so); 6 a step timed out; other: graft's own code.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out_dir=${1:-${OUT:-artifacts/gpu-check}}
total_limit=${GPU_CHECK_LIMIT_SECONDS:-470}   # the whole script, build included
found=""   # what was found, also handed to graft for the JSON summary (GRAFT_GPU_CHECK_FOUND)
log() { printf '[gpu-check %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
note() { log "$*"; found="$found$*; "; }
step_timeout() { # SECONDS COMMAND...: run with a time limit; exit 6 when it is hit
  local limit=$1; shift
  timeout --kill-after=15 "$limit" "$@"; local rc=$?
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then log "timed out after ${limit}s: $*"; exit 6; fi
  return "$rc"
}

log "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-unknown OS}")"

# --- 1. the GPU and its libraries -------------------------------------------------------------------------------
gpu=yes
if command -v nvidia-smi >/dev/null 2>&1; then
  if ! smi=$(timeout 20 nvidia-smi 2>&1); then log "nvidia-smi is installed but fails: $(echo "$smi" | head -1)"; gpu=no; fi
  timeout 20 nvidia-smi --query-gpu=index,name,driver_version,memory.total,compute_cap --format=csv 2>/dev/null | sed 's/^/  /'
  echo "$smi" | grep -o 'CUDA Version: *[0-9.]*' | head -1 | sed 's/^/  driver supports /'
  found="${found}driver: $(echo "$smi" | grep -o 'Driver Version: *[0-9.]*' | head -1), $(echo "$smi" | grep -o 'CUDA Version: *[0-9.]*' | head -1); "
else
  log "nvidia-smi: not found"; gpu=no
fi
[ -e /proc/driver/nvidia/version ] && sed 's/^/  /' /proc/driver/nvidia/version || { log "/proc/driver/nvidia/version: absent (no NVIDIA kernel driver)"; gpu=no; }

declare -A lib_dirs=()
for lib in libcudart.so.13 libcublasLt.so.13 libcublas.so.13 libcudnn.so.9; do
  hit=$(ldconfig -p 2>/dev/null | awk -v l="$lib" '$1 == l {print $NF; exit}')
  if [ -z "$hit" ]; then
    hit=$(find /usr/local/cuda*/lib64 /usr/local/cuda*/targets/*/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /opt \
              /usr/local/lib/python3*/dist-packages/nvidia /usr/lib/python3/dist-packages/nvidia "$HOME/.local/lib" \
              -maxdepth 4 -name "$lib*" 2>/dev/null | head -1)
    [ -n "$hit" ] && lib_dirs[$(dirname "$hit")]=1
  fi
  if [ -n "$hit" ]; then note "$lib: $(readlink -f "$hit")"; else note "$lib: NOT FOUND (ONNX Runtime 1.31's CUDA provider needs CUDA 13 and cuDNN 9)"; fi
done
for d in "${!lib_dirs[@]}"; do export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; done
[ ${#lib_dirs[@]} -gt 0 ] && log "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"

if [ -n "${GPU_CHECK_DRY_RUN:-}" ]; then
  log "GPU_CHECK_DRY_RUN: going on without a GPU, on the CPU execution provider (tests the script, not a GPU)"
  export GPU_CHECK_DEVICE=cpu
elif [ "$gpu" != yes ]; then
  log "SKIPPED: no NVIDIA GPU on this machine (see above); nothing to check. Run this on a machine with one."
  exit 77
fi

# --- 2. build ----------------------------------------------------------------------------------------------------
command -v dotnet >/dev/null || { log "dotnet not found: install the .NET 10 SDK"; exit 5; }
graft=${GPU_CHECK_GRAFT:-src/Graft/bin/Release/net10.0/graft.dll}   # GPU_CHECK_GRAFT: a graft.dll built elsewhere
if [ -f "$graft" ] && [ -z "${GPU_CHECK_REBUILD:-}" ]; then
  log "using the existing build $graft (GPU_CHECK_REBUILD=1 rebuilds)"
else
  log "building graft (Release) ..."
  build_log=$(mktemp)
  offline='NU1301|NU1101|NU1102|Unable to load the service index|Name or service not known|No such host|Network is unreachable'
  packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
  if ! step_timeout 240 dotnet build src/Graft/Graft.csproj -c Release >"$build_log" 2>&1; then
    if grep -qE "$offline" "$build_log" && [ -d "$packages" ]; then
      # No NuGet server: the global packages folder has a feed's layout (id/version/id.version.nupkg), so restore from it.
      log "NuGet is unreachable; restoring from the local package folder $packages instead"
      step_timeout 120 dotnet restore src/Graft/Graft.csproj --source "$packages" >>"$build_log" 2>&1 \
        && step_timeout 180 dotnet build src/Graft/Graft.csproj -c Release --no-restore >>"$build_log" 2>&1
    else
      false
    fi || {
      tail -20 "$build_log"
      if grep -qE "$offline" "$build_log"; then
        log "BUILD FAILED: NuGet is unreachable from this machine and $packages lacks packages the build needs."
        log "Carry a built tree (src/*/bin, src/*/obj, bench/*/bin, bench/*/obj) or a filled ~/.nuget/packages, then rerun."
      else
        log "BUILD FAILED (log above)"
      fi
      exit 5
    }
  fi
  log "built"
fi
# What the CUDA provider library itself cannot resolve here (the usual reason the CUDA EP will not start).
provider=$(find src/Graft/bin/Release/net10.0 -name 'libonnxruntime_providers_cuda.so' 2>/dev/null | head -1)
if [ -n "$provider" ]; then
  missing=$(ldd "$provider" 2>/dev/null | grep 'not found' | awk '{print $1}' | tr '\n' ' ')
  if [ -n "$missing" ]; then note "CUDA provider cannot resolve: $missing"; else note "CUDA provider: every library resolves"; fi
else
  log "libonnxruntime_providers_cuda.so not in the build output: is Microsoft.ML.OnnxRuntime.Gpu referenced?"
fi

# --- 3. measure --------------------------------------------------------------------------------------------------
mkdir -p "$out_dir"
json="$(cd "$out_dir" && pwd)/gpu-check.json"
# The whole script stays under 8 minutes: the measurement gets what the build left (at most 420 s), and graft starts no
# new model or precision in its last 100 s (--budget-seconds), so it ends with a summary of what it measured.
left=$(( total_limit - SECONDS - 10 )); [ "$left" -gt 420 ] && left=420
[ "$left" -lt 120 ] && { log "only ${left}s left of the ${total_limit}s limit after the build; not enough to measure"; exit 6; }
models=${GPU_CHECK_MODELS:-resnet18,nasnet_large}; batches=${GPU_CHECK_BATCH_SIZES:-1,8,32}
log "graft bench gpu ($models, fp32 + fp16, batch $batches, CUDA vs CPU; ${left}s at most) ..."
export GRAFT_GPU_CHECK_FOUND="$found"
step_timeout "$left" dotnet "$graft" bench gpu --device "${GPU_CHECK_DEVICE:-cuda}" --models "$models" --batch-sizes "$batches" \
  --images "${GPU_CHECK_IMAGES:-128}" --compare-images 8 --seconds "${GPU_CHECK_SECONDS:-3}" --budget-seconds $(( left - 100 )) --json "$json"
rc=$?
[ -f "$json" ] && log "summary: $json" || log "no summary written"
case $rc in
  0) log "PASSED${GPU_CHECK_DRY_RUN:+ (dry run on the CPU: no GPU was checked)}" ;;
  4) log "FAILED: CUDA features differ from the CPU's beyond tolerance (see $json)" ;;
  2) log "FAILED: graft refused to run (the line above says why; a CUDA provider that cannot start means the libraries listed at the top are missing)" ;;
  *) log "FAILED: graft bench gpu exited $rc" ;;
esac
exit "$rc"
