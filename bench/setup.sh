#!/usr/bin/env bash
# Installs the references for `npm run bench`: Debian's python3-torch (1.13) on OpenBLAS (libopenblas0: without
# it torch falls back to the netlib reference BLAS, about 9x slower on the MLP step), python3-torchvision (0.14,
# MobileNetV2 with random weights for the backbone benchmark; nothing is downloaded), python3-threadpoolctl (to
# cap and report the BLAS threads) and GNU time (peak RSS of the study benchmark).
# Run once on a bench machine; CI does not need it (the bench skips the reference when torch is missing).
set -euo pipefail
# Debian's interpreter is /usr/bin/python3 (a pyenv python3 earlier on PATH would not see python3-torch).
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends \
  python3 python3-torch python3-torchvision python3-threadpoolctl libopenblas0 time
/usr/bin/python3 - <<'PY'
import torch, torchvision
from threadpoolctl import threadpool_info
blas = [f"{i['internal_api']} {i.get('version')} {i.get('architecture')}" for i in threadpool_info() if i["user_api"] == "blas"]
print("torch", torch.__version__, "torchvision", torchvision.__version__, "BLAS", ", ".join(blas) or "none")
if not any(b.startswith("openblas") for b in blas):
    raise SystemExit("torch does not run on OpenBLAS: check `update-alternatives --display libblas.so.3-x86_64-linux-gnu`")
PY
