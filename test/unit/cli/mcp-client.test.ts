/** The real MCP connector's failure messages: unreachable server, bad token, wrong URL. */
import { createServer } from "node:net";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, it } from "vitest";
import { CliError } from "../../../cli/src/errors.ts";
import { connectMcp, describeFailure } from "../../../cli/src/mcp-client.ts";

const url = new URL("http://localhost:8787/mcp?workspace=demo");
const token = "never-shown-0123456789";

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("connectMcp", () => {
  it("a server that is not running gives a message that says to run npm start", async () => {
    const port = await closedPort();
    const error = await connectMcp({
      url: new URL(`http://127.0.0.1:${port}/mcp`),
      token,
      workspace: undefined,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(
      /Cannot reach the codemode-mcp server at http:\/\/127\.0\.0\.1:\d+\/mcp/,
    );
    expect((error as Error).message).toContain("npm start");
    expect((error as Error).message).not.toContain(token);
  });
});

describe("describeFailure", () => {
  it("401 names the token setting and the server's reason", () => {
    const error = describeFailure(
      new StreamableHTTPError(
        401,
        'Error POSTing to endpoint: {"error":{"code":"UNAUTHORIZED","message":"Invalid bearer token."}}',
      ),
      url,
    );
    expect(error.message).toMatch(/rejected the token \(401 Unauthorized: Invalid bearer token\)/);
    expect(error.message).toContain("CODEMODE_TOKEN");
    expect(error.exitCode).toBe(1);
  });

  it("404 says the URL should end in /mcp; other statuses are named", () => {
    expect(
      describeFailure(new StreamableHTTPError(404, "Error POSTing to endpoint: nope"), url).message,
    ).toMatch(/No MCP endpoint at http:\/\/localhost:8787\/mcp \(404\)/);
    expect(
      describeFailure(new StreamableHTTPError(502, "Error POSTing to endpoint: bad"), url).message,
    ).toContain("HTTP 502");
  });

  it("a refused connection in the cause chain is recognised", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8787"), { code: "ECONNREFUSED" });
    const error = describeFailure(new TypeError("fetch failed", { cause: refused }), url);
    expect(error.message).toMatch(/Cannot reach .*\(ECONNREFUSED\)\. Start it with `npm start`/);
  });
});
