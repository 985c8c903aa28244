"""test_questions.py - registration questions, answers and working groups
(issue 19, items 2 and 3) through the real daemon on real PostgreSQL.
Answers are checked in cv_register: a required question missing, a choice
not offered, consent unticked, a bad number or date, a 100 KB answer or a
choice chosen twice is 422 naming answers.KEY with its code, and nothing
is written.  40 concurrent registrations choose a group of 12: exactly 12
get it, the rest are told it is full, no registration is lost.  The CSV
has one column per question; the summary's counts match; the person
changes answers by the token until registration closes, not after; the
secretariat moves people between groups; questions themselves are
checked (English label, no duplicate options, at most 50, no control
characters; HTML is stored as given)."""

import csv
import json
import io
import threading

import reg_fixtures as F

QUESTIONS = [
    {"key": "dietary", "kind": "choice", "required": True,
     "label": {"en": "Dietary needs", "pl": "Dieta"},
     "options": [{"value": "none", "label": {"en": "none"}},
                 {"value": "vegetarian", "label": {"en": "vegetarian", "pl": "wegetariańska"}},
                 {"value": "vegan", "label": {"en": "vegan"}}]},
    {"key": "group", "kind": "choice", "label": {"en": "Working group"},
     "help": {"en": "Groups have at most 12 people"},
     "options": [{"value": "youth", "label": {"en": "youth"}, "capacity": 12},
                 {"value": "energy", "label": {"en": "renewable energy"}, "capacity": 2}]},
    {"key": "topics", "kind": "choices", "label": {"en": "Topics"},
     "options": ["funding", "partners", "reporting"]},
    {"key": "age", "kind": "number", "label": {"en": "Age"}},
    {"key": "arrival", "kind": "date", "label": {"en": "Arrival"}},
    {"key": "notes", "kind": "long_text", "label": {"en": "<b>Anything else?</b>"}},
    {"key": "photos", "kind": "consent", "label": {"en": "I agree to be photographed"}},
]


def _setup(capacity=None):
    pg, db, d = F.start()
    pid = F.project(pg, db)
    ev = F.event(pg, db, pid, capacity=capacity)
    for q in QUESTIONS:
        r = d.post(f"/api/events/{ev}/questions", q)
        assert r.status == 201, r.text
    return pg, db, d, ev


def _answers(**over):
    a = {"dietary": "vegetarian", "photos": True}
    a.update(over)
    return {k: v for k, v in a.items() if v is not None}


def _state(pg, db):
    return F.snapshot(pg, db), pg.psql(db, "SELECT registration_id, question_id, value::text"
                                           " FROM answers ORDER BY 1, 2")


def _refused(pg, db, d, ev, answers, field, code, email="x@town.se"):
    before = _state(pg, db)
    r = F.register(d, ev, email, answers=answers)
    assert r.status == 422, r.text
    err = r.json()["error"]
    assert (err["field"], err["code"]) == (field, code), err
    assert _state(pg, db) == before
    return err


def test_answers_are_checked_in_cv_register_and_nothing_is_written_on_refusal():
    pg, db, d, ev = _setup()
    err = _refused(pg, db, d, ev, _answers(dietary=None), "answers.dietary", "answer_required")
    assert "Dietary needs" in err["message"]
    _refused(pg, db, d, ev, {}, "answers.dietary", "answer_required")
    _refused(pg, db, d, ev, _answers(dietary="carnivore"), "answers.dietary",
             "choice_not_offered")
    _refused(pg, db, d, ev, _answers(photos=False), "answers.photos", "consent_required")
    _refused(pg, db, d, ev, _answers(photos=None), "answers.photos", "consent_required")
    _refused(pg, db, d, ev, _answers(age="forty"), "answers.age", "invalid_value")
    _refused(pg, db, d, ev, _answers(arrival="2027-02-30"), "answers.arrival", "invalid_value")
    _refused(pg, db, d, ev, _answers(notes="x" * 100_000), "answers.notes", "too_long")
    _refused(pg, db, d, ev, _answers(topics=["funding", "funding"]), "answers.topics",
             "invalid_value")
    _refused(pg, db, d, ev, _answers(topics=["funding", "golf"]), "answers.topics",
             "choice_not_offered")
    _refused(pg, db, d, ev, _answers(shoe_size=44), "answers.shoe_size", "invalid_value")
    _refused(pg, db, d, ev, _answers(notes="bell\x07"), "answers.notes", "invalid_value")
    # and a good one is stored as given
    r = F.register(d, ev, "ok@town.se", answers=_answers(
        group="youth", topics=["reporting", "funding"], age=41, arrival="2027-03-01",
        notes="<script>alert(1)</script>\nsecond line"))
    assert r.status == 202, r.text
    lst = d.get(f"/api/events/{ev}/registrations").json()["registrations"]
    assert lst[0]["answers"] == {"dietary": "vegetarian", "group": "youth",
                                 "topics": ["reporting", "funding"], "age": 41,
                                 "arrival": "2027-03-01",
                                 "notes": "<script>alert(1)</script>\nsecond line",
                                 "photos": True}


