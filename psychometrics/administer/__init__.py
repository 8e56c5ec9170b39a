"""Stage 3 of the pipeline: ask a model every cell of a plan and store each answer."""

from psychometrics.store import AnswerMode, Response, Status

__all__ = ["BATCH_LIMITS", "BATCH_PROVIDERS", "AnswerMode", "AuditError", "AuditResult", "AuditsInterrupted",
           "BatchLimits", "BatchOptions", "CostEstimate", "CostLimitError", "EndpointError", "InterviewResult",
           "ModelAudits", "OptionError", "Response", "Status", "audit", "audit_models", "interview",
           "resolve_prompt_format", "sanitize_api_base", "timeout_hint"]


def __getattr__(name: str):
    if name in {"audit", "AuditError", "AuditResult", "CostLimitError", "EndpointError", "OptionError", "resolve_prompt_format",
                "sanitize_api_base"}:
        from psychometrics.administer import _audit

        return getattr(_audit, name)
    if name in {"interview", "InterviewResult"}:
        from psychometrics.administer import _interview

        return getattr(_interview, name)
    if name in {"audit_models", "AuditsInterrupted", "ModelAudits"}:
        from psychometrics.administer import _models

        return getattr(_models, name)
    if name == "timeout_hint":
        from psychometrics.administer._call import timeout_hint

        return timeout_hint
    if name == "CostEstimate":
        from psychometrics.administer._estimate import CostEstimate

        return CostEstimate
    if name in {"BatchOptions", "BATCH_PROVIDERS"}:
        from psychometrics.administer import _batch

        return getattr(_batch, name)
    if name in {"BATCH_LIMITS", "BatchLimits"}:
        from psychometrics.administer import _batchlines

        return getattr(_batchlines, name)
    raise AttributeError(name)
