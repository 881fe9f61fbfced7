"""Invitations and notices by email through a real SMTP server (docs/scheduling.md).

An aiosmtpd server on loopback receives what meet-api sends (`MEET_SMTP_*`):
each message is parsed with Python's `email` package, so its MIME structure
(text and HTML bodies, the ICS attachment) is read by an independent
implementation. The outage test stops the SMTP server while invitations are
sent, and shows that every message arrives, once, after it is back (the job
table retries with backoff).
"""
from __future__ import annotations

import email.message
import json
import os
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from meet_e2e.env import database_url_from_env
from meet_e2e.smtp import SMTPServer, answer_link
from meet_e2e.stack import Rest, Service
from meet_e2e.waiting import block_until


@pytest.fixture
def smtp():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def api(tmp_path: Path, smtp: SMTPServer):
    env = {
        "MEET_ENV": "development",
        "MEET_LOG_FORMAT": "text",
        "MEET_DATABASE_URL": database_url_from_env(),
        "MEET_JWT_SECRET": "invite-secret-" + uuid.uuid4().hex + uuid.uuid4().hex,
        "MEET_BCRYPT_COST": "4",
        "MEET_SMTP_HOST": "127.0.0.1",
        "MEET_SMTP_PORT": str(smtp.port),
        "MEET_SMTP_FROM": "meet@example.com",
        "MEET_SMTP_TIMEOUT_SECONDS": "2",
        "MEET_PUBLIC_URL": "https://meet.example",
        "MEET_JOBS_POLL_MS": "100",
        "MEET_JOBS_RETRY_BASE_MS": "200",
        "MEET_JOBS_RETRY_MAX_SECONDS": "1",
        "MEET_REMINDER_SCAN_SECONDS": "1",
    }
    service = Service("meet-api", "meet-api", tmp_path, env)
    yield service
    service.stop()


def calendar_of(message: email.message.EmailMessage) -> str:
    parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [part.get_content_type() for part in message.walk()]
    assert parts[0].get_content_disposition() == "attachment"
    return parts[0].get_content()


def unfolded(ics: str) -> list[str]:
    """RFC 5545 §3.1: every line ends in CRLF and is at most 75 octets; unfolded lines."""
    assert ics.endswith("\r\n")
    for line in ics.split("\r\n")[:-1]:
        assert len(line.encode()) <= 75, line
    return ics.replace("\r\n ", "").split("\r\n")[:-1]


def later(hours: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=hours)).replace(microsecond=0).isoformat()


