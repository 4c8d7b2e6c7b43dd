"""Writes TensorFlow.js GraphModels in tfjs-converter's exact on-disk format: `model.json` with
`format: 'graph-model'`, a `signature`, `modelTopology.node` (GraphDef nodes in protobuf JSON:
64-bit ints as decimal strings, strings as base64, lists under `list`) and a `weightsManifest`
whose bytes are split into `group1-shardKofN.bin` files the way the converter splits them (one
byte stream, cut every `shard_bytes`, so a tensor may straddle two shards).

Attribute names and encodings follow tfjs-converter 4.22's op mappers
(`dist/operations/op_list/*.js`) and `operation_mapper.js` (`getStringParam` base64-decodes `s`,
`getNumericArrayParam` reads `list.i`/`list.f`, `getNumberParam` reads `i` or `f`).
"""
import base64
import json
import math
import os

import numpy

DTYPES = {'float32': 'DT_FLOAT', 'int32': 'DT_INT32'}


def attr_s(text):
    return {'s': base64.b64encode(text.encode()).decode()}


def attr_i(value):
    return {'i': str(int(value))}


def attr_f(value):
    return {'f': float(value)}


def attr_b(value):
    return {'b': bool(value)}


def attr_type(dtype='float32'):
    return {'type': DTYPES[dtype]}


def attr_list_i(values):
    return {'list': {'i': [str(int(v)) for v in values]}}


def attr_list_s(values):
    return {'list': {'s': [base64.b64encode(v.encode()).decode() for v in values]}}


def tensor_shape(shape):
    return {'dim': [{'size': str(int(size))} for size in shape]}


