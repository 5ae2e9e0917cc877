/**
 * Output of a Python run that times out. The SDK returns interpreter output only when
 * a run completes, so a run killed at its deadline would report nothing. Each new
 * Python context therefore gets a setup cell that registers IPython `pre_run_cell` /
 * `post_run_cell` hooks: during every later run, stdout is also written to a file
 * outside the workspace, which the adapter reads when it gives up on a run.
 */
const LIVE_DIR = "/tmp/.codemode-live";

export function liveOutputPath(contextId: string): string {
  return `${LIVE_DIR}/${contextId}.out`;
}

/** The setup cell; its first line names what it is in the interpreter's history. */
export function liveOutputSetup(path: string): string {
  return `# codemode:live-output ${path}
def _codemode_live_output(path):
    import os, sys
    state = {}
    class Tee:
        def __init__(self, inner, f):
            self._inner, self._f = inner, f
        def write(self, s):
            try:
                self._f.write(s)
                self._f.flush()
            except Exception:
                pass
            return self._inner.write(s)
        def flush(self):
            self._inner.flush()
        def __getattr__(self, name):
            return getattr(self._inner, name)
    def pre(*_):
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            state["f"] = open(path, "w")
            sys.stdout = Tee(sys.stdout, state["f"])
        except Exception:
            pass
    def post(*_):
        f = state.pop("f", None)
        if f is not None:
            f.close()
    get_ipython().events.register("pre_run_cell", pre)
    get_ipython().events.register("post_run_cell", post)
_codemode_live_output(${JSON.stringify(path)})
del _codemode_live_output
`;
}
