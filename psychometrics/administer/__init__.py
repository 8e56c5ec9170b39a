"""Stage 3 of the pipeline: ask a model every cell of a plan and store each answer."""

from psychometrics.store import AnswerMode, Response, Status

__all__ = ["BATCH_LIMITS", "AnswerMode", "AuditError", "AuditResult", "BatchLimits", "BatchOptions", "CostEstimate",
           "CostLimitError", "EndpointError", "ModelAudits", "Response", "Status", "audit", "audit_models",
           "resolve_prompt_format",
           "sanitize_api_base"]


def __getattr__(name: str):
    if name in {"audit", "AuditError", "AuditResult", "CostLimitError", "EndpointError", "resolve_prompt_format",
                "sanitize_api_base"}:
        from psychometrics.administer import _audit

        return getattr(_audit, name)
    if name in {"audit_models", "ModelAudits"}:
        from psychometrics.administer import _models

        return getattr(_models, name)
    if name == "CostEstimate":
        from psychometrics.administer._estimate import CostEstimate

        return CostEstimate
    if name == "BatchOptions":
        from psychometrics.administer._batch import BatchOptions

        return BatchOptions
    if name in {"BATCH_LIMITS", "BatchLimits"}:
        from psychometrics.administer import _batchlines

        return getattr(_batchlines, name)
    raise AttributeError(name)