def test_forty_concurrent_registrations_for_a_group_of_twelve():
    pg, db, d, ev = _setup()
    results = {}

    def one(i):
        r = F.register(d, ev, f"p{i}@town{i}.eu", name=f"P{i}",
                       answers=_answers(group="youth"))
        results[i] = (r.status, r.json()["error"]["code"] if r.status != 202 else None)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = sorted(results.values(), key=str)
    assert got.count((202, None)) == 12, got
    assert got.count((422, "group_full")) == 28, got
    # every accepted registration is there, with its group; no other
    assert int(pg.psql(db, "SELECT count(*) FROM registrations WHERE event_id = $1", ev)[0][0]) == 12
    taken = pg.psql(db, """SELECT count(*) FROM answers a JOIN questions q ON q.id = a.question_id
                            WHERE q.key = 'group' AND a.value = '"youth"'""")[0][0]
    assert int(taken) == 12
    q = [x for x in d.get(f"/api/events/{ev}/questions").json()["questions"]
         if x["key"] == "group"][0]
    assert q["options"][0]["taken"] == 12 and q["options"][0]["capacity"] == 12
    # a cancellation frees a place
    tok = pg.psql(db, "SELECT token FROM registrations ORDER BY id LIMIT 1")[0][0]
    assert F.cancel(d, tok).status == 303
    r = F.register(d, ev, "late@town.eu", answers=_answers(group="youth"))
    assert r.status == 202, r.text


def test_csv_summary_token_changes_until_close_and_moves_between_groups():
    pg, db, d, ev = _setup()
    people = [("a@x.se", "vegetarian", "energy"), ("b@x.se", "vegetarian", "energy"),
              ("c@x.se", "vegan", "youth"), ("d@x.se", "vegetarian", None)]
    for email, diet, group in people:
        r = F.register(d, ev, email, answers=_answers(dietary=diet, group=group))
        assert r.status == 202, r.text
    _refused(pg, db, d, ev, _answers(group="energy"), "answers.group", "group_full")

    r = d.get(f"/api/events/{ev}/registrations?format=csv")
    assert r.status == 200, r
    rows = list(csv.reader(io.StringIO(r.text)))
    head = rows[0]
    assert head[-7:] == ["dietary", "group", "topics", "age", "arrival", "notes", "photos"], head
    by_email = {row[head.index("email")]: row for row in rows[1:]}
    assert by_email["c@x.se"][head.index("dietary")] == "vegan"
    assert by_email["c@x.se"][head.index("group")] == "youth"
    assert by_email["d@x.se"][head.index("group")] == ""
    assert by_email["d@x.se"][head.index("photos")] == "yes"

    s = d.get(f"/api/events/{ev}/answers/summary")
    assert s.status == 200, s
    qs = {q["key"]: q for q in s.json()["questions"]}
    assert qs["dietary"]["text"] == "dietary: 3 vegetarian, 1 vegan"
    assert qs["group"]["text"] == "group: 2 renewable energy, 1 youth"
    assert {o["value"]: o["count"] for o in qs["dietary"]["options"]} == {
        "none": 0, "vegetarian": 3, "vegan": 1}

    # the person changes answers by the token while registration is open
    tok = F.token(pg, db, ev, "d@x.se")
    v = d.get(f"/api/public/registrations/{tok}/answers", auth=False)
    assert v.status == 200 and v.json()["changeable"] is True, v.text
    r = d.post(f"/api/public/registrations/{tok}/answers", {"answers": {"dietary": "vegan"}},
               auth=False)
    assert r.status == 200, r.text
    assert r.json()["answers"]["dietary"] == "vegan"
    r = d.post(f"/api/public/registrations/{tok}/answers", {"answers": {"photos": False}},
               auth=False)
    assert (r.status, r.json()["error"]["code"]) == (422, "consent_required"), r.text
    r = d.post(f"/api/public/registrations/{tok}/answers", {"answers": {"group": "energy"}},
               auth=False)
    assert (r.status, r.json()["error"]["code"]) == (422, "group_full"), r.text

    # the secretariat moves a person from energy to youth, and into a full group by force
    reg_a = int(pg.psql(db, """SELECT r.id FROM registrations r JOIN people p ON p.id = r.person_id
                               WHERE p.email = 'a@x.se'""")[0][0])
    reg_d = int(pg.psql(db, """SELECT r.id FROM registrations r JOIN people p ON p.id = r.person_id
                               WHERE p.email = 'd@x.se'""")[0][0])
    r = d.post(f"/api/events/{ev}/registrations/{reg_a}/answers", {"answers": {"group": "youth"}})
    assert r.status == 200 and r.json()["answers"]["group"] == "youth", r.text
    r = d.post(f"/api/events/{ev}/registrations/{reg_d}/answers", {"answers": {"group": "energy"}})
    assert r.status == 200, r.text  # a place came free
    r = d.post(f"/api/events/{ev}/registrations/{reg_a}/answers",
               {"answers": {"group": "energy"}})
    assert (r.status, r.json()["error"]["code"]) == (422, "group_full"), r.text
    r = d.post(f"/api/events/{ev}/registrations/{reg_a}/answers",
               {"answers": {"group": "energy"}, "force": True, "by": "Secretariat"})
    assert r.status == 200, r.text
    assert pg.psql(db, """SELECT answered_by FROM answers a JOIN questions q ON q.id = a.question_id
                           WHERE a.registration_id = $1 AND q.key = 'group'""", reg_a)[0][0] \
        == "Secretariat"

    # after registration closes the person can no longer change them
    pg.psql(db, "UPDATE events SET reg_closes_at = now() - interval '1 minute' WHERE id = $1", ev)
    before = _state(pg, db)
    r = d.post(f"/api/public/registrations/{tok}/answers", {"answers": {"dietary": "none"}},
               auth=False)
    assert r.status == 409, r.text
    assert "until registration closes" in r.json()["error"]["message"]
    assert _state(pg, db) == before
    assert d.get(f"/api/public/registrations/{tok}/answers", auth=False).json()["changeable"] \
        is False