def test_invitation_mail_ics_accept_and_join_without_password(api: Service, smtp: SMTPServer):
    rest = Rest(api.base_url)
    owner = rest.register("Owner")
    guest_email = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    invitee = rest.call("POST", "/v1/auth/register", {
        "email": guest_email, "password": "correct horse battery", "displayName": "Ann"}, expect=201)["accessToken"]
    code = rest.call("POST", "/v1/meetings", {"title": "Weekly sync", "password": "secret-pass"}, owner, expect=201)["code"]
    rest.call("PUT", f"/v1/meetings/{code}/schedule", {
        "startsAt": "2030-03-18T09:00:00+01:00", "endsAt": "2030-03-18T10:00:00+01:00", "timeZone": "Europe/Berlin",
        "description": "Agenda; status, plans", "recurrence": "FREQ=WEEKLY;BYDAY=MO;COUNT=5"}, owner)
    outsider = f"outside-{uuid.uuid4().hex[:8]}@example.org"
    rest.call("POST", f"/v1/meetings/{code}/invitations", {"email": guest_email, "role": "attendee"}, owner, expect=201)
    rest.call("POST", f"/v1/meetings/{code}/invitations", {"email": outsider}, owner, expect=201)

    mails = block_until(lambda: smtp.inbox.to(guest_email), 30, "the invitation email", details=api.log)
    message = mails[0]
    assert message["Subject"] == "Invitation: Weekly sync"
    assert message.get_content_type() == "multipart/mixed"
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types and "text/html" in types
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert f"https://meet.example/{code}" in text
    lines = unfolded(calendar_of(message))
    assert "METHOD:REQUEST" in lines
    uid = next(line for line in lines if line.startswith("UID:"))
    assert "DTSTART;TZID=Europe/Berlin:20300318T090000" in lines
    assert "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5" in lines
    assert "DESCRIPTION:Agenda\\; status\\, plans" in lines
    assert "BEGIN:VTIMEZONE" in lines
    assert block_until(lambda: smtp.inbox.to(outsider), 30, "the outsider's invitation", details=api.log)

    # The invitee sees it in the app, accepts, and joins without the password.
    mine = rest.call("GET", "/v1/invitations", token=invitee)["items"]
    assert [item["meetingCode"] for item in mine] == [code]
    assert rest.call("POST", f"/v1/invitations/{mine[0]['id']}/accept", token=invitee)["status"] == "accepted"
    joined = rest.call("POST", f"/v1/meetings/{code}/join", {}, invitee)
    assert joined["participant"]["role"] == "attendee"
    notifications = rest.call("GET", "/v1/notifications", token=invitee)["items"]
    assert [item["kind"] for item in notifications] == ["invitation"]

    # The invitee's secret calendar feed holds the same event (same UID), without a bearer token.
    feed_url = rest.call("POST", "/v1/users/me/calendar-feed", token=invitee, expect=201)["url"]
    path = feed_url[feed_url.index("/v1/calendar-feeds/"):]
    with urllib.request.urlopen(api.base_url + path, timeout=10) as response:
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        feed_lines = unfolded(response.read().decode())
    assert "METHOD:PUBLISH" in feed_lines and uid in feed_lines

    # Cancelling one occurrence: a CANCEL with its RECURRENCE-ID, same UID, a higher SEQUENCE.
    rest.call("DELETE", f"/v1/meetings/{code}/occurrences/20300325T080000Z", token=owner, expect=204)
    cancel = block_until(lambda: [m for m in smtp.inbox.to(guest_email) if "CANCEL" in calendar_of(m)], 30,
                         "the occurrence's CANCEL", details=api.log)[0]
    cancel_lines = unfolded(calendar_of(cancel))
    assert "METHOD:CANCEL" in cancel_lines
    assert "RECURRENCE-ID;TZID=Europe/Berlin:20300325T090000" in cancel_lines
    assert uid in cancel_lines
    sequence = lambda ls: int(next(line for line in ls if line.startswith("SEQUENCE:")).split(":")[1])
    assert sequence(cancel_lines) > sequence(lines)


def test_registering_an_invited_address_alone_grants_nothing(api: Service, smtp: SMTPServer):
    """The fix of the hole of an address invitation taken by whoever registers the address
    (docs/scheduling.md, Invitations): only the secret of the email's link answers it."""
    rest = Rest(api.base_url)
    owner = rest.register("Owner")
    code = rest.call("POST", "/v1/meetings", {"title": "Board", "password": "secret-pass"}, owner, expect=201)["code"]
    address = f"nobody-yet-{uuid.uuid4().hex[:8]}@example.org"
    invitation = rest.call("POST", f"/v1/meetings/{code}/invitations", {"email": address, "role": "host"}, owner, expect=201)
    assert "secret" not in invitation
    mail = block_until(lambda: smtp.inbox.to(address), 30, "the invitation email", details=api.log)[0]
    link = answer_link(mail)
    assert link.startswith(f"https://meet.example/invitations/{invitation['id'].lower()}?secret=")
    secret = link.split("secret=", 1)[1]
    assert len(secret) == 43

    # Whoever registers the address: no invitation listed, no join without the password, no answer.
    squatter = rest.call("POST", "/v1/auth/register", {
        "email": address, "password": "correct horse battery", "displayName": "Squatter"}, expect=201)["accessToken"]
    assert rest.call("GET", "/v1/invitations", token=squatter)["items"] == []
    rest.call("POST", f"/v1/meetings/{code}/join", {}, squatter, expect=403)
    rest.call("POST", f"/v1/invitations/{invitation['id']}/accept", None, squatter, expect=404)
    rest.call("POST", f"/v1/invitations/{invitation['id']}/accept", {"secret": "A" * 43}, squatter, expect=404)
    rest.call("GET", f"/v1/meetings/{code}/members", token=squatter, expect=403)

    # The link's holder answers with the secret and is a host from then on.
    holder = rest.register("Holder")
    accepted = rest.call("POST", f"/v1/invitations/{invitation['id']}/accept", {"secret": secret}, holder)
    assert accepted["status"] == "accepted"
    assert rest.call("POST", f"/v1/meetings/{code}/join", {}, holder)["participant"]["role"] == "host"
    # Bound: the secret answers for nobody else any more.
    rest.call("POST", f"/v1/invitations/{invitation['id']}/accept", {"secret": secret}, squatter, expect=404)


