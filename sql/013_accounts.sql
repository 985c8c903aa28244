-- 013_accounts.sql - named accounts, their roles, API tokens, sessions,
-- failed logins and the audit log (issue 16, items 1 and 2).  Passwords
-- are kept only as Argon2id strings (libsodium crypto_pwhash_str); API
-- tokens and session ids only as BLAKE2b-256 hashes (hex) made by the
-- daemon, so neither a dump nor a log holds anything that logs in.  The
-- rules are in sql/functions/accounts.sql.

CREATE TABLE accounts (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._@-]{0,62}$'),
    role          text NOT NULL CHECK (role IN ('admin', 'coordinator', 'door')),
    password_hash text CHECK (password_hash LIKE '$argon2id$%'),
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- A coordinator's projects; a door account's events.
CREATE TABLE account_projects (
    account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    project_id bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, project_id)
);
CREATE TABLE account_events (
    account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    event_id   bigint NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, event_id)
);

-- Bearer tokens of an account: shown once, kept as a hash.
CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    hash         text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (account_id, name)
    WHERE revoked_at IS NULL;

-- Console sessions, shared by every daemon on this database.
CREATE TABLE sessions (
    id           bigserial PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    hash         text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
    csrf_hash    text NOT NULL CHECK (csrf_hash ~ '^[0-9a-f]{64}$'),
    client       text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    ended_at     timestamptz
);
CREATE INDEX sessions_account ON sessions (account_id) WHERE ended_at IS NULL;

-- Wrong passwords (and unknown names), for the login throttle.
CREATE TABLE login_failures (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    client     text NOT NULL,
    account_id bigint REFERENCES accounts(id) ON DELETE CASCADE
);
CREATE INDEX login_failures_client ON login_failures (client, at);
CREATE INDEX login_failures_account ON login_failures (account_id, at);

-- Who did what, when and from where: every login (ok or not), logout and
-- change made through the admin API.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    account_id bigint REFERENCES accounts(id) ON DELETE SET NULL,
    actor      text NOT NULL,          -- the account's name ('bootstrap': the config's token)
    via        text NOT NULL DEFAULT '' CHECK (via IN ('', 'session', 'token', 'bootstrap')),
    action     text NOT NULL,          -- login, login_failed, logout, logout_everywhere, change
    method     text NOT NULL DEFAULT '',
    route      text NOT NULL DEFAULT '',
    path       text NOT NULL DEFAULT '',
    resource   text NOT NULL DEFAULT '',
    client     text NOT NULL DEFAULT '',
    status     integer
);
CREATE INDEX audit_log_account ON audit_log (account_id, id);
