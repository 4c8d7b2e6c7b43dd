"""PyTorch reference maps for the saliency parity test: loads netlens-format SqueezeNet 1.1 weights
(model.json + weights.bin, HWIO kernels) back into torchvision's squeezenet1_1, reads the reference
input batch (input.bin, NHWC pixels in [0, 1]) and writes, for the predicted classes:
vanilla.bin (|∂s/∂x| max over channels), gxi.bin (∂s/∂x ⊙ x, NHWC), ig.bin (Integrated Gradients,
black baseline, 8-point Gauss-Legendre, NHWC) and gradcam.bin (Grad-CAM on fire9, before
upsampling, N×h×w). ImageNet normalisation is applied inside, on the pixels, as netlens does.

    /usr/bin/python3 torch-reference.py WEIGHTS_DIR REFERENCE_DIR
"""
import json
import os
import sys

import numpy
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'models', 'scripts'))
from netlens_squeezenet import load_squeezenet, logits_of as squeezenet_logits, read_pixels  # noqa: E402

weights_dir, reference_dir = sys.argv[1], sys.argv[2]
model = load_squeezenet(weights_dir)
pixels = read_pixels(reference_dir)


def logits_of(nhwc):
    return squeezenet_logits(model, nhwc)


targets = logits_of(pixels).argmax(dim=1)


def gradient(nhwc):
    x = nhwc.clone().requires_grad_(True)
    logits_of(x).gather(1, targets.view(-1, 1)).sum().backward()
    return x.grad


grad = gradient(pixels)
nodes, weights = numpy.polynomial.legendre.leggauss(8)
alphas, weights = (nodes + 1) / 2, weights / 2
total = torch.zeros_like(pixels)
for alpha, weight in zip(alphas, weights):
    total += float(weight) * gradient(pixels * float(alpha))
integrated = pixels * total

activations = {}


def capture(_module, _inputs, output):
    # Weights and pixels need no gradient here, so the activation becomes the leaf to differentiate.
    leaf = output.detach().requires_grad_(True)
    activations['fire9'] = leaf
    return leaf


handle = model.features[12].register_forward_hook(capture)
fire9_logits = logits_of(pixels)
handle.remove()
fire9 = activations['fire9']
fire9_grad = torch.autograd.grad(fire9_logits.gather(1, targets.view(-1, 1)).sum(), fire9)[0]
cam = torch.relu((fire9_grad.mean(dim=(2, 3), keepdim=True) * fire9).sum(dim=1))

outputs = {
    'vanilla.bin': grad.abs().amax(dim=3),
    'gxi.bin': grad * pixels,
    'ig.bin': integrated,
    'gradcam.bin': cam,
}
for name, value in outputs.items():
    with open(os.path.join(reference_dir, name), 'wb') as out:
        out.write(value.detach().numpy().astype('<f4').tobytes())
with open(os.path.join(reference_dir, 'targets.json'), 'w') as out:
    json.dump({'targets': targets.tolist(), 'camShape': list(cam.shape)}, out)