def test_questions_are_checked_and_html_is_stored_as_given():
    pg, db, d = F.start()
    pid = F.project(pg, db)
    ev = F.event(pg, db, pid)
    path = f"/api/events/{ev}/questions"

    def refused(body, field, status=422):
        n = pg.psql(db, "SELECT count(*), coalesce(sum(length(label::text)), 0) FROM questions")
        r = d.post(path, body)
        assert r.status == status, r.text
        assert r.json()["error"]["field"] == field, r.text
        assert pg.psql(db, "SELECT count(*), coalesce(sum(length(label::text)), 0)"
                           " FROM questions") == n

    refused({"key": "town", "kind": "short_text", "label": {"pl": "Miasto"}}, "label.en")
    refused({"key": "town", "kind": "short_text", "label": {"en": "Town\x01"}}, "label.en")
    refused({"key": "town", "kind": "short_text", "label": {"en": "x" * 501}}, "label.en")
    refused({"key": "town", "kind": "short_text", "label": {"en": "Town", "de": "Stadt"}},
            "label.de")
    refused({"key": "g", "kind": "choice", "label": {"en": "Group"},
             "options": ["youth", "energy", "youth"]}, "options")
    refused({"key": "g", "kind": "choice", "label": {"en": "Group"},
             "options": [{"value": "a", "label": {"en": "Youth"}},
                         {"value": "b", "label": {"en": "Youth"}}]}, "options")
    refused({"key": "g", "kind": "choice", "label": {"en": "Group"}}, "options")
    refused({"key": "g", "kind": "yes_no", "label": {"en": "Ok?"}, "options": ["a"]}, "options")
    refused({"key": "Bad Key", "kind": "yes_no", "label": {"en": "Ok?"}}, "key")

    html = "<img src=x onerror=alert(1)> Town & \"region\""
    r = d.post(path, {"key": "town", "kind": "short_text", "label": {"en": html}})
    assert r.status == 201, r.text
    assert r.json()["label"]["en"] == html
    refused({"key": "town", "kind": "short_text", "label": {"en": "again"}}, "key", 409)
    # a project's question is asked by its events; the key is shared
    r = d.post("/api/projects/net/questions",
               {"key": "role", "kind": "choice", "label": {"en": "Role"},
                "options": ["mayor", "official"]})
    assert r.status == 201, r.text
    keys = [q["key"] for q in d.get(path).json()["questions"]]
    assert keys == ["town", "role"], keys
    r = d.post("/api/projects/net/questions",
               {"key": "town", "kind": "short_text", "label": {"en": "Town"}})
    assert r.status == 409, r.text

    # at most 50 questions per event, its own and its project's
    for i in range(48):
        r = d.post(path, {"key": f"q{i}", "kind": "yes_no", "label": {"en": f"Q{i}"}})
        assert r.status == 201, r.text
    refused({"key": "q50", "kind": "yes_no", "label": {"en": "One too many"}}, "event")
    assert len(d.get(path).json()["questions"]) == 50

    # a question with answers keeps its kind; an option chosen is not dropped
    qid = [q["id"] for q in d.get(path).json()["questions"] if q["key"] == "role"][0]
    answers = {"role": "mayor", "town": "Łódź"}
    assert F.register(d, ev, "m@lodz.pl", answers=answers).status == 202
    r = d.patch(f"/api/questions/{qid}", {"options": ["official"]})
    assert r.status == 409 and r.json()["error"]["field"] == "options", r.text
    r = d.patch(f"/api/questions/{qid}", {"kind": "choices"})
    assert r.status == 409 and r.json()["error"]["field"] == "kind", r.text
    r = d.patch(f"/api/questions/{qid}", {"options": ["mayor", "official", "councillor"],
                                          "label": {"en": "Role", "sv": "Roll"}})
    assert r.status == 200, r.text
    assert [o["value"] for o in r.json()["options"]] == ["mayor", "official", "councillor"]
    assert d.delete(f"/api/questions/{qid}").status == 200
    assert int(pg.psql(db, "SELECT count(*) FROM answers WHERE question_id = $1", qid)[0][0]) == 0


