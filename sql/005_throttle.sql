-- 005_throttle.sql - the per-recipient mail throttle (issue 12), shared by
-- every daemon on this database: at most one confirmation-type mail per
-- address and subject per mail_interval, and mail_per_day per address and
-- UTC day.  Addresses are kept only as SHA-256 of their lower-case form, and
-- rows older than two days are pruned (cv_mail_throttle_prune).

-- The limits: one row, written by each daemon at start from its [throttle]
-- section (all daemons on one database should agree, like base_url).
CREATE TABLE mail_throttle_settings (
    id            boolean PRIMARY KEY DEFAULT true CHECK (id),
    interval_s    integer NOT NULL DEFAULT 600 CHECK (interval_s >= 0),
    per_day       integer NOT NULL DEFAULT 5 CHECK (per_day >= 0),
    -- withheld mails counted in rows already pruned (keeps the total monotonic)
    withheld_pruned bigint NOT NULL DEFAULT 0
);
INSERT INTO mail_throttle_settings DEFAULT VALUES;

-- Per address and UTC day: mails let through and withheld.  The row is the
-- lock that serialises two requests for one address.
CREATE TABLE mail_throttle_days (
    address  bytea NOT NULL,      -- sha256(lower(address))
    day      date NOT NULL,
    sent     integer NOT NULL DEFAULT 0,
    withheld integer NOT NULL DEFAULT 0,
    PRIMARY KEY (address, day)
);

-- Per address and subject ('reg:<event id>', 'follow:<project id>'): the
-- last mail let through.
CREATE TABLE mail_throttle_last (
    address bytea NOT NULL,
    subject text NOT NULL,
    sent_at timestamptz NOT NULL,
    PRIMARY KEY (address, subject)
);
CREATE INDEX mail_throttle_last_sent ON mail_throttle_last (sent_at);
