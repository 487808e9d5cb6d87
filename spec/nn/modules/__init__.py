"""The layers of `gradspec.nn`, one module per family (as ``torch.nn.modules``)."""

from .activation import ReLU, Sigmoid, Tanh
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .linear import Bilinear, Identity, Linear, NonDynamicallyQuantizableLinear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .module import Module, RemovableHandle
from .parallel import DataParallel

# nnlib: convolution, pooling, normalization, embedding, dropout, reshaping, activations,
# attention, losses
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, MultiheadAttention, SiLU, Softmax
from .activation import Softplus
from .activation import (CELU, GLU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid,
                         Mish, PReLU, ReLU6, SELU, Softmin, Softshrink, Softsign, Tanhshrink,
                         Threshold, Softmax2d, RReLU)
from .distance import CosineSimilarity, PairwiseDistance
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d,
                      ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
                      ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d,
                      ZeroPad3d)
from .pixelshuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .fold import Fold, Unfold
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                          TransformerEncoder, TransformerEncoderLayer)
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d, SyncBatchNorm
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .dropout import AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout
from .flatten import Flatten, Unflatten
from .loss import HuberLoss, KLDivLoss, L1Loss, NLLLoss, SmoothL1Loss
from .loss import (CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss, MarginRankingLoss,
                   MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss,
                   PoissonNLLLoss, SoftMarginLoss, TripletMarginLoss,
                   TripletMarginWithDistanceLoss)
from .normalization import GroupNorm, LayerNorm, LocalResponseNorm, RMSNorm
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d,
                      AdaptiveMaxPool2d, AdaptiveMaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d,
                      LPPool1d, LPPool2d, MaxPool1d, MaxPool2d, MaxPool3d, MaxUnpool1d,
                      MaxUnpool2d)
from .sparse import Embedding, EmbeddingBag
from .lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d,
                   LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d,
                   LazyLinear, LazyModuleMixin)

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Identity", "Linear", "MSELoss",
    "Module", "ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "ReLU",
    "RemovableHandle", "Sequential", "Sigmoid", "Tanh", "DataParallel",
    # nnlib
    "AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv1d", "Conv2d",
    "ConvTranspose1d", "ConvTranspose2d", "Dropout", "ELU", "Embedding", "Flatten", "GELU",
    "GroupNorm", "HuberLoss", "KLDivLoss", "L1Loss", "LayerNorm", "LeakyReLU",
    "LogSoftmax", "MaxPool2d", "MultiheadAttention", "NLLLoss", "SiLU", "SmoothL1Loss",
    "Softmax", "Unflatten",
    # surface2
    "Softplus", "Upsample", "RNNBase", "RNN", "LSTM", "GRU", "TransformerEncoder",
    "TransformerEncoderLayer", "NonDynamicallyQuantizableLinear", "Transformer",
    "TransformerDecoder", "TransformerDecoderLayer",
    # more of torch.nn: activations, distances, 1-d pooling, recurrent cells
    "CELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "LogSigmoid", "Mish",
    "PReLU", "ReLU6", "SELU", "Softmin", "Softshrink", "Softsign", "Tanhshrink", "Threshold",
    "CosineSimilarity", "PairwiseDistance", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d",
    "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell",
    # normalization, padding and sub-pixel layers of image models
    "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "PixelShuffle", "PixelUnshuffle",
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
    # margin, ranking and likelihood losses
    "SoftMarginLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss",
    "TripletMarginLoss", "GaussianNLLLoss", "PoissonNLLLoss", "MultiLabelSoftMarginLoss",
    "MultiMarginLoss", "MultiLabelMarginLoss", "TripletMarginWithDistanceLoss", "AlphaDropout",
    "FeatureAlphaDropout", "LocalResponseNorm",
    "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
    "Dropout1d", "Dropout2d", "Dropout3d", "Softmax2d", "ChannelShuffle", "Bilinear",
    "EmbeddingBag",
    # torch.nn's remaining everyday layers: randomized ReLU, 3-d batch norm, RMS norm,
    # sliding blocks, fixed-mode upsampling, unpooling, power-average pooling
    "RReLU", "BatchNorm3d", "SyncBatchNorm", "RMSNorm", "Fold", "Unfold", "UpsamplingBilinear2d",
    "UpsamplingNearest2d", "MaxUnpool1d", "MaxUnpool2d", "LPPool1d", "LPPool2d",
    # lazy layers: the input size from the first batch
    "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConvTranspose1d", "LazyConvTranspose2d",
    "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv3d", "LazyConvTranspose3d",
    # 3-d convolutions and pooling
    "Conv3d", "ConvTranspose3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d",
]
