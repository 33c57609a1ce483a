-- The application role's privileges: DML on Rampart's tables, except that the append-only audit
-- tables can be read and written to but never changed or emptied, and the migration history can
-- only be read. Ends by checking the result; any deviation aborts with the list of problems.
--
-- Idempotent; re-run it after every migration:
--   * rampart-migrate.service runs it after each `rampart migrate up`, as the schema owner;
--   * deploy/postgres/setup.sh runs it once the database and roles exist, as the superuser;
--   * by hand: psql -h 127.0.0.1 -U rampart_owner -d rampart -f deploy/postgres/grants.sql
-- Why after each migration: ALTER DEFAULT PRIVILEGES gives the application role DML on every new
-- table the owner creates, a new audit table included; this file takes UPDATE, DELETE and TRUNCATE
-- back from those. The database triggers (rampart_forbid_change) refuse such changes as well:
-- privileges are the second lock, and the one that also holds if a trigger is ever dropped.
--
-- psql variables (-v name=value): owner_role (default rampart_owner), app_role (default
-- rampart_app). Works on PostgreSQL 14 and later; needs psql 10 or later.

\set ON_ERROR_STOP on
\if :{?owner_role}
\else
  \set owner_role rampart_owner
\endif
\if :{?app_role}
\else
  \set app_role rampart_app
\endif

begin;

-- PL/pgSQL blocks cannot see psql variables: hand the role names over as transaction settings.
select set_config('rampart.owner_role', :'owner_role', true) as owner_role,
       set_config('rampart.app_role', :'app_role', true) as app_role \gset

-- The database: only roles granted CONNECT get in (PUBLIC does by default).
do $$
declare
  app text := current_setting('rampart.app_role');
begin
  execute format('revoke all on database %I from public', current_database());
  execute format('grant connect on database %I to %I', current_database(), app);
end
$$;

-- The schema: nobody but the owner creates objects in it (PostgreSQL 14 still lets PUBLIC).
revoke create on schema public from public;
grant usage on schema public to :"app_role";

-- Tables and sequences the owner creates from now on: DML for the application role.
alter default privileges for role :"owner_role" in schema public
  grant select, insert, update, delete on tables to :"app_role";
alter default privileges for role :"owner_role" in schema public
  grant usage, select on sequences to :"app_role";

do $$
declare
  owner text := current_setting('rampart.owner_role');
  app text := current_setting('rampart.app_role');
  relation regclass;
begin
  -- Tables and sequences that exist already. Only the owner's: extension objects
  -- (pg_stat_statements' views) keep the privileges their extension gave them.
  for relation in
    select c.oid::regclass
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public'
      and c.relkind in ('r', 'p', 'v', 'm')
      and pg_get_userbyid(c.relowner) = owner
  loop
    execute format('grant select, insert, update, delete on %s to %I', relation, app);
  end loop;
  for relation in
    select c.oid::regclass
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'S' and pg_get_userbyid(c.relowner) = owner
  loop
    execute format('grant usage, select on sequence %s to %I', relation, app);
  end loop;
end
$$;

-- The append-only audit tables: the ones named here (the audit trail as of migration 5), and any
-- table a later migration protects with the rampart_forbid_change() trigger, so a new audit table
-- is covered without editing this file.
create temporary view rampart_audit_tables as
  select c.oid::regclass as relation
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public'
    and c.relkind in ('r', 'p')
    and (
      c.relname in (
        'transaction_events',
        'ledger_journals',
        'ledger_postings',
        'customer_events',
        'stellar_submission_envelopes',
        'signoffs'
      )
      or exists (
        select 1
        from pg_trigger t
        join pg_proc p on p.oid = t.tgfoid
        where t.tgrelid = c.oid and p.proname = 'rampart_forbid_change'
      )
    );

do $$
declare
  app text := current_setting('rampart.app_role');
  relation regclass;
begin
  for relation in select a.relation from rampart_audit_tables a loop
    execute format('revoke update, delete, truncate on %s from %I', relation, app);
  end loop;
  -- The migration history is written by migrations (the owner) only.
  if to_regclass('public.schema_migrations') is not null then
    execute format('revoke insert, update, delete, truncate on public.schema_migrations from %I', app);
  end if;
end
$$;

-- Check the outcome with PostgreSQL's own privilege functions, which count every path to a
-- privilege (grants to PUBLIC, role memberships, ownership), not only what this file granted.
do $$
declare
  owner text := current_setting('rampart.owner_role');
  app text := current_setting('rampart.app_role');
  app_role pg_roles%rowtype;
  owner_role pg_roles%rowtype;
  relation regclass;
  problems text[] := '{}';
begin
  select * into app_role from pg_roles where rolname = app;
  if not found then
    raise exception 'grants.sql: role % does not exist', app;
  end if;
  select * into owner_role from pg_roles where rolname = owner;
  if not found then
    raise exception 'grants.sql: role % does not exist', owner;
  end if;

  if app_role.rolsuper or app_role.rolcreatedb or app_role.rolcreaterole
     or app_role.rolreplication or app_role.rolbypassrls then
    problems := problems || format('%s must be NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', app);
  end if;
  if owner_role.rolsuper then
    problems := problems || format('%s must not be a superuser', owner);
  end if;
  if pg_has_role(app, owner, 'MEMBER') then
    problems := problems || format('%s is a member of %s and so holds all its rights', app, owner);
  end if;
  if exists (select 1 from pg_class where relowner = app_role.oid) then
    problems := problems || format('%s owns relations; everything must belong to %s', app, owner);
  end if;
  if has_schema_privilege(app, 'public', 'CREATE') then
    problems := problems || format('%s may create objects in schema public', app);
  end if;
  if has_database_privilege(app, current_database(), 'CREATE') then
    problems := problems || format('%s may create schemas in database %s', app, current_database());
  end if;
  if not has_database_privilege(app, current_database(), 'CONNECT') then
    problems := problems || format('%s may not connect to database %s', app, current_database());
  end if;

  for relation in select a.relation from rampart_audit_tables a loop
    if has_table_privilege(app, relation, 'UPDATE')
       or has_table_privilege(app, relation, 'DELETE')
       or has_table_privilege(app, relation, 'TRUNCATE') then
      problems := problems || format('%s may still UPDATE, DELETE or TRUNCATE audit table %s', app, relation);
    end if;
    if not (has_table_privilege(app, relation, 'SELECT') and has_table_privilege(app, relation, 'INSERT')) then
      problems := problems || format('%s must SELECT and INSERT audit table %s', app, relation);
    end if;
  end loop;

  if to_regclass('public.schema_migrations') is not null
     and (has_table_privilege(app, 'public.schema_migrations', 'INSERT')
          or has_table_privilege(app, 'public.schema_migrations', 'UPDATE')
          or has_table_privilege(app, 'public.schema_migrations', 'DELETE')) then
    problems := problems || format('%s may change schema_migrations', app);
  end if;

  if cardinality(problems) > 0 then
    raise exception 'grants.sql: the application role''s privileges are wrong: %', array_to_string(problems, '; ');
  end if;
end
$$;

drop view rampart_audit_tables;

commit;
