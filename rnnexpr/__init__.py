"""rnnexpr: exact, checkable statements about depth in linear RNNs and linear 2RNNs.

The public names are re-exported here; each lives in the module of its concept.
"""

import importlib as _importlib
from typing import Any as _Any

# Lazy re-exports (PEP 562): ``import rnnexpr`` loads no submodule, so the command line
# and light scripts do not pay for numpy, python-flint or scipy until a name is used.
# Each public name maps to the module of its concept.
_EXPORTS: dict[str, str] = {
    "AlphabetError": "errors",
    "ConflictingArgumentsError": "errors",
    "ExactnessError": "errors",
    "InvalidArgumentError": "errors",
    "InvalidTypeError": "errors",
    "MissingDependencyError": "errors",
    "MissingFileError": "errors",
    "ModelFormatError": "errors",
    "ModelKindError": "errors",
    "NonFiniteError": "errors",
    "NumericalRankWarning": "errors",
    "RnnexprError": "errors",
    "ShapeError": "errors",
    "SizeLimitError": "errors",
    "RankResult": "exact",
    "exact_rank": "exact",
    "matrix_rank": "exact",
    "modular_rank": "exact",
    "numerical_rank": "exact",
    "load": "io",
    "save": "io",
    "WFA": "models",
    "Activation": "models",
    "DepthwiseStack": "models",
    "Linear2RNNLayer": "models",
    "LinearRNNLayer": "models",
    "Stack": "models",
    "random_depthwise_stack": "models",
    "random_layer": "models",
    "random_stack": "models",
    "random_wfa": "models",
    "augment": "conversions",
    "augment_layer": "conversions",
    "from_wfa": "conversions",
    "to_wfa": "conversions",
    "LiftedRepresentation": "lifted",
    "level_core": "lifted",
    "level_dimension": "lifted",
    "lift": "lifted",
    "prefix_features": "lifted",
    "suffix_functionals": "lifted",
    "EquivalenceResult": "results",
    "SpanBasis": "wfa",
    "minimize": "wfa",
    "observable_basis": "wfa",
    "reachable_basis": "wfa",
    "equivalent": "equivalence",
    "LinearSystem": "linear_systems",
    "markov_parameters": "linear_systems",
    "mcmillan_degree": "linear_systems",
    "minimal_realization": "linear_systems",
    "HankelCertificate": "hankel",
    "RankProfile": "hankel",
    "hankel_block": "hankel",
    "hankel_certificate": "hankel",
    "hankel_rank": "hankel",
    "rank_profile": "hankel",
    "words_of_length": "hankel",
    "words_up_to": "hankel",
    "RankGrowth": "growth",
    "rank_growth": "growth",
    "DelayParameterCounts": "constructions",
    "collapse": "constructions",
    "collapse_linear_feedforward": "constructions",
    "delay_network_deep": "constructions",
    "delay_network_shallow": "constructions",
    "delay_parameter_counts": "constructions",
    "dfa_stack": "constructions",
    "product_construction": "constructions",
    "product_witness": "constructions",
    "random_depth2_witness": "constructions",
    "reachable_states": "constructions",
    "t5_witness": "constructions",
    "DegreeResult": "polydegree",
    "degree": "polydegree",
    "degree_bound": "polydegree",
    "degree_upper_bounds": "polydegree",
    "per_input_bound": "polydegree",
    "TTRanks": "tt",
    "TTRounding": "tt",
    "to_tensor_train": "tt",
    "tt_evaluate": "tt",
    "tt_ranks": "tt",
    "tt_round": "tt",
    "tt_to_full": "tt",
    "DepthOneErrorProfile": "spectral",
    "HankelBlocks": "spectral",
    "depth1_error_profile": "spectral",
    "empirical_frequencies": "spectral",
    "hankel_blocks": "spectral",
    "held_out_error": "spectral",
    "spectral_learn": "spectral",
    "sample_hankel_blocks": "spectral",
    "learn_from_sample": "spectral",
    "perplexity": "spectral",
    "word_error_rate": "spectral",
    "SequenceData": "data",
    "read_sequences": "data",
    "write_sequences": "data",
    "to_splearn": "interop",
    "from_splearn": "interop",
    "to_statespace": "interop",
    "from_statespace": "interop",
    "ExtractionResult": "extraction",
    "extract": "extraction",
    "THEOREMS": "theorems",
    "Certificate": "theorems",
    "verify_all": "theorems",
    "verify_T0": "theorems",
    "verify_T1": "theorems",
    "verify_T2": "theorems",
    "verify_T3": "theorems",
    "verify_T4": "theorems",
    "verify_T5": "theorems",
    "verify_T6": "theorems",
}


def __getattr__(name: str) -> _Any:
    module = _EXPORTS.get(name)
    if module is None:
        if not name.startswith("_"):
            try:  # a submodule, as `rnnexpr.hankel` after an eager import would have been
                return _importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
        raise AttributeError(f"module 'rnnexpr' has no attribute {name!r}")
    value = getattr(_importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


#: The version, defined here only (setup.cfg reads it with `attr:`; CITATION.cff repeats it, checked by tests).
__version__ = "0.2.0.dev0"

#: The public names: the keys of _EXPORTS (one list, so the two cannot drift apart).
__all__ = list(_EXPORTS)
