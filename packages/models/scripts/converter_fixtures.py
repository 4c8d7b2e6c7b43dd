#!/usr/bin/env python3
"""Converter-shaped test fixtures and their PyTorch references.

Builds two torchvision networks with seeded weights and non-trivial batch-norm statistics, writes
each as a TensorFlow.js GraphModel in tfjs-converter's format (see `tfjs_graph_writer.py`), and
writes what PyTorch computes for a seeded pixel batch, in float64 (the reference) with the float32
error next to it (the floor an fp32 implementation can be held to):

- `mobilenet-v2`: torchvision.models.mobilenet_v2 (width 0.35, one block per stage but two in the
  24- and 32-channel stages so residual AddV2s appear, last conv 128 channels, 10 classes), 64² input
  in [-1, 1]. Batch norms are folded into `_FusedConv2D`/`FusedDepthwiseConv2dNative` with
  `fused_ops` [BiasAdd, Relu6] or [BiasAdd] as the converter emits them; stride-2 3×3 convs are
  `PadV2` + VALID (the converter's form of Keras' ZeroPadding2D, and torch's symmetric padding);
  one expand conv stays `Conv2D` + `FusedBatchNormV3` + `Relu6` and one depthwise conv stays
  `DepthwiseConv2dNative` + `FusedBatchNorm` + `Relu` + `ClipByValue(0, 6)` (the ReLU6 spelling of
  tf.keras' ReLU with a cap other than 6 and of tfjs-layers' reLU({maxValue})); head `Mean` +
  `_FusedMatMul`.
- `inception`: the stem and Mixed_5b (InceptionA), Mixed_6a (InceptionB) and Mixed_6b (InceptionC)
  of torchvision.models.inception_v3 with every width divided by 4, 64² input in [-1, 1]. Every
  BasicConv2d batch norm is Keras' BatchNormalization(scale=False) (epsilon 1e-3, scale fixed at 1):
  in the graph its scale input is a Const of ones, as tf.keras feeds it to FusedBatchNormV3 (TF's op
  always has a scale input; tfjs-converter's mapper reads inputs by position and cannot load a
  graph with an empty input name). The stem convs are folded to `_FusedConv2D` [BiasAdd, Relu];
  the blocks are `Conv2D` + `FusedBatchNormV3` (or `FusedBatchNorm`) + `Relu`; branches meet in
  `ConcatV2`; pools are `MaxPool` VALID and `AvgPool` 3×3 SAME (Keras' AveragePooling2D, which
  divides by the valid count: torch runs it with count_include_pad=False); head `AvgPool` VALID +
  1×1 `_FusedConv2D` + `Squeeze`, as TF-slim's Inception v3.

References (float32 files, NHWC): `input.bin` pixels in [0, 1]; `logits.bin`; for the targets in
`reference.json`: `vanilla.bin` (∂score/∂pixel), `guided.bin` (guided backpropagation: at every
ReLU/ReLU6 dx = dy·[x>0]·[dy>0]·[x<6 for ReLU6]), `deconvnet.bin` (dx = relu(dy)·[x<6 for ReLU6]),
`gradcam.bin` (Grad-CAM at `gradcamLayer`, before upsampling, [N, h, w]). The rules replace every
activation module by an autograd Function with that backward.

    /usr/bin/python3 converter_fixtures.py --out DIR [--only mobilenet-v2|inception|keras]
    /usr/bin/python3 converter_fixtures.py --full-mobilenet-v2 DIR   # width 1.0, 224², 1000 classes

`--full-mobilenet-v2` writes the model (about 14 MB, 4 MiB shards as the converter cuts them) and
one image's logits only, for timing tests. `keras` writes the
weights of a small Keras-style network (`keras-weights.bin` + `keras-weights.json`, in tfjs-layers'
`setWeights` order) and its references, for a LayersModel built in TypeScript.
"""
import argparse
import json
import os
import sys

import numpy
import torch
import torchvision
from torch import nn
from torchvision.ops.misc import Conv2dNormActivation

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tfjs_graph_writer import GraphWriter  # noqa: E402

SIZE = 64
BATCH = 2
NUM_CLASSES = 10


# ---- activations that carry a backward rule -------------------------------------------------

