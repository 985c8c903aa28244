-- throttle.sql - the per-recipient mail throttle: may a public request
-- queue one more confirmation-type mail to this address?  Decided under a
-- row lock per address, so several daemons on one database share it.

-- Decide and record: true when a mail about SUBJECT may go to ADDRESS now
-- (then it counts), false when it is withheld (counted as withheld).  Call
-- it right before queueing a mail that a public request causes.
CREATE OR REPLACE FUNCTION cv_mail_allow(p_address text, p_subject text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    v_key bytea := sha256(convert_to(lower(p_address), 'UTF8'));
    v_day date := (now() AT TIME ZONE 'UTC')::date;
    v_set mail_throttle_settings%ROWTYPE;
    v_sent integer;
    v_last timestamptz;
BEGIN
    SELECT * INTO v_set FROM mail_throttle_settings;
    IF NOT FOUND THEN
        v_set.interval_s := 600;
        v_set.per_day := 5;
    END IF;
    INSERT INTO mail_throttle_days (address, day) VALUES (v_key, v_day)
    ON CONFLICT DO NOTHING;
    -- the lock: a concurrent request for this address waits here and then
    -- reads what this one wrote
    SELECT sent INTO v_sent FROM mail_throttle_days
     WHERE address = v_key AND day = v_day FOR UPDATE;
    SELECT sent_at INTO v_last FROM mail_throttle_last
     WHERE address = v_key AND subject = p_subject;
    IF (v_set.per_day > 0 AND v_sent >= v_set.per_day)
       OR (v_set.interval_s > 0 AND v_last IS NOT NULL
           AND v_last > now() - make_interval(secs => v_set.interval_s)) THEN
        UPDATE mail_throttle_days SET withheld = withheld + 1
         WHERE address = v_key AND day = v_day;
        RETURN false;
    END IF;
    UPDATE mail_throttle_days SET sent = sent + 1
     WHERE address = v_key AND day = v_day;
    INSERT INTO mail_throttle_last (address, subject, sent_at)
    VALUES (v_key, p_subject, now())
    ON CONFLICT (address, subject) DO UPDATE SET sent_at = EXCLUDED.sent_at;
    RETURN true;
END
$$;

-- Write the limits (a daemon at start, from its [throttle] section).
CREATE OR REPLACE FUNCTION cv_mail_throttle_configure(p_interval_s integer,
                                                      p_per_day integer)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO mail_throttle_settings (id, interval_s, per_day)
    VALUES (true, p_interval_s, p_per_day)
    ON CONFLICT (id) DO UPDATE
       SET interval_s = EXCLUDED.interval_s, per_day = EXCLUDED.per_day
     WHERE (mail_throttle_settings.interval_s, mail_throttle_settings.per_day)
           IS DISTINCT FROM (EXCLUDED.interval_s, EXCLUDED.per_day);
$$;

-- Mails withheld so far, all daemons (for /metrics).
CREATE OR REPLACE FUNCTION cv_mail_withheld_total() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT (SELECT coalesce(sum(withheld), 0) FROM mail_throttle_days)
         + (SELECT coalesce(sum(withheld_pruned), 0) FROM mail_throttle_settings)
$$;

-- Forget what no longer limits anything: days before yesterday, and last
-- mails older than a week (longer than any interval).  Returns rows removed.
CREATE OR REPLACE FUNCTION cv_mail_throttle_prune() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_withheld bigint;
    n1 bigint;
    n2 bigint;
BEGIN
    WITH gone AS (
        DELETE FROM mail_throttle_days
         WHERE day < (now() AT TIME ZONE 'UTC')::date - 1
        RETURNING withheld)
    SELECT coalesce(sum(withheld), 0), count(*) INTO v_withheld, n1 FROM gone;
    IF v_withheld > 0 THEN
        UPDATE mail_throttle_settings SET withheld_pruned = withheld_pruned + v_withheld;
    END IF;
    DELETE FROM mail_throttle_last WHERE sent_at < now() - interval '7 days';
    GET DIAGNOSTICS n2 = ROW_COUNT;
    RETURN n1 + n2;
END
$$;
