"""Reports (issue #20, item 6) through the real stack: seats taken over
WebSocket show up in the meeting's attendance with join and leave times,
the peak and the chat count; the owner and hosts may read it (JSON or
CSV), an attendee member gets 403, a bad `format` 422; each user's own
report counts the meetings it hosted and attended."""
from __future__ import annotations

import asyncio
import csv
import io
import urllib.request
import uuid

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.participant import Participant
from meet_e2e.stack import Stack


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=1)


def get_csv(stack: Stack, path: str, token: str) -> tuple[dict, list[dict]]:
    request = urllib.request.Request(stack.api.base_url + path)
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        headers = dict(response.headers)
        rows = list(csv.DictReader(io.StringIO(response.read().decode())))
    return headers, rows


async def scenario(stack: Stack) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    email = f"e2e-{uuid.uuid4().hex}@example.com"
    attendee = stack.rest.call("POST", "/v1/auth/register",
                               {"email": email, "password": "correct horse battery", "displayName": "Ada"},
                               expect=201)["accessToken"]
    stack.rest.call("POST", f"/v1/meetings/{code}/members", {"email": email}, owner, expect=201)
    host, ada, guest = Participant("Owner"), Participant("Ada"), Participant("=cmd|' /C calc'!A0")
    try:
        await host.join(stack, code, replica=0, token=owner)
        await ada.join(stack, code, replica=0, token=attendee)
        await guest.join(stack, code, replica=0)
        assert (await guest.signal.request("chat", {"body": "hi"}))["type"] == "ack"
        assert (await guest.signal.request("leave"))["type"] == "ack"

        report = stack.rest.call("GET", f"/v1/meetings/{code}/report", token=owner)
        names = {entry["displayName"]: entry for entry in report["attendance"]}
        assert set(names) == {"Owner", "Ada", "=cmd|' /C calc'!A0"}, report
        assert "leftAt" in names["=cmd|' /C calc'!A0"] and "leftAt" not in names["Ada"], report
        assert report["peakParticipants"] == 3 and report["chatMessages"] == 1, report
        assert all(entry["secondsPresent"] >= 0 for entry in report["attendance"])

        headers, rows = get_csv(stack, f"/v1/meetings/{code}/report?format=csv", owner)
        assert headers["Content-Type"].startswith("text/csv") and "attachment" in headers["Content-Disposition"], headers
        assert {row["name"] for row in rows} == {"Owner", "Ada", "'=cmd|' /C calc'!A0"}, rows  # a formula defused

        refused = stack.rest.call("GET", f"/v1/meetings/{code}/report", token=attendee, expect=403)
        assert refused["error"]["code"] == "forbidden"
        invalid = stack.rest.call("GET", f"/v1/meetings/{code}/report?format=xml", token=owner, expect=422)
        assert invalid["error"]["code"] == "validation_failed"

        mine = stack.rest.call("GET", "/v1/users/me/report", token=owner)
        assert mine["meetingsHosted"] == 1 and mine["meetingsAttended"] == 1, mine
        assert [m["code"] for m in mine["meetings"]] == [code]
        theirs = stack.rest.call("GET", "/v1/users/me/report", token=attendee)
        assert theirs["meetingsHosted"] == 0 and theirs["meetingsAttended"] == 1, theirs
    finally:
        for person in (host, ada, guest):
            await person.close()


def test_reports_show_attendance_to_hosts_only(stack):
    asyncio.run(asyncio.wait_for(scenario(stack), 60))
