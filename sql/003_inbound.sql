-- 003_inbound.sql - mail that comes back: one row per received message and
-- envelope recipient, with what the parser found and what was decided.
-- Written by cv_inbound_receive (sql/functions/inbound_receive.sql), decided
-- by cv_inbound_decide (sql/functions/inbound_decide.sql) in the same
-- transaction.
CREATE TABLE inbound_messages (
    id          bigserial PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    source      text NOT NULL,           -- the source plugin's name ("lmtp")
    mail_from   text,                    -- envelope sender ("" for <>)
    rcpt        text NOT NULL CHECK (rcpt = lower(rcpt)), -- envelope recipient
    message_id  text NOT NULL,           -- "<...>", or <sha256@convened.invalid>
    class       text NOT NULL            -- inparse_class_name()
                CHECK (class IN ('malformed', 'human', 'auto_reply', 'imip_reply',
                                 'imip_counter', 'imip_other', 'dsn_failed',
                                 'dsn_delayed', 'dsn_success')),
    facts       jsonb NOT NULL,          -- the parser's result, field by field
    size        bigint,                  -- bytes received
    raw         bytea,                   -- the message; NULL over keep_raw_max
    decision    text,                    -- NULL until decided
    reason      text,
    decided_at  timestamptz,
    -- a message delivered twice (MTA retry after a lost answer) is applied once
    UNIQUE (message_id, rcpt)
);

CREATE INDEX inbound_messages_received ON inbound_messages (received_at);
