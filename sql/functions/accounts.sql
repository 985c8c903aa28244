-- accounts.sql - accounts, roles, API tokens, sessions, the login throttle
-- and the audit log (issue 16): who may do what is decided here, in one
-- call per request (cv_authorise), with the project a resource belongs to
-- resolved by one function (cv_resource_project).  Passwords arrive as
-- Argon2id strings made by the daemon; tokens and session ids as hashes.

-- An account as the API shows it (never a hash).
CREATE OR REPLACE FUNCTION cv_account_json(a accounts) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', a.id,
        'name', a.name,
        'role', a.role,
        'disabled', a.disabled_at IS NOT NULL,
        'disabled_at', cv_iso_utc(a.disabled_at),
        'has_password', a.password_hash IS NOT NULL,
        'projects', (SELECT coalesce(jsonb_agg(p.slug ORDER BY p.slug), '[]')
                       FROM account_projects ap JOIN projects p ON p.id = ap.project_id
                      WHERE ap.account_id = a.id),
        'events', (SELECT coalesce(jsonb_agg(ae.event_id ORDER BY ae.event_id), '[]')
                     FROM account_events ae WHERE ae.account_id = a.id),
        'tokens', (SELECT count(*) FROM api_tokens t
                    WHERE t.account_id = a.id AND t.revoked_at IS NULL),
        'created_at', cv_iso_utc(a.created_at),
        'updated_at', cv_iso_utc(a.updated_at));
$$;