def test_answers_are_exported_and_erased_with_the_person():
    pg, db, d, ev = _setup()
    secret = "Dr. Ewa Nowicka, born 1970, Piotrkowska 12"
    r = F.register(d, ev, "ewa@lodz.pl", answers=_answers(group="youth", notes=secret, age=56))
    assert r.status == 202, r.text
    exp = d.post("/api/people/export", {"email": "ewa@lodz.pl"}).json()["tables"]["answers"]
    assert {(a["question"], str(a["value"])) for a in exp} >= {("notes", secret), ("age", "56"),
                                                               ("group", "youth")}, exp
    assert d.post("/api/people/erase", {"email": "ewa@lodz.pl"}).status == 200
    left = pg.psql(db, """SELECT q.key, a.value::text FROM answers a
                           JOIN questions q ON q.id = a.question_id ORDER BY q.key""")
    # the text and the number are gone; the choices stay (counted anonymously)
    assert [tuple(x) for x in left] == [("dietary", '"vegetarian"'), ("group", '"youth"'),
                                        ("photos", "true")], left
    assert not pg.psql(db, "SELECT 1 FROM answers WHERE value::text LIKE '%Nowicka%'")
    # the erased registration was cancelled: its group place is free again
    summary = {q["key"]: q for q in d.get(f"/api/events/{ev}/answers/summary").json()["questions"]}
    assert summary["group"]["answered"] == 0


def test_convenectl_adds_questions_counts_answers_and_moves_a_person():
    pg, db, d = F.start()
    pid = F.project(pg, db)
    ev = F.event(pg, db, pid)
    r = d.ctl("question", "add", "--event", str(ev), "--key", "group", "--kind", "choice",
              "--label", "Working group", "--label-pl", "Grupa robocza",
              "--options", "youth=Youth:1,energy=Renewable energy:1", "--required")
    assert r.returncode == 0, r.stderr
    r = d.ctl("question", "add", "--project", "net", "--key", "town", "--kind", "short_text",
              "--label", "Town of residence", "--help-text", "Where you live")
    assert r.returncode == 0, r.stderr
    r = d.ctl("--json", "event", "questions", str(ev))
    assert r.returncode == 0, r.stderr
    qs = {q["key"]: q for q in json.loads(r.stdout)["questions"]}
    assert qs["group"]["label"] == {"en": "Working group", "pl": "Grupa robocza"}
    assert qs["group"]["required"] is True
    assert [(o["value"], o["label"]["en"], o["capacity"]) for o in qs["group"]["options"]] == [
        ("youth", "Youth", 1), ("energy", "Renewable energy", 1)]
    assert qs["town"]["scope"] == "project" and qs["town"]["help"] == {"en": "Where you live"}
    assert F.register(d, ev, "a@x.se", answers={"group": "youth", "town": "Växjö"}).status == 202
    r = d.ctl("event", "answers", str(ev))
    assert r.returncode == 0 and "group: 1 Youth" in r.stdout, (r.stdout, r.stderr)
    reg = pg.psql(db, "SELECT id FROM registrations")[0][0]
    r = d.ctl("registration", "answers", str(ev), str(reg), "--set", "group=energy")
    assert r.returncode == 0, r.stderr
    assert d.get(f"/api/events/{ev}/registrations").json()["registrations"][0]["answers"] == {
        "group": "energy", "town": "Växjö"}
    r = d.ctl("question", "add", "--event", str(ev), "--key", "x", "--kind", "choice",
              "--label", "Dup", "--options", "a,b,a")
    assert r.returncode != 0 and "a is listed twice" in r.stderr, r
