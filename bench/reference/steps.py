"""PyTorch reference for `npm run bench`: the same models, loss and training step as bench/models.ts.

distmatch side (bench/models.ts)                      here
- MultiTaskModel 512 -> Dense 256 + ReLU + dropout 0.2 -> heads        Mlp
- buildSmallCnn [16,32,64] (conv3x3 no bias, BN eps 1e-3 momentum 0.99,
  ReLU, maxpool 2) + GAP as backbone, heads on the 64 features          Cnn (BN momentum 0.01 = 1 - 0.99)
- buildObjective: masked softmax CE (log-softmax), masked BCE on logits
  (softplus(x) - x y), DM A->B and product-mode SCA B->A, lambdas 1     pair_loss (METHOD.md section 3)
- the trainer's step: Adam(1e-3, eps 1e-7), terms summed on the device,
  read back once per epoch                                              run_steps
- loadBackbone("mobilenetv2") features: out_relu map, mean pool         torchvision mobilenet_v2(weights=None)

Usage: python3 steps.py {mlp,cnn,epoch,tasks,backbone,terms} [--seconds=S] [--chunk=N] [--samples=N] [--pairs=N] [--threads=N]
       (--threads defaults to 1; step benchmarks time chunks of --chunk steps until --seconds have passed)
       python3 steps.py backbone --pixels=FILE --images=N --size=224 [--batch=16]
       python3 steps.py terms --input=FILE.json   (loss terms on given logits, for bench/check-reference.ts)
Prints one JSON line {"value": ...}: steps per second (mlp, cnn, tasks), seconds per epoch (epoch) or
images per second (backbone). Run with Debian's python3-torch (bench/setup.sh installs it).
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-7
K, M = 7, 12
DROPOUT = 0.2


def options():
    opts = {}
    for arg in sys.argv[2:]:
        key, _, value = arg.lstrip("-").partition("=")
        try:
            opts[key] = int(value)
        except ValueError:
            opts[key] = value
    return opts


def synthetic_relatedness(k, m):
    return [[0.0 if c == k - 1 else (1.0 if (c * 5 + j * 3) % 7 == 0 else (0.5 if (c + j) % 4 == 0 else 0.0))
             for j in range(m)] for c in range(k)]


class Pair:
    """The constant tensors buildObjective prepares per coupling: R and product-mode SCA weights."""

    def __init__(self):
        r = torch.tensor(synthetic_relatedness(K, M))
        self.r = r
        self.on_log = r.t().contiguous()  # [M, K]
        zero_row = (r.sum(1) == 0).float()
        related_label = (r.sum(0) > 0).float()
        self.on_log1m = torch.outer(zero_row, related_label).t().contiguous()  # [M, K]


def pair_batch(batch):
    """The first 60% of rows carry A labels, the last 60% B labels (bench/models.ts syntheticTargets)."""
    rows = torch.arange(batch)
    has_a = (rows < 0.6 * batch).float()
    has_b = (rows >= 0.4 * batch).float().unsqueeze(1)
    return {
        "oneHotA": F.one_hot(torch.randint(0, K, (batch,)), K).float() * has_a.unsqueeze(1),
        "maskA": has_a,
        "valuesB": (torch.rand(batch, M) < 0.3).float() * has_b,
        "maskB": torch.ones(batch, M) * has_b,
    }


def clamped_log(p):
    return p.clamp(EPS, 1 - EPS).log()


def clamped_log1m(p):
    return (1 - p.clamp(EPS, 1 - EPS)).log()


def masked_mean(values, mask):
    return (values * mask).sum() / mask.sum().clamp(min=1)


def pair_loss(logits_a, logits_b, b, pair):
    """Terms of one (multi-class A, multi-label B) pair, as src/coupling/objective.ts computes them."""
    sup_a = masked_mean(-(b["oneHotA"] * F.log_softmax(logits_a, dim=1)).sum(1), b["maskA"])
    sup_b = masked_mean(F.softplus(logits_b) - logits_b * b["valuesB"], b["maskB"])
    p_a = F.softmax(logits_a, dim=1)
    p_b = torch.sigmoid(logits_b)
    q_b = p_a @ pair.r  # DM A -> B
    dm = (-(p_b * clamped_log(q_b) + (1 - p_b) * clamped_log1m(q_b))).mean(1).sum() / p_b.shape[0]
    scores = clamped_log(p_b) @ pair.on_log + clamped_log1m(p_b) @ pair.on_log1m  # SCA B -> A, product
    q_a = F.softmax(scores, dim=1)
    sca = (-(q_a * clamped_log(p_a)).sum(1)).sum() / p_a.shape[0]
    return [sup_a, sup_b, dm, sca]


class Mlp(nn.Module):
    def __init__(self, input_dim, hidden, head_sizes):
        super().__init__()
        self.trunk = nn.Linear(input_dim, hidden)
        self.dropout = nn.Dropout(DROPOUT)
        self.heads = nn.ModuleList([nn.Linear(hidden, n) for n in head_sizes])

    def forward(self, x):
        h = self.dropout(F.relu(self.trunk(x)))
        return [head(h) for head in self.heads]


class Cnn(nn.Module):
    """NCHW, PyTorch's native layout; the layers of buildSmallCnn (src/models/cnn.ts) with heads on GAP."""

    def __init__(self, channels, head_sizes):
        super().__init__()
        blocks, cin = [], 3
        for c in channels:
            blocks += [nn.Conv2d(cin, c, 3, padding=1, bias=False), nn.BatchNorm2d(c, eps=1e-3, momentum=0.01),
                       nn.ReLU(), nn.MaxPool2d(2, 2)]
            cin = c
        self.body = nn.Sequential(*blocks)
        self.heads = nn.ModuleList([nn.Linear(cin, n) for n in head_sizes])

    def forward(self, x):
        h = self.body(x).mean(dim=(2, 3))
        return [head(h) for head in self.heads]