def test_smtp_outage_loses_nothing(api: Service, smtp: SMTPServer):
    rest = Rest(api.base_url)
    owner = rest.register("Owner")
    code = rest.call("POST", "/v1/meetings", {"title": "Outage"}, owner, expect=201)["code"]
    rest.call("PUT", f"/v1/meetings/{code}/schedule", {
        "startsAt": later(48), "endsAt": later(49), "timeZone": "UTC"}, owner)

    smtp.stop()
    addresses = [f"down-{i}-{uuid.uuid4().hex[:6]}@example.org" for i in range(3)]
    for address in addresses:
        rest.call("POST", f"/v1/meetings/{code}/invitations", {"email": address}, owner, expect=201)
    # Each one failed at least twice while the server was down (and was kept for a retry).
    block_until(lambda: api.log().count("job failed, will retry") >= 6, 30, "failed attempts during the outage")
    smtp.start()
    for address in addresses:
        block_until(lambda: smtp.inbox.to(address), 30, f"the invitation to {address} after the outage", details=api.log)
    received = [m for a in addresses for m in smtp.inbox.to(a)]
    assert len({m["Message-ID"] for m in received}) == 3
    assert len(received) == 3


def test_reminder_before_start(api: Service, smtp: SMTPServer):
    rest = Rest(api.base_url)
    owner = rest.register("Owner")
    attendee_email = f"rem-{uuid.uuid4().hex[:8]}@example.com"
    attendee = rest.call("POST", "/v1/auth/register", {
        "email": attendee_email, "password": "correct horse battery", "displayName": "Rem"}, expect=201)["accessToken"]
    assert rest.call("PUT", "/v1/users/me/settings", {"reminderMinutes": 60}, attendee) == {"reminderMinutes": 60}
    rest.call("PUT", "/v1/users/me/settings", {"reminderMinutes": None}, owner)
    code = rest.call("POST", "/v1/meetings", {"title": "Soon"}, owner, expect=201)["code"]
    rest.call("POST", f"/v1/meetings/{code}/members", {"email": attendee_email}, owner, expect=201)
    rest.call("PUT", f"/v1/meetings/{code}/schedule", {
        "startsAt": later(0.5), "endsAt": later(1), "timeZone": "UTC"}, owner)

    reminder = block_until(
        lambda: [m for m in smtp.inbox.to(attendee_email) if m["Subject"] == "Reminder: Soon"], 30, "the reminder email",
        details=api.log)
    assert len(reminder) == 1
    kinds = block_until(
        lambda: [n["kind"] for n in rest.call("GET", "/v1/notifications", token=attendee)["items"] if n["kind"] == "reminder"],
        10, "the reminder notification")
    assert kinds == ["reminder"]
    # The owner turned reminders off.
    assert not [n for n in rest.call("GET", "/v1/notifications", token=owner)["items"] if n["kind"] == "reminder"]
