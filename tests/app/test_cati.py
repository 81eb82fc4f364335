"""Phone interviews (CATI): an interviewer sees only the cases assigned to them, logs call
attempts that move the invitation's disposition (with history), completes an interview through
the respondent pages in interviewer mode (the response linked to a call attempt), and other roles
are kept out; the supervisor assigns cases."""
from __future__ import annotations

import re

import pytest

from builders import create_user, log_in
from fieldwork_world import fieldwork_world

from survey_app.extensions import db
from survey_app.models import (
    CallAttempt, DispositionEvent, Invitation, Response, SampleMember,
)
from survey_app.models.cati import InterviewerAssignment
from survey_app.operations import cati, dispositions


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def post_page(client, url: str, html: str, answers: dict):
    data = {key: hidden(html, key) for key in ("_page", "_sid", "_shown", "_shown_at")}
    if hidden(html, "_page") == "0":
        data["_consent"] = "yes"
    data["_action"] = "next"
    data.update(answers)
    return client.post(url, data=data)


def world_with_interviewers(anonymous: bool = True):
    world = fieldwork_world(per_unit=2)
    world.round.anonymous = anonymous
    ana = create_user("interviewer", display_name="Điều tra viên An")
    binh = create_user("interviewer", display_name="Điều tra viên Bình")
    mine = cati.assign(world.invitations[0], ana, world.admin)
    theirs = cati.assign(world.invitations[1], binh, world.admin)
    db.session.commit()
    return world, ana, binh, mine, theirs


def events(invitation_id: int) -> list[DispositionEvent]:
    return list(db.session.scalars(db.select(DispositionEvent)
                                   .filter_by(invitation_id=invitation_id)))


@pytest.mark.parametrize("anonymous", [True, False])
def test_interviewer_sees_only_own_cases_then_non_contact_then_complete(client, app_ctx,
                                                                        anonymous):
    world, ana, _binh, mine, theirs = world_with_interviewers(anonymous)
    log_in(client, ana)
    listing = client.get("/interviewer/")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "0900000001" in html and "Người thử 1" in html
    assert "0900000002" not in html and "Người thử 2" not in html
    assert client.get(f"/interviewer/cases/{theirs.id}").status_code == 404
    assert client.get(f"/interviewer/cases/{theirs.id}/interview").status_code == 404
    assert client.post(f"/interviewer/cases/{theirs.id}",
                       data={"outcome": "refusal"}).status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(CallAttempt)) == 0

    # a non-contact with a callback: an attempt, and the disposition history grows
    page = client.post(f"/interviewer/cases/{mine.id}",
                       data={"outcome": "non_contact", "note": "Không nghe máy",
                             "callback_at": "2026-12-02T09:30"})
    assert page.status_code == 303
    db.session.expire_all()
    invitation = db.session.get(Invitation, mine.invitation_id)
    assert invitation.disposition == "non_contact"
    assert [e.disposition for e in events(invitation.id)] == ["non_contact"]
    attempt = db.session.scalar(db.select(CallAttempt).filter_by(invitation_id=invitation.id))
    assert attempt.interviewer_id == ana.id and attempt.callback_at is not None
    # a second non-contact is logged, without a repeated history row
    client.post(f"/interviewer/cases/{mine.id}", data={"outcome": "non_contact"})
    assert db.session.scalar(db.select(db.func.count()).select_from(CallAttempt)) == 2
    assert len(events(invitation.id)) == 1

    rr1_before = dispositions.round_outcome_rates(world.round)[0].rates.rr1
    # the interview, in interviewer mode, through the respondent pages of the invitation
    url = f"/interviewer/cases/{mine.id}/interview"
    html = client.get(url).get_data(as_text=True)
    assert "data-interviewer-mode" in html
    post_page(client, url, html, {"age": "44", "gender": "f"})
    html = client.get(url).get_data(as_text=True)
    post_page(client, url, html, {"used_online": "no", "counter_rating": "5"})
    html = client.get(url).get_data(as_text=True)
    done = post_page(client, url, html, {})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/cases/{mine.id}")
    db.session.expire_all()
    invitation = db.session.get(Invitation, mine.invitation_id)
    assert invitation.status == "used" and invitation.disposition == "complete"
    response = db.session.scalar(db.select(Response).filter_by(round_id=world.round.id))
    assert response is not None and response.answers["age"] == 44
    assert response.channel == "invitation"  # the response itself learns nothing of the call
    linked = db.session.scalar(db.select(CallAttempt).filter_by(invitation_id=invitation.id,
                                                                outcome="complete"))
    assert linked.interviewer_id == ana.id
    if anonymous:  # nothing ties the answers to the person called
        assert response.invitation_id is None
        assert linked.response_id is None and linked.attempted_at is None
    else:
        assert response.invitation_id == invitation.id and linked.response_id == response.id
    assert [e.disposition for e in events(invitation.id)][0] == "non_contact"
    assert dispositions.round_outcome_rates(world.round)[0].rates.rr1 > rr1_before  # the monitor's
    # the supervisor's counts: three attempts, one interview, in the back-check sample once drawn
    db.session.get(SampleMember, invitation.sample_member_id).backcheck = True
    db.session.commit()
    mine_row = next(r for r in cati.productivity(world.round.id) if r["user"].id == ana.id)
    assert (mine_row["attempts"], mine_row["completed"], mine_row["backcheck"]) == (3, 1, 1)
    assert events(invitation.id)[-1].disposition == "complete"
    # the used invitation cannot be opened or called again
    assert client.get(url).status_code == 409
    before = db.session.scalar(db.select(db.func.count()).select_from(CallAttempt))
    client.post(f"/interviewer/cases/{mine.id}", data={"outcome": "refusal"})
    assert db.session.scalar(db.select(db.func.count()).select_from(CallAttempt)) == before


