/**
 * The HTTP side of `GET /tasks/<id>/events`: picks the caller's workspace from
 * `?workspace=` (a named workspace, or the `~…` name of a session's own workspace as
 * start_task reports it) and maps failures to JSON errors. Runs after authentication.
 */
import { AppError, asAppError } from "../errors/app-error.ts";
import { validateWorkspaceName, workspaceKey } from "../workspace/names.ts";
import { workspaceClient } from "../workspace/rpc.ts";
import { appErrorResponse, errorResponse } from "./http.ts";
import { startOffset, taskEventStream, UNNAMED_WORKSPACE } from "./task-event-stream.ts";

export async function serveTaskEvents(
  request: Request,
  url: URL,
  env: Env,
  principal: string,
  taskId: string,
): Promise<Response> {
  if (request.method !== "GET") {
    return errorResponse(405, "INVALID_ARGUMENT", "Use GET for task events.", { Allow: "GET" });
  }
  try {
    const name = url.searchParams.get("workspace");
    if (name === null) {
      throw new AppError("INVALID_ARGUMENT", "Missing ?workspace=<name>: the workspace the task runs in.", {
        suggestion: "Use the events_path that start_task returned; it names the workspace.",
      });
    }
    if (!UNNAMED_WORKSPACE.test(name)) validateWorkspaceName(name);
    const stub = env.WORKSPACE.getByName(workspaceKey(principal, name));
    return await taskEventStream(workspaceClient(stub), principal, {
      taskId,
      offset: startOffset(request, url),
      signal: request.signal,
    });
  } catch (error) {
    const known = asAppError(error);
    if (known) return appErrorResponse(known);
    throw error;
  }
}
