"""Add portal access tokens, statement acknowledgements and SLA targets.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contract_sla_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Enum('low', 'normal', 'high', 'urgent', name='priority', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('first_response_minutes > 0 AND resolution_minutes > 0', name=op.f('ck_contract_sla_targets_positive_targets')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_sla_targets_contract_id_contracts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_sla_targets')),
    sa.UniqueConstraint('contract_id', 'priority', name='uq_contract_sla_targets_priority')
    )
    with op.batch_alter_table('contract_sla_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_sla_targets_contract_id'), ['contract_id'], unique=False)

    op.create_table('user_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('invitation', 'password_reset', name='purpose', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_user_tokens_created_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_tokens_token_hash'))
    )
    with op.batch_alter_table('user_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('statement_acknowledgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('accepted', 'disputed', 'answered', name='kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_acknowledgements_statement_id_statements')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_statement_acknowledgements_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_acknowledgements'))
    )
    with op.batch_alter_table('statement_acknowledgements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_acknowledgements_statement_id'), ['statement_id'], unique=False)

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('portal_time_display', sa.Enum('billed', 'billed_and_worked', name='portal_time_display', native_enum=False, create_constraint=True), nullable=False, server_default='billed'))
        batch_op.add_column(sa.Column('portal_shows_agent_names', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('sla_business_hours', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('sla_timezone', sa.String(length=64), nullable=False, server_default='Europe/Rome'))
        batch_op.add_column(sa.Column('sla_working_days', sa.String(length=20), nullable=False, server_default='1,2,3,4,5'))
        batch_op.add_column(sa.Column('sla_working_hours', sa.String(length=100), nullable=False, server_default='09:00-13:00,14:00-18:00'))

    # SQLite's batch mode rebuilds the table from reflection, which cannot see
    # the expression index on lower(email): drop it first and create it again.
    op.drop_index('uq_users_email_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_customer_admin', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index('uq_users_email_lower', 'users', [sa.text('lower(email)')], unique=True)



def downgrade():
    op.drop_index('uq_users_email_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_customer_admin')
    op.create_index('uq_users_email_lower', 'users', [sa.text('lower(email)')], unique=True)

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_contracts_portal_time_display'), type_='check')
        batch_op.drop_column('sla_working_hours')
        batch_op.drop_column('sla_working_days')
        batch_op.drop_column('sla_timezone')
        batch_op.drop_column('sla_business_hours')
        batch_op.drop_column('portal_shows_agent_names')
        batch_op.drop_column('portal_time_display')

    with op.batch_alter_table('statement_acknowledgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_acknowledgements_statement_id'))

    op.drop_table('statement_acknowledgements')
    with op.batch_alter_table('user_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_tokens_user_id'))

    op.drop_table('user_tokens')
    with op.batch_alter_table('contract_sla_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_sla_targets_contract_id'))

    op.drop_table('contract_sla_targets')
