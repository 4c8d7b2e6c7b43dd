"""PyTorch peer for bench/classviz.mjs: CS231n's class visualization step on SqueezeNet 1.1 (seeded
random weights, ImageNet normalisation inside the graph as netlens does), batch 1: roll by a
random offset up to 16 px, gradient of the raw class score minus l2_reg * ||x||^2, a step of
learning_rate * g / ||g||, roll back, clamp to [0, 1], and every 10th step a Gaussian blur with
sigma 0.5 (scipy's gaussian_filter1d kernel and 'reflect' edges, written with conv2d because scipy
is not installed here). Times `--steps` consecutive steps per repetition and reports ms per step.

    /usr/bin/python3 bench/pytorch/classviz.py [reps] --size 224 --steps 10 --warmup 1
"""
import argparse
import json
import math
import os
import random
import resource

import torch
import torch.nn.functional as F
import torchvision
from measure import measure

parser = argparse.ArgumentParser()
parser.add_argument('reps', nargs='?', type=int, default=5)
parser.add_argument('--size', type=int, default=224)
parser.add_argument('--steps', type=int, default=10)
parser.add_argument('--warmup', type=int, default=1)
args = parser.parse_args()

torch.set_num_threads(os.cpu_count() or 1)
torch.manual_seed(0)
random.seed(0)
model = torchvision.models.squeezenet1_1(weights=None).eval()
for parameter in model.parameters():
    parameter.requires_grad_(False)
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
target, learning_rate, l2_reg, max_jitter, blur_every = 76, 25 * 0.226, 1e-3, 16, 10
radius = int(4 * 0.5 + 0.5)
kernel = torch.tensor([math.exp(-2 * x * x) for x in range(-radius, radius + 1)])
kernel = kernel / kernel.sum()




def blur(x):
    channels = x.shape[1]
    planes = F.pad(x.reshape(-1, 1, *x.shape[2:]), (radius, radius, radius, radius), mode='reflect')
    planes = F.conv2d(planes, kernel.view(1, 1, -1, 1))
    planes = F.conv2d(planes, kernel.view(1, 1, 1, -1))
    return planes.reshape(-1, channels, *x.shape[2:])


image = torch.rand(1, 3, args.size, args.size)


def steps():
    global image
    for t in range(args.steps):
        ox, oy = random.randint(0, max_jitter), random.randint(0, max_jitter)
        x = torch.roll(image, shifts=(oy, ox), dims=(2, 3)).requires_grad_(True)
        score = model((x - mean) / std)[0, target] - l2_reg * (x * x).sum()
        score.backward()
        with torch.no_grad():
            stepped = x + learning_rate * x.grad / x.grad.norm()
            image = torch.roll(stepped, shifts=(-oy, -ox), dims=(2, 3)).clamp_(0, 1)
            if t % blur_every == 0:
                image = blur(image)


timing = measure(steps, args.reps, args.warmup)
per_step = {**timing, 'median': timing['median'] / args.steps}  # one run is args.steps steps
print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'step': per_step,
                  'peakRssMb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