-- Replace an account's projects (slugs) and events (ids) from BODY's
-- "projects" and "events" when given; unknown ones are refused (422).
CREATE OR REPLACE FUNCTION cv_account_scope(p_id bigint, body jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v jsonb;
BEGIN
    IF body ? 'projects' THEN
        DELETE FROM account_projects WHERE account_id = p_id;
        FOR v IN SELECT * FROM jsonb_array_elements(coalesce(body->'projects', '[]')) LOOP
            IF jsonb_typeof(v) <> 'string' THEN
                PERFORM cv_fail(422, 'projects', 'field projects: a list of project slugs');
            END IF;
            INSERT INTO account_projects VALUES (p_id, cv_project_id(v #>> '{}', 'projects'))
                ON CONFLICT DO NOTHING;
        END LOOP;
    END IF;
    IF body ? 'events' THEN
        DELETE FROM account_events WHERE account_id = p_id;
        FOR v IN SELECT * FROM jsonb_array_elements(coalesce(body->'events', '[]')) LOOP
            IF jsonb_typeof(v) NOT IN ('number', 'string') OR v #>> '{}' !~ '^[0-9]{1,18}$'
               OR NOT EXISTS (SELECT 1 FROM events e WHERE e.id = (v #>> '{}')::bigint) THEN
                PERFORM cv_fail(422, 'events', format('field events: no event %s', v));
            END IF;
            INSERT INTO account_events VALUES (p_id, (v #>> '{}')::bigint)
                ON CONFLICT DO NOTHING;
        END LOOP;
    END IF;
END $$;

-- Create an account from BODY (name, role, projects, events) with
-- P_HASH (an Argon2id string, or NULL: no password yet).  409 when the
-- name is taken.
CREATE OR REPLACE FUNCTION cv_account_create(body jsonb, p_hash text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a accounts;
BEGIN
    IF EXISTS (SELECT 1 FROM accounts WHERE name = body->>'name') THEN
        PERFORM cv_fail(409, 'name', format('an account named %L exists', body->>'name'));
    END IF;
    INSERT INTO accounts (name, role, password_hash)
        VALUES (body->>'name', body->>'role', p_hash) RETURNING * INTO a;
    PERFORM cv_account_scope(a.id, body);
    RETURN cv_account_json(a)::json;
END $$;

-- Change an account: role, projects, events, disabled (true ends its
-- sessions), and the password when P_HASH is not NULL.  NULL when there is
-- no such account.
CREATE OR REPLACE FUNCTION cv_account_update(p_name text, body jsonb, p_hash text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a accounts;
BEGIN
    SELECT * INTO a FROM accounts WHERE name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    UPDATE accounts SET
        role = coalesce(body->>'role', role),
        password_hash = coalesce(p_hash, password_hash),
        disabled_at = CASE WHEN NOT body ? 'disabled' THEN disabled_at
                           WHEN (body->>'disabled')::boolean THEN coalesce(disabled_at, now())
                           ELSE NULL END,
        updated_at = now()
     WHERE id = a.id RETURNING * INTO a;
    PERFORM cv_account_scope(a.id, body);
    IF a.disabled_at IS NOT NULL OR p_hash IS NOT NULL THEN
        UPDATE sessions SET ended_at = now() WHERE account_id = a.id AND ended_at IS NULL;
    END IF;
    RETURN cv_account_json(a)::json;
END $$;

CREATE OR REPLACE FUNCTION cv_account_get(p_name text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT cv_account_json(a)::json FROM accounts a WHERE a.name = p_name;
$$;

-- The project a resource belongs to: KIND 'event', 'deadline' or
-- 'registration' with an id, or 'project' with a slug (or, when no slug
-- is that, an id).  NULL when VALUE
-- names nothing.  The one place that knows where each resource hangs.
CREATE OR REPLACE FUNCTION cv_resource_project(kind text, value text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN kind = 'project' THEN
            coalesce((SELECT id FROM projects WHERE slug = value),
                     (SELECT id FROM projects
                       WHERE value ~ '^[0-9]{1,18}$' AND id = value::bigint))
        WHEN value IS NULL OR value !~ '^[0-9]{1,18}$' THEN NULL
        WHEN kind = 'event' THEN (SELECT project_id FROM events WHERE id = value::bigint)
        WHEN kind = 'deadline' THEN (SELECT project_id FROM deadlines WHERE id = value::bigint)
        WHEN kind = 'registration' THEN
            (SELECT e.project_id FROM registrations r JOIN events e ON e.id = r.event_id
              WHERE r.id = value::bigint)
        WHEN kind = 'question' THEN
            (SELECT coalesce(q.project_id, e.project_id) FROM questions q
               LEFT JOIN events e ON e.id = q.event_id WHERE q.id = value::bigint)
    END;
$$;

-- The event a resource belongs to (door staff are given events).
CREATE OR REPLACE FUNCTION cv_resource_event(kind text, value text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN value IS NULL OR value !~ '^[0-9]{1,18}$' THEN NULL
        WHEN kind = 'event' THEN (SELECT id FROM events WHERE id = value::bigint)
        WHEN kind = 'registration' THEN (SELECT event_id FROM registrations WHERE id = value::bigint)
    END;
$$;

-- May account A act in SCOPE on the resource (KIND, VALUE)?  Scopes:
-- 'admin' (admins only), 'staff' (admins and coordinators), 'account'
-- (any account), 'project' (admins, and coordinators of the resource's
-- project), 'door' (as 'project', plus door staff of the resource's
-- event).  A resource that names nothing is let through to the handler
-- (which answers 404); a project-scoped call that names no resource at all
-- (a list without ?project=) is for admins only.
CREATE OR REPLACE FUNCTION cv_account_may(a accounts, scope text, kind text, value text)
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    pid bigint;
    eid bigint;
BEGIN
    IF a.role = 'admin' OR scope = 'account' THEN
        RETURN true;
    ELSIF scope = 'staff' THEN
        RETURN a.role = 'coordinator';
    ELSIF scope NOT IN ('project', 'door') THEN
        RETURN false;
    ELSIF value IS NULL THEN
        RETURN false;
    END IF;
    pid := cv_resource_project(kind, value);
    IF pid IS NULL AND (kind = 'project' OR cv_resource_event(kind, value) IS NULL) THEN
        RETURN a.role <> 'door' OR scope = 'door';
    END IF;
    IF a.role = 'coordinator' THEN
        RETURN EXISTS (SELECT 1 FROM account_projects
                        WHERE account_id = a.id AND project_id = pid);
    END IF;
    IF a.role = 'door' AND scope = 'door' THEN
        eid := cv_resource_event(kind, value);
        RETURN EXISTS (SELECT 1 FROM account_events WHERE account_id = a.id AND event_id = eid);
    END IF;
    RETURN false;
END $$;

-- Authenticate and authorise one request.  P_VIA 'token' (P_HASH of a
-- bearer token) or 'session' (P_HASH of the session cookie; P_CSRF the
-- hash of the X-CSRF-Token header, NULL for a request that changes
-- nothing).  Sessions end after P_IDLE seconds unused or P_MAX seconds in
-- all.  Returns {"verdict": "ok" | "forbidden" | "csrf" | "invalid",
-- "account": {...}}; a disabled account is "invalid" at once.
CREATE OR REPLACE FUNCTION cv_authorise(p_via text, p_hash text, p_needs_csrf boolean,
                                        p_csrf text, p_scope text, p_kind text,
                                        p_value text, p_idle integer, p_max integer)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a accounts;
    s sessions;
    t api_tokens;
    who jsonb;
BEGIN
    IF p_via = 'token' THEN
        SELECT * INTO t FROM api_tokens WHERE hash = p_hash AND revoked_at IS NULL;
        IF NOT FOUND THEN
            RETURN json_build_object('verdict', 'invalid');
        END IF;
        SELECT * INTO a FROM accounts WHERE id = t.account_id;
    ELSE
        SELECT * INTO s FROM sessions
         WHERE hash = p_hash AND ended_at IS NULL
           AND last_seen_at > now() - make_interval(secs => p_idle)
           AND created_at > now() - make_interval(secs => p_max);
        IF NOT FOUND THEN
            RETURN json_build_object('verdict', 'invalid');
        END IF;
        SELECT * INTO a FROM accounts WHERE id = s.account_id;
    END IF;
    IF a.disabled_at IS NOT NULL THEN
        RETURN json_build_object('verdict', 'invalid');
    END IF;
    who := jsonb_build_object('id', a.id, 'name', a.name, 'role', a.role);
    IF p_via = 'session' AND p_needs_csrf AND p_csrf IS DISTINCT FROM s.csrf_hash THEN
        RETURN json_build_object('verdict', 'csrf', 'account', who);
    END IF;
    -- written at most once a minute: a busy console is not a write per click
    IF p_via = 'token' AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') THEN
        UPDATE api_tokens SET last_used_at = now() WHERE id = t.id;
    ELSIF p_via = 'session' AND s.last_seen_at < now() - interval '1 minute' THEN
        UPDATE sessions SET last_seen_at = now() WHERE id = s.id;
    END IF;
    RETURN json_build_object(
        'verdict', CASE WHEN cv_account_may(a, p_scope, p_kind, p_value) THEN 'ok'
                        ELSE 'forbidden' END,
        'account', who);
END $$;

-- Write one line of the audit log.
CREATE OR REPLACE FUNCTION cv_audit_add(p_account bigint, p_actor text, p_via text,
                                        p_action text, p_method text, p_route text,
                                        p_path text, p_resource text, p_client text,
                                        p_status integer)
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO audit_log (account_id, actor, via, action, method, route, path, resource,
                           client, status)
    VALUES (p_account, left(p_actor, 100), coalesce(p_via, ''), p_action,
            coalesce(p_method, ''), coalesce(p_route, ''), left(coalesce(p_path, ''), 500),
            left(coalesce(p_resource, ''), 200), coalesce(p_client, ''), p_status);
$$;

-- The audit log newest first, P_LIMIT lines older than P_BEFORE (an id),
-- optionally of one actor and of one action: {"entries": [...], "count":
-- n, "next_before"}.
CREATE OR REPLACE FUNCTION cv_audit_list(p_before bigint, p_limit integer, p_actor text,
                                         p_action text)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH page AS (
        SELECT * FROM audit_log l
         WHERE (p_before IS NULL OR l.id < p_before)
           AND (p_actor IS NULL OR l.actor = p_actor)
           AND (p_action IS NULL OR l.action = p_action)
         ORDER BY l.id DESC LIMIT p_limit + 1
    ), shown AS (SELECT * FROM page ORDER BY id DESC LIMIT p_limit)
    SELECT json_build_object(
        'entries', coalesce((SELECT json_agg(json_build_object(
            'id', s.id, 'at', cv_iso_utc(s.at), 'actor', s.actor, 'account_id', s.account_id,
            'via', s.via, 'action', s.action, 'method', s.method, 'route', s.route,
            'path', s.path, 'resource', s.resource, 'client', s.client, 'status', s.status)
            ORDER BY s.id DESC) FROM shown s), '[]'),
        'count', (SELECT count(*) FROM shown),
        'next_before', CASE WHEN (SELECT count(*) FROM page) > p_limit
                            THEN (SELECT min(id) FROM shown) END);
$$;

-- Before checking a password: is P_CLIENT or the account throttled (at
-- least P_PER_CLIENT / P_PER_ACCOUNT failures in the last P_LOCKOUT
-- seconds)?  {"retry_after": seconds or null, "account_id", "hash"}: the
-- account and its Argon2id string, both null for an unknown or disabled
-- name (the daemon then checks against a dummy, as long).  A throttled
-- attempt is written to the audit log.
CREATE OR REPLACE FUNCTION cv_login_begin(p_name text, p_client text, p_per_client integer,
                                          p_per_account integer, p_lockout integer)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a accounts;
    since timestamptz := now() - make_interval(secs => p_lockout);
    n bigint;
    last timestamptz;
    wait double precision := 0;
BEGIN
    DELETE FROM login_failures WHERE at < since - interval '1 day';
    SELECT * INTO a FROM accounts WHERE name = lower(p_name) AND disabled_at IS NULL;
    SELECT count(*), max(at) INTO n, last FROM login_failures
     WHERE client = p_client AND at > since;
    IF n >= p_per_client THEN
        wait := extract(epoch FROM last + make_interval(secs => p_lockout) - now());
    END IF;
    IF a.id IS NOT NULL THEN
        SELECT count(*), max(at) INTO n, last FROM login_failures
         WHERE account_id = a.id AND at > since;
        IF n >= p_per_account THEN
            wait := greatest(wait,
                             extract(epoch FROM last + make_interval(secs => p_lockout) - now()));
        END IF;
    END IF;
    IF wait > 0 THEN
        PERFORM cv_audit_add(a.id, coalesce(a.name, '(unknown)'), '', 'login_throttled', 'POST',
                             '/api/login', '/api/login', '', p_client, 429);
        RETURN json_build_object('retry_after', ceil(wait)::bigint);
    END IF;
    RETURN json_build_object('retry_after', NULL, 'account_id', a.id, 'hash', a.password_hash);
END $$;

-- After checking the password: on success start a session (P_HASH and
-- P_CSRF are the hashes of its id and CSRF token) and return
-- {"ok": true, "account": {...}}; otherwise count a failure for the
-- throttle and return {"ok": false}.  Both are written to the audit log
-- (an unknown name as "(unknown)": people type passwords into name fields).
CREATE OR REPLACE FUNCTION cv_login_finish(p_account bigint, p_ok boolean, p_client text,
                                           p_hash text, p_csrf text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a accounts;
BEGIN
    SELECT * INTO a FROM accounts WHERE id = p_account AND disabled_at IS NULL;
    IF NOT p_ok OR a.id IS NULL THEN
        INSERT INTO login_failures (client, account_id) VALUES (p_client, a.id);
        PERFORM cv_audit_add(a.id, coalesce(a.name, '(unknown)'), '', 'login_failed', 'POST',
                             '/api/login', '/api/login', '', p_client, 401);
        RETURN json_build_object('ok', false);
    END IF;
    INSERT INTO sessions (account_id, hash, csrf_hash, client)
        VALUES (a.id, p_hash, p_csrf, p_client);
    PERFORM cv_audit_add(a.id, a.name, 'session', 'login', 'POST', '/api/login', '/api/login',
                         '', p_client, 200);
    RETURN json_build_object('ok', true, 'account', cv_account_json(a));
END $$;

-- End the session whose id hashes to P_HASH (logout); NULL when there is
-- none open.
CREATE OR REPLACE FUNCTION cv_logout(p_hash text, p_client text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    s sessions;
    a accounts;
BEGIN
    UPDATE sessions SET ended_at = now()
     WHERE hash = p_hash AND ended_at IS NULL RETURNING * INTO s;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT * INTO a FROM accounts WHERE id = s.account_id;
    PERFORM cv_audit_add(a.id, a.name, 'session', 'logout', 'POST', '/api/logout',
                         '/api/logout', s.id::text, p_client, 200);
    RETURN json_build_object('ended', 1);
END $$;

-- End every session of account P_ACCOUNT.
CREATE OR REPLACE FUNCTION cv_logout_everywhere(p_account bigint, p_via text, p_client text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    a accounts;
BEGIN
    SELECT * INTO a FROM accounts WHERE id = p_account;
    WITH e AS (UPDATE sessions SET ended_at = now()
                WHERE account_id = p_account AND ended_at IS NULL RETURNING 1)
    SELECT count(*) INTO n FROM e;
    PERFORM cv_audit_add(a.id, a.name, p_via, 'logout_everywhere', 'POST',
                         '/api/logout-everywhere', '/api/logout-everywhere', '', p_client, 200);
    RETURN json_build_object('ended', n);
END $$;

CREATE OR REPLACE FUNCTION cv_account_me(p_account bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT cv_account_json(a)::json FROM accounts a WHERE a.id = p_account;
$$;

-- A new API token named P_TOKEN for account P_NAME (P_HASH: the hash of
-- the secret, which only the caller ever sees).  NULL: no such account;
-- 409 when a live token has that name.
CREATE OR REPLACE FUNCTION cv_token_create(p_name text, p_token text, p_hash text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a accounts;
    t api_tokens;
BEGIN
    SELECT * INTO a FROM accounts WHERE name = p_name;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM api_tokens WHERE account_id = a.id AND name = p_token
                                        AND revoked_at IS NULL) THEN
        PERFORM cv_fail(409, 'name', format('%s has a token named %L', a.name, p_token));
    END IF;
    INSERT INTO api_tokens (account_id, name, hash) VALUES (a.id, p_token, p_hash)
        RETURNING * INTO t;
    RETURN json_build_object('id', t.id, 'name', t.name, 'account', a.name,
                             'created_at', cv_iso_utc(t.created_at));
END $$;

CREATE OR REPLACE FUNCTION cv_token_list(p_name text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('tokens', coalesce((SELECT json_agg(json_build_object(
               'id', t.id, 'name', t.name, 'created_at', cv_iso_utc(t.created_at),
               'last_used_at', cv_iso_utc(t.last_used_at),
               'revoked_at', cv_iso_utc(t.revoked_at)) ORDER BY t.id)
             FROM api_tokens t WHERE t.account_id = a.id), '[]'))
      FROM accounts a WHERE a.name = p_name;
$$;

-- Revoke token P_ID of account P_NAME; NULL when there is no such token.
CREATE OR REPLACE FUNCTION cv_token_revoke(p_name text, p_id bigint) RETURNS json
LANGUAGE sql AS $$
    UPDATE api_tokens t SET revoked_at = coalesce(t.revoked_at, now())
      FROM accounts a
     WHERE a.name = p_name AND t.account_id = a.id AND t.id = p_id
    RETURNING json_build_object('id', t.id, 'name', t.name,
                                'revoked_at', cv_iso_utc(t.revoked_at));
$$;
