#!/usr/bin/env bash
# Build and install the llama.cpp runtime (llama-cpp-python) for a fixed, portable instruction set.
#
#   scripts/build-model-runtime.sh VENV      build (once) and install into VENV
#   scripts/build-model-runtime.sh --cmake-args   print the CMake arguments (benchmarks/model_runtime.py)
#
# The build: GGML_NATIVE=OFF with x86-64-v3 (SSE4.2, AVX, AVX2, FMA, F16C, BMI2) and
#   nothing newer: no AVX-512, no AVX-VNNI, no AMX. One build runs on every x86-64 CPU with AVX2
#   (Intel Haswell 2013 and later, AMD Excavator 2015 / Zen and later). On arm64 the compiler's
#   default armv8-a baseline (NEON).
#
# The wheel is built with --no-cache-dir, so pip neither reuses a wheel another build left in its
# cache (the cache does not key on CMAKE_ARGS) nor leaves this one there for others. A marker in
# the venv records what was built; a second run with the same marker does nothing.
set -euo pipefail
venv=${1:?usage: build-model-runtime.sh VENV | --cmake-args}
here=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/.*"llama-cpp-python\[server\]==\([0-9.]*\)".*/\1/p' "$here/pyproject.toml")
[ -n "$version" ] || { echo "pyproject.toml must pin \"llama-cpp-python[server]==VERSION\"" >&2; exit 2; }

# Only what the Python package loads: no llava/mtmd, tools, examples, server binaries or tests.
common="-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF"
common+=" -DLLAMA_BUILD_SERVER=OFF -DGGML_CCACHE=OFF"
# TONGZHOU_RUNTIME_ISA=x86-64-v2 builds for CPUs without AVX2 (SSE4.2 only; slower) instead.
case "${TONGZHOU_RUNTIME_ISA:-x86-64-v3}" in
  x86-64-v3) avx=ON ;;
  x86-64-v2) avx=OFF ;;
  *) echo "TONGZHOU_RUNTIME_ISA must be x86-64-v3 or x86-64-v2" >&2; exit 2 ;;
esac
isa="-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=$avx -DGGML_AVX2=$avx -DGGML_FMA=$avx -DGGML_F16C=$avx"
isa+=" -DGGML_BMI2=$avx -DGGML_AVX_VNNI=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF"
isa+=" -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF"
isa+=" -DGGML_AMX_BF16=OFF"
cmake_args="$isa $common"
if [ "$venv" = "--cmake-args" ]; then echo "$cmake_args"; exit 0; fi
marker="$venv/.model-runtime"
want="llama-cpp-python==$version $(uname -m) $cmake_args"
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ] \
   && "$venv/bin/python" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("llama_cpp") is None)'; then
  exit 0
fi

wheels="$venv/model-runtime-wheel"
rm -rf "$wheels" "$marker"
mkdir -p "$wheels"
echo "Building the llama.cpp runtime (llama-cpp-python $version, portable build for $(uname -m))."
echo "  This compiles C++ once: about 4-5 minutes on 2 idle cores; later runs reuse it."
start=$(date +%s)
log="$wheels/build.log"
CMAKE_ARGS="$cmake_args" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
  "$venv/bin/python" -m pip wheel --no-deps --no-cache-dir --no-binary llama-cpp-python \
  -w "$wheels" "llama-cpp-python==$version" >"$log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  sleep 30
  kill -0 "$pid" 2>/dev/null && echo "  … still compiling ($(( $(date +%s) - start )) s)"
done
if ! wait "$pid"; then
  tail -n 40 "$log" >&2
  echo "The llama.cpp runtime did not build; the full log is $log" >&2
  exit 1
fi
"$venv/bin/python" -m pip install -q --no-deps --force-reinstall "$wheels"/llama_cpp_python-*.whl
echo "$want" >"$marker"
echo "  built in $(( $(date +%s) - start )) s"
