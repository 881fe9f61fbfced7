"""File sharing in the web client (issue #21, item 6; Web/attachments.js), in
headless Chromium against the whole stack (two meet-ws replicas): a guest on
replica 0 attaches a file with the chat panel's Attach button; a guest on
replica 1 sees it in the chat and downloads it with its button, byte for
byte; a file sent privately to that guest is not downloadable by a third
guest, whose chat never shows it. The protocol, limits and stores are in
test_file_sharing.py.
"""
from __future__ import annotations

import base64
import os

import pytest
from meet_e2e.browser_flows import open_browsers, web_stack
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """web_stack, with the directory store in a temporary directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEET_RECORDING_DIR", str(tmp_path_factory.mktemp("files")))
        yield from web_stack(tmp_path_factory)


browsers = pytest.fixture(name="browsers")(open_browsers)


def join(browser, stack, code: str, replica: int) -> None:
    browser.open_link(f"{stack.api.base_url}/{code}")
    browser.set_test_hooks(ws_url=stack.ws_url(replica))
    browser.join(guest_name=browser.name)
    browser.wait_screen("meeting")
    browser.click("#ctl-chat")


def file_buttons(browser) -> list[str]:
    """The attachment ids of the files in this browser's chat."""
    return browser.js("return [...document.querySelectorAll('#chat-list .attachment')].map((b) => b.dataset.attachmentId)")


def attach(browser, path) -> None:
    browser.driver.find_element(By.ID, "chat-file").send_keys(str(path))


def test_a_file_shared_in_the_chat_is_downloaded_by_its_readers_only(stack, browsers, tmp_path):
    owner = stack.rest.register("Files Owner")
    code = stack.rest.call("POST", "/v1/meetings", {"title": "Files"}, owner, expect=201)["code"]
    ada, ben, cy = browsers("Ada Attacher"), browsers("Ben Bystander"), browsers("Cy Third")
    join(ada, stack, code, replica=0)
    join(ben, stack, code, replica=1)
    join(cy, stack, code, replica=0)
    ada.assert_accessible("the chat panel with its Attach button")

    # Ada attaches a file to the room's chat; Ben, on the other replica, downloads it.
    content = os.urandom(300_000)
    shared = tmp_path / "slides.pdf"
    shared.write_bytes(content)
    attach(ada, shared)
    ids = ben.wait(lambda: file_buttons(ben), 20, "the file in Ben's chat")
    assert ada.wait(lambda: file_buttons(ada), 10, "the file in Ada's own chat") == ids
    button = ben.driver.find_element(By.CSS_SELECTOR, f'#chat-list .attachment[data-attachment-id="{ids[0]}"]')
    assert "slides.pdf" in button.text
    button.click()
    downloaded = ben.wait(lambda: ben.js_async("window.meetDebug.lastDownload()"), 20, "the download")
    assert base64.b64decode(downloaded) == content

    # A file sent privately to Ben: Ben has it, Cy never sees it and cannot fetch it.
    cy.wait(lambda: file_buttons(cy) == ids, 20, "the room's file in Cy's chat")
    ada.wait(lambda: Select(ada.driver.find_element(By.ID, "chat-to")).select_by_visible_text("Ben Bystander (private)") or True,
             10, "Ben in Ada's To list")
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"for Ben only")
    attach(ada, secret)
    private = ben.wait(lambda: [i for i in file_buttons(ben) if i not in ids], 20, "the private file in Ben's chat")[0]
    fetched = ben.js_async(f"window.meetDebug.fetchAttachment('{private}')")
    assert fetched["status"] == 200 and base64.b64decode(fetched["base64"]) == b"for Ben only"
    assert cy.js_async(f"window.meetDebug.fetchAttachment('{private}')") == {"status": 404}
    assert file_buttons(cy) == ids
