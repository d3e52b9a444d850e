"""register: the shared register of rental housing and the floating
population (properties on the address directory, residents and their stays,
children, employers, visits, findings, photos, the departments' views and
the access log); grids on address entries

Revision ID: f1a2b3c40017
Revises: f1a2b3c40013
Create Date: 2026-12-03 10:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a2b3c40017'
down_revision = 'f1a2b3c40013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('register_employers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('address', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_employers')),
        sa.UniqueConstraint('name', name=op.f('uq_register_employers_name'))
    )
    op.create_table('register_residents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('id_cipher', sa.Text(), nullable=True),
        sa.Column('id_index', sa.String(length=64), nullable=True),
        sa.Column('id_masked', sa.String(length=18), nullable=True),
        sa.Column('birth_date', sa.Date(), nullable=True),
        sa.Column('phone', sa.String(length=20), nullable=True),
        sa.Column('origin', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_residents')),
        sa.UniqueConstraint('id_index', name=op.f('uq_register_residents_id_index'))
    )
    with op.batch_alter_table('register_residents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_residents_updated_at'), ['updated_at'], unique=False)

    op.create_table('register_children',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('birth_date', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['resident_id'], ['register_residents.id'], name=op.f('fk_register_children_resident_id_register_residents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_children'))
    )
    with op.batch_alter_table('register_children', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_children_resident_id'), ['resident_id'], unique=False)

    op.create_table('register_views',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('list_name', sa.String(length=40), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('may_reveal', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_register_views_unit_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_views')),
        sa.UniqueConstraint('unit_id', 'list_name', name='uq_register_views_list')
    )
    with op.batch_alter_table('register_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_views_unit_id'), ['unit_id'], unique=False)

    op.create_table('register_properties',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('address_entry_id', sa.Integer(), nullable=False),
        sa.Column('address_text', sa.String(length=200), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('grid_id', sa.Integer(), nullable=True),
        sa.Column('landlord_name', sa.String(length=100), nullable=False),
        sa.Column('landlord_phone', sa.String(length=20), nullable=True),
        sa.Column('landlord_id_cipher', sa.Text(), nullable=True),
        sa.Column('landlord_id_index', sa.String(length=64), nullable=True),
        sa.Column('landlord_id_masked', sa.String(length=18), nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('rooms', sa.Integer(), nullable=False),
        sa.Column('beds', sa.Integer(), nullable=False),
        sa.Column('floor_area', sa.Double(), nullable=True),
        sa.Column('use', sa.String(length=100), nullable=False),
        sa.Column('grade', sa.String(length=32), nullable=False),
        sa.Column('grade_reason', sa.String(length=300), nullable=False),
        sa.Column('status', sa.String(length=32), nullable=False),
        sa.Column('next_visit_due', sa.Date(), nullable=True),
        sa.Column('last_visited_on', sa.Date(), nullable=True),
        sa.Column('emptied_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['address_entry_id'], ['address_entries.id'], name=op.f('fk_register_properties_address_entry_id_address_entries')),
        sa.ForeignKeyConstraint(['community_id'], ['org_units.id'], name=op.f('fk_register_properties_community_id_org_units')),
        sa.ForeignKeyConstraint(['grid_id'], ['org_units.id'], name=op.f('fk_register_properties_grid_id_org_units')),
        sa.ForeignKeyConstraint(['street_id'], ['org_units.id'], name=op.f('fk_register_properties_street_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_properties')),
        sa.UniqueConstraint('code', name=op.f('uq_register_properties_code'))
    )
    with op.batch_alter_table('register_properties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_properties_address_entry_id'), ['address_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_properties_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_properties_grade'), ['grade'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_properties_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_properties_landlord_id_index'), ['landlord_id_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_properties_next_visit_due'), ['next_visit_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_properties_street_id'), ['street_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_properties_updated_at'), ['updated_at'], unique=False)

    op.create_table('register_access_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('actor_label', sa.String(length=100), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=True),
        sa.Column('property_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('detail', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['property_id'], ['register_properties.id'], name=op.f('fk_register_access_log_property_id_register_properties')),
        sa.ForeignKeyConstraint(['resident_id'], ['register_residents.id'], name=op.f('fk_register_access_log_resident_id_register_residents')),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_register_access_log_unit_id_org_units')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_register_access_log_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_access_log'))
    )
    with op.batch_alter_table('register_access_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_access_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_access_log_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_access_log_user_id'), ['user_id'], unique=False)

    op.create_table('register_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('property_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=True),
        sa.Column('actor_user_id', sa.Integer(), nullable=True),
        sa.Column('actor_label', sa.String(length=100), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_register_events_actor_user_id_users')),
        sa.ForeignKeyConstraint(['property_id'], ['register_properties.id'], name=op.f('fk_register_events_property_id_register_properties')),
        sa.ForeignKeyConstraint(['resident_id'], ['register_residents.id'], name=op.f('fk_register_events_resident_id_register_residents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_events'))
    )
    with op.batch_alter_table('register_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_events_property_id'), ['property_id'], unique=False)

    op.create_table('register_residencies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('property_id', sa.Integer(), nullable=False),
        sa.Column('room', sa.String(length=50), nullable=False),
        sa.Column('arrived_on', sa.Date(), nullable=False),
        sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('registration_due', sa.DateTime(timezone=True), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('registered_via', sa.String(length=20), nullable=False),
        sa.Column('registered_by_id', sa.Integer(), nullable=True),
        sa.Column('employer_id', sa.Integer(), nullable=True),
        sa.Column('employer_text', sa.String(length=200), nullable=False),
        sa.Column('left_on', sa.Date(), nullable=True),
        sa.Column('followed_up_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('followed_up_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['employer_id'], ['register_employers.id'], name=op.f('fk_register_residencies_employer_id_register_employers')),
        sa.ForeignKeyConstraint(['followed_up_by_id'], ['users.id'], name=op.f('fk_register_residencies_followed_up_by_id_users')),
        sa.ForeignKeyConstraint(['property_id'], ['register_properties.id'], name=op.f('fk_register_residencies_property_id_register_properties')),
        sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_register_residencies_registered_by_id_users')),
        sa.ForeignKeyConstraint(['resident_id'], ['register_residents.id'], name=op.f('fk_register_residencies_resident_id_register_residents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_residencies'))
    )
    with op.batch_alter_table('register_residencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_residencies_property_id'), ['property_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_residencies_registered_at'), ['registered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_residencies_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index('uq_register_residencies_current', ['resident_id', 'property_id'], unique=True, postgresql_where=sa.text('left_on IS NULL'), sqlite_where=sa.text('left_on IS NULL'))

    op.create_table('register_visits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('property_id', sa.Integer(), nullable=False),
        sa.Column('inspector_id', sa.Integer(), nullable=False),
        sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('visited_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('on_time', sa.Boolean(), nullable=True),
        sa.Column('grade_before', sa.String(length=32), nullable=False),
        sa.Column('grade_after', sa.String(length=32), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('checklist', sa.JSON(), nullable=False),
        sa.Column('notes', sa.JSON(), nullable=False),
        sa.Column('people_count', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['inspector_id'], ['users.id'], name=op.f('fk_register_visits_inspector_id_users')),
        sa.ForeignKeyConstraint(['property_id'], ['register_properties.id'], name=op.f('fk_register_visits_property_id_register_properties')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_visits'))
    )
    with op.batch_alter_table('register_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_visits_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_visits_property_id'), ['property_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_visits_visited_at'), ['visited_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_visits_visited_on'), ['visited_on'], unique=False)

    op.create_table('register_findings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('property_id', sa.Integer(), nullable=False),
        sa.Column('section', sa.String(length=20), nullable=False),
        sa.Column('item', sa.String(length=40), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('checks', sa.Integer(), nullable=False),
        sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_register_findings_case_id_cases')),
        sa.ForeignKeyConstraint(['property_id'], ['register_properties.id'], name=op.f('fk_register_findings_property_id_register_properties')),
        sa.ForeignKeyConstraint(['visit_id'], ['register_visits.id'], name=op.f('fk_register_findings_visit_id_register_visits')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_findings')),
        sa.UniqueConstraint('case_id', name=op.f('uq_register_findings_case_id'))
    )
    with op.batch_alter_table('register_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_findings_property_id'), ['property_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_findings_section'), ['section'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_findings_visit_id'), ['visit_id'], unique=False)

    op.create_table('register_photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(['visit_id'], ['register_visits.id'], name=op.f('fk_register_photos_visit_id_register_visits')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_photos'))
    )
    with op.batch_alter_table('register_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_photos_visit_id'), ['visit_id'], unique=False)

    with op.batch_alter_table('address_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grid_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_address_entries_grid_id'), ['grid_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_address_entries_grid_id_org_units'), 'org_units', ['grid_id'], ['id'])


def downgrade():
    with op.batch_alter_table('address_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_address_entries_grid_id_org_units'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_address_entries_grid_id'))
        batch_op.drop_column('grid_id')

    with op.batch_alter_table('register_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_photos_visit_id'))

    op.drop_table('register_photos')
    with op.batch_alter_table('register_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_findings_visit_id'))
        batch_op.drop_index(batch_op.f('ix_register_findings_section'))
        batch_op.drop_index(batch_op.f('ix_register_findings_property_id'))

    op.drop_table('register_findings')
    with op.batch_alter_table('register_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_visits_visited_on'))
        batch_op.drop_index(batch_op.f('ix_register_visits_visited_at'))
        batch_op.drop_index(batch_op.f('ix_register_visits_property_id'))
        batch_op.drop_index(batch_op.f('ix_register_visits_due_on'))

    op.drop_table('register_visits')
    with op.batch_alter_table('register_residencies', schema=None) as batch_op:
        batch_op.drop_index('uq_register_residencies_current', postgresql_where=sa.text('left_on IS NULL'), sqlite_where=sa.text('left_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_register_residencies_resident_id'))
        batch_op.drop_index(batch_op.f('ix_register_residencies_registered_at'))
        batch_op.drop_index(batch_op.f('ix_register_residencies_property_id'))

    op.drop_table('register_residencies')
    with op.batch_alter_table('register_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_events_property_id'))
        batch_op.drop_index(batch_op.f('ix_register_events_at'))

    op.drop_table('register_events')
    with op.batch_alter_table('register_access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_access_log_user_id'))
        batch_op.drop_index(batch_op.f('ix_register_access_log_resident_id'))
        batch_op.drop_index(batch_op.f('ix_register_access_log_at'))

    op.drop_table('register_access_log')
    with op.batch_alter_table('register_properties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_properties_updated_at'))
        batch_op.drop_index(batch_op.f('ix_register_properties_street_id'))
        batch_op.drop_index(batch_op.f('ix_register_properties_next_visit_due'))
        batch_op.drop_index(batch_op.f('ix_register_properties_landlord_id_index'))
        batch_op.drop_index(batch_op.f('ix_register_properties_grid_id'))
        batch_op.drop_index(batch_op.f('ix_register_properties_grade'))
        batch_op.drop_index(batch_op.f('ix_register_properties_community_id'))
        batch_op.drop_index(batch_op.f('ix_register_properties_address_entry_id'))

    op.drop_table('register_properties')
    with op.batch_alter_table('register_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_views_unit_id'))

    op.drop_table('register_views')
    with op.batch_alter_table('register_children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_children_resident_id'))

    op.drop_table('register_children')
    with op.batch_alter_table('register_residents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_residents_updated_at'))

    op.drop_table('register_residents')
    op.drop_table('register_employers')