def test_other_roles_are_refused(client, app_ctx):
    world, _ana, _binh, mine, _theirs = world_with_interviewers()
    for role in ("admin", "focal_point", "council"):
        user = create_user(role, unit=world.units[0] if role == "focal_point" else None)
        db.session.commit()
        log_in(client, user)
        assert client.get("/interviewer/").status_code == 403
        assert client.get(f"/interviewer/cases/{mine.id}").status_code == 403
        client.post("/auth/logout")


def test_supervisor_assigns_and_reassigns(client, app_ctx):
    world, ana, binh, mine, _theirs = world_with_interviewers()
    log_in(client, world.admin)
    url = f"/admin/rounds/{world.round.id}/interviewers"
    page = client.get(url)
    assert page.status_code == 200 and "Điều tra viên An" in page.get_data(as_text=True)
    assert "0900000001" not in page.get_data(as_text=True)  # phones only to the interviewer
    third = world.invitations[2]
    assert client.post(url, data={"interviewer_id": str(binh.id),
                                  "invitation_id": [str(mine.invitation_id), str(third.id)]}
                       ).status_code == 303
    db.session.expire_all()
    rows = {r.invitation_id: r.interviewer_id
            for r in db.session.scalars(db.select(InterviewerAssignment))}
    assert rows[mine.invitation_id] == binh.id and rows[third.id] == binh.id
    # an invitation of another round is refused, and nothing changes
    client.post(url, data={"interviewer_id": str(ana.id),
                           "invitation_id": [str(third.id), "999999"]})
    db.session.expire_all()
    assert db.session.scalar(db.select(InterviewerAssignment)
                             .filter_by(invitation_id=third.id)).interviewer_id == binh.id
    log_in(client, ana)
    assert client.get(f"/interviewer/cases/{mine.id}").status_code == 404


