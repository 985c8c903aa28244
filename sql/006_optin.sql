-- 006_optin.sql - double opt-in for deadline subscriptions (issue 12): a
-- follow made from a public request counts (reminders, personal feed) only
-- once its address confirmed it from the mail; unconfirmed follows expire.
-- The rules are in sql/functions/followers.sql.

-- When the address confirmed the follow; NULL: not yet.  Follows made
-- before this change stay confirmed (since they were made); a row written
-- without the column (by the secretariat, in SQL) is confirmed at once;
-- cv_follow writes NULL.
ALTER TABLE deadline_followers ADD COLUMN confirmed_at timestamptz;
UPDATE deadline_followers SET confirmed_at = created_at;
ALTER TABLE deadline_followers ALTER COLUMN confirmed_at SET DEFAULT now();
CREATE INDEX deadline_followers_unconfirmed ON deadline_followers (created_at)
    WHERE confirmed_at IS NULL;

-- The project a notification is about when it is about neither an event nor
-- a deadline (the follow confirmation request).
ALTER TABLE outbox ADD COLUMN project_id bigint REFERENCES projects(id);

INSERT INTO notification_kinds (name, position) VALUES ('follow_confirm_request', 11);

-- How long an unconfirmed follow waits for its confirmation before it is
-- removed (one row; change with UPDATE, see convened.conf(5), OPT-IN).
CREATE TABLE optin_settings (
    id                  boolean PRIMARY KEY DEFAULT true CHECK (id),
    follow_expire_after interval NOT NULL DEFAULT '7 days'
                        CHECK (follow_expire_after > interval '0')
);
INSERT INTO optin_settings DEFAULT VALUES;
