"""ONNX backend cases in the layout of ONNX's pytorch-converted and pytorch-operator test data (model.onnx,
test_data_set_0/input_N.pb, output_N.pb): torch.nn modules and small tensor functions, exported by torch.onnx at
opsets 7, 9, 11, 13 and 17, the expected outputs computed by torch itself. Not checked in (about 24 MB); run with
Debian's python3-torch (1.13) and python3-onnx (1.12), then point the converter's conformance test at the folder:

    /usr/bin/python3 tests/FineTuner.Tests/Fixtures/make_pytorch_cases.py /tmp/pytorch-cases
    GRAFT_ONNX_CASES=/tmp/pytorch-cases dotnet test tests/FineTuner.Tests --filter AnyCases_FromAFolder

Where torch's export does not mean what torch computes, the case is left out (LOSSY below), because the expected
output would be torch's and not ONNX's: ONNX Runtime agrees with the converter there (UpsamplingParityTests)."""
import os, sys
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F
from onnx import numpy_helper

torch.manual_seed(0)
out_dir = sys.argv[1]

class Fn(nn.Module):
    def __init__(self, f, params=None):
        super().__init__(); self.f = f
        self.p = nn.ParameterList([nn.Parameter(t) for t in (params or [])])
    def forward(self, *x): return self.f(*x, *self.p)

def r(*s): return torch.randn(*s)

