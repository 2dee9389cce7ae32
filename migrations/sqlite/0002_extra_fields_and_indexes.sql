-- Fields Auth.js hands us that have no column (custom user fields such as `role`, provider
-- fields such as `refresh_token_expires_in`) are kept as one JSON object per row.
ALTER TABLE "user" ADD COLUMN "authlite_extra" TEXT;
ALTER TABLE "account" ADD COLUMN "authlite_extra" TEXT;

-- Every userId lookup and the cascade deletes use these; `expires` serves the cleanup.
-- (authenticator's primary key starts with userId, so it needs none.)
CREATE INDEX IF NOT EXISTS "account_userId_idx" ON "account" ("userId");
CREATE INDEX IF NOT EXISTS "session_userId_idx" ON "session" ("userId");
CREATE INDEX IF NOT EXISTS "session_expires_idx" ON "session" ("expires");
CREATE INDEX IF NOT EXISTS "verificationToken_expires_idx" ON "verificationToken" ("expires");
