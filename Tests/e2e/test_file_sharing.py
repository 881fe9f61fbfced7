"""File sharing in the chat (issue #21, item 6; docs/signaling.md, "File
sharing") through the real stack, across two meet-ws replicas, with the
files in the directory store and in S3 (moto, as test_recording_storage.py):

- an upload streams to the store; past `MEET_ATTACHMENT_MAX_BYTES` it is 413
  with a JSON body, announced (`Content-Length`) or not (chunked), and
  nothing is kept;
- a `chat` naming the upload carries it to every reader on both replicas
  and in the history; the file downloads byte-exact, whole and in ranges,
  with the download headers; an upload goes with one message only, and only
  its uploader may send it;
- a private message's file downloads for its sender and recipient only;
  the third participant and the owner get 404;
- the uploader's data export lists its files; the owner's account deletion
  removes the meeting and with it the files, from the store too.
The authorization matrix in detail: Tests/MeetAPITests (AttachmentRoutesTests).
"""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import urllib.parse

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.moto import Moto
from meet_e2e.participant import Participant
from meet_e2e.signaling import SignalError
from meet_e2e.stack import Stack
from meet_e2e.waiting import wait_until

LIMIT = 200_000


@pytest.fixture(params=["directory", "s3"])
def store(request, tmp_path):
    """(kind, moto or None, the directory root)."""
    moto = Moto(tmp_path, "meet-e2e-attachments") if request.param == "s3" else None
    yield request.param, moto, tmp_path / "files"
    if moto:
        moto.stop()


@pytest.fixture
def stack(tmp_path, request, store):
    kind, moto, root = store
    api_env = {"MEET_RECORDING_DIR": str(root), "MEET_ATTACHMENT_MAX_BYTES": str(LIMIT), **(moto.env() if moto else {})}
    yield from stack_with_logs(tmp_path, request, sfu_nodes=1, api_env=api_env)