modules = {
  "AvgPool1d": (nn.AvgPool1d(2), [r(2,3,6)]),
  "AvgPool1d_stride": (nn.AvgPool1d(2, 2), [r(2,3,6)]),
  "AvgPool2d": (nn.AvgPool2d((2,2)), [r(2,3,6,6)]),
  "AvgPool2d_pad": (nn.AvgPool2d(3, 2, 1), [r(2,3,7,7)]),
  "AvgPool2d_pad_nocount": (nn.AvgPool2d(3, 2, 1, count_include_pad=False), [r(2,3,7,7)]),
  "AvgPool2d_ceil": (nn.AvgPool2d(3, 2, ceil_mode=True), [r(2,3,8,8)]),
  "AvgPool3d": (nn.AvgPool3d((2,2,2)), [r(2,3,4,4,4)]),
  "AvgPool3d_stride1_pad0": (nn.AvgPool3d(3, 1, 0), [r(2,3,5,5,5)]),
  "BatchNorm1d_3d_input_eval": (nn.BatchNorm1d(10).eval(), [r(4,10,4)]),
  "BatchNorm2d_eval": (nn.BatchNorm2d(3).eval(), [r(2,3,6,6)]),
  "BatchNorm2d_momentum_eval": (nn.BatchNorm2d(3, momentum=0.1).eval(), [r(2,3,6,6)]),
  "BatchNorm3d_eval": (nn.BatchNorm3d(3).eval(), [r(2,3,4,4,4)]),
  "ConstantPad2d": (nn.ConstantPad2d((1,2,3,4), 2.0), [r(2,3,4,4)]),
  "Conv1d": (nn.Conv1d(4,5,3), [r(2,4,10)]),
  "Conv1d_dilated": (nn.Conv1d(4,5,3,dilation=2), [r(2,4,10)]),
  "Conv1d_groups": (nn.Conv1d(4,6,3,groups=2), [r(2,4,6)]),
  "Conv1d_pad1": (nn.Conv1d(4,5,3,padding=1), [r(2,4,10)]),
  "Conv1d_pad2": (nn.Conv1d(4,5,3,padding=2), [r(2,4,10)]),
  "Conv1d_stride": (nn.Conv1d(4,5,3,stride=2), [r(2,4,10)]),
  "Conv2d": (nn.Conv2d(3,4,(3,2)), [r(2,3,7,5)]),
  "Conv2d_depthwise": (nn.Conv2d(4,4,3,groups=4), [r(2,4,6,6)]),
  "Conv2d_depthwise_padded": (nn.Conv2d(4,4,3,padding=1,groups=4), [r(2,4,6,6)]),
  "Conv2d_depthwise_strided": (nn.Conv2d(4,4,3,stride=2,groups=4), [r(2,4,6,6)]),
  "Conv2d_depthwise_with_multiplier": (nn.Conv2d(4,8,3,groups=4), [r(2,4,6,6)]),
  "Conv2d_dilated": (nn.Conv2d(3,4,3,dilation=2), [r(2,3,8,8)]),
  "Conv2d_groups": (nn.Conv2d(4,6,3,groups=2), [r(2,4,6,5)]),
  "Conv2d_groups_thnn": (nn.Conv2d(4,6,3,groups=2), [r(2,4,6,5)]),
  "Conv2d_no_bias": (nn.Conv2d(3,4,3,bias=False), [r(2,3,6,5)]),
  "Conv2d_padding": (nn.Conv2d(3,4,3,padding=(1,2)), [r(2,3,6,5)]),
  "Conv2d_strided": (nn.Conv2d(3,4,3,stride=2), [r(2,3,7,7)]),
  "Conv3d": (nn.Conv3d(2,3,(2,3,2)), [r(1,2,4,5,4)]),
  "Conv3d_dilated": (nn.Conv3d(2,3,2,dilation=2), [r(1,2,5,5,5)]),
  "Conv3d_dilated_strided": (nn.Conv3d(2,3,2,dilation=2,stride=2), [r(1,2,5,5,5)]),
  "Conv3d_groups": (nn.Conv3d(2,4,2,groups=2), [r(1,2,4,5,4)]),
  "Conv3d_no_bias": (nn.Conv3d(2,3,2,bias=False), [r(1,2,4,5,4)]),
  "Conv3d_stride": (nn.Conv3d(2,3,2,stride=2), [r(1,2,5,5,5)]),
  "Conv3d_stride_padding": (nn.Conv3d(2,3,2,stride=2,padding=1), [r(1,2,5,5,5)]),
  "ConvTranspose2d": (nn.ConvTranspose2d(3,4,3,stride=(3,2),padding=1,output_padding=(1,1),dilation=1), [r(1,3,7,6)]),
  "ConvTranspose2d_no_bias": (nn.ConvTranspose2d(3,4,3,stride=(2,3),padding=1,output_padding=(1,1),groups=1,bias=False), [r(1,3,6,7)]),
  "ConvTranspose2d_groups": (nn.ConvTranspose2d(4,6,3,stride=2,groups=2), [r(1,4,5,5)]),
  "ConvTranspose2d_dilated": (nn.ConvTranspose2d(3,4,3,stride=2,dilation=2), [r(1,3,5,5)]),
  "ConvTranspose1d": (nn.ConvTranspose1d(3,4,3,stride=2,padding=1,output_padding=1), [r(1,3,7)]),
  "ConvTranspose3d": (nn.ConvTranspose3d(2,3,2,stride=2), [r(1,2,3,3,3)]),
  "ELU": (nn.ELU(alpha=2.0), [r(3,2,5)]),
  "Embedding": (nn.Embedding(4,3), [torch.tensor([[0,1,2],[3,2,1]])]),
  "Embedding_sparse": (nn.Embedding(4,3,sparse=True), [torch.tensor([[0,1,2],[3,2,1]])]),
  "GLU": (nn.GLU(), [r(5,6)]),
  "GLU_dim": (nn.GLU(1), [r(5,6,7)]),
  "LeakyReLU": (nn.LeakyReLU(), [r(3,2,5)]),
  "LeakyReLU_with_negval": (nn.LeakyReLU(0.5), [r(3,2,5)]),
  "Linear": (nn.Linear(10,8), [r(4,10)]),
  "Linear_3d": (nn.Linear(10,8), [r(2,4,10)]),
  "Linear_no_bias": (nn.Linear(10,8,bias=False), [r(4,10)]),
  "LogSoftmax": (nn.LogSoftmax(1), [r(10,20)]),
  "MaxPool1d": (nn.MaxPool1d(4), [r(2,10,4)]),
  "MaxPool1d_stride": (nn.MaxPool1d(4,4), [r(2,10,4)]),
  "MaxPool2d": (nn.MaxPool2d((3,3),(2,2),(1,1)), [r(1,3,7,7)]),
  "MaxPool2d_ceil": (nn.MaxPool2d(3,2,ceil_mode=True), [r(1,3,8,8)]),
  "MaxPool2d_dilation": (nn.MaxPool2d(2,1,dilation=2), [r(1,3,7,7)]),
  "MaxPool3d": (nn.MaxPool3d((2,2,2)), [r(2,3,5,5,5)]),
  "MaxPool3d_stride": (nn.MaxPool3d(2,2), [r(2,3,5,5,5)]),
  "MaxPool3d_stride_padding": (nn.MaxPool3d(2,2,(1,1,1)), [r(2,3,5,5,5)]),
  "PReLU_1d": (nn.PReLU(), [r(2,3,4)]),
  "PReLU_1d_multiparam": (nn.PReLU(3), [r(2,3,4)]),
  "PReLU_2d": (nn.PReLU(), [r(2,3,4,5)]),
  "PReLU_2d_multiparam": (nn.PReLU(3), [r(2,3,4,5)]),
  "PReLU_3d": (nn.PReLU(), [r(2,3,4,5,6)]),
  "PReLU_3d_multiparam": (nn.PReLU(3), [r(2,3,4,5,6)]),
  "PixelShuffle": (nn.PixelShuffle(3), [r(1,9,4,4)]),
  "PixelUnshuffle": (nn.PixelUnshuffle(2), [r(1,2,4,4)]),
  "PoissonNLLLLoss_no_reduce": (Fn(lambda i, t: F.poisson_nll_loss(i, t, reduction='none')), [r(2,3,4,5), r(2,3,4,5).abs()]),
  "ReLU": (nn.ReLU(), [r(2,3,4,5)]),
  "ReLU6": (nn.ReLU6(), [r(2,3,4,5)*5]),
  "ReflectionPad2d": (nn.ReflectionPad2d((1,2,3,2)), [r(2,3,8,8)]),
  "ReplicationPad2d": (nn.ReplicationPad2d((1,2,3,4)), [r(2,3,4,4)]),
  "ReflectionPad1d": (nn.ReflectionPad1d((2,1)), [r(2,3,8)]),
  "ReplicationPad3d": (nn.ReplicationPad3d((1,2,3,3,2,1)), [r(2,3,2,2,2)]),
  "SELU": (nn.SELU(), [r(3,2,5)]),
  "CELU": (nn.CELU(2.0), [r(3,2,5)]),
  "GELU": (nn.GELU(), [r(3,2,5)]),
  "GELU_tanh": (nn.GELU(approximate='tanh'), [r(3,2,5)]),
  "SiLU": (nn.SiLU(), [r(3,2,5)]),
  "Mish": (nn.Mish(), [r(3,2,5)]),
  "Hardswish": (nn.Hardswish(), [r(3,2,5)*4]),
  "Hardsigmoid": (nn.Hardsigmoid(), [r(3,2,5)*4]),
  "Hardtanh": (nn.Hardtanh(-2, 2), [r(3,2,5)*4]),
  "Hardshrink": (nn.Hardshrink(0.5), [r(3,2,5)]),
  "Softshrink": (nn.Softshrink(0.5), [r(3,2,5)]),
  "Tanhshrink": (nn.Tanhshrink(), [r(3,2,5)]),
  "LogSigmoid": (nn.LogSigmoid(), [r(3,2,5)]),
  "Threshold": (nn.Threshold(0.1, 20.0), [r(3,2,5)]),
  "Sigmoid": (nn.Sigmoid(), [r(2,3,4,5)]),
  "Softmax": (nn.Softmax(1), [r(10,20)]),
  "Softmax2d": (nn.Softmax2d(), [r(2,3,4,5)]),
  "Softmin": (nn.Softmin(1), [r(10,20)]),
  "Softplus": (nn.Softplus(), [r(10,20)]),
  "Softplus_beta": (nn.Softplus(beta=2), [r(10,20)*3]),
  "Softsign": (nn.Softsign(), [r(3,2,5)]),
  "Tanh": (nn.Tanh(), [r(2,3,4,5)]),
  "ZeroPad2d": (nn.ZeroPad2d((2,1,3,1)), [r(2,3,4,4)]),
  "log_softmax_dim3": (Fn(lambda x: F.log_softmax(x, 3)), [r(5,3,4,5)]),
  "log_softmax_lastdim": (Fn(lambda x: F.log_softmax(x, -1)), [r(2,3,4,5)]),
  "softmax_functional_dim3": (Fn(lambda x: F.softmax(x, 3)), [r(5,3,4,5)]),
  "softmax_lastdim": (Fn(lambda x: F.softmax(x, -1)), [r(2,3,4,5)]),
  "LayerNorm": (nn.LayerNorm([5,6]), [r(2,4,5,6)]),
  "LayerNorm_noaffine": (nn.LayerNorm(6, elementwise_affine=False), [r(2,4,6)]),
  "GroupNorm": (nn.GroupNorm(3, 6), [r(2,6,4,4)]),
  "GroupNorm_noaffine": (nn.GroupNorm(2, 6, affine=False), [r(2,6,4,4)]),
  "InstanceNorm2d": (nn.InstanceNorm2d(3, affine=True), [r(2,3,5,5)]),
  "InstanceNorm1d": (nn.InstanceNorm1d(3), [r(2,3,7)]),
  "LocalResponseNorm": (nn.LocalResponseNorm(3), [r(2,6,4,4)]),
  "AdaptiveAvgPool2d": (nn.AdaptiveAvgPool2d(1), [r(2,3,5,5)]),
  "AdaptiveAvgPool2d_2": (nn.AdaptiveAvgPool2d((2,2)), [r(2,3,6,6)]),
  "AdaptiveMaxPool2d": (nn.AdaptiveMaxPool2d(1), [r(2,3,5,5)]),
  "Upsample_nearest": (nn.Upsample(scale_factor=2, mode='nearest'), [r(1,2,3,3)]),
  "Upsample_bilinear": (nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False), [r(1,2,3,3)]),
  "Upsample_bilinear_align": (nn.Upsample(size=(5,7), mode='bilinear', align_corners=True), [r(1,2,3,3)]),
  "Upsample_bicubic": (nn.Upsample(scale_factor=2, mode='bicubic', align_corners=False), [r(1,2,4,4)]),
  "Upsample_nearest_size": (nn.Upsample(size=(5,7), mode='nearest'), [r(1,2,3,3)]),
  "Flatten": (nn.Flatten(), [r(2,3,4,5)]),
  "Dropout_eval": (nn.Dropout(0.5).eval(), [r(2,3)]),
  "Bilinear": (nn.Bilinear(3, 4, 5), [r(2,3), r(2,4)]),
  "CosineSimilarity": (nn.CosineSimilarity(), [r(4,5), r(4,5)]),
  "PairwiseDistance": (nn.PairwiseDistance(), [r(4,5), r(4,5)]),
  "ChannelShuffle_like": (Fn(lambda x: x.view(2, 2, 3, 4, 4).transpose(1, 2).reshape(2, 6, 4, 4)), [r(2,6,4,4)]),
  "MultiheadAttention": (Fn(lambda x, m=nn.MultiheadAttention(8, 2, batch_first=True): m(x, x, x, need_weights=False)[0]), [r(2,5,8)]),
  "TransformerEncoderLayer": (nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True).eval(), [r(2,5,8)]),
}

