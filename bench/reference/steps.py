"""PyTorch reference for `npm run bench`: the same models and loss as bench/models.ts, op for op.

Usage: python3 steps.py {mlp,cnn,epoch,tasks} [--steps=N] [--samples=N] [--pairs=N] [--threads=N]
Prints one JSON line {"value": ...}: training steps per second (mlp, cnn, tasks) or seconds per epoch (epoch).
Run with Debian's python3-torch (bench/setup.sh installs it).
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-7


def options():
    opts = {}
    for arg in sys.argv[2:]:
        key, _, value = arg.lstrip("-").partition("=")
        opts[key] = int(value)
    return opts


def synthetic_relatedness(k, m):
    return [[0.0 if c == k - 1 else (1.0 if (c * 5 + j * 3) % 7 == 0 else (0.5 if (c + j) % 4 == 0 else 0.0))
             for j in range(m)] for c in range(k)]


def neutral_map(r):
    m = len(r[0])
    related = [any(row[j] > 0 for row in r) for j in range(m)]
    neutral = [all(v <= 0 for v in row) for row in r]
    return [[1.0 if (n and related[j]) else 0.0 for n in neutral] for j in range(m)]


class Pair:
    def __init__(self, k, m):
        r = synthetic_relatedness(k, m)
        self.r = torch.tensor(r)
        self.rT = self.r.t().contiguous()
        self.neutral = torch.tensor(neutral_map(r))


def pair_batch(batch, k, m):
    rows = torch.arange(batch, dtype=torch.float32) / batch
    labels = torch.randint(0, k, (batch,))
    has_b = (rows >= 0.4).float().unsqueeze(1)
    return {
        "oneHotA": F.one_hot(labels, k).float(),
        "maskA": (rows < 0.6).float(),
        "valuesB": (torch.rand(batch, m) < 0.3).float(),
        "maskB": torch.ones(batch, m) * has_b,
    }


def bce(p, target):
    pc = p.clamp(EPS, 1 - EPS)
    return -(target * pc.log() + (1 - target) * (1 - pc).log())


def pair_loss(logits_a, logits_b, b, pair, coupling=True):
    log_pa = F.log_softmax(logits_a, dim=1)
    ce_a = -(b["oneHotA"] * log_pa).sum(1)
    loss_a = (ce_a * b["maskA"]).sum() / b["maskA"].sum().clamp(min=1)
    p_b = torch.sigmoid(logits_b)
    loss_b = (bce(p_b, b["valuesB"]) * b["maskB"]).sum() / b["maskB"].sum().clamp(min=1)
    if not coupling:
        return loss_a + loss_b
    p_a = log_pa.exp()
    q_b = p_a @ pair.r
    loss_dm = bce(q_b, p_b).mean()
    p_bc = p_b.clamp(EPS, 1 - EPS)
    scores = p_bc.log() @ pair.rT + (1 - p_bc).log() @ pair.neutral
    loss_sca = (-(F.softmax(scores, dim=1) * log_pa).sum(1)).mean()
    return loss_a + loss_b + loss_dm + loss_sca


class Mlp(nn.Module):
    def __init__(self, input_dim, hidden, head_sizes):
        super().__init__()
        self.trunk = nn.Linear(input_dim, hidden)
        self.heads = nn.ModuleList([nn.Linear(hidden, n) for n in head_sizes])

    def forward(self, x):
        h = F.relu(self.trunk(x))
        return [head(h) for head in self.heads]


class Cnn(nn.Module):
    """NCHW, PyTorch's native layout; same layers as buildCnn in bench/models.ts."""

    def __init__(self, channels, head_sizes):
        super().__init__()
        blocks, cin = [], 3
        for c in channels:
            blocks += [nn.Conv2d(cin, c, 3, padding=1, bias=False), nn.BatchNorm2d(c, eps=1e-5, momentum=0.1),
                       nn.ReLU(), nn.MaxPool2d(2, 2)]
            cin = c
        self.body = nn.Sequential(*blocks)
        self.heads = nn.ModuleList([nn.Linear(cin, n) for n in head_sizes])

    def forward(self, x):
        h = self.body(x).mean(dim=(2, 3))
        return [head(h) for head in self.heads]


def multi_pair_loss(outputs, batches, pairs):
    return sum(pair_loss(outputs[2 * p], outputs[2 * p + 1], batches[p], pairs[p]) for p in range(len(pairs)))


def steps_per_second(model, x, batches, pairs, steps, warmup=3):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = multi_pair_loss(model(x), batches, pairs)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - start)


def bench_mlp(o, pairs_count=1):
    batch = 256
    pairs = [Pair(7, 12) for _ in range(pairs_count)]
    model = Mlp(512, 256, [7, 12] * pairs_count)
    x = torch.randn(batch, 512)
    batches = [pair_batch(batch, 7, 12) for _ in pairs]
    return steps_per_second(model, x, batches, pairs, o.get("steps", 50))


def bench_cnn(o):
    batch = 64
    model = Cnn([16, 32, 64], [7, 12])
    x = torch.randn(batch, 3, 64, 64)
    return steps_per_second(model, x, [pair_batch(batch, 7, 12)], [Pair(7, 12)], o.get("steps", 10))


def bench_epoch(o):
    """Seconds for one epoch of the MLP step over N synthetic samples (shuffle, gather the batch, step)."""
    n, batch = o["samples"], 256
    features = torch.randn(n, 512)
    labels = torch.randint(0, 7, (n,))
    values = (torch.rand(n, 12) < 0.3).float()
    has_a = (torch.rand(n) < 0.6).float()
    has_b = (torch.rand(n) < 0.6).float()
    model, pair = Mlp(512, 256, [7, 12]), Pair(7, 12)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    order = torch.randperm(n)
    for at in range(0, n, batch):
        idx = order[at:at + batch]
        b = {"oneHotA": F.one_hot(labels[idx], 7).float(), "maskA": has_a[idx], "valuesB": values[idx],
             "maskB": has_b[idx].unsqueeze(1).expand(-1, 12).contiguous()}
        opt.zero_grad()
        loss = multi_pair_loss(model(features[idx]), [b], [pair])
        loss.backward()
        opt.step()
        loss.item()
    return time.perf_counter() - start


def main():
    torch.manual_seed(0)
    o = options()
    torch.set_num_threads(o.get("threads", os.cpu_count() or 1))
    kind = sys.argv[1]
    if kind == "mlp":
        value = bench_mlp(o)
    elif kind == "tasks":
        value = bench_mlp(o, o["pairs"])
    elif kind == "cnn":
        value = bench_cnn(o)
    elif kind == "epoch":
        value = bench_epoch(o)
    else:
        raise SystemExit(f"steps.py: unknown benchmark {kind!r}, expected mlp, cnn, epoch or tasks")
    print(json.dumps({"value": value, "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
