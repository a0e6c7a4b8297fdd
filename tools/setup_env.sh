#!/usr/bin/env bash
# One-command setup of the mmsda development environment.
#
#   bash tools/setup_env.sh            # creates/updates .venv/ in the repository
#   MMSDA_VENV=/path/to/venv bash tools/setup_env.sh
#
# Steps: venv -> torch + torchvision -> build tools -> mmengine -> mmcv 2.1.0 with compiled ops
# (built once, cached outside the repo per torch version) -> mmdet, mmpretrain, mmsegmentation,
# pycocotools, onnx, onnxruntime -> mmsda (editable) -> import/ops/ONNX/mmseg check. The venv is only
# marked ready after the final check.
# Environment:
#   MMSDA_VENV        venv directory (default: <repo>/.venv)
#   MMSDA_CACHE       wheel cache (default: ${XDG_CACHE_HOME:-$HOME/.cache}/mmsda)
#   MMSDA_PYTHON      interpreter used to create the venv (default: python3)
#   MAX_JOBS          parallel compile jobs for mmcv (default: number of cores)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MMSDA_VENV:-$REPO/.venv}"
PYTHON="${MMSDA_PYTHON:-python3}"
TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0
CACHE_ROOT="${MMSDA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmsda}"
READY="$VENV/.mmsda-ready"

step_no=0
CURRENT_STEP=""
step() {
  step_no=$((step_no + 1))
  CURRENT_STEP="$*"
  printf '\n[setup %d/8 %s] %s\n' "$step_no" "$(date +%H:%M:%S)" "$*"
}
on_error() {
  local rc=$?
  echo >&2
  echo "[setup] FAILED at step $step_no: $CURRENT_STEP (exit code $rc)." >&2
  echo "[setup] The environment at $VENV is NOT ready. Fix the cause above and re-run:" >&2
  echo "[setup]     bash tools/setup_env.sh" >&2
  echo "[setup] Finished steps are skipped on re-run; a failed mmcv build leaves no cached wheel." >&2
  exit "$rc"
}
trap on_error ERR

rm -f "$READY"  # a venv being (re)built is never reported ready

step "virtual environment at $VENV"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -c 'import sys; assert sys.version_info[:2] >= (3, 9), sys.version' \
  || { echo "[setup] Python >= 3.9 needed, got $("$PY" -V)"; false; }
PIP=("$PY" -m pip --disable-pip-version-check)
"${PIP[@]}" install -q --upgrade 'pip>=23'

step "torch $TORCH_VERSION + torchvision $TORCHVISION_VERSION"
"${PIP[@]}" install -q "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"

step "build tools (setuptools<82, wheel, ninja, psutil) and mmengine 0.10.7"
"${PIP[@]}" install -q 'setuptools<82' wheel ninja psutil 'mmengine==0.10.7'

TORCH_TAG="$("$PY" -c 'import sys, torch; print("torch%s-py%d%d" % (torch.__version__.replace("+", "_"), *sys.version_info[:2]))')"
WHEEL_DIR="$CACHE_ROOT/wheels/$TORCH_TAG"
mkdir -p "$WHEEL_DIR"