operators = {
  "add_broadcast": (Fn(lambda x, y: x + y), [r(2,3), r(3)]),
  "add_size1_broadcast": (Fn(lambda x, y: x + y), [r(2,3), r(2,1)]),
  "add_size1_right_broadcast": (Fn(lambda x, y: x + y), [r(2,3), r(3)]),
  "add_size1_singleton_broadcast": (Fn(lambda x, y: x + y), [r(2,3), r(1,3)]),
  "addconstant": (Fn(lambda x: x + 1), [r(2,3).double()]),
  "addmm": (Fn(lambda a, b, c: torch.addmm(torch.addmm(c, a, b), a, b)), [r(2,3), r(3,4), r(4)]),
  "basic": (Fn(lambda x, y: -torch.sigmoid(torch.tanh(x * (x + y)))), [r(1), r(1)]),
  "chunk": (Fn(lambda x: x.chunk(2)), [r(3,4)]),
  "split_sizes": (Fn(lambda x: torch.split(x, [1, 3], 1)), [r(3,4)]),
  "clip": (Fn(lambda x: x.clamp(-0.5, 0.5)), [r(3,4)]),
  "clamp_min": (Fn(lambda x: x.clamp(min=-0.1)), [r(3,4)]),
  "concat2": (Fn(lambda x, y: torch.cat((x, y), 1)), [r(2,3), r(2,3)]),
  "conv": (nn.Conv2d(16, 13, 3, bias=False), [r(20,16,10,10)]),
  "convtranspose": (nn.ConvTranspose2d(3, 3, 3, stride=3, bias=False, padding=1, output_padding=2), [r(2,3,4,5)]),
  "exp": (Fn(lambda x: x.exp()), [r(3,4)]),
  "flatten": (Fn(lambda x: torch.flatten(x)), [r(1,2,3,4)]),
  "index": (Fn(lambda x: x[0]), [r(1,1)]),
  "index_slice": (Fn(lambda x: x[:, 1:3, ::2]), [r(2,4,6)]),
  "index_negative": (Fn(lambda x: x[:, -2:, -1]), [r(2,4,6)]),
  "max": (Fn(lambda x, y: torch.max(x, y)), [r(3,4), r(3,4)]),
  "maxpool": (nn.MaxPool1d(3, stride=2), [r(20,16,50)]),
  "min": (Fn(lambda x, y: torch.min(x, y)), [r(3,4), r(3,4)]),
  "mm": (Fn(lambda x, y: x.mm(y)), [r(2,3), r(3,4)]),
  "non_float_params": (Fn(lambda x, y: x + y), [torch.tensor([[1,2],[3,4]]), torch.tensor([[5,6],[7,8]])]),
  "pad": (Fn(lambda x: F.pad(x, (3,4,2,1), mode='reflect')), [r(1,1,6,6)]),
  "pad_replicate": (Fn(lambda x: F.pad(x, (3,4,2,1), mode='replicate')), [r(1,1,4,4)]),
  "params": (Fn(lambda x, y: -torch.sigmoid(torch.tanh(x * (x + y))), [r(2,2)]), [r(2,2)]),
  "permute2": (Fn(lambda x: x.permute(0,1,4,2,5,3)), [r(1,1,1,1,1,1)]),
  "pow": (Fn(lambda x, y: x.pow(y)), [r(1,2,3,4).abs()+0.1, r(1,2,3,4)]),
  "pow_scalar": (Fn(lambda x: x.pow(3)), [r(1,2,3,4)]),
  "reduced_mean": (Fn(lambda x: torch.mean(x, dim=2)), [r(1,2,3,4)]),
  "reduced_mean_keepdim": (Fn(lambda x: torch.mean(x, dim=(2,3), keepdim=True)), [r(1,2,3,4)]),
  "reduced_sum": (Fn(lambda x: torch.sum(x, dim=(1,2))), [r(1,2,3,4)]),
  "reduced_sum_keepdim": (Fn(lambda x: torch.sum(x, dim=2, keepdim=True)), [r(1,2,3,4)]),
  "reduced_max": (Fn(lambda x: torch.amax(x, dim=(1,3))), [r(1,2,3,4)]),
  "reduced_prod": (Fn(lambda x: torch.prod(x, dim=1)), [r(1,2,3,4)]),
  "norm_p2": (Fn(lambda x: torch.norm(x, p=2, dim=1)), [r(3,4,5)]),
  "norm_p1": (Fn(lambda x: torch.norm(x, p=1, dim=-1, keepdim=True)), [r(3,4,5)]),
  "repeat": (Fn(lambda x: x.repeat(1,2,3,4)), [r(1,2,3,4)]),
  "repeat_dim_overflow": (Fn(lambda x: x.repeat(1,2,3,4)), [r(1,2)]),
  "selu": (Fn(lambda x: F.selu(x)), [r(1,2,3,4)]),
  "sqrt": (Fn(lambda x: x.sqrt()), [r(3,4).abs()]),
  "rsqrt": (Fn(lambda x: x.rsqrt()), [r(3,4).abs()+0.1]),
  "symbolic_override": (nn.InstanceNorm2d(10, affine=True), [r(1,10,32,32)]),
  "view": (Fn(lambda x: x.view(1, 1)), [r(1)]),
  "view_infer": (Fn(lambda x: x.view(x.size(0), -1)), [r(2,3,4)]),
  "transpose": (Fn(lambda x: x.transpose(1, 2)), [r(2,3,4)]),
  "expand": (Fn(lambda x: x.expand(3, 4, 5)), [r(4,1)]),
  "where": (Fn(lambda x, y: torch.where(x > 0, x, y)), [r(3,4), r(3,4)]),
  "masked_fill": (Fn(lambda x: x.masked_fill(x < 0, -1.5)), [r(3,4)]),
  "abs_neg": (Fn(lambda x: -x.abs()), [r(3,4)]),
  "div": (Fn(lambda x, y: x / y), [r(3,4), r(3,4).abs()+0.5]),
  "div_int": (Fn(lambda x, y: torch.div(x, y, rounding_mode='floor')), [torch.tensor([[7,-7],[9,-9]]), torch.tensor([[2,2],[4,4]])]),
  "remainder": (Fn(lambda x, y: torch.remainder(x, y)), [r(3,4)*5, r(3,4).abs()+0.5]),
  "fmod": (Fn(lambda x, y: torch.fmod(x, y)), [r(3,4)*5, r(3,4).abs()+0.5]),
  "floor_ceil": (Fn(lambda x: x.floor() + x.ceil()), [r(3,4)*3]),
  "round": (Fn(lambda x: torch.round(x)), [torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 1.2])]),
  "log_exp": (Fn(lambda x: torch.log(x.exp() + 1)), [r(3,4)]),
  "log1p": (Fn(lambda x: torch.log1p(x.abs())), [r(3,4)]),
  "erf": (Fn(lambda x: torch.erf(x)), [r(3,4)]),
  "reciprocal": (Fn(lambda x: torch.reciprocal(x)), [r(3,4).abs()+0.5]),
  "cumsum": (Fn(lambda x: torch.cumsum(x, 1)), [r(3,4)]),
  "argmax": (Fn(lambda x: torch.argmax(x, 1)), [r(3,4)]),
  "argmin_keepdim": (Fn(lambda x: torch.argmin(x, 1, keepdim=True)), [r(3,4)]),
  "topk": (Fn(lambda x: torch.topk(x, 2, 1)), [r(3,6)]),
  "sort": (Fn(lambda x: torch.sort(x, 1, descending=True)[0]), [r(3,6)]),
  "gather": (Fn(lambda x, i: torch.gather(x, 1, i)), [r(3,4), torch.tensor([[0,1],[2,3],[3,0]])]),
  "index_select": (Fn(lambda x, i: torch.index_select(x, 1, i)), [r(3,4), torch.tensor([0,2,2])]),
  "stack": (Fn(lambda x, y: torch.stack([x, y], 1)), [r(2,3), r(2,3)]),
  "unsqueeze_squeeze": (Fn(lambda x: x.unsqueeze(0).squeeze(2)), [r(3,1,4)]),
  "matmul_batched": (Fn(lambda x, y: x @ y), [r(2,3,4), r(4,5)]),
  "matmul_bcast": (Fn(lambda x, y: x @ y), [r(2,1,3,4), r(3,4,2)]),
  "bmm": (Fn(lambda x, y: torch.bmm(x, y)), [r(2,3,4), r(2,4,5)]),
  "einsum": (Fn(lambda x, y: torch.einsum('bij,bjk->bik', x, y)), [r(2,3,4), r(2,4,5)]),
  "mean_all": (Fn(lambda x: x.mean()), [r(3,4)]),
  "sum_all": (Fn(lambda x: x.sum()), [r(3,4)]),
  "var": (Fn(lambda x: x.var(1)), [r(3,4)]),
  "std_keep": (Fn(lambda x: x.std(1, keepdim=True, unbiased=False)), [r(3,4)]),
  "layer_norm_fn": (Fn(lambda x: F.layer_norm(x, (4,))), [r(3,4)]),
  "normalize": (Fn(lambda x: F.normalize(x, dim=1)), [r(3,4)]),
  "cast_int": (Fn(lambda x: (x * 3).int().float()), [r(3,4)]),
  "compare": (Fn(lambda x, y: ((x > y) & (x < 1)).float() + (x == y).float()), [r(3,4), r(3,4)]),
  "not_or_xor": (Fn(lambda x: (~(x > 0) | (x > 1) ^ (x < -1)).float()), [r(3,4)]),
  "interpolate_scale": (Fn(lambda x: F.interpolate(x, scale_factor=(2, 3), mode='nearest')), [r(1,2,3,3)]),
  "avg_pool_fn": (Fn(lambda x: F.avg_pool2d(x, 2)), [r(1,2,4,4)]),
  "shape_arith": (Fn(lambda x: x.reshape(x.shape[0] * x.shape[1], -1)), [r(2,3,4)]),
  "zeros_like_ones": (Fn(lambda x: x + torch.ones_like(x) * 2 + torch.zeros(3, 4)), [r(3,4)]),
  "arange": (Fn(lambda x: x + torch.arange(x.shape[1]).float()), [r(3,4)]),
  "full_like": (Fn(lambda x: torch.full_like(x, 3.5) * x), [r(3,4)]),
  "narrow": (Fn(lambda x: x.narrow(1, 1, 2)), [r(3,4)]),
  "roll": (Fn(lambda x: torch.roll(x, 1, 1)), [r(3,4)]),
  "flip": (Fn(lambda x: torch.flip(x, [1])), [r(3,4)]),
  "tril": (Fn(lambda x: torch.tril(x)), [r(4,4)]),
  "logsumexp": (Fn(lambda x: torch.logsumexp(x, 1)), [r(3,4)]),
  "minimum_scalar": (Fn(lambda x: torch.clamp(x, max=0.3) * torch.sign(x)), [r(3,4)]),
  "hardtanh_fn": (Fn(lambda x: F.hardtanh(x, -0.5, 0.5)), [r(3,4)]),
  "prelu_fn": (Fn(lambda x, w: F.prelu(x, w), [torch.rand(3)]), [r(2,3,4)]),
}

