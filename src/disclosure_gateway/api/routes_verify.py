"""One request decided at once: `POST /verify` (the requester's interactive check)."""

from __future__ import annotations

from fastapi import APIRouter

from disclosure_gateway.api.deps import Master, RequesterWrite, Runtime
from disclosure_gateway.api.schemas import ResponseRowOut, VerifyIn
from disclosure_gateway.service.response import response_row
from disclosure_gateway.service.verify import verify_request

router = APIRouter(tags=["verify"])


@router.post(
    "/verify",
    response_model=ResponseRowOut,
    summary="Decide one SPEC §3.2 record now, exactly as a batch row; answers a SPEC §5 row",
)
def verify(
    body: VerifyIn, principal: RequesterWrite, master: Master, gw: Runtime
) -> ResponseRowOut:
    record = body.record.model_dump()
    decided = verify_request(
        gw.store, master, principal, body.official, record, gw.settings.clock()
    )
    return ResponseRowOut(**response_row(decided))