def objective(outputs, batches, pairs):
    """Terms of every pair (supervised first, then coupling) and their total, as buildObjective returns them."""
    terms = [t for p in range(len(pairs)) for t in pair_loss(outputs[2 * p], outputs[2 * p + 1], batches[p], pairs[p])]
    return terms, torch.stack(terms).sum()


def adam(model):
    return torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)


def train_step(model, opt, x, batches, pairs, sums):
    """The trainer's step: minimise the total, keep every term (and the total) summed without a sync."""
    opt.zero_grad()
    terms, total = objective(model(x), batches, pairs)
    total.backward()
    opt.step()
    kept = torch.stack([t.detach() for t in terms] + [total.detach()])
    return kept if sums is None else sums + kept


def run_steps(model, opt, x, batches, pairs, steps):
    sums = None
    for _ in range(steps):
        sums = train_step(model, opt, x, batches, pairs, sums)
    return (sums / steps).tolist()  # the per-epoch read-back


def steps_per_second(model, x, batches, pairs, chunk, seconds, warmup=3):
    """Steps per second: warm-up, then chunks of `chunk` steps (one read-back each) until `seconds` have passed."""
    model.train()
    opt = adam(model)
    run_steps(model, opt, x, batches, pairs, warmup)
    start = time.perf_counter()
    steps = 0
    while steps == 0 or time.perf_counter() - start < seconds:
        run_steps(model, opt, x, batches, pairs, chunk)
        steps += chunk
    return steps / (time.perf_counter() - start)


def bench_mlp(o, pairs_count=1):
    batch = 256
    pairs = [Pair() for _ in range(pairs_count)]
    model = Mlp(512, 256, [K, M] * pairs_count)
    x = torch.randn(batch, 512)
    return steps_per_second(model, x, [pair_batch(batch) for _ in pairs], pairs, o.get("chunk", 10), o.get("seconds", 3))


def bench_cnn(o):
    batch = 64
    model = Cnn([16, 32, 64], [K, M])
    x = torch.randn(batch, 3, 64, 64)
    return steps_per_second(model, x, [pair_batch(batch)], [Pair()], o.get("chunk", 2), o.get("seconds", 3), warmup=2)


