/** The backend's save status as the workspace tools show it (snake_case, as the schemas). */
import type { BackupStatus } from "../../sandbox/backend.ts";
import type { Saves } from "../schemas/workspace.ts";

export function savesView(status: BackupStatus): Saves {
  const s = status.lastSave;
  const f = status.lastFailure;
  return {
    enabled: status.enabled,
    last_save: s
      ? {
          saved_at: s.savedAt,
          reason: s.reason,
          files: s.files,
          bytes: s.bytes,
          archive_bytes: s.archiveBytes,
        }
      : null,
    last_failure: f ? { at: f.at, code: f.code, message: f.message } : null,
  };
}