def test_callbacks_due_then_overdue_on_the_case_list_and_the_supervisor_page(client, app_ctx):
    """A callback typed in Vietnam's time is kept in UTC; on its day it shows as due on the
    interviewer's list, once past as overdue there and on the supervisor's page (per
    interviewer); a later call or an answered case clears it."""
    import datetime as dt

    from survey_app.clock import VIETNAM_TIME
    from survey_app.models.base import utcnow

    world, ana, binh, mine, theirs = world_with_interviewers()
    log_in(client, ana)
    typed = (dt.datetime.now(VIETNAM_TIME) - dt.timedelta(hours=2)).replace(
        second=0, microsecond=0)
    client.post(f"/interviewer/cases/{mine.id}",
                data={"outcome": "non_contact",
                      "callback_at": typed.strftime("%Y-%m-%dT%H:%M")})
    attempt = db.session.scalar(db.select(CallAttempt).filter_by(invitation_id=mine.invitation_id))
    assert attempt.callback_at == typed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    html = client.get("/interviewer/").get_data(as_text=True)
    assert f'data-case="{mine.id}" data-callback="overdue"' in html and "quá hạn" in html
    # the same callback, seen earlier: scheduled the day before, due on its day
    [case] = cati.cases_of(ana, now=attempt.callback_at - dt.timedelta(days=1))
    assert case.callback == "scheduled" and not case.callback_due
    [case] = cati.cases_of(ana, now=attempt.callback_at + dt.timedelta(minutes=5))
    assert case.callback == "due" and case.callback_due
    [case] = cati.cases_of(ana, now=attempt.callback_at)
    assert case.callback == "due"
    # the supervisor sees it under the interviewer's name
    cati.record_attempt(theirs, binh, "refusal", callback_at=utcnow() + dt.timedelta(days=3))
    db.session.commit()
    overdue = cati.overdue_callbacks(world.round.id)
    assert [(o["user"].id, [c["invitation"].id for c in o["cases"]]) for o in overdue] == [
        (ana.id, [mine.invitation_id])]
    log_in(client, world.admin)
    page = client.get(f"/admin/rounds/{world.round.id}/interviewers").get_data(as_text=True)
    assert f'data-interviewer="{ana.username}" data-invitation="{mine.invitation_id}"' in page
    assert f'data-invitation="{theirs.invitation_id}"' not in page
    # a later call without a callback clears it
    cati.record_attempt(mine, ana, "refusal")
    db.session.commit()
    assert cati.overdue_callbacks(world.round.id) == []
    assert "Không có hẹn gọi lại nào quá hạn." in client.get(
        f"/admin/rounds/{world.round.id}/interviewers").get_data(as_text=True)


def test_backcheck_of_completed_interviews_is_reproducible_and_downloadable(client, app_ctx):
    """The supervisor draws a share of each interviewer's completed interviews (at least one
    each) with a seed; the same seed, share and last attempt give the same list on the page and
    in the XLSX (name and phone to call back); the drawn members count on the productivity
    table; with nothing completed the draw is refused with a sentence."""
    import io

    import openpyxl

    from survey_app.operations import interview_backcheck

    world = fieldwork_world(per_unit=4)
    world.round.anonymous = True  # the attempts then link no response (none is stored here)
    ana = create_user("interviewer", display_name="Điều tra viên An")
    binh = create_user("interviewer", display_name="Điều tra viên Bình")
    log_in(client, world.admin)
    url = f"/admin/rounds/{world.round.id}/interviewers"
    refused = client.post(f"{url}/backcheck", data={"fraction": "0,5"}, follow_redirects=True)
    assert "Chưa có phỏng vấn qua điện thoại nào hoàn thành để phúc tra." in refused.get_data(
        as_text=True)
    done = {}
    for k, invitation in enumerate(world.invitations[:7]):  # An completes 5, Bình 2
        who = ana if k < 5 else binh
        assignment = cati.assign(invitation, who, world.admin)
        done[invitation.id] = cati.link_completed_interview(assignment, who, 0)
    db.session.commit()

    reply = client.post(f"{url}/backcheck", data={"fraction": "0,5"})
    assert reply.status_code == 303
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    shown = [int(i) for i in re.findall(r'data-backcheck="(\d+)"', page)]
    seed = int(re.search(r'data-backcheck-seed="(\d+)"', page).group(1))
    through = max(a.id for a in done.values())
    assert len(shown) == 3 + 1  # ceil(0.5 × 5) of An's, ceil(0.5 × 2) of Bình's
    assert len([i for i in shown if done[i].interviewer_id == ana.id]) == 3
    again = interview_backcheck.draw(world.round.id, 0.5, seed, through)
    assert [a.invitation_id for a in again.attempts] == shown  # the seed gives it again
    other = interview_backcheck.draw(world.round.id, 0.5, seed + 1, through)
    assert len(other.attempts) == 4
    counts = {r["user"].id: r["backcheck"] for r in cati.productivity(world.round.id)}
    assert counts == {ana.id: 3, binh.id: 1}
    # a later interview does not change the list drawn up to ``through``
    late = cati.assign(world.invitations[7], binh, world.admin)
    cati.link_completed_interview(late, binh, 0)
    db.session.commit()
    link = re.search(r'href="([^"]*backcheck\.xlsx[^"]*)"', page).group(1).replace("&amp;", "&")
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(link).data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("dieu_tra_vien", "thu_moi", "don_vi", "ho_ten", "dien_thoai")
    assert [r[1] for r in rows[1:]] == shown
    assert all(r[4].startswith("090") for r in rows[1:])
    bad = client.get(f"{url}/backcheck.xlsx?seed=x&share=0.5&through=1")
    assert bad.status_code == 303