step "mmcv $MMCV_VERSION with compiled ops (cache: $WHEEL_DIR)"
shopt -s nullglob
wheels=("$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl)
if [ ${#wheels[@]} -eq 0 ]; then
  echo "[setup] no cached mmcv wheel for $TORCH_TAG: compiling (about 15 min on 2 cores)"
  BUILD_TMP="$(mktemp -d)"
  # torch >= 2.14 headers need C++20; mmcv 2.1.0's setup.py forces -std=c++17. GCC honours the
  # last -std flag, so a compiler wrapper that appends -std=c++20 fixes the build without patching mmcv.
  printf '#!/bin/sh\nexec g++ "$@" -std=c++20\n' > "$BUILD_TMP/g++-c++20"
  chmod +x "$BUILD_TMP/g++-c++20"
  CC="$BUILD_TMP/g++-c++20" CXX="$BUILD_TMP/g++-c++20" \
  MAX_JOBS="${MAX_JOBS:-$(nproc)}" MMCV_WITH_OPS=1 FORCE_CUDA=0 \
    "${PIP[@]}" wheel --no-build-isolation --no-cache-dir --no-deps \
      "mmcv==$MMCV_VERSION" -w "$BUILD_TMP/out"
  built=("$BUILD_TMP"/out/mmcv-*.whl)
  [ ${#built[@]} -eq 1 ] || { echo "[setup] mmcv build produced no wheel"; false; }
  # The cache only ever holds a finished wheel: copy beside it, then rename (atomic).
  cp "${built[0]}" "$WHEEL_DIR/.partial.whl"
  mv "$WHEEL_DIR/.partial.whl" "$WHEEL_DIR/$(basename "${built[0]}")"
  rm -rf "$BUILD_TMP"
  wheels=("$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl)
else
  echo "[setup] using cached ${wheels[0]}"
fi
"${PIP[@]}" install -q "${wheels[0]}"

step "mmdet 3.3.0, mmpretrain 1.2.0, mmsegmentation 1.2.2, pycocotools, pytest, onnx, onnxruntime (requirements.txt)"
"${PIP[@]}" install -q -r "$REPO/requirements.txt"

step "mmsda (editable)"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e "$REPO"

step "check: imports, compiled mmcv ops, ONNX export + ONNX Runtime, an mmseg model"
"$PY" - <<'CHECK'
import io, warnings
import torch, torchvision, mmcv, mmengine, mmdet, mmpretrain, mmseg, pycocotools, mmsda
import onnx, onnxruntime, onnxscript
from mmcv.ops import nms, RoIAlign
boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.], [20., 20., 30., 30.]])
scores = torch.tensor([0.9, 0.8, 0.7])
_, keep = nms(boxes, scores, 0.5)
assert keep.tolist() == [0, 2], keep
feat = torch.rand(1, 2, 8, 8, requires_grad=True)
RoIAlign((2, 2), 1.0, 0)(feat, torch.tensor([[0., 0., 0., 4., 4.]])).sum().backward()
conv, x, model = torch.nn.Conv2d(3, 2, 3).eval(), torch.randn(1, 3, 8, 8), io.BytesIO()
with warnings.catch_warnings(), torch.no_grad():
    warnings.simplefilter('ignore')
    torch.onnx.export(conv, (x, ), model, dynamo=False, input_names=['x'])
    expected = conv(x)
session = onnxruntime.InferenceSession(model.getvalue(), providers=['CPUExecutionProvider'])
assert torch.allclose(torch.from_numpy(session.run(None, {'x': x.numpy()})[0]), expected, atol=1e-5)
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS as SEG_MODELS
init_default_scope('mmseg')
backbone = SEG_MODELS.build(dict(type='mmsda.SDAResNet', depth=26, stem_channels=16, base_channels=16,
                                 min_channels=16, out_indices=(3, )))  # an mmsda model in the mmseg scope
head = SEG_MODELS.build(dict(type='FCNHead', in_channels=512, channels=8, num_convs=1, num_classes=3))
assert head(backbone(torch.rand(2, 3, 64, 64))).shape == (2, 3, 2, 2)
print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, mmengine {mmengine.__version__}, "
      f"mmcv {mmcv.__version__} (ops ok), mmdet {mmdet.__version__}, mmpretrain {mmpretrain.__version__}, "
      f"mmseg {mmseg.__version__} (model ok), "
      f"onnx {onnx.__version__}, onnxruntime {onnxruntime.__version__} (export + run ok)")
CHECK

step "mark ready"
date -u +%FT%TZ > "$READY"
trap - ERR
echo
echo "[setup] Ready. Activate with:  source $VENV/bin/activate"
