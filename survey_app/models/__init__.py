"""SQLAlchemy models of par-survey. Models hold data and simple invariants, never statistics."""
from survey_app.models.accounts import ROLES, AuditChainHead, AuditEvent, User
from survey_app.models.base import Base
from survey_app.models.cati import CallAttempt, InterviewerAssignment
from survey_app.models.collect import CollectSubmission
from survey_app.models.collect_keys import CollectKey
from survey_app.models.exports import ExportJob
from survey_app.models.documents import (
    MethodologyPack,
    PublishedDocumentError,
    QuestionnaireVersion,
)
from survey_app.models.fieldwork import Draft, Invitation, InvitationBundle, Response
from survey_app.models.immutability import ImmutableRecordError
from survey_app.models.invitation_files import InvitationFile
from survey_app.models.questionnaire_media import QuestionnaireMedia
from survey_app.models.outcomes import (
    DispositionEvent, MailBounce, MailJob, Reminder, RoundDeadline, UnitTask,
)
from survey_app.models.geography import UNIT_TYPES, Province, Unit, UnitSuccession
from survey_app.models.rounds import EntryPoint, RatingCell, SurveyRound
from survey_app.models.sampling import FrameRow, SampleFrame, SampleMember, SamplePlan
from survey_app.models.sessions import LoginFailure, StaffSession

__all__ = [
    "ROLES", "UNIT_TYPES", "AuditChainHead", "AuditEvent", "Base", "CallAttempt",
    "CollectKey", "CollectSubmission", "InterviewerAssignment", "DispositionEvent", "Draft",
    "EntryPoint", "MailBounce", "MailJob", "Reminder", "RoundDeadline", "UnitTask",
    "ExportJob", "FrameRow", "ImmutableRecordError", "Invitation", "InvitationBundle",
    "InvitationFile", "LoginFailure",
    "MethodologyPack",
    "Province", "PublishedDocumentError", "QuestionnaireMedia",
    "QuestionnaireVersion", "RatingCell", "Response",
    "SampleFrame", "SampleMember", "SamplePlan", "StaffSession", "SurveyRound", "Unit",
    "UnitSuccession", "User",
]
