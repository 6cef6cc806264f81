"""Warm a worker before the proxy sends it viewers: one headless session opens every page.

A worker's first visit to a page pays for everything once: importing the page's libraries
(the planner's optimiser takes seconds), filling the query cache, building the shared
figures of the page's default view. Under a meeting's load that first visit held the
interpreter while every other viewer of the worker waited (the slowest interactions of
bench/LOAD.md were first visits to the planner and the area profile). serve.py warms each
worker this way before nginx starts, as a deployment's readiness check would; the session
speaks Streamlit's websocket protocol, as a browser tab does, so it warms exactly what a
viewer's first visit would.

    .venv/bin/python -m deploy.warm PORT
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


async def rerun(
    socket_, state: ClientState, timeout: float, see: Callable[[ForwardMsg], None] | None = None
) -> str:
    """Send one rerun (the page and widget values in `state`), pass each message the server
    sends to `see`, and return the status of the script run that ends it
    (e.g. FINISHED_SUCCESSFULLY). A rerun the app asks for itself (st.rerun) is followed."""
    message = BackMsg()
    message.rerun_script.CopyFrom(state)
    await socket_.send(message.SerializeToString())
    while True:
        forward = ForwardMsg.FromString(await asyncio.wait_for(socket_.recv(), timeout))
        if see is not None:
            see(forward)
        if forward.WhichOneof("type") == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(forward.script_finished)
            if status != "FINISHED_EARLY_FOR_RERUN":
                return status


@dataclass
class Warmed:
    pages: list[str] = field(default_factory=list)  # url paths opened ("" is the home page)
    problems: list[str] = field(default_factory=list)  # exceptions or failed runs, by page


async def open_every_page(url: str, timeout: float = 120) -> Warmed:
    """Open the app at its websocket `url` (ws://HOST:PORT/_stcore/stream), then each page of
    its navigation once."""
    pages: list[str] = []
    problems: list[str] = []
    current = ["home"]

    def see(forward: ForwardMsg) -> None:
        kind = forward.WhichOneof("type")
        if kind == "navigation":
            pages[:] = [page.url_pathname for page in forward.navigation.app_pages]
        elif kind == "delta" and forward.delta.new_element.WhichOneof("type") == "exception":
            problems.append(f"page {current[0]}: {forward.delta.new_element.exception.message}")

    async with websockets.connect(
        url, subprotocols=["streamlit"], max_size=None, open_timeout=timeout
    ) as socket_:
        status = await rerun(socket_, ClientState(), timeout, see)
        if status != "FINISHED_SUCCESSFULLY":
            problems.append(f"opening the app: {status}")
        for page in list(pages):
            current[0] = page or "home"
            state = ClientState()
            state.page_name = page
            status = await rerun(socket_, state, timeout, see)
            if status != "FINISHED_SUCCESSFULLY":
                problems.append(f"page {page or 'home'}: {status}")
    return Warmed(pages, problems)


def warm(url: str, timeout: float = 120) -> Warmed:
    """open_every_page, from synchronous code: on a thread of its own, as the caller may
    already run an event loop (pytest with Playwright's sync API), where asyncio.run fails."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, open_every_page(url, timeout)).result()


if __name__ == "__main__":
    from deploy.serve import stream_url

    warmed = warm(stream_url(int(sys.argv[1])))
    print("\n".join(warmed.problems) or f"opened {len(warmed.pages)} pages", file=sys.stderr)
    sys.exit(1 if warmed.problems else 0)
