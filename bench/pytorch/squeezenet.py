"""PyTorch peer for bench/wasm-gradients.mjs: SqueezeNet 1.1 forward and input gradient at N=5, 224².

Run with Debian's interpreter (`/usr/bin/python3`, with python3-torch, python3-torchvision and
libopenblas0-openmp installed). Prints one JSON line: median milliseconds of clean repetitions.
A repetition is clean when the rest of the machine used < 20 ms + 10 % of one core meanwhile.
"""
import json
import os
import statistics
import sys
import time

import torch
import torchvision

REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
torch.set_num_threads(os.cpu_count() or 1)
torch.manual_seed(0)
model = torchvision.models.squeezenet1_1(weights=None).eval()
for parameter in model.parameters():
    parameter.requires_grad_(False)
images = torch.randn(5, 3, 224, 224)
labels = torch.tensor([23, 557, 342, 525, 240])


def busy_ms():
    with open('/proc/stat') as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) * 10


def forward():
    with torch.no_grad():
        model(images)


def saliency():
    x = images.clone().requires_grad_(True)
    scores = model(x).gather(1, labels.view(-1, 1)).sum()
    scores.backward()
    x.grad.abs().amax(dim=1)


def measure(run, reps=REPS, warmup=2):
    for _ in range(warmup):
        run()
    clean, total = [], 0
    while len(clean) < reps and total < reps * 6:
        total += 1
        busy_before, own_before, start = busy_ms(), time.process_time(), time.perf_counter()
        run()
        wall = (time.perf_counter() - start) * 1000
        others = busy_ms() - busy_before - (time.process_time() - own_before) * 1000
        if others < 20 + 0.1 * wall:
            clean.append(wall)
    values = clean or [float('nan')]
    return {'median': statistics.median(values), 'clean': len(clean), 'total': total}


print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(),
                  'forward': measure(forward), 'saliency': measure(saliency)}))
