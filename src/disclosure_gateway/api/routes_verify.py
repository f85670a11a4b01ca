"""One request decided at once: `POST /verify` (the requester's interactive check).

The server keeps one `Verifier` per home open across requests (`verifier_for`): the master
file, the model's scorer and the reference tables are opened once, not per request.
"""

from __future__ import annotations

from fastapi import APIRouter

from disclosure_gateway.api.deps import RequesterWrite, Runtime
from disclosure_gateway.api.schemas import ResponseRowOut, VerifyIn
from disclosure_gateway.service.response import response_row
from disclosure_gateway.service.verify import verifier_for

router = APIRouter(tags=["verify"])


@router.post(
    "/verify",
    response_model=ResponseRowOut,
    summary="Decide one SPEC §3.2 record now, exactly as a batch row; answers a SPEC §5 row",
)
def verify(body: VerifyIn, principal: RequesterWrite, gw: Runtime) -> ResponseRowOut:
    record = body.record.model_dump()
    verifier = verifier_for(gw.settings.home)
    decided = verifier.verify(gw.store, principal, body.official, record, gw.settings.clock())
    return ResponseRowOut(**response_row(decided))
