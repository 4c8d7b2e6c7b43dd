"""PyTorch peer for bench/saliency-methods.mjs: the vanilla saliency map (N images), guided
backpropagation (a backward hook on every nn.ReLU: dx = relu(dx), which with ReLU's own mask is
dy * [x > 0] * [dy > 0]) and Integrated
Gradients (black baseline, Gauss-Legendre points, `--steps`, batched `--internal-batch` interpolated
images at a time) on SqueezeNet 1.1, ImageNet normalisation on the pixels inside the graph.

    /usr/bin/python3 bench/pytorch/saliency_methods.py [reps] --n 5 --size 224 --steps 50 --internal-batch 10
"""
import argparse
import json
import os
import resource

import numpy
import torch
import torchvision
from measure import measure

parser = argparse.ArgumentParser()
parser.add_argument('reps', nargs='?', type=int, default=5)
parser.add_argument('--n', type=int, default=5)
parser.add_argument('--size', type=int, default=224)
parser.add_argument('--steps', type=int, default=50)
parser.add_argument('--internal-batch', type=int, default=10)
parser.add_argument('--warmup', type=int, default=1)
args = parser.parse_args()

torch.set_num_threads(os.cpu_count() or 1)
torch.manual_seed(0)
model = torchvision.models.squeezenet1_1(weights=None).eval()
for parameter in model.parameters():
    parameter.requires_grad_(False)
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
pixels = torch.rand(args.n, 3, args.size, args.size)
labels = torch.tensor([23, 557, 342, 525, 240] * (args.n // 5 + 1))[: args.n]




def vanilla():
    x = pixels.clone().requires_grad_(True)
    model((x - mean) / std).gather(1, labels.view(-1, 1)).sum().backward()
    x.grad.abs().amax(dim=1)


def guided_hook(module, grad_input, grad_output):
    return (grad_input[0].clamp(min=0),)


relus = [m for m in model.modules() if isinstance(m, torch.nn.ReLU)]
for m in relus:
    m.inplace = False


def guided():
    handles = [m.register_full_backward_hook(guided_hook) for m in relus]
    try:
        x = pixels.clone().requires_grad_(True)
        model((x - mean) / std).gather(1, labels.view(-1, 1)).sum().backward()
        return x.grad
    finally:
        for h in handles:
            h.remove()


nodes, weights = numpy.polynomial.legendre.leggauss(args.steps)
alphas, weights = torch.tensor((nodes + 1) / 2, dtype=torch.float32), torch.tensor(weights / 2, dtype=torch.float32)


def integrated():
    image, label = pixels[:1], labels[:1]
    total = torch.zeros_like(image)
    for start in range(0, args.steps, args.internal_batch):
        a = alphas[start:start + args.internal_batch].view(-1, 1, 1, 1)
        w = weights[start:start + args.internal_batch].view(-1, 1, 1, 1)
        x = (image * a).requires_grad_(True)
        model((x - mean) / std).gather(1, label.repeat(len(a)).view(-1, 1)).sum().backward()
        total += (x.grad * w).sum(dim=0, keepdim=True)
    return image * total


print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'vanilla': measure(vanilla, args.reps, args.warmup),
                  'guided': measure(guided, args.reps, args.warmup),
                  'ig': measure(integrated, args.reps, args.warmup), 'peakRssMb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
