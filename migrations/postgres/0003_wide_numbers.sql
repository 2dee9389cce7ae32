-- Widen the two numbers drizzle's schema keeps in 32-bit `integer` columns, so nothing Auth.js
-- hands over is refused or rounded: a passkey's signature counter is an unsigned 32-bit number
-- (up to 4294967295), and `expires_at` is whatever the provider sent (past 2038, or fractional,
-- as SQLite keeps it). drizzle's adapter reads both types as numbers. A no-op where they are
-- already this wide.
ALTER TABLE "authenticator" ALTER COLUMN "counter" TYPE bigint;
ALTER TABLE "account" ALTER COLUMN "expires_at" TYPE double precision;
