#!/usr/bin/env bash
# Installs Debian's libtorch-dev so that `npm ci` builds the optional native engine and its tests
# (test/train/torch-engine.test.ts) run against TensorFlow.js. Idempotent.
set -euo pipefail
bash "$(dirname "$0")/apt-install.sh" /usr/include/torch/csrc/api/include/torch/torch.h libtorch-dev
