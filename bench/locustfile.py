"""Locust users for bench/load.py: OPCC staff mixing the dashboard, the findings list,
finding pages and progress updates. Run by bench/load.py, not on its own."""

from __future__ import annotations

import json
import os
import random
import re

from locust import HttpUser, between, task

FINDINGS = json.loads(open(os.environ["LOAD_FINDINGS_FILE"]).read())  # noqa: SIM115
PASSWORD = os.environ["LOAD_PASSWORD"]
USERNAME = os.environ.get("LOAD_USERNAME", "opcc")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
DOWNLOAD = re.compile(r'href="(/evidence/\d+/download/)"')
# Several instances (bench/hosts.py): each request goes to one of them at random, as a
# load balancer without sticky sessions would send it.
HOSTS = [h for h in os.environ.get("LOAD_HOSTS", "").split(",") if h]
# A small PDF, attached to some progress updates and downloaded again (bench/hosts.py).
EVIDENCE = os.environ.get("LOAD_EVIDENCE") == "1"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def at(path: str) -> str:
    return f"{random.choice(HOSTS)}{path}" if HOSTS else path


class OpccStaff(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        page = self.client.get(at("/accounts/login/"), name="sign in (page)")
        token = TOKEN.search(page.text).group(1)
        self.client.post(
            at("/accounts/login/"),
            {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="sign in",
        )

    @task(3)
    def dashboard(self) -> None:
        self.client.get(at("/dashboard/"), name="dashboard")

    @task(4)
    def findings_list(self) -> None:
        query = random.choice(
            [
                "?status=open",
                "?overdue=on&kind=recommendation",
                "?q=process&status=open",
                "?sort=-due",
            ]
        )
        self.client.get(at(f"/findings/{query}"), name="findings list")

    @task(4)
    def finding_detail(self) -> None:
        self.client.get(at(f"/findings/{random.choice(FINDINGS)}/"), name="finding detail")

    @task(1)
    def progress_update(self) -> None:
        pk = random.choice(FINDINGS)
        form = self.client.get(at(f"/findings/{pk}/updates/new/"), name="update form")
        token, version = TOKEN.search(form.text), VERSION.search(form.text)
        if not (token and version):
            form.failure("update form without a token or version")
            return
        with self.client.post(
            at(f"/findings/{pk}/updates/new/"),
            {
                "csrfmiddlewaretoken": token.group(1),
                "version": version.group(1),
                "narrative": "Load test update: progress reviewed.",
                "rag": "amber",
                "as_at": "2026-01-05",
            },
            name="update post",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                # Two simulated people updated the same finding at once: the app
                # refused the stale one, as it should. Not an error of the server.
                response.success()
            elif response.status_code != 302:
                response.failure(f"status {response.status_code}")

    @task(1 if EVIDENCE else 0)  # weight 0: never picked, bench/load.py's mix unchanged
    def evidence_round_trip(self) -> None:
        """An update with a small PDF, through one instance; the file downloaded again,
        through whichever instance the next request reaches (bench/hosts.py)."""
        pk = random.choice(FINDINGS)
        form = self.client.get(at(f"/findings/{pk}/updates/new/"), name="update form")
        token, version = TOKEN.search(form.text), VERSION.search(form.text)
        if not (token and version):
            form.failure("update form without a token or version")
            return
        with self.client.post(
            at(f"/findings/{pk}/updates/new/"),
            {
                "csrfmiddlewaretoken": token.group(1),
                "version": version.group(1),
                "narrative": "Load test update with evidence.",
                "rag": "green",
                "as_at": "2026-01-05",
                "evidence_effective_on": "2026-01-05",
            },
            files={"evidence": ("load-test.pdf", PDF, "application/pdf")},
            name="update post with evidence",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                response.success()
                return
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                return
        page = self.client.get(at(f"/findings/{pk}/"), name="finding detail")
        links = DOWNLOAD.findall(page.text)
        if not links:
            page.failure("no evidence link after an upload")
            return
        with self.client.get(
            at(max(links, key=lambda link: int(link.split("/")[2]))),
            name="evidence download",
            catch_response=True,
        ) as download:
            if download.status_code != 200 or not download.content.startswith(b"%PDF"):
                download.failure(f"status {download.status_code}")
