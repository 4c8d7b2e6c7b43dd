"""PyTorch reference steps for the adversarial parity test: loads netlens-format SqueezeNet 1.1
weights (model.json + weights.bin, HWIO kernels) back into torchvision's squeezenet1_1, reads the
reference batch (input.bin, NHWC pixels in [0, 1]) and writes, for the clean predicted labels, written
the way torchattacks writes them (cross-entropy on the logits, pixels clamped to [0, 1]):
fgsm.bin (FGSM, eps 8/255), pgd-linf.bin (one PGD step from the clean images, step 2/255, eps 8/255),
pgd-l2.bin (one L2 PGD step from the clean images, step 1, eps 0.5: the projection is active) and
grad.bin (the cross-entropy gradient, to tell near-zero gradient entries whose sign is a coin toss).
ImageNet normalisation is applied inside, on the pixels, as netlens does.

    /usr/bin/python3 torch-reference.py WEIGHTS_DIR REFERENCE_DIR
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'models', 'scripts'))
from netlens_squeezenet import load_squeezenet, logits_of as squeezenet_logits, read_pixels  # noqa: E402

weights_dir, reference_dir = sys.argv[1], sys.argv[2]
model = load_squeezenet(weights_dir)
pixels = read_pixels(reference_dir)


def logits_of(nhwc):
    return squeezenet_logits(model, nhwc)


labels = logits_of(pixels).argmax(dim=1)


def loss_gradient(nhwc):
    x = nhwc.clone().requires_grad_(True)
    loss = F.cross_entropy(logits_of(x), labels)
    return torch.autograd.grad(loss, x)[0]


grad = loss_gradient(pixels)
fgsm = (pixels + 8 / 255 * grad.sign()).clamp(0, 1)

# torchattacks PGD (random_start=False), one step.
adv = pixels + 2 / 255 * grad.sign()
delta = torch.clamp(adv - pixels, min=-8 / 255, max=8 / 255)
pgd_linf = torch.clamp(pixels + delta, 0, 1)

# torchattacks PGDL2 (random_start=False), one step.
norms = grad.flatten(1).norm(p=2, dim=1).view(-1, 1, 1, 1) + 1e-10
adv = pixels + 1.0 * grad / norms
delta = adv - pixels
factor = torch.clamp(0.5 / delta.flatten(1).norm(p=2, dim=1), max=1.0).view(-1, 1, 1, 1)
pgd_l2 = torch.clamp(pixels + delta * factor, 0, 1)

outputs = {'fgsm.bin': fgsm, 'pgd-linf.bin': pgd_linf, 'pgd-l2.bin': pgd_l2, 'grad.bin': grad}
for name, value in outputs.items():
    with open(os.path.join(reference_dir, name), 'wb') as out:
        out.write(value.detach().numpy().astype('<f4').tobytes())
with open(os.path.join(reference_dir, 'labels.json'), 'w') as out:
    json.dump({'labels': labels.tolist()}, out)
