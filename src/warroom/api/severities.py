"""/api/v1/severities and /api/v1/triage: the policy and the severity helper."""

from __future__ import annotations

from fastapi import APIRouter

from warroom.api.deps import Ctx
from warroom.incidents.schemas import PolicyOut, SeverityOut, TriageAnswers, TriageProposalOut

router = APIRouter(prefix="/api/v1", tags=["severities"])


@router.get("/severities", response_model=PolicyOut, summary="The severity policy in force")
def severities(ctx: Ctx) -> PolicyOut:
    return PolicyOut.model_validate(ctx.policy)


@router.post("/triage", response_model=TriageProposalOut,
             summary="Propose a severity from impact answers")
def triage(ctx: Ctx, body: TriageAnswers) -> TriageProposalOut:
    proposal = ctx.policy.propose(service_down=body.service_down, users=body.users, feature=body.feature)
    return TriageProposalOut(severity=proposal.level.name, reason=proposal.reason,
                             level=SeverityOut.model_validate(proposal.level))
