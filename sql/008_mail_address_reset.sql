-- 008_mail_address_reset.sql - the bounced addresses as the secretariat
-- sees them (issue 13, item 5): an id to page the list by (newest address
-- first, as GET /api/inbound pages by message), and who let an address
-- receive mail again and when.  The rules are in
-- sql/functions/mail_addresses.sql.

ALTER TABLE mail_addresses
    ADD COLUMN id bigserial,
    -- the last reset (POST /api/mail-addresses/{address}/reset): when, by
    -- whom (the name the caller gave), and how many resets so far
    ADD COLUMN reset_at timestamptz,
    ADD COLUMN reset_by text CHECK (length(reset_by) BETWEEN 1 AND 200),
    ADD COLUMN reset_count integer NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX mail_addresses_id ON mail_addresses (id);
CREATE INDEX mail_addresses_state ON mail_addresses (state, id);