def test_demo_names_an_interviewer_who_can_log_in_and_call(client, app_ctx):
    from survey_app.commands.demo import interviewer_entry
    from survey_app.operations.demo import seed_demo

    seeded = seed_demo()
    entry = interviewer_entry(seeded["round"], "http://127.0.0.1:5000")
    db.session.commit()
    assert entry["login_url"] == "http://127.0.0.1:5000/auth/login"
    assert entry["username"] and len(entry["password"]) >= 10 and entry["assigned_cases"] >= 3
    reply = client.post("/auth/login", data={"username": entry["username"],
                                             "password": entry["password"]})
    assert reply.status_code == 302 and reply.location.endswith("/interviewer/")
    html = client.get("/interviewer/").get_data(as_text=True)
    cases = re.findall(r'data-case="(\d+)"', html)
    assert len(cases) == entry["assigned_cases"] and 'href="tel:' in html
    page = client.get(f"/interviewer/cases/{cases[0]}/interview")
    assert page.status_code == 200 and "data-interviewer-mode" in page.get_data(as_text=True)
    # a second demo run keeps the cases and gives a fresh password
    again = interviewer_entry(seeded["round"], "http://127.0.0.1:5000")
    assert again["assigned_cases"] == entry["assigned_cases"]
    assert again["password"] != entry["password"]


def test_interviewer_mode_shows_guidance_to_the_interviewer_only(client, app_ctx):
    from builders import invitation_for

    definition = {
        "id": "cati_hint", "version": "1", "title": {"vi": "Phiếu", "en": "Form"},
        "languages": ["vi", "en"], "respondent_group": "citizen",
        "pages": [{"name": "p1", "title": {"vi": "Trang", "en": "Page"}, "questions": [
            {"name": "visits", "type": "integer", "label": {"vi": "Số lần", "en": "Visits"},
             "guidance_hint": {"vi": "Đọc chậm từng chữ", "en": "Read each word slowly"}}]}],
    }
    invitation, token = invitation_for(definition=definition)
    ana = create_user("interviewer")
    assignment = cati.assign(invitation, ana, None)
    cati.record_attempt(assignment, ana, "refusal", "Hẹn hôm khác")
    db.session.commit()
    assert "Đọc chậm từng chữ" not in client.get(f"/i/{token}").get_data(as_text=True)
    log_in(client, ana)
    url = f"/interviewer/cases/{assignment.id}/interview"
    assert "Đọc chậm từng chữ" in client.get(url).get_data(as_text=True)
    assert "Read each word slowly" not in client.get(url).get_data(as_text=True)
    # (English is checked by the catalogue test: inside app_ctx Flask-Babel keeps one locale)
    case = client.get(f"/interviewer/cases/{assignment.id}").get_data(as_text=True)
    assert "Từ chối" in case and ">refusal<" not in case  # names, never codes
