-- 004_reply_tokens.sql - what deciding about mail that comes back needs:
-- the reply token of every registration and follow, the last calendar
-- answer applied to a registration, the state of every address convened
-- writes to (bounces), the settings of the decision, and the notification
-- kind that forwards a human reply to the secretariat.

-- The secret in the reply address (<local>+<reply_token>@<domain>) of every
-- mail about a registration or a follow.  Derived one-way from the row's
-- own 256-bit libsodium token, so it is as random as that token, but
-- knowing it (it is in every Reply-To and ORGANIZER) gives nothing that
-- knowing the token gives: 128 bits in 32 lower-case hex digits, short
-- enough for a local part (<= 64 octets) and immune to case-folding MTAs.
ALTER TABLE registrations ADD COLUMN reply_token text
    GENERATED ALWAYS AS (left(encode(sha256(('convened-reply:r:' || token)::bytea), 'hex'), 32))
    STORED;
CREATE UNIQUE INDEX registrations_reply_token ON registrations (reply_token);
ALTER TABLE deadline_followers ADD COLUMN reply_token text
    GENERATED ALWAYS AS (left(encode(sha256(('convened-reply:f:' || token)::bytea), 'hex'), 32))
    STORED;
CREATE UNIQUE INDEX deadline_followers_reply_token ON deadline_followers (reply_token);

-- (References to inbound_messages are SET NULL when retention or erasure
-- deletes the received message: the state it caused stays.)

-- The calendar answer last applied or recorded for a registration, and the
-- SEQUENCE of the last invitation sent to its person (set when the outbox
-- row is marked sent): a REPLY older than either does not override.
ALTER TABLE registrations
    ADD COLUMN sent_sequence integer,
    ADD COLUMN reply_partstat text,
    ADD COLUMN reply_sequence integer,
    ADD COLUMN reply_dtstamp timestamptz,
    ADD COLUMN reply_at timestamptz,
    ADD COLUMN reply_inbound_id bigint REFERENCES inbound_messages(id) ON DELETE SET NULL;

-- Every address a bounce was received for.  state 'hard': no more mail is
-- sent to it (outbox rows to it fail with the reason); 'soft': soft_count
-- delay/temporary reports so far, hard at inbound_settings.soft_bounce_limit.
CREATE TABLE mail_addresses (
    address        text PRIMARY KEY CHECK (address = lower(address)),
    state          text NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'soft', 'hard')),
    soft_count     integer NOT NULL DEFAULT 0,
    hard_count     integer NOT NULL DEFAULT 0,
    last_status    text,
    last_diagnostic text,
    last_inbound_id bigint REFERENCES inbound_messages(id) ON DELETE SET NULL,
    bounced_at     timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Settings of the decision, written by the daemon at start from [mail]
-- (one row).  register_local: the local part that takes registrations by
-- mail (register+<event id>@...); secretariat: where human replies are
-- forwarded (NULL: not forwarded); forward_limit and answer_limit: at
-- most that many forwards / automatic answers per sender address per hour.
CREATE TABLE inbound_settings (
    id                boolean PRIMARY KEY DEFAULT true CHECK (id),
    register_local    text,
    own_addresses     text[] NOT NULL DEFAULT '{}',
    secretariat       text,
    soft_bounce_limit integer NOT NULL DEFAULT 3 CHECK (soft_bounce_limit >= 1),
    forward_limit     integer NOT NULL DEFAULT 10 CHECK (forward_limit >= 0),
    answer_limit      integer NOT NULL DEFAULT 3 CHECK (answer_limit >= 0)
);
INSERT INTO inbound_settings DEFAULT VALUES;

-- A human reply forwarded to the secretariat: the outbox row points at the
-- received message.
INSERT INTO notification_kinds (name, position) VALUES ('inbound_forward', 10);
ALTER TABLE outbox ADD COLUMN inbound_id bigint REFERENCES inbound_messages(id) ON DELETE SET NULL;
CREATE INDEX inbound_messages_sender ON inbound_messages ((lower(facts->>'from')), decided_at);
