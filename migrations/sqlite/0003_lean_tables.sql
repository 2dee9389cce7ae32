-- Run after authlite rebuilds "user", "session" and "verificationToken" as WITHOUT ROWID tables
-- (src/store/migrations.rs, `without_rowid`: SQL alone cannot keep whatever columns, indexes
-- and triggers another tool gave them): each row now lives in its primary key's b-tree, so a
-- lookup by key reads one b-tree instead of two and every write updates one fewer.
--
-- The `expires` indexes cost a b-tree write on every session and token write and served only
-- deleteExpired, which now scans instead, on the writer thread, away from the event loop.
DROP INDEX IF EXISTS "session_expires_idx";
DROP INDEX IF EXISTS "verificationToken_expires_idx";
