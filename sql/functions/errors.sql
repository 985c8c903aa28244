-- errors.sql - the one way SQL functions refuse a request: SQLSTATE
-- 'CV' || HTTP status (CV400, CV404, CV409, CV422) with the API field in
-- COLUMN (PG_DIAG_COLUMN_NAME); the daemon turns them into
-- {"error":{"code","message","field"}}.

CREATE OR REPLACE FUNCTION cv_fail(status integer, field text, msg text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'CV' || status::text, MESSAGE = msg,
        COLUMN = coalesce(field, '');
END $$;

-- cv_fail with an error code of its own (one of daemon/api_error.c's
-- api_error_codes, e.g. 'group_full') in CONSTRAINT
-- (PG_DIAG_CONSTRAINT_NAME): the daemon replies with that code instead of
-- the status's usual one.
CREATE OR REPLACE FUNCTION cv_fail_code(status integer, code text, field text, msg text)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'CV' || status::text, MESSAGE = msg,
        COLUMN = coalesce(field, ''), CONSTRAINT = code;
END $$;
