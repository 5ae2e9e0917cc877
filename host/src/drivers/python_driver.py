"""Persistent Python context for the codemode sandbox host.

Runs inside the sandbox. Protocol: one JSON request per line on fd 0
({"code": str, "env": {..}}), one JSON response per line on fd 3
({"ok": bool, "result"?: str, "error"?: {...}, "images": [...]}).
fd 1 and 2 are files the host reads after each run, so output written by
user code and by its child processes is captured without going through here.
"""

import ast
import asyncio
import base64
import builtins
import io
import json
import linecache
import os
import sys
import traceback
import types
import warnings

CO_COROUTINE = 0x0080
_IMAGES_LIMIT = 16 * 1024 * 1024
FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT

# Move the protocol fds out of the way: user code may read stdin or inherit fd 3.
_req = os.fdopen(os.dup(0), "rb", buffering=0)
_resp_fd = os.dup(3)
os.close(3)
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)
os.close(_null)

warnings.filterwarnings("ignore", message=".*non-GUI backend.*")
warnings.filterwarnings("ignore", message=".*FigureCanvasAgg is non-interactive.*")

_main = types.ModuleType("__main__")
_main.__dict__["__builtins__"] = builtins
sys.modules["__main__"] = _main
_globals = _main.__dict__
_loop = asyncio.new_event_loop()
_cell = 0


def _send(obj):
    data = (json.dumps(obj) + "\n").encode("utf-8")
    view = memoryview(data)
    while view:
        n = os.write(_resp_fd, view)
        view = view[n:]


def _compile(node, filename, mode):
    return compile(node, filename, mode, flags=FLAGS, dont_inherit=True)


def _evaluate(code_obj):
    value = eval(code_obj, _globals)  # noqa: S307 - this is the REPL
    if code_obj.co_flags & CO_COROUTINE:
        value = _loop.run_until_complete(value)
    return value


def _cap(text, limit):
    """Head and tail of `text` within `limit` characters (the host caps again)."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters omitted ...]\n{text[-half:]}"


def _format_error(exc, limit):
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    try:
        message = str(exc)
    except BaseException:  # noqa: BLE001 - a broken __str__ is still an error to report
        message = f"<unprintable {type(exc).__name__}>"
    text = "".join(traceback.format_exception(type(exc), exc, tb)).rstrip("\n")
    return {
        "name": _cap(type(exc).__name__, 256),
        "message": _cap(message, limit),
        "traceback": _cap(text, limit).split("\n"),
    }


def _collect_figures():
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return []
    images = []
    total = 0
    try:
        for num in plt.get_fignums():
            buf = io.BytesIO()
            plt.figure(num).savefig(buf, format="png", bbox_inches="tight")
            data = base64.b64encode(buf.getvalue()).decode("ascii")
            total += len(data)
            if total > _IMAGES_LIMIT:
                sys.stderr.write("figures over 16 MiB in total were left out; save them to files instead\n")
                break
            images.append({"mimeType": "image/png", "data": data})
    finally:
        plt.close("all")
    return images


def _run(code, limit):
    global _cell
    _cell += 1
    filename = f"<cell-{_cell}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    tree = ast.parse(code, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    _evaluate(_compile(tree, filename, "exec"))
    if last is None:
        return None
    value = _evaluate(_compile(last, filename, "eval"))
    if value is None:
        return None
    _globals["_"] = value
    return _cap(repr(value), limit)


def main():
    _send({"ready": True, "pid": os.getpid()})
    while True:
        line = _req.readline()
        if not line:
            return
        request = json.loads(line)
        os.environ.update(request.get("env") or {})
        limit = int(request.get("limit") or 65536)
        response = {"ok": True, "images": []}
        try:
            result = _run(request["code"], limit)
            if result is not None:
                response["result"] = result
        except BaseException as exc:  # noqa: BLE001 - user errors become results
            response["ok"] = False
            response["error"] = _format_error(exc, limit)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        try:
            response["images"] = _collect_figures()
        except Exception as exc:  # noqa: BLE001
            sys.stderr.write(f"could not render figures: {exc}\n")
            sys.stderr.flush()
        _send(response)


main()
