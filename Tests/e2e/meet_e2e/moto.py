"""moto's S3 server (Tests/e2e/requirements.txt) on loopback, for the tests of
what Meet keeps in S3: recordings (test_recording_storage.py) and chat
attachments (test_file_sharing.py)."""
from __future__ import annotations

import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

import boto3

from .env import free_port
from .process import LoggedProcess

BUCKET = "meet-e2e-recordings"


class Moto:
    """moto's S3 server on a fixed loopback port; `stop()` and `start()` again
    make an outage (it keeps nothing across a restart, so the bucket is made again)."""

    def __init__(self, tmp_path: Path, bucket: str = BUCKET):
        self.tmp_path = tmp_path
        self.bucket = bucket
        self.port = free_port(socket.SOCK_STREAM)
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: LoggedProcess | None = None
        self.runs = 0
        self.start()

    def start(self) -> None:
        self.runs += 1
        self.process = LoggedProcess([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     self.tmp_path / f"moto-{self.runs}.log", name="moto")

        def up():
            with urllib.request.urlopen(self.endpoint + "/", timeout=2):
                return True
        self.process.wait_ready(up, 30, "S3 API answering", retry_on=(OSError, urllib.error.URLError))
        self.client().create_bucket(Bucket=self.bucket)

    def stop(self) -> None:
        if self.process:
            self.process.end()
            self.process.close_log()

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id="e2e", aws_secret_access_key="e2e",
                            region_name="us-east-1")

    def object(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def keys(self, prefix: str) -> list[str]:
        return [o["Key"] for o in self.client().list_objects_v2(Bucket=self.bucket, Prefix=prefix).get("Contents", [])]

    def env(self) -> dict:
        return {"MEET_RECORDING_STORAGE": "s3", "MEET_RECORDING_S3_ENDPOINT": self.endpoint,
                "MEET_RECORDING_S3_BUCKET": self.bucket, "MEET_RECORDING_S3_REGION": "us-east-1",
                "MEET_RECORDING_S3_ACCESS_KEY_ID": "e2e", "MEET_RECORDING_S3_SECRET_ACCESS_KEY": "e2e"}
