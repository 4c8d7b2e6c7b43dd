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
import torchvision

weights_dir, reference_dir = sys.argv[1], sys.argv[2]
with open(os.path.join(weights_dir, 'model.json')) as handle:
    manifest = json.load(handle)
raw = numpy.fromfile(os.path.join(weights_dir, 'weights.bin'), dtype='<f4')
state, offset = {}, 0
for spec in manifest['weightsManifest'][0]['weights']:
    size = int(numpy.prod(spec['shape']))
    value = torch.from_numpy(raw[offset:offset + size].reshape(spec['shape']).copy())
    offset += size
    state[spec['name']] = value.permute(3, 2, 0, 1).contiguous() if value.dim() == 4 else value
model = torchvision.models.squeezenet1_1(weights=None).eval()
model.load_state_dict(state)
for parameter in model.parameters():
    parameter.requires_grad_(False)

with open(os.path.join(reference_dir, 'meta.json')) as handle:
    shape = json.load(handle)['inputShape']
pixels = torch.from_numpy(numpy.fromfile(os.path.join(reference_dir, 'input.bin'), dtype='<f4').reshape(shape))
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def logits_of(nhwc):
    return model((nhwc.permute(0, 3, 1, 2) - mean) / std)


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
fire9_logits = model((pixels.permute(0, 3, 1, 2) - mean) / std)
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
