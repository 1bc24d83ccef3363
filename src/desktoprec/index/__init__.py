"""The vector index: blocks of track vectors and the FAISS search over them."""

from desktoprec.index.vectors import (
    BLOCKS,
    DEFAULT_BLOCK_WEIGHTS,
    VectorIndex,
    VectorSet,
    build_vectors,
)

__all__ = ["BLOCKS", "DEFAULT_BLOCK_WEIGHTS", "VectorIndex", "VectorSet", "build_vectors"]
