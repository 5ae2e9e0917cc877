/**
 * The OAuth grant listing the Worker serves at /oauth/grants and the CLI reads: one zod
 * schema for both sides.
 */
import { z } from "zod";

export const GRANTS_PATH = "/oauth/grants";

export const OAuthGrant = z.object({
  id: z.string(),
  clientId: z.string(),
  clientName: z.string(),
  redirectUri: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
export type OAuthGrant = z.infer<typeof OAuthGrant>;

export const OAuthGrantList = z.object({ principal: z.string(), grants: z.array(OAuthGrant) });
export type OAuthGrantList = z.infer<typeof OAuthGrantList>;

export const OAuthGrantRevoked = z.object({ revoked: z.string() });
export type OAuthGrantRevoked = z.infer<typeof OAuthGrantRevoked>;
