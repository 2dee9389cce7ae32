//! The JS names of the database methods, each written once: error messages name the method
//! with these, and `adapter.js` exposes the adapter methods under the same names.

/// `createUser`.
pub const CREATE_USER: &str = "createUser";
/// `getUser`.
pub const GET_USER: &str = "getUser";
/// `getUserByEmail`.
pub const GET_USER_BY_EMAIL: &str = "getUserByEmail";
/// `getUserByAccount`.
pub const GET_USER_BY_ACCOUNT: &str = "getUserByAccount";
/// `updateUser`.
pub const UPDATE_USER: &str = "updateUser";
/// `deleteUser`.
pub const DELETE_USER: &str = "deleteUser";
/// `linkAccount`.
pub const LINK_ACCOUNT: &str = "linkAccount";
/// `unlinkAccount`.
pub const UNLINK_ACCOUNT: &str = "unlinkAccount";
/// `createSession`.
pub const CREATE_SESSION: &str = "createSession";
/// `getSessionAndUser`.
pub const GET_SESSION_AND_USER: &str = "getSessionAndUser";
/// `updateSession`.
pub const UPDATE_SESSION: &str = "updateSession";
/// `deleteSession`.
pub const DELETE_SESSION: &str = "deleteSession";
/// `createVerificationToken`.
pub const CREATE_VERIFICATION_TOKEN: &str = "createVerificationToken";
/// `useVerificationToken`.
pub const USE_VERIFICATION_TOKEN: &str = "useVerificationToken";
/// `getAccount`.
pub const GET_ACCOUNT: &str = "getAccount";
/// `createAuthenticator`.
pub const CREATE_AUTHENTICATOR: &str = "createAuthenticator";
/// `getAuthenticator`.
pub const GET_AUTHENTICATOR: &str = "getAuthenticator";
/// `listAuthenticatorsByUserId`.
pub const LIST_AUTHENTICATORS_BY_USER_ID: &str = "listAuthenticatorsByUserId";
/// `updateAuthenticatorCounter`.
pub const UPDATE_AUTHENTICATOR_COUNTER: &str = "updateAuthenticatorCounter";
/// `deleteExpired`.
pub const DELETE_EXPIRED: &str = "deleteExpired";
/// `reencrypt`.
pub const REENCRYPT: &str = "reencrypt";
/// `backup`.
pub const BACKUP: &str = "backup";
/// `PostgresDatabase.copyFromSqlite` (the `authlite copy` command).
pub const COPY_FROM_SQLITE: &str = "copyFromSqlite";
/// `stats`.
pub const STATS: &str = "stats";
/// `findUsers`.
pub const FIND_USERS: &str = "findUsers";
/// `userDetails`.
pub const USER_DETAILS: &str = "userDetails";
/// `revokeSessions`.
pub const REVOKE_SESSIONS: &str = "revokeSessions";
/// `removeUser`.
pub const REMOVE_USER: &str = "removeUser";
/// `checkIntegrity`.
pub const CHECK_INTEGRITY: &str = "checkIntegrity";