class _Rule(torch.autograd.Function):
    @staticmethod
    def forward(context, x, cap, rule):
        context.save_for_backward(x)
        context.cap, context.rule = cap, rule
        return x.clamp(min=0) if cap is None else x.clamp(min=0, max=cap)

    @staticmethod
    def backward(context, dy):
        (x,) = context.saved_tensors
        below_cap = torch.ones_like(x) if context.cap is None else (x < context.cap).to(x.dtype)
        if context.rule == 'guided':
            return dy * (x > 0).to(x.dtype) * (dy > 0).to(x.dtype) * below_cap, None, None
        return dy.clamp(min=0) * below_cap, None, None  # deconvnet


class Activation(nn.Module):
    """ReLU (cap None) or ReLU6 (cap 6); `rule` None is the ordinary gradient."""

    def __init__(self, cap=None):
        super().__init__()
        self.cap, self.rule = cap, None

    def forward(self, x):
        if self.rule is None:
            return torch.relu(x) if self.cap is None else torch.clamp(x, 0, self.cap)
        return _Rule.apply(x, self.cap, self.rule)


def replace_activations(module):
    for name, child in module.named_children():
        if isinstance(child, nn.ReLU6):
            setattr(module, name, Activation(6.0))
        elif isinstance(child, nn.ReLU):
            setattr(module, name, Activation())
        else:
            replace_activations(child)


def set_rule(model, rule):
    for module in model.modules():
        if isinstance(module, Activation):
            module.rule = rule


def randomize_batch_norms(model, generator, scale_free=False):
    """Statistics far from (0, 1) and affine terms far from (1, 0), so folding and epsilon matter
    and a good share of pre-activations exceed ReLU6's cap."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                n = module.num_features
                module.running_mean.copy_(torch.randn(n, generator=generator) * 0.3)
                module.running_var.copy_(torch.rand(n, generator=generator) * 1.5 + 0.25)
                module.bias.copy_(torch.randn(n, generator=generator) * 0.5 + 0.2)
                if scale_free:
                    module.weight.fill_(1.0)
                else:
                    module.weight.copy_(torch.rand(n, generator=generator) * 2.5 + 0.5)


def calibrate(model, generator, size):
    """Sets running statistics from a forward pass (so activations are O(1) through the depth),
    then randomizes them around that."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.momentum = None
            module.reset_running_stats()
    model.train()
    with torch.no_grad():
        model(torch.rand(8, 3, size, size, generator=generator) * 2 - 1)
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                n = module.num_features
                module.running_mean.add_(torch.randn(n, generator=generator) * 0.1 * module.running_var.sqrt())
                module.running_var.mul_(torch.rand(n, generator=generator) * 0.8 + 0.6)
    model.eval()


# ---- MobileNetV2 ------------------------------------------------------------------------------

def build_mobilenet_v2(full, seed):
    torch.manual_seed(seed)
    if full:
        model = torchvision.models.mobilenet_v2(weights=None)
    else:
        setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 2, 2], [6, 64, 1, 2], [6, 96, 1, 1],
                   [6, 160, 1, 2], [6, 320, 1, 1]]
        model = torchvision.models.mobilenet_v2(width_mult=0.35, inverted_residual_setting=setting,
                                                num_classes=NUM_CLASSES)
        last_in = model.features[-1][0].in_channels
        model.features[-1] = Conv2dNormActivation(last_in, 128, kernel_size=1, activation_layer=nn.ReLU6)
        model.classifier[1] = nn.Linear(128, NUM_CLASSES)
    generator = torch.Generator().manual_seed(seed + 1)
    randomize_batch_norms(model, generator)
    with torch.no_grad():
        model.classifier[1].bias.copy_(torch.randn(model.classifier[1].bias.shape, generator=generator) * 0.1)
    calibrate(model, generator, 224 if full else SIZE)
    replace_activations(model)
    return model.eval()


def folded(conv, bn):
    """Conv weights and bias with the inference batch norm folded in (computed in float64)."""
    weight = conv.weight.detach().double()
    factor = bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)
    weight = weight * factor.view(-1, 1, 1, 1)
    bias = bn.bias.detach().double() - bn.running_mean.double() * factor
    return weight, bias


def hwio(weight):
    return weight.permute(2, 3, 1, 0).float().numpy()


def hwc1(weight):
    return weight.permute(2, 3, 0, 1).float().numpy()


def np32(tensor):
    return tensor.detach().float().numpy()


