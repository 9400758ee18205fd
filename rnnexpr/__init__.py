"""rnnexpr: exact, checkable statements about depth in linear RNNs and linear 2RNNs.

The public names are re-exported here; each lives in the module of its concept.
"""

from .errors import (
    AlphabetError,
    ExactnessError,
    ModelFormatError,
    ModelKindError,
    NonFiniteError,
    NumericalRankWarning,
    RnnexprError,
    ShapeError,
    SizeLimitError,
)
from .exact import RankResult, exact_rank, matrix_rank, modular_rank, numerical_rank
from .io import load, save
from .models import (
    WFA,
    Activation,
    DepthwiseStack,
    Linear2RNNLayer,
    LinearRNNLayer,
    Stack,
    random_depthwise_stack,
    random_layer,
    random_stack,
    random_wfa,
)
from .wfa import augment, augment_layer, from_wfa, to_wfa
from .lifted import LiftedRepresentation, level_core, level_dimension, lift, prefix_features, suffix_functionals
from .constructions import (
    DelayParameterCounts,
    collapse,
    collapse_linear_feedforward,
    delay_network_deep,
    delay_network_shallow,
    delay_parameter_counts,
    dfa_stack,
    product_construction,
    product_witness,
    random_depth2_witness,
    reachable_states,
    t5_witness,
)

__version__ = "0.1.0"

__all__ = [
    "AlphabetError",
    "ExactnessError",
    "ModelFormatError",
    "ModelKindError",
    "NonFiniteError",
    "NumericalRankWarning",
    "RnnexprError",
    "ShapeError",
    "SizeLimitError",
    "RankResult",
    "exact_rank",
    "matrix_rank",
    "modular_rank",
    "numerical_rank",
    "load",
    "save",
    "WFA",
    "Activation",
    "DepthwiseStack",
    "Linear2RNNLayer",
    "LinearRNNLayer",
    "Stack",
    "random_depthwise_stack",
    "random_layer",
    "random_stack",
    "random_wfa",
    "augment",
    "augment_layer",
    "from_wfa",
    "to_wfa",
    "LiftedRepresentation",
    "level_core",
    "level_dimension",
    "lift",
    "prefix_features",
    "suffix_functionals",
    "DelayParameterCounts",
    "collapse",
    "collapse_linear_feedforward",
    "delay_network_deep",
    "delay_network_shallow",
    "delay_parameter_counts",
    "dfa_stack",
    "product_construction",
    "product_witness",
    "random_depth2_witness",
    "reachable_states",
    "t5_witness",
]