class GraphWriter:
    """Collects nodes and Const weights; `conv`, `batch_norm`, … emit what tfjs-converter emits."""

    def __init__(self, input_name, input_shape):
        self.nodes = []
        self.weights = []  # (name, numpy array)
        self.input_name = input_name
        self.input_shape = input_shape
        self.node(input_name, 'Placeholder', [], {
            'dtype': attr_type(),
            'shape': {'shape': tensor_shape(input_shape)},
        })

    def node(self, name, op, inputs, attrs):
        entry = {'name': name, 'op': op}
        if inputs:
            entry['input'] = list(inputs)
        entry['attr'] = attrs
        self.nodes.append(entry)
        return name

    def const(self, name, value, dtype='float32'):
        array = numpy.asarray(value, dtype=numpy.float32 if dtype == 'float32' else numpy.int32)
        self.weights.append((name, array))
        return self.node(name, 'Const', [], {
            'value': {'tensor': {'dtype': DTYPES[dtype], 'tensorShape': tensor_shape(array.shape)}},
            'dtype': attr_type(dtype),
        })

    def pad(self, name, x, top_bottom, left_right):
        """`PadV2` with a zero constant, the converter's form of Keras' ZeroPadding2D."""
        paddings = self.const(f'{name}/paddings', [[0, 0], list(top_bottom), list(left_right), [0, 0]], 'int32')
        value = self.const(f'{name}/constant_values', numpy.float32(0))
        return self.node(name, 'PadV2', [x, paddings, value], {'T': attr_type(), 'Tpaddings': attr_type('int32')})

    def _conv_attrs(self, strides, padding, dilations=(1, 1)):
        return {
            'T': attr_type(),
            'data_format': attr_s('NHWC'),
            'strides': attr_list_i([1, strides, strides, 1]),
            'padding': attr_s(padding),
            'explicit_paddings': {'list': {}},
            'dilations': attr_list_i([1, dilations[0], dilations[1], 1]),
        }

    def conv(self, name, x, kernel_hwio, strides, padding, bias=None, activation=None):
        """`_FusedConv2D` with `fused_ops` [BiasAdd(, Relu|Relu6)] when `bias` is given, else `Conv2D`."""
        weights = self.const(f'{name}/weights', kernel_hwio)
        attrs = self._conv_attrs(strides, padding)
        if bias is None:
            attrs['use_cudnn_on_gpu'] = attr_b(True)
            return self.node(name, 'Conv2D', [x, weights], attrs)
        bias_name = self.const(f'{name}/bias', bias)
        attrs.update({
            'use_cudnn_on_gpu': attr_b(True),
            'num_args': attr_i(1),
            'fused_ops': attr_list_s(['BiasAdd'] + ([activation] if activation else [])),
            'epsilon': attr_f(0),
            'leakyrelu_alpha': attr_f(0.2),
        })
        return self.node(name, '_FusedConv2D', [x, weights, bias_name], attrs)

    def depthwise(self, name, x, kernel_hwc1, strides, padding, bias=None, activation=None):
        """`FusedDepthwiseConv2dNative` with `fused_ops` when `bias` is given, else `DepthwiseConv2dNative`."""
        weights = self.const(f'{name}/depthwise_weights', kernel_hwc1)
        attrs = self._conv_attrs(strides, padding)
        if bias is None:
            return self.node(name, 'DepthwiseConv2dNative', [x, weights], attrs)
        bias_name = self.const(f'{name}/bias', bias)
        attrs.update({
            'num_args': attr_i(1),
            'fused_ops': attr_list_s(['BiasAdd'] + ([activation] if activation else [])),
            'epsilon': attr_f(0),
            'leakyrelu_alpha': attr_f(0.2),
        })
        return self.node(name, 'FusedDepthwiseConv2dNative', [x, weights, bias_name], attrs)

    def batch_norm(self, name, x, scale, offset, mean, variance, epsilon, op='FusedBatchNormV3'):
        """`FusedBatchNorm`/`FusedBatchNormV3` in inference mode. TF's op always takes a scale input;
        Keras' BatchNormalization(scale=False) feeds it a Const of ones, and so does this."""
        inputs = [x, self.const(f'{name}/scale', scale), self.const(f'{name}/offset', offset),
                  self.const(f'{name}/mean', mean), self.const(f'{name}/variance', variance)]
        attrs = {'T': attr_type(), 'epsilon': attr_f(epsilon), 'data_format': attr_s('NHWC'),
                 'is_training': attr_b(False)}
        if op == 'FusedBatchNormV3':
            attrs.update({'U': attr_type(), 'exponential_avg_factor': attr_f(1)})
        return self.node(name, op, inputs, attrs)

    def unary(self, name, op, x):
        return self.node(name, op, [x], {'T': attr_type()})

    def clip(self, name, x, low, high):
        low_name = self.const(f'{name}/clip_value_min', numpy.float32(low))
        high_name = self.const(f'{name}/clip_value_max', numpy.float32(high))
        return self.node(name, 'ClipByValue', [x, low_name, high_name], {'T': attr_type()})

    def add(self, name, a, b):
        return self.node(name, 'AddV2', [a, b], {'T': attr_type()})

    def concat(self, name, inputs, axis=3):
        axis_name = self.const(f'{name}/axis', numpy.int32(axis), 'int32')
        return self.node(name, 'ConcatV2', [*inputs, axis_name],
                         {'T': attr_type(), 'N': attr_i(len(inputs)), 'Tidx': attr_type('int32')})

    def pool(self, name, op, x, size, strides, padding):
        return self.node(name, op, [x], {
            'T': attr_type(), 'data_format': attr_s('NHWC'), 'padding': attr_s(padding),
            'ksize': attr_list_i([1, size, size, 1]), 'strides': attr_list_i([1, strides, strides, 1]),
        })

    def mean(self, name, x, axes, keep_dims):
        axes_name = self.const(f'{name}/reduction_indices', numpy.asarray(axes, dtype=numpy.int32), 'int32')
        return self.node(name, 'Mean', [x, axes_name],
                         {'T': attr_type(), 'Tidx': attr_type('int32'), 'keep_dims': attr_b(keep_dims)})

    def squeeze(self, name, x, axes):
        return self.node(name, 'Squeeze', [x], {'T': attr_type(), 'squeeze_dims': attr_list_i(axes)})

    def dense(self, name, x, kernel_io, bias):
        """`_FusedMatMul` with `fused_ops` [BiasAdd], the converter's form of a Keras Dense layer."""
        weights = self.const(f'{name}/kernel', kernel_io)
        bias_name = self.const(f'{name}/bias', bias)
        return self.node(name, '_FusedMatMul', [x, weights, bias_name], {
            'T': attr_type(), 'transpose_a': attr_b(False), 'transpose_b': attr_b(False),
            'num_args': attr_i(1), 'fused_ops': attr_list_s(['BiasAdd']), 'epsilon': attr_f(0),
            'leakyrelu_alpha': attr_f(0.2),
        })

    def save(self, out_dir, output, num_classes, shard_bytes=4 * 1024 * 1024):
        """Writes model.json and the shards; `output` is the logits node (Softmax and Identity follow)."""
        softmax = self.unary(f'{output}/Softmax', 'Softmax', output)
        self.node('Identity', 'Identity', [softmax], {'T': attr_type()})
        os.makedirs(out_dir, exist_ok=True)
        stream = b''.join(array.astype('<f4' if array.dtype == numpy.float32 else '<i4').tobytes()
                          for _, array in self.weights)
        count = max(1, math.ceil(len(stream) / shard_bytes))
        paths = [f'group1-shard{k + 1}of{count}.bin' for k in range(count)]
        for k, path in enumerate(paths):
            with open(os.path.join(out_dir, path), 'wb') as handle:
                handle.write(stream[k * shard_bytes:(k + 1) * shard_bytes])
        signature_input = {'name': f'{self.input_name}:0', 'dtype': 'DT_FLOAT',
                           'tensorShape': tensor_shape(self.input_shape)}
        model = {
            'format': 'graph-model',
            'generatedBy': '2.15.0',
            'convertedBy': 'netlens packages/models/scripts/converter_fixtures.py (tfjs-converter 4.22 format)',
            'signature': {
                'inputs': {f'{self.input_name}:0': signature_input},
                'outputs': {'Identity:0': {'name': 'Identity:0', 'dtype': 'DT_FLOAT',
                                           'tensorShape': tensor_shape([-1, num_classes])}},
            },
            'modelTopology': {'node': self.nodes, 'library': {}, 'versions': {'producer': 1645}},
            'weightsManifest': [{
                'paths': paths,
                'weights': [{'name': name, 'shape': list(array.shape),
                             'dtype': 'float32' if array.dtype == numpy.float32 else 'int32'}
                            for name, array in self.weights],
            }],
        }
        with open(os.path.join(out_dir, 'model.json'), 'w') as handle:
            json.dump(model, handle, separators=(',', ':'))
        return len(stream)
