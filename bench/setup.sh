#!/usr/bin/env bash
# Installs the PyTorch reference for `npm run bench` (Debian's python3-torch, 1.13) and GNU time (peak RSS of the study benchmark).
# Run once on a bench machine; CI does not need it (the bench skips the reference when torch is missing).
set -euo pipefail
# Debian's interpreter is /usr/bin/python3 (a pyenv python3 earlier on PATH would not see python3-torch).
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends python3 python3-torch time
/usr/bin/python3 -c "import torch; print('torch', torch.__version__, 'threads', torch.get_num_threads())"
