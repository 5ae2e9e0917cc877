/**
 * Generates the `codemode` Python module one run receives: a class per upstream server
 * with a static method per allowed tool, plus `codemode.call("server.tool", input)`.
 * Calls are synchronous HTTP requests over the run's channel (see wire.ts); an upstream
 * error raises `codemode.CodemodeError` with the upstream's message.
 *
 * The module holds the run token and channel address, nothing else: upstream URLs and
 * headers stay in the Worker.
 */
import type { UpstreamTool } from "../upstreams.ts";

export type PythonChannel = { kind: "unix"; path: string } | { kind: "http"; url: string };

// biome-ignore format: a word list reads better packed
const PYTHON_KEYWORDS = new Set([
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
  "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
  "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
]);

/** The Python attribute name of a tool (its JS identifier, unless that is a Python keyword). */
export function pythonName(identifier: string): string {
  return PYTHON_KEYWORDS.has(identifier) ? `${identifier}_` : identifier;
}

/** A Python string literal: JSON's escapes are all valid in Python strings. */
function py(value: string): string {
  return JSON.stringify(value);
}

function docstring(tool: UpstreamTool): string {
  const lines = [tool.description.trim() || tool.upstreamName];
  const props = tool.inputSchema.properties;
  if (props && typeof props === "object") {
    const required = new Set(Array.isArray(tool.inputSchema.required) ? tool.inputSchema.required : []);
    const params = Object.entries(props as Record<string, { type?: unknown; description?: unknown }>);
    if (params.length > 0) lines.push("", "Input:");
    for (const [name, schema] of params) {
      const type = typeof schema?.type === "string" ? schema.type : "any";
      const desc = typeof schema?.description === "string" ? ` - ${schema.description}` : "";
      lines.push(`    ${name} (${type}${required.has(name) ? "" : ", optional"})${desc}`);
    }
  }
  lines.push(
    "",
    tool.outputSchema
      ? "Returns: the tool's structured result (a dict)."
      : "Returns: the tool's text, parsed as JSON when it is JSON.",
  );
  return py(lines.join("\n"));
}

const RUNTIME = `
import http.client as _http
import json as _json
import socket as _socket
import urllib.parse as _urlparse


class CodemodeError(Exception):
    """An upstream tool call failed; the message is the upstream's."""


class _UnixConnection(_http.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def _connection():
    if _CHANNEL["kind"] == "unix":
        return _UnixConnection(_CHANNEL["path"], _TIMEOUT), "/"
    url = _urlparse.urlsplit(_CHANNEL["url"])
    return _http.HTTPConnection(url.hostname, url.port or 80, timeout=_TIMEOUT), url.path


def _call(server, tool, args, kwargs):
    if len(args) > 1 or (args and kwargs):
        raise TypeError(f"{server}.{tool} takes one dict argument or keyword arguments")
    payload = args[0] if args else kwargs
    body = _json.dumps({"server": server, "tool": tool, "input": payload}).encode("utf-8")
    conn, path = _connection()
    try:
        conn.request("POST", path, body, {"Content-Type": "application/json", "Authorization": "Bearer " + _TOKEN})
        response = conn.getresponse()
        data = response.read()
    except OSError as exc:
        raise CodemodeError(f"{server}.{tool}: the code-mode channel is unavailable ({exc})") from None
    finally:
        conn.close()
    try:
        reply = _json.loads(data)
    except ValueError:
        raise CodemodeError(f"{server}.{tool}: unexpected answer (HTTP {response.status})") from None
    if reply.get("ok"):
        return reply.get("value")
    raise CodemodeError(reply.get("error") or f"{server}.{tool} failed (HTTP {response.status})")


def call(name, input=None, **kwargs):
    """Call an upstream tool by its name, "server.tool", e.g. call("everything.get_sum", {"a": 1, "b": 2})."""
    server, _, tool = name.partition(".")
    if not tool:
        raise ValueError('name must be "server.tool"')
    return _call(server, tool, () if input is None else (input,), kwargs)
`;

export interface PythonModuleOptions {
  tools: UpstreamTool[];
  channel: PythonChannel;
  token: string;
  /** Seconds one call may take before the module gives up. */
  callTimeoutSeconds: number;
}

export function pythonModuleSource(options: PythonModuleOptions): string {
  const byServer = new Map<string, UpstreamTool[]>();
  for (const tool of options.tools) byServer.set(tool.server, [...(byServer.get(tool.server) ?? []), tool]);
  const classes = [...byServer].map(([server, tools]) => {
    const methods = tools.map(
      (t) =>
        `    @staticmethod\n    def ${pythonName(t.identifier)}(*args, **kwargs):\n        ${docstring(t)}\n` +
        `        return _call(${py(server)}, ${py(t.identifier)}, args, kwargs)\n`,
    );
    return `class ${server}:\n    ${py(`Tools of the upstream MCP server "${server}".`)}\n\n${methods.join("\n")}`;
  });
  return [
    '"""Code mode: call upstream MCP tools, e.g. codemode.everything.get_sum(a=1, b=2). Generated for one run."""',
    RUNTIME,
    `_CHANNEL = ${JSON.stringify(options.channel)}`,
    `_TOKEN = ${py(options.token)}`,
    `_TIMEOUT = ${options.callTimeoutSeconds}`,
    "",
    ...classes,
    `__all__ = ["call", "CodemodeError", ${[...byServer.keys()].map(py).join(", ")}]`,
    "",
  ].join("\n");
}

/**
 * A cell that installs the module as `codemode` (importable, and bound as a global), so
 * the user's own code runs unchanged in the next cell with its line numbers intact.
 */
export function installCell(moduleSource: string): string {
  return [
    "def __codemode_install(source):",
    "    import sys, types",
    '    module = types.ModuleType("codemode")',
    '    module.__file__ = "<codemode>"',
    '    exec(compile(source, "<codemode>", "exec"), module.__dict__)',
    '    sys.modules["codemode"] = module',
    "    return module",
    `codemode = __codemode_install(${py(moduleSource)})`,
    "del __codemode_install",
    "",
  ].join("\n");
}
