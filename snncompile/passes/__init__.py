"""Graph → Graph passes, one per module, and the pipeline that runs them."""

from snncompile.passes.pipeline import Pass, PassError, run_pipeline

__all__ = ["Pass", "PassError", "run_pipeline"]
