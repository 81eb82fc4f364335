"""A small open round for the fieldwork tests: two agencies, a delegates' form with a quota of 3
per unit, and sampled members with e-mail addresses on example.org, one invitation each."""
from __future__ import annotations

from types import SimpleNamespace

from builders import (
    create_questionnaire, create_round, create_unit, create_user, small_questionnaire_dict,
)

from survey_app.extensions import db
from survey_app.models import FrameRow, SampleFrame, SampleMember, SamplePlan
from survey_app.operations import rounds as round_ops
from survey_app.operations.fieldwork_setup import issue_invitation


def fieldwork_world(per_unit: int = 3, emails: bool = True) -> SimpleNamespace:
    survey_round = create_round(status="open", title="Khảo sát thử nghiệm 2025")
    units = [create_unit(survey_round.province, code=code, name=name)
             for code, name in (("SO-A", "Sở Thử A"), ("SO-B", "Sở Thử B"))]
    form = create_questionnaire(small_questionnaire_dict(group="delegate"))
    admin = create_user("admin")
    round_ops.set_rating_cell(survey_round, "delegate", "agency", form, 3, admin)
    frame = SampleFrame(round_id=survey_round.id, kind="officials", filename="dai-bieu.csv",
                        content_hash="0" * 64, row_count=0)
    db.session.add(frame)
    db.session.flush()
    plan = SamplePlan(round_id=survey_round.id, frame_id=frame.id, frame_hash="0" * 64,
                      method="srs", n=0, seed=1)
    db.session.add(plan)
    db.session.flush()
    invitations, tokens = [], {}
    n = 0
    for unit in units:
        for _ in range(per_unit):
            n += 1
            personal = {"name": f"Người thử {n}", "phone": f"09000000{n:02d}"}
            if emails:
                personal["email"] = f"nguoi{n}@example.org"
            row = FrameRow(frame_id=frame.id, row_number=n, unit_id=unit.id, personal=personal,
                           design={})
            db.session.add(row)
            db.session.flush()
            member = SampleMember(plan_id=plan.id, frame_row_id=row.id, role="selected",
                                  selection_order=n, stratum="S1")
            db.session.add(member)
            db.session.flush()
            invitation, token = issue_invitation(survey_round, form, unit, "delegate",
                                                 stratum="S1", sample_member_id=member.id)
            invitations.append(invitation)
            tokens[invitation.id] = token
    db.session.commit()
    return SimpleNamespace(round=survey_round, units=units, form=form, admin=admin,
                           invitations=invitations, tokens=tokens)
