-- 011_checkin.sql - check-in at the door (issue 14, item 2): a check-in
-- token per registration (what the QR code in the confirmation mail and on
-- the token page carries; distinct from the manage token, so whoever scans
-- it at the door cannot cancel or change the registration), a per-event
-- check-in secret for the staff page (only its SHA-256 is kept), and the
-- client-made ids of the requests the page has applied, so a request the
-- page sends again after a lost network changes nothing.  The rules are in
-- sql/functions/checkin.sql.

-- 256 random bits from two version-4 UUIDs (244 random bits) hashed to 64
-- hex digits; core PostgreSQL, no pgcrypto.
ALTER TABLE registrations
    ADD COLUMN checkin_token text NOT NULL UNIQUE
        DEFAULT encode(sha256(convert_to(gen_random_uuid()::text
                                         || gen_random_uuid()::text, 'UTF8')), 'hex')
        CHECK (checkin_token ~ '^[0-9a-f]{64}$');

ALTER TABLE events
    ADD COLUMN checkin_secret_sha256 bytea UNIQUE
        CHECK (octet_length(checkin_secret_sha256) = 32),
    ADD COLUMN checkin_secret_at timestamptz;

CREATE TABLE checkin_requests (
    event_id   bigint NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    client_id  text NOT NULL CHECK (client_id ~ '^[A-Za-z0-9_-]{8,64}$'),
    applied_at timestamptz NOT NULL DEFAULT now(),
    result     jsonb NOT NULL, -- {client_id, day, registration_id}: ids only
    PRIMARY KEY (event_id, client_id)
);
