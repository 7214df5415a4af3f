"""Add billing terms, rates, prepaid packages, resources and statement items.

Also void, adjustments, closed months, background PDF status, ticket status
history for SLA pauses, agent levels and an index on audit_events.action.
Statements issued before this revision keep their per-entry amounts: their
lines get raw_minutes = minutes and their PDFs are marked ready.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('closed_months',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_closed_months_closed_by_id_users')),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_closed_months'))
    )
    op.create_table('contract_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('activity_type_id', sa.Integer(), nullable=False),
    sa.Column('agent_level', sa.String(length=40), nullable=False),
    sa.Column('hourly_rate', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('hourly_rate >= 0', name=op.f('ck_contract_rates_rate_not_negative')),
    sa.ForeignKeyConstraint(['activity_type_id'], ['activity_types.id'], name=op.f('fk_contract_rates_activity_type_id_activity_types')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_rates_contract_id_contracts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_rates')),
    sa.UniqueConstraint('contract_id', 'activity_type_id', 'agent_level', 'effective_from', name='uq_contract_rates_key')
    )
    with op.batch_alter_table('contract_rates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_rates_contract_id'), ['contract_id'], unique=False)

    op.create_table('prepaid_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('minutes_bought', sa.Integer(), nullable=False),
    sa.Column('purchase_date', sa.Date(), nullable=False),
    sa.Column('expiry_date', sa.Date(), nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('alerted_percent', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('alerted_percent IN (0, 75, 90, 100)', name=op.f('ck_prepaid_packages_alerted_percent_allowed')),
    sa.CheckConstraint('expiry_date >= purchase_date', name=op.f('ck_prepaid_packages_valid_period')),
    sa.CheckConstraint('minutes_bought > 0', name=op.f('ck_prepaid_packages_minutes_positive')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_prepaid_packages_price_not_negative')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_prepaid_packages_contract_id_contracts')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_prepaid_packages_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prepaid_packages'))
    )
    with op.batch_alter_table('prepaid_packages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prepaid_packages_contract_id'), ['contract_id'], unique=False)

    op.create_table('adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('original_statement_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('applied_statement_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_adjustments_amount_not_zero')),
    sa.ForeignKeyConstraint(['applied_statement_id'], ['statements.id'], name=op.f('fk_adjustments_applied_statement_id_statements')),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_adjustments_cancelled_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_adjustments_created_by_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_adjustments_customer_id_customers')),
    sa.ForeignKeyConstraint(['original_statement_id'], ['statements.id'], name=op.f('fk_adjustments_original_statement_id_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjustments'))
    )
    with op.batch_alter_table('adjustments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adjustments_applied_statement_id'), ['applied_statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adjustments_customer_id'), ['customer_id'], unique=False)

    op.create_table('resource_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('work_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('call_out', 'mileage', 'material', name='kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('internal_note', sa.Text(), nullable=False),
    sa.Column('is_billable', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'approved', 'rejected', name='status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('statement_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('client_token', sa.String(length=64), nullable=True),
    sa.CheckConstraint("kind <> 'material' OR unit_price IS NOT NULL", name=op.f('ck_resource_entries_material_has_price')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_resource_entries_quantity_positive')),
    sa.CheckConstraint('unit_price IS NULL OR unit_price >= 0', name=op.f('ck_resource_entries_unit_price_not_negative')),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_resource_entries_agent_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_resource_entries_decided_by_id_users')),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_resource_entries_statement_id_statements')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_resource_entries_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_entries')),
    sa.UniqueConstraint('agent_id', 'client_token', name='uq_resource_entries_agent_client_token')
    )
    with op.batch_alter_table('resource_entries', schema=None) as batch_op:
        batch_op.create_index('ix_resource_entries_agent_date', ['agent_id', 'work_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_entries_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index('ix_resource_entries_status_date', ['status', 'work_date'], unique=False)
        batch_op.create_index('ix_resource_entries_ticket_date', ['ticket_id', 'work_date'], unique=False)

    op.create_table('statement_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('labour', 'overage', 'monthly_fee', 'call_out', 'mileage', 'material', 'adjustment', name='kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('contract_name', sa.String(length=200), nullable=True),
    sa.Column('ticket_key', sa.String(length=32), nullable=True),
    sa.Column('ticket_title', sa.String(length=300), nullable=True),
    sa.Column('activity', sa.String(length=100), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('bands', sa.String(length=60), nullable=False),
    sa.Column('raw_minutes', sa.Integer(), nullable=False),
    sa.Column('billed_minutes', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('multiplier', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('is_included', sa.Boolean(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('refers_to_number', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_items_statement_id_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_items'))
    )
    with op.batch_alter_table('statement_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_items_statement_id'), ['statement_id'], unique=False)

    op.create_table('statement_package_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('package_name', sa.String(length=120), nullable=False),
    sa.Column('purchase_date', sa.Date(), nullable=False),
    sa.Column('expiry_date', sa.Date(), nullable=False),
    sa.Column('minutes_bought', sa.Integer(), nullable=False),
    sa.Column('opening_minutes', sa.Integer(), nullable=False),
    sa.Column('consumed_minutes', sa.Integer(), nullable=False),
    sa.Column('closing_minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['package_id'], ['prepaid_packages.id'], name=op.f('fk_statement_package_lines_package_id_prepaid_packages')),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_package_lines_statement_id_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_package_lines'))
    )
    with op.batch_alter_table('statement_package_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_package_lines_statement_id'), ['statement_id'], unique=False)

    op.create_table('ticket_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('open', 'in_progress', 'waiting', 'resolved', 'closed', name='from_status', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('to_status', sa.Enum('open', 'in_progress', 'waiting', 'resolved', 'closed', name='to_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_ticket_status_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_status_changes_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_status_changes'))
    )
    with op.batch_alter_table('ticket_status_changes', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_status_changes_ticket', ['ticket_id', 'changed_at'], unique=False)

    op.create_table('package_draws',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('time_entry_id', sa.Integer(), nullable=True),
    sa.Column('work_date', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_package_draws_minutes_positive')),
    sa.ForeignKeyConstraint(['package_id'], ['prepaid_packages.id'], name=op.f('fk_package_draws_package_id_prepaid_packages')),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_package_draws_statement_id_statements')),
    sa.ForeignKeyConstraint(['time_entry_id'], ['time_entries.id'], name=op.f('fk_package_draws_time_entry_id_time_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_draws'))
    )
    with op.batch_alter_table('package_draws', schema=None) as batch_op:
        batch_op.create_index('ix_package_draws_package_date', ['package_id', 'work_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_package_draws_statement_id'), ['statement_id'], unique=False)

    with op.batch_alter_table('activity_types', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_on_site', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_action', ['action'], unique=False)

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('billing_model', sa.Enum('time_and_materials', 'prepaid', 'monthly_fee', name='billing_model', native_enum=False, create_constraint=True), nullable=False, server_default='time_and_materials'))
        batch_op.add_column(sa.Column('rounding_increment', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('rounding_direction', sa.Enum('up', 'nearest', 'down', name='rounding_direction', native_enum=False, create_constraint=True), nullable=False, server_default='up'))
        batch_op.add_column(sa.Column('rounding_scope', sa.Enum('per_entry', 'per_ticket_day', name='rounding_scope', native_enum=False, create_constraint=True), nullable=False, server_default='per_entry'))
        batch_op.add_column(sa.Column('minimum_minutes', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('call_out_fee', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('rate_per_km', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('overage_rate', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('monthly_fee', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('monthly_included_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('evening_multiplier', sa.Numeric(precision=5, scale=2), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('night_multiplier', sa.Numeric(precision=5, scale=2), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('saturday_multiplier', sa.Numeric(precision=5, scale=2), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('sunday_multiplier', sa.Numeric(precision=5, scale=2), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('holiday_multiplier', sa.Numeric(precision=5, scale=2), nullable=False, server_default='1'))
        batch_op.create_check_constraint(op.f('ck_contracts_rounding_increment_allowed'), 'rounding_increment IN (1, 5, 6, 10, 15, 30, 60)')
        batch_op.create_check_constraint(op.f('ck_contracts_minimum_not_negative'), 'minimum_minutes >= 0')

    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('labour', 'overage', 'monthly_fee', 'call_out', 'mileage', 'material', 'adjustment', name='kind', native_enum=False, create_constraint=True), nullable=False, server_default='labour'))
        batch_op.add_column(sa.Column('resource_entry_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('raw_minutes', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('quantity', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.alter_column('amount',
               existing_type=sa.NUMERIC(precision=12, scale=2),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_statement_lines_resource_entry_id_resource_entries'), 'resource_entries', ['resource_entry_id'], ['id'])

    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw_minutes', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('subtotal_amount', sa.Numeric(precision=12, scale=2), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('vat_rate', sa.Numeric(precision=5, scale=2), nullable=True))
        batch_op.add_column(sa.Column('vat_amount', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('vat_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('pending_override_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('pdf_status', sa.Enum('pending', 'rendering', 'ready', 'failed', name='pdf_status', native_enum=False, create_constraint=True), nullable=False, server_default='ready'))
        batch_op.add_column(sa.Column('pdf_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('void_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('voided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('void_pdf', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('void_pdf_sha256', sa.String(length=64), nullable=True))
        batch_op.alter_column('hourly_rate',
               existing_type=sa.NUMERIC(precision=12, scale=2),
               nullable=True)
        batch_op.alter_column('pdf_sha256',
               existing_type=sa.VARCHAR(length=64),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_statements_voided_by_id_users'), 'users', ['voided_by_id'], ['id'])

    # The batch rebuild of users cannot carry the expression index: see 0002.
    op.drop_index('uq_users_email_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.String(length=40), nullable=False, server_default=''))
    op.create_index('uq_users_email_lower', 'users', [sa.text('lower(email)')], unique=True)

    # Statements issued before items existed: worked minutes were not kept
    # apart, and their PDFs were rendered at issue.
    op.execute('UPDATE statement_lines SET raw_minutes = minutes')
    op.execute('UPDATE statements SET raw_minutes = total_minutes, subtotal_amount = total_amount')



def downgrade():
    op.drop_index('uq_users_email_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('level')
    op.create_index('uq_users_email_lower', 'users', [sa.text('lower(email)')], unique=True)

    # Older revisions require these values; statements issued later have none.
    op.execute("UPDATE statements SET pdf_sha256 = '' WHERE pdf_sha256 IS NULL")
    op.execute('UPDATE statements SET hourly_rate = 0 WHERE hourly_rate IS NULL')
    op.execute('UPDATE statement_lines SET amount = 0 WHERE amount IS NULL')

    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_statements_voided_by_id_users'), type_='foreignkey')
        batch_op.alter_column('pdf_sha256',
               existing_type=sa.VARCHAR(length=64),
               nullable=False)
        batch_op.alter_column('hourly_rate',
               existing_type=sa.NUMERIC(precision=12, scale=2),
               nullable=False)
        batch_op.drop_column('void_pdf_sha256')
        batch_op.drop_column('void_pdf')
        batch_op.drop_column('voided_by_id')
        batch_op.drop_column('voided_at')
        batch_op.drop_column('void_reason')
        batch_op.drop_column('pdf_error')
        batch_op.drop_constraint(op.f('ck_statements_pdf_status'), type_='check')
        batch_op.drop_column('pdf_status')
        batch_op.drop_column('pending_override_reason')
        batch_op.drop_column('vat_note')
        batch_op.drop_column('vat_amount')
        batch_op.drop_column('vat_rate')
        batch_op.drop_column('subtotal_amount')
        batch_op.drop_column('raw_minutes')

    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_statement_lines_resource_entry_id_resource_entries'), type_='foreignkey')
        batch_op.alter_column('amount',
               existing_type=sa.NUMERIC(precision=12, scale=2),
               nullable=False)
        batch_op.drop_column('quantity')
        batch_op.drop_column('raw_minutes')
        batch_op.drop_column('resource_entry_id')
        batch_op.drop_constraint(op.f('ck_statement_lines_kind'), type_='check')
        batch_op.drop_column('kind')

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_contracts_minimum_not_negative'), type_='check')
        batch_op.drop_constraint(op.f('ck_contracts_rounding_increment_allowed'), type_='check')
        batch_op.drop_constraint(op.f('ck_contracts_rounding_scope'), type_='check')
        batch_op.drop_constraint(op.f('ck_contracts_rounding_direction'), type_='check')
        batch_op.drop_constraint(op.f('ck_contracts_billing_model'), type_='check')
        batch_op.drop_column('holiday_multiplier')
        batch_op.drop_column('sunday_multiplier')
        batch_op.drop_column('saturday_multiplier')
        batch_op.drop_column('night_multiplier')
        batch_op.drop_column('evening_multiplier')
        batch_op.drop_column('monthly_included_minutes')
        batch_op.drop_column('monthly_fee')
        batch_op.drop_column('overage_rate')
        batch_op.drop_column('rate_per_km')
        batch_op.drop_column('call_out_fee')
        batch_op.drop_column('minimum_minutes')
        batch_op.drop_column('rounding_scope')
        batch_op.drop_column('rounding_direction')
        batch_op.drop_column('rounding_increment')
        batch_op.drop_column('billing_model')

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_action')

    with op.batch_alter_table('activity_types', schema=None) as batch_op:
        batch_op.drop_column('is_on_site')

    with op.batch_alter_table('package_draws', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_package_draws_statement_id'))
        batch_op.drop_index('ix_package_draws_package_date')

    op.drop_table('package_draws')
    with op.batch_alter_table('ticket_status_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_status_changes_ticket')

    op.drop_table('ticket_status_changes')
    with op.batch_alter_table('statement_package_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_package_lines_statement_id'))

    op.drop_table('statement_package_lines')
    with op.batch_alter_table('statement_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_items_statement_id'))

    op.drop_table('statement_items')
    with op.batch_alter_table('resource_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_resource_entries_ticket_date')
        batch_op.drop_index('ix_resource_entries_status_date')
        batch_op.drop_index(batch_op.f('ix_resource_entries_statement_id'))
        batch_op.drop_index('ix_resource_entries_agent_date')

    op.drop_table('resource_entries')
    with op.batch_alter_table('adjustments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adjustments_customer_id'))
        batch_op.drop_index(batch_op.f('ix_adjustments_applied_statement_id'))

    op.drop_table('adjustments')
    with op.batch_alter_table('prepaid_packages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prepaid_packages_contract_id'))

    op.drop_table('prepaid_packages')
    with op.batch_alter_table('contract_rates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_rates_contract_id'))

    op.drop_table('contract_rates')
    op.drop_table('closed_months')
