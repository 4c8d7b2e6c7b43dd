"""PyTorch peer for the netlens benchmarks: SqueezeNet 1.1 forward and input gradient (CS231n's
saliency workload), and the machine's peak FP32 matmul throughput.

Run with Debian's interpreter (`/usr/bin/python3`, with python3-torch, python3-torchvision and
libopenblas0-openmp installed):

    /usr/bin/python3 bench/pytorch/squeezenet.py [reps] [--n 5] [--size 224] [--warmup 2] [--peak]

Prints one JSON line: medians of clean repetitions in ms (a repetition is clean when the rest of the
machine used < 20 ms + 10 % of one core meanwhile), the peak RSS, and with --peak the median
GFLOP/s of clean 2048² sgemms. Threads: torch.set_num_threads(cores).
"""
import argparse
import json
import os
import resource

import torch
import torchvision
from measure import measure

parser = argparse.ArgumentParser()
parser.add_argument('reps', nargs='?', type=int, default=7)
parser.add_argument('--n', type=int, default=5)
parser.add_argument('--size', type=int, default=224)
parser.add_argument('--warmup', type=int, default=2)
parser.add_argument('--peak', action='store_true')
args = parser.parse_args()
REPS = args.reps

torch.set_num_threads(os.cpu_count() or 1)
torch.manual_seed(0)
model = torchvision.models.squeezenet1_1(weights=None).eval()
for parameter in model.parameters():
    parameter.requires_grad_(False)
images = torch.randn(args.n, 3, args.size, args.size)
labels = torch.tensor([23, 557, 342, 525, 240] * (args.n // 5 + 1))[: args.n]



def forward():
    with torch.no_grad():
        model(images)


def saliency():
    x = images.clone().requires_grad_(True)
    scores = model(x).gather(1, labels.view(-1, 1)).sum()
    scores.backward()
    x.grad.abs().amax(dim=1)



def peak_gflops():
    """Median GFLOP/s of clean 2048² sgemms: the machine's practical FP32 peak for the % column."""
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    timing = measure(lambda: a @ b, 9, 2)
    return 2 * 2048 ** 3 / (timing['median'] / 1000) / 1e9


result = {'torch': torch.__version__, 'threads': torch.get_num_threads(),
          'forward': measure(forward, REPS, args.warmup), 'saliency': measure(saliency, REPS, args.warmup)}
if args.peak:
    result['peakGflops'] = peak_gflops()
result['peakRssMb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
