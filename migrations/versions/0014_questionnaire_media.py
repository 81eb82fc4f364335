"""questionnaire media: the image and audio files a questionnaire version names

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-01 19:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'questionnaire_media',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('mimetype', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['questionnaire_version_id'], ['questionnaire_versions.id'],
            name=op.f('fk_questionnaire_media_questionnaire_version_id_questionnaire_versions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_media')),
        sa.UniqueConstraint('questionnaire_version_id', 'name',
                            name='uq_questionnaire_media_version_name'),
    )
    with op.batch_alter_table('questionnaire_media', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_media_questionnaire_version_id'),
                              ['questionnaire_version_id'], unique=False)


def downgrade():
    with op.batch_alter_table('questionnaire_media', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_media_questionnaire_version_id'))
    op.drop_table('questionnaire_media')