def epoch_seconds(n):
    """One epoch of train() on one source: shuffle, gather each batch of 256, step; means read at the end."""
    batch = 256
    features = torch.randn(n, 512)
    labels = torch.randint(0, K, (n,))
    has_a = (torch.rand(n) < 0.6).float()
    has_b = (torch.rand(n) < 0.6).float()
    values = (torch.rand(n, M) < 0.3).float() * has_b.unsqueeze(1)
    model, pair = Mlp(512, 256, [K, M]), Pair()
    model.train()
    start = time.perf_counter()
    opt = adam(model)
    order = torch.randperm(n)
    sums, steps = None, 0
    for at in range(0, n, batch):
        idx = order[at:at + batch]
        b = {"oneHotA": F.one_hot(labels[idx], K).float() * has_a[idx].unsqueeze(1), "maskA": has_a[idx],
             "valuesB": values[idx], "maskB": has_b[idx].unsqueeze(1).expand(-1, M).contiguous()}
        sums = train_step(model, opt, features[idx], [b], [pair], sums)
        steps += 1
    (sums / steps).tolist()
    return time.perf_counter() - start


def bench_epoch(o):
    """Seconds per epoch: the mean over as many epochs as fit in --seconds (at least one)."""
    epoch_seconds(512)  # warm-up, as the distmatch side does
    total, epochs = 0.0, 0
    while epochs == 0 or total < o.get("seconds", 3):
        total += epoch_seconds(o["samples"])
        epochs += 1
    return total / epochs


def bench_backbone(o):
    """Images/s of MobileNetV2 features (last 1280-channel ReLU6 map, mean pool) on the same pixels."""
    import numpy as np
    import torchvision

    n, size, batch = o["images"], o["size"], o.get("batch", 16)
    pixels = np.fromfile(o["pixels"], dtype=np.float32).reshape(n, size, size, 3)
    x = torch.from_numpy(pixels).permute(0, 3, 1, 2).contiguous()
    model = torchvision.models.mobilenet_v2(weights=None).features.eval()

    def extract(images):
        out = []
        with torch.no_grad():
            for at in range(0, images.shape[0], batch):
                out.append(model(images[at:at + batch]).mean(dim=(2, 3)))
        return torch.cat(out).numpy()

    extract(x[:batch])  # warm-up batch, as the distmatch side does
    start = time.perf_counter()
    passes = 0
    while passes == 0 or time.perf_counter() - start < o.get("seconds", 3):
        extract(x)
        passes += 1
    return passes * n / (time.perf_counter() - start)


def bench_terms(o):
    """The loss terms on given logits and targets (JSON file): bench/check-reference.ts compares them with buildObjective."""
    with open(o["input"]) as f:
        d = json.load(f)
    t = lambda key: torch.tensor(d[key], dtype=torch.float32)
    b = {"oneHotA": t("oneHotA"), "maskA": t("maskA"), "valuesB": t("valuesB"), "maskB": t("maskB")}
    return [float(v) for v in pair_loss(t("logitsA"), t("logitsB"), b, Pair())]


def blas_in_use():
    """The BLAS library, kernel and thread count that ran (threadpoolctl), e.g. "openblas 0.3.21 Cooperlake 1 threads"."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (python3-threadpoolctl missing)"
    return ", ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} {i.get('num_threads')} threads"
                     for i in threadpool_info() if i.get("user_api") == "blas") or "none found"


def main():
    torch.manual_seed(0)
    o = options()
    # One thread unless told: tfjs-wasm runs on one core in Node, so 1 vs 1 is the fair headline. Debian's torch
    # calls OpenBLAS through the generic BLAS interface, so set_num_threads alone leaves OpenBLAS's own pool
    # at the core count: threadpoolctl caps it too (the caller also sets OPENBLAS_NUM_THREADS).
    threads = o.get("threads", 1)
    torch.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=threads)
    except ImportError:
        pass
    kind = sys.argv[1]
    if kind == "mlp":
        value = bench_mlp(o)
    elif kind == "tasks":
        value = bench_mlp(o, o["pairs"])
    elif kind == "cnn":
        value = bench_cnn(o)
    elif kind == "epoch":
        value = bench_epoch(o)
    elif kind == "backbone":
        value = bench_backbone(o)
    elif kind == "terms":
        value = bench_terms(o)
    else:
        raise SystemExit(f"steps.py: unknown benchmark {kind!r}, expected mlp, cnn, epoch, tasks or backbone")
    print(json.dumps({"value": value, "threads": torch.get_num_threads(), "blas": blas_in_use(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
