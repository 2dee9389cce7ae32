-- What authlite adds beside the drizzle schema, as on SQLite: custom user and account fields
-- (a JSON object, as text so it comes back exactly as stored), the order passkeys were
-- registered in, and the indexes deleteUser and listAuthenticatorsByUserId look rows up by.
ALTER TABLE "user" ADD COLUMN IF NOT EXISTS "authlite_extra" text;
ALTER TABLE "account" ADD COLUMN IF NOT EXISTS "authlite_extra" text;
ALTER TABLE "authenticator" ADD COLUMN IF NOT EXISTS "authlite_seq" bigserial;
CREATE INDEX IF NOT EXISTS "authlite_session_userId" ON "session" ("userId");
CREATE INDEX IF NOT EXISTS "authlite_account_userId" ON "account" ("userId");
CREATE INDEX IF NOT EXISTS "authlite_authenticator_userId_seq" ON "authenticator" ("userId", "authlite_seq");
