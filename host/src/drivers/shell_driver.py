"""Warm shell runner for the codemode sandbox host.

Runs inside the sandbox, so a bash run costs a fork and an exec instead of a new
sandbox. Protocol: one JSON request per line on fd 0 ({"code", "cwd", "env",
"cpu_seconds"}), one JSON response per line on fd 3 ({"ok": true, "exit_code": int,
"signal": int, "clean": bool}, or {"ok": false, "spawn_failed": true} when the run
could not even be forked). fd 1 and 2 are the host's capture files and are inherited by the run.
After each run every other process in this sandbox is killed, so nothing a command
left behind outlives it, exactly as when each run had its own sandbox.
"""

import json
import os
import resource
import signal

_req = os.fdopen(os.dup(0), "rb", buffering=0)
_resp_fd = os.dup(3)
os.close(3)
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)
os.close(_null)
_base_env = dict(os.environ)


def _send(obj):
    view = memoryview((json.dumps(obj) + "\n").encode("utf-8"))
    while view:
        view = view[os.write(_resp_fd, view):]


def _own_pid_namespace():
    # Under bubblewrap's --unshare-pid, pid 1 is bwrap itself; anywhere else, killing
    # "every other process" would reach far beyond this sandbox.
    try:
        with open("/proc/1/cmdline", "rb") as f:
            return os.path.basename(f.read().split(b"\0")[0]) == b"bwrap"
    except OSError:
        return False


_ISOLATED = _own_pid_namespace()


def _kill_leftovers():
    """True when nothing is left; False when processes kept appearing (a fork bomb)."""
    if not _ISOLATED:
        return True
    me = os.getpid()
    for _ in range(50):
        others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
        if not others:
            return True
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0] != 0:
                pass
        except ChildProcessError:
            pass
    return False


def _run(req):
    # posix_spawn (vfork and exec) costs a fraction of fork under load; the working
    # directory is set on the runner first and inherited, the CPU limit right after.
    env = dict(_base_env)
    env.update(req.get("env") or {})
    try:
        os.chdir(req["cwd"])
        pid = os.posix_spawn(
            "/bin/bash",
            ["/bin/bash", "-c", req["code"]],
            env,
            setsid=True,
            setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),
        )
    except OSError as e:
        # Nothing of the run has happened yet: the host runs it in a sandbox of its own.
        return {"ok": False, "spawn_failed": True, "error": {"name": "OSError", "message": str(e), "traceback": []}}
    finally:
        os.chdir("/")
    cpu = int(req.get("cpu_seconds") or 0)
    if cpu > 0:
        try:
            resource.prlimit(pid, resource.RLIMIT_CPU, (cpu, cpu))
        except OSError:
            pass  # already gone
    _, status = os.waitpid(pid, 0)
    clean = _kill_leftovers()
    if os.WIFSIGNALED(status):
        return {"ok": True, "exit_code": None, "signal": os.WTERMSIG(status), "clean": clean}
    return {"ok": True, "exit_code": os.WEXITSTATUS(status), "signal": None, "clean": clean}


_send({"ready": True})
buffer = b""
while True:
    chunk = _req.read(65536)
    if not chunk:
        break
    buffer += chunk
    while b"\n" in buffer:
        line, buffer = buffer.split(b"\n", 1)
        _send(_run(json.loads(line)))
