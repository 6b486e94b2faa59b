"""Run the page with solara's server, bound to loopback unless told otherwise.

The server runs in this process (``solara run`` in production mode, no browser opened,
no version check), so stopping the process stops the server. The front end is served from
``solara-assets`` through solara's asset proxy, so the page works offline; solara's usage
telemetry is switched off.
"""

from __future__ import annotations

import os

__all__ = ["serve", "solara_args"]

APP = "experiments.viz.app"


def solara_args(host: str = "127.0.0.1", port: int = 8765) -> list[str]:
    """Arguments of ``solara`` that run the page's server."""
    return [
        "run", APP, "--host", host, "--port", str(port),
        "--no-open", "--production", "--no-check-version",
    ]  # fmt: skip


def serve(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the page on ``http://host:port`` until interrupted."""
    # solara reads these when it is first imported
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    os.environ["SOLARA_ASSETS_PROXY"] = "True"
    from solara.__main__ import cli

    print(f"hotpotato viz: http://{host}:{port} (Ctrl-C to stop)", flush=True)
    cli.main(solara_args(host, port), prog_name="solara", standalone_mode=False)