def upload(stack: Stack, code: str, token: str, body: bytes, name: str, content_type: str = "application/pdf",
           chunked: bool = False):
    """(status, JSON body) of an upload; `chunked` sends no Content-Length."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.api.port, timeout=30)
    path = f"/v1/meetings/{code}/attachments?name={urllib.parse.quote(name)}"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    try:
        if chunked:
            pieces = [body[i:i + 16384] for i in range(0, len(body), 16384)]
            connection.request("POST", path, body=iter(pieces), headers=headers, encode_chunked=True)
        else:
            connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    finally:
        connection.close()


def download(stack: Stack, code: str, attachment: str, token: str, headers: dict | None = None):
    """(status, headers, body) of a download."""
    return stack.rest.fetch(f"/v1/meetings/{code}/attachments/{attachment}", token, headers)


def stored(store, meeting_id: str, attachment: str) -> bytes | None:
    """The bytes the store holds for an attachment, or None."""
    kind, moto, root = store
    key = f"attachments/{meeting_id}/{attachment}"
    if moto:
        if key not in moto.keys("attachments/"):
            return None
        try:
            return moto.object(key)
        except moto.client().exceptions.NoSuchKey:
            return None  # deleted between the listing and the read (the sweep at work)
    path = root / key
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


async def scenario(stack: Stack, store) -> None:
    rest = stack.rest
    owner = rest.register("Owner")
    code = rest.create_meeting(owner)
    meeting_id = rest.call("GET", f"/v1/meetings/{code}", token=owner)["id"].lower()
    uploader_account = rest.register("Ada")
    a, b, c = Participant("Ada"), Participant("B"), Participant("C")
    people = (a, b, c)
    try:
        await a.join(stack, code, 0, token=uploader_account)
        await b.join(stack, code, 1)
        await c.join(stack, code, 0)
        a_token, b_token, c_token = a.join_token, b.join_token, c.join_token
        # Over the limit: 413 with a JSON body, announced or streamed; nothing kept.
        too_big = os.urandom(LIMIT + 1)
        for chunked in (False, True):
            status, body = upload(stack, code, a_token, too_big, "big.bin", chunked=chunked)
            assert status == 413 and body["error"]["code"] == "payload_too_large", (chunked, status, body)

        content = os.urandom(150_000)
        status, attachment = upload(stack, code, a_token, content, "report ü.pdf", chunked=True)
        assert status == 201, attachment
        assert attachment["name"] == "report ü.pdf" and attachment["size"] == len(content)
        assert attachment["contentType"] == "application/pdf"
        file_id = attachment["id"].lower()
        assert stored(store, meeting_id, file_id) == content
        # Not sent yet: nobody downloads it.
        assert download(stack, code, file_id, b_token)[0] == 404
        # Only its uploader may send it.
        with pytest.raises(SignalError) as stolen:
            await c.signal.request("chat", {"body": "mine now", "attachmentId": file_id})
        assert stolen.value.code == "not_found"

        reply = await a.signal.request("chat", {"body": "", "attachmentId": file_id})
        assert reply["type"] == "ack", reply
        for person in people:
            event = await person.signal.next_event("chat", lambda d: d.get("attachment") is not None, timeout=10)
            assert event["attachment"]["id"].lower() == file_id and event["attachment"]["size"] == len(content), event
        with pytest.raises(SignalError) as again:
            await a.signal.request("chat", {"body": "twice", "attachmentId": file_id})
        assert again.value.code == "not_found"

        # Every reader downloads it byte-exact, with the download headers; ranges too.
        for token in (a_token, b_token, c_token, owner):
            status, headers, body = download(stack, code, file_id, token)
            assert status == 200 and body == content, (status, body[:200])
        status, headers, _ = download(stack, code, file_id, b_token)
        assert headers["Content-Type"] == "application/pdf"
        assert headers["Content-Disposition"] == "attachment; filename=\"report _.pdf\"; filename*=UTF-8''report%20%C3%BC.pdf"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        status, headers, body = download(stack, code, file_id, c_token, {"Range": "bytes=1000-1999"})
        assert status == 206 and body == content[1000:2000] and headers["Content-Range"] == f"bytes 1000-1999/{len(content)}"
        stranger = rest.register("Stranger")
        assert download(stack, code, file_id, stranger)[0] == 403
        history = rest.call("GET", f"/v1/meetings/{code}/messages", token=c_token)["items"]
        assert [m["attachment"]["id"].lower() for m in history if m.get("attachment")] == [file_id]

        # A private message's file: its sender and recipient only.
        secret = os.urandom(5000)
        status, private = upload(stack, code, a_token, secret, "secret.txt", content_type="text/plain")
        assert status == 201, private
        private_id = private["id"].lower()
        reply = await a.signal.request("chat", {"body": "for B", "toParticipantId": b.id, "attachmentId": private_id})
        assert reply["type"] == "ack", reply
        event = await b.signal.next_event("chat", lambda d: d["body"] == "for B", timeout=10)
        assert event["attachment"]["id"].lower() == private_id
        for token in (a_token, b_token):
            status, _, body = download(stack, code, private_id, token)
            assert status == 200 and body == secret
        for token in (c_token, owner):
            assert download(stack, code, private_id, token)[0] == 404
        assert not any(m["data"].get("attachment", {}).get("id", "").lower() == private_id
                       for m in c.signal.seen if m.get("type") == "chat")

        # The uploader's export lists its files.
        export = rest.call("GET", "/v1/users/me/export", token=uploader_account)
        assert sorted(f["id"].lower() for f in export["attachments"]) == sorted([file_id, private_id])
    finally:
        for person in people:
            await person.close()

    # The owner leaves Meet: the meeting (no other host) goes, and its files with it.
    rest.call("DELETE", "/v1/users/me", {"password": "correct horse battery"}, owner, expect=204)
    await wait_until(lambda: stored(store, meeting_id, file_id) is None and stored(store, meeting_id, private_id) is None,
                     20, "the removed meeting's files deleted from the store")


def test_files_shared_in_chat_downloaded_by_their_readers(stack, store):
    asyncio.run(asyncio.wait_for(scenario(stack, store), 120))
