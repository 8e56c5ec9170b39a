"""Stage 3 of the pipeline: ask a model every cell of a plan and store each answer."""

from psychometrics.store import AnswerMode, Response, Status

__all__ = ["AnswerMode", "AuditError", "AuditResult", "EndpointError", "Response", "Status", "audit",
           "sanitize_api_base"]


def __getattr__(name: str):
    if name in {"audit", "AuditError", "AuditResult", "EndpointError", "sanitize_api_base"}:
        from psychometrics.administer import _audit

        return getattr(_audit, name)
    raise AttributeError(name)
