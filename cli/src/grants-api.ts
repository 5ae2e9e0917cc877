/**
 * The server's OAuth grant endpoints (/oauth/grants), reached with the API token over
 * plain HTTP next to the MCP endpoint's origin. Answers are parsed with the server's own
 * schemas (src/shared/oauth-grants.ts); a refusal becomes a CliError with its message.
 */
import type { z } from "zod";
import { GRANTS_PATH } from "../../src/shared/oauth-grants.ts";
import type { CliConfig } from "./config.ts";
import { CliError } from "./errors.ts";

export async function grantsRequest<S extends z.ZodType>(
  fetcher: typeof fetch,
  config: CliConfig,
  schema: S,
  method: "GET" | "DELETE",
  grantId?: string,
): Promise<z.infer<S>> {
  const path = grantId === undefined ? GRANTS_PATH : `${GRANTS_PATH}/${encodeURIComponent(grantId)}`;
  const url = new URL(path, config.url.origin);
  let response: Response;
  try {
    response = await fetcher(url, { method, headers: { Authorization: `Bearer ${config.token}` } });
  } catch (error) {
    throw new CliError(
      `Cannot reach ${url.origin}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(`The server answered ${response.status} without JSON from ${url.pathname}.`);
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } }).error;
    throw new CliError(
      error?.message ? `${error.code ?? response.status}: ${error.message}` : `HTTP ${response.status}`,
    );
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new CliError(
      "The server's grant listing does not match what this CLI expects; is the server from the same version?",
    );
  }
  return parsed.data;
}