def write_mobilenet_v2(model, out_dir, size, shard_bytes):
    prefix = 'StatefulPartitionedCall/model'
    graph = GraphWriter('input_1', [-1, size, size, 3])
    features = list(model.features)

    def conv_bn_act(name, x, block, stride, depthwise, spelling='fused', activation='Relu6'):
        conv, bn = block[0], block[1]
        padding = 'SAME'
        if stride == 2:
            x = graph.pad(f'{name}_pad/Pad', x, (1, 1), (1, 1))
            padding = 'VALID'
        if spelling == 'fused':
            weight, bias = folded(conv, bn)
            emit = graph.depthwise if depthwise else graph.conv
            kernel = hwc1(weight) if depthwise else hwio(weight)
            return emit(f'{name}/{activation or "BiasAdd"}', x, kernel, stride, padding,
                        bias=bias.float().numpy(), activation=activation)
        kernel = hwc1(conv.weight.detach()) if depthwise else hwio(conv.weight.detach())
        emit = graph.depthwise if depthwise else graph.conv
        x = emit(f'{name}/Conv2D', x, kernel, stride, padding)
        op = 'FusedBatchNormV3' if spelling == 'v3-relu6' else 'FusedBatchNorm'
        x = graph.batch_norm(f'{name}_BN/{op}', x, np32(bn.weight), np32(bn.bias), np32(bn.running_mean),
                             np32(bn.running_var), bn.eps, op)
        if spelling == 'v3-relu6':
            return graph.unary(f'{name}_relu/Relu6', 'Relu6', x)
        x = graph.unary(f'{name}_relu/Relu', 'Relu', x)
        return graph.clip(f'{name}_relu/clip_by_value', x, 0, 6)

    x = conv_bn_act(f'{prefix}/Conv1', 'input_1', features[0], 2, False)
    for index, block in enumerate(features[1:-1], start=1):
        layers = list(block.conv)
        name = f'{prefix}/block_{index}'
        block_input = x
        if len(layers) == 4:
            spelling = 'v3-relu6' if index == 2 else 'fused'
            x = conv_bn_act(f'{name}_expand', x, layers[0], 1, False, spelling)
            layers = layers[1:]
        depthwise = layers[0]
        spelling = 'v1-relu-clip' if index == 3 else 'fused'
        x = conv_bn_act(f'{name}_depthwise', x, depthwise, depthwise[0].stride[0], True, spelling)
        x = conv_bn_act(f'{name}_project', x, [layers[1], layers[2]], 1, False, 'fused', None)
        if block.use_res_connect:
            x = graph.add(f'{name}_add/add', block_input, x)
    gradcam_layer = conv_bn_act(f'{prefix}/out', x, features[-1], 1, False)
    x = graph.mean(f'{prefix}/global_average_pooling2d/Mean', gradcam_layer, [1, 2], False)
    linear = model.classifier[1]
    logits = graph.dense(f'{prefix}/predictions/BiasAdd', x, np32(linear.weight).T.copy(), np32(linear.bias))
    graph.save(out_dir, logits, linear.out_features, shard_bytes)
    return gradcam_layer


# ---- Inception v3 pieces -----------------------------------------------------------------------

class BasicConv2d(nn.Module):
    """torchvision's inception BasicConv2d (conv without bias, BN eps 1e-3, ReLU) with the ReLU as a
    module, so the backward rules can replace it."""

    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


def avg_pool_same(x):
    return nn.functional.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


