"""PyTorch peer for bench/adversarial.mjs.

- Fooling-image iterations on SqueezeNet 1.1 (CS231n's loop: forward, stop if the prediction is the
  target, backward of the target's raw score, x += lr * g / ||g||_2, clamp to [0, 1]), ImageNet
  normalisation on the pixels inside the graph; N=1.
- PGD-L-inf (torchattacks' loop: random start, cross-entropy, sign step, projection, clamp) on the
  MNIST CNN of @netlens/models with its weights copied from packages/models/assets/mnist/weights.bin.

    /usr/bin/python3 bench/pytorch/adversarial.py [reps] --size 224 --fooling-iterations 5 --batch 256 --pgd-steps 10
"""
import argparse
import json
import os

import numpy
import torch
import torch.nn.functional as F
import torchvision
from measure import measure

parser = argparse.ArgumentParser()
parser.add_argument('reps', nargs='?', type=int, default=5)
parser.add_argument('--size', type=int, default=224)
parser.add_argument('--fooling-iterations', type=int, default=5)
parser.add_argument('--target', type=int, default=113)
parser.add_argument('--learning-rate', type=float, default=1e-3)
parser.add_argument('--batch', type=int, default=256)
parser.add_argument('--pgd-steps', type=int, default=10)
parser.add_argument('--warmup', type=int, default=1)
parser.add_argument('--threads', type=int, default=os.cpu_count() or 1)
args = parser.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(0)




squeezenet = torchvision.models.squeezenet1_1(weights=None).eval()
for parameter in squeezenet.parameters():
    parameter.requires_grad_(False)
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
image = torch.rand(1, 3, args.size, args.size)
iterations_done = 0


def fooling():
    global iterations_done
    x = image.clone()
    for iteration in range(args.fooling_iterations + 1):
        x.requires_grad_(True)
        scores = squeezenet((x - mean) / std)
        if scores.argmax(dim=1).item() == args.target or iteration == args.fooling_iterations:
            break
        scores[0, args.target].backward()
        with torch.no_grad():
            g = x.grad
            x = (x + args.learning_rate * g / g.norm()).clamp(0, 1)
    iterations_done = iteration
    return x


here = os.path.dirname(os.path.abspath(__file__))
assets = os.path.join(here, '..', '..', 'packages', 'models', 'assets', 'mnist')
with open(os.path.join(assets, 'model.json')) as handle:
    manifest = json.load(handle)
raw = numpy.fromfile(os.path.join(assets, 'weights.bin'), dtype='<f4')
weights, offset = {}, 0
for spec in manifest['weightsManifest'][0]['weights']:
    size = int(numpy.prod(spec['shape']))
    weights[spec['name']] = torch.from_numpy(raw[offset:offset + size].reshape(spec['shape']).copy())
    offset += size


class MnistCnn(torch.nn.Module):
    """conv 3x3 (16) + ReLU, max-pool 2, conv 3x3 (32) + ReLU, max-pool 2, dense 64 + ReLU, dense 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 16, 3)
        self.conv2 = torch.nn.Conv2d(16, 32, 3)
        self.dense1 = torch.nn.Linear(800, 64)
        self.logits = torch.nn.Linear(64, 10)
        with torch.no_grad():
            for name in ('conv1', 'conv2'):
                getattr(self, name).weight.copy_(weights[f'{name}/kernel'].permute(3, 2, 0, 1))  # HWIO -> OIHW
                getattr(self, name).bias.copy_(weights[f'{name}/bias'])
            for name in ('dense1', 'logits'):
                getattr(self, name).weight.copy_(weights[f'{name}/kernel'].t())
                getattr(self, name).bias.copy_(weights[f'{name}/bias'])

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        h = h.permute(0, 2, 3, 1).flatten(1)  # NHWC flatten order, as the tfjs weights expect
        return self.logits(F.relu(self.dense1(h)))


mnist = MnistCnn().eval()
for parameter in mnist.parameters():
    parameter.requires_grad_(False)
digits = torch.rand(args.batch, 1, 28, 28)
labels = torch.arange(args.batch) % 10


def pgd(eps=0.3, alpha=0.03):
    adv = (digits + torch.empty_like(digits).uniform_(-eps, eps)).clamp(0, 1)
    for _ in range(args.pgd_steps):
        adv.requires_grad_(True)
        loss = F.cross_entropy(mnist(adv), labels)
        grad = torch.autograd.grad(loss, adv)[0]
        adv = adv.detach() + alpha * grad.sign()
        delta = torch.clamp(adv - digits, min=-eps, max=eps)
        adv = torch.clamp(digits + delta, 0, 1).detach()
    return adv


with torch.no_grad():
    # Logits of a mid-grey digit, compared by the bench with netlens' (the same weights must give them).
    grey_logits = mnist(torch.full((1, 1, 28, 28), 0.5))[0].tolist()
print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'fooling': measure(fooling, args.reps, args.warmup),
                  'foolingIterations': iterations_done, 'pgd': measure(pgd, args.reps, args.warmup), 'mnistGreyLogits': grey_logits}))