# torch.onnx warns about these itself: Upsample-7/9 and Resize-10 only know asymmetric coordinates, not PyTorch's
# half-pixel bilinear/bicubic; ONNX's Softplus has no beta threshold (the module's default 20 is harmless).
LOSSY = {("Upsample_bilinear", 7), ("Upsample_bilinear", 9), ("Upsample_bicubic", 7), ("Upsample_bicubic", 9)}


def save(name, opset, module, inputs):
    if (name, opset) in LOSSY:
        return False
    module = module.eval()
    with torch.no_grad():
        outs = module(*inputs)
    outs = outs if isinstance(outs, (tuple, list)) else (outs,)
    case = os.path.join(out_dir, f"test_{name}_op{opset}")
    os.makedirs(os.path.join(case, "test_data_set_0"), exist_ok=True)
    try:
        torch.onnx.export(module, tuple(inputs), os.path.join(case, "model.onnx"), opset_version=opset,
                          input_names=[f"input_{i}" for i in range(len(inputs))],
                          output_names=[f"output_{i}" for i in range(len(outs))],
                          do_constant_folding=False, training=torch.onnx.TrainingMode.EVAL)
    except Exception as e:
        import shutil; shutil.rmtree(case); print(f"skip {name} op{opset}: {type(e).__name__}: {str(e).splitlines()[0][:100]}"); return False
    for i, t in enumerate(inputs):
        open(os.path.join(case, "test_data_set_0", f"input_{i}.pb"), "wb").write(numpy_helper.from_array(t.numpy()).SerializeToString())
    for i, t in enumerate(outs):
        open(os.path.join(case, "test_data_set_0", f"output_{i}.pb"), "wb").write(numpy_helper.from_array(t.detach().numpy()).SerializeToString())
    return True

n = 0
for opset in (7, 9, 11, 13, 17):
    for name, (m, inputs) in {**modules, **{"operator_" + k: v for k, v in operators.items()}}.items():
        n += save(name, opset, m, inputs)
print(f"{n} cases in {out_dir}")