class InceptionA(nn.Module):
    """torchvision's InceptionA with widths divided by 4 and Keras' average pool."""

    def __init__(self, in_channels, pool_features):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_1 = BasicConv2d(in_channels, 12, kernel_size=1)
        self.branch5x5_2 = BasicConv2d(12, 16, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 16, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(16, 24, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(24, 24, kernel_size=3, padding=1)
        self.branch_pool = BasicConv2d(in_channels, pool_features, kernel_size=1)

    def forward(self, x):
        return torch.cat([
            self.branch1x1(x),
            self.branch5x5_2(self.branch5x5_1(x)),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            self.branch_pool(avg_pool_same(x)),
        ], 1)


class InceptionB(nn.Module):
    """torchvision's InceptionB (grid reduction) with widths divided by 4."""

    def __init__(self, in_channels):
        super().__init__()
        self.branch3x3 = BasicConv2d(in_channels, 96, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 16, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(16, 24, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(24, 24, kernel_size=3, stride=2)

    def forward(self, x):
        return torch.cat([
            self.branch3x3(x),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            nn.functional.max_pool2d(x, kernel_size=3, stride=2),
        ], 1)


class InceptionC(nn.Module):
    """torchvision's InceptionC (factorized 7×7) with widths divided by 4 and Keras' average pool."""

    def __init__(self, in_channels, c7):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 48, kernel_size=1)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 48, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(in_channels, c7, kernel_size=1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 48, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(in_channels, 48, kernel_size=1)

    def forward(self, x):
        double = x
        for index in range(1, 6):
            double = getattr(self, f'branch7x7dbl_{index}')(double)
        return torch.cat([
            self.branch1x1(x),
            self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x))),
            double,
            self.branch_pool(avg_pool_same(x)),
        ], 1)


class SmallInception(nn.Module):
    def __init__(self):
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 8, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(8, 8, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(8, 16, kernel_size=3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(16, 20, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(20, 48, kernel_size=3)
        self.Mixed_5b = InceptionA(48, pool_features=8)
        self.Mixed_6a = InceptionB(64)
        self.Mixed_6b = InceptionC(184, c7=32)
        self.fc = nn.Linear(192, NUM_CLASSES)

    def forward(self, x):
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = nn.functional.max_pool2d(x, 3, stride=2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = nn.functional.max_pool2d(x, 3, stride=2)
        x = self.Mixed_6b(self.Mixed_6a(self.Mixed_5b(x)))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def build_inception(seed):
    torch.manual_seed(seed)
    model = SmallInception()
    generator = torch.Generator().manual_seed(seed + 1)
    randomize_batch_norms(model, generator, scale_free=True)
    calibrate(model, generator, SIZE)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.weight.fill_(1.0)  # Keras' scale=False: calibration must not leave a scale
    replace_activations(model)
    return model.eval()


def write_inception(model, out_dir, size, shard_bytes):
    graph = GraphWriter('input_1', [-1, size, size, 3])
    same = lambda conv: 'SAME' if conv.padding != (0, 0) else 'VALID'  # noqa: E731
    counter = {'v1': 0}

    def basic(name, x, block, fold=False):
        conv, bn = block.conv, block.bn
        if fold:
            weight, bias = folded(conv, bn)
            return graph.conv(f'{name}/Relu', x, hwio(weight), conv.stride[0], same(conv),
                              bias=bias.float().numpy(), activation='Relu')
        x = graph.conv(f'{name}/Conv2D', x, hwio(conv.weight.detach()), conv.stride[0], same(conv))
        # Alternate the two op versions the converter emits for a batch norm.
        counter['v1'] += 1
        op = 'FusedBatchNorm' if counter['v1'] % 3 == 0 else 'FusedBatchNormV3'
        x = graph.batch_norm(f'{name}/BatchNorm/{op}', x, numpy.ones(bn.num_features, numpy.float32),
                             np32(bn.bias), np32(bn.running_mean), np32(bn.running_var), bn.eps, op)
        return graph.unary(f'{name}/Relu', 'Relu', x)

    x = basic('Conv2d_1a_3x3', 'input_1', model.Conv2d_1a_3x3, fold=True)
    x = basic('Conv2d_2a_3x3', x, model.Conv2d_2a_3x3, fold=True)
    x = basic('Conv2d_2b_3x3', x, model.Conv2d_2b_3x3, fold=True)
    x = graph.pool('MaxPool_3a_3x3/MaxPool', 'MaxPool', x, 3, 2, 'VALID')
    x = basic('Conv2d_3b_1x1', x, model.Conv2d_3b_1x1)
    x = basic('Conv2d_4a_3x3', x, model.Conv2d_4a_3x3)
    x = graph.pool('MaxPool_5a_3x3/MaxPool', 'MaxPool', x, 3, 2, 'VALID')

    def chain(prefix, x, blocks):
        for name, block in blocks:
            x = basic(f'{prefix}/{name}', x, block)
        return x

    a = model.Mixed_5b
    x = graph.concat('Mixed_5b/concat', [
        chain('Mixed_5b', x, [('branch1x1', a.branch1x1)]),
        chain('Mixed_5b', x, [('branch5x5_1', a.branch5x5_1), ('branch5x5_2', a.branch5x5_2)]),
        chain('Mixed_5b', x, [(f'branch3x3dbl_{k}', getattr(a, f'branch3x3dbl_{k}')) for k in (1, 2, 3)]),
        chain('Mixed_5b', graph.pool('Mixed_5b/AvgPool', 'AvgPool', x, 3, 1, 'SAME'),
              [('branch_pool', a.branch_pool)]),
    ])
    b = model.Mixed_6a
    x = graph.concat('Mixed_6a/concat', [
        chain('Mixed_6a', x, [('branch3x3', b.branch3x3)]),
        chain('Mixed_6a', x, [(f'branch3x3dbl_{k}', getattr(b, f'branch3x3dbl_{k}')) for k in (1, 2, 3)]),
        graph.pool('Mixed_6a/MaxPool', 'MaxPool', x, 3, 2, 'VALID'),
    ])
    c = model.Mixed_6b
    gradcam_layer = graph.concat('Mixed_6b/concat', [
        chain('Mixed_6b', x, [('branch1x1', c.branch1x1)]),
        chain('Mixed_6b', x, [(f'branch7x7_{k}', getattr(c, f'branch7x7_{k}')) for k in (1, 2, 3)]),
        chain('Mixed_6b', x, [(f'branch7x7dbl_{k}', getattr(c, f'branch7x7dbl_{k}')) for k in range(1, 6)]),
        chain('Mixed_6b', graph.pool('Mixed_6b/AvgPool', 'AvgPool', x, 3, 1, 'SAME'),
              [('branch_pool', c.branch_pool)]),
    ])
    spatial = size
    for kernel, stride in ((3, 2), (3, 1), (3, 2), (3, 1), (3, 2), (3, 2)):
        spatial = (spatial - kernel) // stride + 1
    x = graph.pool('Logits/AvgPool_1a/AvgPool', 'AvgPool', gradcam_layer, spatial, 1, 'VALID')
    weight = model.fc.weight.detach().float()
    x = graph.conv('Logits/Conv2d_1c_1x1/BiasAdd', x, weight.T.reshape(1, 1, *weight.T.shape).numpy(), 1,
                   'VALID', bias=np32(model.fc.bias))
    logits = graph.squeeze('Logits/SpatialSqueeze', x, [1, 2])
    graph.save(out_dir, logits, NUM_CLASSES, shard_bytes)
    return gradcam_layer


# ---- references --------------------------------------------------------------------------------

def references(model, pixels, gradcam_module, preprocess):
    """Logits, vanilla/guided/deconvnet input gradients and Grad-CAM, in float64 and float32."""
    results = {}
    for dtype in (torch.float64, torch.float32):
        net = model.to(dtype)
        nhwc = torch.from_numpy(pixels).to(dtype)

        def logits_of(x):
            return net(preprocess(x).permute(0, 3, 1, 2))

        set_rule(net, None)
        logits = logits_of(nhwc)
        targets = results['targets'] if results else logits.argmax(dim=1)
        out = {'logits': logits.detach()}
        for rule in (None, 'guided', 'deconvnet'):
            set_rule(net, rule)
            x = nhwc.clone().requires_grad_(True)
            logits_of(x).gather(1, targets.view(-1, 1)).sum().backward()
            out[rule or 'vanilla'] = x.grad
        set_rule(net, None)
        captured = {}

        def capture(_module, _inputs, output):
            leaf = output.detach().requires_grad_(True)
            captured['activation'] = leaf
            return leaf

        handle = gradcam_module.register_forward_hook(capture)
        score = logits_of(nhwc).gather(1, targets.view(-1, 1)).sum()
        handle.remove()
        activation = captured['activation']
        grad = torch.autograd.grad(score, activation)[0]
        out['gradcam'] = torch.relu((grad.mean(dim=(2, 3), keepdim=True) * activation).sum(dim=1))
        results[dtype] = out
        results['targets'] = targets
    model.to(torch.float32)
    return results


def write_references(out_dir, pixels, results, extra):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'input.bin'), 'wb') as handle:
        handle.write(pixels.astype('<f4').tobytes())
    floors, shapes = {}, {}
    for name, reference in results[torch.float64].items():
        single = results[torch.float32][name].double()
        scale = max(reference.abs().max().item(), 1e-30)
        # Error of torch's own float32 run, relative to the largest |value|: what fp32 reaches here.
        floors[name] = (single - reference).abs().max().item() / scale
        shapes[name] = list(reference.shape)
        with open(os.path.join(out_dir, f'{name}.bin'), 'wb') as handle:
            handle.write(reference.detach().numpy().astype('<f4').tobytes())
    meta = {'targets': results['targets'].tolist(), 'fp32Floor': floors, 'shapes': shapes,
            'torch': torch.__version__, 'torchvision': torchvision.__version__, **extra}
    with open(os.path.join(out_dir, 'reference.json'), 'w') as handle:
        json.dump(meta, handle, indent=1)
    return meta


def pixel_batch(seed, size, batch=BATCH):
    # Smooth blobs plus noise: gradients then vary across the image rather than being white noise.
    generator = numpy.random.default_rng(seed)
    ys, xs = numpy.mgrid[0:size, 0:size] / size
    images = []
    for _ in range(batch):
        channels = []
        for _ in range(3):
            fx, fy, phase = generator.uniform(1, 4, 2).tolist() + [generator.uniform(0, 6.3)]
            channels.append(0.5 + 0.35 * numpy.sin(fx * 6.3 * xs + phase) * numpy.cos(fy * 6.3 * ys))
        image = numpy.stack(channels, axis=-1) + generator.normal(0, 0.05, (size, size, 3))
        images.append(numpy.clip(image, 0, 1))
    return numpy.stack(images).astype(numpy.float32)


def to_minus_one_one(x):
    return (x - 0.5) / 0.5


# ---- a Keras-style network for the LayersModel path --------------------------------------------

class KerasStyle(nn.Module):
    """The torch twin of a tfjs-layers Sequential: conv2d(relu) · batchNormalization(scale: false) ·
    maxPooling2d · depthwiseConv2d(no bias) · batchNormalization · reLU({maxValue: 6}) · conv2d 1×1 ·
    batchNormalization · reLU({maxValue: 6}) · conv2d(relu) · globalAveragePooling2d · dense."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.act1 = nn.ReLU()
        self.bn1 = nn.BatchNorm2d(8, eps=1e-3)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.bn2 = nn.BatchNorm2d(8, eps=1e-3)
        self.act2 = nn.ReLU6()
        self.conv2 = nn.Conv2d(8, 16, 1)
        self.bn3 = nn.BatchNorm2d(16, eps=1e-3)
        self.act3 = nn.ReLU6()
        self.conv3 = nn.Conv2d(16, 16, 3, padding=1)
        self.act4 = nn.ReLU()
        self.fc = nn.Linear(16, NUM_CLASSES)

    def forward(self, x):
        x = nn.functional.max_pool2d(self.bn1(self.act1(self.conv1(x))), 2)
        x = self.act3(self.bn3(self.conv2(self.act2(self.bn2(self.dw(x))))))
        x = self.act4(self.conv3(x))
        return self.fc(x.mean(dim=(2, 3)))


KERAS_SIZE = 32


def build_keras_style(seed):
    torch.manual_seed(seed)
    model = KerasStyle()
    generator = torch.Generator().manual_seed(seed + 1)
    randomize_batch_norms(model, generator)
    with torch.no_grad():
        for conv in (model.conv1, model.conv2, model.conv3):
            conv.bias.copy_(torch.randn(conv.bias.shape, generator=generator) * 0.2)
    calibrate(model, generator, KERAS_SIZE)
    with torch.no_grad():
        model.bn1.weight.fill_(1.0)  # batchNormalization({scale: false})
        # Wide scales before the two ReLU6s put a good share of their inputs above the cap.
        for bn in (model.bn2, model.bn3):
            bn.weight.copy_(torch.rand(bn.num_features, generator=generator) * 3 + 1.5)
    replace_activations(model)
    return model.eval()


def write_keras_weights(model, out_dir):
    """Weights in tfjs-layers' `setWeights` order per layer: kernel, bias; gamma (if scale), beta,
    moving_mean, moving_variance; depthwise_kernel [h, w, c, 1]; dense kernel [in, out], bias."""
    def bn(layer, scale=True):
        values = [layer.weight] if scale else []
        return [np32(v) for v in values + [layer.bias, layer.running_mean, layer.running_var]]

    layers = [
        ('conv1', [hwio(model.conv1.weight.detach()), np32(model.conv1.bias)]),
        ('bn1', bn(model.bn1, scale=False)),
        ('dw', [hwc1(model.dw.weight.detach())]),
        ('bn2', bn(model.bn2)),
        ('conv2', [hwio(model.conv2.weight.detach()), np32(model.conv2.bias)]),
        ('bn3', bn(model.bn3)),
        ('conv3', [hwio(model.conv3.weight.detach()), np32(model.conv3.bias)]),
        ('predictions', [np32(model.fc.weight).T.copy(), np32(model.fc.bias)]),
    ]
    os.makedirs(out_dir, exist_ok=True)
    specs = []
    with open(os.path.join(out_dir, 'keras-weights.bin'), 'wb') as handle:
        for layer, arrays in layers:
            for array in arrays:
                handle.write(array.astype('<f4').tobytes())
                specs.append({'layer': layer, 'shape': list(array.shape)})
    with open(os.path.join(out_dir, 'keras-weights.json'), 'w') as handle:
        json.dump(specs, handle, indent=1)


# ---- main ----------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', help='folder for mobilenet-v2/, inception/ and keras/')
    parser.add_argument('--only', choices=['mobilenet-v2', 'inception', 'keras'])
    parser.add_argument('--full-mobilenet-v2', metavar='DIR', help='write only the real-sized MobileNetV2')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--shard-bytes', type=int, default=256 * 1024,
                        help='shard size of the small fixtures (the converter default is 4 MiB)')
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.full_mobilenet_v2:
        model = build_mobilenet_v2(True, args.seed)
        layer = write_mobilenet_v2(model, args.full_mobilenet_v2, 224, 4 * 1024 * 1024)
        # Logits only (one image): enough to show the real-sized graph computes what torch does.
        pixels = pixel_batch(args.seed + 10, 224, batch=1)
        results = {}
        for dtype in (torch.float64, torch.float32):
            with torch.no_grad():
                nchw = to_minus_one_one(torch.from_numpy(pixels).to(dtype)).permute(0, 3, 1, 2)
                results[dtype] = {'logits': model.to(dtype)(nchw)}
        model.to(torch.float32)
        results['targets'] = results[torch.float64]['logits'].argmax(dim=1)
        write_references(os.path.join(args.full_mobilenet_v2, 'reference'), pixels, results,
                         {'gradcamLayer': layer, 'preprocess': 'inception'})
        return
    if not args.out:
        parser.error('--out or --full-mobilenet-v2 is required')
    pixels = pixel_batch(args.seed + 10, SIZE)
    summary = {}
    if args.only in (None, 'mobilenet-v2'):
        model = build_mobilenet_v2(False, args.seed)
        folder = os.path.join(args.out, 'mobilenet-v2')
        layer = write_mobilenet_v2(model, folder, SIZE, args.shard_bytes)
        results = references(model, pixels, model.features[-1], to_minus_one_one)
        summary['mobilenet-v2'] = write_references(os.path.join(folder, 'reference'), pixels, results,
                                                   {'gradcamLayer': layer, 'preprocess': 'inception'})
    if args.only in (None, 'inception'):
        model = build_inception(args.seed)
        folder = os.path.join(args.out, 'inception')
        layer = write_inception(model, folder, SIZE, args.shard_bytes)
        results = references(model, pixels, model.Mixed_6b, to_minus_one_one)
        summary['inception'] = write_references(os.path.join(folder, 'reference'), pixels, results,
                                                {'gradcamLayer': layer, 'preprocess': 'inception'})
    if args.only in (None, 'keras'):
        model = build_keras_style(args.seed)
        folder = os.path.join(args.out, 'keras')
        write_keras_weights(model, folder)
        keras_pixels = pixel_batch(args.seed + 20, KERAS_SIZE)
        results = references(model, keras_pixels, model.act4, lambda x: x)
        summary['keras'] = write_references(os.path.join(folder, 'reference'), keras_pixels, results,
                                            {'gradcamLayer': 'conv3', 'preprocess': 'none'})
    for name, meta in summary.items():
        print(name, 'targets', meta['targets'], 'fp32 floor',
              {k: f'{v:.1e}' for k, v in meta['fp32Floor'].items()})


if __name__ == '__main__':
    main()
